"""Writing of the import pipeline: one checked plan written in the caller's transaction
(the batch row, one timeline entry per case and day, the measures in bulk, audit events),
all or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casemgr.db.base import utcnow
from casemgr.db.models import ImportBatch, Measure, TimelineEntry
from casemgr.importing.common import (
    CancelFn,
    ImportCancelled,
    ImportPlan,
    ImportReport,
    ProgressFn,
    _never,
)
from casemgr.permissions import Actor

_WRITE_CHUNK = 20_000


_MEASURE_COLUMNS = (
    "athlete_id",
    "case_id",
    "entry_id",
    "key",
    "limb",
    "value",
    "measured_at",
    "is_baseline",
    "source",
    "status",
    "created_by_id",
    "created_at",
)


def _insert_measures(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    entry_ids: dict[tuple[int, date], int],
    now: datetime,
    progress: ProgressFn,
    cancel: CancelFn,
) -> None:
    """Insert the plan's measures with the driver's ``executemany`` (the bulk of an import).

    Values go through the columns' own bind processing (so they are stored exactly as the
    ORM stores them), once per distinct timestamp.
    """
    dialect = session.get_bind().dialect
    table = Measure.__table__
    when_type = table.c.measured_at.type  # UTCDateTime: aware UTC -> naive UTC -> driver
    when_proc = when_type.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    bool_proc = table.c.is_baseline.type.dialect_impl(dialect).bind_processor(dialect)

    def to_db(value: datetime):
        naive = when_type.process_bind_param(value, dialect)
        return when_proc(naive) if when_proc else naive

    def bool_db(value: bool):
        return bool_proc(value) if bool_proc else value

    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(_MEASURE_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_MEASURE_COLUMNS))})"
    )
    created, baseline = to_db(now), bool_db(False)
    stamps: dict[datetime, object] = {}
    source, user_id = plan.preset.source_label, actor.user_id
    conn = session.connection()
    total = len(plan.new)
    for start in range(0, total, _WRITE_CHUNK):
        if cancel():
            raise ImportCancelled("Import cancelled; nothing was written.")
        rows = []
        for _line, aid, key, limb, value, when, day, case_id in plan.new[
            start : start + _WRITE_CHUNK
        ]:
            stamp = stamps.get(when)
            if stamp is None:
                stamp = stamps[when] = to_db(when)
            entry_id = entry_ids.get((case_id, day)) if case_id is not None else None
            rows.append(
                (
                    aid,
                    case_id,
                    entry_id,
                    key,
                    limb,
                    value,
                    stamp,
                    baseline,
                    source,
                    "active",
                    user_id,
                    created,
                )
            )
        conn.exec_driver_sql(sql, rows)
        progress(min(start + _WRITE_CHUNK, total), total, "writing")


def write_plan(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImportReport:
    """Write *plan* in the caller's transaction; returns the report with the batch id.

    The caller commits (or rolls back: a cancel raises ``ImportCancelled`` before the
    commit, so nothing of it is kept). Audit events: one per athlete touched and one for
    the batch, naming the file's SHA-256.
    """
    from casemgr import audit

    progress = progress or (lambda _d, _t, _s: None)
    cancel = cancel or _never
    now = utcnow()
    report = plan.report
    per_athlete: dict[int, int] = defaultdict(int)
    per_key: dict[str, int] = defaultdict(int)
    for row in plan.new:
        per_athlete[row[1]] += 1
        per_key[row[2]] += 1
    batch = ImportBatch(
        file_name=plan.file_name[:300],
        file_sha256=plan.sha256,
        preset=plan.preset.name,
        imported_at=now,
        imported_by_id=actor.user_id,
        rows_read=report.rows_read,
        measures_written=len(plan.new),
        measures_skipped=report.measures_existing,
        rows_rejected=len(report.rejected),
        summary={
            "source": plan.preset.source_label,
            "encoding": report.encoding,
            "measures_by_athlete": {str(k): v for k, v in sorted(per_athlete.items())},
            "measures_by_key": dict(sorted(per_key.items())),
            "rejected": [[r.line, r.reason] for r in report.rejected[:500]],
        },
    )
    session.add(batch)
    session.flush()

    # one timeline entry per case and day, so imported values show on the case timeline
    groups: dict[tuple[int, date], list[tuple]] = defaultdict(list)
    for row in plan.new:
        if row[7] is not None:
            groups[(row[7], row[6])].append(row)
    entry_ids: dict[tuple[int, date], int] = {}
    if groups:
        keys = sorted(groups)
        entry_rows = []
        for case_id, day in keys:
            rows = groups[(case_id, day)]
            aid = rows[0][1]
            lines = sorted({r[0] for r in rows})
            shown = ", ".join(str(n) for n in lines[:12]) + (" ..." if len(lines) > 12 else "")
            data = {
                "values": [
                    {"key": r[2], "limb": r[3] or None, "value": r[4]}
                    for r in sorted(rows, key=lambda r: (r[2], r[3]))
                ],
                "is_baseline": False,
                "source": plan.preset.source_label,
                "import_batch": batch.id,
                "file": plan.file_name,
                "lines": lines,
                **plan.day_data.get((aid, day), {}),
            }
            entry_rows.append(
                {
                    "case_id": case_id,
                    "kind": "measure",
                    "occurred_at": min(r[5] for r in rows),
                    "recorded_at": now,
                    "author_id": actor.user_id,
                    "discipline": str(actor.role),
                    "title": plan.preset.entry_title[:300],
                    "body": f"From {plan.file_name} (line{'s' if len(lines) > 1 else ''} "
                    f"{shown}), import batch {batch.id}.",
                    "data": data,
                    "supersedes_id": None,
                    "amend_reason": "",
                    "status": "active",
                    "voided_at": None,
                    "voided_by_id": None,
                    "void_reason": "",
                    "version": 1,
                }
            )
        for start in range(0, len(entry_rows), _WRITE_CHUNK):
            chunk = entry_rows[start : start + _WRITE_CHUNK]
            ids = session.scalars(
                insert(TimelineEntry).returning(TimelineEntry.id, sort_by_parameter_order=True),
                chunk,
            ).all()
            for key, eid in zip(keys[start : start + _WRITE_CHUNK], ids, strict=True):
                entry_ids[key] = eid
            if cancel():
                raise ImportCancelled("Import cancelled; nothing was written.")

    _insert_measures(session, actor, plan, entry_ids, now, progress, cancel)
    if cancel():
        raise ImportCancelled("Import cancelled; nothing was written.")
    for aid, count in sorted(per_athlete.items()):
        audit.record(
            session,
            actor,
            "import.measures",
            entity_type="import_batch",
            entity_id=batch.id,
            athlete_id=aid,
            reason=f"{count} measures from {plan.file_name} (sha256 {plan.sha256})"[:500],
        )
    audit.record(
        session,
        actor,
        "import.commit",
        entity_type="import_batch",
        entity_id=batch.id,
        reason=(
            f"{plan.file_name}, preset {plan.preset.name}, sha256 {plan.sha256}: "
            f"{len(plan.new)} measures written, {report.measures_existing} already stored, "
            f"{len(report.rejected)} rows rejected"
        )[:1000],
    )
    session.flush()
    from dataclasses import replace

    return replace(report, written=True, batch_id=batch.id, entries_written=len(entry_ids))
