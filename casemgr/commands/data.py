"""``casemgr import`` and ``casemgr export``: data in and out.

``import FILE --preset NAME [--dry-run] [--json] [--skip-invalid]`` previews (dry run) or
imports a device/spreadsheet export; rejected rows make it exit 1 with the row report and
nothing written unless ``--skip-invalid``. A casemgr JSON export (``export -o X.json``) is
imported without a preset into a database that does not hold that athlete yet.
``export CASE_ID -o OUT.csv|OUT.json`` exports a case, ``export --athlete ID -o ...``
everything about one athlete (a data-subject access request).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from casemgr.commands._common import login, open_db, record_id
from casemgr.errors import ValidationError

ORDER = 60


def register(sub) -> None:
    im = sub.add_parser(
        "import",
        help="import a device/spreadsheet export (preview with --dry-run) or a casemgr export",
    )
    im.add_argument("file", type=Path)
    im.add_argument("--preset", help="import preset: gps, timing-gates, nordic, wellness-eu, ...")
    im.add_argument(
        "--dry-run", action="store_true", help="show what would be written; write nothing"
    )
    im.add_argument("--json", action="store_true", help="print the report as JSON")
    im.add_argument(
        "--encoding", choices=["auto", "utf-8", "utf-16", "cp1252"], help="override the preset"
    )
    im.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows even when some rows are rejected (they are listed)",
    )
    im.set_defaults(handler=cmd_import)

    ex = sub.add_parser(
        "export", help="export a case (or an athlete's whole record) as CSV or JSON"
    )
    ex.add_argument("case_id", type=record_id, nargs="?")
    ex.add_argument("--athlete", help="export everything about this athlete (id or external id)")
    ex.add_argument("-o", "--output", type=Path, required=True, help="OUT.csv or OUT.json")
    ex.add_argument("--force", action="store_true", help="replace OUT if it exists")
    ex.set_defaults(handler=cmd_export)


def _fmt_time(value, tz=None) -> str:
    """A stored (UTC) moment as the clinic's local date and time."""
    if not value:
        return "-"
    return (value.astimezone(tz) if tz is not None else value).strftime("%Y-%m-%d %H:%M")


def print_report(report, *, out=None, tz=None) -> None:
    """The import report as text: totals, per athlete and measure, rejected rows; dates
    in the clinic's zone *tz*."""
    from casemgr.clinical.catalogue import format_number, load_catalogue
    from casemgr.importing.reader import DELIMITERS

    out = out or sys.stdout
    cat = load_catalogue()
    w = out.write
    w(
        f"{report.file_name}: preset {report.preset}, {report.encoding}, "
        f"{DELIMITERS.get(report.delimiter, report.delimiter)}-separated, header on line "
        f"{report.header_line}\nSHA-256 {report.sha256}\n"
    )
    w(
        f"{report.rows_read} rows read, {report.rows_accepted} accepted, "
        f"{len(report.rejected)} rejected; {report.measures_new} values to write, "
        f"{report.measures_existing} already stored\n"
    )
    current = None
    for sm in report.summaries:
        if sm.athlete_id != current:
            current = sm.athlete_id
            ext = f" ({sm.external_id})" if sm.external_id else ""
            w(f"  {sm.athlete_name}{ext}\n")
        m = cat.get(sm.key)
        limb = f" {sm.limb}" if sm.limb else ""
        span = ""
        if sm.new:
            lo, hi = (
                format_number(sm.min_value, m.decimals),
                format_number(sm.max_value, m.decimals),
            )
            rng = lo if lo == hi else f"{lo}-{hi}"
            span = (
                f" {_fmt_time(sm.first, tz)[:10]}..{_fmt_time(sm.last, tz)[:10]}, {rng} "
                f"{m.unit}".rstrip()
            )
            if sm.on_case < sm.new:
                span += f", {sm.new - sm.on_case} on the athlete only (no open case then)"
        existing = f" ({sm.existing} already stored)" if sm.existing else ""
        w(f"    {sm.label}{limb}: {sm.new} new{existing}{span}\n")
    for text in report.warnings:
        w(f"warning: {text}\n")
    if report.unknown:
        w("Unknown athletes (create them or match them to an athlete, then import again):\n")
        for u in report.unknown:
            who = " ".join(
                x for x in (u.name and f"'{u.name}'", u.external_id and f"[{u.external_id}]") if x
            )
            hint = ""
            if u.suggestions:
                hint = "; did you mean " + " or ".join(n for _i, n in u.suggestions) + "?"
            w(f"  {who}: {len(u.lines)} row(s), first on line {u.lines[0]}{hint}\n")
    if report.rejected:
        w("Rejected rows:\n")
        for r in report.rejected:
            w(f"  line {r.line}: {r.reason}\n")
    if report.skipped:
        w(f"Skipped (not data): {len(report.skipped)} line(s)\n")
        for r in report.skipped[:50]:
            w(f"  line {r.line}: {r.reason}\n")


