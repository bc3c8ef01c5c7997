"""Step-back and pause suggestions from daily feedback.

The rules follow the progression advice of the hamstring and calf protocols ("if any
re-emergence of pain or excessive soreness occurs, revert to a safer subphase"; "lingering
tightness or delayed soreness warrants a pause or backward step"; Hickey et al. 2020,
Green et al. 2022). Every limit is protocol data (:data:`SIGNAL_DEFAULTS`, the protocol's
``[signals]`` table) and each message names its source:

- pain above ``pain_limit`` (2/10 pain-free protocols; 4/10 pain-threshold protocols,
  Hickey et al. 2020) -> step back one phase (one suggestion per day); in phase 1 there is
  no phase to step back to: a pause and a medical review;
- soreness ``soreness_rise`` points above the athlete's median of the
  ``soreness_median_days`` days before (each day's highest report; at least
  ``soreness_min_days`` of them) -> a pause;
- tightness >= ``tightness_limit`` on ``tightness_days`` consecutive days -> a pause (one
  suggestion per run);
- soreness or tightness >= ``persistent_limit`` on ``persistent_days`` days running -> a
  pause even when it is not rising (one suggestion per run; a tightness run already
  suggested by the previous rule is not suggested twice).

Days are the clinic's local days. Only days in the recent window (default the last 7 days
up to ``as_of``) raise suggestions. A suggestion's :attr:`Signal.key` (kind, measure, the
sorted entry ids behind it) identifies it; once a person answers it (step back, pause,
"seen, continue"), the reports behind it (:attr:`Signal.units`) never raise it again.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from casemgr.clinical.catalogue import plain_number
from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.protocols import SIGNAL_DEFAULTS, Threshold

SIGNAL_KINDS = ("step_back", "pause")
SIGNAL_MEASURES = ("pain", "soreness", "tightness")


@dataclass(frozen=True)
class Signal:
    """A suggestion to step back one phase or to pause progression."""

    kind: str  # "step_back" | "pause"
    message: str
    triggered_by: tuple[int, ...]  # entry ids of the reports that raised it
    measured_at: datetime  # the latest report involved
    measure: str = ""  # "pain" | "soreness" | "tightness"
    value: float | None = None  # the highest value involved
    day: date | None = None  # the (last) clinic day concerned
    rule: str = ""  # "pain_limit" | "soreness_rise" | "tightness_run" | "persistent"
    source: str = ""  # the thresholds' sources (literature, or clinical convention)
    medical_review: bool = False  # phase 1: pause and ask for a medical review

    @property
    def key(self) -> str:
        """Stable identity: ``kind:measure:id,id`` (the sorted triggering entry ids)."""
        return signal_key(self.kind, self.measure, self.triggered_by)

    @property
    def units(self) -> frozenset[tuple[str, int]]:
        """The (measure, entry id) reports behind the suggestion."""
        return frozenset((self.measure, i) for i in self.triggered_by)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "measure": self.measure,
            "rule": self.rule,
            "message": self.message,
            "entries": list(self.triggered_by),
            "measured_at": self.measured_at.isoformat(),
            "day": self.day.isoformat() if self.day else None,
            "value": self.value,
            "source": self.source,
            "medical_review": self.medical_review,
        }


def signal_key(kind: str, measure: str, entry_ids: Iterable[int]) -> str:
    return f"{kind}:{measure}:{','.join(str(i) for i in sorted(set(entry_ids)))}"


def key_units(key: str) -> frozenset[tuple[str, int]]:
    """The (measure, entry id) pairs named by a :attr:`Signal.key` (empty if malformed)."""
    parts = key.split(":")
    if len(parts) != 3 or not parts[1]:
        return frozenset()
    try:
        return frozenset((parts[1], int(i)) for i in parts[2].split(",") if i)
    except ValueError:
        return frozenset()


def thresholds(
    base: Mapping[str, Threshold] | None = None, **values: float
) -> dict[str, Threshold]:
    """*base* (default :data:`SIGNAL_DEFAULTS`) completed with the defaults, with some
    values replaced (their sources kept): ``thresholds(pain_limit=4)``."""
    out = {**SIGNAL_DEFAULTS, **(base or {})}
    for name, value in values.items():
        if name not in SIGNAL_DEFAULTS:
            raise KeyError(f"unknown signal threshold {name!r}")
        old = out[name]
        out[name] = Threshold(value, old.source, old.convention)
    return out


def cite(*used: Threshold) -> str:
    """The sources of the thresholds used, once each; a convention says so."""
    out: list[str] = []
    for t in used:
        text = t.source.strip() or "clinical convention"
        if t.convention and "convention" not in text.lower():
            text = f"clinical convention ({text})"
        if text not in out:
            out.append(text)
    return "; ".join(out)


def _ids(points: Iterable[MeasurePoint]) -> tuple[int, ...]:
    return tuple(sorted({p.entry_id for p in points if p.entry_id is not None}))


def _by_day(points: Iterable[MeasurePoint], tz: tzinfo) -> dict[date, list[MeasurePoint]]:
    days: dict[date, list[MeasurePoint]] = {}
    for p in points:
        days.setdefault(p.measured_at.astimezone(tz).date(), []).append(p)
    for items in days.values():
        items.sort(key=lambda p: (p.measured_at, -1 if p.entry_id is None else p.entry_id))
    return days


def _runs(days: Iterable[date]) -> list[list[date]]:
    """Consecutive calendar days, grouped."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _score(value: float) -> str:
    return f"{plain_number(round(value, 1))}/10"


