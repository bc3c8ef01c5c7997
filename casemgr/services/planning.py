"""Weekly targets and planned sessions (the microcycle calendar).

A weekly target is free text ticked by hand, or **measurable**: ``<aggregation> of
<measure> over the week <comparator> <threshold>``, computed from the week's data
(:func:`evaluate_targets`). The week is the clinic's week: Monday 00:00 to the next Monday
00:00 in the clinic's time zone (the database setting), seven calendar days even when a
daylight-saving change makes it 167 or 169 hours long. Aggregations:

- ``best`` / ``worst``: the best / worst result of the week by the measure's better direction
  (e.g. best max velocity >= 8.5 m/s; worst pain <= 2);
- ``sum``: the week's total (e.g. high-speed running distance >= 2000 m);
- ``days``: the number of the clinic's calendar days with at least one result (e.g. pain
  reported on >= 6 days).

Besides the catalogue measures, two values come from logged training sessions (active
``session`` entries of the case): ``sessions`` (``sum`` = number of sessions, ``days`` =
days with at least one session) and ``session_load`` (sRPE x minutes per session, AU,
Foster 2001: ``best``/``worst`` session, weekly ``sum``, ``days``). Values are compared at
the measure's display precision, as readiness criteria are. A week without any result of
the measure is "no data"; once data exists the target is met or not met ("so far" while
the week is running).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.catalogue import Measure as CatalogueMeasure
from casemgr.clinical.catalogue import format_number, round_half_up
from casemgr.clinical.clinic_days import day_start, local_day
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, PlannedSession, TimelineEntry, WeeklyTarget
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import check_version, get_or_404, load_case
from casemgr.services.dto import PlannedSessionInfo, TargetInfo
from casemgr.services.settings import clinic_zone
from casemgr.text import clean_line, clean_text
from casemgr.vocab import SESSION_TYPES, SURFACES

PLAN_STATUSES = ("planned", "done", "skipped", "modified")
TARGET_AGGREGATIONS = ("best", "worst", "sum", "days")
TARGET_COMPARATORS = ("<", "<=", ">=", ">", "==")
TARGET_STATUSES = ("met", "not_met", "no_data", "manual")
#: Values from logged sessions: key -> (label, unit, decimals, allowed aggregations).
SESSION_VALUES = {
    "sessions": ("Training sessions", "", 0, ("sum", "days")),
    "session_load": ("Session load (sRPE x min)", "AU", 0, TARGET_AGGREGATIONS),
}
_AGGREGATION_TEXT = {
    "best": "best of the week",
    "worst": "worst of the week",
    "sum": "week total",
    "days": "days with a result",
}
_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
_SYMBOLS = {"<": "<", "<=": "≤", ">=": "≥", ">": ">", "==": "="}


def week_start(day: date) -> date:
    """The Monday of *day*'s week (*day* a calendar day of the clinic)."""
    return day - timedelta(days=day.weekday())


