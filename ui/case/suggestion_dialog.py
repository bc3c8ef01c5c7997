"""Answering a step-back or pause suggestion: "Pause…" (a reason and the day progression
resumes) or "Seen, continue…" (a reason). The answer is recorded on the timeline and the
suggestion is shown as answered, never raised again for the same reports.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.signals import Signal as Suggestion
from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor
from casemgr.services import suggestions
from ui.platform import clinic_time

log = logging.getLogger(__name__)

ANSWERS = ("pause", "continue")


class SuggestionAnswerDialog(QDialog):
    """A pause until a day, or "seen, continue", with the reason; both need a reason."""

    answered = Signal(object)  # SuggestionAnswerInfo

    def __init__(
        self,
        database,
        actor: Actor,
        case_id: int,
        chosen: list[Suggestion],
        answer: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if answer not in ANSWERS:
            raise ValueError(f"answer is one of {ANSWERS}")
        self.setObjectName("suggestion_answer_dialog")
        self._database = database
        self._actor = actor
        self.case_id = case_id
        self.chosen = list(chosen)
        self.answer = answer
        pausing = answer == "pause"
        self.setWindowTitle(self.tr("Pause progression") if pausing else self.tr("Seen, continue"))

        what = QLabel("\n".join(f"• {s.message}" for s in self.chosen))
        what.setObjectName("answer_suggestions")
        what.setTextFormat(Qt.TextFormat.PlainText)
        what.setWordWrap(True)
        self.until_edit = QDateEdit()
        self.until_edit.setObjectName("answer_until")
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd")
        today = clinic_time.today_qdate()  # the clinic's today, whatever the workstation's
        self.until_edit.setMinimumDate(today.addDays(1))
        self.until_edit.setDate(today.addDays(2))
        self.until_edit.setToolTip(self.tr("Progression resumes on this day"))
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("answer_reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(self.tr("The reason is part of the record (required)"))
        self.error_label = QLabel()
        self.error_label.setObjectName("answer_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = buttons.addButton(
            self.tr("Pause") if pausing else self.tr("Continue"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.confirm_button.setObjectName("answer_confirm")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        if pausing:
            form.addRow(self.tr("Paused until:"), self.until_edit)
        else:
            self.until_edit.hide()
        form.addRow(self.tr("Reason:"), self.reason_edit)
        layout = QVBoxLayout(self)
        caption = QLabel(
            self.tr("Answer the suggestion:")
            if len(self.chosen) == 1
            else self.tr("Answer the suggestions:")
        )
        layout.addWidget(caption)
        layout.addWidget(what)
        layout.addLayout(form, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(540, 340)
        self.reason_edit.textChanged.connect(self._on_reason_edit_changed)
        self._on_reason_edit_changed()

    def _on_reason_edit_changed(self) -> None:
        self.error_label.hide()
        self.confirm_button.setEnabled(bool(self.reason_edit.toPlainText().strip()))

    def until(self) -> date:
        qd = self.until_edit.date()
        return date(qd.year(), qd.month(), qd.day())

    def submit(self) -> bool:
        reason = self.reason_edit.toPlainText()
        keys = [s.key for s in self.chosen]
        try:
            with self._database.session() as s:
                if self.answer == "pause":
                    result = suggestions.record_pause(
                        s, self._actor, self.case_id, keys, reason, self.until()
                    )
                else:
                    result = suggestions.continue_after(s, self._actor, self.case_id, keys, reason)
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.answered.emit(result)
        self.accept()
        return True
