"""The fact index of the readiness engine: a case's facts indexed once by (measure, limb),
split into pre-injury and current results, with checks and sessions up to ``as_of``."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime, time

from casemgr.clinical.catalogue import Catalogue
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint


def _point_order(p: MeasurePoint) -> tuple[datetime, int, float]:
    return (p.measured_at, -1 if p.entry_id is None else p.entry_id, p.value)


class _Series:
    __slots__ = ("points", "times")

    def __init__(self, points: list[MeasurePoint]) -> None:
        points.sort(key=_point_order)
        self.points = points
        self.times = [p.measured_at for p in points]

    def since(self, start: datetime) -> list[MeasurePoint]:
        return self.points[bisect_left(self.times, start) :]


_EMPTY = _Series([])


class FactIndex:
    """A case's facts indexed once (by measure and limb) for fast repeated evaluation."""

    def __init__(self, facts: CaseFacts, catalogue: Catalogue) -> None:
        self.facts = facts
        self.tz = facts.tzinfo
        self.as_of = facts.as_of
        self.injury_start = datetime.combine(facts.injury_date, time(0), tzinfo=self.tz)
        per_limb: dict[str, bool] = {}
        post: dict[tuple[str, str | None], list[MeasurePoint]] = {}
        pre: dict[tuple[str, str | None], list[MeasurePoint]] = {}
        for p in facts.measures:
            if p.measured_at > self.as_of:
                continue
            limbed = per_limb.get(p.key)
            if limbed is None:
                limbed = per_limb[p.key] = p.key in catalogue and catalogue.get(p.key).per_limb
            group = (p.key, p.limb if limbed else None)
            target = pre if p.measured_at < self.injury_start else post
            target.setdefault(group, []).append(p)
        self._post = {k: _Series(v) for k, v in post.items()}
        self._pre = {k: _Series(v) for k, v in pre.items()}
        checks: dict[str, list[CheckPoint]] = {}
        for c in facts.checks:
            if self.injury_start <= c.recorded_at <= self.as_of:
                checks.setdefault(c.check, []).append(c)
        for items in checks.values():
            items.sort(key=lambda c: (c.recorded_at, -1 if c.entry_id is None else c.entry_id))
        self._checks = checks
        today = self.local_date(self.as_of)
        self.sessions: tuple[SessionPoint, ...] = tuple(
            sorted(
                (s for s in facts.sessions if facts.injury_date <= s.day <= today),
                key=lambda s: (s.day, -1 if s.entry_id is None else s.entry_id),
            )
        )
        self.today = today

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def current(self, key: str, limb: str | None) -> _Series:
        """Results since the injury date, up to ``as_of``, oldest first."""
        return self._post.get((key, limb), _EMPTY)

    def pre_injury(self, key: str, limb: str | None) -> _Series:
        return self._pre.get((key, limb), _EMPTY)

    def baseline(self, key: str, limb: str | None) -> MeasurePoint | None:
        """The latest baseline-flagged result dated before the injury."""
        for p in reversed(self.pre_injury(key, limb).points):
            if p.is_baseline:
                return p
        return None

    def checks(self, check: str) -> Sequence[CheckPoint]:
        return self._checks.get(check, ())
