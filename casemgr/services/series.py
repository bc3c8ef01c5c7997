"""Plain data for the progress plots: measures, load, wellness and sprint profiles of a case.

No Qt here: the functions return frozen dataclasses (with numpy arrays on demand) that the
plot widgets draw and the reports can chart.

Which results belong to a case follows the readiness engine (``services.readiness``): the
athlete's active results recorded for this case, without a case, or flagged baseline. The
pre-injury baseline of a measure (per limb) is the latest baseline-flagged result dated
before the injury day (``clinical.readiness.FactIndex.baseline``).

**Target band.** For the case's *current* phase, every exit criterion of kind ``measure``
on the plotted measure (alternatives of an ``any`` criterion too) becomes a band of values
that meet it, on the injured limb for per-limb measures:

- ``absolute``: the threshold itself (``pain <= 2``: at or below 2);
- ``baseline_pct`` / ``pre_injury_best_pct`` / ``uninjured_pct``: threshold % of the
  pre-injury baseline / the best pre-injury result / the latest uninjured-limb result,
  rounded half-up to the measure's decimals as the criteria panel does (``max_velocity
  >= 90%`` of a 10.00 m/s baseline: at or above 9.00 m/s); a criterion's
  ``fallback_reference`` is used when the baseline is missing;
- ``lsi`` (limb symmetry index): threshold % of the latest uninjured result for a
  higher-is-better measure (uninjured x 100 / threshold when lower is better);
- ``within_of_uninjured``: the latest uninjured result minus (or plus) the threshold;
- ``asymmetry``: the injured value within threshold % of the latest uninjured result,
  a two-sided band.

Criteria that total a week (``weekly_sum``) have no per-result band; a criterion whose
reference is missing gets none either, and ``MeasureSeries.notes`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import Measure as CatalogueMeasure
from casemgr.clinical.catalogue import load_catalogue, round_half_up
from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.load import DEFAULT_SPIKE_THRESHOLD, load_summary
from casemgr.clinical.protocols import Criterion, Protocol, protocol_from_dict
from casemgr.clinical.readiness import FactIndex
from casemgr.clinical.sprint import SprintFitError, fit_sprint_profile, predict_velocity
from casemgr.db.base import utcnow
from casemgr.db.models import Athlete, InjuryCase, Measure, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case

__all__ = [
    "Baseline",
    "EventMarker",
    "LoadSeries",
    "MeasureChoice",
    "MeasureSeries",
    "PhasePeriod",
    "SeriesPoint",
    "SprintTest",
    "TargetBand",
    "Trend",
    "WellnessSeries",
    "available_measures",
    "load_series",
    "measure_series",
    "sprint_profiles",
    "timestamps",
    "trend_series",
    "wellness_series",
]

WELLNESS_KEYS = ("pain", "soreness", "tightness")
EVENT_KINDS = ("phase_change", "flag", "flag_resolved", "decision", "sign_off")
SPLIT_KEYS = {
    "split_5m": 5.0,
    "split_10m": 10.0,
    "split_20m": 20.0,
    "split_30m": 30.0,
    "split_40m": 40.0,
}
# Used only for the air-resistance part of the profile when the athlete has no mass/height;
# the v(t) curve (MSS, tau) does not depend on them.
_DEFAULT_MASS_KG, _DEFAULT_HEIGHT_M = 75.0, 1.75


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    """One result: when (aware UTC), the value in the measure's canonical unit, its entry."""

    at: datetime
    value: float
    entry_id: int | None = None
    is_baseline: bool = False
    source: str = ""


def timestamps(points: Sequence[SeriesPoint]) -> np.ndarray:
    """POSIX seconds of *points* (what pyqtgraph's DateAxisItem expects)."""
    return np.fromiter((p.at.timestamp() for p in points), dtype=float, count=len(points))


def values(points: Sequence[SeriesPoint]) -> np.ndarray:
    return np.fromiter((p.value for p in points), dtype=float, count=len(points))


@dataclass(frozen=True)
class Baseline:
    limb: str  # "left" / "right" / "" (not per limb)
    value: float
    at: datetime
    entry_id: int | None


@dataclass(frozen=True)
class TargetBand:
    """Values that meet one exit criterion of the current phase (``None``: unbounded)."""

    criterion_key: str
    label: str
    limb: str
    lower: float | None
    upper: float | None
    reference: str  # the reference used (the fallback when the baseline is missing)
    explanation: str  # e.g. "≥ 90% of baseline (10.00 m/s) = 9.00 m/s"


