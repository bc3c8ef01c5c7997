"""The planned session form (a session on the microcycle calendar)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QWidget

from casemgr.permissions import Action, Actor
from casemgr.services import planning
from casemgr.vocab import SESSION_TYPES, SURFACES
from ui.forms.base import EntryForm, FormContext, _optional_spin, _set_spin, _spin_value
from ui.platform import clinic_time


class PlanForm(EntryForm):
    """A planned session on the microcycle calendar."""

    kind = "plan"
    action = Action.PLAN

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.day_edit = QDateEdit(clinic_time.today_qdate().addDays(1))  # the clinic's tomorrow
        self.day_edit.setObjectName("plan_day")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd (ddd)")
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("plan_type")
        for key, label in SESSION_TYPES.items():
            self.type_combo.addItem(self.tr(label), key)
        self.surface_combo = QComboBox()
        self.surface_combo.addItem("—", "")
        for key, label in SURFACES.items():
            self.surface_combo.addItem(self.tr(label), key)
        self.intensity_spin = _optional_spin(1, 110, self.tr("% of maximal velocity"))
        self.intensity_spin.setSuffix(" %")
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("plan_description")
        self.form.addRow(self.tr("&Day:"), self.day_edit)
        self.form.addRow(self.tr("T&ype:"), self.type_combo)
        self.form.addRow(self.tr("S&urface:"), self.surface_combo)
        self.form.addRow(self.tr("&Intensity:"), self.intensity_spin)
        self.form.addRow(self.tr("D&escription:"), self.description_edit)
        self._watch(self.description_edit)

    def label(self) -> str:
        return self.tr("Planned session")

    def focus_first(self) -> None:
        self.day_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def clear(self) -> None:
        self.description_edit.clear()
        _set_spin(self.intensity_spin, None)

    def save(self, session, actor: Actor) -> str:
        plan = planning.plan_session(
            session,
            actor,
            self.case_id,
            self.day_edit.date().toPython(),
            self.type_combo.currentData(),
            self.description_edit.text(),
            self.surface_combo.currentData(),
            _spin_value(self.intensity_spin),
        )
        return self.tr("{0} planned for {1}.").format(
            self.type_combo.currentText(), plan.planned_date.isoformat()
        )
