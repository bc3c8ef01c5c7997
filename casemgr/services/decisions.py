"""Return-to-play decisions: recorded and signed by a doctor, never changed afterwards.

After StARRT (Shrier 2015) and the Bern consensus (Ardern 2016): the decision is shared,
the doctor records it. Values: cleared, cleared with restrictions, not cleared.

Clearing while required exit criteria of the current phase are unmet is the doctor's call
but never silent: the criteria are evaluated at ``decided_at``, an override reason is
required, and the unmet list (with the values of that moment), the reason and the phase go
into the signed, fingerprinted record ("Cleared with 1 exit criterion unmet: ...").
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.overrides import (
    DECISION_KINDS,
    decision_title,
    final_phase_ordinal,
    stated_phase,
    unmet_from_data,
)
from casemgr.db.base import utcnow
from casemgr.db.models import RtpDecision, TimelineEntry, User
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import overrides
from casemgr.services.base import load_case, require
from casemgr.services.dto import DecisionInfo
from casemgr.text import clean_text
from casemgr.vocab import DECISION_LABELS

#: Decisions that clear the athlete: they state the exit criteria left unmet.
CLEARING = ("cleared", "cleared_with_restrictions")


def fingerprint(payload: dict) -> str:
    """SHA-256 over canonical JSON: the integrity fingerprint printed with a signature."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_decision(
    session: Session,
    actor: Actor,
    case_id: int,
    decision: str,
    *,
    restrictions: str = "",
    monitoring_plan: str = "",
    decided_at: datetime | None = None,
    override_reason: str = "",
) -> DecisionInfo:
    """A doctor's decision, signed with a fingerprint of its content and the audit head.

    Clearing ("cleared", "cleared with restrictions") while required exit criteria of the
    current phase (the decision itself aside) are unmet as of *decided_at* needs
    *override_reason*; else ``OverrideRequired`` (a ValidationError) and nothing is written.
    """
    case = load_case(session, actor, case_id, Action.RECORD_DECISION)
    if decision not in DECISION_LABELS:
        raise ValidationError(f"The decision is one of: {', '.join(DECISION_LABELS.values())}.")
    restrictions = clean_text(restrictions, "Restrictions", max_len=20_000).strip()
    plan = clean_text(monitoring_plan, "Monitoring plan", max_len=20_000).strip()
    if decision == "cleared_with_restrictions" and not restrictions:
        raise ValidationError("Cleared with restrictions: write the restrictions.")
    when = decided_at or utcnow()
    unmet: tuple = ()
    if decision in CLEARING:
        unmet = overrides.unmet_at(session, actor, case, when, skip_kinds=DECISION_KINDS)
    why = overrides.override_reason(unmet, override_reason, "clearing")
    protocol = overrides.case_protocol(case)
    ordinal, count = case.current_phase.ordinal, len(protocol.phases)
    final = final_phase_ordinal([[c.kind for c in p.criteria] for p in protocol.phases])
    _, head_hash = audit.head(session)
    payload = {
        "case_id": case.id,
        "athlete_id": case.athlete_id,
        "decision": decision,
        "restrictions": restrictions,
        "monitoring_plan": plan,
        "decided_at": when.isoformat(),
        "doctor": actor.username,
        "audit_head": head_hash,
        "phase": {
            "ordinal": ordinal,
            "count": count,
            "key": case.current_phase.key,
            "name": case.current_phase.name,
            "final": ordinal >= final or decision not in CLEARING,
        },
        "unmet": [u.to_dict() for u in unmet],
        "override": bool(unmet),
        "override_reason": why,
    }
    print_ = fingerprint(payload)
    entry = TimelineEntry(
        case_id=case.id,
        kind="decision",
        occurred_at=when,
        author_id=actor.user_id,
        discipline=str(actor.role),
        title=decision_title(DECISION_LABELS[decision], unmet, stated_phase(payload)),
        body=restrictions,
        data={**payload, "fingerprint": print_},
        status="active",
    )
    session.add(entry)
    session.flush()
    row = RtpDecision(
        case_id=case.id,
        entry_id=entry.id,
        decision=decision,
        restrictions=restrictions,
        monitoring_plan=plan,
        decided_at=when,
        doctor_id=actor.user_id,
        fingerprint=print_,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "decision.sign",
        entity_type="decision",
        entity_id=row.id,
        athlete_id=case.athlete_id,
        reason=f"{decision}; override: {why}"[:500] if unmet else decision,
    )
    return _info(row, actor.display_name or actor.username, entry.data)


def _info(row: RtpDecision, doctor_name: str, data: dict | None) -> DecisionInfo:
    stated = stated_phase(data)
    return DecisionInfo(
        id=row.id,
        case_id=row.case_id,
        decision=row.decision,
        restrictions=row.restrictions,
        monitoring_plan=row.monitoring_plan,
        decided_at=row.decided_at,
        doctor_name=doctor_name,
        fingerprint=row.fingerprint,
        unmet=unmet_from_data(data),
        override_reason=str((data or {}).get("override_reason") or ""),
        phase_stated=stated,
    )


def list_decisions(session: Session, actor: Actor, case_id: int) -> list[DecisionInfo]:
    require(session, actor, Action.VIEW_CLINICAL, entity_type="case", entity_id=case_id)
    rows = session.execute(
        select(RtpDecision, User.display_name, TimelineEntry.data)
        .join(User, RtpDecision.doctor_id == User.id)
        .outerjoin(TimelineEntry, RtpDecision.entry_id == TimelineEntry.id)
        .where(RtpDecision.case_id == case_id)
        .order_by(RtpDecision.decided_at)
    )
    return [_info(r, name, data) for r, name, data in rows]
