"""Step-back and pause suggestions answered by people, as a clinic lives the case: reports
come in day after day, a physiotherapist steps back, pauses or carries on with a reason,
and the next evaluation knows what was answered, by whom and how."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casemgr.db.models import AuditEvent, SuggestionAnswer, TimelineEntry
from casemgr.errors import PermissionDenied, ValidationError
from casemgr.services import cases, readiness, suggestions, timeline
from casemgr.services.cases import CaseInput
from casemgr.services.timeline import TimelineFilter

DAY1 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning; the clinic's days are UTC


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """*hour*:*minute* on day *day* (day 1 = 2026-03-02)."""
    return DAY1 + timedelta(days=day - 1, hours=hour - 8, minutes=minute)


def new_case(clinic, phase: int = 1) -> int:
    """A left hamstring case injured on 2026-02-20, moved up to *phase* before day 1."""
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        case = cases.open_case(
            s,
            physio,
            clinic.athlete_id,
            CaseInput("hamstring", "left", "biceps_femoris_long_head", date(2026, 2, 20)),
        )
    for n in range(1, phase):
        with clinic.session() as s:
            info = cases.get_case(s, physio, case.id)
            cases.move_phase(
                s,
                physio,
                case.id,
                info.version,
                "advance",
                "team review",
                occurred_at=at(0, 9 + n),
                override_reason="criteria reviewed in the team meeting",
            )
    return case.id


def feedback(clinic, case_id: int, when: datetime, **values) -> int:
    with clinic.session() as s:
        return timeline.add_feedback(
            s, clinic.actors["scientist"], case_id, values, occurred_at=when
        ).id


def evaluate(clinic, case_id: int, when: datetime, role: str = "coach"):
    with clinic.session() as s:
        return readiness.evaluate_case(s, clinic.actors[role], case_id, as_of=when)


def step_back(clinic, case_id: int, when: datetime, reason: str) -> None:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, case_id)
        cases.move_phase(s, physio, case_id, info.version, "step_back", reason, occurred_at=when)


def counts(clinic) -> tuple[int, int, int]:
    with clinic.session() as s:
        return (
            s.scalar(select(func.count(SuggestionAnswer.id))),
            s.scalar(select(func.count(TimelineEntry.id))),
            s.scalar(select(func.count(AuditEvent.id))),
        )


def test_a_step_back_answers_the_pain_suggestion_and_new_pain_raises_a_new_one(clinic):
    case_id = new_case(clinic, phase=4)
    first = feedback(clinic, case_id, at(1), pain=4)

    morning = evaluate(clinic, case_id, at(1, 9))
    assert morning.phase_ordinal == 4
    (suggestion,) = morning.signals
    assert suggestion.kind == "step_back" and suggestion.key == f"step_back:pain:{first}"
    assert "suggest stepping back one phase" in suggestion.message
    assert "Source: Hickey et al. 2020" in suggestion.message

    step_back(clinic, case_id, at(1, 10), "Pain 4/10 after the near-maximal block")

    for when in (at(1, 11), at(4, 9)):  # the same day, and three days later
        later = evaluate(clinic, case_id, when)
        assert later.phase_ordinal == 3
        assert later.signals == ()  # not raised again: the team stepped back
        (answered,) = later.answered
        assert answered.signal.triggered_by == (first,)
        a = answered.answer
        assert (a.answer, a.answered_by_name, a.answered_by_role) == (
            "step_back",
            "Test physio",
            "Physiotherapist",
        )
        assert a.answered_at == at(1, 10) and a.reason == "Pain 4/10 after the near-maximal block"

    # a new pain report two days later is a new suggestion (phase 3 can still step back)
    second = feedback(clinic, case_id, at(3), pain=4)
    again = evaluate(clinic, case_id, at(3, 9))
    assert [s.key for s in again.signals] == [f"step_back:pain:{second}"]
    assert [x.signal.key for x in again.answered] == [f"step_back:pain:{first}"]

    # the step back is on the timeline with what it answered, and audited
    with clinic.session() as s:
        change = timeline.list_entries(
            s, clinic.actors["coach"], case_id, TimelineFilter(kinds=("phase_change",))
        ).items
        events = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("suggestion%")))
        assert list(events) == ["suggestion.step_back"]
    stepped = [e for e in change if e.data.get("direction") == "step_back"]
    assert stepped[0].data["suggestion_answer"]["keys"] == [f"step_back:pain:{first}"]


def test_a_step_back_without_a_suggestion_answers_nothing(clinic):
    case_id = new_case(clinic, phase=3)
    step_back(clinic, case_id, at(1, 10), "Coach reports poor mechanics")
    with clinic.session() as s:
        assert s.scalar(select(func.count(SuggestionAnswer.id))) == 0


def test_in_phase_one_pain_suggests_a_pause_and_a_medical_review(clinic):
    case_id = new_case(clinic, phase=1)
    feedback(clinic, case_id, at(1), pain=5)
    (s,) = evaluate(clinic, case_id, at(1, 9)).signals
    assert s.kind == "pause" and s.medical_review
    assert "no phase to step back to: suggest a pause and a medical review" in s.message
    # and the doctor can answer it with a pause
    with clinic.session() as session:
        answer = suggestions.record_pause(
            session,
            clinic.actors["doctor"],
            case_id,
            [s.key],
            "Medical review booked; MRI on Thursday",
            date(2026, 3, 5),
            occurred_at=at(1, 12),
        )
    assert answer.answer == "pause" and answer.answered_by_name == "Test doctor"
    assert evaluate(clinic, case_id, at(1, 13)).signals == ()


def test_soreness_seven_every_day_is_a_pause_and_a_recorded_pause_answers_it(clinic):
    case_id = new_case(clinic, phase=3)
    ids = [feedback(clinic, case_id, at(day), soreness=7) for day in (1, 2)]
    assert evaluate(clinic, case_id, at(2, 9)).signals == ()  # two days: not yet persistent
    ids.append(feedback(clinic, case_id, at(3), soreness=7))
    (s,) = evaluate(clinic, case_id, at(3, 9)).signals
    assert (s.kind, s.measure, s.rule, s.triggered_by) == (
        "pause",
        "soreness",
        "persistent",
        tuple(ids),
    )
    assert "not rising" in s.message and "Clinical convention" in s.message

    with clinic.session() as session:
        answer = suggestions.record_pause(
            session,
            clinic.actors["physio"],
            case_id,
            [s.key],
            "Soreness 7/10 three days running: hold the load\nReview on Friday",
            date(2026, 3, 6),
            occurred_at=at(3, 10),
        )
    assert answer.pause_until == datetime(2026, 3, 6, tzinfo=UTC)

    during = evaluate(clinic, case_id, at(4, 7))
    assert during.signals == ()
    assert during.pause is not None and during.pause.reason.startswith("Soreness 7/10")
    (answered,) = during.answered
    assert answered.answer.answer == "pause" and answered.signal.key == s.key

    with clinic.session() as session:
        (note,) = timeline.list_entries(
            session, clinic.actors["coach"], case_id, TimelineFilter(kinds=("note",))
        ).items
    assert note.title == (
        "Progression paused until 2026-03-06: Soreness 7/10 three days running: hold the load"
    )
    assert note.author_name == "Test physio"
    assert note.data["suggestion_answer"]["pause_until"] == "2026-03-06T00:00:00+00:00"
    assert note.data["suggestion_answer"]["suggestions"] == [s.message]

    # a fourth day of 7/10 is a new report: a new suggestion, while the pause still runs
    fourth = feedback(clinic, case_id, at(4), soreness=7)
    day4 = evaluate(clinic, case_id, at(4, 9))
    (new,) = day4.signals
    assert new.triggered_by == (*ids, fourth) and day4.pause is not None
    # the pause ends as its day starts
    assert evaluate(clinic, case_id, at(5, 0, 1)).pause is None


def test_seen_continue_needs_a_reason_and_then_answers_the_suggestion(clinic):
    case_id = new_case(clinic, phase=3)
    for day in (1, 2):
        feedback(clinic, case_id, at(day), tightness=4)
    (s,) = evaluate(clinic, case_id, at(2, 9)).signals
    before = counts(clinic)
    for reason in ("", "   \n "):
        with pytest.raises(ValidationError, match="reason"), clinic.session() as session:
            suggestions.continue_after(
                session, clinic.actors["physio"], case_id, [s.key], reason, occurred_at=at(2, 10)
            )
    assert counts(clinic) == before

    with clinic.session() as session:
        answer = suggestions.continue_after(
            session,
            clinic.actors["physio"],
            case_id,
            [s.key],
            "Tightness after travel; mobility fine",
            occurred_at=at(2, 10),
        )
    assert answer.answer == "continue" and answer.pause_until is None
    later = evaluate(clinic, case_id, at(2, 11))
    assert later.signals == () and later.pause is None
    assert later.answered[0].answer.reason == "Tightness after travel; mobility fine"
    with clinic.session() as session:
        (note,) = timeline.list_entries(
            session, clinic.actors["coach"], case_id, TimelineFilter(kinds=("note",))
        ).items
    assert note.title == "Suggestion seen, continue: Tightness after travel; mobility fine"

    # answering the same suggestion twice is refused, and writes nothing
    before = counts(clinic)
    with pytest.raises(ValidationError, match="answered already"), clinic.session() as session:
        suggestions.continue_after(
            session, clinic.actors["doctor"], case_id, [s.key], "again", occurred_at=at(2, 12)
        )
    assert counts(clinic) == before


def test_a_pause_ending_before_it_starts_is_refused_and_writes_nothing(clinic):
    case_id = new_case(clinic, phase=3)
    for day in (1, 2, 3):
        feedback(clinic, case_id, at(day), soreness=6)
    (s,) = evaluate(clinic, case_id, at(3, 9)).signals
    before = counts(clinic)
    for until in (date(2026, 3, 3), date(2026, 3, 4), at(3, 9)):
        with (
            pytest.raises(ValidationError, match="The pause must end after it starts"),
            clinic.session() as session,
        ):
            suggestions.record_pause(
                session,
                clinic.actors["physio"],
                case_id,
                [s.key],
                "hold",
                until,
                occurred_at=at(3, 10),
            )
    assert counts(clinic) == before
    assert [x.key for x in evaluate(clinic, case_id, at(3, 11)).signals] == [s.key]


def test_unknown_suggestions_are_refused(clinic):
    case_id = new_case(clinic, phase=3)
    feedback(clinic, case_id, at(1), pain=6)
    before = counts(clinic)
    for keys in ([], ["pause:soreness:999"]):
        with pytest.raises(ValidationError), clinic.session() as session:
            suggestions.continue_after(
                session, clinic.actors["physio"], case_id, keys, "fine", occurred_at=at(1, 10)
            )
    assert counts(clinic) == before


def test_a_coach_may_not_answer_a_suggestion_and_the_attempt_is_audited(clinic):
    case_id = new_case(clinic, phase=3)
    feedback(clinic, case_id, at(1), pain=6)
    (s,) = evaluate(clinic, case_id, at(1, 9)).signals
    answers_before = counts(clinic)[0]
    with pytest.raises(PermissionDenied, match="does not allow you"), clinic.session() as session:
        suggestions.continue_after(
            session, clinic.actors["coach"], case_id, [s.key], "looks fine", occurred_at=at(1, 10)
        )
    with clinic.session() as session:
        denied = session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == "denied", AuditEvent.username == "coach")
        ).all()
        assert session.scalar(select(func.count(SuggestionAnswer.id))) == answers_before
    assert [e.action for e in denied] == ["move_phase"]
    assert [x.key for x in evaluate(clinic, case_id, at(1, 11)).signals] == [s.key]


def test_voiding_the_note_of_an_answer_reopens_the_suggestion(clinic):
    case_id = new_case(clinic, phase=3)
    feedback(clinic, case_id, at(1), pain=6)
    (s,) = evaluate(clinic, case_id, at(1, 9)).signals
    with clinic.session() as session:
        answer = suggestions.continue_after(
            session, clinic.actors["physio"], case_id, [s.key], "wrong case", occurred_at=at(1, 10)
        )
    assert evaluate(clinic, case_id, at(1, 11)).signals == ()
    with clinic.session() as session:
        note = session.get(TimelineEntry, answer.entry_id)
        timeline.void_entry(
            session, clinic.actors["physio"], note.id, note.version, "Answered on the wrong case"
        )
    reopened = evaluate(clinic, case_id, at(1, 12))
    assert [x.key for x in reopened.signals] == [s.key] and reopened.answered == ()


def test_the_case_list_counts_only_open_suggestions(clinic):
    answered_case = new_case(clinic, phase=4)
    feedback(clinic, answered_case, at(1), pain=5)
    step_back(clinic, answered_case, at(1, 10), "pain")
    open_case = new_case(clinic, phase=4)
    feedback(clinic, open_case, at(1), pain=5)
    with clinic.session() as s:
        many = readiness.evaluate_cases(
            s, clinic.actors["coach"], [answered_case, open_case], as_of=at(1, 12)
        )
    assert len(many[answered_case].signals) == 0 and len(many[answered_case].answered) == 1
    assert len(many[open_case].signals) == 1 and many[open_case].answered == ()


def test_a_pause_until_a_day_ends_as_that_clinic_day_starts(clinic):
    from casemgr.services.settings import init_zone

    with clinic.session() as s:
        init_zone(s, "Australia/Sydney")  # UTC+11 in March (daylight saving)
    case_id = new_case(clinic, phase=3)
    feedback(clinic, case_id, at(1), pain=6)
    (s,) = evaluate(clinic, case_id, at(1, 9)).signals
    with clinic.session() as session:
        answer = suggestions.record_pause(
            session,
            clinic.actors["physio"],
            case_id,
            [s.key],
            "Rest two days",
            date(2026, 3, 6),
            occurred_at=at(1, 10),
        )
    assert answer.pause_until == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)
    assert evaluate(clinic, case_id, at(4, 12, 59)).pause is not None
    assert evaluate(clinic, case_id, at(4, 13)).pause is None
    with clinic.session() as session:
        (note,) = timeline.list_entries(
            session, clinic.actors["coach"], case_id, TimelineFilter(kinds=("note",))
        ).items
    assert note.title == "Progression paused until 2026-03-06: Rest two days"


def test_after_stepping_back_to_phase_one_the_answer_shows_what_was_suggested(clinic):
    case_id = new_case(clinic, phase=2)
    report = feedback(clinic, case_id, at(1), pain=5)
    step_back(clinic, case_id, at(1, 10), "Pain 5/10 after strides")
    later = evaluate(clinic, case_id, at(2, 9))
    assert later.phase_ordinal == 1 and later.signals == ()
    (answered,) = later.answered
    # in phase 1 the same report would read "pause and medical review"; the team answered
    # the step-back suggestion they saw
    assert answered.signal.kind == "step_back" and not answered.signal.medical_review
    assert answered.signal.key == f"step_back:pain:{report}"
    assert "suggest stepping back one phase" in answered.signal.message
    assert answered.answer.answer == "step_back"
