"""Readiness of a case's current phase: the clinical engine fed from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.readiness import PhaseEvaluation, build_index, evaluate_phase
from casemgr.clinical.signals import Signal, step_back_signals
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, RtpDecision, TimelineEntry
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case


@dataclass(frozen=True)
class CaseReadiness:
    case_id: int
    phase_ordinal: int
    phase_name: str
    evaluation: PhaseEvaluation
    signals: tuple[Signal, ...]

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
    return CaseReadiness(
        case.id, case.current_phase.ordinal, case.current_phase.name, evaluation, signals
    )
