"""The criteria table: one phase's readiness evaluation turned into printable rows."""

from __future__ import annotations

from datetime import datetime

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.protocols import Phase
from casemgr.clinical.readiness import CriterionResult
from casemgr.clinical.readiness_text import result_pct_text, shown_pct
from casemgr.services.report_data.case import _Case, _fmt
from casemgr.services.report_data.common import CriteriaBlock, CriterionRow

_REFERENCE_TEXT = {
    "absolute": "absolute value",
    "baseline_pct": "pre-injury baseline",
    "pre_injury_best_pct": "best pre-injury result",
    "uninjured_pct": "uninjured limb",
    "lsi": "uninjured limb (LSI)",
    "asymmetry": "other limb (asymmetry)",
    "within_of_uninjured": "uninjured limb",
}


def _criterion_row(c: _Case, criterion_measure: str | None, r: CriterionResult) -> CriterionRow:
    limb = f" ({r.limb})" if r.limb else ""
    if r.kind == "measure":
        value = _fmt(c, criterion_measure, r.value) + (limb if r.value is not None else "")
        shown = shown_pct(r)
        if shown is not None and r.lsi is not None and r.reference == "lsi":
            value += f", LSI {shown[1]}%"
        elif shown is not None and r.asymmetry is not None and r.reference == "asymmetry":
            value += f", asymmetry {shown[1]}%"
        elif r.ratio_pct is not None:
            target = (
                r.target / r.reference_value * 100
                if r.reference_value
                and r.target is not None
                and r.reference != "within_of_uninjured"
                else None
            )
            value += f" = {result_pct_text(r.ratio_pct, r.comparator, target)}%"
        if r.days_met is not None:
            value += f" ({r.days_met} day{'s' if r.days_met != 1 else ''} met)"
    elif r.kind == "check":
        value = (
            ("met" if r.value else "not met") + f" on {c.day_of(r.measured_at).isoformat()}"
            if r.measured_at
            else "not recorded"
        )
    elif r.kind == "sessions":
        value = f"{int(r.value or 0)} session(s)"
    elif r.kind == "decision":
        value = "—" if r.status == "missing" else r.explanation.removeprefix("Doctor's decision: ")
    else:
        value = "see alternatives" if r.value is None else _fmt(c, criterion_measure, r.value)
    if r.reference:
        reference = _REFERENCE_TEXT.get(r.reference, r.reference)
        if r.reference_value is not None:
            reference += f": {_fmt(c, criterion_measure, r.reference_value)}"
        if r.fallback_used:
            reference += " (fallback)"
    else:
        reference = "—"
    if r.missing and r.status == "missing":
        reference = f"missing: {r.missing}" if reference == "—" else f"{reference}; {r.missing}"
    return CriterionRow(
        label=r.label,
        status=r.status,
        value=value,
        reference=reference,
        target=r.target_text or "—",
        source=r.source,
        explanation=r.explanation,
        required=r.required,
        convention=r.convention,
    )


def _block(c: _Case, phase: Phase, as_of: datetime | None, when: str) -> CriteriaBlock:
    ev = c.evaluate(phase, as_of)
    measures = {cr.key: cr.measure for cr in phase.criteria}
    return CriteriaBlock(
        phase_ordinal=phase.ordinal,
        phase_name=phase.name,
        as_of=ev.as_of,
        when=when,
        verdict=ev.verdict,
        summary=ev.summary,
        rows=tuple(_criterion_row(c, measures.get(r.key), r) for r in ev.results),
        conventions=_conventions(
            alt.measure or cr.measure
            for cr in phase.criteria
            if cr.key in {r.key for r in ev.results}
            for alt in (cr.alternatives or (cr,))
        ),
    )


def _conventions(keys) -> tuple[str, ...]:
    """The measuring conventions of the measures in a block, once each."""
    catalogue = load_catalogue()
    out = {}
    for key in keys:
        if key and key in catalogue and catalogue.get(key).convention:
            measure = catalogue.get(key)
            out[key] = f"{measure.label}: {measure.convention}"
    return tuple(out.values())
