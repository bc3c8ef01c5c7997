"""The idle lock: an unattended workstation hides health data until the password is given.

After ``idle_minutes`` without keyboard, mouse or touch input (default 10, the
``lock/idle_minutes`` key of ``ui.ini`` in the data directory; "Lock now" locks at once)
every window of the app is covered by a ``LockScreen``: the widgets underneath are
disabled, not destroyed, so unsaved text in forms and dialogs is kept; window titles
(which name athletes) are replaced; shortcuts do nothing. The logged-in user's password
(checked by ``users.authenticate``, audited like a login, with its throttling) lifts the
lock and puts the focus back where it was.

Tests replace ``IdleLock.clock`` (seconds, monotonic) and call ``check_idle()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casemgr import paths
from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor
from casemgr.services.users import authenticate

log = logging.getLogger(__name__)

DEFAULT_IDLE_MINUTES = 10
IDLE_SETTING = "lock/idle_minutes"
_CHECK_MS = 5000

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
_SHORTCUT_EVENTS = frozenset({QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride})


def ui_settings() -> QSettings:
    """Window geometry and similar UI state, in the data directory (``CASEMGR_HOME``)."""
    return QSettings(str(paths.home() / "ui.ini"), QSettings.Format.IniFormat)


def idle_minutes() -> float:
    """The configured idle time before the lock (minutes; 0 or less: never)."""
    value = ui_settings().value(IDLE_SETTING, DEFAULT_IDLE_MINUTES)
    try:
        return float(value)
    except (TypeError, ValueError):
        log.warning("Ignoring %s=%r in ui.ini", IDLE_SETTING, value)
        return float(DEFAULT_IDLE_MINUTES)


def set_idle_minutes(minutes: float) -> None:
    ui_settings().setValue(IDLE_SETTING, minutes)


class LockScreen(QFrame):
    """The opaque cover over one window: who is logged in, and the password field."""

    unlock_requested = Signal(str)  # the password typed

    def __init__(self, actor: Actor, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        title = QLabel(self.tr("casemgr is locked"))
        title.setObjectName("lock_title")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        who = QLabel(
            self.tr("{0} · {1} — enter your password to continue.").format(
                actor.display_name or actor.username, actor.role_label
            )
        )
        who.setObjectName("lock_user")
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setWordWrap(True)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("lock_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Password"))
        self.password_edit.returnPressed.connect(self._on_unlock_clicked)
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        self.quit_button = QPushButton(self.tr("Quit casemgr"))
        self.quit_button.setToolTip(self.tr("Quit without saving the work left open"))
        self.quit_button.clicked.connect(self._on_quit_clicked)
        self.error_label = QLabel()
        self.error_label.setObjectName("lock_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()

        row = QHBoxLayout()
        row.addWidget(self.password_edit, 1)
        row.addWidget(self.unlock_button)
        box = QWidget()
        box.setFixedWidth(440)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(who)
        inner.addLayout(row)
        inner.addWidget(self.error_label)
        inner.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _on_unlock_clicked(self) -> None:
        self.unlock_requested.emit(self.password_edit.text())

    def _on_quit_clicked(self) -> None:
        QApplication.quit()


class IdleLock(QObject):
    """Watches the app's input and locks every window after the idle time."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        database,
        actor: Actor,
        *,
        idle_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._database = database
        self._actor = actor
        self.clock = clock
        self.idle_seconds = idle_minutes() * 60 if idle_seconds is None else idle_seconds
        self._last_input = clock()
        self._covers: dict[QWidget, LockScreen] = {}
        self._disabled: list[QWidget] = []
        self._titles: dict[QWidget, str] = {}
        self._focus: QWidget | None = None
        self._is_locked = False
        self.timer = QTimer(self)
        self.timer.setInterval(_CHECK_MS)
        self.timer.timeout.connect(self.check_idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    # -- state ---------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self._is_locked

    def screens(self) -> list[LockScreen]:
        return [s for s in self._covers.values() if shiboken6.isValid(s)]

    def touch(self) -> None:
        """Count now as activity."""
        self._last_input = self.clock()

    def check_idle(self) -> None:
        """Lock if nobody used the app for ``idle_seconds``."""
        if self._is_locked or self.idle_seconds <= 0:
            return
        if self.clock() - self._last_input >= self.idle_seconds:
            log.info("Locking after %.0f s without input", self.idle_seconds)
            self.lock()

    # -- lock and unlock -----------------------------------------------------------------

    def lock(self) -> None:
        if self._is_locked:
            return
        self._is_locked = True
        self._focus = QApplication.focusWidget()
        for window in QApplication.topLevelWidgets():
            if not window.isVisible() or isinstance(window, QMenu):
                continue
            if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
                window.hide()
                continue
            self._cover(window)
        screens = self.screens()
        active = QApplication.activeWindow()
        target = self._covers.get(active) if active is not None else None
        focus = target or (screens[0] if screens else None)
        if focus is not None:
            focus.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.locked.emit()

    def _cover(self, window: QWidget) -> None:
        for child in window.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            if child.isWindow() or not child.isEnabled():
                continue
            child.setEnabled(False)
            self._disabled.append(child)
        self._titles[window] = window.windowTitle()
        window.setWindowTitle(self.tr("casemgr — locked"))
        screen = LockScreen(self._actor, window)
        screen.setGeometry(window.rect())
        screen.unlock_requested.connect(self._on_screen_unlock_requested)
        screen.show()
        screen.raise_()
        self._covers[window] = screen

    def unlock(self, password: str) -> bool:
        """Lift the lock if *password* is the logged-in user's; False (and why) otherwise."""
        if not self._is_locked:
            return True
        try:
            with self._database.session() as s:
                authenticate(s, self._actor.username, password)
        except CaseMgrError as exc:
            log.info("Unlock refused: %s", exc)
            for screen in self.screens():
                screen.show_error(str(exc))
            return False
        for window, screen in self._covers.items():
            if shiboken6.isValid(screen):
                screen.hide()
                screen.deleteLater()
            if shiboken6.isValid(window) and window in self._titles:
                window.setWindowTitle(self._titles[window])
        for child in self._disabled:
            if shiboken6.isValid(child):
                child.setEnabled(True)
        self._covers.clear()
        self._disabled.clear()
        self._titles.clear()
        self._is_locked = False
        self.touch()
        if self._focus is not None and shiboken6.isValid(self._focus):
            self._focus.activateWindow()
            self._focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus = None
        self.unlocked.emit()
        return True

    def _on_screen_unlock_requested(self, password: str) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.unlock(password)
        finally:
            QGuiApplication.restoreOverrideCursor()

    # -- input watching ------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT_EVENTS:
            self._last_input = self.clock()
        if not self._is_locked:
            return False
        if kind in _SHORTCUT_EVENTS and not self._inside_screen(watched):
            return True  # no menu shortcut reaches the work underneath
        if kind == QEvent.Type.Resize and watched in self._covers:
            screen = self._covers[watched]
            if shiboken6.isValid(screen):
                screen.setGeometry(watched.rect())  # type: ignore[union-attr]
        return False

    def _inside_screen(self, obj: QObject) -> bool:
        while obj is not None:
            if isinstance(obj, LockScreen):
                return True
            obj = obj.parent()
        return False
