"""The clinical note form: free text, or SOAP."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QWidget,
)

from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.forms.base import EntryForm, FormContext, _plain


class NoteForm(EntryForm):
    """A clinical note: free text, or SOAP (subjective, objective, assessment, plan)."""

    kind = "note"
    action = Action.ADD_NOTE
    amends = ("note",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("note_title")
        self.title_edit.setPlaceholderText(self.tr("Optional; e.g. Assessment after session"))
        self.free_radio = QRadioButton(self.tr("&Free text"))
        self.soap_radio = QRadioButton(self.tr("S&OAP"))
        self.free_radio.setChecked(True)
        mode = QHBoxLayout()
        mode.addWidget(self.free_radio)
        mode.addWidget(self.soap_radio)
        mode.addStretch(1)
        self.body_edit = _plain()
        self.body_edit.setObjectName("note_body")
        self.body_edit.setPlaceholderText(self.tr("What happened, what you found, what next…"))
        soap = QWidget()
        soap_form = QFormLayout(soap)
        soap_form.setContentsMargins(0, 0, 0, 0)
        self.soap_edits = {}
        for key, label in (
            ("subjective", self.tr("Subjective:")),
            ("objective", self.tr("Objective:")),
            ("assessment", self.tr("Assessment:")),
            ("plan", self.tr("Plan:")),
        ):
            edit = _plain(90)
            edit.setObjectName(f"soap_{key}")
            soap_form.addRow(label, edit)
            self.soap_edits[key] = edit
        self.stack = QStackedWidget()
        self.stack.addWidget(self.body_edit)
        self.stack.addWidget(soap)
        self.soap_radio.toggled.connect(self._on_soap_radio_toggled)
        self.form.addRow(self.tr("&Title:"), self.title_edit)
        self.form.addRow(self.tr("Format:"), mode)
        self.form.addRow(self.stack)
        self._watch(self.title_edit, self.body_edit, *self.soap_edits.values())

    def label(self) -> str:
        return self.tr("Clinical note")

    def focus_first(self) -> None:
        target = self.soap_edits["subjective"] if self.soap_radio.isChecked() else self.body_edit
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_soap_radio_toggled(self, on: bool) -> None:
        self.stack.setCurrentIndex(1 if on else 0)

    def _soap(self) -> dict[str, str]:
        if not self.soap_radio.isChecked():
            return {}
        return {k: e.toPlainText() for k, e in self.soap_edits.items() if e.toPlainText().strip()}

    def _body(self) -> str:
        return "" if self.soap_radio.isChecked() else self.body_edit.toPlainText()

    def clear(self) -> None:
        self.title_edit.clear()
        self.body_edit.clear()
        for edit in self.soap_edits.values():
            edit.clear()

    def save(self, session, actor: Actor) -> str:
        timeline.add_note(
            session,
            actor,
            self.case_id,
            self._body(),
            title=self.title_edit.text(),
            soap=self._soap(),
        )
        return self.tr("Note saved.")

    def load_entry(self, entry: EntryInfo) -> None:
        self.title_edit.setText(entry.title)
        soap = entry.data.get("soap") or {}
        if soap:
            self.soap_radio.setChecked(True)
            for key, edit in self.soap_edits.items():
                edit.setPlainText(soap.get(key, ""))
        self.body_edit.setPlainText(entry.body)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        soap = self._soap()
        if not self._body().strip() and not soap:
            raise ValidationError("The note is empty.")
        return timeline.amend_entry(
            session,
            actor,
            entry.id,
            entry.version,
            reason,
            title=self.title_edit.text().strip() or entry.title,
            body=self._body(),
            data={"soap": soap},
        )

    def summary(self) -> list[tuple[str, str]]:
        pairs = [(self.tr("Title"), self.title_edit.text())]
        if self.soap_radio.isChecked():
            pairs += [(k.title(), e.toPlainText()) for k, e in self.soap_edits.items()]
        else:
            pairs.append((self.tr("Text"), self.body_edit.toPlainText()))
        return pairs
