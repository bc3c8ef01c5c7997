"""Weekly targets and planned sessions (the microcycle calendar)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.db.models import InjuryCase, PlannedSession, WeeklyTarget
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import check_version, get_or_404, load_case
from casemgr.services.dto import PlannedSessionInfo, TargetInfo
from casemgr.text import clean_line, clean_text
from casemgr.vocab import SESSION_TYPES, SURFACES

PLAN_STATUSES = ("planned", "done", "skipped", "modified")


def week_start(day: date) -> date:
    """The Monday of *day*'s week."""
    return day - timedelta(days=day.weekday())


def _case(session: Session, actor: Actor, case_id: int, action: Action) -> InjuryCase:
    case = load_case(session, actor, case_id, action)
    return case


def _target_info(t: WeeklyTarget) -> TargetInfo:
    return TargetInfo(
        id=t.id,
        case_id=t.case_id,
        week_start=t.week_start,
        text=t.text,
        discipline=t.discipline,
        met=t.met,
        version=t.version,
    )


def add_target(session: Session, actor: Actor, case_id: int, week: date, text: str) -> TargetInfo:
    case = _case(session, actor, case_id, Action.PLAN)
    target = WeeklyTarget(
        case_id=case.id,
        week_start=week_start(week),
        text=clean_text(text, "Target", max_len=2000).strip(),
        discipline=str(actor.role),
        created_by_id=actor.user_id,
    )
    if not target.text:
        raise ValidationError("The target is empty.")
    session.add(target)
    session.flush()
    audit.record(
        session,
        actor,
        "target.create",
        entity_type="target",
        entity_id=target.id,
        athlete_id=case.athlete_id,
    )
    return _target_info(target)


def mark_target(
    session: Session, actor: Actor, target_id: int, expected_version: int, met: bool | None
) -> TargetInfo:
    target = get_or_404(session, WeeklyTarget, target_id, "Target")
    case = _case(session, actor, target.case_id, Action.PLAN)
    check_version(target, expected_version, "This target")
    target.met = met
    session.flush()
    audit.record(
        session,
        actor,
        "target.mark",
        entity_type="target",
        entity_id=target.id,
        athlete_id=case.athlete_id,
        reason={True: "met", False: "not met"}.get(met, ""),
    )
    return _target_info(target)


def list_targets(session: Session, actor: Actor, case_id: int) -> list[TargetInfo]:
    _case(session, actor, case_id, Action.VIEW_CLINICAL)
    rows = session.scalars(
        select(WeeklyTarget)
        .where(WeeklyTarget.case_id == case_id)
        .order_by(WeeklyTarget.week_start, WeeklyTarget.id)
    )
    return [_target_info(t) for t in rows]


def _plan_info(p: PlannedSession) -> PlannedSessionInfo:
    return PlannedSessionInfo(
        id=p.id,
        case_id=p.case_id,
        planned_date=p.planned_date,
        session_type=p.session_type,
        description=p.description,
        surface=p.surface,
        intensity_pct=p.intensity_pct,
        status=p.status,
        version=p.version,
    )


def plan_session(
    session: Session,
    actor: Actor,
    case_id: int,
    day: date,
    session_type: str,
    description: str = "",
    surface: str = "",
    intensity_pct: float | None = None,
) -> PlannedSessionInfo:
    case = _case(session, actor, case_id, Action.PLAN)
    if session_type not in SESSION_TYPES:
        raise ValidationError(f"Session type is one of {', '.join(SESSION_TYPES)}.")
    if surface and surface not in SURFACES:
        raise ValidationError(f"Surface is one of {', '.join(SURFACES)}.")
    if intensity_pct is not None and not 0 < intensity_pct <= 110:
        raise ValidationError("Intensity is a % of maximal velocity (1-110).")
    plan = PlannedSession(
        case_id=case.id,
        planned_date=day,
        session_type=session_type,
        description=clean_line(description, "Description", max_len=2000, required=False),
        surface=surface,
        intensity_pct=intensity_pct,
        status="planned",
        created_by_id=actor.user_id,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor,
        "plan.create",
        entity_type="plan",
        entity_id=plan.id,
        athlete_id=case.athlete_id,
    )
    return _plan_info(plan)


def set_plan_status(
    session: Session, actor: Actor, plan_id: int, expected_version: int, status: str
) -> PlannedSessionInfo:
    plan = get_or_404(session, PlannedSession, plan_id, "Planned session")
    case = _case(session, actor, plan.case_id, Action.PLAN)
    check_version(plan, expected_version, "This planned session")
    if status not in PLAN_STATUSES:
        raise ValidationError(f"Status is one of {', '.join(PLAN_STATUSES)}.")
    plan.status = status
    session.flush()
    audit.record(
        session,
        actor,
        "plan.status",
        entity_type="plan",
        entity_id=plan.id,
        athlete_id=case.athlete_id,
        reason=status,
    )
    return _plan_info(plan)


def list_planned(
    session: Session, actor: Actor, case_id: int, start: date | None = None, end: date | None = None
) -> list[PlannedSessionInfo]:
    _case(session, actor, case_id, Action.VIEW_CLINICAL)
    stmt = select(PlannedSession).where(PlannedSession.case_id == case_id)
    if start:
        stmt = stmt.where(PlannedSession.planned_date >= start)
    if end:
        stmt = stmt.where(PlannedSession.planned_date < end)
    return [_plan_info(p) for p in session.scalars(stmt.order_by(PlannedSession.planned_date))]
