"""Exports of a case or of everything about one athlete (CSV and JSON), and re-import.

JSON is complete: every table that holds data about the athlete (:data:`EXPORTED_TABLES`;
every other table is listed in :data:`NOT_EXPORTED` with the reason, and a test fails
when a new table is in neither), plus the users and protocol versions the rows refer to.
Password hashes and login counters are never exported. A JSON export re-imports into a
database that does not hold the athlete yet (:func:`import_export`), giving the same case:
ids are renumbered, users missing there are created as inactive accounts without a
password, protocol versions are reused when the same key and version exist. The exported
audit events travel in the file as the record of who did what; the receiving database's
own audit trail records the import (a hash chain cannot take foreign events).

CSV is one table a spreadsheet can filter: one row per timeline entry and per measure.
It is safe to open in a spreadsheet: text starting with ``=``, ``+``, ``-``, ``@``, tab or
CR gets a leading apostrophe, numbers stay numbers, and the file is UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, Table, insert, select
from sqlalchemy.orm import Session

from casemgr import __version__, audit
from casemgr.db.base import Base, UTCDateTime, utcnow
from casemgr.db.models import Athlete, InjuryCase, Protocol, User
from casemgr.errors import NotFoundError, ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case, require
from casemgr.text import fold

FORMAT = "casemgr-export"
FORMAT_VERSION = 1

#: Tables whose rows about the athlete are exported (the order is the re-import order).
EXPORTED_TABLES = (
    "users",
    "protocols",
    "protocol_phases",
    "phase_criteria",
    "athletes",
    "cases",
    "timeline_entries",
    "measures",
    "weekly_targets",
    "planned_sessions",
    "rtp_decisions",
    "suggestion_answers",
    "audit_events",
)

#: Tables added after format 1 was first written: an older export simply has none.
ADDED_LATER = ("suggestion_answers",)

#: Tables deliberately left out, with the reason.
NOT_EXPORTED = {
    "app_meta": "facts about the database itself (clinic name, audit head), no athlete data",
    "import_presets": "column mappings for device files, no athlete data",
    "import_batches": "the clinic's log of imported files; the athlete's imported values are "
    "in measures (with their source) and the import in the athlete's audit events",
}

#: Columns never exported (secrets and login state).
OMITTED_COLUMNS = {"users": ("password_hash", "failed_logins", "locked_until")}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    athlete_id: int
    case_ids: tuple[int, ...]


# ------------------------------------------------------------------------------------------
# Gathering


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, where) -> list[dict]:
    omitted = OMITTED_COLUMNS.get(table.name, ())
    cols = [c for c in table.columns if c.name not in omitted]
    stmt = select(*cols)
    if where is not None:
        stmt = stmt.where(where)
    pk = list(table.primary_key.columns)
    stmt = stmt.order_by(*pk)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.execute(stmt)]


def gather(session: Session, athlete_id: int, case_ids: list[int] | None) -> dict[str, list]:
    """The rows about one athlete (all their cases, or *case_ids* only), table by table."""
    t = {name: _table(name) for name in EXPORTED_TABLES}
    if case_ids is None:
        case_ids = list(
            session.scalars(select(InjuryCase.id).where(InjuryCase.athlete_id == athlete_id))
        )
    cases = t["cases"]
    entries = t["timeline_entries"]
    measures = t["measures"]
    out: dict[str, list] = {}
    out["athletes"] = _rows(session, t["athletes"], t["athletes"].c.id == athlete_id)
    out["cases"] = _rows(session, cases, cases.c.id.in_(case_ids))
    out["timeline_entries"] = _rows(session, entries, entries.c.case_id.in_(case_ids))
    out["measures"] = _rows(
        session,
        measures,
        (measures.c.athlete_id == athlete_id)
        & (measures.c.case_id.in_(case_ids) | measures.c.case_id.is_(None)),
    )
    for name in ("weekly_targets", "planned_sessions", "rtp_decisions", "suggestion_answers"):
        out[name] = _rows(session, t[name], t[name].c.case_id.in_(case_ids))
    events = t["audit_events"]
    out["audit_events"] = _rows(session, events, events.c.athlete_id == athlete_id)
    protocol_ids = sorted({c["protocol_id"] for c in out["cases"]})
    out["protocols"] = _rows(session, t["protocols"], t["protocols"].c.id.in_(protocol_ids))
    phases = t["protocol_phases"]
    out["protocol_phases"] = _rows(session, phases, phases.c.protocol_id.in_(protocol_ids))
    phase_ids = [p["id"] for p in out["protocol_phases"]]
    crit = t["phase_criteria"]
    out["phase_criteria"] = _rows(session, crit, crit.c.phase_id.in_(phase_ids))
    user_ids: set[int] = set()
    for name, rows in out.items():
        for col in _table(name).columns:
            if any(fk.column.table.name == "users" for fk in col.foreign_keys):
                user_ids.update(r[col.name] for r in rows if r.get(col.name) is not None)
    usernames = {r["username"] for r in out["audit_events"]}
    users = t["users"]
    out["users"] = _rows(
        session, users, users.c.id.in_(sorted(user_ids)) | users.c.username.in_(usernames)
    )
    return {name: out[name] for name in EXPORTED_TABLES}


def _find_athlete(session: Session, ref: str | int) -> Athlete:
    text = str(ref).strip()
    athlete = session.scalar(select(Athlete).where(Athlete.external_id == text))
    if athlete is None and text.isdigit():
        athlete = session.get(Athlete, int(text))
    if athlete is None:
        raise NotFoundError(f"No athlete with the id or external id '{text}'.")
    return athlete


# ------------------------------------------------------------------------------------------
# Writing files


def spreadsheet_safe(value: Any) -> Any:
    """A cell value that a spreadsheet shows as typed and never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


