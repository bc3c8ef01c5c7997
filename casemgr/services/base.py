"""Shared service plumbing: permission checks, loading with version checks."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.errors import ConflictError, NotFoundError, PermissionDenied
from casemgr.permissions import Action, Actor, allowed

T = TypeVar("T")

ACTION_TEXT = {
    Action.MANAGE_USERS: "manage users",
    Action.MANAGE_SETTINGS: "change the clinic settings",
    Action.VIEW_CLINICAL: "view clinical records",
    Action.EDIT_ATHLETE: "create or edit athletes",
    Action.OPEN_CASE: "open injury cases",
    Action.EDIT_DIAGNOSIS: "change the diagnosis",
    Action.ADD_NOTE: "add notes",
    Action.ADD_FEEDBACK: "record daily feedback",
    Action.ADD_SESSION: "record training sessions",
    Action.RECORD_MEASURE: "record measures",
    Action.RECORD_BASELINE: "record baselines",
    Action.RECORD_CHECK: "record clinician checks",
    Action.PLAN: "set targets or plan sessions",
    Action.MOVE_PHASE: "advance or step back a phase",
    Action.RAISE_FLAG: "raise or resolve flags",
    Action.SIGN_OFF: "sign off a phase",
    Action.RECORD_DECISION: "record a return-to-play decision",
    Action.AMEND_OWN: "amend or void entries",
    Action.AMEND_ANY: "amend or void another person's entries",
    Action.EDIT_PROTOCOL: "edit protocols",
    Action.IMPORT_DATA: "import data",
    Action.EXPORT_DATA: "export data",
    Action.REPORT: "produce reports",
    Action.BACKUP: "back up the database",
    Action.RESTORE: "restore the database",
    Action.VERIFY: "verify the database",
}


def require(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    entity_type: str = "",
    entity_id: object = "",
    athlete_id: int | None = None,
) -> None:
    """Raise ``PermissionDenied`` unless the actor's role allows *action*.

    A denial rolls back the unit of work (nothing of it is written), records the denied
    attempt in the audit trail and commits that record on its own.
    """
    if allowed(actor.role, action):
        return
    session.rollback()
    audit.record(
        session,
        actor,
        action.value,
        entity_type=entity_type,
        entity_id=entity_id,
        athlete_id=athlete_id,
        outcome="denied",
        reason=f"role {actor.role} may not {ACTION_TEXT[action]}",
    )
    session.commit()
    raise PermissionDenied(
        f"Your role ({actor.role_label}) does not allow you to {ACTION_TEXT[action]}."
    )


def get_or_404(session: Session, model: type[T], ident: int, what: str) -> T:
    obj = session.get(model, ident)
    if obj is None:
        raise NotFoundError(f"{what} {ident} does not exist.")
    return obj


def check_version(obj, expected_version: int | None, what: str) -> None:
    """Refuse to write over a record that changed since the caller read it."""
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(
            f"{what} was changed by someone else while you were editing it. Nothing was "
            "overwritten: reload to see their change, then apply yours again."
        )


def load_case(session: Session, actor: Actor, case_id: int, action: Action):
    """The case *case_id*, once the actor's role is allowed *action* on it.

    The permission is checked first, so a denied attempt is audited whether or not the
    case exists.
    """
    from casemgr.db.models import InjuryCase

    case = session.get(InjuryCase, case_id)
    require(
        session,
        actor,
        action,
        entity_type="case",
        entity_id=case_id,
        athlete_id=case.athlete_id if case else None,
    )
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return case
