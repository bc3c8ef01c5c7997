"""The demo's scripted recovery course: phase start days and the piecewise-linear recovery
curves (speed, strength, symptoms) that meet each default protocol's exit criteria."""

from __future__ import annotations

from casemgr.demo.data import PHASE_DAYS


def _interp(day: float, anchors: list[tuple[float, float]]) -> float:
    """Piecewise-linear value of a recovery curve on *day*."""
    if day <= anchors[0][0]:
        return anchors[0][1]
    for (d0, v0), (d1, v1) in zip(anchors, anchors[1:], strict=False):
        if day <= d1:
            return v0 + (v1 - v0) * (day - d0) / (d1 - d0)
    return anchors[-1][1]


def _curves(starts: list[int]) -> tuple[list, list, list]:
    """Recovery curves that meet each default protocol's exit criteria by the end of the
    phase (speed as a fraction of baseline, strength as LSI, symptoms from 1 to 0), so the
    demo's recorded advances agree with the evaluation."""
    # anchors fall on each phase's exit-test day (the day before the advance)
    exits = [starts[k] - 1 for k in range(1, 6)]
    speed = [(0, 0.5), *zip(exits, (0.64, 0.76, 0.925, 0.965, 0.99), strict=True), (starts[6], 1.0)]
    strength = [
        (0, 0.55),
        *zip(exits, (0.74, 0.85, 0.93, 0.955, 0.99), strict=True),
        (starts[6], 1.0),
    ]
    symptoms = [(0, 1.0), (starts[1] - 2, 0.3), (starts[3], 0.12), (starts[3] + 3, 0.0)]
    return speed, strength, symptoms


def _phase_start_days(region: str) -> list[int]:
    starts, day = [0], 0
    for length in PHASE_DAYS[region]:
        day += length
        starts.append(day)
    return starts  # starts[i] = first day of phase i+1