CSV_COLUMNS = (
    "record",
    "id",
    "case_id",
    "athlete",
    "external_id",
    "date",
    "time_utc",
    "kind",
    "measure",
    "limb",
    "value",
    "unit",
    "baseline",
    "source",
    "status",
    "author",
    "discipline",
    "title",
    "text",
    "entry_id",
)


def _csv_rows(tables: dict[str, list]) -> list[list]:
    from casemgr.clinical.catalogue import load_catalogue

    cat = load_catalogue()
    users = {u["id"]: u["display_name"] for u in tables["users"]}
    athlete = tables["athletes"][0]
    rows: list[list] = []

    def split(stamp: str) -> tuple[str, str]:
        day, _, clock = stamp.partition("T")
        return day, clock.rstrip("Z")[:8]

    for e in tables["timeline_entries"]:
        day, clock = split(e["occurred_at"])
        rows.append(
            [
                "entry",
                e["id"],
                e["case_id"],
                athlete["full_name"],
                athlete["external_id"],
                day,
                clock,
                e["kind"],
                None,
                None,
                None,
                None,
                None,
                None,
                e["status"],
                users.get(e["author_id"], ""),
                e["discipline"],
                e["title"],
                e["body"],
                e["supersedes_id"],
            ]
        )
    for m in tables["measures"]:
        day, clock = split(m["measured_at"])
        unit = cat.get(m["key"]).unit if m["key"] in cat else ""
        rows.append(
            [
                "measure",
                m["id"],
                m["case_id"],
                athlete["full_name"],
                athlete["external_id"],
                day,
                clock,
                None,
                m["key"],
                m["limb"],
                m["value"],
                unit,
                bool(m["is_baseline"]),
                m["source"],
                m["status"],
                users.get(m["created_by_id"], ""),
                None,
                None,
                None,
                m["entry_id"],
            ]
        )
    rows.sort(key=lambda r: (r[5], r[6], r[0], r[1]))
    return rows


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename (no half files)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(
            fd, "w", encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8", newline=""
        ) as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(path: Path, payload: dict, tables: dict[str, list]) -> tuple[str, int]:
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        _atomic_write(
            path, lambda fh: json.dump(payload, fh, ensure_ascii=False, indent=1, sort_keys=False)
        )
        return "json", sum(len(v) for v in tables.values())
    if suffix == ".csv":
        rows = _csv_rows(tables)

        def write(fh):
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            for row in rows:
                w.writerow([spreadsheet_safe(v) for v in row])

        _atomic_write(path, write)
        return "csv", len(rows)
    raise ValidationError("Export to a .csv or a .json file.")


