"""Readiness of a case's current phase: the clinical engine fed from the database.

For a case in surveillance (status "surveillance") the evaluation also carries the decline
checks of DOMAIN.md section 6 for the monitored measures (:data:`SURVEILLANCE_MEASURES`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import Catalogue, load_catalogue
from casemgr.clinical.catalogue import Measure as CatalogueMeasure
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.readiness import PhaseEvaluation, build_index, evaluate_phase
from casemgr.clinical.signals import Signal, step_back_signals
from casemgr.clinical.surveillance import CaseFlag, DeclineRecord, case_flag, decline_flags
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, RtpDecision, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case

#: Measures checked for decline in surveillance (DOMAIN.md section 6); per-limb ones on the
#: injured limb. Only those with a result since the case entered surveillance are shown.
SURVEILLANCE_MEASURES = (
    "max_velocity",
    "nordic_force",
    "iso_knee_flexion_90",
    "calf_raise_reps",
    "hop_distance",
)
#: Pre-injury baseline results older than this (before the injury date) are not used: the
#: typical error is that of the season's repeated tests, not of years of history.
BASELINE_LOOKBACK_DAYS = 365
SURVEILLANCE_STATUSES = ("flag", "watch", "ok", "no_reference")


@dataclass(frozen=True)
class SurveillanceResult:
    """The decline check of one monitored measure (DOMAIN.md section 6).

    ``status``: "flag" (two consecutive flagged results: a case flag for a person to look
    at), "watch" (the latest result is flagged, the one before is not), "ok", or
    "no_reference" (no pre-injury baseline and too few results for the athlete's own band).
    ``records`` hold every result since the case entered surveillance, oldest first, with the
    rule that fired; ``explanation`` is the plain-language reason.
    """

    measure: str
    label: str  # e.g. "Nordic force (right)"
    limb: str | None
    unit: str
    status: str
    explanation: str
    baseline_values: tuple[float, ...]
    records: tuple[DeclineRecord, ...]
    flag: CaseFlag | None = None

    @property
    def latest(self) -> DeclineRecord | None:
        return self.records[-1] if self.records else None

    def to_dict(self) -> dict:
        return {
            "measure": self.measure,
            "label": self.label,
            "limb": self.limb,
            "unit": self.unit,
            "status": self.status,
            "explanation": self.explanation,
            "baseline_values": list(self.baseline_values),
            "results": [
                {
                    "when": r.when.isoformat(),
                    "value": r.value,
                    "flagged": r.flagged,
                    "reasons": list(r.reasons),
                }
                for r in self.records
            ],
        }


@dataclass(frozen=True)
class CaseReadiness:
    case_id: int
    phase_ordinal: int
    phase_name: str
    evaluation: PhaseEvaluation
    signals: tuple[Signal, ...]
    surveillance: tuple[SurveillanceResult, ...] = ()
    case_status: str = "open"  # "open" | "surveillance" | "closed"

    @property
    def surveillance_flags(self) -> tuple[SurveillanceResult, ...]:
        return tuple(r for r in self.surveillance if r.status == "flag")

    @property
    def met(self) -> int:
        return sum(1 for r in self.evaluation.results if r.status == "pass")

    @property
    def total(self) -> int:
        return len(self.evaluation.results)


def case_facts(session: Session, case: InjuryCase, as_of: datetime | None = None) -> CaseFacts:
    """Everything the clinical engine needs about one case, in three queries."""
    as_of = as_of or utcnow()
    measures = tuple(
        MeasurePoint(
            key=m.key,
            value=m.value,
            measured_at=m.measured_at,
            limb=m.limb or None,
            is_baseline=m.is_baseline,
            entry_id=m.entry_id,
            source=m.source,
        )
        for m in session.scalars(
            select(Measure)
            .where(
                Measure.athlete_id == case.athlete_id,
                Measure.status == "active",
                Measure.measured_at <= as_of,
            )
            .order_by(Measure.measured_at)
        )
        if m.case_id in (case.id, None) or m.is_baseline
    )
    checks, sessions = [], []
    for e in session.scalars(
        select(TimelineEntry).where(
            TimelineEntry.case_id == case.id,
            TimelineEntry.status == "active",
            TimelineEntry.kind.in_(("check", "session")),
            TimelineEntry.occurred_at <= as_of,
        )
    ):
        if e.kind == "check":
            checks.append(
                CheckPoint(
                    check=e.data.get("check", ""),
                    passed=bool(e.data.get("passed")),
                    recorded_at=e.occurred_at,
                    entry_id=e.id,
                )
            )
        else:
            sessions.append(
                SessionPoint(
                    day=e.occurred_at.date(),
                    session_type=e.data.get("session_type", "other"),
                    minutes=float(e.data.get("minutes") or 0),
                    srpe=e.data.get("srpe"),
                    full_training=bool(e.data.get("full_training")),
                    entry_id=e.id,
                )
            )
    decision = session.scalar(
        select(RtpDecision.decision)
        .where(RtpDecision.case_id == case.id, RtpDecision.decided_at <= as_of)
        .order_by(RtpDecision.decided_at.desc())
        .limit(1)
    )
    return CaseFacts(
        injured_side=case.side,
        injury_date=case.injury_date,
        as_of=as_of,
        measures=measures,
        checks=tuple(checks),
        sessions=tuple(sessions),
        decision=decision,
    )


def evaluate_case(
    session: Session, actor: Actor, case_id: int, as_of: datetime | None = None
) -> CaseReadiness:
    """The exit criteria of the current phase and the step-back/pause suggestions."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    catalogue = load_catalogue()
    protocol = protocol_from_dict(
        case.protocol.definition, origin=case.protocol.key, catalogue=catalogue
    )
    phase = protocol.phase(case.current_phase.key)
    facts = case_facts(session, case, as_of)
    evaluation = evaluate_phase(phase, facts, catalogue, build_index(facts, catalogue))
    signals = tuple(step_back_signals(facts, protocol.pain_limit, facts.as_of))
    watch = (
        surveillance_checks(facts, case.phase_entered_at, catalogue)
        if case.status == "surveillance"
        else ()
    )
    return CaseReadiness(
        case.id,
        case.current_phase.ordinal,
        case.current_phase.name,
        evaluation,
        signals,
        watch,
        case.status,
    )


def surveillance_checks(
    facts: CaseFacts, since: datetime, catalogue: Catalogue
) -> tuple[SurveillanceResult, ...]:
    """Decline checks of the monitored measures for results measured from *since* on.

    Baseline: every result flagged baseline dated before the injury day and within
    :data:`BASELINE_LOOKBACK_DAYS` before it (the repeated pre-injury tests; DOMAIN.md
    section 2). Rules (:func:`casemgr.clinical.surveillance.decline_flags`): worse than the
    baseline mean by more than 2 x typical error with >= 3 baseline results, else by more
    than 5% (convention); or below the athlete's own band (mean - 2 SD of >= 5 earlier
    surveillance results). Two consecutive flagged results raise a flag.
    """
    zone = facts.tzinfo
    earliest = facts.injury_date - timedelta(days=BASELINE_LOOKBACK_DAYS)
    out = []
    for key in SURVEILLANCE_MEASURES:
        spec = catalogue.get(key)
        limb = facts.injured_side if spec.per_limb else None
        points = [p for p in facts.measures if p.key == key and p.limb == limb]
        results = [(p.measured_at, p.value) for p in points if p.measured_at >= since]
        if not results:
            continue
        baseline = tuple(
            p.value
            for p in sorted(points, key=lambda p: p.measured_at)
            if p.is_baseline
            and earliest <= p.measured_at.astimezone(zone).date() < facts.injury_date
        )
        label = f"{spec.label} ({limb})" if limb else spec.label
        records = tuple(decline_flags(baseline, results, spec.higher_is_better, measure=label))
        flag = case_flag(records)
        status, text = _surveillance_status(records, flag, baseline, spec)
        out.append(
            SurveillanceResult(
                measure=key,
                label=label,
                limb=limb,
                unit=spec.display_unit,
                status=status,
                explanation=text,
                baseline_values=baseline,
                records=records,
                flag=flag,
            )
        )
    return tuple(out)


def _fine(spec: CatalogueMeasure, value: float) -> str:
    """A limit or band edge at one more decimal than results (0.7 reps, 0.06 m/s)."""
    return replace(spec, decimals=spec.decimals + 1).format(value)


def _describe(r: DeclineRecord, spec: CatalogueMeasure) -> str:
    """Why one result is flagged, in the measure's unit."""
    worse = "below" if spec.higher_is_better else "above"
    parts = []
    if r.baseline_flag and r.baseline_mean is not None and r.baseline_limit is not None:
        gap = abs(r.value - r.baseline_mean)
        if r.baseline_rule == "typical_error":
            parts.append(
                f"{spec.format(r.value)} is {_fine(spec, gap)} {worse} the baseline mean "
                f"{spec.format(r.baseline_mean)} (more than 2 x TE = "
                f"{_fine(spec, r.baseline_limit)})"
            )
        else:
            parts.append(
                f"{spec.format(r.value)} is {gap / abs(r.baseline_mean) * 100:.1f}% {worse} the "
                f"baseline {spec.format(r.baseline_mean)} (more than "
                f"{r.baseline_limit:g}%, convention)"
            )
    if r.band_flag and r.band_limit is not None:
        parts.append(
            f"{spec.format(r.value)} is {worse} the athlete's own band "
            f"({_fine(spec, r.band_limit)}: mean {'-' if spec.higher_is_better else '+'} 2 SD "
            "of the earlier results)"
        )
    return "; ".join(parts)


def _surveillance_status(
    records: tuple[DeclineRecord, ...],
    flag: CaseFlag | None,
    baseline: tuple[float, ...],
    spec: CatalogueMeasure,
) -> tuple[str, str]:
    latest = records[-1]
    if flag is not None:
        text = (
            f"Two consecutive flagged results ({flag.first.when:%Y-%m-%d} and "
            f"{flag.second.when:%Y-%m-%d}): {_describe(flag.second, spec)}"
        )
        if not flag.current:
            text += (
                f"; the latest result ({spec.format(latest.value)}, {latest.when:%Y-%m-%d}) "
                "is not flagged"
            )
        return "flag", text
    when = f"{latest.when:%Y-%m-%d}"
    if latest.flagged:
        return "watch", (
            f"Latest result ({when}) flagged: {_describe(latest, spec)}; one more flagged "
            "result in a row raises a flag"
        )
    if latest.baseline_rule is None and latest.band_limit is None:
        return "no_reference", (
            f"Latest {spec.format(latest.value)} ({when}) cannot be judged: no pre-injury "
            f"baseline, and the athlete's own band needs 5 earlier results ({len(records) - 1} "
            "so far)"
        )
    parts = []
    if latest.baseline_rule == "typical_error" and latest.baseline_mean is not None:
        parts.append(
            f"baseline mean {spec.format(latest.baseline_mean)} of {len(baseline)} tests, "
            f"allowed worsening 2 x TE = {_fine(spec, latest.baseline_limit or 0.0)}"
        )
    elif latest.baseline_rule == "percent" and latest.baseline_mean is not None:
        tests = f"{len(baseline)} test{'s' if len(baseline) != 1 else ''}"
        parts.append(
            f"baseline {spec.format(latest.baseline_mean)} ({tests}), allowed worsening 5% "
            "(convention)"
        )
    if latest.band_limit is not None:
        edge = "low" if spec.higher_is_better else "high"
        parts.append(f"own band {edge} edge {_fine(spec, latest.band_limit)}")
    return "ok", f"Latest {spec.format(latest.value)} ({when}): no decline ({'; '.join(parts)})"
