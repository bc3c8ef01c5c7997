"""Clinic settings (admins): the clinic's time zone, which decides what a "day" is for
every day-based rule, list and report."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.clinic_days import zone_names
from casemgr.errors import CaseMgrError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import settings
from ui.platform import clinic_time
from ui.platform.errors import show_domain_error


class SettingsDialog(QDialog):
    """Shows the clinic settings; an admin can change the time zone (audited)."""

    def __init__(self, database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle(self.tr("Clinic settings"))
        self._database = database
        self._actor = actor
        with database.session() as s:
            current = settings.get_settings(s)
        self.zone_box = QComboBox()
        self.zone_box.setObjectName("timezone")
        self.zone_box.setEditable(True)
        self.zone_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        names = zone_names()
        if current.timezone not in names:
            names.insert(0, current.timezone)
        self.zone_box.addItems(names)
        self.zone_box.setCurrentText(current.timezone)
        completer = QCompleter(names, self.zone_box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone_box.setCompleter(completer)
        can_edit = allowed(actor.role, Action.MANAGE_SETTINGS)
        self.zone_box.setEnabled(can_edit)
        note = QLabel(
            self.tr(
                "Every day-based rule (windows such as 48 h pain-free, separate days, daily "
                "load, weekly targets) and every date on screen and in reports uses the "
                "clinic's calendar days in this time zone."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Time zone:"), self.zone_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
            if can_edit
            else QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        if not can_edit:
            layout.addWidget(QLabel(self.tr("Only an administrator changes these settings.")))
        layout.addWidget(buttons)
        self.error_box = None

    def _save(self) -> None:
        try:
            with self._database.session() as s:
                saved = settings.set_setting(
                    s, self._actor, "timezone", self.zone_box.currentText()
                )
        except CaseMgrError as exc:
            self.error_box = show_domain_error(self, exc, self.tr("Clinic settings"))
            return
        clinic_time.set_zone(saved.timezone)  # open windows show the new days
        self.accept()
