"""Measure series: one measure of a case over time (points per limb, baselines, target
bands, phases and events), the measures a case has results for, wellness and the case-review
trends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.protocols import Protocol, protocol_from_dict
from casemgr.clinical.readiness_index import FactIndex
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case
from casemgr.services.series.common import (
    PhasePeriod,
    SeriesPoint,
    _case_measures,
    _of_case,
    _phase_periods,
    _point,
)
from casemgr.services.series.targets import TargetBand, _targets
from casemgr.services.settings import clinic_zone_name

WELLNESS_KEYS = ("pain", "soreness", "tightness")
EVENT_KINDS = ("phase_change", "flag", "flag_resolved", "decision", "sign_off")


@dataclass(frozen=True)
class Baseline:
    limb: str  # "left" / "right" / "" (not per limb)
    value: float
    at: datetime
    entry_id: int | None


@dataclass(frozen=True)
class EventMarker:
    at: datetime
    kind: str  # phase_change / flag / flag_resolved / decision / sign_off
    title: str
    entry_id: int
    direction: str = ""  # phase changes: open / advance / step_back / close


@dataclass(frozen=True)
class MeasureSeries:
    """One measure of a case over time, with everything its plot shows."""

    case_id: int
    key: str
    label: str
    unit: str
    decimals: int
    better: str
    per_limb: bool
    injured_side: str
    injury_date: date
    limbs: dict[str, tuple[SeriesPoint, ...]]  # "left"/"right" or "" -> points, oldest first
    baselines: tuple[Baseline, ...]
    targets: tuple[TargetBand, ...]
    phases: tuple[PhasePeriod, ...]
    events: tuple[EventMarker, ...]
    notes: tuple[str, ...] = ()

    def points(self, limb: str = "") -> tuple[SeriesPoint, ...]:
        return self.limbs.get(limb, ())

    def baseline(self, limb: str = "") -> Baseline | None:
        return next((b for b in self.baselines if b.limb == limb), None)

    @property
    def count(self) -> int:
        return sum(len(p) for p in self.limbs.values())


@dataclass(frozen=True)
class MeasureChoice:
    key: str
    label: str
    unit: str
    group: str
    count: int


@dataclass(frozen=True)
class WellnessSeries:
    case_id: int
    series: dict[str, tuple[SeriesPoint, ...]]  # pain / soreness / tightness
    labels: dict[str, str]
    pain_limit: float | None
    phases: tuple[PhasePeriod, ...] = ()


@dataclass(frozen=True)
class Trend:
    """The recent results of one measure (the injured limb for per-limb measures)."""

    key: str
    label: str
    unit: str
    limb: str
    points: tuple[SeriesPoint, ...]
    baseline: float | None
    better: str
    decimals: int = 2


def _protocol(case: InjuryCase) -> Protocol:
    return protocol_from_dict(
        case.protocol.definition, origin=case.protocol.key, catalogue=load_catalogue()
    )


def _events(session: Session, case: InjuryCase) -> tuple[EventMarker, ...]:
    rows = session.scalars(
        select(TimelineEntry)
        .where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.kind.in_(EVENT_KINDS),
            TimelineEntry.status == "active",
        )
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    )
    return tuple(
        EventMarker(e.occurred_at, e.kind, e.title, e.id, str((e.data or {}).get("direction", "")))
        for e in rows
    )


def _facts(session: Session, case: InjuryCase, rows: Sequence[Measure]) -> FactIndex:
    """The results indexed as the readiness engine does: the injury day (before it: the
    pre-injury baseline) is the clinic's calendar day."""
    facts = CaseFacts(
        injured_side=case.side,
        injury_date=case.injury_date,
        as_of=utcnow(),
        timezone=clinic_zone_name(session),
        measures=tuple(
            MeasurePoint(
                key=m.key,
                value=m.value,
                measured_at=m.measured_at,
                limb=m.limb or None,
                is_baseline=m.is_baseline,
                entry_id=m.entry_id,
                source=m.source,
            )
            for m in rows
        ),
    )
    return FactIndex(facts, load_catalogue())


