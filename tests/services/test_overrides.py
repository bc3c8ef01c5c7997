"""Overrides stated, as a clinic lives the case: a physiotherapist advances a phase or a
doctor clears an athlete while required exit criteria are unmet. The app asks why, keeps
the unmet criteria of that moment with the record, and later data never rewrite it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.readiness import evaluate_phase
from casemgr.db.models import AuditEvent, InjuryCase, RtpDecision, TimelineEntry
from casemgr.errors import ValidationError
from casemgr.services import cases, decisions, readiness, report_data, timeline
from casemgr.services.cases import CaseInput
from casemgr.services.dto import MeasureValue
from casemgr.services.overrides import OverrideRequired
from casemgr.services.timeline import TimelineFilter
from reports.build import render_document

DAY1 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning; the clinic's days are UTC
VELOCITY_UNMET = "Max velocity ≥ 95% of baseline (93.7%)"


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """*hour*:*minute* on day *day* (day 1 = 2026-03-02)."""
    return DAY1 + timedelta(days=day - 1, hours=hour - 8, minutes=minute)


def new_case(clinic, phase: int = 1) -> int:
    """A right hamstring case injured on 2026-02-20 with pre-injury baselines, moved up to
    *phase* before day 1 (the team's setup moves state their own override)."""
    physio, scientist = clinic.actors["physio"], clinic.actors["scientist"]
    with clinic.session() as s:
        case = cases.open_case(
            s,
            physio,
            clinic.athlete_id,
            CaseInput("hamstring", "right", "biceps_femoris_long_head", date(2026, 2, 20)),
        )
        timeline.record_measures(
            s,
            scientist,
            case.id,
            [
                MeasureValue("max_velocity", 10.0),
                MeasureValue("nordic_force", 400, "left"),
                MeasureValue("nordic_force", 400, "right"),
                MeasureValue("iso_knee_flexion_90", 340, "left"),
                MeasureValue("iso_knee_flexion_90", 340, "right"),
            ],
            measured_at=datetime(2026, 2, 10, 9, tzinfo=UTC),
            is_baseline=True,
        )
    for n in range(1, phase):
        move(clinic, case.id, at(0, 9 + n), "setup", override_reason="set up for the test")
    return case.id


def move(clinic, case_id: int, when: datetime, reason: str, **kw):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, case_id)
        return cases.move_phase(
            s, physio, case_id, info.version, "advance", reason, occurred_at=when, **kw
        )


def phase_four_tests(clinic, case_id: int, when: datetime, velocity: float) -> None:
    """A test battery: sprint, Nordic and isometric strength of both legs, H-test."""
    with clinic.session() as s:
        timeline.record_measures(
            s,
            clinic.actors["scientist"],
            case_id,
            [
                MeasureValue("max_velocity", velocity),
                MeasureValue("nordic_force", 400, "left"),
                MeasureValue("nordic_force", 384, "right"),
                MeasureValue("iso_knee_flexion_90", 340, "left"),
                MeasureValue("iso_knee_flexion_90", 330, "right"),
                MeasureValue("h_test", 4),
            ],
            measured_at=when,
        )


def counts(clinic, case_id: int) -> tuple[int, int, int, int]:
    """Phase ordinal, timeline entries, audit events, signed decisions."""
    with clinic.session() as s:
        case = s.get(InjuryCase, case_id)
        return (
            case.current_phase.ordinal,
            s.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.case_id == case_id)),
            s.scalar(select(func.count(AuditEvent.id))),
            s.scalar(select(func.count(RtpDecision.id))),
        )


def phase_changes(clinic, case_id: int):
    """The phase moves in the order they were recorded (the case is opened at the real
    time, after the fixed clock of the moves)."""
    with clinic.session() as s:
        items = timeline.list_entries(
            s, clinic.actors["coach"], case_id, TimelineFilter(kinds=("phase_change",))
        ).items
    return sorted(items, key=lambda e: e.id)


# -- advancing ------------------------------------------------------------------------------


def test_an_advance_with_every_criterion_met_asks_for_no_override(clinic):
    case_id = new_case(clinic)
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        for day in (-2, -1, 0, 1):
            timeline.add_feedback(s, physio, case_id, {"pain": 1}, occurred_at=at(day, 7))
        for check in ("pain_free_single_leg_squat", "pain_free_bike_5min"):
            timeline.record_check(s, physio, case_id, check, True, occurred_at=at(1, 9))
        timeline.record_measures(
            s,
            physio,
            case_id,
            [
                MeasureValue("iso_knee_flexion_90", 330, "left"),
                MeasureValue("iso_knee_flexion_90", 280, "right"),
            ],
            measured_at=at(1, 9, 30),
        )

    moved = move(clinic, case_id, at(1, 12), "Pain-free for 4 days, checks met")

    assert moved.phase.ordinal == 2
    change = phase_changes(clinic, case_id)[-1]
    assert change.title == "Advanced to phase 2: Controlled sprint mechanics"
    assert change.body == "Pain-free for 4 days, checks met"
    assert "override" not in change.data and "unmet" not in change.data


