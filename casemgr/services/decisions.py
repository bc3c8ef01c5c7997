"""Return-to-play decisions: recorded and signed by a doctor, never changed afterwards.

After StARRT (Shrier 2015) and the Bern consensus (Ardern 2016): the decision is shared,
the doctor records it. Values: cleared, cleared with restrictions, not cleared.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.db.base import utcnow
from casemgr.db.models import RtpDecision, TimelineEntry, User
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case, require
from casemgr.services.dto import DecisionInfo
from casemgr.text import clean_text
from casemgr.vocab import DECISION_LABELS


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
) -> DecisionInfo:
    """A doctor's decision, signed with a fingerprint of its content and the audit head."""
    case = load_case(session, actor, case_id, Action.RECORD_DECISION)
    if decision not in DECISION_LABELS:
        raise ValidationError(f"The decision is one of: {', '.join(DECISION_LABELS.values())}.")
    restrictions = clean_text(restrictions, "Restrictions", max_len=20_000).strip()
    plan = clean_text(monitoring_plan, "Monitoring plan", max_len=20_000).strip()
    if decision == "cleared_with_restrictions" and not restrictions:
        raise ValidationError("Cleared with restrictions: write the restrictions.")
    when = decided_at or utcnow()
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
    }
    print_ = fingerprint(payload)
    entry = TimelineEntry(
        case_id=case.id,
        kind="decision",
        occurred_at=when,
        author_id=actor.user_id,
        discipline=str(actor.role),
        title=f"Return-to-play decision: {DECISION_LABELS[decision]}",
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
        reason=decision,
    )
    return _info(row, actor.display_name or actor.username)


def _info(row: RtpDecision, doctor_name: str) -> DecisionInfo:
    return DecisionInfo(
        id=row.id,
        case_id=row.case_id,
        decision=row.decision,
        restrictions=row.restrictions,
        monitoring_plan=row.monitoring_plan,
        decided_at=row.decided_at,
        doctor_name=doctor_name,
        fingerprint=row.fingerprint,
    )


def list_decisions(session: Session, actor: Actor, case_id: int) -> list[DecisionInfo]:
    require(session, actor, Action.VIEW_CLINICAL, entity_type="case", entity_id=case_id)
    rows = session.execute(
        select(RtpDecision, User.display_name)
        .join(User, RtpDecision.doctor_id == User.id)
        .where(RtpDecision.case_id == case_id)
        .order_by(RtpDecision.decided_at)
    )
    return [_info(r, name) for r, name in rows]
