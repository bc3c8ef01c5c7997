"""Step-back and pause signals from daily feedback (DOMAIN.md section 3).

The protocol seed: "if any re-emergence of pain or excessive soreness occurs, revert to a
safer subphase"; "lingering tightness or delayed soreness warrants a pause or backward
step". Rules:

- pain above the protocol's pain limit (2/10 pain-free protocols; 4/10 pain-threshold
  protocols, Hickey 2020) -> suggest stepping back one phase (one signal per day);
- next-day soreness >= 2 points above the athlete's median of the 7 days before that day
  (each day's highest report; at least ``min_median_days`` days needed for a median)
  -> suggest a pause;
- tightness >= 3/10 on 2 consecutive days -> suggest a pause (one signal per run).

Only days in the recent window (default the last 7 days up to ``as_of``) raise signals.
These are suggestions: a person decides, and both are recorded.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from casemgr.clinical.catalogue import plain_number
from casemgr.clinical.facts import CaseFacts, MeasurePoint

SIGNAL_KINDS = ("step_back", "pause")


@dataclass(frozen=True)
class Signal:
    """A suggestion to step back one phase or to pause progression."""

    kind: str  # "step_back" | "pause"
    message: str
    triggered_by: tuple[int, ...]  # entry ids of the reports that raised it
    measured_at: datetime  # the latest report involved
    measure: str = ""  # "pain" | "soreness" | "tightness"
    value: float | None = None  # the highest value involved
    day: date | None = None  # the (last) calendar day concerned


def _ids(points: Iterable[MeasurePoint]) -> tuple[int, ...]:
    return tuple(sorted({p.entry_id for p in points if p.entry_id is not None}))


def _by_day(points: Iterable[MeasurePoint], tz: tzinfo) -> dict[date, list[MeasurePoint]]:
    days: dict[date, list[MeasurePoint]] = {}
    for p in points:
        days.setdefault(p.measured_at.astimezone(tz).date(), []).append(p)
    for items in days.values():
        items.sort(key=lambda p: (p.measured_at, -1 if p.entry_id is None else p.entry_id))
    return days


def _score(value: float) -> str:
    return f"{plain_number(round(value, 1))}/10"


def step_back_signals(
    facts: CaseFacts,
    pain_limit: float,
    as_of: datetime | None = None,
    *,
    window_days: float = 7,
    soreness_rise: float = 2,
    tightness_limit: float = 3,
    tightness_days: int = 2,
    min_median_days: int = 3,
) -> list[Signal]:
    """The step-back and pause suggestions for reports in the window up to ``as_of``.

    ``as_of`` defaults to ``facts.as_of``; reports after it are ignored. Sorted by time.
    """
    as_of = facts.as_of if as_of is None else as_of
    tz = facts.tzinfo
    start = as_of - timedelta(days=window_days)
    wanted = ("pain", "soreness", "tightness")
    series: dict[str, list[MeasurePoint]] = {key: [] for key in wanted}
    for p in facts.measures:
        if p.key in series and p.measured_at <= as_of:
            series[p.key].append(p)

    def recent(day_points: list[MeasurePoint]) -> bool:
        return day_points[-1].measured_at >= start

    signals: list[Signal] = []

    # pain above the protocol's limit -> step back
    for day, points in sorted(_by_day(series["pain"], tz).items()):
        above = [p for p in points if p.value > pain_limit and p.measured_at >= start]
        if not above:
            continue
        worst = max(p.value for p in above)
        signals.append(
            Signal(
                kind="step_back",
                message=f"Pain {_score(worst)} on {day.isoformat()} is above the protocol's "
                f"pain limit of {_score(pain_limit)}: suggest stepping back one phase.",
                triggered_by=_ids(above),
                measured_at=above[-1].measured_at,
                measure="pain",
                value=worst,
                day=day,
            )
        )

    # soreness jump over the 7-day median -> pause
    soreness = _by_day(series["soreness"], tz)
    daily_max = {day: max(p.value for p in points) for day, points in soreness.items()}
    for day, points in sorted(soreness.items()):
        if not recent(points):
            continue
        prior = [
            daily_max[d] for d in (day - timedelta(days=k) for k in range(1, 8)) if d in daily_max
        ]
        if len(prior) < min_median_days:
            continue
        median = statistics.median(prior)
        value = daily_max[day]
        if value >= median + soreness_rise:
            top = [p for p in points if p.value == value]
            signals.append(
                Signal(
                    kind="pause",
                    message=f"Soreness {_score(value)} on {day.isoformat()} is "
                    f"{plain_number(round(value - median, 1))} points above the athlete's "
                    f"7-day median ({_score(median)}): suggest a pause.",
                    triggered_by=_ids(top),
                    measured_at=top[-1].measured_at,
                    measure="soreness",
                    value=value,
                    day=day,
                )
            )

    # tightness >= limit on consecutive days -> pause (one signal per run)
    tight = {
        day: [p for p in points if p.value >= tightness_limit]
        for day, points in _by_day(series["tightness"], tz).items()
    }
    tight_days = sorted(day for day, points in tight.items() if points)
    runs: list[list[date]] = []
    for day in tight_days:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    for run in runs:
        if len(run) < tightness_days or not recent(tight[run[-1]]):
            continue
        points = [p for day in run for p in tight[day]]
        highest = max(p.value for p in points)
        signals.append(
            Signal(
                kind="pause",
                message=f"Tightness ≥ {_score(tightness_limit)} on {len(run)} consecutive days "
                f"({run[0].isoformat()} to {run[-1].isoformat()}, highest {_score(highest)}): "
                "suggest a pause.",
                triggered_by=_ids(points),
                measured_at=max(p.measured_at for p in points),
                measure="tightness",
                value=highest,
                day=run[-1],
            )
        )

    signals.sort(key=lambda s: (s.measured_at, s.kind, s.measure))
    return signals