@dataclass(frozen=True)
class PhasePeriod:
    ordinal: int
    key: str
    name: str
    start: datetime
    end: datetime | None  # None: the current phase, still running
    direction: str  # how the phase was entered: open / advance / step_back


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
class LoadSeries:
    """Daily session load (sRPE x minutes, rest days 0) and its EWMA acute:chronic ratio."""

    case_id: int
    days: tuple[date, ...]
    loads: tuple[float, ...]
    acute: tuple[float, ...]
    chronic: tuple[float, ...]
    acwr: tuple[float | None, ...]
    spikes: tuple[date, ...]
    spike_threshold: float
    sessions: int
    phases: tuple[PhasePeriod, ...] = ()

    def day_timestamps(self, hour: float = 12.0) -> np.ndarray:
        """POSIX seconds of each day at *hour* local time (bar centres at noon)."""
        return np.fromiter(
            (datetime.combine(d, datetime.min.time()).timestamp() + hour * 3600 for d in self.days),
            dtype=float,
            count=len(self.days),
        )

    def acwr_array(self) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in self.acwr], dtype=float)


@dataclass(frozen=True)
class WellnessSeries:
    case_id: int
    series: dict[str, tuple[SeriesPoint, ...]]  # pain / soreness / tightness
    labels: dict[str, str]
    pain_limit: float | None
    phases: tuple[PhasePeriod, ...] = ()


@dataclass(frozen=True)
class SprintTest:
    """One timing-gate test with its fitted (or stored) mono-exponential profile."""

    entry_id: int
    at: datetime
    title: str
    is_baseline: bool
    distances: tuple[float, ...]
    times: tuple[float, ...]
    mss: float
    tau: float
    source: str  # "fitted" (from the splits) or "stored" (the profile saved with the test)
    f0_rel: float | None = None
    v0: float | None = None
    pmax_rel: float | None = None
    rmse: float | None = None

    @property
    def mac(self) -> float:
        return self.mss / self.tau

    def segment_velocities(self) -> tuple[np.ndarray, np.ndarray]:
        """Measured average velocity of each split segment, placed at the segment's mid time."""
        d = np.concatenate(([0.0], np.asarray(self.distances, dtype=float)))
        t = np.concatenate(([0.0], np.asarray(self.times, dtype=float)))
        if len(d) < 2:
            return np.empty(0), np.empty(0)
        return (t[1:] + t[:-1]) / 2, np.diff(d) / np.diff(t)

    def curve(self, t_end: float | None = None, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
        """v(t) = MSS (1 - e^(-t/tau)) from 0 to *t_end* (default: the last split or 6 s)."""
        end = t_end or (max(self.times) if self.times else 6.0)
        t = np.linspace(0.0, end, n)
        return t, np.asarray(predict_velocity(t, self.mss, self.tau), dtype=float)


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


# --- queries ------------------------------------------------------------------------------


def _case_measures(session: Session, case: InjuryCase, keys: Iterable[str] | None) -> list:
    stmt = select(Measure).where(
        Measure.athlete_id == case.athlete_id,
        Measure.status == "active",
        _of_case(case),
    )
    if keys is not None:
        stmt = stmt.where(Measure.key.in_(tuple(keys)))
    return list(session.scalars(stmt.order_by(Measure.measured_at, Measure.id)))


def _of_case(case: InjuryCase):
    """The athlete's measures that belong to *case*: its own, those tied to no case, and
    baselines (filtered in SQL: the athlete may have years of other cases' data)."""
    return or_(Measure.case_id == case.id, Measure.case_id.is_(None), Measure.is_baseline.is_(True))


def _point(m: Measure) -> SeriesPoint:
    return SeriesPoint(m.measured_at, float(m.value), m.entry_id, bool(m.is_baseline), m.source)


def _protocol(case: InjuryCase) -> Protocol:
    return protocol_from_dict(
        case.protocol.definition, origin=case.protocol.key, catalogue=load_catalogue()
    )


def _phase_periods(session: Session, case: InjuryCase) -> tuple[PhasePeriod, ...]:
    """Phase periods from the case's phase-change entries (a close ends the last one)."""
    names = {p.key: (p.ordinal, p.name) for p in case.protocol.phases}
    entries = session.scalars(
        select(TimelineEntry)
        .where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.kind == "phase_change",
            TimelineEntry.status == "active",
        )
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    )
    periods: list[PhasePeriod] = []
    for e in entries:
        data = e.data or {}
        if periods and periods[-1].end is None:
            last = periods[-1]
            periods[-1] = PhasePeriod(
                last.ordinal, last.key, last.name, last.start, e.occurred_at, last.direction
            )
        key = data.get("to")
        if not key or data.get("direction") == "close":
            continue
        ordinal, name = names.get(key, (int(data.get("to_ordinal") or 0), str(key)))
        periods.append(
            PhasePeriod(
                ordinal, key, name, e.occurred_at, None, str(data.get("direction") or "advance")
            )
        )
    return tuple(periods)


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


