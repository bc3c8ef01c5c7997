"""Create and edit athletes; open a case and edit its diagnosis.

The services validate; their message is shown in the dialog, which stays open with what
was typed. An edit that lost a race (``ConflictError``) shows the record as saved now
beside the user's version and lets the user apply theirs again.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError, ConflictError, ValidationError
from casemgr.permissions import Actor
from casemgr.services import athletes, cases
from casemgr.services.athletes import AthleteInput
from casemgr.services.cases import CaseInput
from casemgr.services.dto import AthleteInfo, CaseInfo
from casemgr.vocab import BAMIC_GRADES, BAMIC_SITES, MECHANISMS, MUNICH_GRADES, MUSCLES
from ui.forms.base import number_text, parse_number
from ui.platform import clinic_time
from ui.platform.errors import ConflictDialog

log = logging.getLogger(__name__)

_NO_DATE = QDate(1900, 1, 1)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("dialog_error")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet("color: #d0342c;")
    label.hide()
    return label


def _date_edit(name: str, special: str = "") -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMaximumDate(clinic_time.today_qdate())  # the clinic's today
    if special:
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText(special)
        edit.setDate(_NO_DATE)
    return edit


class AthleteDialog(QDialog):
    """New athlete (``athlete=None``) or edit one."""

    saved = Signal(object)  # AthleteInfo

    def __init__(
        self, database, actor: Actor, athlete: AthleteInfo | None = None, parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("athlete_dialog")
        self._database = database
        self._actor = actor
        self.athlete = athlete
        self.setWindowTitle(self.tr("Edit athlete") if athlete else self.tr("New athlete"))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("athlete_name")
        self.dob_edit = _date_edit("athlete_dob", self.tr("Unknown"))
        self.sport_edit = QLineEdit()
        self.sport_edit.setObjectName("athlete_sport")
        self.position_edit = QLineEdit()
        self.position_edit.setPlaceholderText(self.tr("Position or event, e.g. winger, 100 m"))
        self.limb_combo = QComboBox()
        self.limb_combo.setObjectName("athlete_limb")
        self.limb_combo.addItem("—", None)
        self.limb_combo.addItem(self.tr("Left"), "left")
        self.limb_combo.addItem(self.tr("Right"), "right")
        self.mass_edit = QLineEdit()
        self.mass_edit.setObjectName("athlete_mass")
        self.mass_edit.setPlaceholderText(self.tr("kg"))
        self.height_edit = QLineEdit()
        self.height_edit.setObjectName("athlete_height")
        self.height_edit.setPlaceholderText(self.tr("metres, e.g. 1.82"))
        self.external_edit = QLineEdit()
        self.external_edit.setObjectName("athlete_external_id")
        self.external_edit.setPlaceholderText(self.tr("Id used by devices and imports"))
        self.open_case_check = QCheckBox(self.tr("Open an injury case next"))
        self.open_case_check.setObjectName("athlete_open_case")
        self.open_case_check.setChecked(athlete is None)
        self.open_case_check.setVisible(athlete is None)
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow(self.tr("&Name:"), self.name_edit)
        form.addRow(self.tr("Date of &birth:"), self.dob_edit)
        form.addRow(self.tr("&Sport:"), self.sport_edit)
        form.addRow(self.tr("&Position:"), self.position_edit)
        form.addRow(self.tr("&Dominant limb:"), self.limb_combo)
        form.addRow(self.tr("Body &mass (kg):"), self.mass_edit)
        form.addRow(self.tr("&Height (m):"), self.height_edit)
        form.addRow(self.tr("&External id:"), self.external_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.open_case_check)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None
        if athlete is not None:
            self._fill(athlete)

    def _fill(self, a: AthleteInfo) -> None:
        self.name_edit.setText(a.full_name)
        self.dob_edit.setDate(QDate(a.date_of_birth) if a.date_of_birth else _NO_DATE)
        self.sport_edit.setText(a.sport)
        self.position_edit.setText(a.position)
        self.limb_combo.setCurrentIndex(max(0, self.limb_combo.findData(a.dominant_limb)))
        self.mass_edit.setText(number_text(a.body_mass_kg))
        self.height_edit.setText(number_text(a.height_m))
        self.external_edit.setText(a.external_id or "")

    def values(self) -> AthleteInput:
        dob = self.dob_edit.date()
        return AthleteInput(
            full_name=self.name_edit.text(),
            date_of_birth=None if dob == _NO_DATE else dob.toPython(),
            sport=self.sport_edit.text(),
            position=self.position_edit.text(),
            dominant_limb=self.limb_combo.currentData(),
            body_mass_kg=parse_number(self.mass_edit.text(), self.tr("Body mass")),
            height_m=parse_number(self.height_edit.text(), self.tr("Height")),
            external_id=self.external_edit.text() or None,
        )

    def submit(self) -> bool:
        try:
            data = self.values()
            with self._database.session() as s:
                if self.athlete is None:
                    done = athletes.create_athlete(s, self._actor, data)
                else:
                    done = athletes.update_athlete(
                        s, self._actor, self.athlete.id, self.athlete.version, data
                    )
        except ConflictError as exc:
            self._show_conflict(exc, data)
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.athlete = done
        self.saved.emit(done)
        self.accept()
        return True

    def _pairs(self, a: AthleteInput | AthleteInfo) -> list[tuple[str, str]]:
        return [
            (self.tr("Name"), a.full_name),
            (self.tr("Date of birth"), a.date_of_birth.isoformat() if a.date_of_birth else ""),
            (self.tr("Sport"), a.sport),
            (self.tr("Position"), a.position),
            (self.tr("Dominant limb"), a.dominant_limb or ""),
            (self.tr("Body mass (kg)"), number_text(a.body_mass_kg)),
            (self.tr("Height (m)"), number_text(a.height_m)),
            (self.tr("External id"), a.external_id or ""),
        ]

    def _show_conflict(self, exc: ConflictError, mine: AthleteInput) -> None:
        assert self.athlete is not None
        with self._database.session() as s:
            now = athletes.get_athlete(s, self._actor, self.athlete.id)
        self.conflict_dialog = ConflictDialog(self, str(exc), self._pairs(now), self._pairs(mine))
        self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(now))
        self.conflict_dialog.rejected.connect(lambda: self._on_conflict_keep(now))
        self.conflict_dialog.open()

    def _on_conflict_reapply(self, now: AthleteInfo) -> None:
        self.athlete = now
        self.submit()

    def _on_conflict_keep(self, now: AthleteInfo) -> None:
        self.athlete = now
        self._fill(now)


class CaseDialog(QDialog):
    """Open an injury case (``case=None``) or edit the diagnosis of one."""

    saved = Signal(object)  # CaseInfo

    def __init__(
        self,
        database,
        actor: Actor,
        *,
        athlete_id: int | None = None,
        case: CaseInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("case_dialog")
        self._database = database
        self._actor = actor
        self.case = case
        self.setWindowTitle(self.tr("Edit diagnosis") if case else self.tr("Open a case"))
        self.athlete_combo = QComboBox()
        self.athlete_combo.setObjectName("case_athlete")
        with database.session() as s:
            people = athletes.list_athletes(s, actor)
        for person in people:
            label = person.full_name + (f" ({person.external_id})" if person.external_id else "")
            self.athlete_combo.addItem(label, person.id)
        wanted = case.athlete_id if case else athlete_id
        if wanted is not None:
            self.athlete_combo.setCurrentIndex(max(0, self.athlete_combo.findData(wanted)))
        self.athlete_combo.setEnabled(case is None)
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("case_region")
        self.region_combo.addItem(self.tr("Hamstring"), "hamstring")
        self.region_combo.addItem(self.tr("Calf"), "calf")
        self.side_combo = QComboBox()
        self.side_combo.setObjectName("case_side")
        self.side_combo.addItem(self.tr("Left"), "left")
        self.side_combo.addItem(self.tr("Right"), "right")
        self.muscle_combo = QComboBox()
        self.muscle_combo.setObjectName("case_muscle")
        self.classification_combo = QComboBox()
        self.classification_combo.setObjectName("case_classification")
        self.classification_combo.addItem(self.tr("BAMIC"), "bamic")
        self.classification_combo.addItem(self.tr("Munich"), "munich")
        self.grade_combo = QComboBox()
        self.grade_combo.setObjectName("case_grade")
        self.site_combo = QComboBox()
        self.site_combo.setObjectName("case_site")
        self.site_combo.addItem(self.tr("— (none)"), "")
        for key, label in BAMIC_SITES.items():
            self.site_combo.addItem(f"{key}: {self.tr(label)}", key)
        self.mechanism_combo = QComboBox()
        self.mechanism_combo.setObjectName("case_mechanism")
        for key, label in MECHANISMS.items():
            self.mechanism_combo.addItem(self.tr(label), key)
        self.injury_date_edit = _date_edit("case_injury_date")
        self.injury_date_edit.setDate(clinic_time.today_qdate())
        self.recurrence_combo = QComboBox()
        self.recurrence_combo.setObjectName("case_recurrence")
        self.imaging_edit = QPlainTextEdit()
        self.imaging_edit.setTabChangesFocus(True)
        self.imaging_edit.setMaximumHeight(70)
        self.history_edit = QPlainTextEdit()
        self.history_edit.setTabChangesFocus(True)
        self.history_edit.setMaximumHeight(70)
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow(self.tr("A&thlete:"), self.athlete_combo)
        form.addRow(self.tr("&Region:"), self.region_combo)
        form.addRow(self.tr("&Side:"), self.side_combo)
        form.addRow(self.tr("&Muscle:"), self.muscle_combo)
        form.addRow(self.tr("&Classification:"), self.classification_combo)
        form.addRow(self.tr("&Grade:"), self.grade_combo)
        form.addRow(self.tr("S&ite:"), self.site_combo)
        form.addRow(self.tr("M&echanism:"), self.mechanism_combo)
        form.addRow(self.tr("Injury &date:"), self.injury_date_edit)
        form.addRow(self.tr("Rec&urrence of:"), self.recurrence_combo)
        form.addRow(self.tr("Imaging &note:"), self.imaging_edit)
        if case is None:
            form.addRow(self.tr("Injury &history:"), self.history_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save diagnosis") if case else self.tr("Open case"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None

        self.region_combo.currentIndexChanged.connect(self._on_region_combo_changed)
        self.classification_combo.currentIndexChanged.connect(self._on_classification_changed)
        self.athlete_combo.currentIndexChanged.connect(self._on_athlete_combo_changed)
        self._on_region_combo_changed()
        self._on_classification_changed()
        self._on_athlete_combo_changed()
        if case is not None:
            self._fill(case)
            self.region_combo.setEnabled(False)
            self.region_combo.setToolTip(
                self.tr("The region of a case cannot change; open a new case instead.")
            )

    def _fill(self, c: CaseInfo) -> None:
        self.region_combo.setCurrentIndex(self.region_combo.findData(c.region))
        self.side_combo.setCurrentIndex(self.side_combo.findData(c.side))
        self.muscle_combo.setCurrentIndex(max(0, self.muscle_combo.findData(c.muscle)))
        self.classification_combo.setCurrentIndex(
            self.classification_combo.findData(c.classification)
        )
        self.grade_combo.setCurrentIndex(max(0, self.grade_combo.findData(c.grade)))
        self.site_combo.setCurrentIndex(max(0, self.site_combo.findData(c.site)))
        self.mechanism_combo.setCurrentIndex(max(0, self.mechanism_combo.findData(c.mechanism)))
        self.injury_date_edit.setDate(QDate(c.injury_date))
        self.recurrence_combo.setCurrentIndex(
            max(0, self.recurrence_combo.findData(c.recurrence_of_id))
        )
        self.imaging_edit.setPlainText(c.imaging_note)

    def _on_region_combo_changed(self, *_args) -> None:
        keep = self.muscle_combo.currentData()
        self.muscle_combo.clear()
        for key, label in MUSCLES[self.region_combo.currentData()].items():
            self.muscle_combo.addItem(self.tr(label), key)
        self.muscle_combo.setCurrentIndex(max(0, self.muscle_combo.findData(keep)))

    def _on_classification_changed(self, *_args) -> None:
        bamic = self.classification_combo.currentData() == "bamic"
        keep = self.grade_combo.currentData()
        self.grade_combo.clear()
        for grade in BAMIC_GRADES if bamic else MUNICH_GRADES:
            self.grade_combo.addItem(grade, grade)
        self.grade_combo.setCurrentIndex(max(0, self.grade_combo.findData(keep or "1")))
        self.site_combo.setEnabled(bamic)
        if not bamic:
            self.site_combo.setCurrentIndex(0)

    def _on_athlete_combo_changed(self, *_args) -> None:
        self.recurrence_combo.clear()
        self.recurrence_combo.addItem(self.tr("— (first injury)"), None)
        athlete_id = self.athlete_combo.currentData()
        if athlete_id is None:
            return
        try:
            with self._database.session() as s:
                rows = cases.list_case_rows(s, self._actor)
        except CaseMgrError as exc:
            log.info("Earlier cases not listed: %s", exc)
            return
        for row in rows:
            if row.athlete_id == athlete_id and (self.case is None or row.case_id != self.case.id):
                self.recurrence_combo.addItem(
                    self.tr("{0} {1} injury of {2}").format(
                        row.side, row.region, row.injury_date.isoformat()
                    ),
                    row.case_id,
                )

    def values(self) -> CaseInput:
        return CaseInput(
            region=self.region_combo.currentData(),
            side=self.side_combo.currentData(),
            muscle=self.muscle_combo.currentData(),
            injury_date=self.injury_date_edit.date().toPython(),
            classification=self.classification_combo.currentData(),
            grade=self.grade_combo.currentData() or "",
            site=self.site_combo.currentData() or "",
            mechanism=self.mechanism_combo.currentData(),
            recurrence_of_id=self.recurrence_combo.currentData(),
            imaging_note=self.imaging_edit.toPlainText(),
            history_note=self.history_edit.toPlainText(),
        )

    def submit(self) -> bool:
        data = self.values()
        try:
            athlete_id = self.athlete_combo.currentData()
            if athlete_id is None:
                raise ValidationError("Choose the athlete (or create one first).")
            with self._database.session() as s:
                if self.case is None:
                    done = cases.open_case(s, self._actor, athlete_id, data)
                else:
                    done = cases.update_diagnosis(
                        s, self._actor, self.case.id, self.case.version, data
                    )
        except ConflictError as exc:
            self._show_conflict(exc, data)
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.case = done
        self.saved.emit(done)
        self.accept()
        return True

    def _pairs(self, c: CaseInput | CaseInfo) -> list[tuple[str, str]]:
        injury_day: date = c.injury_date
        return [
            (self.tr("Side"), c.side),
            (self.tr("Muscle"), c.muscle.replace("_", " ")),
            (self.tr("Grade"), f"{c.classification} {c.grade}{c.site}"),
            (self.tr("Mechanism"), MECHANISMS.get(c.mechanism, c.mechanism)),
            (self.tr("Injury date"), injury_day.isoformat()),
            (self.tr("Imaging note"), c.imaging_note),
        ]

    def _show_conflict(self, exc: ConflictError, mine: CaseInput) -> None:
        assert self.case is not None
        with self._database.session() as s:
            now = cases.get_case(s, self._actor, self.case.id)
        self.conflict_dialog = ConflictDialog(self, str(exc), self._pairs(now), self._pairs(mine))
        self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(now))
        self.conflict_dialog.rejected.connect(self.reject)
        self.conflict_dialog.open()

    def _on_conflict_reapply(self, now: CaseInfo) -> None:
        self.case = now
        self.submit()
