"""The import dialog and the data actions, as a user drives them (work runs off the GUI
thread; the tests wait for its answer)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from casemgr.db.models import Athlete, ImportPreset, Measure

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def lea(clinic):
    from casemgr.services.athletes import AthleteInput, create_athlete

    with clinic.session() as s:
        for name, ext in (("Lea Moreau", "ATH-0002"), ("Tomás Ruiz", "ATH-0003")):
            create_athlete(
                s,
                clinic.actors["physio"],
                AthleteInput(name, date_of_birth=date(2000, 1, 1), external_id=ext),
            )
    return clinic


def _measures(clinic) -> int:
    with clinic.session() as s:
        return s.scalar(select(func.count()).select_from(Measure))


def _dialog(qtbot, clinic, role="coach"):
    from ui.clinic.import_dialog import ImportDialog

    dialog = ImportDialog(clinic.database, clinic.actors[role])
    qtbot.addWidget(dialog)
    return dialog


def _preview(qtbot, dialog, path, preset):
    dialog.set_file(path)
    dialog.set_preset(preset)
    with qtbot.waitSignal(dialog.preview_shown, timeout=30_000):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    return dialog.report


def test_preview_then_import_the_gps_sample(qtbot, lea):
    dialog = _dialog(qtbot, lea)
    names = [dialog.preset_combo.itemData(i) for i in range(dialog.preset_combo.count())]
    assert {"gps", "timing-gates", "nordic", "wellness-eu", "generic"} <= set(names)
    report = _preview(qtbot, dialog, DATA / "gps_sessions.csv", "gps")
    assert report.measures_new == 720 and not report.rejected
    model = dialog.preview_model
    assert model.rowCount() == 15  # 3 athletes x 5 measures
    rows = {
        (model.index(r, 0).data(), model.index(r, 1).data()): model.index(r, 2).data()
        for r in range(model.rowCount())
    }
    assert rows[("Tomás Ruiz (ATH-0003)", "Max velocity")] == "48"
    assert "720 values to write" in dialog.summary_label.text()
    assert _measures(lea) == 0  # the preview wrote nothing
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.import_finished, timeout=30_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert _measures(lea) == 720
    assert "720 values written" in dialog.summary_label.text()
    assert not dialog.import_button.isEnabled()


def test_rejected_rows_are_listed_with_line_and_reason(qtbot, lea):
    dialog = _dialog(qtbot, lea)
    report = _preview(qtbot, dialog, DATA / "broken_invalid_date.csv", "gps")
    assert len(report.rejected) == 1
    m = dialog.rejected_model
    assert (m.index(0, 0).data(), m.index(0, 1).data()) == ("3", "30/02/2026 is not a real date")
    assert "skip 1 rejected" in dialog.import_button.text().replace("&", "")
    assert "Rejected rows (1)" in dialog.tabs.tabText(1)


def test_unknown_athlete_matched_then_imported(qtbot, lea):
    dialog = _dialog(qtbot, lea)
    report = _preview(qtbot, dialog, DATA / "broken_unknown_athlete.csv", "gps")
    assert [u.name for u in report.unknown] == ["Jane Doe"]
    assert dialog.unknown_table.rowCount() == 1
    combo = dialog.unknown_table.cellWidget(0, 3)
    target = next(i for i in range(combo.count()) if (combo.itemText(i) or "").startswith("Lea"))
    with qtbot.waitSignal(dialog.preview_shown, timeout=30_000):
        combo.setCurrentIndex(target)
    assert not dialog.report.rejected and dialog.report.measures_new == 15
    with qtbot.waitSignal(dialog.import_finished, timeout=30_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert _measures(lea) == 15


def test_unknown_athlete_created_from_the_dialog(qtbot, lea):
    dialog = _dialog(qtbot, lea, role="physio")
    _preview(qtbot, dialog, DATA / "broken_unknown_athlete.csv", "gps")
    dialog.unknown_table.setCurrentCell(0, 0)
    with qtbot.waitSignal(dialog.preview_shown, timeout=30_000):
        qtbot.mouseClick(dialog.create_athlete_button, Qt.MouseButton.LeftButton)
    assert not dialog.report.unknown
    with lea.session() as s:
        jane = s.scalar(select(Athlete).where(Athlete.external_id == "ATH-0099"))
        assert jane.full_name == "Jane Doe"


def test_cancel_stops_a_big_import_and_writes_nothing(qtbot, lea, tmp_path):
    lines = (DATA / "gps_sessions.csv").read_text(encoding="utf-8").splitlines()
    body = [ln.replace("2026", "2025") for ln in lines[1:]]
    big = tmp_path / "big.csv"
    big.write_text("\n".join([lines[0], *(body * 200)]) + "\n", encoding="utf-8")
    dialog = _dialog(qtbot, lea)
    dialog.set_file(big)
    dialog.set_preset("gps")
    seen = []

    def cancel_on_first_progress(done, total, _stage):
        seen.append((done, total))
        if len(seen) == 1:
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog._relay.progressed.connect(cancel_on_first_progress)
    with qtbot.waitSignal(dialog.work_failed, timeout=30_000) as failed:
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert failed.args == ["Cancelled: nothing was written."]
    assert seen and seen[0][1] > 28_000  # progress counted the file's lines
    assert dialog.report is None and not dialog.import_button.isEnabled()
    assert _measures(lea) == 0


def test_new_preset_from_a_file(qtbot, lea, tmp_path):
    from casemgr.services.imports import inspect_file
    from ui.clinic.import_dialog import PresetEditor

    path = tmp_path / "force_frame.csv"
    path.write_text(
        "Exported by ForceFrame\nAthlete;Day;Left (kg);Right (kg)\n"
        "Lea Moreau;03.10.2026;40,5;38\nTomás Ruiz;03.10.2026;41;42,5\n",
        encoding="utf-8",
    )
    sample = inspect_file(path.read_bytes())
    assert sample.columns == ("Athlete", "Day", "Left (kg)", "Right (kg)")
    editor = PresetEditor(lea.database, lea.actors["physio"], sample, "Force Frame")
    qtbot.addWidget(editor)
    assert editor.name_edit.text() == "force-frame"
    editor.set_column("Athlete", "athlete_name")
    editor.set_column("Day", "date")
    editor.set_column("Left (kg)", "measure", "iso_knee_flexion_90", "kg", "left")
    editor.set_column("Right (kg)", "measure", "iso_knee_flexion_90", "kg", "right")
    editor.date_format_combo.setEditText("%d.%m.%Y")
    editor.decimal_combo.setCurrentIndex(editor.decimal_combo.findData(","))
    editor._on_save_clicked()
    assert editor.saved_name == "force-frame", editor.error_label.text()
    with lea.session() as s:
        assert s.scalar(select(ImportPreset.name)) == "force-frame"

    dialog = _dialog(qtbot, lea, role="physio")
    report = _preview(qtbot, dialog, path, "force-frame")
    assert not report.rejected and report.measures_new == 4
    left = next(r for r in report.summaries if r.athlete_name == "Lea Moreau" and r.limb == "left")
    assert left.min_value == pytest.approx(40.5 * 9.80665)


def test_preset_editor_says_what_is_missing(qtbot, lea, tmp_path):
    from casemgr.services.imports import inspect_file
    from ui.clinic.import_dialog import PresetEditor

    sample = inspect_file(b"Name,When,Value\nSam,2026-01-01,3\n")
    editor = PresetEditor(lea.database, lea.actors["physio"], sample, "x")
    qtbot.addWidget(editor)
    editor.set_column("Name", "athlete_name")
    editor._on_save_clicked()
    assert editor.saved_name is None
    assert "date" in editor.error_label.text()


def test_data_actions_export_backup_restore_and_reminder(qtbot, lea, tmp_path):
    from ui.clinic import data_actions

    results = []
    doctor, admin = lea.actors["doctor"], lea.actors["admin"]
    data_actions.export_case(
        None, lea.database, doctor, lea.case_id, tmp_path / "c.csv", on_done=results.append
    )
    qtbot.waitUntil(lambda: len(results) == 1, timeout=30_000)
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "never been backed up" in data_actions.backup_reminder_text(lea.database)
    box = data_actions.remind_backup_if_due(None, lea.database, admin)
    assert box is not None and box.objectName() == "backup_reminder"
    box.close()
    assert data_actions.remind_backup_if_due(None, lea.database, doctor) is None
    if not lea.database.is_sqlite:
        return
    data_actions.backup_now(None, lea.database, admin, tmp_path / "b.zip", on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=30_000)
    assert (tmp_path / "b.zip").exists() and data_actions.backup_reminder_text(lea.database) is None
    data_actions.restore_from(
        None, lea.database, admin, tmp_path / "b.zip", confirm=False, on_done=results.append
    )
    qtbot.waitUntil(lambda: len(results) == 3, timeout=30_000)
    assert results[2].safety_copy.exists()
    # a doctor's backup attempt is refused with the reason
    data_actions.backup_now(None, lea.database, doctor, tmp_path / "d.zip", on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 4, timeout=30_000)
    assert "does not allow you to back up" in str(results[3])


def test_file_menu_actions_follow_the_role(qtbot, lea):
    from PySide6.QtWidgets import QMainWindow, QMenu

    from ui.clinic.data_actions import install_file_menu

    window = QMainWindow()
    qtbot.addWidget(window)
    menu = QMenu(window)
    coach = install_file_menu(menu, window, lea.database, lea.actors["coach"], lambda: None)
    assert coach["import"].isEnabled() and not coach["backup"].isEnabled()
    admin = install_file_menu(menu, window, lea.database, lea.actors["admin"], lambda: None)
    assert admin["backup"].isEnabled() and admin["restore"].isEnabled()
    assert not admin["import"].isEnabled()
