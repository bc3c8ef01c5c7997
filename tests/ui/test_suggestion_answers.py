"""Answering a step-back/pause suggestion from the criteria panel, as a physio would: select
it, "Seen, continue…" or "Pause…" with a reason, and the panel shows it answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from casemgr.services import cases, timeline
from casemgr.services.timeline import TimelineFilter
from ui.case.case_workspace import TAB_CRITERIA, CaseWorkspace
from ui.case.suggestion_dialog import SuggestionAnswerDialog
from ui.case.timeline_model import COL_ENTRY
from ui.platform import tasks

NOW = datetime.now(UTC)  # the workspace evaluates "now": reports are placed just before it


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


@pytest.fixture
def workspace(qtbot, clinic):
    def _open(role: str = "physio") -> CaseWorkspace:
        ws = CaseWorkspace(clinic.database, clinic.actors[role], clinic.case_id)
        qtbot.addWidget(ws)
        ws.show()
        qtbot.waitExposed(ws)
        ws.tabs.setCurrentIndex(TAB_CRITERIA)
        return ws

    return _open


def pain_in_phase_two(clinic, pain: float = 5) -> None:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, clinic.case_id)
        cases.move_phase(
            s,
            physio,
            clinic.case_id,
            info.version,
            "advance",
            "team review",
            occurred_at=NOW - timedelta(hours=3),
            override_reason="criteria reviewed in the team meeting",
        )
        timeline.add_feedback(
            s, physio, clinic.case_id, {"pain": pain}, occurred_at=NOW - timedelta(hours=2)
        )


def select_first_suggestion(ws: CaseWorkspace) -> None:
    ws.criteria.signals_list.setCurrentRow(0)


def test_seen_continue_with_a_reason_answers_the_suggestion(qtbot, clinic, workspace):
    pain_in_phase_two(clinic)
    ws = workspace("physio")
    panel = ws.criteria
    (text,) = panel.suggestion_texts()
    assert text.startswith("⚠ Step back: Pain 5/10") and "Source: Hickey et al. 2020" in text
    assert not panel.continue_button.isEnabled()  # nothing chosen yet
    assert panel.continue_button.toolTip() == "Select an open suggestion first"

    select_first_suggestion(ws)
    assert panel.continue_button.isEnabled() and panel.pause_button.isEnabled()
    qtbot.mouseClick(panel.continue_button, Qt.MouseButton.LeftButton)
    dialog = ws.dialog
    assert isinstance(dialog, SuggestionAnswerDialog)
    assert not dialog.until_edit.isVisible()
    assert not dialog.confirm_button.isEnabled()  # the reason is required
    qtbot.keyClicks(dialog.reason_edit, "Pain settled within the hour; strides felt normal")
    dialog.confirm_button.click()

    none_open, answered = panel.suggestion_texts()
    assert none_open == "No open step-back or pause suggestions."
    assert answered.startswith("✓ Answered: Step back: Pain 5/10")
    assert "Answered by Test physio on " in answered
    assert answered.endswith(": seen, continue — Pain settled within the hour; strides felt normal")
    ws.criteria.signals_list.setCurrentRow(1)  # an answered suggestion is not answered again
    assert not panel.continue_button.isEnabled()
    with clinic.session() as s:
        (note,) = timeline.list_entries(
            s, clinic.actors["coach"], clinic.case_id, TimelineFilter(kinds=("note",))
        ).items
    assert note.title.startswith("Suggestion seen, continue: Pain settled")
    # the timeline shows the answer and what it answered
    model = ws.timeline.model
    shown = [model.index(r, COL_ENTRY).data() for r in range(model.rowCount())]
    assert shown[0].startswith(
        "Suggestion seen, continue: Pain settled within the hour; strides felt normal — "
        "answers: Pain 5/10 on "
    )
    assert "suggest stepping back one phase. Source: Hickey et al. 2020" in shown[0]


def test_a_pause_shows_until_when_on_the_panel(qtbot, clinic, workspace):
    pain_in_phase_two(clinic, pain=4)
    ws = workspace("doctor")
    panel = ws.criteria
    assert not panel.pause_label.isVisible()
    select_first_suggestion(ws)
    panel.pause_button.click()
    dialog = ws.dialog
    assert dialog.until_edit.isVisible()
    until = dialog.until_edit.date().addDays(1)
    dialog.until_edit.setDate(until)
    qtbot.keyClicks(dialog.reason_edit, "Rest, medical review on Friday")
    dialog.confirm_button.click()
    day = until.toString("yyyy-MM-dd")
    assert panel.pause_label.isVisible()
    assert panel.pause_label.text() == (
        f"‖ Progression paused until {day} (Test doctor: Rest, medical review on Friday)"
    )
    _none_open, answered = panel.suggestion_texts()
    assert f": paused until {day} — Rest, medical review on Friday" in answered


def test_a_coach_sees_suggestions_but_cannot_answer_them(qtbot, clinic, workspace):
    pain_in_phase_two(clinic)
    ws = workspace("coach")
    select_first_suggestion(ws)
    for button in (ws.criteria.pause_button, ws.criteria.continue_button):
        assert not button.isEnabled()
        assert button.toolTip() == (
            "Your role (S&C coach) does not allow you to answer a suggestion."
        )
