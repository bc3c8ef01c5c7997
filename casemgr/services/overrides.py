"""Overrides stated, the service side: which required exit criteria of the case's current
phase are unmet at the moment of a phase advance or a decision, and the reason that must
come with them (see :mod:`casemgr.clinical.overrides` for the wording and the sources).

The criteria are evaluated here, at the moment of the record (``as_of`` = its time), never
taken from the screen that asked: the screen may be minutes or days old.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.overrides import (
    UnmetCriterion,
    measure_keys,
    refusal_text,
    unmet_of,
)
from casemgr.clinical.protocols import Protocol, protocol_from_dict
from casemgr.db.models import InjuryCase
from casemgr.errors import ValidationError
from casemgr.permissions import Actor
from casemgr.services import readiness
from casemgr.text import clean_text


class OverrideRequired(ValidationError):
    """Required exit criteria are unmet and no override reason was given."""

    def __init__(self, message: str, unmet: Sequence[UnmetCriterion]) -> None:
        super().__init__(message)
        self.unmet = tuple(unmet)


def unmet_at(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    when: datetime,
    *,
    skip_kinds: Sequence[str] = (),
) -> tuple[UnmetCriterion, ...]:
    """The required exit criteria of *case*'s current phase not met as of *when*."""
    evaluated = readiness.evaluate_case(session, actor, case.id, as_of=when)
    catalogue = load_catalogue()
    phase = case_protocol(case).phase(case.current_phase.key)
    return unmet_of(evaluated.evaluation, catalogue, measure_keys(phase), skip_kinds=skip_kinds)


def case_protocol(case: InjuryCase) -> Protocol:
    """The case's protocol version as the clinical engine reads it."""
    return protocol_from_dict(
        case.protocol.definition, origin=case.protocol.key, catalogue=load_catalogue()
    )


def override_reason(unmet: Sequence[UnmetCriterion], reason: str, doing: str) -> str:
    """The cleaned override reason; refuses (writing nothing) when criteria are unmet and
    no reason is given. ``""`` when nothing is unmet (there is nothing to override)."""
    text = clean_text(reason or "", "Override reason", max_len=5000).strip()
    if not unmet:
        return ""
    if not text:
        raise OverrideRequired(refusal_text(unmet, doing), unmet)
    return text


def override_data(unmet: Sequence[UnmetCriterion], reason: str) -> dict:
    """What a record's ``data`` keeps of an override (``{}`` when nothing was unmet)."""
    if not unmet:
        return {}
    return {"override": True, "unmet": [u.to_dict() for u in unmet], "override_reason": reason}
