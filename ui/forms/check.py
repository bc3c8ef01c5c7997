"""The clinician check form: a check from the case's protocol, met or not met."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QRadioButton, QWidget

from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.forms.base import EntryForm, FormContext, _plain


class CheckForm(EntryForm):
    """A clinician check from the case's protocol (e.g. pain-free single-leg squat)."""

    kind = "check"
    action = Action.RECORD_CHECK
    amends = ("check",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.check_combo = QComboBox()
        self.check_combo.setObjectName("check_key")
        self.check_combo.setEditable(True)
        self.check_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for key, label in context.checks:
            self.check_combo.addItem(label, key)
        self.met_radio = QRadioButton(self.tr("&Met"))
        self.met_radio.setObjectName("check_met")
        self.not_met_radio = QRadioButton(self.tr("N&ot met"))
        self.not_met_radio.setObjectName("check_not_met")
        group = QButtonGroup(self)
        group.addButton(self.met_radio)
        group.addButton(self.not_met_radio)
        self.met_radio.setChecked(True)
        outcome = QHBoxLayout()
        outcome.addWidget(self.met_radio)
        outcome.addWidget(self.not_met_radio)
        outcome.addStretch(1)
        self.note_edit = _plain(80)
        self.note_edit.setObjectName("check_note")
        self.form.addRow(self.tr("&Check:"), self.check_combo)
        self.form.addRow(self.tr("Outcome:"), outcome)
        self.form.addRow(self.tr("&Note:"), self.note_edit)
        self._watch(self.note_edit)

    def label(self) -> str:
        return self.tr("Clinician check")

    def focus_first(self) -> None:
        self.check_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _check(self) -> tuple[str, str]:
        text = self.check_combo.currentText().strip()
        index = self.check_combo.findText(text)
        if index >= 0 and self.check_combo.itemData(index):
            return self.check_combo.itemData(index), text
        key = "_".join(text.lower().split())
        return key, text

    def clear(self) -> None:
        self.note_edit.clear()
        self.met_radio.setChecked(True)

    def save(self, session, actor: Actor) -> str:
        key, label = self._check()
        if not key:
            raise ValidationError("Choose or name the check.")
        timeline.record_check(
            session,
            actor,
            self.case_id,
            key,
            self.met_radio.isChecked(),
            self.note_edit.toPlainText(),
            label=label,
        )
        return self.tr("Check recorded.")

    def load_entry(self, entry: EntryInfo) -> None:
        key = entry.data.get("check", "")
        index = self.check_combo.findData(key)
        if index < 0:
            self.check_combo.addItem(key.replace("_", " "), key)
            index = self.check_combo.count() - 1
        self.check_combo.setCurrentIndex(index)
        self.check_combo.setEnabled(False)
        (self.met_radio if entry.data.get("passed") else self.not_met_radio).setChecked(True)
        self.note_edit.setPlainText(entry.body)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        passed = self.met_radio.isChecked()
        label = entry.title.rsplit(":", 1)[0]
        return timeline.amend_entry(
            session,
            actor,
            entry.id,
            entry.version,
            reason,
            title=f"{label}: {'met' if passed else 'not met'}",
            body=self.note_edit.toPlainText(),
            data={"passed": passed},
        )

    def summary(self) -> list[tuple[str, str]]:
        return [
            (
                self.tr("Outcome"),
                self.tr("met") if self.met_radio.isChecked() else self.tr("not met"),
            ),
            (self.tr("Note"), self.note_edit.toPlainText()),
        ]