def week_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The first moment (aware UTC) of the clinic's week of *day* and of the week after:
    local Monday 00:00 to the next local Monday 00:00, whatever daylight saving does."""
    monday = week_start(day)
    return day_start(monday, tz), day_start(monday + timedelta(days=7), tz)


def _case(session: Session, actor: Actor, case_id: int, action: Action) -> InjuryCase:
    case = load_case(session, actor, case_id, action)
    return case


@dataclass(frozen=True)
class TargetStatus:
    """A weekly target and whether the week's data meets it.

    ``status``: "met", "not_met", "no_data" (a measurable target without data in the week)
    or "manual" (a free-text target, ticked by hand: see ``target.met``). ``value`` is the
    aggregated value (None without data or for manual targets); ``explanation`` says how it
    was computed, in the measure's unit.
    """

    target: TargetInfo
    status: str
    value: float | None
    explanation: str
    measure: str | None = None
    limb: str | None = None
    aggregation: str = ""
    comparator: str = ""
    threshold: float | None = None
    unit: str = ""

    @property
    def met(self) -> bool | None:
        return {"met": True, "not_met": False}.get(self.status, self.target.met)


def _target_info(t: WeeklyTarget) -> TargetInfo:
    return TargetInfo(
        id=t.id,
        case_id=t.case_id,
        week_start=t.week_start,
        text=t.text,
        discipline=t.discipline,
        met=t.met,
        version=t.version,
        measure=t.measure,
        limb=t.limb or "",
        aggregation=t.aggregation or "",
        comparator=t.comparator or "",
        threshold=t.threshold,
    )


@dataclass(frozen=True)
class _ValueSpec:
    label: str
    unit: str
    decimals: int
    better: str  # "higher" | "lower" | "none"
    per_limb: bool
    from_sessions: bool
    aggregations: tuple[str, ...]
    catalogue_measure: CatalogueMeasure | None = None

    def format(self, value: float) -> str:
        if self.catalogue_measure is not None:
            return self.catalogue_measure.format(value)
        return f"{format_number(value, self.decimals)} {self.unit}".strip()


def _value_spec(measure: str) -> _ValueSpec:
    """The measure's label, unit and the aggregations it allows; clear error when unknown."""
    if measure in SESSION_VALUES:
        label, unit, decimals, aggs = SESSION_VALUES[measure]
        return _ValueSpec(label, unit, decimals, "higher", False, True, aggs)
    from casemgr.services.timeline import catalogue

    try:
        spec = catalogue().get(measure)
    except ValidationError as exc:
        raise ValidationError(
            f"{exc}. A weekly target measures a catalogue measure, or 'sessions' / "
            "'session_load' from the logged training sessions."
        ) from None
    aggs = TARGET_AGGREGATIONS if spec.better != "none" else ("sum", "days")
    return _ValueSpec(
        spec.label, spec.display_unit, spec.decimals, spec.better, spec.per_limb, False, aggs, spec
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _describe(spec: _ValueSpec, limb: str, aggregation: str, comparator: str, threshold) -> str:
    """The rule in words, e.g. "Max velocity, best of the week ≥ 8.50 m/s"."""
    label = f"{spec.label} ({limb})" if limb else spec.label
    symbol = _SYMBOLS[comparator]
    if aggregation == "days":
        what = "session" if spec.from_sessions else "result"
        return f"{label}: days with a {what} {symbol} {format_number(threshold, 0)}"
    if spec.from_sessions and not spec.unit:
        return f"{label}: number in the week {symbol} {format_number(threshold, 0)}"
    return f"{label}, {_AGGREGATION_TEXT[aggregation]} {symbol} {spec.format(threshold)}"


def _validated_target(
    case: InjuryCase,
    measure: str,
    limb: str | None,
    aggregation: str,
    comparator: str,
    threshold: float | None,
) -> tuple[_ValueSpec, str, float]:
    spec = _value_spec(measure)
    if aggregation not in spec.aggregations:
        why = (
            "it has no better direction"
            if not spec.from_sessions
            else "sessions are counted, not ranked"
        )
        if aggregation not in TARGET_AGGREGATIONS:
            why = f"the aggregations are {', '.join(TARGET_AGGREGATIONS)}"
        raise ValidationError(
            f"{spec.label} cannot be aggregated as '{aggregation}' ({why}); use "
            f"{' or '.join(spec.aggregations)}."
        )
    if comparator not in TARGET_COMPARATORS:
        raise ValidationError(f"The comparison is one of {', '.join(TARGET_COMPARATORS)}.")
    if threshold is None or isinstance(threshold, bool):
        raise ValidationError(f"Give the target value for {spec.label}.")
    threshold = float(threshold)
    if limb in ("injured", "uninjured"):
        other = "left" if case.side == "right" else "right"
        limb = case.side if limb == "injured" else other
    limb = limb or ""
    if spec.per_limb and limb not in ("left", "right"):
        raise ValidationError(
            f"{spec.label} is measured per limb: say which (left, right, injured or uninjured)."
        )
    if not spec.per_limb and limb:
        raise ValidationError(f"{spec.label} is not measured per limb.")
    if aggregation == "days":
        if not 0 <= threshold <= 7 or threshold != int(threshold):
            raise ValidationError("A week has 0 to 7 days: give a whole number of days.")
    elif aggregation in ("best", "worst") and not spec.from_sessions:
        from casemgr.services.timeline import catalogue

        catalogue().validate(measure, threshold)
    elif threshold < 0 or threshold != threshold:
        raise ValidationError(f"A weekly total of {spec.label} cannot be negative.")
    return spec, limb, threshold


def add_target(
    session: Session,
    actor: Actor,
    case_id: int,
    week: date,
    text: str = "",
    *,
    measure: str | None = None,
    limb: str | None = None,
    aggregation: str = "best",
    comparator: str = ">=",
    threshold: float | None = None,
) -> TargetInfo:
    """A weekly target: free text ticked by hand, or measurable when *measure* is given.

    A measurable target compares the week's *aggregation* (best, worst, sum, days) of
    *measure* (a catalogue key, or ``sessions`` / ``session_load``) with *threshold* (in the
    measure's unit; *limb* left/right, or injured/uninjured resolved from the case, for
    per-limb measures). Its text defaults to a description of the rule.
    """
    case = _case(session, actor, case_id, Action.PLAN)
    text = clean_text(text, "Target", max_len=2000).strip()
    fields: dict = {}
    if measure is not None:
        spec, limb, threshold = _validated_target(
            case, measure, limb, aggregation, comparator, threshold
        )
        fields = {
            "measure": measure,
            "limb": limb,
            "aggregation": aggregation,
            "comparator": comparator,
            "threshold": threshold,
        }
        text = text or _describe(spec, limb, aggregation, comparator, threshold)
    elif threshold is not None or limb:
        raise ValidationError("A target value needs a measure to compare it with.")
    if not text:
        raise ValidationError("The target is empty.")
    target = WeeklyTarget(
        case_id=case.id,
        week_start=week_start(week),
        text=text,
        discipline=str(actor.role),
        created_by_id=actor.user_id,
        **fields,
    )
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
    if target.measure:
        raise ValidationError(
            "This target is measured: whether it is met is computed from the week's data."
        )
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


def _week_values(
    session: Session, case: InjuryCase, start: datetime, end: datetime
) -> tuple[dict[tuple[str, str], list[tuple[datetime, float]]], list[tuple[datetime, float]]]:
    """The week's active measure results by (key, limb), and its sessions as (time, load)."""
    by_key: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for m in session.scalars(
        select(Measure).where(
            Measure.athlete_id == case.athlete_id,
            or_(Measure.case_id == case.id, Measure.case_id.is_(None)),
            Measure.status == "active",
            Measure.measured_at >= start,
            Measure.measured_at < end,
        )
    ):
        by_key.setdefault((m.key, m.limb or ""), []).append((m.measured_at, m.value))
    sessions = []
    for e in session.scalars(
        select(TimelineEntry).where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.kind == "session",
            TimelineEntry.status == "active",
            TimelineEntry.occurred_at >= start,
            TimelineEntry.occurred_at < end,
        )
    ):
        load = e.data.get("load_au")
        if load is None and e.data.get("srpe") is not None:
            load = float(e.data["srpe"]) * float(e.data.get("minutes") or 0)
        sessions.append((e.occurred_at, load))
    return by_key, sessions


