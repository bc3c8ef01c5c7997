"""Overrides stated: the required exit criteria left unmet when a person advances a phase
or records a return-to-play decision anyway, worded once and stored with the record.

A person may decide against the criteria (Ardern 2016, Bern consensus: the decision is
shared and the doctor records it; Shrier 2015, StARRT: risk tolerance is a judgement), but
never silently: the unmet criteria of that moment and the reason are kept with the move or
the decision and printed beside it, e.g. "Cleared with 1 exit criterion unmet: Max velocity
≥ 95% of baseline (93.7%)". The list is written when the record is made and never
recomputed: later data cannot change what was unmet at the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casemgr.clinical.catalogue import Catalogue, format_number
from casemgr.clinical.protocols import Criterion, Phase
from casemgr.clinical.readiness import CriterionResult, PhaseEvaluation
from casemgr.clinical.readiness_text import pct

#: Criteria that never count as "unmet" for a decision: the decision itself.
DECISION_KINDS = ("decision",)


@dataclass(frozen=True)
class UnmetCriterion:
    """One required exit criterion that was not met at the moment of a move or decision."""

    key: str
    label: str
    status: str  # "fail" | "missing" | "stale"
    value_text: str  # e.g. "93.7%", "no data", "3/10, out of date"

    @property
    def text(self) -> str:
        """``"Max velocity ≥ 95% of baseline (93.7%)"``."""
        return f"{self.label} ({self.value_text})" if self.value_text else self.label

    def to_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "value_text": self.value_text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnmetCriterion:
        return cls(
            key=str(data.get("key", "")),
            label=str(data.get("label", "")),
            status=str(data.get("status", "")),
            value_text=str(data.get("value_text", "")),
        )


def unmet_from_data(data: Mapping[str, Any] | None) -> tuple[UnmetCriterion, ...]:
    """The unmet criteria stored in a record's data (``()`` for records made before)."""
    items = (data or {}).get("unmet") or ()
    return tuple(UnmetCriterion.from_dict(i) for i in items if isinstance(i, Mapping))


def measure_keys(phase: Phase) -> dict[str, str]:
    """Criterion key -> measure key, alternatives included (for display precision)."""
    out: dict[str, str] = {}

    def walk(criteria: Iterable[Criterion]) -> None:
        for c in criteria:
            if c.measure:
                out[c.key] = c.measure
            walk(c.alternatives)

    walk(phase.criteria)
    return out


def unmet_of(
    evaluation: PhaseEvaluation,
    catalogue: Catalogue,
    measures: Mapping[str, str] | None = None,
    *,
    skip_kinds: Sequence[str] = (),
) -> tuple[UnmetCriterion, ...]:
    """Every required criterion of *evaluation* that is not met, in protocol order."""
    return tuple(
        UnmetCriterion(r.key, r.label, r.status, value_text(r, catalogue, measures or {}))
        for r in evaluation.required_results
        if r.status != "pass" and r.kind not in skip_kinds
    )


def value_text(
    r: CriterionResult, catalogue: Catalogue, measures: Mapping[str, str] | None = None
) -> str:
    """The value that decided the criterion, short: "93.7%", "3/10", "no data"."""
    if r.status == "missing":
        return "no data"
    shown = r
    if r.kind == "any":
        shown = next((a for a in r.alternatives if a.status == r.status), r)
    if shown.kind == "check":
        text = "not passed" if shown.value == 0.0 else ""
    elif shown.kind == "sessions":
        n = int(shown.value or 0)
        text = f"{n} session{'s' if n != 1 else ''}"
    else:
        text = _measure_text(shown, catalogue, (measures or {}).get(shown.key))
    if r.status == "stale":
        return f"{text}, out of date" if text else "out of date"
    return text or "not met"


