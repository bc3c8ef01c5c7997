"""Wording of readiness results: comparator symbols, reference names and the formatting of
windows, percentages, limbs, thresholds and targets used in the criteria explanations."""

from __future__ import annotations

from casemgr.clinical.catalogue import Measure, format_number
from casemgr.clinical.protocols import Criterion

PCT_DECIMALS = 1

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


def window_text(days: float) -> str:
    hours = days * 24
    if hours < 72 and hours == int(hours):
        return f"{int(hours)} h"
    return f"{format_number(days, 0 if days == int(days) else 1)} days"


def pct(value: float) -> str:
    return f"{format_number(value, PCT_DECIMALS).removesuffix('.0')}%"


def limb_text(limb: str | None, uninjured: bool = False) -> str:
    if limb is None:
        return ""
    return f" ({limb}, uninjured)" if uninjured else f" ({limb})"


def fmt_threshold(m: Measure, threshold: float) -> str:
    decimals = max(m.decimals, _decimals_of(threshold))
    text = format_number(threshold, decimals)
    unit = m.display_unit
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") or unit == "°" else f"{text} {unit}"


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
