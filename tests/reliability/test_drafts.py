"""Typing survives: a killed app offers the autosaved draft on restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from ui.case.case_workspace import CaseWorkspace
from ui.platform import drafts, tasks

TYPED = "Posterior thigh tightness after 6 x 60 m; O'Brien <Jr> & Co 李娜 José"

KILLED_APP = textwrap.dedent("""
    import os, signal, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from casemgr.db.open import open_database
    from casemgr.permissions import Actor
    from ui.platform import drafts
    from ui.case.case_workspace import CaseWorkspace
    app = QApplication([])
    db = open_database(sys.argv[1])
    ws = CaseWorkspace(db, Actor(3, "physio", "physio", "Test physio"), int(sys.argv[2]))
    ws.show()
    ws.entry_panel.forms["note"].body_edit.setPlainText(sys.argv[3])
    path = drafts.draft_path("physio", int(sys.argv[2]))
    while not path.exists():
        app.processEvents()
    os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, nothing saved on exit
""")


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


def _open(qtbot, clinic, role="physio") -> CaseWorkspace:
    ws = CaseWorkspace(clinic.database, clinic.actors[role], clinic.case_id)
    qtbot.addWidget(ws)
    ws.show()
    return ws


def test_killed_app_offers_the_draft_on_restart(qtbot, clinic, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the child process opens the same SQLite file")
    result = subprocess.run(
        [sys.executable, "-c", KILLED_APP, db_url, str(clinic.case_id), TYPED],
        timeout=120,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    ws = _open(qtbot, clinic)
    panel = ws.entry_panel
    assert panel.draft_bar.isVisible()
    assert "Unsaved typing" in panel.draft_label.text()
    qtbot.mouseClick(panel.restore_draft_button, qtbot_button())
    assert panel.forms["note"].body_edit.toPlainText() == TYPED
    assert not panel.draft_bar.isVisible()


def test_saving_the_entry_removes_the_draft_and_discard_forgets_it(qtbot, clinic):
    ws = _open(qtbot, clinic)
    path = drafts.draft_path("physio", clinic.case_id)
    note = ws.entry_panel.forms["note"]
    note.body_edit.setPlainText("half a thought")
    qtbot.waitUntil(path.exists, timeout=5000)  # autosaved after typing stops
    ws.entry_panel.show_kind("note")
    assert ws.entry_panel.save()
    assert not path.exists()
    note.body_edit.setPlainText("another thought")
    ws.entry_panel.save_draft()
    ws.close()
    again = _open(qtbot, clinic)
    assert again.entry_panel.draft_bar.isVisible()
    again.entry_panel.discard_draft_button.click()
    assert not path.exists()
    assert _open(qtbot, clinic).entry_panel.draft_bar.isHidden()


def test_drafts_are_per_user(qtbot, clinic):
    ws = _open(qtbot, clinic, "physio")
    ws.entry_panel.forms["note"].body_edit.setPlainText("physio's words")
    ws.entry_panel.save_draft()
    assert _open(qtbot, clinic, "coach").entry_panel.draft_bar.isHidden()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
