"""The app refuses a damaged database, says why, and restores a backup in its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from casemgr.services.backup import backup_database
from tests.conftest import TEST_PASSWORD
from ui.platform.login_dialog import LoginDialog
from ui.platform.recovery import DatabaseRefusedDialog


@pytest.fixture
def backup_and_damage(clinic, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("damages a SQLite file")
    zip_path = tmp_path / "backup.zip"
    backup_database(clinic.database, clinic.actors["admin"], zip_path)
    clinic.database.dispose()
    path = Path(db_url.removeprefix("sqlite:///"))
    damaged = b"PK\x03\x04 this is a word document now" * 100
    path.write_bytes(damaged)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path, zip_path, damaged


def _login_as(username: str):
    def exec_(dialog: LoginDialog):
        dialog.username_edit.setText(username)
        dialog.password_edit.setText(TEST_PASSWORD)
        dialog.login_button.click()
        return dialog.result()

    return exec_


def test_refused_database_is_restored_by_an_admin(qtbot, backup_and_damage, monkeypatch):
    path, zip_path, _damaged = backup_and_damage
    dialog = DatabaseRefusedDialog(str(path), "it is not a casemgr database")
    qtbot.addWidget(dialog)
    assert "not a casemgr database" in dialog.reason_label.text()
    monkeypatch.setattr(dialog, "choose_backup", lambda: zip_path)
    monkeypatch.setattr(LoginDialog, "exec", _login_as("admin"))
    dialog.restore_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error_label.text()
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert dialog.restored.safety_copy is not None  # the refused file is kept


def test_a_coach_cannot_restore_and_nothing_changes(qtbot, backup_and_damage, monkeypatch):
    path, zip_path, damaged = backup_and_damage
    dialog = DatabaseRefusedDialog(str(path), "damaged")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(dialog, "choose_backup", lambda: zip_path)
    monkeypatch.setattr(LoginDialog, "exec", _login_as("coach"))
    dialog.restore_button.click()
    assert dialog.error_label.isVisibleTo(dialog)
    assert "does not allow you to restore" in dialog.error_label.text()
    assert path.read_bytes() == damaged