def _measure_text(r: CriterionResult, catalogue: Catalogue, measure: str | None) -> str:
    def fmt(value: float) -> str:
        if measure is not None:
            try:
                return catalogue.get(measure).format(value)
            except Exception:  # a measure no longer in the catalogue: plain number
                pass
        number = format_number(value, 2).rstrip("0").rstrip(".")
        unit = r.unit
        if not unit:
            return number
        return f"{number}{unit}" if unit.startswith("/") or unit == "°" else f"{number} {unit}"

    if r.reference == "lsi" and r.lsi is not None:
        text = pct(r.lsi)
    elif r.reference == "asymmetry" and r.asymmetry is not None:
        text = pct(r.asymmetry)
    elif r.reference == "within_of_uninjured" and r.value is not None:
        other = f" vs {fmt(r.reference_value)}" if r.reference_value is not None else ""
        text = f"{fmt(r.value)}{other}"
    elif r.ratio_pct is not None and r.reference != "absolute":
        text = pct(r.ratio_pct)
    elif r.value is not None:
        text = fmt(r.value)
    else:
        return "no data"
    if r.days_met is not None:
        text += f", met on {r.days_met} day{'s' if r.days_met != 1 else ''}"
    return text


def count_text(n: int) -> str:
    """``"1 exit criterion unmet"``, ``"2 exit criteria unmet"``."""
    return f"{n} exit criteri{'on' if n == 1 else 'a'} unmet"


def unmet_text(unmet: Sequence[UnmetCriterion]) -> str:
    """``"1 exit criterion unmet: Max velocity ≥ 95% of baseline (93.7%)"``."""
    return f"{count_text(len(unmet))}: {'; '.join(u.text for u in unmet)}" if unmet else ""


def refusal_text(unmet: Sequence[UnmetCriterion], doing: str) -> str:
    """The message that asks for the override reason (*doing*: "advancing", "clearing")."""
    n = len(unmet)
    verb = "criterion is" if n == 1 else "criteria are"
    listed = "; ".join(u.text for u in unmet)
    return f"{n} required exit {verb} unmet: {listed}; give the reason for {doing} anyway."


def decision_text(
    label: str,
    unmet: Sequence[UnmetCriterion] = (),
    phase_stated: tuple[int, int] | None = None,
) -> str:
    """How a decision reads everywhere: ``"Cleared with 1 exit criterion unmet: ..."``,
    ending ``"; decided in phase 3 of 7"`` when the case was not in the final phases."""
    text = label
    if unmet:
        text += f"{', with' if ' with ' in label else ' with'} {unmet_text(unmet)}"
    if phase_stated is not None:
        text += f"; decided in phase {phase_stated[0]} of {phase_stated[1]}"
    return text


def decision_title(
    label: str,
    unmet: Sequence[UnmetCriterion] = (),
    phase_stated: tuple[int, int] | None = None,
    limit: int = 300,
) -> str:
    """The decision's timeline title; the count only when the full list would not fit."""
    title = f"Return-to-play decision: {decision_text(label, unmet, phase_stated)}"
    if len(title) <= limit:
        return title
    joiner = ", with" if " with " in label else " with"
    phase = f"; decided in phase {phase_stated[0]} of {phase_stated[1]}" if phase_stated else ""
    return f"Return-to-play decision: {label}{joiner} {count_text(len(unmet))}{phase}"[:limit]


def move_suffix(unmet: Sequence[UnmetCriterion]) -> str:
    """What a phase-change title adds: ``" (override: 1 exit criterion unmet)"``."""
    return f" (override: {count_text(len(unmet))})" if unmet else ""


def final_phase_ordinal(phase_criteria_kinds: Sequence[Sequence[str]]) -> int:
    """The ordinal from which a case is "in the final phases": the first phase whose exit
    criteria hold the decision, else the one before the last (surveillance)."""
    for n, kinds in enumerate(phase_criteria_kinds, start=1):
        if any(k in DECISION_KINDS for k in kinds):
            return n
    return max(1, len(phase_criteria_kinds) - 1)


def stated_phase(data: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """(ordinal, count) of the phase a decision was made in, when it was made before the
    final phases (so that it is printed beside the decision); else None."""
    phase = (data or {}).get("phase")
    if not isinstance(phase, Mapping) or phase.get("final", True):
        return None
    try:
        return int(phase["ordinal"]), int(phase["count"])
    except (KeyError, TypeError, ValueError):
        return None
