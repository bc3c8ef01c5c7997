"""The weekly progress sheet's data: the week's sessions, plan, targets met or not, pain
and soreness, and next week's plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.db.models import PlannedSession
from casemgr.errors import ValidationError
from casemgr.permissions import Actor
from casemgr.services.planning import week_start
from casemgr.services.report_data.case import _Case, _clip
from casemgr.services.report_data.charts import _feedback_chart
from casemgr.services.report_data.common import (
    CaseHeader,
    ChartData,
    ReportContext,
    TargetItem,
    _case_for_report,
    _context,
    _sealed,
    _targets,
)
from casemgr.vocab import SESSION_TYPES, SURFACES

# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionItem:
    occurred_at: datetime
    session_type: str
    minutes: float
    srpe: float | None
    load: float | None
    surface: str
    intensity_pct: float | None
    volume_m: float | None
    author: str
    notes: str


@dataclass(frozen=True)
class PlanItem:
    day: date
    session_type: str
    description: str
    surface: str
    intensity_pct: float | None
    status: str


@dataclass(frozen=True)
class DayFeedback:
    day: date
    pain: float | None
    soreness: float | None


@dataclass(frozen=True)
class WeeklyData:
    ctx: ReportContext
    head: CaseHeader
    week_start: date
    sessions: tuple[SessionItem, ...]
    planned: tuple[PlanItem, ...]
    targets: tuple[TargetItem, ...]
    feedback: tuple[DayFeedback, ...]
    chart: ChartData
    week_load: float
    previous_week_load: float
    next_planned: tuple[PlanItem, ...]
    next_targets: tuple[TargetItem, ...]
    phase_targets: tuple[str, ...]
    guidance: tuple[str, ...]
    fingerprint: str = ""


# --- weekly sheet -------------------------------------------------------------------------


def _plans(session: Session, case_id: int, start: date, end: date) -> tuple[PlanItem, ...]:
    return tuple(
        PlanItem(
            p.planned_date,
            SESSION_TYPES.get(p.session_type, p.session_type),
            p.description,
            SURFACES.get(p.surface, p.surface),
            p.intensity_pct,
            p.status,
        )
        for p in session.scalars(
            select(PlannedSession)
            .where(
                PlannedSession.case_id == case_id,
                PlannedSession.planned_date >= start,
                PlannedSession.planned_date < end,
            )
            .order_by(PlannedSession.planned_date, PlannedSession.id)
        )
    )


def weekly_data(
    session: Session, actor: Actor, case_id: int, week: date | None = None
) -> WeeklyData:
    """The week's sessions, targets met / not met, pain and soreness, next week's plan."""
    case = _case_for_report(session, actor, case_id)
    ctx = _context(session, actor)
    c = _Case(session, case, ctx.generated_at)
    start = week_start(week or c.today)
    end = start + timedelta(days=7)
    if start < week_start(case.injury_date):
        raise ValidationError(
            f"The week of {start.isoformat()} is before the injury ({case.injury_date.isoformat()})."
        )
    sessions = []
    week_load = prev_load = 0.0
    for e in c.active:
        if e.kind != "session":
            continue
        day = c.day_of(e.occurred_at)
        d = e.data or {}
        au = d.get("load_au")
        if au is None and d.get("srpe") is not None:
            au = float(d["srpe"]) * float(d.get("minutes") or 0)
        if start - timedelta(days=7) <= day < start:
            prev_load += au or 0
        if not start <= day < end:
            continue
        week_load += au or 0
        sessions.append(
            SessionItem(
                occurred_at=e.occurred_at,
                session_type=SESSION_TYPES.get(
                    d.get("session_type", ""), d.get("session_type", "")
                ),
                minutes=float(d.get("minutes") or 0),
                srpe=d.get("srpe"),
                load=au,
                surface=SURFACES.get(d.get("surface") or "", d.get("surface") or ""),
                intensity_pct=d.get("intensity_pct"),
                volume_m=d.get("volume_m"),
                author=c.author(e.author_id),
                notes=_clip(e.body, 300)[0],
            )
        )
    pain = c.daily_max("pain", start, end)
    sore = c.daily_max("soreness", start, end)
    feedback = tuple(
        DayFeedback(
            start + timedelta(days=i),
            pain.get(start + timedelta(days=i)),
            sore.get(start + timedelta(days=i)),
        )
        for i in range(7)
    )
    chart_start = max(start - timedelta(days=7), case.injury_date)
    chart = _feedback_chart(
        c, chart_start, end, "Pain and soreness, this week and last", dates=True
    )
    phase = c.protocol.phase(case.current_phase.key)
    return _sealed(
        WeeklyData(
            ctx=ctx,
            head=c.header(),
            week_start=start,
            sessions=tuple(sessions),
            planned=_plans(session, case.id, start, end),
            targets=_targets(session, case.id, start),
            feedback=feedback,
            chart=chart,
            week_load=week_load,
            previous_week_load=prev_load,
            next_planned=_plans(session, case.id, end, end + timedelta(days=7)),
            next_targets=_targets(session, case.id, end),
            phase_targets=phase.weekly_targets,
            guidance=phase.guidance,
        )
    )
