"""Shared by the series modules: result points, phase periods and the queries that pick a
case's results and phase-change entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casemgr.db.models import InjuryCase, Measure, TimelineEntry


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
class PhasePeriod:
    ordinal: int
    key: str
    name: str
    start: datetime
    end: datetime | None  # None: the current phase, still running
    direction: str  # how the phase was entered: open / advance / step_back


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
