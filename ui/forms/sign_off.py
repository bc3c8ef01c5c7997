"""The sign-off form: a signed statement of the lead clinician."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.forms.base import EntryForm, FormContext, _plain


class SignOffForm(EntryForm):
    """A signed statement of the lead clinician (e.g. the phase's work is complete)."""

    kind = "sign_off"
    action = Action.SIGN_OFF
    amends = ("sign_off",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.text_edit = _plain()
        self.text_edit.setObjectName("sign_off_text")
        self.form.addRow(self.tr("&Statement:"), self.text_edit)
        self._watch(self.text_edit)

    def label(self) -> str:
        return self.tr("Sign-off")

    def focus_first(self) -> None:
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def clear(self) -> None:
        self.text_edit.clear()

    def save(self, session, actor: Actor) -> str:
        if not self.text_edit.toPlainText().strip():
            raise ValidationError("Write what you sign off.")
        timeline.sign_off(session, actor, self.case_id, self.text_edit.toPlainText())
        return self.tr("Signed off.")

    def load_entry(self, entry: EntryInfo) -> None:
        self.text_edit.setPlainText(entry.body)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        return timeline.amend_entry(
            session, actor, entry.id, entry.version, reason, body=self.text_edit.toPlainText()
        )

    def summary(self) -> list[tuple[str, str]]:
        return [(self.tr("Statement"), self.text_edit.toPlainText())]