def _with_source(text: str, source: str) -> str:
    return f"{text} Source: {source}." if source else text


def step_back_signals(
    facts: CaseFacts,
    limits: Mapping[str, Threshold] | None = None,
    as_of: datetime | None = None,
    *,
    phase_ordinal: int | None = None,
    window_days: float = 7,
) -> list[Signal]:
    """The step-back and pause suggestions for reports in the window up to ``as_of``.

    *limits* are the protocol's signal thresholds (``protocol.signals``; missing names take
    :data:`SIGNAL_DEFAULTS`). *phase_ordinal* is the case's current phase (1: pain suggests
    a pause and a medical review). ``as_of`` defaults to ``facts.as_of``; reports after it
    are ignored. Sorted by time.
    """
    t = thresholds(limits)
    as_of = facts.as_of if as_of is None else as_of
    tz = facts.tzinfo
    start = as_of - timedelta(days=window_days)
    series: dict[str, list[MeasurePoint]] = {key: [] for key in SIGNAL_MEASURES}
    for p in facts.measures:
        if p.key in series and p.measured_at <= as_of:
            series[p.key].append(p)

    def recent(day_points: list[MeasurePoint]) -> bool:
        return day_points[-1].measured_at >= start

    signals: list[Signal] = []
    signals += _pain(series["pain"], t, tz, start, phase_ordinal == 1)
    soreness = _by_day(series["soreness"], tz)
    signals += _soreness_rise(soreness, t, recent)
    tight = _by_day(series["tightness"], tz)
    tight_signals = _tightness_runs(tight, t, recent)
    signals += tight_signals
    signals += _persistent("soreness", soreness, t, recent, ())
    signals += _persistent(
        "tightness", tight, t, recent, {d for s in tight_signals for d in _days_of(s, tight)}
    )

    seen: set[str] = set()
    unique = []
    for s in sorted(signals, key=lambda s: (s.measured_at, s.kind, s.measure, s.rule)):
        if s.key not in seen:  # two rules on the same reports: one suggestion
            seen.add(s.key)
            unique.append(s)
    return unique


def _days_of(signal: Signal, by_day: dict[date, list[MeasurePoint]]) -> set[date]:
    ids = set(signal.triggered_by)
    return {day for day, points in by_day.items() if any(p.entry_id in ids for p in points)}


def _pain(
    points: list[MeasurePoint], t: dict[str, Threshold], tz: tzinfo, start: datetime, first: bool
) -> list[Signal]:
    """Pain above the protocol's limit: step back one phase (phase 1: pause, medical
    review), one suggestion per day."""
    limit = t["pain_limit"]
    source = cite(limit)
    out = []
    for day, day_points in sorted(_by_day(points, tz).items()):
        above = [p for p in day_points if p.value > limit.value and p.measured_at >= start]
        if not above:
            continue
        worst = max(p.value for p in above)
        text = (
            f"Pain {_score(worst)} on {day.isoformat()} is above the protocol's pain limit of "
            f"{_score(limit.value)}: "
        )
        text += (
            "the case is in phase 1, with no phase to step back to: suggest a pause and a "
            "medical review."
            if first
            else "suggest stepping back one phase."
        )
        out.append(
            Signal(
                kind="pause" if first else "step_back",
                message=_with_source(text, source),
                triggered_by=_ids(above),
                measured_at=above[-1].measured_at,
                measure="pain",
                value=worst,
                day=day,
                rule="pain_limit",
                source=source,
                medical_review=first,
            )
        )
    return out


