"""Sprint profiles: the case's timing-gate tests with their stored or fitted
mono-exponential velocity profiles."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.clinic_days import day_start
from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.sprint import (
    SprintFitError,
    correction_text,
    fit_sprint_profile,
    predict_velocity,
    stored_correction_text,
)
from casemgr.db.models import Athlete, Measure, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case
from casemgr.services.series.common import _case_measures
from casemgr.services.settings import clinic_zone

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
    correction: str = ""  # the start correction used, e.g. "estimated flying distance 0.20 m"

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
    to the test's splits (``data["splits"]``, else its ``split_*`` results) with the default
    start correction (chosen from the splits, :func:`fit_sprint_profile`). Each says which
    correction it used. Tests whose splits cannot be fitted are left out."""
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
    injury_start = day_start(case.injury_date, clinic_zone(session))  # the clinic's day
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
                    stored_correction_text(profile) if isinstance(profile, dict) else "",
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
                correction_text(fit),
            )
        )
    return tuple(tests)


def _float(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None
