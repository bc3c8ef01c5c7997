"""Readiness: evaluate a phase's exit criteria against a case's facts (DOMAIN.md section 3).

Pure and deterministic: the result depends only on the phase, the facts (including
``facts.as_of``) and the catalogue. Measures are indexed once per case by (key, limb).

Definitions (documented here because the UI and the report rely on them):

- **Current values** are results measured on or after the injury date and not after
  ``as_of``. **Baseline** is the latest result flagged ``is_baseline`` dated before the
  injury (DOMAIN.md section 2), per limb for per-limb measures; the uninjured limb is the
  other side. ``pre_injury_best_pct`` uses the best result dated before the injury,
  flagged or not.
- **LSI** and **asymmetry** come from :mod:`casemgr.clinical.symmetry` (LSI = injured /
  uninjured x 100 for higher-is-better measures, inverted for lower-is-better; asymmetry =
  (stronger - weaker) / stronger x 100; Opar 2015: asymmetry limits are convention).
- **within_of_uninjured**: the injured limb is at most ``threshold`` units worse than the
  uninjured limb (AKE within 15 deg: MDD 15 deg, Reurink 2013).
- **weekly_sum** with ``baseline_pct``: the sum over the last ``window_days`` (7) is
  compared with the pre-injury weekly mean = the sum of all results in the
  ``baseline_window_days`` (default 28) before the injury date divided by the number of
  7-day blocks (counted back from the injury date) that hold at least one result.
- **stale**: the value that would be used is older than the criterion's window.
- Comparisons are made at display precision (the measure's decimals; 0.1 for
  percentages), so the table never shows a value that looks like it meets its target but
  fails. Absolute thresholds are used as written.

The fact index lives in :mod:`casemgr.clinical.readiness_index`, the evaluation of measure
criteria in :mod:`casemgr.clinical.readiness_measures` and the wording of targets and
values in :mod:`casemgr.clinical.readiness_text`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from casemgr.clinical.catalogue import Catalogue, format_number
from casemgr.clinical.facts import CaseFacts
from casemgr.clinical.protocols import Criterion, Phase
from casemgr.clinical.readiness_index import FactIndex
from casemgr.clinical.readiness_measures import MeasureEvaluator, Missing, ids_of, meets
from casemgr.clinical.readiness_text import SYMBOLS, window_text

STATUSES = ("pass", "fail", "missing", "stale")
VERDICTS = ("ready", "not_ready", "no_criteria")


@dataclass(frozen=True)
class CriterionResult:
    """The evaluation of one criterion, with everything the criteria table shows."""

    key: str
    label: str
    kind: str
    status: str  # "pass" | "fail" | "missing" | "stale"
    required: bool
    convention: bool
    source: str
    explanation: str
    value: float | None = None
    measured_at: datetime | None = None
    unit: str = ""
    limb: str | None = None
    reference: str | None = None  # the reference actually used (the fallback if used)
    reference_value: float | None = None
    reference_measured_at: datetime | None = None
    fallback_used: bool = False
    comparator: str | None = None
    target: float | None = None
    target_text: str = ""
    ratio_pct: float | None = None  # value / reference value x 100
    lsi: float | None = None
    asymmetry: float | None = None
    days_met: int | None = None
    entry_ids: tuple[int, ...] = ()
    missing: str | None = None  # what is missing, e.g. "Nordic force baseline (right)"
    alternatives: tuple[CriterionResult, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif name == "alternatives":
                value = [a.to_dict() for a in value]
            elif name == "entry_ids":
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class PhaseEvaluation:
    """All criteria of a phase, the verdict and a plain-language summary."""

    phase_key: str
    phase_name: str
    as_of: datetime
    verdict: str  # "ready" | "not_ready" | "no_criteria"
    summary: str
    results: tuple[CriterionResult, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> bool:
        return self.verdict == "ready"

    @property
    def required_results(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if r.required)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase_key": self.phase_key,
            "phase_name": self.phase_name,
            "as_of": self.as_of.isoformat(),
            "verdict": self.verdict,
            "summary": self.summary,
            "results": [r.to_dict() for r in self.results],
        }


def build_index(facts: CaseFacts, catalogue: Catalogue) -> FactIndex:
    return FactIndex(facts, catalogue)


# --- evaluation ----------------------------------------------------------------------------


class _Evaluator(MeasureEvaluator):
    # generic
    def evaluate(self, c: Criterion) -> CriterionResult:
        base: dict[str, Any] = {
            "key": c.key,
            "label": c.label,
            "kind": c.kind,
            "required": c.required,
            "convention": c.convention,
            "source": c.source,
            "comparator": c.comparator,
        }
        if c.kind == "any":
            return self.any_of(c, base)
        try:
            fields = getattr(self, f"kind_{c.kind}")(c)
        except Missing as gap:
            fields = {"status": gap.status, "explanation": gap.explanation, "missing": gap.missing}
            fields.update(gap.extra)
        return CriterionResult(**base, **fields)

    def any_of(self, c: Criterion, base: dict[str, Any]) -> CriterionResult:
        subs = tuple(self.evaluate(replace(a, required=c.required)) for a in c.alternatives)
        statuses = [s.status for s in subs]
        status = next((s for s in ("pass", "fail", "stale") if s in statuses), "missing")
        shown = next((s for s in subs if s.status == status), subs[0])
        if status == "pass":
            explanation = f"Met by '{shown.label}': {shown.explanation}"
        else:
            explanation = "None of the alternatives met: " + "; ".join(
                f"{s.label}: {s.status}" for s in subs
            )
        missing = [s.missing for s in subs if s.missing]
        return CriterionResult(
            **{**base, "comparator": shown.comparator},
            status=status,
            explanation=explanation,
            value=shown.value,
            measured_at=shown.measured_at,
            unit=shown.unit,
            limb=shown.limb,
            reference=shown.reference,
            reference_value=shown.reference_value,
            reference_measured_at=shown.reference_measured_at,
            fallback_used=shown.fallback_used,
            target=shown.target,
            target_text=" or ".join(s.target_text for s in subs if s.target_text),
            ratio_pct=shown.ratio_pct,
            lsi=shown.lsi,
            asymmetry=shown.asymmetry,
            days_met=shown.days_met,
            entry_ids=tuple(sorted({i for s in subs for i in s.entry_ids})),
            missing=", ".join(dict.fromkeys(missing)) if missing and status != "pass" else None,
            alternatives=subs,
        )

    # checks, sessions, decision
    def kind_check(self, c: Criterion) -> dict[str, Any]:
        assert c.check is not None
        items = self.index.checks(c.check)
        target_text = "passed" + (
            f" within {window_text(c.window_days)}" if c.window_days else " since the injury"
        )
        if not items:
            raise Missing(
                "missing",
                f"No '{c.check}' check recorded since the injury",
                c.label,
                target_text=target_text,
            )
        last = items[-1]
        common = {
            "measured_at": last.recorded_at,
            "value": 1.0 if last.passed else 0.0,
            "entry_ids": ids_of([last]),
            "target_text": target_text,
        }
        when = self.date_text(last.recorded_at)
        if c.window_days is not None and last.recorded_at < self.window_start(c.window_days):
            raise Missing(
                "stale",
                f"Last check on {when} is older than {window_text(c.window_days)}; repeat it",
                f"{c.label} (out of date)",
                **common,
            )
        status = "pass" if last.passed else "fail"
        verb = "passed" if last.passed else "not passed"
        return {**common, "status": status, "explanation": f"Check {verb} on {when}"}

    def kind_sessions(self, c: Criterion) -> dict[str, Any]:
        sessions = self.index.sessions
        scope = ""
        if c.window_days is not None:
            first_day = self.index.today - timedelta(days=math.ceil(c.window_days) - 1)
            sessions = tuple(s for s in sessions if s.day >= first_day)
            scope = f" in the last {window_text(c.window_days)}"
        if c.full_training:
            sessions = tuple(s for s in sessions if s.full_training)
        if c.session_type:
            sessions = tuple(s for s in sessions if s.session_type == c.session_type)
        kind = "full training" if c.full_training else (c.session_type or "")
        noun = f"{kind} session".strip()
        count = len(sessions)
        assert c.comparator is not None and c.threshold is not None
        ok = meets(count, c.comparator, c.threshold)
        target_text = f"{SYMBOLS[c.comparator]} {format_number(c.threshold, 0)} {noun}(s){scope}"
        last = f" (last on {sessions[-1].day.isoformat()})" if sessions else ""
        return {
            "status": "pass" if ok else "fail",
            "value": float(count),
            "target": c.threshold,
            "target_text": target_text,
            "entry_ids": ids_of(sessions),
            "explanation": f"{count} {noun}(s) logged since the injury{scope}{last}",
        }

    def kind_decision(self, c: Criterion) -> dict[str, Any]:
        wanted = " or ".join(e.replace("_", " ") for e in c.expected)
        decision = self.facts.decision
        if decision is None:
            raise Missing(
                "missing",
                "No return-to-play decision recorded",
                "doctor's decision",
                target_text=wanted,
            )
        ok = decision in c.expected
        return {
            "status": "pass" if ok else "fail",
            "target_text": wanted,
            "explanation": f"Doctor's decision: {decision.replace('_', ' ')}",
        }


# --- public --------------------------------------------------------------------------------


def evaluate_criterion(
    criterion: Criterion, facts: CaseFacts, catalogue: Catalogue, index: FactIndex | None = None
) -> CriterionResult:
    """Evaluate one criterion (see the module docstring for the definitions)."""
    index = index if index is not None else FactIndex(facts, catalogue)
    return _Evaluator(facts, catalogue, index).evaluate(criterion)


def evaluate_phase(
    phase: Phase, facts: CaseFacts, catalogue: Catalogue, index: FactIndex | None = None
) -> PhaseEvaluation:
    """Evaluate every exit criterion of ``phase`` as of ``facts.as_of``.

    Verdict "ready" when every required criterion passes (advisory ones never block),
    "not_ready" otherwise, and "no_criteria" for a phase without exit criteria (e.g.
    surveillance, closed by a person). Pass an ``index`` to reuse it across phases.
    """
    index = index if index is not None else FactIndex(facts, catalogue)
    evaluator = _Evaluator(facts, catalogue, index)
    results = tuple(evaluator.evaluate(c) for c in phase.criteria)
    verdict, summary = _summarise(results)
    return PhaseEvaluation(
        phase_key=phase.key,
        phase_name=phase.name,
        as_of=facts.as_of,
        verdict=verdict,
        summary=summary,
        results=results,
    )


def _summarise(results: Sequence[CriterionResult]) -> tuple[str, str]:
    if not results:
        return "no_criteria", "This phase has no exit criteria; a person closes it."
    required = [r for r in results if r.required]
    advisory = [r for r in results if not r.required]
    met = sum(r.passed for r in required)
    noun = "required criteria" if advisory else "criteria"
    advisory_open = [r.label for r in advisory if not r.passed]
    advisory_note = f"; advisory not met: {', '.join(advisory_open)}" if advisory_open else ""
    if met == len(required):
        return "ready", f"Ready to advance: all {len(required)} {noun} met{advisory_note}"
    parts = [f"{met} of {len(required)} {noun} met"]
    failed = [r.label for r in required if r.status == "fail"]
    missing = list(dict.fromkeys(r.missing or r.label for r in required if r.status == "missing"))
    stale = [r.label for r in required if r.status == "stale"]
    if failed:
        parts.append(f"not met: {', '.join(failed)}")
    if missing:
        parts.append(f"missing: {', '.join(missing)}")
    if stale:
        parts.append(f"out of date: {', '.join(stale)}")
    return "not_ready", "; ".join(parts) + advisory_note
