"""Log in: user name and password, checked by ``casemgr.services.users.authenticate``."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casemgr.db.open import get_meta, is_demo
from casemgr.errors import AuthenticationError, CaseMgrError
from casemgr.permissions import Actor
from casemgr.services.users import authenticate

log = logging.getLogger(__name__)


class LoginDialog(QDialog):
    """Asks who is at the workstation; ``actor`` is the logged-in user after ``accept``."""

    logged_in = Signal(object)  # the Actor

    def __init__(self, database, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self._database = database
        self._actor: Actor | None = None
        clinic = get_meta(database, "clinic_name", "")
        self.setWindowTitle(self.tr("casemgr — Log in"))

        heading = QLabel(clinic or self.tr("Return-to-sprint case manager"))
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)

        self.username_edit = QLineEdit(username)
        self.username_edit.setPlaceholderText(self.tr("User name"))
        self.username_edit.setObjectName("username")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Password"))
        self.password_edit.setObjectName("password")

        form = QFormLayout()
        form.addRow(self.tr("&User name:"), self.username_edit)
        form.addRow(self.tr("&Password:"), self.password_edit)

        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        self.demo_label = QLabel(
            self.tr("Demo clinic: users admin, doctor, physio, coach, scientist; password demo")
        )
        self.demo_label.setObjectName("demo_hint")
        self.demo_label.setTextFormat(Qt.TextFormat.PlainText)
        self.demo_label.setWordWrap(True)
        self.demo_label.setVisible(is_demo(database))

        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton(
            self.tr("Log in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.quit_button = self.buttons.addButton(
            self.tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.login_button.setDefault(True)
        self.buttons.accepted.connect(self._on_login_clicked)
        self.buttons.rejected.connect(self.reject)
        self.username_edit.textChanged.connect(self._on_username_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.demo_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)

        self._on_username_changed(username)
        (self.password_edit if username else self.username_edit).setFocus()

    @property
    def actor(self) -> Actor | None:
        """The user who logged in (``None`` until the dialog is accepted)."""
        return self._actor

    def _on_username_changed(self, text: str) -> None:
        self.login_button.setEnabled(bool(text.strip()))

    def _on_login_clicked(self) -> None:
        username = self.username_edit.text().strip()
        if not username:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with self._database.session() as s:
                actor = authenticate(s, username, self.password_edit.text())
        except AuthenticationError as exc:
            self._show_error(str(exc))
            return
        except CaseMgrError as exc:  # the database went away, ...
            log.warning("Login failed: %s", exc)
            self._show_error(str(exc))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        log.info("%s logged in", actor.username)
        self._actor = actor
        self.error_label.hide()
        self.logged_in.emit(actor)
        self.accept()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.password_edit.clear()
        self.password_edit.setFocus()