def _export(
    session: Session,
    actor: Actor,
    athlete: Athlete,
    case_ids: list[int] | None,
    path: Path,
    scope: str,
) -> ExportResult:
    tables = gather(session, athlete.id, case_ids)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scope": scope,
        "app_version": __version__,
        "schema_revision": _schema_revision(session),
        "exported_at": _plain(utcnow()),
        "exported_by": actor.username,
        "athlete_id": athlete.id,
        "case_ids": [c["id"] for c in tables["cases"]],
        "not_exported": NOT_EXPORTED,
        "tables": tables,
    }
    fmt, rows = _write(Path(path), payload, tables)
    audit.record(
        session,
        actor,
        f"export.{scope}",
        entity_type="case" if scope == "case" else "athlete",
        entity_id=case_ids[0] if scope == "case" and case_ids else athlete.id,
        athlete_id=athlete.id,
        reason=f"{fmt.upper()} to {Path(path).name}",
    )
    return ExportResult(Path(path), fmt, rows, athlete.id, tuple(payload["case_ids"]))


def _schema_revision(session: Session) -> str:
    from sqlalchemy import text

    try:
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    except Exception:  # noqa: BLE001 - a database without Alembic's table
        return ""


def export_case(session: Session, actor: Actor, case_id: int, path: str | Path) -> ExportResult:
    """Export one case (its timeline, measures, targets, plans, decisions, the athlete and
    the athlete's values not tied to a case) to ``.csv`` or ``.json``; audited."""
    case = load_case(session, actor, case_id, Action.EXPORT_DATA)
    athlete = session.get(Athlete, case.athlete_id)
    return _export(session, actor, athlete, [case.id], Path(path), "case")


def export_athlete(
    session: Session, actor: Actor, athlete_ref: str | int, path: str | Path
) -> ExportResult:
    """Everything about one athlete (a data-subject access request); audited."""
    require(session, actor, Action.EXPORT_DATA, entity_type="athlete", entity_id=athlete_ref)
    athlete = _find_athlete(session, athlete_ref)
    return _export(session, actor, athlete, None, Path(path), "athlete")


# ------------------------------------------------------------------------------------------
# Re-import


def _decode(table: Table, row: dict) -> dict:
    out = {}
    for col in table.columns:
        if col.name not in row:
            continue
        value = row[col.name]
        if value is not None:
            if isinstance(col.type, UTCDateTime):
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif isinstance(col.type, Date):
                value = date.fromisoformat(value)
            elif isinstance(col.type, Boolean):
                value = bool(value)
        out[col.name] = value
    return out


