"""The case workspace, driven as a clinician would: open a case, write every kind of entry,
correct and withdraw entries, move phases, sign the return-to-play decision, idle lock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLabel

from casemgr.services import cases, decisions, planning, timeline
from casemgr.services.athletes import AthleteInput, create_athlete, update_athlete
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import TimelineFilter
from tests.conftest import TEST_PASSWORD
from ui.case.case_header import CaseHeader
from ui.case.case_workspace import TAB_CRITERIA, CaseWorkspace
from ui.case.criteria_panel import COL_STATUS, PhaseMoveDialog
from ui.case.decision_dialog import DecisionDialog
from ui.case.timeline_model import COL_ENTRY
from ui.case.timeline_model import COL_STATUS as TL_STATUS
from ui.clinic.main_window import MainWindow
from ui.forms.entry_dialogs import AmendDialog, VoidDialog
from ui.platform import tasks
from ui.platform.lock import LockScreen
from ui.platform.login_dialog import LoginDialog

TRICKY = "O'Brien <Jr> & Co"
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


@pytest.fixture
def workspace(qtbot, clinic):
    def _open(role: str = "physio", case_id: int | None = None) -> CaseWorkspace:
        ws = CaseWorkspace(clinic.database, clinic.actors[role], case_id or clinic.case_id)
        qtbot.addWidget(ws)
        ws.show()
        qtbot.waitExposed(ws)
        return ws

    return _open


def entries(clinic, role="physio", **filt):
    with clinic.session() as s:
        page = timeline.list_entries(
            s, clinic.actors[role], clinic.case_id, TimelineFilter(**filt), newest_first=True
        )
    return list(page.items)


def shown_entries(ws: CaseWorkspace) -> list[str]:
    model = ws.timeline.model
    return [model.index(r, COL_ENTRY).data() for r in range(model.rowCount())]


def save(ws: CaseWorkspace, kind: str):
    form = ws.entry_panel.show_kind(kind)
    return form


def click_save(qtbot, ws: CaseWorkspace) -> None:
    qtbot.mouseClick(ws.entry_panel.save_button, Qt.MouseButton.LeftButton)


def make_phase_one_ready(clinic) -> None:
    """Pain-free for 48 h, both clinician checks, isometric LSI well over 70%."""
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        for hours in (49, 25, 1):  # reports that cover the 48 h window, one each day
            timeline.add_feedback(
                s, physio, clinic.case_id, {"pain": 1}, occurred_at=NOW - timedelta(hours=hours)
            )
        timeline.record_check(s, physio, clinic.case_id, "pain_free_single_leg_squat", True)
        timeline.record_check(s, physio, clinic.case_id, "pain_free_bike_5min", True)
        timeline.record_measures(
            s,
            physio,
            clinic.case_id,
            [
                MeasureValue("iso_knee_flexion_90", 300, "left"),
                MeasureValue("iso_knee_flexion_90", 270, "right"),
            ],
        )


# -- log in, find, open --------------------------------------------------------------------


def test_log_in_find_the_athlete_and_open_the_case(qtbot, clinic):
    login = LoginDialog(clinic.database)
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    qtbot.keyClicks(login.username_edit, "physio")
    qtbot.keyClicks(login.password_edit, TEST_PASSWORD)
    qtbot.keyClick(login.password_edit, Qt.Key.Key_Return)
    assert login.actor is not None

    window = MainWindow(clinic.database, login.actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.search_edit, "sam")
    assert window.proxy.rowCount() == 1
    window.case_view.setFocus()
    window.case_view.setCurrentIndex(window.proxy.index(0, 0))
    with qtbot.waitSignal(window.workspace_opened) as opened:
        qtbot.keyClick(window.case_view, Qt.Key.Key_Return)
    ws = opened.args[0]
    assert window.workspaces == {clinic.case_id: ws} and ws.isVisible()
    header = ws.header.text()
    assert "Sam Carter" in header
    assert "Right hamstring · Biceps femoris (long head) · BAMIC 2b" in header
    assert "Phase 1/7 Protection & controlled loading" in header
    # a BAMIC 2b: Ekstrand's MRI grade 2 (22 +/- 11 days), not one figure for every grade
    assert "day 10 of an expected 11-33 days (Ekstrand 2012)" in header
    assert "Not ready: 0/4 criteria met" in header and "No open flags" in header
    assert ws.timeline.count_label.text() == "1 entry"
    assert shown_entries(ws)[0].startswith("Case opened in phase 1")
    assert ws.windowTitle().startswith("Sam Carter — Right hamstring")
    # opening it again brings the same window forward
    assert window.open_workspace(clinic.case_id) is ws
    readiness = window.model.index(0, 4).data()
    assert readiness == "0/4 criteria"


def test_several_cases_open_at_once_in_their_own_windows(qtbot, clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        other = create_athlete(s, physio, AthleteInput("李娜", sport="Athletics"))
        case = cases.open_case(
            s,
            physio,
            other.id,
            cases.CaseInput("calf", "left", "soleus", datetime.now(UTC).date() - timedelta(days=3)),
        )
    window = MainWindow(clinic.database, physio)
    qtbot.addWidget(window)
    first = window.open_workspace(clinic.case_id)
    second = window.open_workspace(case.id)
    assert first is not second and first.isVisible() and second.isVisible()
    assert second.header.name_label.text() == "李娜"
    assert "Left calf · Soleus" in second.header.text()
    with qtbot.waitSignal(second.closed):
        second.close_action.trigger()
    assert list(window.workspaces) == [clinic.case_id]


# -- every kind of entry -----------------------------------------------------------------


def test_add_each_kind_of_entry(qtbot, clinic, workspace):
    ws = workspace("physio")

    form = save(ws, "note")
    qtbot.keyClicks(form.title_edit, "Review")
    form.title_edit.setText(TRICKY)  # typed through an input method
    qtbot.keyClicks(form.body_edit, "Walks pain-free.")
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == f"{TRICKY} — Walks pain-free."
    assert ws.statusBar().currentMessage() == "Note saved."

    form = save(ws, "note")
    form.soap_radio.setChecked(True)
    qtbot.keyClicks(form.soap_edits["subjective"], "Tight after stairs")
    qtbot.keyClicks(form.soap_edits["plan"], "Isometrics daily")
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == "SOAP note — S: Tight after stairs P: Isometrics daily"

    form = save(ws, "feedback")
    qtbot.keyClicks(form.pain_spin, "3")
    form.soreness_spin.setValue(2)
    form.sleep_spin.setValue(7.5)
    qtbot.keyClicks(form.form_cues_edit, "tall posture")
    form.fatigue_check.setChecked(True)
    click_save(qtbot, ws)
    assert shown_entries(ws)[0].startswith("Daily feedback — pain 3, soreness 2, sleep hours 7.5")

    form = save(ws, "session")
    form.type_combo.setCurrentIndex(form.type_combo.findData("acceleration"))
    form.surface_combo.setCurrentIndex(form.surface_combo.findData("grass"))
    form.minutes_spin.setValue(40)
    form.srpe_spin.setValue(6)
    assert form.load_label.text() == "240 AU (sRPE × minutes)"
    qtbot.keyClicks(form.volume_edit, "600")
    form.intensity_spin.setValue(70)
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == (
        "Acceleration session, 40 min, sRPE 6 — Grass, 600 m, 70% of max velocity, load 240 AU"
    )

    form = save(ws, "measure")
    form.rows[0].set_key("nordic_force")
    qtbot.keyClicks(form.rows[0].left_edit, "301,5")
    qtbot.keyClicks(form.rows[0].right_edit, "250")
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == "Nordic force — Nordic force L 302 N, R 250 N"

    form = save(ws, "sprint")
    form.mass_spin.setValue(75)
    form.height_spin.setValue(1.75)
    qtbot.keyClicks(form.splits_edit, "5:1.5375, 10:2.3554, 20:3.7535, 30:5.0532, 40:6.3217")
    assert form.result_label.text().startswith("Max sprint speed 8.00 m/s · max acceleration 6.00")
    click_save(qtbot, ws)
    assert shown_entries(ws)[0].startswith("Timing-gate test — ")

    form = save(ws, "baseline")
    form.rows[0].set_key("iso_knee_flexion_90")
    qtbot.keyClicks(form.rows[0].left_edit, "320")
    qtbot.keyClicks(form.rows[0].right_edit, "318")
    click_save(qtbot, ws)
    assert shown_entries(ws)[-1].startswith("Baseline: Isometric knee flexion 90/90")

    form = save(ws, "target")
    qtbot.keyClicks(form.text_edit, "Bike 4 x 20 min pain-free")
    click_save(qtbot, ws)
    assert ws.statusBar().currentMessage().startswith("Target saved for the week of ")

    form = save(ws, "plan")
    form.type_combo.setCurrentIndex(form.type_combo.findData("tempo"))
    qtbot.keyClicks(form.description_edit, "6 x 100 m at 60%")
    click_save(qtbot, ws)

    form = save(ws, "check")
    assert form.check_combo.itemData(0) == "pain_free_single_leg_squat"
    qtbot.mouseClick(form.met_radio, Qt.MouseButton.LeftButton)
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == "Pain-free single-leg squat: met"

    form = save(ws, "flag")
    qtbot.keyClicks(form.text_edit, "Posterior thigh cramp")
    click_save(qtbot, ws)
    assert "1 open flag: Posterior thigh cramp" in ws.header.text()

    form = save(ws, "sign_off")
    qtbot.keyClicks(form.text_edit, "Phase 1 programme complete")
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == "Sign-off — Phase 1 programme complete"

    # what the database holds
    saved = {e.kind: e for e in reversed(entries(clinic))}
    assert saved["feedback"].data["values"] == {"pain": 3.0, "soreness": 2.0, "sleep_hours": 7.5}
    assert saved["feedback"].data["form_cues"] == "tall posture"
    assert saved["feedback"].data["unusual_fatigue"] is True
    assert saved["session"].data["load_au"] == 240 and saved["session"].data["surface"] == "grass"
    notes = [e for e in entries(clinic, kinds=("note",))]
    assert {n.title for n in notes} >= {TRICKY, "SOAP note"}
    sprint = next(e for e in entries(clinic, kinds=("measure",)) if e.data.get("test"))
    values = {v["key"]: v["value"] for v in sprint.data["values"]}
    assert values["split_10m"] == pytest.approx(2.3554)
    assert values["max_velocity"] == pytest.approx(8.0, abs=0.01)
    assert sprint.data["profile"]["mss"] == pytest.approx(8.0, rel=1e-3)
    baseline = next(e for e in entries(clinic, kinds=("measure",)) if e.data.get("is_baseline"))
    # before the injury day (10 days ago in the clinic's calendar, UTC in tests/conftest.py)
    assert baseline.occurred_at.date() < NOW.date() - timedelta(days=10)
    with clinic.session() as s:
        physio = clinic.actors["physio"]
        assert [t.text for t in planning.list_targets(s, physio, clinic.case_id)] == [
            "Bike 4 x 20 min pain-free"
        ]
        plans = planning.list_planned(s, physio, clinic.case_id)
        assert [(p.session_type, p.description) for p in plans] == [("tempo", "6 x 100 m at 60%")]
    check = entries(clinic, kinds=("check",))[0]
    assert check.data == {"check": "pain_free_single_leg_squat", "passed": True}


def test_a_refused_entry_shows_why_and_keeps_the_typing(qtbot, clinic, workspace):
    ws = workspace("coach")
    form = save(ws, "measure")
    form.rows[0].set_key("nordic_force")
    qtbot.keyClicks(form.rows[0].left_edit, "abc")
    click_save(qtbot, ws)
    assert ws.entry_panel.error_label.text() == "Nordic force (left): 'abc' is not a number."
    assert form.rows[0].left_edit.text() == "abc"
    form.rows[0].left_edit.setText("99999")
    click_save(qtbot, ws)
    assert "outside the plausible range" in ws.entry_panel.error_label.text()
    assert form.rows[0].left_edit.text() == "99999"
    assert entries(clinic, kinds=("measure",)) == []

    save(ws, "feedback")
    click_save(qtbot, ws)
    assert ws.entry_panel.error_label.text() == "The feedback is empty."

    # a coach may not record clinician checks: the form says so and cannot be saved
    save(ws, "check")
    assert not ws.entry_panel.save_button.isEnabled()
    assert ws.entry_panel.denied_label.text() == (
        "Your role (S&C coach) does not allow you to record clinician checks."
    )


def test_sprint_splits_that_make_no_sense_are_explained_at_once(qtbot, workspace):
    ws = workspace()
    form = save(ws, "sprint")
    qtbot.keyClicks(form.splits_edit, "5:1.2, 10:1.1, 20:3")
    assert "times must increase with distance" in form.result_label.text()
    click_save(qtbot, ws)
    assert ws.entry_panel.error_label.text().startswith("Splits: times must increase")


def test_sprint_form_shows_the_start_correction_and_a_poor_fit_as_you_type(
    qtbot, clinic, workspace
):
    ws = workspace()
    form = save(ws, "sprint")
    assert form.correction_combo.currentData() == "auto"
    assert (form.mass_spin.maximum(), form.height_spin.maximum()) == (200, 2.3)
    form.mass_spin.setValue(75)
    form.height_spin.setValue(1.75)
    # MSS 8, MAC 8, started 0.5 m behind the first gate: uncorrected MAC would be ~14.
    qtbot.keyClicks(form.splits_edit, "5:1.078, 10:1.826, 15:2.506, 20:3.158, 30:4.429, 40:5.684")
    lines = form.result_label.text().splitlines()
    assert lines[0].startswith("Max sprint speed 8.00 m/s · max acceleration 7.9")
    assert lines[1].startswith("Start correction: estimated flying distance 0.5")
    assert "chosen automatically" in lines[1] and len(lines) == 2
    form.splits_edit.setText("5:1.411, 10:2.091, 15:2.855, 20:3.429, 30:4.781, 40:5.958")
    assert "Warning: fit RMSE 39 ms is above 30 ms" in form.result_label.text()
    click_save(qtbot, ws)
    sprint = next(e for e in entries(clinic, kinds=("measure",)) if e.data.get("test"))
    assert sprint.data["profile"]["correction_chosen"] == "auto"
    assert sprint.data["profile"]["warnings"][0].startswith("fit RMSE 39 ms")


# -- amend and void ------------------------------------------------------------------------


def _note(clinic, body="Hamstring sore on the left", role="physio"):
    with clinic.session() as s:
        return timeline.add_note(s, clinic.actors[role], clinic.case_id, body, title="Assessment")


def test_amend_an_entry_keeps_its_history_visible(qtbot, clinic, workspace):
    note = _note(clinic)
    ws = workspace("physio")
    assert ws.timeline.select_entry(note.id)
    qtbot.mouseClick(ws.timeline.amend_button, Qt.MouseButton.LeftButton)
    dialog = ws.dialog
    assert isinstance(dialog, AmendDialog) and dialog.isVisible()
    assert dialog.form.body_edit.toPlainText() == "Hamstring sore on the left"
    dialog.form.body_edit.setPlainText("Hamstring sore on the right")
    dialog.save_button.click()
    assert dialog.error_label.text() == "Say why the entry is amended."
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason_edit, "Wrong side written")
    dialog.save_button.click()
    assert not dialog.isVisible()

    texts = shown_entries(ws)
    assert "Assessment — Hamstring sore on the right" in texts
    assert "Assessment — Hamstring sore on the left" in texts
    model = ws.timeline.model
    old_row = model.row_of_entry(note.id)
    assert model.index(old_row, TL_STATUS).data() == "Amended (superseded)"
    assert model.index(old_row, COL_ENTRY).data(Qt.ItemDataRole.FontRole).strikeOut()
    new_row = texts.index("Assessment — Hamstring sore on the right")
    assert model.index(new_row, TL_STATUS).data() == "Correction: Wrong side written"
    detail = ws.timeline.detail_text()
    assert "History" in detail and "v1" in detail and "v2" in detail
    assert "Wrong side written" in detail

    with clinic.session() as s:
        chain = timeline.entry_history(s, clinic.actors["physio"], note.id)
    assert [(e.status, e.body) for e in chain] == [
        ("amended", "Hamstring sore on the left"),
        ("active", "Hamstring sore on the right"),
    ]
    # hiding the history leaves the current version only
    ws.timeline.history_check.setChecked(False)
    assert "Assessment — Hamstring sore on the left" not in shown_entries(ws)


def test_void_an_entry_with_a_reason(qtbot, clinic, workspace):
    note = _note(clinic, "Entered on the wrong athlete")
    ws = workspace("physio")
    ws.timeline.select_entry(note.id)
    qtbot.mouseClick(ws.timeline.void_button, Qt.MouseButton.LeftButton)
    dialog = ws.dialog
    assert isinstance(dialog, VoidDialog)
    qtbot.keyClicks(dialog.reason_edit, "Wrong athlete")
    dialog.void_button.click()
    row = ws.timeline.model.row_of_entry(note.id)
    assert ws.timeline.model.index(row, TL_STATUS).data() == "Voided: Wrong athlete"
    assert "Voided on" in ws.timeline.detail_text()
    assert not ws.timeline.amend_button.isEnabled()
    assert entries(clinic, kinds=("note",))[0].status == "voided"


def test_others_entries_cannot_be_amended_by_a_coach(qtbot, clinic, workspace):
    note = _note(clinic, role="physio")
    ws = workspace("coach")
    ws.timeline.select_entry(note.id)
    assert not ws.timeline.amend_button.isEnabled()
    assert ws.timeline.amend_button.toolTip() == "You may amend or void only your own entries."


def test_an_amend_that_lost_a_race_shows_both_and_reapplies(qtbot, clinic, workspace):
    note = _note(clinic)
    ws = workspace("doctor")
    ws.timeline.select_entry(note.id)
    ws.timeline.amend_button.click()
    dialog = ws.dialog
    dialog.form.body_edit.setPlainText("Mine: sore on the right")
    dialog.reason_edit.setText("side")
    with clinic.session() as s:  # the physio corrects it first, at another workstation
        timeline.amend_entry(
            s, clinic.actors["physio"], note.id, note.version, "typo", body="Theirs: sore, left"
        )
    dialog.save_button.click()
    conflict = dialog.conflict_dialog
    assert conflict is not None and conflict.isVisible()
    rows = {field: (now, mine) for field, now, mine in conflict.cell_texts()}
    assert rows["Text"] == ("Theirs: sore, left", "Mine: sore on the right")
    assert "Text" in conflict.differences
    conflict.reapply_button.click()
    assert not dialog.isVisible()
    with clinic.session() as s:
        chain = timeline.entry_history(s, clinic.actors["physio"], note.id)
    assert [e.body for e in chain] == [
        "Hamstring sore on the left",
        "Theirs: sore, left",
        "Mine: sore on the right",
    ]
    assert chain[-1].status == "active" and chain[-1].author_name == "Test doctor"


# -- criteria, advance, step back ----------------------------------------------------------


def test_advance_when_the_criteria_pass(qtbot, clinic, workspace):
    make_phase_one_ready(clinic)
    ws = workspace("physio")
    assert "Ready to advance (4/4 criteria met)" in ws.header.text()
    qtbot.mouseClick(ws.header.readiness_label, Qt.MouseButton.LeftButton)
    assert ws.tabs.currentIndex() == TAB_CRITERIA
    rows = ws.criteria.rows_text()
    assert len(rows) == 4 and all(r[COL_STATUS] == "Met" for r in rows)
    assert any("[convention]" in r[0] for r in rows)
    assert ws.criteria.summary_label.text().startswith("Ready to advance: all 4")

    qtbot.mouseClick(ws.criteria.advance_button, Qt.MouseButton.LeftButton)
    dialog = ws.dialog
    assert isinstance(dialog, PhaseMoveDialog)
    assert dialog.verdict_label.text().startswith("Ready to advance")
    assert not dialog.override_check.isVisible() and not dialog.move_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "All exit criteria met; team agrees")
    assert dialog.move_button.isEnabled()
    dialog.move_button.click()
    assert "Phase 2/7 Controlled sprint mechanics" in ws.header.text()
    assert shown_entries(ws)[0] == (
        "Advanced to phase 2: Controlled sprint mechanics — All exit criteria met; team agrees"
    )
    change = entries(clinic, kinds=("phase_change",))[0]
    assert change.data["direction"] == "advance"
    assert change.data["readiness"].startswith("Ready to advance")


def test_advance_refused_when_not_ready_is_explained_and_can_be_overridden(
    qtbot, clinic, workspace
):
    ws = workspace("physio")
    ws.advance_action.trigger()
    dialog = ws.dialog
    assert dialog.verdict_label.text().startswith("Not ready to advance: 0 of 4 criteria met")
    unmet = dialog.unmet_label.text()
    assert "Missing: Pain ≤ 2/10 for 48 h" in unmet
    assert "Missing: Pain-free single-leg squat (clinician check)" in unmet
    qtbot.keyClicks(dialog.reason_edit, "Team decision after MRI review")
    assert not dialog.move_button.isEnabled()
    assert "tick “Advance anyway”" in dialog.move_button.toolTip()
    dialog.override_check.setChecked(True)
    assert dialog.move_button.isEnabled()
    dialog.move_button.click()
    assert "Phase 2/7" in ws.header.text()
    change = entries(clinic, kinds=("phase_change",))[0]
    assert change.data["readiness"].startswith("OVERRIDE of unmet exit criteria: 0 of 4")
    assert change.body == "Team decision after MRI review"


def test_a_coach_sees_the_criteria_but_cannot_move_the_phase(qtbot, workspace):
    ws = workspace("coach")
    assert not ws.criteria.advance_button.isEnabled()
    assert not ws.advance_action.isEnabled()
    assert ws.criteria.advance_button.toolTip() == (
        "Your role (S&C coach) does not allow you to advance or step back a phase."
    )


def test_step_back_asks_for_a_reason_and_shows_the_suggestions(qtbot, clinic, workspace):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, clinic.case_id)
        cases.move_phase(
            s,
            physio,
            clinic.case_id,
            info.version,
            "advance",
            "criteria met",
            override_reason="checks done on paper",
        )
        timeline.add_feedback(s, physio, clinic.case_id, {"pain": 5})
    ws = workspace("physio")
    assert any("Step back" in t for t in ws.criteria.suggestion_texts())
    ws.criteria.step_back_button.click()
    dialog = ws.dialog
    assert dialog.verdict_label.text().startswith("Suggestions: ")
    assert not dialog.move_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "Pain 5/10 after strides")
    dialog.move_button.click()
    assert "Phase 1/7 Protection & controlled loading" in ws.header.text()
    change = entries(clinic, kinds=("phase_change",))[0]
    assert change.title == "Stepped back to phase 1: Protection & controlled loading"
    assert change.body == "Pain 5/10 after strides"


def test_a_suggestion_leads_to_the_entries_that_triggered_it(qtbot, clinic, workspace):
    with clinic.session() as s:
        feedback = timeline.add_feedback(s, clinic.actors["coach"], clinic.case_id, {"pain": 6})
    ws = workspace("physio")
    item = ws.criteria.signals_list.item(0)
    ws.criteria.signals_list.itemActivated.emit(item)
    assert ws.tabs.currentIndex() == 0
    assert ws.timeline.current_entry().id == feedback.id


def test_a_phase_move_that_lost_a_race_shows_the_phase_now(qtbot, clinic, workspace):
    ws = workspace("physio")
    ws.advance_action.trigger()
    dialog = ws.dialog
    dialog.override_check.setChecked(True)
    dialog.reason_edit.setPlainText("Ready enough")
    with clinic.session() as s:
        doctor = clinic.actors["doctor"]
        info = cases.get_case(s, doctor, clinic.case_id)
        cases.move_phase(
            s,
            doctor,
            clinic.case_id,
            info.version,
            "advance",
            "doctor moved it",
            override_reason="doctor moved it",
        )
    dialog.move_button.click()
    rows = {f: (now, mine) for f, now, mine in dialog.conflict_dialog.cell_texts()}
    assert rows["Phase"][0].startswith("2/7 ") and rows["Phase"][1].startswith("advance from 1/7")
    dialog.conflict_dialog.keep_button.click()
    with clinic.session() as s:
        assert cases.get_case(s, clinic.actors["physio"], clinic.case_id).phase.ordinal == 2


# -- return-to-play decision -----------------------------------------------------------------


def test_a_doctor_signs_the_return_to_play_decision(qtbot, clinic, workspace):
    ws = workspace("doctor")
    ws.decision_action.trigger()
    dialog = ws.dialog
    assert isinstance(dialog, DecisionDialog) and not dialog.denied_label.isVisible()
    assert not dialog.sign_button.isEnabled()
    dialog.choice_buttons["cleared_with_restrictions"].click()
    dialog.confirm_check.setChecked(True)
    # phase 1's exit criteria are unmet: clearing asks for the doctor's reason first
    assert dialog.unmet_label.isVisible() and not dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.override_edit, "Shared decision after the specialist review")
    dialog.sign_button.click()
    assert dialog.error_label.text() == "Cleared with restrictions: write the restrictions."
    qtbot.keyClicks(dialog.restrictions_edit, "No max sprints for 2 weeks")
    qtbot.keyClicks(dialog.plan_edit, "Weekly Nordic test")
    dialog.sign_button.click()
    assert not dialog.isVisible()
    shown = shown_entries(ws)[0]
    assert shown.startswith(
        "Return-to-play decision: Cleared with restrictions, with 4 exit criteria unmet: "
    )
    assert shown.endswith(
        "decided in phase 1 of 7 — override reason: Shared decision after the specialist "
        "review — No max sprints for 2 weeks"
    )
    with clinic.session() as s:
        signed = decisions.list_decisions(s, clinic.actors["doctor"], clinic.case_id)
    assert [(d.decision, d.restrictions, d.monitoring_plan) for d in signed] == [
        ("cleared_with_restrictions", "No max sprints for 2 weeks", "Weekly Nordic test")
    ]


def test_a_coach_is_refused_the_decision_and_told_why(qtbot, clinic, workspace):
    ws = workspace("coach")
    ws.decision_action.trigger()
    dialog = ws.dialog
    assert dialog.denied_label.isVisible()
    assert dialog.denied_label.text().startswith(
        "Your role (S&C coach) does not allow you to record a return-to-play decision."
    )
    assert not dialog.sign_button.isEnabled()
    assert not dialog.choice_buttons["cleared"].isEnabled()
    dialog.choice_buttons["cleared"].setChecked(True)  # even forced, the service refuses
    assert not dialog.submit()
    assert "does not allow you to record a return-to-play decision" in dialog.error_label.text()
    with clinic.session() as s:
        assert decisions.list_decisions(s, clinic.actors["doctor"], clinic.case_id) == []


# -- idle lock ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_lock_hides_the_case_and_keeps_the_draft(qtbot, clinic):
    window = MainWindow(clinic.database, clinic.actors["physio"])
    qtbot.addWidget(window)
    window.show()
    clock = FakeClock()
    lock = window.idle_lock
    lock.clock = clock
    lock.touch()
    ws = window.open_workspace(clinic.case_id)
    form = ws.entry_panel.show_kind("note")
    qtbot.keyClicks(form.body_edit, "Half-written note about ")
    form.body_edit.insertPlainText("José")  # QTest types ASCII only
    assert lock.idle_seconds == 600

    clock.now += 599
    lock.check_idle()
    assert not lock.is_locked
    clock.now += 2
    with qtbot.waitSignal(lock.locked):
        lock.check_idle()
    screens = ws.findChildren(LockScreen)
    assert len(screens) == 1 and screens[0].isVisible()
    assert screens[0].geometry() == ws.rect()
    assert ws.windowTitle() == "casemgr — locked" and window.windowTitle() == "casemgr — locked"
    assert not ws.centralWidget().isEnabled() and not window.centralWidget().isEnabled()
    user = screens[0].findChild(QLabel, "lock_user").text()
    assert user == "Test physio · Physiotherapist — enter your password to continue."

    screen = screens[0]
    qtbot.keyClicks(screen.password_edit, "wrong")
    qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert lock.is_locked and screen.error_label.text() == "Wrong user name or password."

    with qtbot.waitSignal(lock.unlocked):
        qtbot.keyClicks(screen.password_edit, TEST_PASSWORD)
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert form.body_edit.toPlainText() == "Half-written note about José"
    assert ws.centralWidget().isEnabled() and ws.windowTitle().startswith("Sam Carter")
    assert not [s for s in ws.findChildren(LockScreen) if s.isVisible()]
    ws.entry_panel.save()
    assert entries(clinic, kinds=("note",))[0].body == "Half-written note about José"


def test_input_postpones_the_lock_and_the_idle_time_is_configurable(qtbot, clinic):
    from ui.platform.lock import IDLE_SETTING, ui_settings

    ui_settings().setValue(IDLE_SETTING, 2)
    window = MainWindow(clinic.database, clinic.actors["coach"])
    qtbot.addWidget(window)
    window.show()
    lock = window.idle_lock
    assert lock.idle_seconds == 120
    clock = FakeClock()
    lock.clock = clock
    lock.touch()
    clock.now += 100
    qtbot.keyClick(window.search_edit, Qt.Key.Key_A)
    clock.now += 100
    lock.check_idle()
    assert not lock.is_locked
    window.lock_action.trigger()
    assert lock.is_locked
    qtbot.keyClick(
        QApplication.focusWidget() or window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
    )
    assert window.dialog is None  # shortcuts do nothing while locked
    assert lock.unlock(TEST_PASSWORD) and not lock.is_locked


# -- main window: filters, athletes and cases -----------------------------------------------


def test_list_filters_by_region_phase_and_flags(qtbot, clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        other = create_athlete(s, physio, AthleteInput("José Núñez"))
        calf = cases.open_case(
            s, physio, other.id, cases.CaseInput("calf", "left", "soleus", NOW.date())
        )
        calf = cases.move_phase(
            s, physio, calf.id, calf.version, "advance", "ok", override_reason="on paper"
        )
        timeline.raise_flag(s, physio, calf.id, "Calf cramp")
    window = MainWindow(clinic.database, physio)
    qtbot.addWidget(window)

    def names():
        return [window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())]

    window.region_combo.setCurrentIndex(window.region_combo.findData("calf"))
    assert names() == ["José Núñez"]
    window.region_combo.setCurrentIndex(0)
    window.phase_combo.setCurrentIndex(window.phase_combo.findData(1))
    assert names() == ["Sam Carter"]
    window.phase_combo.setCurrentIndex(0)
    window.flags_check.setChecked(True)
    assert names() == ["José Núñez"] and window.count_label.text() == "1 of 2 cases"


def test_new_athlete_then_open_a_case_with_validation(qtbot, clinic):
    window = MainWindow(clinic.database, clinic.actors["physio"])
    qtbot.addWidget(window)
    window.show()
    window.new_athlete_action.trigger()
    dialog = window.dialog
    dialog.name_edit.setText(TRICKY)
    qtbot.keyClicks(dialog.sport_edit, "Rugby")
    qtbot.keyClicks(dialog.height_edit, "182")
    dialog.save_button.click()
    assert dialog.error_label.text().startswith("Height 182.0 m is not plausible")
    assert dialog.name_edit.text() == TRICKY
    dialog.height_edit.setText("1.82")
    dialog.save_button.click()
    case_dialog = window.dialog
    assert case_dialog is not dialog and case_dialog.athlete_combo.currentText() == TRICKY
    case_dialog.region_combo.setCurrentIndex(case_dialog.region_combo.findData("calf"))
    case_dialog.muscle_combo.setCurrentIndex(case_dialog.muscle_combo.findData("soleus"))
    case_dialog.grade_combo.setCurrentIndex(case_dialog.grade_combo.findData("2"))
    case_dialog.site_combo.setCurrentIndex(0)
    case_dialog.save_button.click()
    assert case_dialog.error_label.text() == "BAMIC grade 2 needs a site: a, b or c."
    case_dialog.site_combo.setCurrentIndex(case_dialog.site_combo.findData("c"))
    case_dialog.injury_date_edit.setDate(QDate.currentDate().addDays(-2))
    with qtbot.waitSignal(window.workspace_opened) as opened:
        case_dialog.save_button.click()
    ws = opened.args[0]
    assert ws.header.name_label.text() == TRICKY
    assert "Left calf · Soleus · BAMIC 2c (intratendinous)" in ws.header.text()
    assert TRICKY in [window.proxy.index(r, 0).data() for r in range(window.proxy.rowCount())]


def test_an_athlete_edit_that_lost_a_race_shows_both(qtbot, clinic):
    window = MainWindow(clinic.database, clinic.actors["physio"])
    qtbot.addWidget(window)
    window.select_case(clinic.case_id)
    window.edit_athlete_action.trigger()
    dialog = window.dialog
    dialog.sport_edit.setText("Sprint hurdles")
    with clinic.session() as s:
        update_athlete(
            s,
            clinic.actors["doctor"],
            clinic.athlete_id,
            1,
            AthleteInput("Sam Carter", sport="Rugby sevens", external_id="ATH-0001"),
        )
    dialog.save_button.click()
    rows = {f: (now, mine) for f, now, mine in dialog.conflict_dialog.cell_texts()}
    assert rows["Sport"] == ("Rugby sevens", "Sprint hurdles")
    dialog.conflict_dialog.reapply_button.click()
    assert window.model.row_at(0).sport == "Sprint hurdles"


def test_workspace_shortcuts_new_note_find_close(qtbot, clinic, workspace):
    ws = workspace()
    ws.activateWindow()
    ws.tabs.setCurrentIndex(TAB_CRITERIA)
    ws.criteria.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is ws.criteria.table)
    qtbot.keyClick(ws.criteria.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert ws.tabs.currentIndex() == 0
    assert ws.entry_panel.kind_combo.currentData() == "note"
    body = ws.entry_panel.forms["note"].body_edit
    qtbot.waitUntil(body.hasFocus)
    qtbot.keyClick(body, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(ws.timeline.search_edit.hasFocus)
    with qtbot.waitSignal(ws.closed):
        qtbot.keyClick(ws.timeline.search_edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)


def test_add_tab_for_more_views(qtbot, workspace):
    ws = workspace()
    index = ws.add_tab(QLabel("plots"), "Plots")
    assert ws.tabs.tabText(index) == "Plots" and index == 2


# -- the timeline at scale, filters, background tasks ------------------------------------------


def test_timeline_pages_filters_and_finds_far_entries(qtbot, clinic, workspace):
    coach, physio = clinic.actors["coach"], clinic.actors["physio"]
    start = NOW - timedelta(days=9)
    with clinic.session() as s:
        first = timeline.add_note(
            s, physio, clinic.case_id, "Oldest: baseline talk", occurred_at=start
        )
        for n in range(449):
            timeline.add_note(
                s,
                coach,
                clinic.case_id,
                f"Drill note {n}",
                occurred_at=start + timedelta(minutes=10 * (n + 1)),
            )
    ws = workspace("physio")
    model = ws.timeline.model
    assert model.rowCount() == 200 and model.total == 451
    assert ws.timeline.count_label.text() == "200 of 451 entries"
    ws.timeline.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 200)
    assert ws.timeline.count_label.text().endswith("of 451 entries") or model.rowCount() == 451

    assert ws.show_entry(first.id)  # beyond the loaded pages: fetched on demand
    assert ws.timeline.current_entry().body == "Oldest: baseline talk"

    ws.timeline.discipline_combo.setCurrentIndex(ws.timeline.discipline_combo.findData("physio"))
    assert ws.timeline.count_label.text() == "2 entries"  # the opening entry and the note
    ws.timeline.discipline_combo.setCurrentIndex(0)
    ws.timeline.search_edit.setText("drill note 44")
    qtbot.waitUntil(lambda: ws.timeline.count_label.text() == "10 entries")  # 44, 440-448
    ws.timeline.search_edit.clear()
    ws.timeline.kind_combo.setCurrentIndex(ws.timeline.kind_combo.findData("phase_change"))
    assert shown_entries(ws) == ["Case opened in phase 1: Protection & controlled loading"]
    ws.timeline.kind_combo.setCurrentIndex(0)
    ws.timeline.since_edit.setDate(QDate(NOW.date()))  # from the clinic's today (UTC)
    assert model.total == 1 + sum(
        1
        for n in range(449)
        if (start + timedelta(minutes=10 * (n + 1))).astimezone(UTC).date() >= NOW.date()
    )
    ws.timeline.since_edit.setDate(ws.timeline.since_edit.minimumDate())
    authors = [
        ws.timeline.author_combo.itemText(i) for i in range(ws.timeline.author_combo.count())
    ]
    assert "Test coach (S&C coach)" in authors
    ws.timeline.author_combo.setCurrentIndex(authors.index("Test coach (S&C coach)"))
    assert model.total == 449


def test_names_are_shown_exactly_as_typed(qtbot, clinic, workspace):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        update_athlete(
            s, physio, clinic.athlete_id, 1, AthleteInput(TRICKY, external_id="ATH-0001")
        )
        timeline.add_note(s, physio, clinic.case_id, "<b>not bold</b> & done", title=TRICKY)
    ws = workspace()
    assert ws.header.name_label.text() == TRICKY
    assert ws.header.name_label.textFormat() == Qt.TextFormat.PlainText
    assert shown_entries(ws)[0] == f"{TRICKY} — <b>not bold</b> & done"
    ws.timeline.table.selectRow(0)
    assert TRICKY in ws.timeline.detail_text()
    assert "<b>not bold</b> & done" in ws.timeline.detail_text()


def test_run_task_answers_on_the_gui_thread(qtbot):
    import threading

    tasks.set_synchronous(False)
    seen = {}
    handle = tasks.run_task(
        lambda: threading.get_ident(),
        lambda worker: seen.update(worker=worker, answer=threading.get_ident()),
    )
    qtbot.waitUntil(lambda: "answer" in seen)
    assert seen["worker"] != seen["answer"] == threading.get_ident()
    assert handle.done and tasks.running_count() == 0

    errors = []
    tasks.run_task(lambda: 1 / 0, lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)

    late = []
    cancelled = tasks.run_task(lambda: 42, late.append)
    cancelled.cancel()
    qtbot.waitUntil(lambda: tasks.running_count() == 0)
    assert late == []


def test_the_workspace_evaluates_readiness_in_the_background(qtbot, clinic):
    tasks.set_synchronous(False)
    ws = CaseWorkspace(clinic.database, clinic.actors["physio"], clinic.case_id)
    qtbot.addWidget(ws)
    qtbot.waitUntil(lambda: ws.readiness is not None)
    assert "Not ready: 0/4 criteria met" in ws.header.text()
    assert len(ws.criteria.rows_text()) == 4


def test_the_header_shows_the_expected_return_of_the_grade_with_its_source(qtbot, clinic):
    """Injured on 1 March, seen on 13 March: a grade 4 tear asks for a surgical opinion
    and counts no days; a calf shows its grade's window and its muscle's beside it; the
    tooltip says where each figure comes from."""
    injured, seen = date(2024, 3, 1), date(2024, 3, 13)
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        ana = create_athlete(s, physio, AthleteInput("Ana Ruiz", sport="Athletics"))
        tear = cases.open_case(
            s,
            physio,
            ana.id,
            cases.CaseInput("hamstring", "left", "semimembranosus", injured, grade="4", site=""),
        )
        ben = create_athlete(s, physio, AthleteInput("Ben Okafor", sport="Football"))
        calf = cases.open_case(
            s,
            physio,
            ben.id,
            cases.CaseInput("calf", "right", "soleus", injured, grade="2", site="c"),
        )
    header = CaseHeader()
    qtbot.addWidget(header)
    header.show_case(tear, today=seen)
    assert "day 12: surgical opinion (grade 4, complete tear)" in header.text()
    assert "days (" not in header.day_label.text()
    assert "surgeon first" in header.day_label.toolTip()
    header.show_case(calf, today=seen)
    assert (
        "day 12 of an expected ~25 days (Prakash 2018); soleus 9-42 days (Green 2020)"
        in header.text()
    )
    tip = header.day_label.toolTip()
    assert "Prakash 2018: connective-tissue grade 2" in tip and "clinical convention" in tip


def test_knee_extension_states_its_convention_and_converts_a_deficit(qtbot, workspace, clinic):
    ws = workspace()
    form = save(ws, "measure")
    row = form.rows[0]
    row.set_key("ake")
    assert row.convention_label.isVisibleTo(ws)
    assert "90° = full extension" in row.convention_label.text()
    assert "deficit" in row.left_edit.toolTip()
    row.unit_combo.setCurrentIndex(row.unit_combo.findData("° deficit"))
    qtbot.keyClicks(row.left_edit, "12")  # left: 12° short of full extension
    qtbot.keyClicks(row.right_edit, "30")  # right (injured): 30° short
    click_save(qtbot, ws)
    assert shown_entries(ws)[0] == "Active knee extension — Active knee extension L 78°, R 60°"
    row = save(ws, "measure").rows[0]
    row.set_key("nordic_force")
    assert not row.convention_label.isVisibleTo(ws)