def test_an_advance_with_an_unmet_criterion_needs_a_reason_and_writes_nothing_without(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)  # 93.7% of 10.00 m/s
    before = counts(clinic, case_id)

    with pytest.raises(OverrideRequired) as refused:
        move(clinic, case_id, at(2, 9), "Sprint looked good on video")

    assert str(refused.value) == (
        f"1 required exit criterion is unmet: {VELOCITY_UNMET}; give the reason for "
        "advancing anyway."
    )
    assert isinstance(refused.value, ValidationError)
    assert counts(clinic, case_id) == before  # same phase, no entry, no audit event


def test_an_overridden_advance_keeps_what_was_unmet_then_whatever_comes_later(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)

    moved = move(
        clinic,
        case_id,
        at(2, 9),
        "Selection for the relay",
        override_reason="Velocity 93.7% on a wet track; GPS peak 9.6 m/s in training",
    )

    assert moved.phase.ordinal == 5
    change = phase_changes(clinic, case_id)[-1]
    assert change.title == (
        "Advanced to phase 5: Return to full sprinting (override: 1 exit criterion unmet)"
    )
    assert change.body == "Selection for the relay"
    assert change.data["override"] is True
    assert change.data["override_reason"] == (
        "Velocity 93.7% on a wet track; GPS peak 9.6 m/s in training"
    )
    assert change.data["unmet"] == [
        {
            "key": "velocity_95",
            "label": "Max velocity ≥ 95% of baseline",
            "status": "fail",
            "value_text": "93.7%",
        }
    ]
    with clinic.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.advance")).all()[-1]
    assert event.reason.startswith("override (1 exit criterion unmet): Velocity 93.7%")

    # three days later the athlete sprints at 98%: phase 4's criteria would now be met...
    phase_four_tests(clinic, case_id, at(5, 15), velocity=9.80)
    with clinic.session() as s:
        case = s.get(InjuryCase, case_id)
        catalogue = load_catalogue()
        protocol = protocol_from_dict(case.protocol.definition, catalogue=catalogue)
        facts = readiness.case_facts(s, case, at(5, 16))
        later = evaluate_phase(protocol.phase("high_speed"), facts, catalogue)
    assert later.verdict == "ready"
    # ...but the record still says what was unmet when the team advanced
    again = phase_changes(clinic, case_id)[-1]
    assert again.data["unmet"][0]["value_text"] == "93.7%"
    assert again.title.endswith("(override: 1 exit criterion unmet)")


def test_the_criteria_are_judged_at_the_moment_of_the_move_not_today(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)
    phase_four_tests(clinic, case_id, at(3, 15), velocity=9.70)  # 97%: met from day 3 on

    # recorded afterwards for a move made on day 2: the data of day 2 decide
    with pytest.raises(OverrideRequired, match="93.7%"):
        move(clinic, case_id, at(2, 9), "catching up the records")
    moved = move(clinic, case_id, at(3, 16), "All criteria met")
    assert moved.phase.ordinal == 5
    assert "override" not in phase_changes(clinic, case_id)[-1].data


def test_missing_data_are_named_as_such(clinic):
    case_id = new_case(clinic, phase=4)
    with pytest.raises(OverrideRequired) as refused:
        move(clinic, case_id, at(1, 9), "team decision")
    assert str(refused.value).startswith("4 required exit criteria are unmet: ")
    assert "Max velocity ≥ 95% of baseline (no data)" in str(refused.value)
    assert [u.status for u in refused.value.unmet] == ["missing"] * 4


def test_stepping_back_never_asks_for_an_override(clinic):
    case_id = new_case(clinic, phase=3)
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, case_id)
        back = cases.move_phase(
            s, physio, case_id, info.version, "step_back", "Pain 4/10", occurred_at=at(1, 9)
        )
    assert back.phase.ordinal == 2
    assert "override" not in phase_changes(clinic, case_id)[-1].data


# -- deciding -------------------------------------------------------------------------------


def decide(clinic, case_id: int, decision: str, when: datetime, **kw):
    with clinic.session() as s:
        return decisions.record_decision(
            s, clinic.actors["doctor"], case_id, decision, decided_at=when, **kw
        )


