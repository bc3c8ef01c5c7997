"""The training session form, with its load (sRPE × minutes) shown as it is typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from casemgr.services.timeline import SessionInput
from casemgr.vocab import SESSION_TYPES, SURFACES
from ui.forms.base import (
    EntryForm,
    FormContext,
    _now_edit,
    _optional_spin,
    _plain,
    _set_spin,
    _spin_value,
    number_text,
    parse_number,
)


class SessionForm(EntryForm):
    """A training session: type, surface, volume, % of max velocity, sRPE and minutes."""

    kind = "session"
    action = Action.ADD_SESSION
    amends = ("session",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.when_edit = _now_edit()
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("session_type")
        for key, label in SESSION_TYPES.items():
            self.type_combo.addItem(self.tr(label), key)
        self.surface_combo = QComboBox()
        self.surface_combo.setObjectName("session_surface")
        self.surface_combo.addItem("—", "")
        for key, label in SURFACES.items():
            self.surface_combo.addItem(self.tr(label), key)
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setObjectName("session_minutes")
        self.minutes_spin.setRange(1, 600)
        self.minutes_spin.setValue(45)
        self.minutes_spin.setSuffix(self.tr(" min"))
        self.srpe_spin = _optional_spin(0, 10, self.tr("Session RPE on the CR-10 scale"))
        self.srpe_spin.setObjectName("session_srpe")
        self.volume_edit = QLineEdit()
        self.volume_edit.setObjectName("session_volume")
        self.volume_edit.setPlaceholderText(self.tr("metres"))
        self.intensity_spin = _optional_spin(1, 110, self.tr("% of maximal velocity"))
        self.intensity_spin.setObjectName("session_intensity")
        self.intensity_spin.setSuffix(" %")
        self.full_check = QCheckBox(self.tr("Full team training"))
        self.notes_edit = _plain(90)
        self.notes_edit.setObjectName("session_notes")
        self.load_label = QLabel()
        self.load_label.setObjectName("session_load")
        self.srpe_spin.valueChanged.connect(self._on_load_inputs_changed)
        self.minutes_spin.valueChanged.connect(self._on_load_inputs_changed)
        self.form.addRow(self.tr("&When:"), self.when_edit)
        self.form.addRow(self.tr("T&ype:"), self.type_combo)
        self.form.addRow(self.tr("S&urface:"), self.surface_combo)
        self.form.addRow(self.tr("&Minutes:"), self.minutes_spin)
        self.form.addRow(self.tr("sRP&E:"), self.srpe_spin)
        self.form.addRow(self.tr("Load:"), self.load_label)
        self.form.addRow(self.tr("&Volume:"), self.volume_edit)
        self.form.addRow(self.tr("&Intensity:"), self.intensity_spin)
        self.form.addRow("", self.full_check)
        self.form.addRow(self.tr("&Notes:"), self.notes_edit)
        self._watch(self.notes_edit, self.volume_edit, self.srpe_spin)
        self._on_load_inputs_changed()

    def label(self) -> str:
        return self.tr("Training session")

    def focus_first(self) -> None:
        self.type_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_load_inputs_changed(self, *_args) -> None:
        srpe = _spin_value(self.srpe_spin)
        if srpe is None:
            self.load_label.setText(self.tr("— (enter sRPE)"))
        else:
            load = srpe * self.minutes_spin.value()
            self.load_label.setText(self.tr("{0:g} AU (sRPE × minutes)").format(load))

    def _input(self) -> SessionInput:
        return SessionInput(
            session_type=self.type_combo.currentData(),
            minutes=float(self.minutes_spin.value()),
            srpe=_spin_value(self.srpe_spin),
            surface=self.surface_combo.currentData(),
            volume_m=parse_number(self.volume_edit.text(), self.tr("Volume")),
            intensity_pct=_spin_value(self.intensity_spin),
            full_training=self.full_check.isChecked(),
            notes=self.notes_edit.toPlainText(),
        )

    def clear(self) -> None:
        self.volume_edit.clear()
        self.notes_edit.clear()
        _set_spin(self.srpe_spin, None)
        _set_spin(self.intensity_spin, None)
        self.full_check.setChecked(False)
        self.when_edit.reset_to_now()

    def save(self, session, actor: Actor) -> str:
        timeline.add_session(
            session,
            actor,
            self.case_id,
            self._input(),
            occurred_at=self.when_edit.value(),
        )
        return self.tr("Session saved.")

    def load_entry(self, entry: EntryInfo) -> None:
        d = entry.data
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(d.get("session_type"))))
        self.surface_combo.setCurrentIndex(
            max(0, self.surface_combo.findData(d.get("surface", "")))
        )
        self.minutes_spin.setValue(int(d.get("minutes") or 1))
        _set_spin(self.srpe_spin, d.get("srpe"))
        self.volume_edit.setText(number_text(d.get("volume_m")))
        _set_spin(self.intensity_spin, d.get("intensity_pct"))
        self.full_check.setChecked(bool(d.get("full_training")))
        self.notes_edit.setPlainText(entry.body)
        self.when_edit.setEnabled(False)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        data = self._input()
        fields = {k: getattr(data, k) for k in data.__dataclass_fields__ if k != "notes"}
        label = SESSION_TYPES[data.session_type]
        title = f"{label} session, {data.minutes:g} min" + (
            f", sRPE {data.srpe:g}" if data.srpe is not None else ""
        )
        return timeline.amend_entry(
            session,
            actor,
            entry.id,
            entry.version,
            reason,
            title=title,
            body=data.notes,
            data=fields,
        )

    def summary(self) -> list[tuple[str, str]]:
        return [
            (self.tr("Type"), self.type_combo.currentText()),
            (self.tr("Minutes"), str(self.minutes_spin.value())),
            (self.tr("sRPE"), self.srpe_spin.text()),
            (self.tr("Notes"), self.notes_edit.toPlainText()),
        ]
