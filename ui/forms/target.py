"""The weekly target form (the week starts on Monday)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDateEdit, QLabel, QWidget

from casemgr.permissions import Action, Actor
from casemgr.services import planning
from ui.forms.base import EntryForm, FormContext, _plain
from ui.platform import clinic_time


class TargetForm(EntryForm):
    """A weekly target for the case (the week starts on Monday)."""

    kind = "target"
    action = Action.PLAN

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.week_edit = QDateEdit(clinic_time.today_qdate())  # the clinic's week
        self.week_edit.setObjectName("target_week")
        self.week_edit.setCalendarPopup(True)
        self.week_edit.setDisplayFormat("yyyy-MM-dd")
        self.week_label = QLabel()
        self.text_edit = _plain(80)
        self.text_edit.setObjectName("target_text")
        self.text_edit.setPlaceholderText(self.tr("e.g. 3 tempo sessions at ≤ 70% on grass"))
        self.week_edit.dateChanged.connect(self._on_week_edit_changed)
        self.form.addRow(self.tr("&Week of:"), self.week_edit)
        self.form.addRow("", self.week_label)
        self.form.addRow(self.tr("&Target:"), self.text_edit)
        self._watch(self.text_edit)
        self._on_week_edit_changed(self.week_edit.date())

    def label(self) -> str:
        return self.tr("Weekly target")

    def focus_first(self) -> None:
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_week_edit_changed(self, day: QDate) -> None:
        monday = planning.week_start(day.toPython())
        self.week_label.setText(self.tr("Week starting Monday {0}").format(monday.isoformat()))

    def clear(self) -> None:
        self.text_edit.clear()

    def save(self, session, actor: Actor) -> str:
        target = planning.add_target(
            session,
            actor,
            self.case_id,
            self.week_edit.date().toPython(),
            self.text_edit.toPlainText(),
        )
        return self.tr("Target saved for the week of {0}.").format(target.week_start.isoformat())