def test_clearing_with_an_unmet_criterion_needs_the_doctors_reason(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)
    before = counts(clinic, case_id)

    with pytest.raises(OverrideRequired) as refused:
        decide(clinic, case_id, "cleared", at(2, 14))
    assert str(refused.value) == (
        f"1 required exit criterion is unmet: {VELOCITY_UNMET}; give the reason for "
        "clearing anyway."
    )
    assert counts(clinic, case_id) == before  # no decision, no entry, no audit event

    signed = decide(
        clinic,
        case_id,
        "cleared",
        at(2, 14),
        monitoring_plan="Sprint test weekly",
        override_reason="Final of the season; shared decision with athlete and coach",
    )

    assert signed.text == (
        f"Cleared with 1 exit criterion unmet: {VELOCITY_UNMET}; decided in phase 4 of 7"
    )
    assert signed.override_reason == "Final of the season; shared decision with athlete and coach"
    assert [u.text for u in signed.unmet] == [VELOCITY_UNMET]
    with clinic.session() as s:
        (listed,) = decisions.list_decisions(s, clinic.actors["coach"], case_id)
        entry = s.scalars(
            select(TimelineEntry).where(
                TimelineEntry.case_id == case_id, TimelineEntry.kind == "decision"
            )
        ).one()
    assert listed == signed
    assert entry.title == f"Return-to-play decision: {signed.text}"
    # the unmet list and the reason are part of what the fingerprint seals
    payload = {k: v for k, v in entry.data.items() if k != "fingerprint"}
    assert payload["unmet"][0]["value_text"] == "93.7%"
    assert payload["override_reason"].startswith("Final of the season")
    assert decisions.fingerprint(payload) == signed.fingerprint


def test_a_decision_in_the_final_phase_reads_without_the_phase(clinic):
    case_id = new_case(clinic, phase=6)
    # no full training logged in phase 6 yet
    with pytest.raises(OverrideRequired, match="give the reason for clearing anyway"):
        decide(clinic, case_id, "cleared_with_restrictions", at(1, 14), restrictions="No matches")
    signed = decide(
        clinic,
        case_id,
        "cleared_with_restrictions",
        at(1, 14),
        restrictions="No matches",
        override_reason="Trains with the team from Monday",
    )
    assert signed.text == (
        "Cleared with restrictions, with 1 exit criterion unmet: "
        "≥ 1 full training session logged (0 sessions)"
    )


def test_a_clearance_with_every_criterion_met_or_a_refusal_states_nothing(clinic):
    case_id = new_case(clinic, phase=6)
    with clinic.session() as s:
        timeline.add_session(
            s,
            clinic.actors["coach"],
            case_id,
            timeline.SessionInput("full_training", 90, srpe=6, full_training=True),
            occurred_at=at(1, 10),
        )
    refused = decide(clinic, case_id, "not_cleared", at(1, 12))
    cleared = decide(clinic, case_id, "cleared", at(2, 14))
    assert (refused.text, refused.unmet) == ("Not cleared", ())
    assert (cleared.text, cleared.unmet, cleared.override_reason) == ("Cleared", (), "")


def test_the_signed_rtp_report_states_the_override_in_its_decision_block(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)
    decide(
        clinic,
        case_id,
        "cleared",
        at(2, 14),
        override_reason="Shared decision: final of the season",
    )
    with clinic.session() as s:
        data = report_data.rtp_data(s, clinic.actors["doctor"], case_id, as_of=at(4))
    pdf = render_document(data, "a4")
    text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    decision_block = text[text.rindex("Return-to-play decision") :]
    assert f"Cleared with 1 exit criterion unmet: {VELOCITY_UNMET}; decided in phase 4 of 7" in (
        decision_block
    )
    assert "Override reason: Shared decision: final of the season" in decision_block
    # the milestones table says it too
    assert "Return-to-play decision" in text.split("Phase history")[0]


def test_the_rtp_phase_history_keeps_the_overridden_advance(clinic):
    case_id = new_case(clinic, phase=4)
    phase_four_tests(clinic, case_id, at(1, 15), velocity=9.37)
    move(clinic, case_id, at(2, 9), "Relay selection", override_reason="Wet track on day 1")
    with clinic.session() as s:
        data = report_data.rtp_data(s, clinic.actors["doctor"], case_id, as_of=at(4))
    (stint,) = [p for p in data.phases if p.ordinal == 5]
    assert [u.text for u in stint.unmet] == [VELOCITY_UNMET]
    assert stint.override_reason == "Wet track on day 1"
    pdf = render_document(data, "a4")
    text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    history = text[text.index("Phase history") : text.index("Exit criteria of the final phases")]
    assert "override" in history and "1 exit criterion unmet" in history
    assert "Override reason: Wet track on day 1" in history


def test_a_long_list_keeps_the_title_within_its_column_and_the_count_exact():
    from casemgr.clinical.overrides import UnmetCriterion, decision_title, refusal_text

    unmet = [
        UnmetCriterion(f"c{n}", "A long criterion label " * 3, "missing", "no data")
        for n in range(5)
    ]
    title = decision_title("Cleared", unmet, (3, 7))
    assert title == (
        "Return-to-play decision: Cleared with 5 exit criteria unmet; decided in phase 3 of 7"
    )
    assert refusal_text(unmet[:2], "advancing").startswith("2 required exit criteria are unmet: ")
