"""Readiness: evaluate a phase's exit criteria against a case's facts.

Pure and deterministic: the result depends only on the phase, the facts (including
``facts.as_of``) and the catalogue. Measures are indexed once per case by (key, limb).
Every calendar day is a day in the clinic's zone (``facts.timezone``).

Definitions (documented here because the UI and the report rely on them):

- **Current values** are results measured on or after the injury date and not after
  ``as_of``. **Baseline** is the latest result flagged ``is_baseline`` dated before the
  injury, per limb for per-limb measures; the uninjured limb is the other side.
  ``pre_injury_best_pct`` uses the best result dated before the injury, flagged or not.
- **LSI** and **asymmetry** come from :mod:`casemgr.clinical.symmetry` (LSI = injured /
  uninjured x 100 for higher-is-better measures, inverted for lower-is-better; asymmetry =
  (stronger - weaker) / stronger x 100; Opar et al. 2015: asymmetry limits are clinical
  convention). **within_of_uninjured**: the injured limb at most ``threshold`` units worse
  than the uninjured limb (AKE within 15 deg: MDD 15 deg, Reurink et al. 2013).
- **Pairs**: an LSI, an asymmetry, within_of_uninjured and a % of the uninjured limb
  compare both limbs measured on the same clinic-local day (the latest such pair, in the
  window if the criterion has one; "best_in_window" takes the best pair in it). Without a
  same-day pair the criterion is "missing" and says so; a same-day pair older than the
  window is "stale" (:mod:`casemgr.clinical.readiness_windows`).
- **Windows mean what they say** (pain-free progression, Hickey et al. 2020):
  ``all_in_window`` ("pain ≤ 2/10 for 48 h") passes only when the results span the whole
  window (the latest result at or before its start, which must meet the limit too), a
  result exists on each clinic-local day of it (today's is not due while the latest is
  under 24 h old) and every one meets the limit; one good report an hour ago is "missing"
  (not enough data), naming how much of the window is covered and the days without a
  report. A result over the limit in the window is "fail" whatever the coverage. The other
  window rules need data in the window and are never met by an empty one: ``latest`` and
  ``best_in_window`` use a result no older than the window (else "stale");
  ``days_meeting`` counts clinic-local days ("2 separate days": two sprints an hour apart
  are one day); ``weekly_sum`` sums the results in the window (a day without a result is a
  rest day, zero) and compares it with the pre-injury weekly mean = the sum of all results
  in the ``baseline_window_days`` (default 28) before the injury divided by the number of
  7-day blocks (counted back from the injury date) that hold at least one result.
- **stale**: the result that would be used is older than the criterion's window.
- **Sessions** count the sessions logged since the case entered the phase being evaluated
  ("≥ 1 full training session" means one in this phase, not one before it): a session
  counts when it took place at or after the moment of the phase entry (a session without a
  recorded time: on or after that clinic day). The entry is the latest entry into that
  phase by ``as_of`` (``facts.phase_entries``; else ``facts.phase_entered_at``); a phase
  not entered by then counts none; with neither known, sessions since the injury count.
- **Unrounded comparisons**: verdicts compare unrounded values and targets (103.1% fails
  "≤ 103%"; 89.96% fails "≥ 90%"); rounding is for display only. Where the displayed
  numbers would look like the opposite verdict, the explanation shows more decimals.
- **Injury-specific criteria** (Green et al. 2022: the injured muscle's own test,
  knee-straight for gastrocnemius, knee-bent for soleus, both when unsure): a criterion
  that lists ``muscles`` gates only cases of those muscles (and of an unspecified muscle);
  an ``any`` criterion keeps only its applicable alternatives. A criterion that does not
  apply is left out of the results and of the counts ("3 of 5 criteria") and named in
  ``PhaseEvaluation.not_applicable``.

The fact index lives in :mod:`casemgr.clinical.readiness_index`, windows and pairs in
:mod:`casemgr.clinical.readiness_windows`, the evaluation of measure criteria in
:mod:`casemgr.clinical.readiness_measures` and the wording in
:mod:`casemgr.clinical.readiness_text`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from casemgr.clinical.catalogue import Catalogue, format_number
from casemgr.clinical.facts import CaseFacts
from casemgr.clinical.protocols import UNKNOWN_MUSCLES, Criterion, Phase
from casemgr.clinical.readiness_index import FactIndex
from casemgr.clinical.readiness_measures import MeasureEvaluator, Missing, ids_of, meets
from casemgr.clinical.readiness_text import SYMBOLS, window_text
from casemgr.clinical.readiness_windows import local_day

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
    not_applicable: tuple[str, ...] = ()  # labels of criteria for other muscles

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
            "not_applicable": list(self.not_applicable),
        }


def build_index(facts: CaseFacts, catalogue: Catalogue) -> FactIndex:
    return FactIndex(facts, catalogue)


# --- evaluation ----------------------------------------------------------------------------


#: The phase start of a phase the case had not entered by ``as_of``.
_NOT_ENTERED = datetime.max.replace(tzinfo=UTC)


class _Evaluator(MeasureEvaluator):
    def __init__(
        self, facts: CaseFacts, catalogue: Catalogue, index: FactIndex, phase_key: str = ""
    ) -> None:
        super().__init__(facts, catalogue, index)
        self.phase_key = phase_key

    def phase_start(self) -> datetime | None:
        """When the case entered the evaluated phase, as of ``as_of`` (see the module
        docstring); :data:`_NOT_ENTERED` when it had not, None when unknown."""
        entries = self.facts.phase_entries
        if self.phase_key and entries:
            starts = [t for key, t in entries if key == self.phase_key and t <= self.as_of]
            return starts[-1] if starts else _NOT_ENTERED
        entered = self.facts.phase_entered_at
        if entered is None:
            return None
        return entered if entered <= self.as_of else _NOT_ENTERED

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
        began = self.phase_start()
        since = " since the injury"
        if began is _NOT_ENTERED:
            sessions, since = (), " (the case had not entered this phase)"
        elif began is not None:
            first_day = local_day(began, self.tz)
            sessions = tuple(
                s
                for s in sessions
                if (s.occurred_at >= began if s.occurred_at is not None else s.day >= first_day)
            )
            since = f" since the case entered this phase ({first_day.isoformat()})"
        scope = " in this phase" if began is not None else ""
        if c.window_days is not None:
            window_day = self.index.today - timedelta(days=math.ceil(c.window_days) - 1)
            sessions = tuple(s for s in sessions if s.day >= window_day)
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
        window = scope if c.window_days is not None else ""
        return {
            "status": "pass" if ok else "fail",
            "value": float(count),
            "target": c.threshold,
            "target_text": target_text,
            "entry_ids": ids_of(sessions),
            "explanation": f"{count} {noun}(s) logged{since}{window}{last}",
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
    evaluator = _Evaluator(facts, catalogue, index, phase.key)
    criteria, skipped = applicable(phase.criteria, facts.muscle)
    results = tuple(evaluator.evaluate(c) for c in criteria)
    verdict, summary = _summarise(results)
    if not results and skipped:
        summary = "No exit criterion of this phase applies to this injury; a person decides."
    return PhaseEvaluation(
        phase_key=phase.key,
        phase_name=phase.name,
        as_of=facts.as_of,
        verdict=verdict,
        summary=summary,
        results=results,
        not_applicable=skipped,
    )


def applicable(
    criteria: Sequence[Criterion], muscle: str
) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
    """The criteria that gate a case of *muscle* (an ``any`` keeps its applicable
    alternatives) and the labels of those that do not; an empty muscle is unspecified."""
    muscle = muscle or UNKNOWN_MUSCLES[0]
    kept: list[Criterion] = []
    skipped: list[str] = []
    for c in criteria:
        alternatives = tuple(a for a in c.alternatives if a.applies_to(muscle))
        if not c.applies_to(muscle) or (c.kind == "any" and not alternatives):
            skipped.append(c.label)
            continue
        if len(alternatives) != len(c.alternatives):
            c = replace(c, alternatives=alternatives)
        kept.append(c)
    return tuple(kept), tuple(skipped)


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
