"""The append-only audit trail, chained by SHA-256.

Each event's hash is SHA-256 over the previous event's hash and the event's canonical
JSON (sorted keys, UTC timestamps with microseconds). Event ids are consecutive and part
of the hashed content, and the chain head (last id and hash) is also kept in
``app_meta``: an edited, deleted, reordered or truncated event breaks verification at
the first event affected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from casemgr.db.base import utcnow
from casemgr.db.guards import AUDIT_HEAD_KEY
from casemgr.db.models import AppMeta, AuditEvent
from casemgr.permissions import Actor

GENESIS = "0" * 64
HEAD_KEY = AUDIT_HEAD_KEY
_PG_LOCK_KEY = 7_117_117  # advisory lock serialising appends on PostgreSQL


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(event: AuditEvent) -> str:
    """The hashed form of an event (everything but its own hash)."""
    payload = {
        "id": event.id,
        "occurred_at": _ts(event.occurred_at),
        "username": event.username,
        "role": event.role,
        "workstation": event.workstation,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "athlete_id": event.athlete_id,
        "outcome": event.outcome,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        (event.prev_hash + "\n" + canonical_json(event)).encode("utf-8")
    ).hexdigest()


def _current_head(session: Session) -> tuple[int, str]:
    pending = session.info.get(HEAD_KEY)
    if pending is not None:
        return pending
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity_type: str = "",
    entity_id: object = "",
    athlete_id: int | None = None,
    outcome: str = "ok",
    reason: str = "",
) -> AuditEvent:
    """Append one event in the session's transaction (it commits with the action)."""
    last_id, last_hash = _current_head(session)
    event = AuditEvent(
        id=last_id + 1,
        occurred_at=utcnow(),
        username=actor.username,
        role=str(actor.role),
        workstation=actor.workstation,
        action=action,
        entity_type=entity_type,
        entity_id="" if entity_id is None else str(entity_id),
        athlete_id=athlete_id,
        outcome=outcome,
        reason=reason,
        prev_hash=last_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.info[HEAD_KEY] = (event.id, event.hash)
    session.merge(AppMeta(key=HEAD_KEY, value=f"{event.id}:{event.hash}"))
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head_hash: str
    first_broken_id: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.events} events, head {self.head_hash[:12]}"
        return f"audit trail BROKEN at event {self.first_broken_id}: {self.problem}"


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain and report the first event that does not verify."""
    expected_prev, expected_id, count = GENESIS, 1, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        if event.id != expected_id:
            return ChainReport(
                False,
                count,
                expected_prev,
                expected_id,
                f"event {expected_id} is missing (next id found: {event.id})",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.id,
                "does not link to the event before it (deleted or reordered)",
            )
        if event_hash(event) != event.hash:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.id,
                "its content was changed after it was written",
            )
        expected_prev, expected_id, count = event.hash, expected_id + 1, count + 1
    meta = session.get(AppMeta, HEAD_KEY)
    if meta is not None:
        head_id, _, head_hash = meta.value.partition(":")
        if int(head_id) != count or head_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                count + 1,
                f"the trail ends at event {count} but event {head_id} was "
                "written (events removed from the end)",
            )
    elif count:
        return ChainReport(False, count, expected_prev, 1, "the chain head record is missing")
    return ChainReport(True, count, expected_prev)


def head(session: Session) -> tuple[int, str]:
    """The id and hash of the latest committed event (0 and the genesis hash if none)."""
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)
