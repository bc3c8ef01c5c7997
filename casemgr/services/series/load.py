"""Load series: daily session load with its EWMA acute:chronic workload ratio and spike days.

A day is a calendar day in the clinic's time zone (the database setting): a session at
23:30 and one at 00:30 local time are two days of load even when they share a UTC day, and
a daylight-saving day is one day (of 23 or 25 hours) like any other. The series starts at
the first session with a load (days before it are unknown, not rest days) and the ratio is
"building" (``None``, no spike) until 28 days of data (Williams et al. 2017; Gabbett 2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.clinic_days import local_day, zone
from casemgr.clinical.load import DEFAULT_SPIKE_THRESHOLD, RATIO_DAYS, load_summary
from casemgr.db.base import utcnow
from casemgr.db.models import TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case
from casemgr.services.series.common import PhasePeriod, _phase_periods
from casemgr.services.settings import clinic_zone_name


@dataclass(frozen=True)
class LoadSeries:
    """Daily session load (sRPE x minutes, rest days 0) and its EWMA acute:chronic ratio.

    ``days`` start at the first session, so day ``i`` has ``i + 1`` days of data; ``acwr`` is
    None on the first ``ratio_days - 1`` days (the ratio is building) and spikes are only
    raised on a shown ratio.
    """

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
    timezone: str = "UTC"  # the clinic's zone: what a "day" of ``days`` is
    ratio_days: int = RATIO_DAYS  # days of data before a ratio is shown

    @property
    def building(self) -> bool:
        """True while the series is shorter than ``ratio_days``: no ratio to show yet."""
        return len(self.days) < self.ratio_days

    def day_timestamps(self, hour: int = 12) -> np.ndarray:
        """POSIX seconds of each day at *hour* in the clinic's zone (bar centres at noon)."""
        tz = zone(self.timezone)
        return np.fromiter(
            (datetime.combine(d, time(hour), tzinfo=tz).timestamp() for d in self.days),
            dtype=float,
            count=len(self.days),
        )

    def acwr_array(self) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in self.acwr], dtype=float)


def load_series(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    until: date | None = None,
    spike_threshold: float | None = None,
    as_of: datetime | None = None,
) -> LoadSeries:
    """Daily load from the case's sessions (``load_au``, else sRPE x minutes) per clinic day,
    from the first session to *until* (default: the clinic's today as of *as_of*, default
    now), with the EWMA acute (7 d) and chronic (28 d) loads, their ratio and the spike days
    (EWMA ACWR above *spike_threshold*, default the protocol's ``spike_ratio``; Williams et
    al. 2017). Sessions without a load are unknown, not rest days: they neither start the
    series nor add 0 to it."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    if spike_threshold is None:
        spike_threshold = spike_ratio(case.protocol.definition)
    tz_name = clinic_zone_name(session)
    tz = zone(tz_name)
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
        pairs.append((local_day(occurred_at, tz), max(0.0, float(load))))
    phases = _phase_periods(session, case)
    if not pairs:
        return LoadSeries(case.id, (), (), (), (), (), (), spike_threshold, 0, phases, tz_name)
    today = until or local_day(as_of or utcnow(), tz)
    end = max(today, max(d for d, _ in pairs))
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
        timezone=tz_name,
    )


def spike_ratio(definition: dict) -> float:
    """The protocol's EWMA ACWR spike threshold (``[signals] spike_ratio``), else the
    default."""
    entry = (definition.get("signals") or {}).get("spike_ratio") or {}
    try:
        return float(entry.get("value", DEFAULT_SPIKE_THRESHOLD))
    except (TypeError, ValueError):
        return DEFAULT_SPIKE_THRESHOLD