def _facts(case: InjuryCase, rows: Sequence[Measure]) -> FactIndex:
    facts = CaseFacts(
        injured_side=case.side,
        injury_date=case.injury_date,
        as_of=utcnow(),
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


# --- target band --------------------------------------------------------------------------


def _criteria_for(criteria: Iterable[Criterion], key: str) -> list[Criterion]:
    out: list[Criterion] = []
    for c in criteria:
        if c.kind == "any":
            out += _criteria_for(c.alternatives, key)
        elif c.kind == "measure" and c.measure == key:
            out.append(c)
    return out


def _sym(comparator: str) -> str:
    return {"<": "<", "<=": "≤", ">=": "≥", ">": ">", "==": "="}.get(comparator, comparator)


def _pct(value: float) -> str:
    return f"{value:g}%"


def _band(
    c: Criterion, m: CatalogueMeasure, index: FactIndex, injured: str, uninjured: str | None
) -> tuple[TargetBand | None, str]:
    """The band of criterion *c*, or None and the reason there is none."""
    cmp = c.comparator or ">="
    threshold = float(c.threshold or 0)
    limb = injured if m.per_limb else ""
    limb_key = limb or None
    if c.aggregation == "weekly_sum":
        return None, f"{c.label}: a weekly total, not a target for single results"

    def bounded(target: float, text: str, reference: str) -> TargetBand:
        target = round_half_up(target, m.decimals)
        lower = target if cmp in (">=", ">", "==") else None
        upper = target if cmp in ("<=", "<", "==") else None
        return TargetBand(c.key, c.label, limb, lower, upper, reference, text)

    def uninjured_latest() -> MeasurePoint | None:
        if not uninjured:
            return None
        points = index.current(m.key, uninjured).points
        return points[-1] if points else None

    references = [(c.reference or "absolute", threshold)]
    if c.fallback_reference:
        fallback_threshold = c.fallback_threshold if c.fallback_threshold is not None else threshold
        references.append((c.fallback_reference, float(fallback_threshold)))
    missing = ""
    for reference, thr in references:
        if reference == "absolute":
            return bounded(thr, f"{_sym(cmp)} {m.format(thr)}", reference), ""
        if reference in ("baseline_pct", "pre_injury_best_pct"):
            if reference == "baseline_pct":
                point = index.baseline(m.key, limb_key)
                name = "baseline"
            else:
                pre = index.pre_injury(m.key, limb_key).points
                pick = max if m.higher_is_better else min
                point = pick(pre, key=lambda p: p.value) if pre else None
                name = "best pre-injury"
            if point is None:
                missing = missing or f"{c.label}: no pre-injury {name}"
                continue
            target = round_half_up(point.value * thr / 100, m.decimals)
            text = f"{_sym(cmp)} {_pct(thr)} of {name} ({m.format(point.value)}) = "
            return bounded(target, text + m.format(target), reference), ""
        other = uninjured_latest()
        if other is None:
            missing = missing or f"{c.label}: no uninjured-limb result since the injury"
            continue
        ov = other.value
        if reference == "uninjured_pct":
            target = round_half_up(ov * thr / 100, m.decimals)
            text = f"{_sym(cmp)} {_pct(thr)} of the uninjured limb ({m.format(ov)}) = "
            return bounded(target, text + m.format(target), reference), ""
        if reference == "lsi":
            if thr <= 0:
                return None, f"{c.label}: LSI threshold 0"
            target = ov * thr / 100 if m.higher_is_better else ov * 100 / thr
            # LSI >= t means injured >= target when higher is better, <= target when lower.
            flip = not m.higher_is_better
            eff = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}.get(cmp, cmp) if flip else cmp
            target = round_half_up(target, m.decimals)
            text = f"LSI {_sym(cmp)} {_pct(thr)} of the uninjured limb ({m.format(ov)}): "
            band = TargetBand(
                c.key,
                c.label,
                limb,
                target if eff in (">=", ">") else None,
                target if eff in ("<=", "<") else None,
                reference,
                text + f"{_sym(eff)} {m.format(target)}",
            )
            return band, ""
        if reference == "within_of_uninjured":
            target = ov - thr if m.higher_is_better else ov + thr
            bound = ">=" if m.higher_is_better else "<="
            text = f"within {m.format(thr)} of the uninjured limb ({m.format(ov)}) = "
            target = round_half_up(target, m.decimals)
            band = TargetBand(
                c.key,
                c.label,
                limb,
                target if bound == ">=" else None,
                target if bound == "<=" else None,
                reference,
                text + f"{_sym(bound)} {m.format(target)}",
            )
            return band, ""
        if reference == "asymmetry":
            if thr >= 100:
                return None, f"{c.label}: asymmetry threshold of 100% or more"
            lo = round_half_up(ov * (1 - thr / 100), m.decimals)
            hi = round_half_up(ov / (1 - thr / 100), m.decimals)
            text = (
                f"asymmetry {_sym(cmp)} {_pct(thr)} vs the uninjured limb ({m.format(ov)}): "
                f"{m.format(lo)} to {m.format(hi)}"
            )
            return TargetBand(c.key, c.label, limb, lo, hi, reference, text), ""
    return None, missing or f"{c.label}: no reference"