def import_export(
    session: Session, actor: Actor, path: str | Path, *, dry_run: bool = False
) -> dict:
    """Re-create an exported athlete (and their cases) in this database; returns counts.

    Refused when the athlete exists here already (same external id, or same name and date
    of birth). Needs the restore permission (administrators).
    """
    require(session, actor, Action.RESTORE, entity_type="export")
    raw = Path(path).read_bytes()
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{Path(path).name} is not a casemgr JSON export ({exc}).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValidationError(f"{Path(path).name} is not a casemgr JSON export.")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ValidationError(
            f"{Path(path).name} is export format {payload.get('format_version')}; this "
            f"casemgr reads format {FORMAT_VERSION}."
        )
    tables: dict[str, list] = payload.get("tables") or {}
    for name in ADDED_LATER:  # exports written before these tables existed
        tables.setdefault(name, [])
    missing = [n for n in EXPORTED_TABLES if n not in tables]
    if missing or len(tables.get("athletes", [])) != 1:
        raise ValidationError(
            f"{Path(path).name} is incomplete (missing: {', '.join(missing) or 'the athlete'})."
        )
    src = tables["athletes"][0]
    clash = None
    if src.get("external_id"):
        clash = session.scalar(select(Athlete).where(Athlete.external_id == src["external_id"]))
    if clash is None:
        dob = date.fromisoformat(src["date_of_birth"]) if src.get("date_of_birth") else None
        clash = session.scalar(
            select(Athlete).where(
                Athlete.name_key == fold(src["full_name"]), Athlete.date_of_birth == dob
            )
        )
    if clash is not None:
        raise ValidationError(
            f"{src['full_name']} is already in this database (athlete {clash.id}); an export "
            "is imported only into a database that does not hold the athlete yet."
        )
    maps: dict[str, dict[int, int]] = {name: {} for name in EXPORTED_TABLES}
    counts: dict[str, int] = {}
    # users: by user name, else an inactive account without a usable password
    for row in tables["users"]:
        existing = session.scalar(select(User).where(User.username == row["username"]))
        if existing is None:
            existing = User(
                username=row["username"],
                display_name=row["display_name"],
                role=row["role"],
                password_hash="!imported-account-without-password",
                active=False,
                failed_logins=0,
            )
            session.add(existing)
            session.flush()
            counts["users"] = counts.get("users", 0) + 1
        maps["users"][row["id"]] = existing.id
    # protocol versions: reuse the same key and version, else add them
    reused: set[int] = set()
    for row in tables["protocols"]:
        existing = session.scalar(
            select(Protocol).where(Protocol.key == row["key"], Protocol.version == row["version"])
        )
        if existing is not None:
            maps["protocols"][row["id"]] = existing.id
            reused.add(row["id"])
            for phase in existing.phases:
                old = next(
                    (
                        p
                        for p in tables["protocol_phases"]
                        if p["protocol_id"] == row["id"] and p["key"] == phase.key
                    ),
                    None,
                )
                if old is not None:
                    maps["protocol_phases"][old["id"]] = phase.id
                    for crit in phase.criteria:
                        oc = next(
                            (
                                c
                                for c in tables["phase_criteria"]
                                if c["phase_id"] == old["id"] and c["key"] == crit.key
                            ),
                            None,
                        )
                        if oc is not None:
                            maps["phase_criteria"][oc["id"]] = crit.id
    for phase in tables["protocol_phases"]:
        if phase["protocol_id"] in reused and phase["id"] not in maps["protocol_phases"]:
            raise ValidationError(
                f"{Path(path).name}: protocol version {phase['protocol_id']} differs from the "
                "one of the same name and version in this database; it cannot be imported."
            )
    for name in EXPORTED_TABLES:
        if name in ("users", "audit_events"):
            continue
        table = _table(name)
        for row in tables[name]:
            if name == "protocols" and row["id"] in reused:
                continue
            if name in ("protocol_phases", "phase_criteria") and row["id"] in maps[name]:
                continue
            values = _decode(table, row)
            old_id = values.pop("id")
            for col in table.columns:
                fks = list(col.foreign_keys)
                if not fks or values.get(col.name) is None:
                    continue
                target = fks[0].column.table.name
                mapped = maps.get(target, {}).get(values[col.name])
                if mapped is None:
                    if col.nullable:
                        mapped = None  # e.g. an earlier case that was not exported
                    else:
                        raise ValidationError(
                            f"{Path(path).name}: {name} row {old_id} refers to {target} "
                            f"{values[col.name]}, which is not in the file."
                        )
                values[col.name] = mapped
            if name == "athletes":
                values["name_key"] = fold(values["full_name"])
            new_id = session.execute(insert(table).returning(table.c.id), values).scalar_one()
            maps[name][old_id] = new_id
            counts[name] = counts.get(name, 0) + 1
    athlete_id = maps["athletes"][src["id"]]
    audit.record(
        session,
        actor,
        "export.import",
        entity_type="athlete",
        entity_id=athlete_id,
        athlete_id=athlete_id,
        reason=(
            f"{Path(path).name} (sha256 {hashlib.sha256(raw).hexdigest()}), exported "
            f"{payload.get('exported_at')} by {payload.get('exported_by')}; "
            f"{len(tables['audit_events'])} audit events of the source kept in the file"
        )[:1000],
    )
    session.flush()
    result = {
        "athlete_id": athlete_id,
        "case_ids": [maps["cases"][c["id"]] for c in tables["cases"]],
        "counts": counts,
    }
    if dry_run:
        session.rollback()
    return result
