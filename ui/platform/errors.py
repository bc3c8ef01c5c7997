"""Showing errors: expected ones worded in a dialog, unexpected ones logged and shown.

``install_excepthook()`` replaces ``sys.excepthook`` so that a bug in a slot is written to
the log with its traceback and shown to the user instead of passing silently (PySide6
prints exceptions raised in slots and carries on).
"""

from __future__ import annotations

import html
import logging
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

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


class ConflictDialog(QDialog):
    """An edit that lost a race: what is stored now beside the user's change.

    Nothing was overwritten. ``accepted`` means "apply my change again" (on top of the
    record as it is now); ``rejected`` keeps the stored record and drops the change.
    """

    def __init__(
        self,
        parent: QWidget | None,
        message: str,
        theirs: Sequence[tuple[str, str]],
        yours: Sequence[tuple[str, str]],
        *,
        title: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("Someone else changed this record"))
        self.setObjectName("conflict_dialog")
        intro = QLabel(message)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        mine = dict(yours)
        labels = list(dict.fromkeys([k for k, _ in theirs] + [k for k, _ in yours]))
        stored = dict(theirs)
        self.table = QTableWidget(len(labels), 3)
        self.table.setObjectName("conflict_table")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Field"), self.tr("Saved now"), self.tr("Your change")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.differences: list[str] = []
        for row, label in enumerate(labels):
            a, b = stored.get(label, ""), mine.get(label, "")
            for col, text in enumerate((label, a, b)):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(text))
                if a != b:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, col, item)
            if a != b:
                self.differences.append(label)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            1, self.table.horizontalHeader().ResizeMode.Stretch
        )
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox()
        self.reapply_button = buttons.addButton(
            self.tr("Apply my change again"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.keep_button = buttons.addButton(
            self.tr("Keep theirs"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def cell_texts(self) -> list[tuple[str, str, str]]:
        """Every row as shown: (field, saved now, your change)."""
        return [
            tuple(self.table.item(r, c).text() for c in range(3))  # type: ignore[misc]
            for r in range(self.table.rowCount())
        ]


def plain_tooltip(text: str) -> str:
    """A tooltip that shows *text* as typed (Qt would guess ``<Jr>`` is a tag)."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""


def show_domain_error(parent: QWidget | None, exc: CaseMgrError, title: str = "") -> QMessageBox:
    """A non-blocking plain dialog wording a domain error; returns it (tests read it)."""
    box = _plain_box(parent, QMessageBox.Icon.Warning, title or _tr("casemgr"), str(exc))
    box.setObjectName("domain_error")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
