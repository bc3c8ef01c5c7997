"""Windows and limb pairs of the readiness engine: when results cover a window, and which
left and right results compare.

**A window rule means what it says** ("pain ≤ 2/10 for 48 h": Hickey et al. 2020,
pain-free progression). For a window of length W ending at ``as_of`` (start S = as_of - W):

- the *opening* result is the latest one at or before S: it tells the state when the
  window began. The results considered are the opening one and every result after S;
- the results **span** the window when the opening one exists (the earliest result
  considered is at least W old);
- there is a result on **each clinic-local day** from the day of S to the day of
  ``as_of`` (the opening result counts for its own day). Today's result is not yet due
  while the latest one is less than 24 h old (a daily report stands for one day);
- a window that is not spanned or has a day without a result is "not enough data",
  naming how much of the window the results cover and the days without one.

**Pairs** (Reurink et al. 2013 and Green et al. 2022 compare limbs tested in one
session): an LSI, asymmetry, within-of-the-uninjured-limb or % of the uninjured limb
compares the injured and the uninjured limb measured on the same clinic-local day, the
latest result of each limb that day. A result of one limb without the other that day
never pairs with another day's result.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from casemgr.clinical.facts import MeasurePoint

#: A daily report stands for one day: today's is not yet due while the latest is younger.
REPORT_DUE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Span:
    """The results that bear on a window and whether they cover it."""

    start: datetime  # as_of - window
    opening: MeasurePoint | None  # the latest result at or before ``start``
    inside: tuple[MeasurePoint, ...]  # the results after ``start``, oldest first
    missing_days: tuple[date, ...]  # local days of the window without a result
    covered: timedelta  # as_of - the earliest result considered

    @property
    def points(self) -> tuple[MeasurePoint, ...]:
        return ((self.opening,) if self.opening else ()) + self.inside

    @property
    def spanned(self) -> bool:
        return self.opening is not None

    @property
    def complete(self) -> bool:
        return self.spanned and not self.missing_days


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def window_span(
    points: Sequence[MeasurePoint], as_of: datetime, window_days: float, tz: tzinfo
) -> Span:
    """The span of the window of *window_days* ending at *as_of* over *points* (oldest
    first, none after ``as_of``); see the module docstring."""
    start = as_of - timedelta(days=window_days)
    cut = bisect_right([p.measured_at for p in points], start)
    opening = points[cut - 1] if cut else None
    inside = tuple(points[cut:])
    considered = ((opening,) if opening else ()) + inside
    have = {local_day(p.measured_at, tz) for p in considered}
    first, today = local_day(start, tz), local_day(as_of, tz)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    last = considered[-1].measured_at if considered else None
    if today not in have and last is not None and as_of - last < REPORT_DUE_AFTER:
        have.add(today)
    return Span(
        start=start,
        opening=opening,
        inside=inside,
        missing_days=tuple(d for d in days if d not in have),
        covered=as_of - considered[0].measured_at if considered else timedelta(0),
    )


@dataclass(frozen=True)
class Pair:
    """The injured and the uninjured limb's latest results of one clinic-local day."""

    day: date
    injured: MeasurePoint
    other: MeasurePoint


def same_day_pairs(
    injured: Sequence[MeasurePoint], other: Sequence[MeasurePoint], tz: tzinfo
) -> list[Pair]:
    """Every local day with a result of both limbs, oldest first (points oldest first)."""
    mine = {local_day(p.measured_at, tz): p for p in injured}
    theirs = {local_day(p.measured_at, tz): p for p in other}
    return [Pair(day, mine[day], theirs[day]) for day in sorted(mine.keys() & theirs.keys())]