def cmd_import(args) -> int:
    from casemgr.importing.pipeline import ImportRejected

    if args.file.suffix.lower() == ".json" and args.preset is None:
        return _import_export_file(args)
    if not args.preset:
        raise ValidationError(
            "Say which preset reads this file: --preset gps|timing-gates|nordic|wellness-eu|"
            "generic (or a preset saved in the app)."
        )
    from casemgr.services.imports import import_file, preview_import
    from casemgr.services.settings import clinic_zone

    database = open_db(args)
    try:
        actor = login(args, database)
        try:
            with database.session() as s:
                args.clinic_zone = clinic_zone(s)
                if args.dry_run:
                    report = preview_import(
                        s, actor, args.file, args.preset, encoding=args.encoding
                    )
                else:
                    report = import_file(
                        s,
                        actor,
                        args.file,
                        args.preset,
                        encoding=args.encoding,
                        allow_rejected=args.skip_invalid,
                    )
        except ImportRejected as exc:
            _emit(args, exc.report)
            print(f"casemgr: {exc}", file=sys.stderr)
            return 1
    finally:
        database.dispose()
    _emit(args, report)
    if args.dry_run:
        if not args.json:
            print("Dry run: nothing was written.")
        if report.rejected and not args.skip_invalid:
            print(
                f"casemgr: {len(report.rejected)} row(s) would be rejected; an import would "
                "write nothing (or use --skip-invalid).",
                file=sys.stderr,
            )
            return 1
        return 0
    if not args.json:
        print(
            f"Imported: batch {report.batch_id}, {report.measures_new} values written, "
            f"{report.entries_written} timeline entries, {report.measures_existing} already "
            "stored."
        )
    return 0


def _emit(args, report) -> None:
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_report(report, tz=getattr(args, "clinic_zone", None))


def _import_export_file(args) -> int:
    from casemgr.services.exports import import_export

    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            result = import_export(s, actor, args.file, dry_run=args.dry_run)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        verb = "Would import" if args.dry_run else "Imported"
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result["counts"].items())
        print(f"{verb} {args.file.name}: {counts}.")
        if result.get("case_ids"):
            print("Cases: " + ", ".join(str(c) for c in result["case_ids"]))
    return 0


def cmd_export(args) -> int:
    from casemgr.services.exports import export_athlete, export_case

    if (args.case_id is None) == (args.athlete is None):
        raise ValidationError("Give a CASE_ID, or --athlete ID for an athlete's whole record.")
    suffix = args.output.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ValidationError("The output file must end in .csv or .json.")
    if args.output.exists() and not args.force:
        raise ValidationError(f"{args.output} exists already; use --force to replace it.")
    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            if args.case_id is not None:
                result = export_case(s, actor, args.case_id, args.output)
            else:
                result = export_athlete(s, actor, args.athlete, args.output)
    finally:
        database.dispose()
    print(f"Wrote {result.path} ({result.rows} rows, {result.format.upper()}).")
    return 0