def _targets(
    case: InjuryCase, protocol: Protocol, m: CatalogueMeasure, index: FactIndex
) -> tuple[tuple[TargetBand, ...], tuple[str, ...]]:
    try:
        phase = protocol.phase(case.current_phase.key)
    except KeyError:
        return (), ()
    injured = case.side
    uninjured = {"left": "right", "right": "left"}.get(injured)
    bands, notes = [], []
    for c in _criteria_for(phase.criteria, m.key):
        band, note = _band(c, m, index, injured, uninjured)
        if band is not None:
            bands.append(band)
        elif note:
            notes.append(note)
    return tuple(bands), tuple(notes)


# --- public -------------------------------------------------------------------------------


def measure_series(session: Session, actor: Actor, case_id: int, key: str) -> MeasureSeries:
    """Measure *key* of the case over time: points per limb, baselines, target band,
    phase periods and events (see the module docstring)."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    m = load_catalogue().get(key)
    rows = _case_measures(session, case, (key,))
    limbs: dict[str, list[SeriesPoint]] = {}
    for row in rows:
        limbs.setdefault(row.limb or "", []).append(_point(row))
    index = _facts(case, rows)
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


def load_series(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    until: date | None = None,
    spike_threshold: float = DEFAULT_SPIKE_THRESHOLD,
) -> LoadSeries:
    """Daily load from the case's sessions (``load_au``, else sRPE x minutes) from the first
    session to *until* (default today), with the EWMA acute (7 d) and chronic (28 d) loads,
    their ratio and the spike days (EWMA ACWR above *spike_threshold*)."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    pairs: list[tuple[date, float]] = []
    for occurred_at, data in session.execute(
        select(TimelineEntry.occurred_at, TimelineEntry.data).where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.kind == "session",
            TimelineEntry.status == "active",
        )
    ):
        data = data or {}
        load = data.get("load_au")
        if load is None and data.get("srpe") is not None:
            load = float(data["srpe"]) * float(data.get("minutes") or 0)
        if load is None or not math.isfinite(float(load)):
            continue
        pairs.append((occurred_at.date(), max(0.0, float(load))))
    phases = _phase_periods(session, case)
    if not pairs:
        return LoadSeries(case.id, (), (), (), (), (), (), spike_threshold, 0, phases)
    end = max(until or utcnow().date(), max(d for d, _ in pairs))
    days = load_summary(pairs, end=end, spike_threshold=spike_threshold)
    return LoadSeries(
        case_id=case.id,
        days=tuple(d.date for d in days),
        loads=tuple(d.load for d in days),
        acute=tuple(d.acute_ewma for d in days),
        chronic=tuple(d.chronic_ewma for d in days),
        acwr=tuple(d.acwr_ewma for d in days),
        spikes=tuple(d.date for d in days if d.spike),
        spike_threshold=spike_threshold,
        sessions=len(pairs),
        phases=phases,
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


def _splits_from_data(data: dict) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Splits saved on a test entry: [[d, t], ...] or [{"distance": d, "time": t}, ...]."""
    raw = data.get("splits")
    if not isinstance(raw, list) or not raw:
        return None
    pairs = []
    try:
        for item in raw:
            if isinstance(item, dict):
                pairs.append((float(item["distance"]), float(item["time"])))
            else:
                pairs.append((float(item[0]), float(item[1])))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    pairs.sort()
    return tuple(d for d, _ in pairs), tuple(t for _, t in pairs)


def _stored_profile(data: dict) -> tuple[float, float] | None:
    """(MSS, tau) of a profile saved with the test entry, when there is one."""
    profile = data.get("profile")
    if not isinstance(profile, dict):
        return None
    try:
        mss = float(profile["mss"])
        tau = float(profile["tau"]) if "tau" in profile else mss / float(profile["mac"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(mss) and math.isfinite(tau) and mss > 0 and tau > 0):
        return None
    return mss, tau


def sprint_profiles(
    session: Session, actor: Actor, case_id: int, *, latest: int = 3
) -> tuple[SprintTest, ...]:
    """The *latest* timing-gate tests of the case and the latest pre-injury baseline test,
    oldest first, each with its mono-exponential profile: the one stored with the test
    (``data["profile"]`` with ``mss`` and ``tau`` or ``mac``) when there is one, else fitted
    to the test's splits (``data["splits"]``, else its ``split_*`` results) without a start
    correction. Tests whose splits cannot be fitted are left out."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    athlete = session.get(Athlete, case.athlete_id)
    rows = _case_measures(session, case, SPLIT_KEYS)
    by_entry: dict[int, list[Measure]] = {}
    for row in rows:
        if row.entry_id is not None:
            by_entry.setdefault(row.entry_id, []).append(row)
    entries = {
        e.id: e
        for e in session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.id.in_(tuple(by_entry)), TimelineEntry.status == "active"
            )
        )
    }
    injury_start = datetime.combine(case.injury_date, datetime.min.time(), tzinfo=utcnow().tzinfo)
    ordered = sorted(entries.values(), key=lambda e: (e.occurred_at, e.id))
    baseline = [
        e
        for e in ordered
        if e.occurred_at < injury_start and any(m.is_baseline for m in by_entry[e.id])
    ]
    recent = [e for e in ordered if e.occurred_at >= injury_start][-latest:] if latest else []
    chosen = (baseline[-1:] if baseline else []) + recent
    mass = (athlete.body_mass_kg if athlete else None) or _DEFAULT_MASS_KG
    height = (athlete.height_m if athlete else None) or _DEFAULT_HEIGHT_M
    known_body = bool(athlete and athlete.body_mass_kg and athlete.height_m)
    tests = []
    for e in chosen:
        data = e.data or {}
        splits = _splits_from_data(data)
        if splits is None:
            ms = sorted(by_entry[e.id], key=lambda m: SPLIT_KEYS[m.key])
            splits = (tuple(SPLIT_KEYS[m.key] for m in ms), tuple(float(m.value) for m in ms))
        stored = _stored_profile(data)
        is_baseline = any(m.is_baseline for m in by_entry[e.id])
        if stored is not None:
            mss, tau = stored
            profile = data.get("profile", {})
            tests.append(
                SprintTest(
                    e.id,
                    e.occurred_at,
                    e.title,
                    is_baseline,
                    splits[0],
                    splits[1],
                    mss,
                    tau,
                    "stored",
                    _float(profile.get("f0_rel")),
                    _float(profile.get("v0")),
                    _float(profile.get("pmax_rel")),
                    _float(profile.get("rmse")),
                )
            )
            continue
        try:
            fit = fit_sprint_profile(splits[0], splits[1], mass, height)
        except (ClinicalDataError, SprintFitError, ValueError):
            continue
        tests.append(
            SprintTest(
                e.id,
                e.occurred_at,
                e.title,
                is_baseline,
                splits[0],
                splits[1],
                fit.mss,
                fit.tau,
                "fitted",
                fit.f0_rel if known_body else None,
                fit.v0 if known_body else None,
                fit.pmax_rel if known_body else None,
                fit.rmse,
            )
        )
    return tuple(tests)


def _float(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


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
    index = _facts(case, rows)
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
