"""Training load: session RPE load, EWMA and rolling ACWR, monotony and strain.

Sources:

- Session load = sRPE (CR-10) x duration in minutes, arbitrary units (Foster et al. 2001,
  J Strength Cond Res 15:109-115).
- EWMA_t = lambda L_t + (1 - lambda) EWMA_{t-1}, lambda = 2/(N + 1), seeded with the first
  day's load; acute N = 7, chronic N = 28 (Williams et al. 2017, Br J Sports Med 51:209-210).
- Rolling ACWR, coupled (chronic 28 days include the acute 7) and uncoupled (chronic over days
  8-28) (Gabbett 2016, Br J Sports Med 50:273-280; Windt & Gabbett 2019 on coupling).
- Monotony = mean / SD of daily load over 7 days; strain = weekly load x monotony (Foster
  1998, Med Sci Sports Exerc 30:1164-1168).

Caveat: the predictive value of the ACWR for injury is contested (Lolli et al. 2019, Br J
Sports Med 53:921-922; Impellizzeri et al. 2020, Int J Sports Physiol Perform 15:907-913).
Present these numbers as trends; a spike (EWMA ACWR above a threshold, default 1.5) is a
*flag to look at*, not a risk zone. A ratio needs a chronic window of data behind it: the
rolling ratios are undefined until 28 days of data (Gabbett 2016) and :func:`load_summary`
reports the EWMA ratio as "building" (no value, no spike) until then too, since both EWMAs
start at the first day's load and read close to 1 by construction (Williams et al. 2017).

Conventions of this module: a daily series (``daily_loads``) is a plain sequence of numbers,
contiguous (one value per calendar day, oldest first, rest days = 0, loads finite and >= 0),
starting at the day of the first recorded session: days before it are unknown, not rest days
(zeros there would seed both EWMAs with 0 and make the first session an artificial spike).
A day is a calendar day of the clinic (``clinic_days.local_day`` of each session's UTC
moment in the clinic's zone): the caller buckets moments into days, never this module.
The per-day functions (:func:`acwr_ewma`, :func:`acwr_rolling`, :func:`monotony`,
:func:`strain`) also accept (date, load) pairs, which are first turned into such a series by
:func:`daily_load_series` (loads summed per day, missing days = rest days). They return a list
aligned with the daily series, with ``None`` where the value is undefined.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casemgr.clinical.protocols import SIGNAL_DEFAULTS

__all__ = [
    "RATIO_DAYS",
    "DailyLoadSummary",
    "acwr_ewma",
    "acwr_rolling",
    "acwr_rolling_coupled",
    "acwr_rolling_uncoupled",
    "building_text",
    "daily_load_series",
    "ewma",
    "load_summary",
    "monotony",
    "session_load",
    "strain",
]

#: Default EWMA ACWR above which a day is flagged as a spike (a flag to look at); the
#: protocol's ``spike_ratio`` threshold, with its source, is passed in by the services.
DEFAULT_SPIKE_THRESHOLD = SIGNAL_DEFAULTS["spike_ratio"].value

#: Days of data (clinic days from the first recorded session, inclusive) before any
#: acute:chronic ratio is shown: the chronic window (28 days; Gabbett 2016, Williams 2017).
RATIO_DAYS = 28


def building_text(days_of_data: int, needed: int = RATIO_DAYS) -> str:
    """What is shown instead of a ratio the data cannot support: "building (9 of 28 days)"."""
    return f"building ({days_of_data} of {needed} days)"


def session_load(srpe: float, minutes: float) -> float:
    """Session load (AU) = sRPE (CR-10, 0-10) x duration (min) (Foster 2001)."""
    if not (math.isfinite(srpe) and 0 <= srpe <= 10):
        raise ValueError(f"session RPE must be between 0 and 10 (CR-10), got {srpe!r}")
    if not (math.isfinite(minutes) and minutes >= 0):
        raise ValueError(f"session duration must be >= 0 minutes, got {minutes!r}")
    return float(srpe) * float(minutes)


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # a UTC moment's date is not the clinic's day
            raise TypeError(
                "expected a calendar day, got an aware datetime: turn it into the clinic's "
                "day first (clinic_days.local_day)"
            )
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def daily_load_series(
    sessions: Iterable[tuple[date, float]],
    start: date | None = None,
    end: date | None = None,
) -> list[tuple[date, float]]:
    """Sum session loads per calendar day, from the first session day (or ``start`` if later)
    to ``end``; every day in between is present.

    Rest days get 0; days before the first session are unknown, not rest days, so an earlier
    ``start`` is clipped to the first session and no sessions give ``[]``. ``end`` defaults to
    the last session day; sessions outside the range are ignored. Naive ``datetime`` values
    (local wall-clock times) count on their calendar date; aware ones are refused (bucket
    them into clinic days first).
    """
    totals: dict[date, float] = {}
    for when, load in sessions:
        day = _as_date(when)
        value = float(load)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"load on {day.isoformat()} must be a number >= 0, got {load!r}")
        totals[day] = totals.get(day, 0.0) + value
    if start is not None and end is not None and _as_date(start) > _as_date(end):
        raise ValueError(
            f"start {_as_date(start).isoformat()} is after end {_as_date(end).isoformat()}"
        )
    if not totals:
        return []
    first = max(_as_date(start), min(totals)) if start is not None else min(totals)
    last = _as_date(end) if end is not None else max(totals)
    if first > last:
        return []  # the range ends before the first session: nothing is known
    n_days = (last - first).days + 1
    days = (first + timedelta(days=i) for i in range(n_days))
    return [(day, totals.get(day, 0.0)) for day in days]


def _daily_values(daily_loads: Iterable[float] | Iterable[tuple[date, float]]) -> list[float]:
    """A plain list of daily loads from numbers or (date, load) pairs (see module docstring)."""
    items = list(daily_loads)
    if items and isinstance(items[0], tuple | list):
        return [load for _, load in daily_load_series(items)]  # type: ignore[arg-type]
    out: list[float] = []
    for i, item in enumerate(items):
        try:
            value = float(item)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(
                f"daily load {i} must be a number (or a (date, load) pair), got {item!r}"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"daily load {i} must be a number >= 0, got {item!r}")
        out.append(value)
    return out


def ewma(series: Sequence[float], n: int) -> list[float]:
    """Exponentially weighted moving average, lambda = 2/(N+1), seeded with series[0].

    EWMA_0 = L_0; EWMA_t = lambda L_t + (1 - lambda) EWMA_{t-1} (Williams 2017).
    """
    if n < 1:
        raise ValueError(f"EWMA span N must be >= 1, got {n}")
    lam = 2.0 / (n + 1)
    out: list[float] = []
    for i, value in enumerate(series):
        out.append(float(value) if i == 0 else lam * float(value) + (1.0 - lam) * out[-1])
    return out


def acwr_ewma(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]], acute: int = 7, chronic: int = 28
) -> list[float | None]:
    """EWMA acute:chronic workload ratio per day (Williams et al. 2017, Br J Sports Med
    51:209-210).

    EWMA_t = lambda L_t + (1 - lambda) EWMA_{t-1}, lambda = 2/(N + 1), N = ``acute`` (7) and
    ``chronic`` (28) days, both seeded with the first day's load; ACWR = acute / chronic.
    ``daily_loads``: one load per calendar day (rest days 0), or (date, load) pairs. Returns a
    list aligned with the daily series, ``None`` where the chronic EWMA is 0. Both EWMAs start
    at the first day's load, so the first days are close to 1 by construction: this is the
    raw ratio; :func:`load_summary` shows it only from ``chronic`` days of data.
    Session loads are sRPE x minutes (Foster et al. 2001).
    """
    daily = _daily_values(daily_loads)
    acute_ewma = ewma(daily, acute)
    chronic_ewma = ewma(daily, chronic)
    return [a / c if c != 0 else None for a, c in zip(acute_ewma, chronic_ewma, strict=True)]


def _rolling_acwr(
    daily: Sequence[float], acute: int, chronic: int, coupled: bool
) -> list[float | None]:
    if not 1 <= acute < chronic:
        raise ValueError(f"need 1 <= acute < chronic, got acute={acute}, chronic={chronic}")
    loads = [float(x) for x in daily]
    out: list[float | None] = []
    for i in range(len(loads)):
        if i + 1 < chronic:
            out.append(None)
            continue
        window = loads[i + 1 - chronic : i + 1]
        acute_mean = sum(window[-acute:]) / acute
        chronic_part = window if coupled else window[:-acute]
        chronic_mean = sum(chronic_part) / len(chronic_part)
        out.append(acute_mean / chronic_mean if chronic_mean != 0 else None)
    return out


def acwr_rolling(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]],
    acute: int = 7,
    chronic: int = 28,
    coupled: bool = True,
) -> list[float | None]:
    """Rolling-average acute:chronic workload ratio per day (Gabbett 2016, Br J Sports Med
    50:273-280).

    Coupled (default): mean of the last ``acute`` (7) days / mean of the last ``chronic`` (28)
    days, the 28 including the 7. Uncoupled (``coupled=False``): the chronic mean is over days
    8-28 back, excluding the acute week (Windt & Gabbett 2019, Br J Sports Med 53:988-990).
    ``daily_loads``: one load per calendar day (rest days 0), or (date, load) pairs. Returns a
    list aligned with the daily series: ``None`` until ``chronic`` days of data, and where the
    chronic mean is 0.
    """
    return _rolling_acwr(_daily_values(daily_loads), acute, chronic, coupled=coupled)


def acwr_rolling_coupled(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]], acute: int = 7, chronic: int = 28
) -> list[float | None]:
    """``acwr_rolling(daily_loads, acute, chronic, coupled=True)`` (Gabbett 2016)."""
    return acwr_rolling(daily_loads, acute, chronic, coupled=True)


def acwr_rolling_uncoupled(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]], acute: int = 7, chronic: int = 28
) -> list[float | None]:
    """``acwr_rolling(daily_loads, acute, chronic, coupled=False)`` (Windt & Gabbett 2019)."""
    return acwr_rolling(daily_loads, acute, chronic, coupled=False)


def monotony(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]], window: int = 7
) -> list[float | None]:
    """Training monotony per day: mean / SD of the daily loads of the last ``window`` days.

    Foster 1998 (session-RPE load: Foster et al. 2001). The SD is the *population* SD (divide by n, ``statistics.pstdev``), the
    week's loads being the whole population described; software that uses the sample SD
    (Excel STDEV) reports values lower by sqrt(6/7) ~ 0.926. None until ``window`` days of
    data, and when the SD is 0 (e.g. seven identical days, or a week of rest).
    """
    if window < 2:
        raise ValueError(f"monotony window must be >= 2 days, got {window}")
    loads = _daily_values(daily_loads)
    out: list[float | None] = []
    for i in range(len(loads)):
        if i + 1 < window:
            out.append(None)
            continue
        week = loads[i + 1 - window : i + 1]
        sd = statistics.pstdev(week)
        out.append(statistics.fmean(week) / sd if sd > 0 else None)
    return out


def strain(
    daily_loads: Sequence[float] | Iterable[tuple[date, float]], window: int = 7
) -> list[float | None]:
    """Training strain per day: sum of the last ``window`` days' load x monotony (Foster 1998).

    None wherever monotony is None.
    """
    loads = _daily_values(daily_loads)
    out: list[float | None] = []
    for i, mono in enumerate(monotony(loads, window)):
        out.append(None if mono is None else sum(loads[i + 1 - window : i + 1]) * mono)
    return out


@dataclass(frozen=True)
class DailyLoadSummary:
    """One day of :func:`load_summary`. ``spike`` is a flag to look at, not a risk zone.

    ``days_of_data`` counts clinic days from the first session (1 on that day); while
    ``building`` (fewer than the chronic window of days) ``acwr_ewma`` is None and there is
    no spike: show :func:`building_text` instead of a ratio.
    """

    date: date
    load: float
    acute_ewma: float
    chronic_ewma: float
    acwr_ewma: float | None
    acwr_coupled: float | None
    acwr_uncoupled: float | None
    monotony: float | None
    strain: float | None
    spike: bool
    days_of_data: int
    building: bool


def load_summary(
    daily: Iterable[tuple[date, float]],
    start: date | None = None,
    end: date | None = None,
    *,
    acute: int = 7,
    chronic: int = 28,
    spike_threshold: float = DEFAULT_SPIKE_THRESHOLD,
    monotony_window: int = 7,
) -> list[DailyLoadSummary]:
    """Per-day load metrics over ``start``..``end`` (inclusive).

    ``daily`` is (date, load) pairs, normally from :func:`daily_load_series`; missing days
    count as rest days and repeated dates are summed. Every metric is computed over the whole
    history from the first day of ``daily`` (so EWMAs and rolling windows are warmed up) and
    the output is then cut to the range. Days after the last entry up to ``end`` are rest
    days; the output never starts before the first day of data (nothing is known before).
    The EWMA ratio is ``None`` ("building") until ``chronic`` days of data, like the rolling
    ratios (Gabbett 2016); ``spike`` is True when a shown EWMA ACWR is above
    ``spike_threshold`` (default 1.5).
    """
    series = daily_load_series(daily)
    if not series:
        return []
    first_day = series[0][0]
    if end is not None and _as_date(end) > series[-1][0]:
        series = daily_load_series(series, end=end)
    days = [d for d, _ in series]
    loads = [load for _, load in series]

    acute_ewma = ewma(loads, acute)
    chronic_ewma = ewma(loads, chronic)
    coupled = acwr_rolling(loads, acute, chronic, coupled=True)
    uncoupled = acwr_rolling(loads, acute, chronic, coupled=False)
    mono = monotony(loads, monotony_window)
    strn = strain(loads, monotony_window)

    lo = max(_as_date(start), first_day) if start is not None else first_day
    hi = _as_date(end) if end is not None else days[-1]
    out: list[DailyLoadSummary] = []
    for i, day in enumerate(days):
        if day < lo or day > hi:
            continue
        building = i + 1 < chronic
        ratio = None if building or chronic_ewma[i] == 0 else acute_ewma[i] / chronic_ewma[i]
        out.append(
            DailyLoadSummary(
                date=day,
                load=loads[i],
                acute_ewma=acute_ewma[i],
                chronic_ewma=chronic_ewma[i],
                acwr_ewma=ratio,
                acwr_coupled=coupled[i],
                acwr_uncoupled=uncoupled[i],
                monotony=mono[i],
                strain=strn[i],
                spike=ratio is not None and ratio > spike_threshold,
                days_of_data=i + 1,
                building=building,
            )
        )
    return out
