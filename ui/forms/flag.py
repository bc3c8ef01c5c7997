"""The flag form: a flag raised for the team's attention."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.forms.base import EntryForm, FormContext


class FlagForm(EntryForm):
    """A flag for the team's attention (resolved later with a reason)."""

    kind = "flag"
    action = Action.RAISE_FLAG
    amends = ("flag",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("flag_text")
        self.text_edit.setPlaceholderText(self.tr("e.g. Posterior thigh tightness after sprints"))
        self.severity_combo = QComboBox()
        self.severity_combo.setObjectName("flag_severity")
        for key, label in (
            ("attention", self.tr("Attention")),
            ("urgent", self.tr("Urgent")),
            ("info", self.tr("Information")),
        ):
            self.severity_combo.addItem(label, key)
        self.form.addRow(self.tr("&Flag:"), self.text_edit)
        self.form.addRow(self.tr("&Severity:"), self.severity_combo)
        self._watch(self.text_edit)

    def label(self) -> str:
        return self.tr("Flag")

    def focus_first(self) -> None:
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def clear(self) -> None:
        self.text_edit.clear()

    def save(self, session, actor: Actor) -> str:
        timeline.raise_flag(
            session,
            actor,
            self.case_id,
            self.text_edit.text(),
            severity=self.severity_combo.currentData(),
        )
        return self.tr("Flag raised.")

    def load_entry(self, entry: EntryInfo) -> None:
        self.text_edit.setText(entry.title)
        index = self.severity_combo.findData(entry.data.get("severity", "attention"))
        self.severity_combo.setCurrentIndex(max(0, index))

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        return timeline.amend_entry(
            session,
            actor,
            entry.id,
            entry.version,
            reason,
            title=self.text_edit.text(),
            data={"severity": self.severity_combo.currentData()},
        )

    def summary(self) -> list[tuple[str, str]]:
        return [(self.tr("Flag"), self.text_edit.text())]
