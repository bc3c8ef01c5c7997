"""Overrides stated, on screen: the decision and phase-move dialogs list the unmet required
criteria and keep the button disabled until the reason is written; the timeline and the
case review show the override afterwards, and the demo clinic has one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casemgr.db.models import RtpDecision, TimelineEntry
from casemgr.services import cases, timeline
from casemgr.services.dto import MeasureValue
from ui.case.case_workspace import CaseWorkspace
from ui.case.decision_dialog import DecisionDialog
from ui.case.timeline_model import COL_ENTRY
from ui.clinic.case_review import CaseReviewWindow
from ui.clinic.review_detail import detail_html
from ui.clinic.review_model import COL_PHASE, ROW_ROLE
from ui.platform import tasks

# the dialogs judge the criteria "now": the results are placed just before it, inside every
# window of the phase's criteria, so the test passes at any hour and in any zone
NOW = datetime.now(UTC)
VELOCITY_UNMET = "Max velocity ≥ 95% of baseline (93.7%)"


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


@pytest.fixture
def phase_four(clinic):
    """The clinic's case in phase 4 with a test battery 2 h ago: everything met except the
    sprint (9.37 m/s = 93.7% of the 10.00 m/s baseline)."""
    physio, scientist = clinic.actors["physio"], clinic.actors["scientist"]
    with clinic.session() as s:
        timeline.record_measures(
            s,
            scientist,
            clinic.case_id,
            [
                MeasureValue("max_velocity", 10.0),
                MeasureValue("nordic_force", 400, "left"),
                MeasureValue("nordic_force", 400, "right"),
                MeasureValue("iso_knee_flexion_90", 340, "left"),
                MeasureValue("iso_knee_flexion_90", 340, "right"),
            ],
            measured_at=NOW - timedelta(days=30),
            is_baseline=True,
        )
        for n in range(3):
            info = cases.get_case(s, physio, clinic.case_id)
            cases.move_phase(
                s,
                physio,
                clinic.case_id,
                info.version,
                "advance",
                "setup",
                occurred_at=NOW - timedelta(hours=30 - n),
                override_reason="set up for the test",
            )
    clinic.battery = battery(clinic, 9.37, NOW - timedelta(hours=2))
    return clinic


def battery(clinic, velocity: float, when: datetime):
    with clinic.session() as s:
        return timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
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


@pytest.fixture
def workspace(qtbot, clinic):
    def _open(role: str) -> CaseWorkspace:
        ws = CaseWorkspace(clinic.database, clinic.actors[role], clinic.case_id)
        qtbot.addWidget(ws)
        ws.show()
        qtbot.waitExposed(ws)
        return ws

    return _open


def shown_entries(ws: CaseWorkspace) -> list[str]:
    model = ws.timeline.model
    return [model.index(r, COL_ENTRY).data() for r in range(model.rowCount())]


def decisions_signed(clinic) -> tuple[int, int]:
    with clinic.session() as s:
        return (
            s.scalar(select(func.count(RtpDecision.id))),
            s.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "decision")),
        )


def test_the_decision_dialog_requires_the_reason_when_criteria_are_unmet(
    qtbot, phase_four, workspace
):
    ws = workspace("doctor")
    ws.decision_action.trigger()
    dialog = ws.dialog
    assert isinstance(dialog, DecisionDialog)
    assert dialog.unmet_label.isVisible()
    assert f"• {VELOCITY_UNMET}" in dialog.unmet_label.text()

    dialog.choice_buttons["cleared"].click()
    dialog.confirm_check.setChecked(True)
    assert dialog.override_edit.isVisible()
    assert not dialog.sign_button.isEnabled()
    assert dialog.sign_button.toolTip() == (
        "Exit criteria are unmet: write the reason for clearing anyway."
    )
    # "not cleared" overrides nothing: no reason asked
    dialog.choice_buttons["not_cleared"].click()
    assert not dialog.override_edit.isVisible() and dialog.sign_button.isEnabled()
    dialog.choice_buttons["cleared"].click()
    assert not dialog.sign_button.isEnabled()

    qtbot.keyClicks(dialog.override_edit, "Final of the season; shared decision")
    assert dialog.sign_button.isEnabled()
    dialog.sign_button.click()

    assert not dialog.isVisible()
    assert shown_entries(ws)[0] == (
        f"Return-to-play decision: Cleared with 1 exit criterion unmet: {VELOCITY_UNMET}; "
        "decided in phase 4 of 7 — override reason: Final of the season; shared decision"
    )
    assert (
        ws.statusBar()
        .currentMessage()
        .startswith(f"Decision signed: Cleared with 1 exit criterion unmet: {VELOCITY_UNMET}")
    )


def test_the_decision_dialog_asks_when_the_service_finds_criteria_unmet(
    qtbot, phase_four, workspace
):
    """Opened without an evaluation (as if it had not finished), the dialog learns of the
    unmet criteria from the refusal: nothing is signed until the reason is written."""
    with phase_four.session() as s:
        info = cases.get_case(s, phase_four.actors["doctor"], phase_four.case_id)
    dialog = DecisionDialog(phase_four.database, phase_four.actors["doctor"], info, None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.unmet_label.isVisible()
    dialog.choice_buttons["cleared"].click()
    dialog.confirm_check.setChecked(True)
    assert dialog.sign_button.isEnabled()

    assert not dialog.submit()

    assert decisions_signed(phase_four) == (0, 0)
    assert dialog.error_label.text().startswith(
        f"1 required exit criterion is unmet: {VELOCITY_UNMET}"
    )
    assert dialog.override_edit.isVisible() and not dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.override_edit, "Shared decision with the athlete")
    assert dialog.submit()
    assert decisions_signed(phase_four) == (1, 1)


def test_an_overridden_advance_reads_so_on_the_timeline(qtbot, phase_four, workspace):
    ws = workspace("physio")
    ws.advance_action.trigger()
    dialog = ws.dialog
    assert "Not met: Max velocity ≥ 95% of baseline" in dialog.unmet_label.text()
    qtbot.keyClicks(dialog.reason_edit, "Wet track on the test day; GPS peak 9.6 m/s")
    assert not dialog.move_button.isEnabled()
    dialog.override_check.setChecked(True)
    dialog.move_button.click()

    assert "Phase 5/7" in ws.header.text()
    assert shown_entries(ws)[0] == (
        "Advanced to phase 5: Return to full sprinting (override: 1 exit criterion unmet) — "
        f"unmet: {VELOCITY_UNMET} — Wet track on the test day; GPS peak 9.6 m/s"
    )


def test_an_advance_that_became_unmet_meanwhile_asks_for_the_override(qtbot, phase_four, workspace):
    """The dialog opened when every criterion was met; a colleague then voided the good
    sprint. The service judges again, refuses, and the dialog asks for the override."""
    good = battery(phase_four, 9.70, NOW - timedelta(hours=1))
    ws = workspace("physio")
    ws.advance_action.trigger()
    dialog = ws.dialog
    assert dialog.ready and not dialog.override_check.isVisible()
    with phase_four.session() as s:
        timeline.void_entry(
            s, phase_four.actors["scientist"], good.id, good.version, "wrong athlete"
        )
    qtbot.keyClicks(dialog.reason_edit, "Criteria met")
    dialog.move_button.click()

    assert dialog.isVisible() and "Phase 4/7" in ws.header.text()
    assert dialog.error_label.text().startswith("1 required exit criterion is unmet:")
    assert f"• {VELOCITY_UNMET}" in dialog.unmet_label.text()
    assert dialog.override_check.isVisible() and not dialog.move_button.isEnabled()
    dialog.override_check.setChecked(True)
    dialog.move_button.click()
    assert not dialog.isVisible() and "Phase 5/7" in ws.header.text()


def test_the_case_review_shows_the_override_in_the_row_and_the_detail(qtbot, phase_four):
    physio = phase_four.actors["physio"]
    with phase_four.session() as s:
        info = cases.get_case(s, physio, phase_four.case_id)
        cases.move_phase(
            s,
            physio,
            phase_four.case_id,
            info.version,
            "advance",
            "Relay selection",
            override_reason="Wet track on the test day",
        )
    window = CaseReviewWindow(phase_four.database, phase_four.actors["coach"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    index = window.proxy.index(0, COL_PHASE)
    assert index.data() == "5/7 Return to full sprinting · override"
    row = index.data(ROW_ROLE)
    # the three setup moves state their own overrides; the last one is the relay
    assert row.overrides[-1].startswith(
        "Advanced to phase 5: Return to full sprinting (override: 1 exit criterion unmet): "
        f"{VELOCITY_UNMET}; reason: Wet track on the test day (Test physio, "
    )
    html = detail_html(row)
    assert "Overrides: moved or cleared with criteria unmet" in html
    assert "Wet track on the test day" in html


def test_the_demo_clinic_shows_a_stated_override(qtbot, tmp_path):
    from casemgr.db.models import User
    from casemgr.db.open import open_database
    from casemgr.demo import create_demo_database
    from casemgr.permissions import Actor

    path = tmp_path / "demo.sqlite3"
    create_demo_database(str(path))
    database = open_database(f"sqlite:///{path}")
    try:
        with database.session() as s:
            user = s.scalar(select(User).where(User.username == "doctor"))
            actor = Actor(user.id, user.username, user.role, user.display_name)
        window = CaseReviewWindow(database, actor)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
        rows = [window.proxy.index(r, 0).data(ROW_ROLE) for r in range(window.proxy.rowCount())]
        stated = {r.case.athlete_name: r.overrides for r in rows if r.overrides}
        (line,) = stated["José Núñez"]
        assert line.startswith(
            "Advanced to phase 2: Controlled sprint mechanics (override: 1 exit criterion "
            "unmet): Pain-free 5 min bike (clinician check) (no data); reason: Exercise bike "
            "out of service this week"
        )
    finally:
        database.dispose()