def _evaluate(
    t: WeeklyTarget,
    spec: _ValueSpec,
    points: list[tuple[datetime, float | None]],
    running: bool,
    tz: tzinfo,
) -> tuple[str, float | None, str]:
    """(status, value, explanation) of one measurable target over the week's *points*."""
    counted = t.aggregation == "days" or t.measure == "sessions"
    target = f"the target {_SYMBOLS[t.comparator]} " + (
        format_number(t.threshold, 0) if counted else spec.format(t.threshold)
    )
    so_far = " so far (the week is not over)" if running else ""
    values = [v for _, v in points if v is not None]
    if not (points if counted else values):
        return "no_data", None, f"No data this week for {target}{so_far}"
    if t.aggregation == "days":
        days = {local_day(when, tz) for when, _ in points}
        value = float(len(days))
        shown = f"{_count(len(days), 'day')} with a {'session' if spec.from_sessions else 'result'}"
    elif t.measure == "sessions":
        value = float(len(points))
        shown = f"{_count(len(points), 'session')} logged"
    else:
        if t.aggregation == "sum":
            value = sum(values)
        else:
            pick_max = (spec.better == "lower") == (t.aggregation == "worst")
            value = max(values) if pick_max else min(values)
        source = (
            _count(len(values), "session") + " with sRPE"
            if spec.from_sessions
            else _count(len(values), "result")
        )
        shown = (
            f"{_AGGREGATION_TEXT[t.aggregation].capitalize()} {spec.format(value)} from {source}"
        )
    ok = _OPS[t.comparator](round_half_up(value, spec.decimals), t.threshold)
    verdict = "meets" if ok else "does not meet"
    return ("met" if ok else "not_met"), value, f"{shown}: {verdict} {target}{so_far}"


def evaluate_targets(
    session: Session, actor: Actor, case_id: int, week: date, *, as_of: datetime | None = None
) -> list[TargetStatus]:
    """The targets of *week* (any day of it) with met / not met / no data / manual.

    Measurable targets are computed from the clinic week's active results of the case (and
    athlete-level results without a case) and its active session entries; see the module
    docstring for the aggregations. Free-text targets are "manual" (ticked by hand). The
    week is "so far" while it runs at *as_of* (default now).
    """
    case = _case(session, actor, case_id, Action.VIEW_CLINICAL)
    tz = clinic_zone(session)
    monday = week_start(week)
    start, end = week_bounds(monday, tz)
    running = (as_of or utcnow()) < end
    targets = session.scalars(
        select(WeeklyTarget)
        .where(WeeklyTarget.case_id == case.id, WeeklyTarget.week_start == monday)
        .order_by(WeeklyTarget.id)
    ).all()
    by_key, sessions = (
        _week_values(session, case, start, end) if any(t.measure for t in targets) else ({}, [])
    )
    out = []
    for t in targets:
        info = _target_info(t)
        if not t.measure:
            ticked = {True: "ticked as met", False: "ticked as not met"}.get(
                t.met, "not ticked yet"
            )
            out.append(TargetStatus(info, "manual", None, f"Free-text target, {ticked}"))
            continue
        spec = _value_spec(t.measure)
        points = sessions if spec.from_sessions else by_key.get((t.measure, t.limb or ""), [])
        status, value, text = _evaluate(t, spec, points, running, tz)
        out.append(
            TargetStatus(
                info,
                status,
                value,
                text,
                measure=t.measure,
                limb=t.limb or None,
                aggregation=t.aggregation,
                comparator=t.comparator,
                threshold=t.threshold,
                unit=spec.unit,
            )
        )
    return out


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
