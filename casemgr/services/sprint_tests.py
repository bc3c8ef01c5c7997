"""Timing-gate sprint tests recorded on a case: split times in, sprint profile measures out.

The splits are fitted with the mono-exponential model (Samozino et al. 2016) as in the R
package ``shorts`` (Jovanovic & Vescovi 2022; :func:`casemgr.clinical.sprint.fit_sprint_profile`),
with the athlete's body mass and height from the athlete's record (air resistance).

Stored as one ``measure`` timeline entry with source ``timing-gates``:

- ``split_5m`` ... ``split_40m``: the measured split times (as the gates showed them, before
  any start correction) for the standard distances present;
- ``max_velocity``: the fitted maximal sprint speed **MSS** (the asymptote of the velocity
  curve). With gates up to 30-40 m it is the model's estimate of the top speed the athlete
  was approaching; it is slightly above the best observed segment velocity and is the same
  quantity as a GPS peak velocity only when the athlete reached top speed in the test;
- ``f0_rel`` (N/kg), ``v0`` (m/s), ``pmax_rel`` (W/kg): the force-velocity profile with air
  resistance (Samozino et al. 2022);
- the entry's data keeps every split (non-standard distances too) and the full profile
  (``SprintProfile.as_dict()``) as ``"splits"`` ([[d, t], ...]) and ``"profile"``; its text summarises both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from casemgr.clinical.sprint import (
    DEFAULT_CORRECTION,
    DEFAULT_TIME_SHIFT,
    SprintProfile,
    correction_text,
    fit_sprint_profile,
)
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case
from casemgr.services.dto import EntryInfo, MeasureValue
from casemgr.services.timeline import record_measures

SOURCE = "timing-gates"
#: Standard gate distances (m) stored as split measures (DOMAIN.md section 2).
SPLIT_DISTANCES = (5, 10, 20, 30, 40)


def _fmt_distance(d: float) -> str:
    return f"{d:g}"


def _summary(profile: SprintProfile) -> str:
    splits = ", ".join(
        f"{_fmt_distance(d)} m {t:.2f} s"
        for d, t in zip(profile.distances, profile.times, strict=True)
    )
    lines = [
        f"Splits: {splits}.",
        f"Profile: MSS {profile.mss:.2f} m/s, MAC {profile.mac:.2f} m/s², tau "
        f"{profile.tau:.2f} s, F0 {profile.f0:.0f} N ({profile.f0_rel:.2f} N/kg), V0 "
        f"{profile.v0:.2f} m/s, Pmax {profile.pmax:.0f} W ({profile.pmax_rel:.2f} W/kg), "
        f"fit RMSE {profile.rmse * 1000:.1f} ms.",
    ]
    lines.append(f"Start correction: {correction_text(profile)}.")
    lines += [f"Warning: {warning}." for warning in profile.warnings]
    return "\n".join(lines)


def record_timing_gate_test(
    session: Session,
    actor: Actor,
    case_id: int,
    distances: Sequence[float],
    times: Sequence[float],
    *,
    measured_at: datetime | None = None,
    correction: str = DEFAULT_CORRECTION,
    time_shift: float = DEFAULT_TIME_SHIFT,
    flying_distance: float = 0.5,
    is_baseline: bool = False,
    note: str = "",
) -> tuple[EntryInfo, SprintProfile]:
    """Fit the sprint profile of one timing-gate test and record it on the case.

    *distances* (m) and *times* (s, from the start) are the splits; *correction* is a start
    correction of :func:`casemgr.clinical.sprint.fit_sprint_profile` (default ``"auto"``: chosen
    from the splits; the entry's text and data say which was used). Nothing is written
    when the athlete's body mass or height is missing or the splits cannot be fitted.
    """
    case = load_case(
        session,
        actor,
        case_id,
        Action.RECORD_BASELINE if is_baseline else Action.RECORD_MEASURE,
    )
    athlete = case.athlete
    missing = [
        what
        for what, value in (("body mass", athlete.body_mass_kg), ("height", athlete.height_m))
        if value is None
    ]
    if missing:
        raise ValidationError(
            f"{athlete.full_name}'s {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not recorded; the sprint profile needs "
            "them (air resistance and force per kg). Add them to the athlete's details first."
        )
    if len(distances) != len(times):
        raise ValidationError(
            f"{len(distances)} distances but {len(times)} times: give one time per gate."
        )
    profile = fit_sprint_profile(
        distances,
        times,
        athlete.body_mass_kg,
        athlete.height_m,
        correction=correction,
        time_shift=time_shift,
        flying_distance=flying_distance,
    )
    values = [
        MeasureValue(f"split_{d}m", t)
        for d in SPLIT_DISTANCES
        for dist, t in zip(profile.distances, profile.times, strict=True)
        if dist == d
    ]
    values += [
        MeasureValue("max_velocity", profile.mss),
        MeasureValue("f0_rel", profile.f0_rel),
        MeasureValue("v0", profile.v0),
        MeasureValue("pmax_rel", profile.pmax_rel),
    ]
    gates = "/".join(_fmt_distance(d) for d in profile.distances)
    text = _summary(profile)
    entry = record_measures(
        session,
        actor,
        case.id,
        values,
        measured_at=measured_at,
        is_baseline=is_baseline,
        source=SOURCE,
        title=("Baseline: " if is_baseline else "") + f"Timing gates {gates} m",
        note=f"{text}\n\n{note.strip()}" if note.strip() else text,
        extra_data={  # the shape the timing-gate form and the plots share
            "test": "timing_gate",
            "splits": [[d, t] for d, t in zip(profile.distances, profile.times, strict=True)],
            "correction": profile.correction,
            "profile": profile.as_dict(),
        },
    )
    return entry, profile
