"""Wording of readiness results: comparator symbols, reference names and the formatting of
windows, durations, percentages, limbs, thresholds and targets used in the explanations.

Verdicts compare unrounded values (:func:`meets`); rounding is for display only. When the
displayed numbers would tell a different story than the verdict (89.96% shown as "90.0%"
beside "≥ 90%" and "not met"), :func:`honest_decimals` gives the number of decimals at
which value and target show the verdict truthfully.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

from casemgr.clinical.catalogue import Measure, format_number, round_half_up
from casemgr.clinical.protocols import Criterion

PCT_DECIMALS = 1
#: Relative tolerance of a comparison: floating-point noise only (57/100 x 100 is
#: 56.99999999999999), never a display rounding.
_EPS = 1e-9
_MORE_DECIMALS = 6

SYMBOLS = {"<": "<", "<=": "≤", ">=": "≥", ">": ">", "==": "="}
REFERENCE_NAMES = {
    "absolute": "absolute value",
    "baseline_pct": "pre-injury baseline",
    "pre_injury_best_pct": "best pre-injury result",
    "uninjured_pct": "uninjured limb",
    "lsi": "limb symmetry index",
    "asymmetry": "between-limb asymmetry",
    "within_of_uninjured": "difference from the uninjured limb",
}


def meets(value: float, comparator: str, target: float) -> bool:
    """Whether the unrounded *value* meets *comparator* *target* (to floating-point noise)."""
    eps = _EPS * max(1.0, abs(target))
    if comparator == "<":
        return value < target - eps
    if comparator == "<=":
        return value <= target + eps
    if comparator == ">=":
        return value >= target - eps
    if comparator == ">":
        return value > target + eps
    return abs(value - target) <= eps


def honest_decimals(value: float, comparator: str, target: float, decimals: int) -> int:
    """The fewest decimals (at least *decimals*) at which the rounded value and target
    compare as the unrounded ones do, so a failing value never looks like a pass."""
    verdict = meets(value, comparator, target)
    for d in range(decimals, decimals + _MORE_DECIMALS + 1):
        if meets(round_half_up(value, d), comparator, round_half_up(target, d)) == verdict:
            return d
    return decimals + _MORE_DECIMALS


def window_text(days: float) -> str:
    hours = days * 24
    if hours < 72 and hours == int(hours):
        return f"{int(hours)} h"
    return f"{format_number(days, 0 if days == int(days) else 1)} days"


def duration_text(span: timedelta, window_days: float) -> str:
    """How much of a window the data cover, rounded down (never overstated), in the unit
    the window is written in: "25 h" of "48 h", "3.5 days" of "7 days"."""
    hours = max(0.0, span.total_seconds() / 3600)
    if window_text(window_days).endswith(" h"):
        return f"{math.floor(hours)} h"
    days = math.floor(hours / 24 * 10) / 10
    return f"{format_number(days, 0 if days == int(days) else 1)} days"


def pct(value: float, decimals: int = PCT_DECIMALS) -> str:
    text = format_number(value, decimals)
    return f"{text.removesuffix('.0') if decimals == PCT_DECIMALS else text}%"


def limb_text(limb: str | None, uninjured: bool = False) -> str:
    if limb is None:
        return ""
    return f" ({limb}, uninjured)" if uninjured else f" ({limb})"


def fmt_threshold(m: Measure, threshold: float, decimals: int | None = None) -> str:
    decimals = max(m.decimals if decimals is None else decimals, _decimals_of(threshold))
    text = format_number(threshold, decimals)
    unit = m.display_unit
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") or unit == "°" else f"{text} {unit}"


def fmt_value(m: Measure, value: float, decimals: int | None = None) -> str:
    """*value* in the measure's unit, at its decimals or at *decimals* when more."""
    if decimals is None or decimals <= m.decimals:
        return m.format(value)
    return replace(m, decimals=decimals).format(value)


def _decimals_of(value: float) -> int:
    text = repr(float(value))
    if "e" in text:
        return 6
    return len(text.split(".")[1].rstrip("0"))


def describe_target(c: Criterion, m: Measure, reference: str, threshold: float) -> str:
    """The target in words, without numbers that need data (for missing/stale results)."""
    sym = SYMBOLS[c.comparator or ">="]
    if reference == "absolute":
        return f"{sym} {fmt_threshold(m, threshold)}"
    if reference == "lsi":
        return f"LSI {sym} {pct(threshold)}"
    if reference == "asymmetry":
        return f"asymmetry {sym} {pct(threshold)}"
    if reference == "within_of_uninjured":
        return f"within {fmt_threshold(m, threshold)} of the uninjured limb"
    name = {
        "baseline_pct": "pre-injury weekly mean" if c.aggregation == "weekly_sum" else "baseline",
        "pre_injury_best_pct": "best pre-injury",
        "uninjured_pct": "uninjured limb",
    }[reference]
    return f"{sym} {pct(threshold)} of {name}"


def result_pct_text(value: float, comparator: str | None, target_pct: float | None) -> str:
    """A percentage of a result (LSI, asymmetry, % of reference) with one decimal, or more
    when one decimal would make a failing value look like it meets its target (89.96% of a
    ">= 90%" target shows as 89.96%, not 90.0%)."""
    decimals = 1
    if comparator and target_pct is not None:
        decimals = honest_decimals(value, comparator, target_pct, 1)
    return format_number(value, decimals)


def shown_pct(result) -> tuple[str, str] | None:
    """("LSI" | "asymmetry" | "of reference", number text) of a criterion result, honest
    about rounding (see :func:`result_pct_text`); None when it has no percentage."""
    cmp = result.comparator
    if result.asymmetry is not None and (result.reference == "asymmetry" or result.lsi is None):
        target = result.target if result.reference == "asymmetry" else None
        return "asymmetry", result_pct_text(result.asymmetry, cmp, target)
    if result.lsi is not None:
        target = result.target if result.reference == "lsi" else None
        return "LSI", result_pct_text(result.lsi, cmp, target)
    if result.ratio_pct is not None:
        target = None
        if result.reference_value and result.target is not None:
            target = result.target / result.reference_value * 100
        return "of reference", result_pct_text(result.ratio_pct, cmp, target)
    return None
