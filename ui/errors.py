"""Showing errors: expected ones worded in a dialog, unexpected ones logged and shown.

``install_excepthook()`` replaces ``sys.excepthook`` so that a bug in a slot is written to
the log with its traceback and shown to the user instead of passing silently (PySide6
prints exceptions raised in slots and carries on).
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from casemgr import paths
from casemgr.errors import CaseMgrError

log = logging.getLogger(__name__)

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def _plain_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote user text: never rich text
    return box


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """A modal dialog wording an expected failure (a ``CaseMgrError`` message)."""
    _plain_box(parent, QMessageBox.Icon.Warning, title, message).exec()


def error_message(exc: BaseException) -> str:
    """What to tell a user about *exc*: our own errors as they stand, others generically."""
    if isinstance(exc, CaseMgrError):
        return str(exc)
    return _tr("Something went wrong that casemgr did not expect: {0}: {1}").format(
        type(exc).__name__, exc
    )


def unexpected_error_box(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    parent: QWidget | None = None,
) -> QMessageBox:
    """The dialog for an unexpected error, with the traceback under "Show Details"."""
    box = _plain_box(parent, QMessageBox.Icon.Critical, _tr("Unexpected error"), error_message(exc))
    box.setInformativeText(
        _tr("Your last change may not have been saved. The details are in the log in {0}.").format(
            paths.log_dir()
        )
    )
    box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))
    return box


class _ExceptHook:
    """Logs an uncaught exception, then shows it (once at a time) if a GUI is running."""

    def __init__(self, previous) -> None:
        self.previous = previous
        self._showing = False

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        log.error("Unexpected error", exc_info=(exc_type, exc, tb))
        if self._showing or QApplication.instance() is None:
            self.previous(exc_type, exc, tb)
            return
        self._showing = True
        try:
            unexpected_error_box(exc_type, exc, tb, QApplication.activeWindow()).exec()
        except Exception:  # the hook must never raise: fall back to the default
            log.exception("Could not show the error dialog")
            self.previous(exc_type, exc, tb)
        finally:
            self._showing = False


def install_excepthook() -> None:
    """Route uncaught exceptions to the log and an error dialog. Idempotent."""
    if not isinstance(sys.excepthook, _ExceptHook):
        sys.excepthook = _ExceptHook(sys.excepthook)