def _soreness_rise(soreness: dict[date, list[MeasurePoint]], t: dict[str, Threshold], recent):
    """Next-day soreness a few points above the athlete's own recent median: a pause."""
    rise, median_days, min_days = (
        t["soreness_rise"],
        int(t["soreness_median_days"].value),
        int(t["soreness_min_days"].value),
    )
    source = cite(rise)
    daily_max = {day: max(p.value for p in points) for day, points in soreness.items()}
    out = []
    for day, points in sorted(soreness.items()):
        if not recent(points):
            continue
        prior = [
            daily_max[d]
            for d in (day - timedelta(days=k) for k in range(1, median_days + 1))
            if d in daily_max
        ]
        if len(prior) < min_days:
            continue
        median = statistics.median(prior)
        value = daily_max[day]
        if value < median + rise.value:
            continue
        top = [p for p in points if p.value == value]
        text = (
            f"Soreness {_score(value)} on {day.isoformat()} is "
            f"{plain_number(round(value - median, 1))} points above the athlete's "
            f"{median_days}-day median ({_score(median)}): suggest a pause."
        )
        out.append(
            Signal(
                kind="pause",
                message=_with_source(text, source),
                triggered_by=_ids(top),
                measured_at=top[-1].measured_at,
                measure="soreness",
                value=value,
                day=day,
                rule="soreness_rise",
                source=source,
            )
        )
    return out


def _run_signal(
    measure: str,
    run: list[date],
    points: list[MeasurePoint],
    limit: float,
    text: str,
    rule: str,
    source: str,
) -> Signal:
    highest = max(p.value for p in points)
    message = (
        f"{measure.capitalize()} ≥ {_score(limit)} on {len(run)} {text} "
        f"({run[0].isoformat()} to {run[-1].isoformat()}, highest {_score(highest)})"
    )
    message += (
        ", high even though it is not rising: suggest a pause."
        if rule == "persistent"
        else ": suggest a pause."
    )
    return Signal(
        kind="pause",
        message=_with_source(message, source),
        triggered_by=_ids(points),
        measured_at=max(p.measured_at for p in points),
        measure=measure,
        value=highest,
        day=run[-1],
        rule=rule,
        source=source,
    )


def _tightness_runs(tight: dict[date, list[MeasurePoint]], t: dict[str, Threshold], recent):
    """Tightness at or above the limit on consecutive days: one pause per run."""
    limit, days = t["tightness_limit"], t["tightness_days"]
    source = cite(limit, days)
    high = {d: [p for p in ps if p.value >= limit.value] for d, ps in tight.items()}
    out = []
    for run in _runs(d for d, ps in high.items() if ps):
        if len(run) < days.value or not recent(high[run[-1]]):
            continue
        points = [p for day in run for p in high[day]]
        out.append(
            _run_signal(
                "tightness", run, points, limit.value, "consecutive days", "tightness_run", source
            )
        )
    return out


def _persistent(
    measure: str,
    by_day: dict[date, list[MeasurePoint]],
    t: dict[str, Threshold],
    recent,
    already: Iterable[date],
) -> list[Signal]:
    """At or above the persistence limit on N days running, rising or not: one pause per
    run; a run that shares a day with one already suggested (*already*) is left out."""
    limit, days = t["persistent_limit"], t["persistent_days"]
    source = cite(limit, days)
    covered = set(already)
    high = {d: [p for p in ps if p.value >= limit.value] for d, ps in by_day.items()}
    out = []
    for run in _runs(d for d, ps in high.items() if ps):
        if len(run) < days.value or not recent(high[run[-1]]) or covered & set(run):
            continue
        points = [p for day in run for p in high[day]]
        out.append(
            _run_signal(measure, run, points, limit.value, "days running", "persistent", source)
        )
    return out
