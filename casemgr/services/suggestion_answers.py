"""Which step-back/pause suggestions a person has answered (the read side).

A suggestion is answered when a person acted on it after its triggering entries: a step
back, a recorded pause or "seen, continue" (``casemgr.services.suggestions`` writes them).
The answer covers the reports behind the suggestions it names, as (measure, entry id)
pairs: a suggestion whose reports are all covered is answered and never raised again;
one with a new report is a new suggestion. An answer whose timeline entry was voided no
longer counts (the suggestion is open again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.clinic_days import local_day
from casemgr.clinical.signals import Signal, key_units
from casemgr.db.models import SuggestionAnswer, TimelineEntry, User
from casemgr.permissions import ROLE_LABELS, Role
from casemgr.services.dto import SuggestionAnswerInfo
from casemgr.services.settings import clinic_zone

ANSWER_LABELS = {"step_back": "stepped back", "pause": "paused", "continue": "seen, continue"}


@dataclass(frozen=True)
class AnsweredSignal:
    """A suggestion and the answer that covers it."""

    signal: Signal
    answer: SuggestionAnswerInfo

    def to_dict(self) -> dict:
        return {**self.signal.to_dict(), "answered": self.answer.to_dict()}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def load_answers(
    session: Session, case_ids: Sequence[int], as_of: datetime, tz: tzinfo | None = None
) -> dict[int, tuple[SuggestionAnswerInfo, ...]]:
    """The answers given up to *as_of* for each case, oldest first (one query; *tz* is the
    clinic's zone, read from the settings when not given)."""
    out: dict[int, list[SuggestionAnswerInfo]] = {i: [] for i in case_ids}
    if not case_ids:
        return {}
    rows = session.execute(
        select(SuggestionAnswer, User.display_name, User.role, TimelineEntry.data)
        .join(User, User.id == SuggestionAnswer.answered_by_id)
        .join(TimelineEntry, TimelineEntry.id == SuggestionAnswer.entry_id)
        .where(
            SuggestionAnswer.case_id.in_(list(case_ids)),
            SuggestionAnswer.answered_at <= as_of,
            TimelineEntry.status != "voided",
        )
        .order_by(SuggestionAnswer.answered_at, SuggestionAnswer.id)
    )
    tz = tz or clinic_zone(session)
    for a, name, role, data in rows:
        out.setdefault(a.case_id, []).append(answer_info(a, name, role, tz, data))
    return {case_id: tuple(items) for case_id, items in out.items()}


def answer_info(
    a: SuggestionAnswer, name: str, role: str, tz: tzinfo, data: dict | None = None
) -> SuggestionAnswerInfo:
    """The DTO of an answer; *tz* is the clinic's zone (the day a pause ends), *data* the
    answering entry's data (the suggestions as the person saw them)."""
    seen = (data or {}).get("suggestion_answer") or {}
    pairs = tuple(zip(seen.get("keys") or (), seen.get("suggestions") or (), strict=False))
    try:
        role_label = ROLE_LABELS[Role(role)]
    except ValueError:
        role_label = role
    return SuggestionAnswerInfo(
        id=a.id,
        case_id=a.case_id,
        entry_id=a.entry_id,
        answer=a.answer,
        signal_keys=tuple(a.signal_keys or ()),
        triggered_by=tuple(int(i) for i in a.triggered_by or ()),
        reason=a.reason,
        pause_until=_aware(a.pause_until),
        answered_at=_aware(a.answered_at) or a.answered_at,
        answered_by_name=name,
        answered_by_role=role_label,
        pause_until_day=local_day(a.pause_until, tz) if a.pause_until else None,
        suggestions=tuple((str(k), str(m)) for k, m in pairs),
    )


def split_answered(
    signals: Iterable[Signal], answers: Sequence[SuggestionAnswerInfo]
) -> tuple[tuple[Signal, ...], tuple[AnsweredSignal, ...]]:
    """(open suggestions, answered ones with their answer). A suggestion is answered when
    an answer names its key, or when answers cover every report behind it; the latest
    covering answer is shown."""
    covered: dict[tuple[str, int], SuggestionAnswerInfo] = {}
    by_key: dict[str, SuggestionAnswerInfo] = {}
    for a in answers:  # oldest first: the latest answer wins
        for key in a.signal_keys:
            by_key[key] = a
            for unit in key_units(key):
                covered[unit] = a
    still_open: list[Signal] = []
    answered: list[AnsweredSignal] = []
    for s in signals:
        found = by_key.get(s.key)
        if found is None and s.units and all(u in covered for u in s.units):
            found = max((covered[u] for u in s.units), key=lambda a: (a.answered_at, a.id))
        if found is None:
            still_open.append(s)
        else:
            answered.append(AnsweredSignal(_as_seen(s, found), found))
    return tuple(still_open), tuple(answered)


def _as_seen(s: Signal, a: SuggestionAnswerInfo) -> Signal:
    """The suggestion as the person saw it when answering (a step back to phase 1 turns a
    step-back suggestion into "pause and medical review"; the answer was to the former)."""
    for key, message in a.suggestions:
        if key == s.key or key_units(key) == s.units:
            kind = key.split(":", 1)[0]
            return replace(
                s, kind=kind, message=message, medical_review=s.medical_review and kind == s.kind
            )
    return s


def active_pause(
    answers: Sequence[SuggestionAnswerInfo], as_of: datetime
) -> SuggestionAnswerInfo | None:
    """The latest pause still running at *as_of* (its end after *as_of*), if any."""
    running = [
        a
        for a in answers
        if a.answer == "pause" and a.pause_until is not None and a.pause_until > as_of
    ]
    return max(running, key=lambda a: (a.answered_at, a.id)) if running else None


def describe_answer(a: SuggestionAnswerInfo, tz: tzinfo) -> str:
    """``"Answered by Test physio (Physiotherapist) on 2026-03-02 10:00: paused until
    2026-03-05 — reason"`` in the clinic's zone (CLI, reports)."""
    when = a.answered_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    how = ANSWER_LABELS.get(a.answer, a.answer)
    if a.answer == "pause" and a.pause_until is not None:
        how += f" until {local_day(a.pause_until, tz).isoformat()}"
    text = f"Answered by {a.answered_by_name} ({a.answered_by_role}) on {when}: {how}"
    return f"{text} — {a.reason}" if a.reason else text
