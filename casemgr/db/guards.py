"""Session-level guards: clinical records are never changed in place or deleted.

Registered once on every SQLAlchemy ``Session``; the database adds triggers for the
audit trail and signed decisions (see the initial migration) so that bulk statements
outside the ORM are refused as well.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from casemgr.db.models import AuditEvent, Measure, RtpDecision, SuggestionAnswer, TimelineEntry
from casemgr.errors import ImmutableRecordError

AUDIT_HEAD_KEY = "audit_head"

# The only columns that may change after a row was written.
_MUTABLE: dict[type, frozenset[str]] = {
    TimelineEntry: frozenset(
        {"status", "voided_at", "voided_by_id", "void_reason", "confidential", "version"}
    ),
    Measure: frozenset({"status"}),
    RtpDecision: frozenset(),
    SuggestionAnswer: frozenset(),
    AuditEvent: frozenset(),
}


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


FRESH_KEY = "_casemgr_fresh_rows"


def _before_flush(session: Session, _ctx, _instances) -> None:
    # rows written in this same transaction may still be completed before it commits
    fresh = session.info.setdefault(FRESH_KEY, set())
    fresh.update(obj for obj in session.new if type(obj) in _MUTABLE)
    for obj in session.deleted:
        if type(obj) in _MUTABLE:
            raise ImmutableRecordError(
                f"{type(obj).__name__} records are never deleted; void them with a reason."
            )
    for obj in session.dirty:
        allowed = _MUTABLE.get(type(obj))
        if allowed is None or obj in fresh:
            continue
        changed = _changed_columns(obj) - allowed
        # relationships listed as changed carry no column change of their own
        changed = {c for c in changed if c in inspect(type(obj)).columns}
        if changed:
            raise ImmutableRecordError(
                f"{type(obj).__name__} content cannot be changed ({', '.join(sorted(changed))}); "
                "amend it instead, the original stays on record."
            )


def _forget_audit_head(session: Session, *_args) -> None:
    # the pending audit-chain head is only valid inside the transaction that wrote it
    session.info.pop(AUDIT_HEAD_KEY, None)
    session.info.pop(FRESH_KEY, None)


def install() -> None:
    """Register the guards (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_commit", _forget_audit_head)
        event.listen(Session, "after_soft_rollback", _forget_audit_head)
