"""Readiness of a case's current phase: the clinical engine fed from the database.

For a case in surveillance (status "surveillance") the evaluation also carries the decline
checks of DOMAIN.md section 6 for the monitored measures (:data:`SURVEILLANCE_MEASURES`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, or_, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from casemgr.clinical.catalogue import Catalogue, load_catalogue
from casemgr.clinical.catalogue import Measure as CatalogueMeasure
from casemgr.clinical.clinic_days import local_day, zone
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import Threshold, protocol_from_dict
from casemgr.clinical.readiness import PhaseEvaluation, build_index, evaluate_phase
from casemgr.clinical.signals import Signal, step_back_signals, thresholds
from casemgr.clinical.surveillance import CaseFlag, DeclineRecord, case_flag, decline_flags
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, RtpDecision, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case, require
from casemgr.services.dto import SuggestionAnswerInfo
from casemgr.services.settings import clinic_zone_name
from casemgr.services.suggestion_answers import (
    AnsweredSignal,
    active_pause,
    load_answers,
    split_answered,
)

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
    signals: tuple[Signal, ...]  # the open step-back/pause suggestions
    surveillance: tuple[SurveillanceResult, ...] = ()
    case_status: str = "open"  # "open" | "surveillance" | "closed"
    answered: tuple[AnsweredSignal, ...] = ()  # answered suggestions in the recent window
    pause: SuggestionAnswerInfo | None = None  # a recorded pause still running

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
    return _facts_of(session, [case], as_of or utcnow())[case.id]


def _facts_of(
    session: Session, case_list: Sequence[InjuryCase], as_of: datetime
) -> dict[int, CaseFacts]:
    """The facts of several cases in three queries (whatever their number): the
    measures (the case's own, the athlete's not tied to a case, and pre-injury baselines),
    the checks and sessions, and the latest decision. Only the columns used are read.
    Calendar days (a session's day) are the clinic's local days."""
    zone_name = clinic_zone_name(session)
    tz = zone(zone_name)
    ids = [c.id for c in case_list]
    measures: dict[int, list[MeasurePoint]] = {i: [] for i in ids}
    checks: dict[int, list[CheckPoint]] = {i: [] for i in ids}
    sessions: dict[int, list[SessionPoint]] = {i: [] for i in ids}
    phase_entries: dict[int, list[tuple[str, datetime]]] = {i: [] for i in ids}
    decisions: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                InjuryCase.id,
                Measure.key,
                Measure.value,
                # naive UTC, made aware below once per distinct moment (a test battery or a
                # day's feedback shares one), not once per row
                type_coerce(Measure.measured_at, DateTime()),
                Measure.limb,
                Measure.is_baseline,
                Measure.entry_id,
                Measure.source,
            )
            .join(InjuryCase, InjuryCase.athlete_id == Measure.athlete_id)
            .where(
                InjuryCase.id.in_(chunk),
                Measure.status == "active",
                Measure.measured_at <= as_of,
                or_(
                    Measure.case_id == InjuryCase.id,
                    Measure.case_id.is_(None),
                    Measure.is_baseline.is_(True),
                ),
            )
            .order_by(InjuryCase.id, Measure.measured_at, Measure.id)
        )
        point, moments = MeasurePoint, {}
        for case_id, key, value, naive, limb, is_baseline, entry_id, source in rows:
            measured_at = moments.get(naive)
            if measured_at is None:
                measured_at = moments[naive] = naive.replace(tzinfo=UTC)
            measures[case_id].append(
                point(key, value, measured_at, limb or None, is_baseline, entry_id, source)
            )
        for entry_id, case_id, kind, occurred_at, data in session.execute(
            select(
                TimelineEntry.id,
                TimelineEntry.case_id,
                TimelineEntry.kind,
                TimelineEntry.occurred_at,
                TimelineEntry.data,
            )
            .where(
                TimelineEntry.case_id.in_(chunk),
                TimelineEntry.status == "active",
                TimelineEntry.kind.in_(("check", "session", "phase_change")),
                TimelineEntry.occurred_at <= as_of,
            )
            .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        ):
            if kind == "phase_change":
                if data.get("to"):  # entries into a phase (a close has none)
                    phase_entries[case_id].append((data["to"], occurred_at))
            elif kind == "check":
                checks[case_id].append(
                    CheckPoint(
                        check=data.get("check", ""),
                        passed=bool(data.get("passed")),
                        recorded_at=occurred_at,
                        entry_id=entry_id,
                    )
                )
            else:
                sessions[case_id].append(
                    SessionPoint(
                        day=local_day(occurred_at, tz),
                        session_type=data.get("session_type", "other"),
                        minutes=float(data.get("minutes") or 0),
                        srpe=data.get("srpe"),
                        full_training=bool(data.get("full_training")),
                        entry_id=entry_id,
                        occurred_at=occurred_at,
                    )
                )
        for case_id, decision in session.execute(
            select(RtpDecision.case_id, RtpDecision.decision)
            .where(RtpDecision.case_id.in_(chunk), RtpDecision.decided_at <= as_of)
            .order_by(RtpDecision.decided_at)
        ):
            decisions[case_id] = decision  # the latest wins
    return {
        c.id: CaseFacts(
            injured_side=c.side,
            injury_date=c.injury_date,
            as_of=as_of,
            measures=tuple(measures[c.id]),
            checks=tuple(checks[c.id]),
            sessions=tuple(sessions[c.id]),
            decision=decisions.get(c.id),
            timezone=zone_name,
            muscle=c.muscle,
            phase_entered_at=c.phase_entered_at,
            phase_entries=tuple(phase_entries[c.id]),
        )
        for c in case_list
    }


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def evaluate_case(
    session: Session, actor: Actor, case_id: int, as_of: datetime | None = None
) -> CaseReadiness:
    """The exit criteria of the current phase and the step-back/pause suggestions."""
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    facts = case_facts(session, case, as_of)
    answers = load_answers(session, [case.id], facts.as_of, facts.tzinfo).get(case.id, ())
    return _evaluate(case, facts, load_catalogue(), {}, answers)


def evaluate_cases(
    session: Session, actor: Actor, case_ids: Sequence[int], as_of: datetime | None = None
) -> dict[int, CaseReadiness]:
    """:func:`evaluate_case` for many cases (the case list's readiness at a glance) in a
    constant number of queries. Cases that do not exist are left out."""
    require(session, actor, Action.VIEW_CLINICAL, entity_type="case")
    as_of = as_of or utcnow()
    case_list: list[InjuryCase] = []
    for chunk in _chunks(list(case_ids)):
        case_list += session.scalars(
            select(InjuryCase)
            .where(InjuryCase.id.in_(chunk))
            .options(joinedload(InjuryCase.protocol), joinedload(InjuryCase.current_phase))
        ).all()
    order = {case_id: n for n, case_id in enumerate(case_ids)}
    case_list.sort(key=lambda c: order[c.id])
    facts = _facts_of(session, case_list, as_of)
    catalogue, protocols = load_catalogue(), {}
    tz = next(iter(facts.values())).tzinfo if facts else None
    answers = load_answers(session, [c.id for c in case_list], as_of, tz)
    return {
        c.id: _evaluate(c, facts[c.id], catalogue, protocols, answers.get(c.id, ()))
        for c in case_list
    }


def _evaluate(
    case: InjuryCase,
    facts: CaseFacts,
    catalogue: Catalogue,
    protocols: dict,
    answers: Sequence[SuggestionAnswerInfo] = (),
) -> CaseReadiness:
    protocol = protocols.get(case.protocol_id)
    if protocol is None:
        protocol = protocols[case.protocol_id] = protocol_from_dict(
            case.protocol.definition, origin=case.protocol.key, catalogue=catalogue
        )
    phase = protocol.phase(case.current_phase.key)
    evaluation = evaluate_phase(phase, facts, catalogue, build_index(facts, catalogue))
    signals, answered = split_answered(
        step_back_signals(
            facts, protocol.signals, facts.as_of, phase_ordinal=case.current_phase.ordinal
        ),
        answers,
    )
    watch = (
        surveillance_checks(facts, case.phase_entered_at, catalogue, protocol.signals)
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
        answered,
        active_pause(answers, facts.as_of),
    )


def surveillance_checks(
    facts: CaseFacts,
    since: datetime,
    catalogue: Catalogue,
    limits: Mapping[str, Threshold] | None = None,
) -> tuple[SurveillanceResult, ...]:
    """Decline checks of the monitored measures for results measured from *since* on.

    Baseline: every result flagged baseline dated before the injury day and within
    :data:`BASELINE_LOOKBACK_DAYS` before it (the repeated pre-injury tests; DOMAIN.md
    section 2). Rules (:func:`casemgr.clinical.surveillance.decline_flags`): worse than the
    baseline mean, with >= 3 baseline results, by more than both k x typical error (the SD
    of the baseline results, never below the catalogue's published reliability; Hopkins
    2000) and the catalogue's smallest worthwhile change, else by more than 5%
    (convention); or below the athlete's own band (mean - 2 SD of >= 5 earlier
    surveillance results). Two consecutive flagged results raise a flag. k, the
    percentage and the band are the protocol's thresholds (*limits*).
    """
    t = thresholds(limits)
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
        records = tuple(
            decline_flags(
                baseline,
                results,
                spec.higher_is_better,
                measure=label,
                te_multiplier=t["surveillance_te_multiple"].value,
                pct_limit=t["surveillance_pct"].value,
                band_sd=t["surveillance_band_sd"].value,
                band_min_results=int(t["surveillance_band_results"].value),
                reliability=spec.reliability,
                swc=spec.swc,
                unit=spec.unit,
            )
        )
        flag = case_flag(records)
        status, text = _surveillance_status(records, flag, baseline, spec, t)
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


def _g(threshold: Threshold) -> str:
    return f"{threshold.value:g}"


def _fine(spec: CatalogueMeasure, value: float) -> str:
    """A limit or band edge at one more decimal than results (0.7 reps, 0.06 m/s)."""
    return replace(spec, decimals=spec.decimals + 1).format(value)


def _te_words(r: DeclineRecord, spec: CatalogueMeasure) -> str:
    """The typical-error limit with its numbers: k x TE, TE and its floor, the SWC."""
    if r.te_limit is None:
        return ""
    return r.te_limit.text(lambda v: _fine(spec, v), spec.unit)


def _describe(r: DeclineRecord, spec: CatalogueMeasure, t: Mapping[str, Threshold]) -> str:
    """Why one result is flagged, in the measure's unit."""
    worse = "below" if spec.higher_is_better else "above"
    parts = []
    if r.baseline_flag and r.baseline_mean is not None and r.baseline_limit is not None:
        gap = abs(r.value - r.baseline_mean)
        if r.te_limit is not None:
            parts.append(
                f"{spec.format(r.value)} is {_fine(spec, gap)} {worse} the baseline mean "
                f"{spec.format(r.baseline_mean)} (more than {_te_words(r, spec)})"
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
            f"({_fine(spec, r.band_limit)}: mean {'-' if spec.higher_is_better else '+'} "
            f"{_g(t['surveillance_band_sd'])} SD of the earlier results)"
        )
    return "; ".join(parts)


def _surveillance_status(
    records: tuple[DeclineRecord, ...],
    flag: CaseFlag | None,
    baseline: tuple[float, ...],
    spec: CatalogueMeasure,
    t: Mapping[str, Threshold],
) -> tuple[str, str]:
    latest = records[-1]
    if flag is not None:
        text = (
            f"Two consecutive flagged results ({flag.first.when:%Y-%m-%d} and "
            f"{flag.second.when:%Y-%m-%d}): {_describe(flag.second, spec, t)}"
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
            f"Latest result ({when}) flagged: {_describe(latest, spec, t)}; one more flagged "
            "result in a row raises a flag"
        )
    if latest.baseline_rule is None and latest.band_limit is None:
        return "no_reference", (
            f"Latest {spec.format(latest.value)} ({when}) cannot be judged: no pre-injury "
            f"baseline, and the athlete's own band needs "
            f"{_g(t['surveillance_band_results'])} earlier results ({len(records) - 1} so far)"
        )
    parts = []
    if latest.te_limit is not None and latest.baseline_mean is not None:
        parts.append(
            f"baseline mean {spec.format(latest.baseline_mean)} of {len(baseline)} tests, "
            f"allowed worsening {_te_words(latest, spec)}"
        )
    elif latest.baseline_rule == "percent" and latest.baseline_mean is not None:
        tests = f"{len(baseline)} test{'s' if len(baseline) != 1 else ''}"
        parts.append(
            f"baseline {spec.format(latest.baseline_mean)} ({tests}), allowed worsening "
            f"{_g(t['surveillance_pct'])}% (convention)"
        )
    if latest.band_limit is not None:
        edge = "low" if spec.higher_is_better else "high"
        parts.append(f"own band {edge} edge {_fine(spec, latest.band_limit)}")
    return "ok", f"Latest {spec.format(latest.value)} ({when}): no decline ({'; '.join(parts)})"