def measure_series(session: Session, actor: Actor, case_id: int, key: str) -> MeasureSeries:
    """Measure *key* of the case over time: points per limb, baselines, target band,
    phase periods and events (see the module docstring)."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    m = load_catalogue().get(key)
    rows = _case_measures(session, case, (key,))
    limbs: dict[str, list[SeriesPoint]] = {}
    for row in rows:
        limbs.setdefault(row.limb or "", []).append(_point(row))
    index = _facts(session, case, rows)
    baselines = []
    for limb in sorted(limbs):
        point = index.baseline(key, limb or None)
        if point is not None:
            baselines.append(Baseline(limb, point.value, point.measured_at, point.entry_id))
    targets, notes = _targets(case, _protocol(case), m, index)
    return MeasureSeries(
        case_id=case.id,
        key=key,
        label=m.label,
        unit=m.display_unit,
        decimals=m.decimals,
        better=m.better,
        per_limb=m.per_limb,
        injured_side=case.side,
        injury_date=case.injury_date,
        limbs={limb: tuple(points) for limb, points in limbs.items()},
        baselines=tuple(baselines),
        targets=targets,
        phases=_phase_periods(session, case),
        events=_events(session, case),
        notes=notes,
    )


def available_measures(session: Session, actor: Actor, case_id: int) -> tuple[MeasureChoice, ...]:
    """The measures with at least one result for the case, in catalogue order."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    stmt = (
        select(Measure.key, func.count())
        .where(Measure.athlete_id == case.athlete_id, Measure.status == "active", _of_case(case))
        .group_by(Measure.key)
    )
    counts: dict[str, int] = dict(session.execute(stmt).all())
    catalogue = load_catalogue()
    return tuple(
        MeasureChoice(m.key, m.label, m.display_unit, m.group, counts[m.key])
        for m in catalogue
        if m.key in counts
    )


def wellness_series(
    session: Session, actor: Actor, case_id: int, keys: Sequence[str] = WELLNESS_KEYS
) -> WellnessSeries:
    """Pain, soreness and tightness (0-10) over time, with the protocol's pain limit."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    catalogue = load_catalogue()
    series: dict[str, list[SeriesPoint]] = {k: [] for k in keys}
    for row in _case_measures(session, case, keys):
        series[row.key].append(_point(row))
    try:
        pain_limit: float | None = _protocol(case).pain_limit
    except Exception:  # a damaged protocol must not hide the patient's pain
        pain_limit = None
    return WellnessSeries(
        case_id=case.id,
        series={k: tuple(v) for k, v in series.items()},
        labels={k: catalogue.get(k).label for k in keys},
        pain_limit=pain_limit,
        phases=_phase_periods(session, case),
    )


def trend_series(
    session: Session,
    actor: Actor,
    case_id: int,
    keys: Sequence[str] = ("max_velocity", "pain"),
    *,
    days: int = 28,
    as_of: datetime | None = None,
) -> dict[str, Trend]:
    """The results of the last *days* since the injury of each measure in *keys* (injured
    limb for per-limb measures), with its pre-injury baseline: the case-review sparklines."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    catalogue = load_catalogue()
    end = as_of or utcnow()
    start = end - timedelta(days=days)
    rows = _case_measures(session, case, keys)
    index = _facts(session, case, rows)
    out: dict[str, Trend] = {}
    for key in keys:
        m = catalogue.get(key)
        limb = case.side if m.per_limb else ""
        points = tuple(
            _point(r)
            for r in rows
            if r.key == key
            and (r.limb or "") == limb
            and max(start, index.injury_start) <= r.measured_at <= end
        )
        base = index.baseline(key, limb or None)
        out[key] = Trend(
            key,
            m.label,
            m.display_unit,
            limb,
            points,
            base.value if base else None,
            m.better,
            m.decimals,
        )
    return out
