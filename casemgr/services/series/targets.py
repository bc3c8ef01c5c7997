"""Target bands of the measure plots: the values that meet the current phase's exit criteria.

**Target band.** For the case's *current* phase, every exit criterion of kind ``measure``
on the plotted measure (alternatives of an ``any`` criterion too) becomes a band of values
that meet it, on the injured limb for per-limb measures:

- ``absolute``: the threshold itself (``pain <= 2``: at or below 2);
- ``baseline_pct`` / ``pre_injury_best_pct`` / ``uninjured_pct``: threshold % of the
  pre-injury baseline / the best pre-injury result / the latest uninjured-limb result,
  rounded half-up to the measure's decimals as the criteria panel does (``max_velocity
  >= 90%`` of a 10.00 m/s baseline: at or above 9.00 m/s); a criterion's
  ``fallback_reference`` is used when the baseline is missing;
- ``lsi`` (limb symmetry index): threshold % of the latest uninjured result for a
  higher-is-better measure (uninjured x 100 / threshold when lower is better);
- ``within_of_uninjured``: the latest uninjured result minus (or plus) the threshold;
- ``asymmetry``: the injured value within threshold % of the latest uninjured result,
  a two-sided band.

Criteria that total a week (``weekly_sum``) have no per-result band; a criterion whose
reference is missing gets none either, and ``MeasureSeries.notes`` says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casemgr.clinical.catalogue import Measure as CatalogueMeasure
from casemgr.clinical.catalogue import round_half_up
from casemgr.clinical.facts import MeasurePoint
from casemgr.clinical.protocols import Criterion, Protocol
from casemgr.clinical.readiness_index import FactIndex
from casemgr.db.models import InjuryCase


@dataclass(frozen=True)
class TargetBand:
    """Values that meet one exit criterion of the current phase (``None``: unbounded)."""

    criterion_key: str
    label: str
    limb: str
    lower: float | None
    upper: float | None
    reference: str  # the reference used (the fallback when the baseline is missing)
    explanation: str  # e.g. "≥ 90% of baseline (10.00 m/s) = 9.00 m/s"


def _criteria_for(criteria: Iterable[Criterion], key: str) -> list[Criterion]:
    out: list[Criterion] = []
    for c in criteria:
        if c.kind == "any":
            out += _criteria_for(c.alternatives, key)
        elif c.kind == "measure" and c.measure == key:
            out.append(c)
    return out


def _sym(comparator: str) -> str:
    return {"<": "<", "<=": "≤", ">=": "≥", ">": ">", "==": "="}.get(comparator, comparator)


def _pct(value: float) -> str:
    return f"{value:g}%"


def _band(
    c: Criterion, m: CatalogueMeasure, index: FactIndex, injured: str, uninjured: str | None
) -> tuple[TargetBand | None, str]:
    """The band of criterion *c*, or None and the reason there is none."""
    cmp = c.comparator or ">="
    threshold = float(c.threshold or 0)
    limb = injured if m.per_limb else ""
    limb_key = limb or None
    if c.aggregation == "weekly_sum":
        return None, f"{c.label}: a weekly total, not a target for single results"

    def bounded(target: float, text: str, reference: str) -> TargetBand:
        target = round_half_up(target, m.decimals)
        lower = target if cmp in (">=", ">", "==") else None
        upper = target if cmp in ("<=", "<", "==") else None
        return TargetBand(c.key, c.label, limb, lower, upper, reference, text)

    def uninjured_latest() -> MeasurePoint | None:
        if not uninjured:
            return None
        points = index.current(m.key, uninjured).points
        return points[-1] if points else None

    references = [(c.reference or "absolute", threshold)]
    if c.fallback_reference:
        fallback_threshold = c.fallback_threshold if c.fallback_threshold is not None else threshold
        references.append((c.fallback_reference, float(fallback_threshold)))
    missing = ""
    for reference, thr in references:
        if reference == "absolute":
            return bounded(thr, f"{_sym(cmp)} {m.format(thr)}", reference), ""
        if reference in ("baseline_pct", "pre_injury_best_pct"):
            if reference == "baseline_pct":
                point = index.baseline(m.key, limb_key)
                name = "baseline"
            else:
                pre = index.pre_injury(m.key, limb_key).points
                pick = max if m.higher_is_better else min
                point = pick(pre, key=lambda p: p.value) if pre else None
                name = "best pre-injury"
            if point is None:
                missing = missing or f"{c.label}: no pre-injury {name}"
                continue
            target = round_half_up(point.value * thr / 100, m.decimals)
            text = f"{_sym(cmp)} {_pct(thr)} of {name} ({m.format(point.value)}) = "
            return bounded(target, text + m.format(target), reference), ""
        other = uninjured_latest()
        if other is None:
            missing = missing or f"{c.label}: no uninjured-limb result since the injury"
            continue
        ov = other.value
        if reference == "uninjured_pct":
            target = round_half_up(ov * thr / 100, m.decimals)
            text = f"{_sym(cmp)} {_pct(thr)} of the uninjured limb ({m.format(ov)}) = "
            return bounded(target, text + m.format(target), reference), ""
        if reference == "lsi":
            if thr <= 0:
                return None, f"{c.label}: LSI threshold 0"
            target = ov * thr / 100 if m.higher_is_better else ov * 100 / thr
            # LSI >= t means injured >= target when higher is better, <= target when lower.
            flip = not m.higher_is_better
            eff = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}.get(cmp, cmp) if flip else cmp
            target = round_half_up(target, m.decimals)
            text = f"LSI {_sym(cmp)} {_pct(thr)} of the uninjured limb ({m.format(ov)}): "
            band = TargetBand(
                c.key,
                c.label,
                limb,
                target if eff in (">=", ">") else None,
                target if eff in ("<=", "<") else None,
                reference,
                text + f"{_sym(eff)} {m.format(target)}",
            )
            return band, ""
        if reference == "within_of_uninjured":
            target = ov - thr if m.higher_is_better else ov + thr
            bound = ">=" if m.higher_is_better else "<="
            text = f"within {m.format(thr)} of the uninjured limb ({m.format(ov)}) = "
            target = round_half_up(target, m.decimals)
            band = TargetBand(
                c.key,
                c.label,
                limb,
                target if bound == ">=" else None,
                target if bound == "<=" else None,
                reference,
                text + f"{_sym(bound)} {m.format(target)}",
            )
            return band, ""
        if reference == "asymmetry":
            if thr >= 100:
                return None, f"{c.label}: asymmetry threshold of 100% or more"
            lo = round_half_up(ov * (1 - thr / 100), m.decimals)
            hi = round_half_up(ov / (1 - thr / 100), m.decimals)
            text = (
                f"asymmetry {_sym(cmp)} {_pct(thr)} vs the uninjured limb ({m.format(ov)}): "
                f"{m.format(lo)} to {m.format(hi)}"
            )
            return TargetBand(c.key, c.label, limb, lo, hi, reference, text), ""
    return None, missing or f"{c.label}: no reference"


def _targets(
    case: InjuryCase, protocol: Protocol, m: CatalogueMeasure, index: FactIndex
) -> tuple[tuple[TargetBand, ...], tuple[str, ...]]:
    try:
        phase = protocol.phase(case.current_phase.key)
    except KeyError:
        return (), ()
    injured = case.side
    uninjured = {"left": "right", "right": "left"}.get(injured)
    bands, notes = [], []
    for c in _criteria_for(phase.criteria, m.key):
        band, note = _band(c, m, index, injured, uninjured)
        if band is not None:
            bands.append(band)
        elif note:
            notes.append(note)
    return tuple(bands), tuple(notes)
