"""Answering step-back and pause suggestions: a step back, a recorded pause, or "seen,
continue" with a reason (the app suggests; a person decides, and both are recorded).

An answer names the keys of the open suggestions it answers (``Signal.key``); it is
written once (``SuggestionAnswer``) with a timeline entry that records it: the phase
change of a step back, or a note for a pause or a "seen, continue". The roles that may
move phases (doctor, physiotherapist) answer; every answer is audited. Unknown or
already-answered keys, a missing reason or a pause that ends before it starts are refused
with a clear message, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.clinic_days import day_start, local_day
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.signals import Signal, step_back_signals
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, SuggestionAnswer, TimelineEntry, User
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import load_case
from casemgr.services.dto import SuggestionAnswerInfo
from casemgr.services.readiness import case_facts
from casemgr.services.settings import clinic_zone
from casemgr.services.suggestion_answers import answer_info, load_answers, split_answered
from casemgr.text import clean_text

_FUTURE_SLACK = timedelta(minutes=5)  # clock drift between workstations


def open_suggestions(session: Session, case: InjuryCase, when: datetime) -> tuple[Signal, ...]:
    """The case's open step-back/pause suggestions at *when* (no permission check: the
    caller has loaded the case for an action)."""
    facts = case_facts(session, case, when)
    protocol = protocol_from_dict(
        case.protocol.definition, origin=case.protocol.key, catalogue=load_catalogue()
    )
    signals = step_back_signals(
        facts, protocol.signals, when, phase_ordinal=case.current_phase.ordinal
    )
    answers = load_answers(session, [case.id], when).get(case.id, ())
    return split_answered(signals, answers)[0]


def record_pause(
    session: Session,
    actor: Actor,
    case_id: int,
    signal_keys: Sequence[str],
    reason: str,
    until: date | datetime,
    *,
    occurred_at: datetime | None = None,
) -> SuggestionAnswerInfo:
    """Pause progression until *until* (a clinic day: the pause ends as that day starts;
    or a moment), answering the suggestions *signal_keys*; the reason is required."""
    case, when, text, chosen = _prepare(session, actor, case_id, signal_keys, reason, occurred_at)
    end = day_start(until, clinic_zone(session)) if not isinstance(until, datetime) else until
    if end.tzinfo is None:
        raise ValidationError("The end of the pause needs a time zone.")
    if end <= when:
        raise ValidationError(
            f"The pause must end after it starts: {_day(session, end)} is not after "
            f"{_day(session, when)}."
        )
    title = f"Progression paused until {_day(session, end)}: {_first_line(text)}"
    return _write(session, actor, case, when, "pause", chosen, text, title, end)


def continue_after(
    session: Session,
    actor: Actor,
    case_id: int,
    signal_keys: Sequence[str],
    reason: str,
    *,
    occurred_at: datetime | None = None,
) -> SuggestionAnswerInfo:
    """Seen, continue: the suggestions *signal_keys* were looked at and progression goes on;
    the reason is required."""
    case, when, text, chosen = _prepare(session, actor, case_id, signal_keys, reason, occurred_at)
    noun = "Suggestion" if len(chosen) == 1 else "Suggestions"
    title = f"{noun} seen, continue: {_first_line(text)}"
    return _write(session, actor, case, when, "continue", chosen, text, title, None)


def answer_by_step_back(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    entry: TimelineEntry,
    signals: Sequence[Signal],
    reason: str,
) -> SuggestionAnswerInfo | None:
    """Record that the step back *entry* answers every suggestion open before it."""
    if not signals:
        return None
    return _record(session, actor, case, entry, "step_back", signals, reason, None)


def answer_data(answer: str, signals: Sequence[Signal], **extra) -> dict:
    """What the answering timeline entry keeps under ``data["suggestion_answer"]``."""
    if not signals:
        return {}
    return {
        "suggestion_answer": {
            "answer": answer,
            "keys": [s.key for s in signals],
            "entries": sorted({i for s in signals for i in s.triggered_by}),
            "suggestions": [s.message for s in signals],
            **extra,
        }
    }


# -- helpers ---------------------------------------------------------------------------------


def _prepare(
    session: Session,
    actor: Actor,
    case_id: int,
    signal_keys: Sequence[str],
    reason: str,
    occurred_at: datetime | None,
) -> tuple[InjuryCase, datetime, str, list[Signal]]:
    """Check everything before anything is written."""
    case = load_case(session, actor, case_id, Action.MOVE_PHASE)
    if case.status == "closed":
        raise ValidationError("This case is closed.")
    text = clean_text(reason, "Reason", max_len=5000).strip()
    if not text:
        raise ValidationError("Say why: the reason is part of the record.")
    when = occurred_at or utcnow()
    if when.tzinfo is None:
        raise ValidationError("The time of the answer needs a time zone.")
    if when > utcnow() + _FUTURE_SLACK:
        raise ValidationError("An answer cannot be dated in the future.")
    keys = list(dict.fromkeys(signal_keys))
    if not keys:
        raise ValidationError("Choose the suggestion(s) to answer.")
    still_open = {s.key: s for s in open_suggestions(session, case, when)}
    unknown = [k for k in keys if k not in still_open]
    if unknown:
        raise ValidationError(
            f"No open suggestion {', '.join(unknown)} on this case: it was answered already "
            "or its reports changed; reload the case."
        )
    return case, when, text, [still_open[k] for k in keys]


def _write(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    when: datetime,
    answer: str,
    chosen: list[Signal],
    reason: str,
    title: str,
    until: datetime | None,
) -> SuggestionAnswerInfo:
    extra = {"reason": reason}
    if until is not None:
        extra["pause_until"] = until.isoformat()
    entry = TimelineEntry(
        case_id=case.id,
        kind="note",
        occurred_at=when,
        author_id=actor.user_id,
        discipline=str(actor.role),
        title=title,
        body=reason,
        data=answer_data(answer, chosen, **extra),
        status="active",
    )
    session.add(entry)
    session.flush()
    return _record(session, actor, case, entry, answer, chosen, reason, until)


def _record(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    entry: TimelineEntry,
    answer: str,
    signals: Sequence[Signal],
    reason: str,
    until: datetime | None,
) -> SuggestionAnswerInfo:
    row = SuggestionAnswer(
        case_id=case.id,
        entry_id=entry.id,
        answer=answer,
        signal_keys=[s.key for s in signals],
        triggered_by=sorted({i for s in signals for i in s.triggered_by}),
        reason=reason,
        pause_until=until,
        answered_at=entry.occurred_at,
        answered_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"suggestion.{answer}",
        entity_type="case",
        entity_id=case.id,
        athlete_id=case.athlete_id,
        reason=f"{', '.join(row.signal_keys)}: {reason}"[:500],
    )
    user = session.get(User, actor.user_id)
    name = user.display_name if user else actor.username
    return answer_info(row, name, str(actor.role), clinic_zone(session), entry.data)


def _day(session: Session, moment: datetime) -> str:
    return local_day(moment, clinic_zone(session)).isoformat()


def _first_line(text: str, limit: int = 120) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
