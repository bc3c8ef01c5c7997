"""When the database cannot be opened: say why, and offer to restore a backup.

A damaged, foreign or newer database is never used and never overwritten silently: the
user reads the reason and may pick a backup; an administrator of the backup (or of the
current database, when it still opens) logs in to authorise the restore, which keeps a
safety copy of the refused file (see ``casemgr.services.backup.restore_database``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import AuthenticationError, CaseMgrError
from ui.platform.errors import error_message
from ui.platform.login_dialog import LoginDialog

log = logging.getLogger(__name__)


class DatabaseRefusedDialog(QDialog):
    """The reason a database was refused, with "Restore a backup…" and "Quit"."""

    def __init__(self, db: str | None, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("casemgr cannot open the database"))
        self._db = db
        self.restored = None
        self.reason_label = QLabel(reason)
        self.reason_label.setObjectName("refused_reason")
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("restore_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton(self.tr("&Restore a backup…"))
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.quit_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.quit_button.setText(self.tr("&Quit"))
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.quit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_label)
        layout.addWidget(
            QLabel(
                self.tr(
                    "Nothing was changed. You can restore a backup; the "
                    "refused file is kept beside it as a safety copy."
                )
            )
        )
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, 220)

    def choose_backup(self) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Restore a backup"), "", self.tr("casemgr backup (*.zip);;All (*)")
        )
        return Path(chosen) if chosen else None

    def _authorise(self, database):
        login = LoginDialog(database, self)
        login.setWindowTitle(self.tr("An administrator authorises the restore"))
        if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
            raise AuthenticationError("The restore was cancelled.")
        return login.actor

    def _on_restore_button_clicked(self) -> None:
        backup = self.choose_backup()
        if backup is None:
            return
        from casemgr.services.backup import restore_database

        try:
            self.restored = restore_database(self._db, backup, self._authorise)
        except (CaseMgrError, ValueError, OSError) as exc:
            log.info("Restore refused: %s", exc)
            self.error_label.setText(error_message(exc))
            self.error_label.show()
            return
        log.info("Restored %s from %s", self.restored.target, backup)
        self.accept()


def offer_restore(db: str | None, reason: str) -> bool:
    """Show why *db* was refused; True when a backup was restored in its place."""
    dialog = DatabaseRefusedDialog(db, reason)
    return dialog.exec() == QDialog.DialogCode.Accepted
