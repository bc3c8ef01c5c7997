"""``casemgr report``: the return-to-play report, case-review summary or weekly sheet as PDF.

``casemgr report CASE_ID --kind rtp|review|weekly -o OUT.pdf [--paper a4|letter]``;
``casemgr report --all-open --kind review -o PACK.pdf`` for the meeting pack of every case
that is not closed. This command belongs to the reports layer: the core's command line finds
it through the ``casemgr.commands`` entry point (pyproject.toml), never by importing it.
The PDF is written to a temporary file beside OUT and renamed, so a
failure never leaves a half-written file; the export is audited ("report.export").
"""

from __future__ import annotations

import os
from pathlib import Path

from casemgr.commands._common import iso_day, login, open_db, record_id
from casemgr.errors import ValidationError

ORDER = 45


def register(sub) -> None:
    rp = sub.add_parser(
        "report",
        help="write a PDF: return-to-play report, case-review summary or weekly progress sheet",
    )
    rp.add_argument("case_id", type=record_id, nargs="?", help="the case (omit with --all-open)")
    rp.add_argument("--kind", choices=("rtp", "review", "weekly"), default="rtp")
    rp.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    rp.add_argument("--paper", choices=("a4", "letter"), default="a4")
    rp.add_argument(
        "--all-open", action="store_true", help="a review pack of every case that is not closed"
    )
    rp.add_argument(
        "--week",
        type=iso_day,
        metavar="YYYY-MM-DD",
        help="weekly sheet: a day of the week to print (default: this week)",
    )
    rp.set_defaults(handler=cmd_report)


def check_output(path: str) -> Path:
    """Refuse an output the user cannot write before any work is done."""
    target = Path(path).expanduser()
    folder = target.parent
    if target.is_dir():
        raise ValidationError(f"Cannot write {target}: it is a folder; give a file name.")
    if not folder.is_dir():
        raise ValidationError(f"Cannot write {target}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValidationError(f"Cannot write {target}: permission denied.")
    return target


def cmd_report(args) -> int:
    from casemgr.services import report_data
    from reports import build

    if args.all_open and args.case_id is not None:
        raise ValidationError("Give either a case id or --all-open, not both.")
    if args.all_open and args.kind != "review":
        raise ValidationError("--all-open makes a case-review pack: use --kind review.")
    if not args.all_open and args.case_id is None:
        raise ValidationError("Say which case: casemgr report CASE_ID (or --all-open).")
    if args.week and args.kind != "weekly":
        raise ValidationError("--week applies to the weekly sheet (--kind weekly).")
    target = check_output(args.output)
    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            if args.all_open:
                data = report_data.review_pack_data(s, actor)
                case_ids = [page.head.case.id for page in data.pages]
            elif args.kind == "rtp":
                data = report_data.rtp_data(s, actor, args.case_id)
                case_ids = [args.case_id]
            elif args.kind == "review":
                data = report_data.review_data(s, actor, args.case_id)
                case_ids = [args.case_id]
            else:
                data = report_data.weekly_data(s, actor, args.case_id, args.week)
                case_ids = [args.case_id]
            pdf = build.render_document(data, args.paper)
            build.write_atomic(target, pdf)
            report_data.log_report(s, actor, args.kind, case_ids)
    finally:
        database.dispose()
    pages = "case" if len(case_ids) == 1 else "cases"
    print(f"Wrote {target} ({len(pdf) // 1024 + 1} KB, {len(case_ids)} {pages}).")
    return 0
