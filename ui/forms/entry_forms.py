"""Entry forms for every discipline, the panel that hosts them and the amend/void dialogs.

Each form checks what it can (numbers, required fields) and leaves the rest to the
service, whose ``CaseMgrError`` message is shown in the form: nothing typed is lost, the
form is cleared only after a successful save. The panel keeps one form per kind, so a
half-written note survives a quick switch to the feedback form.

Timing-gate tests fit the sprint profile as the splits are typed
(``casemgr.clinical.sprint``) and are stored as measures (``split_*``, ``max_velocity`` =
MSS, ``f0_rel``, ``v0``, ``pmax_rel``) with the splits and the fitted profile kept on the
entry. A timing-gate test is corrected by voiding it and recording the corrected test in
the same unit of work (the measures service keeps a measure entry's extra data as it was
when amending, which would leave the old splits beside new numbers).
"""

from __future__ import annotations

import logging
import math
import re
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.errors import ClinicalDataError
from casemgr.errors import CaseMgrError, ConflictError, ValidationError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import planning, timeline
from casemgr.services.base import ACTION_TEXT
from casemgr.services.dto import AthleteInfo, CaseInfo, EntryInfo, MeasureValue
from casemgr.services.timeline import SessionInput
from casemgr.vocab import SESSION_TYPES, SURFACES
from ui.common.entries import entry_text, local_text
from ui.platform import drafts
from ui.platform.errors import ConflictDialog

if TYPE_CHECKING:  # numpy and scipy load with the first timing-gate test, not at start-up
    from casemgr.clinical.sprint import SprintProfile

log = logging.getLogger(__name__)

_NOT_MEASURES = {"pain", "soreness", "tightness", "sleep_hours", "stress", "confidence"}
_NOT_MEASURES |= {"srpe", "duration"}
SPRINT_SPLIT_KEYS = {5.0: "split_5m", 10.0: "split_10m", 20.0: "split_20m", 30.0: "split_30m"}
SPRINT_SPLIT_KEYS[40.0] = "split_40m"
CORRECTIONS = {
    "none": "No correction",
    "time_shift": "Time shift (+0.3 s)",
    "tc": "Estimated time correction",
    "fd": "Estimated flying distance",
}


DRAFT_DELAY_MS = 1500  # autosave this long after the last keystroke


@dataclass(frozen=True)
class FormContext:
    """What the forms need to know about the case they write to."""

    case: CaseInfo
    athlete: AthleteInfo | None = None
    checks: tuple[tuple[str, str], ...] = ()  # (check key, label) from the case's protocol
    extra: dict[str, Any] = field(default_factory=dict)


# -- small helpers ------------------------------------------------------------------------


_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")


def parse_number(text: str, label: str, *, required: bool = False) -> float | None:
    """A number typed by a person: ``8,2`` or ``8.2``; blank is None unless *required*."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        if required:
            raise ValidationError(f"{label}: enter a value.")
        return None
    locale = QLocale()  # its decimal mark, never its thousands separator (never a guess)
    locale.setNumberOptions(locale.numberOptions() | QLocale.NumberOption.RejectGroupSeparator)
    value, ok = locale.toDouble(raw)
    if not ok:
        if not _NUMBER.fullmatch(raw):
            raise ValidationError(f"{label}: '{text.strip()}' is not a number.")
        if _GROUPED.fullmatch(raw):  # "1,250": 1250 or 1.25?
            mark = "," if "," in raw else "."
            raise ValidationError(
                f"{label}: '{raw}' is ambiguous; write {raw.replace(mark, '')} or "
                f"{raw.replace(mark, '.')}."
            )
        value = float(raw.replace(",", "."))
    if not math.isfinite(value):
        raise ValidationError(f"{label}: '{text.strip()}' is not a number.")
    return value


def number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def aware(moment: QDateTime) -> datetime:
    """A local date-time from a widget as an aware datetime."""
    return moment.toPython().astimezone()


class WhenEdit(QDateTimeEdit):
    """When it happened; left at its "now" default it means the moment of saving."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.reset_to_now()

    def reset_to_now(self) -> None:
        now = QDateTime.currentDateTime()
        self.setMaximumDateTime(now.addDays(1))
        self.setDateTime(now)
        self._default: QDateTime | None = self.dateTime()

    def set_fixed(self, moment: QDateTime) -> None:
        """A given time (a baseline date, the time of an entry being corrected)."""
        self.setDateTime(moment)
        self._default = None

    def value(self) -> datetime | None:
        """The chosen moment (aware), or None for "now" when the user left the default."""
        if self._default is not None and self.dateTime() == self._default:
            return None
        return aware(self.dateTime())


def _now_edit() -> WhenEdit:
    return WhenEdit()


def _optional_spin(low: int, high: int, tip: str) -> QSpinBox:
    """A 0-10 style score that may stay unanswered ("—")."""
    spin = QSpinBox()
    spin.setRange(low - 1, high)
    spin.setSpecialValueText("—")
    spin.setValue(low - 1)
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    return spin


def _spin_value(spin: QSpinBox | QDoubleSpinBox) -> float | None:
    return None if spin.value() == spin.minimum() else float(spin.value())


def _set_spin(spin: QSpinBox | QDoubleSpinBox, value: float | None) -> None:
    spin.setValue(spin.minimum() if value is None else value)  # type: ignore[arg-type]


def _plain(max_height: int = 0) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    if max_height:
        edit.setMaximumHeight(max_height)
    return edit


# -- the forms ----------------------------------------------------------------------------


class _FormMeta(ABCMeta, type(QWidget)):
    """Qt's metaclass with ABC's: the abstract methods below name what every form defines."""


class EntryForm(QWidget, metaclass=_FormMeta):
    """One kind of entry. Subclasses build widgets and implement save (and amend)."""

    kind = ""
    action = Action.ADD_NOTE
    amends: tuple[str, ...] = ()  # timeline kinds this form can correct
    edited = Signal()

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    @property
    def case_id(self) -> int:
        return self.context.case.id

    @abstractmethod
    def label(self) -> str:
        """The form's name in the "New entry" list."""

    def focus_first(self) -> None:
        self.focusNextChild()

    @abstractmethod
    def clear(self) -> None:
        """Empty the form after a save (or on "Clear")."""

    @abstractmethod
    def save(self, session, actor: Actor) -> str:
        """Write the entry; returns what to tell the user. Raises ``CaseMgrError``."""

    def load_entry(self, entry: EntryInfo) -> None:
        """Fill the form from *entry* (to amend it)."""
        raise ValidationError("This kind of entry cannot be amended here.")

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        raise ValidationError("This kind of entry cannot be amended here.")

    def summary(self) -> list[tuple[str, str]]:
        """The form's content as (field, value) pairs (for a conflict)."""
        return []

    def _watch(self, *widgets: QWidget) -> None:
        for w in widgets:
            for name in ("textChanged", "valueChanged", "currentIndexChanged", "toggled"):
                signal = getattr(w, name, None)
                if signal is not None:
                    signal.connect(self.edited)
                    break


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


class FeedbackForm(EntryForm):
    """Daily feedback: scores (blank = not asked), sleep, stress and free text."""

    kind = "feedback"
    action = Action.ADD_FEEDBACK
    amends = ("feedback",)

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.when_edit = _now_edit()
        self.pain_spin = _optional_spin(0, 10, self.tr("Pain during/after activity, 0-10 (NRS)"))
        self.soreness_spin = _optional_spin(0, 10, self.tr("Next-day soreness, 0-10"))
        self.tightness_spin = _optional_spin(0, 10, self.tr("Tightness, 0-10"))
        self.confidence_spin = _optional_spin(0, 10, self.tr("Confidence, 0-10"))
        self.stress_spin = _optional_spin(1, 5, self.tr("Stress, 1-5"))
        self.sleep_spin = QDoubleSpinBox()
        self.sleep_spin.setRange(-0.5, 24)
        self.sleep_spin.setSingleStep(0.5)
        self.sleep_spin.setDecimals(1)
        self.sleep_spin.setSpecialValueText("—")
        self.sleep_spin.setValue(-0.5)
        self.sleep_spin.setSuffix(self.tr(" h"))
        for name, spin in (
            ("pain", self.pain_spin),
            ("soreness", self.soreness_spin),
            ("tightness", self.tightness_spin),
            ("confidence", self.confidence_spin),
            ("stress", self.stress_spin),
            ("sleep_hours", self.sleep_spin),
        ):
            spin.setObjectName(f"feedback_{name}")
        self.fatigue_check = QCheckBox(self.tr("Unusual fatigue"))
        self.fatigue_check.setObjectName("feedback_fatigue")
        self.nutrition_edit = QLineEdit()
        self.form_cues_edit = QLineEdit()
        self.form_cues_edit.setObjectName("feedback_form_cues")
        self.breathing_edit = QLineEdit()
        self.comment_edit = _plain(80)
        self.comment_edit.setObjectName("feedback_comment")
        scores = QGridLayout()
        for n, (label, spin) in enumerate(
            (
                (self.tr("&Pain:"), self.pain_spin),
                (self.tr("S&oreness:"), self.soreness_spin),
                (self.tr("T&ightness:"), self.tightness_spin),
                (self.tr("Con&fidence:"), self.confidence_spin),
                (self.tr("Stre&ss (1-5):"), self.stress_spin),
                (self.tr("Slee&p:"), self.sleep_spin),
            )
        ):
            caption = QLabel(label)
            caption.setBuddy(spin)
            scores.addWidget(caption, n // 2, (n % 2) * 2)
            scores.addWidget(spin, n // 2, (n % 2) * 2 + 1)
        self.form.addRow(self.tr("&When:"), self.when_edit)
        self.form.addRow(scores)
        self.form.addRow("", self.fatigue_check)
        self.form.addRow(self.tr("Form cues:"), self.form_cues_edit)
        self.form.addRow(self.tr("Breathing rhythm:"), self.breathing_edit)
        self.form.addRow(self.tr("Nutrition:"), self.nutrition_edit)
        self.form.addRow(self.tr("Comment:"), self.comment_edit)
        self._watch(self.pain_spin, self.soreness_spin, self.comment_edit, self.form_cues_edit)

    def label(self) -> str:
        return self.tr("Daily feedback")

    def focus_first(self) -> None:
        self.pain_spin.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.pain_spin.selectAll()

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "pain": _spin_value(self.pain_spin),
            "soreness": _spin_value(self.soreness_spin),
            "tightness": _spin_value(self.tightness_spin),
            "confidence": _spin_value(self.confidence_spin),
            "stress": _spin_value(self.stress_spin),
            "sleep_hours": _spin_value(self.sleep_spin),
            "nutrition": self.nutrition_edit.text(),
            "form_cues": self.form_cues_edit.text(),
            "breathing_rhythm": self.breathing_edit.text(),
            "comment": self.comment_edit.toPlainText(),
        }
        values = {k: v for k, v in values.items() if v not in (None, "")}
        if self.fatigue_check.isChecked() or not values:
            values["unusual_fatigue"] = self.fatigue_check.isChecked() or None
        if values.get("unusual_fatigue") is None:
            values.pop("unusual_fatigue", None)
        return values

    def clear(self) -> None:
        for spin in (
            self.pain_spin,
            self.soreness_spin,
            self.tightness_spin,
            self.confidence_spin,
            self.stress_spin,
            self.sleep_spin,
        ):
            _set_spin(spin, None)
        for edit in (self.nutrition_edit, self.form_cues_edit, self.breathing_edit):
            edit.clear()
        self.comment_edit.clear()
        self.fatigue_check.setChecked(False)
        self.when_edit.reset_to_now()

    def save(self, session, actor: Actor) -> str:
        timeline.add_feedback(
            session,
            actor,
            self.case_id,
            self._values(),
            occurred_at=self.when_edit.value(),
        )
        return self.tr("Daily feedback saved.")

    def load_entry(self, entry: EntryInfo) -> None:
        values = entry.data.get("values", {})
        _set_spin(self.pain_spin, values.get("pain"))
        _set_spin(self.soreness_spin, values.get("soreness"))
        _set_spin(self.tightness_spin, values.get("tightness"))
        _set_spin(self.confidence_spin, values.get("confidence"))
        _set_spin(self.stress_spin, values.get("stress"))
        _set_spin(self.sleep_spin, values.get("sleep_hours"))
        self.nutrition_edit.setText(entry.data.get("nutrition", ""))
        self.form_cues_edit.setText(entry.data.get("form_cues", ""))
        self.breathing_edit.setText(entry.data.get("breathing_rhythm", ""))
        self.comment_edit.setPlainText(entry.data.get("comment", ""))
        self.fatigue_check.setChecked(bool(entry.data.get("unusual_fatigue")))
        self.when_edit.set_fixed(QDateTime(entry.occurred_at.astimezone().replace(tzinfo=None)))
        self.when_edit.setEnabled(False)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        data = self._values()
        data.setdefault("unusual_fatigue", self.fatigue_check.isChecked())
        return timeline.amend_entry(session, actor, entry.id, entry.version, reason, data=data)

    def summary(self) -> list[tuple[str, str]]:
        return [(k.replace("_", " ").capitalize(), str(v)) for k, v in self._values().items()]


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


class MeasureRow(QWidget):
    """One measure: which, left/right (or one value) and the unit typed in."""

    removed = Signal(object)

    def __init__(self, injured_side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalogue = load_catalogue()
        self.measure_combo = QComboBox()
        self.measure_combo.setObjectName("measure_key")
        for measure in sorted(self._catalogue, key=lambda m: (m.group, m.label)):
            if measure.key not in _NOT_MEASURES:
                self.measure_combo.addItem(self.tr(measure.label), measure.key)
        self.left_edit = QLineEdit()
        self.left_edit.setObjectName("measure_left")
        self.right_edit = QLineEdit()
        self.right_edit.setObjectName("measure_right")
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("measure_value")
        for edit in (self.left_edit, self.right_edit, self.value_edit):
            edit.setMaximumWidth(90)
        self.left_edit.setPlaceholderText(
            self.tr("Left (injured)") if injured_side == "left" else self.tr("Left")
        )
        self.right_edit.setPlaceholderText(
            self.tr("Right (injured)") if injured_side == "right" else self.tr("Right")
        )
        self.value_edit.setPlaceholderText(self.tr("Value"))
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("measure_unit")
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setToolTip(self.tr("Remove this measure"))
        self.remove_button.clicked.connect(lambda: self.removed.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.measure_combo, 1)
        layout.addWidget(self.left_edit)
        layout.addWidget(self.right_edit)
        layout.addWidget(self.value_edit)
        layout.addWidget(self.unit_combo)
        layout.addWidget(self.remove_button)
        self.measure_combo.currentIndexChanged.connect(self._on_measure_combo_changed)
        self._on_measure_combo_changed()

    @property
    def key(self) -> str:
        return self.measure_combo.currentData()

    def set_key(self, key: str) -> None:
        self.measure_combo.setCurrentIndex(max(0, self.measure_combo.findData(key)))

    def _on_measure_combo_changed(self, *_args) -> None:
        measure = self._catalogue.get(self.key)
        self.left_edit.setVisible(measure.per_limb)
        self.right_edit.setVisible(measure.per_limb)
        self.value_edit.setVisible(not measure.per_limb)
        self.unit_combo.clear()
        for unit in self._catalogue.accepted_units(measure.key):
            shown = measure.display_unit if unit == measure.unit else unit
            self.unit_combo.addItem(shown or self.tr("(score)"), unit)
        self.measure_combo.setToolTip(measure.notes)

    def values(self) -> list[MeasureValue]:
        measure = self._catalogue.get(self.key)
        unit = self.unit_combo.currentData() or None
        if unit == measure.unit:
            unit = None
        out = []
        if measure.per_limb:
            for limb, edit, side in (
                ("left", self.left_edit, self.tr("left")),
                ("right", self.right_edit, self.tr("right")),
            ):
                value = parse_number(edit.text(), f"{measure.label} ({side})")
                if value is not None:
                    out.append(MeasureValue(measure.key, value, limb, unit))
        else:
            value = parse_number(self.value_edit.text(), measure.label)
            if value is not None:
                out.append(MeasureValue(measure.key, value, None, unit))
        return out

    def is_blank(self) -> bool:
        return not any(e.text().strip() for e in (self.left_edit, self.right_edit, self.value_edit))


class MeasuresForm(EntryForm):
    """Measure results with left/right, or (``baseline=True``) pre-injury baselines."""

    kind = "measure"
    action = Action.RECORD_MEASURE
    amends = ("measure",)

    def __init__(
        self, context: FormContext, parent: QWidget | None = None, *, baseline: bool = False
    ) -> None:
        super().__init__(context, parent)
        self.baseline = baseline
        if baseline:
            self.kind, self.action = "baseline", Action.RECORD_BASELINE
        self.when_edit = _now_edit()
        if baseline:
            before = context.case.injury_date - timedelta(days=1)
            self.when_edit.set_fixed(QDateTime(before, QTime(12, 0)))
            hint = QLabel(
                self.tr(
                    "Baselines are the last results before the injury ({0}); "
                    "criteria compare against them."
                ).format(context.case.injury_date.isoformat())
            )
            hint.setWordWrap(True)
            self.form.addRow(hint)
        self.rows: list[MeasureRow] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        self.add_button = QPushButton(self.tr("&Add a measure"))
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.note_edit = _plain(70)
        self.note_edit.setObjectName("measure_note")
        self.form.addRow(self.tr("&Measured:"), self.when_edit)
        self.form.addRow(self.rows_box)
        self.form.addRow("", self.add_button)
        self.form.addRow(self.tr("&Note:"), self.note_edit)
        self.add_row()

    def label(self) -> str:
        return self.tr("Baseline (pre-injury)") if self.baseline else self.tr("Measure results")

    def focus_first(self) -> None:
        self.rows[0].measure_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def add_row(self, key: str | None = None) -> MeasureRow:
        row = MeasureRow(self.context.case.side)
        if key:
            row.set_key(key)
        row.removed.connect(self._on_row_removed)
        for edit in (row.left_edit, row.right_edit, row.value_edit):
            edit.textChanged.connect(self.edited)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        return row

    def _on_add_button_clicked(self) -> None:
        self.add_row().measure_combo.setFocus()

    def _on_row_removed(self, row: MeasureRow) -> None:
        if len(self.rows) == 1:
            row.left_edit.clear()
            row.right_edit.clear()
            row.value_edit.clear()
            return
        self.rows.remove(row)
        row.deleteLater()

    def _values(self) -> list[MeasureValue]:
        values = [v for row in self.rows for v in row.values()]
        if not values:
            raise ValidationError("Enter at least one value.")
        return values

    def clear(self) -> None:
        for row in self.rows[1:]:
            row.deleteLater()
        self.rows = self.rows[:1]
        self._on_row_removed(self.rows[0])
        self.note_edit.clear()

    def save(self, session, actor: Actor) -> str:
        timeline.record_measures(
            session,
            actor,
            self.case_id,
            self._values(),
            measured_at=self.when_edit.value(),
            is_baseline=self.baseline,
            note=self.note_edit.toPlainText(),
        )
        return self.tr("Baseline saved.") if self.baseline else self.tr("Measures saved.")

    def load_entry(self, entry: EntryInfo) -> None:
        by_key: dict[str, dict[str | None, float]] = {}
        for item in entry.data.get("values", []):
            by_key.setdefault(item["key"], {})[item.get("limb")] = item["value"]
        for n, (key, limbs) in enumerate(by_key.items()):
            row = self.rows[0] if n == 0 else self.add_row()
            row.set_key(key)
            row.left_edit.setText(number_text(limbs.get("left")))
            row.right_edit.setText(number_text(limbs.get("right")))
            row.value_edit.setText(number_text(limbs.get(None)))
        self.note_edit.setPlainText(entry.body)
        self.when_edit.set_fixed(QDateTime(entry.occurred_at.astimezone().replace(tzinfo=None)))
        self.when_edit.setEnabled(False)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        return timeline.amend_entry(
            session,
            actor,
            entry.id,
            entry.version,
            reason,
            body=self.note_edit.toPlainText(),
            values=self._values(),
        )

    def summary(self) -> list[tuple[str, str]]:
        pairs = []
        for row in self.rows:
            try:
                values = row.values()
            except CaseMgrError:
                continue
            for v in values:
                limb = f" ({v.limb})" if v.limb else ""
                pairs.append((row.measure_combo.currentText() + limb, f"{v.value:g}"))
        return pairs


class SprintTestForm(EntryForm):
    """A timing-gate test: split times -> the sprint force-velocity profile, at once."""

    kind = "sprint"
    action = Action.RECORD_MEASURE
    amends = ("measure",)
    profile_changed = Signal(object)  # SprintProfile or None

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        athlete = context.athlete
        self.when_edit = _now_edit()
        self.splits_edit = QLineEdit()
        self.splits_edit.setObjectName("sprint_splits")
        self.splits_edit.setPlaceholderText(self.tr("distance:time, e.g. 5:1.20, 10:1.95, 20:3.10"))
        self.mass_spin = QDoubleSpinBox()
        self.mass_spin.setObjectName("sprint_mass")
        self.mass_spin.setRange(20, 250)
        self.mass_spin.setDecimals(1)
        self.mass_spin.setSuffix(" kg")
        self.mass_spin.setValue(athlete.body_mass_kg if athlete and athlete.body_mass_kg else 75)
        self.height_spin = QDoubleSpinBox()
        self.height_spin.setObjectName("sprint_height")
        self.height_spin.setRange(1.0, 2.5)
        self.height_spin.setDecimals(2)
        self.height_spin.setSingleStep(0.01)
        self.height_spin.setSuffix(" m")
        self.height_spin.setValue(athlete.height_m if athlete and athlete.height_m else 1.75)
        self.correction_combo = QComboBox()
        self.correction_combo.setObjectName("sprint_correction")
        for key, label in CORRECTIONS.items():
            self.correction_combo.addItem(self.tr(label), key)
        self.baseline_check = QCheckBox(self.tr("Pre-injury baseline"))
        self.baseline_check.setObjectName("sprint_baseline")
        self.baseline_check.toggled.connect(self._on_baseline_check_toggled)
        self.result_label = QLabel()
        self.result_label.setObjectName("sprint_result")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.note_edit = _plain(60)
        self.form.addRow(self.tr("&When:"), self.when_edit)
        self.form.addRow(self.tr("&Splits:"), self.splits_edit)
        self.form.addRow(self.tr("Body &mass:"), self.mass_spin)
        self.form.addRow(self.tr("&Height:"), self.height_spin)
        self.form.addRow(self.tr("Start &correction:"), self.correction_combo)
        self.form.addRow("", self.baseline_check)
        self.form.addRow(self.tr("Profile:"), self.result_label)
        self.form.addRow(self.tr("&Note:"), self.note_edit)
        self.profile: SprintProfile | None = None
        for signal in (
            self.splits_edit.textChanged,
            self.mass_spin.valueChanged,
            self.height_spin.valueChanged,
            self.correction_combo.currentIndexChanged,
        ):
            signal.connect(self._on_inputs_changed)
        self._watch(self.splits_edit)
        self._on_inputs_changed()

    def label(self) -> str:
        return self.tr("Timing-gate test")

    def focus_first(self) -> None:
        self.splits_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_baseline_check_toggled(self, on: bool) -> None:
        if on:
            before = self.context.case.injury_date - timedelta(days=1)
            self.when_edit.set_fixed(QDateTime(before, QTime(12, 0)))
        else:
            self.when_edit.reset_to_now()

    def _fit(self) -> SprintProfile:
        from casemgr.clinical.sprint import fit_sprint_profile, parse_splits

        text = self.splits_edit.text().replace(", ", ",")
        try:
            distances, times = parse_splits(text)
            return fit_sprint_profile(
                distances,
                times,
                self.mass_spin.value(),
                self.height_spin.value(),
                correction=self.correction_combo.currentData(),
            )
        except ClinicalDataError as exc:
            raise ValidationError(f"Splits: {exc}.") from exc

    def _on_inputs_changed(self, *_args) -> None:
        if not self.splits_edit.text().strip():
            self.profile = None
            self.result_label.setText(self.tr("Type at least three splits."))
        else:
            try:
                self.profile = self._fit()
            except ValidationError as exc:
                self.profile = None
                self.result_label.setText(str(exc))
            else:
                p = self.profile
                self.result_label.setText(
                    self.tr(
                        "Max sprint speed {0:.2f} m/s · max acceleration {1:.2f} m/s² · "
                        "F0 {2:.2f} N/kg · V0 {3:.2f} m/s · Pmax {4:.2f} W/kg · RMSE {5:.3f} s"
                    ).format(p.mss, p.mac, p.f0_rel, p.v0, p.pmax_rel, p.rmse)
                )
        self.profile_changed.emit(self.profile)

    def _values(self, profile: SprintProfile) -> list[MeasureValue]:
        values = [
            MeasureValue(SPRINT_SPLIT_KEYS[d], t)
            for d, t in zip(profile.distances, profile.times, strict=True)
            if d in SPRINT_SPLIT_KEYS
        ]
        values += [
            MeasureValue("max_velocity", round(profile.mss, 3)),
            MeasureValue("f0_rel", round(profile.f0_rel, 3)),
            MeasureValue("v0", round(profile.v0, 3)),
            MeasureValue("pmax_rel", round(profile.pmax_rel, 3)),
        ]
        return values

    def _record(
        self, session, actor: Actor, measured_at: datetime | None, baseline: bool
    ) -> EntryInfo:
        profile = self._fit()
        return timeline.record_measures(
            session,
            actor,
            self.case_id,
            self._values(profile),
            measured_at=measured_at,
            is_baseline=baseline,
            note=self.note_edit.toPlainText(),
            title=("Baseline: " if baseline else "") + "Timing-gate test",
            extra_data={
                "test": "timing_gate",
                "splits": [[d, t] for d, t in zip(profile.distances, profile.times, strict=True)],
                "profile": profile.as_dict(),
            },
        )

    def clear(self) -> None:
        self.splits_edit.clear()
        self.note_edit.clear()
        self.baseline_check.setChecked(False)

    def save(self, session, actor: Actor) -> str:
        baseline = self.baseline_check.isChecked()
        if baseline and not allowed(actor.role, Action.RECORD_BASELINE):
            raise ValidationError("Your role does not allow you to record baselines.")
        self._record(session, actor, self.when_edit.value(), baseline)
        return self.tr("Timing-gate test saved.")

    def load_entry(self, entry: EntryInfo) -> None:
        splits = entry.data.get("splits") or []
        self.splits_edit.setText(", ".join(f"{d:g}:{t:g}" for d, t in splits))
        correction = (entry.data.get("profile") or {}).get("correction", "none")
        self.correction_combo.setCurrentIndex(max(0, self.correction_combo.findData(correction)))
        profile = entry.data.get("profile") or {}
        if profile.get("mass_kg"):
            self.mass_spin.setValue(float(profile["mass_kg"]))
        if profile.get("height_m"):
            self.height_spin.setValue(float(profile["height_m"]))
        self.baseline_check.setChecked(bool(entry.data.get("is_baseline")))
        self.when_edit.set_fixed(QDateTime(entry.occurred_at.astimezone().replace(tzinfo=None)))
        self.baseline_check.setEnabled(False)
        self.when_edit.setEnabled(False)
        self.note_edit.setPlainText(entry.body)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        self._fit()  # refuse bad splits before withdrawing anything
        timeline.void_entry(
            session,
            actor,
            entry.id,
            entry.version,
            f"Replaced by a corrected timing-gate test: {reason.strip()}" if reason.strip() else "",
        )
        return self._record(session, actor, entry.occurred_at, bool(entry.data.get("is_baseline")))

    def summary(self) -> list[tuple[str, str]]:
        return [(self.tr("Splits"), self.splits_edit.text())]


class TargetForm(EntryForm):
    """A weekly target for the case (the week starts on Monday)."""

    kind = "target"
    action = Action.PLAN

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.week_edit = QDateEdit(QDate.currentDate())
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


class PlanForm(EntryForm):
    """A planned session on the microcycle calendar."""

    kind = "plan"
    action = Action.PLAN

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.day_edit = QDateEdit(QDate.currentDate().addDays(1))
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


FORM_KINDS = (
    "note",
    "feedback",
    "session",
    "measure",
    "sprint",
    "baseline",
    "target",
    "plan",
    "check",
    "flag",
    "sign_off",
)


def make_form(kind: str, context: FormContext) -> EntryForm:
    if kind == "baseline":
        return MeasuresForm(context, baseline=True)
    classes: dict[str, type[EntryForm]] = {
        "note": NoteForm,
        "feedback": FeedbackForm,
        "session": SessionForm,
        "measure": MeasuresForm,
        "sprint": SprintTestForm,
        "target": TargetForm,
        "plan": PlanForm,
        "check": CheckForm,
        "flag": FlagForm,
        "sign_off": SignOffForm,
    }
    return classes[kind](context)


def form_kind_for(entry: EntryInfo) -> str | None:
    """Which form corrects *entry* (None: not amendable through a form)."""
    if entry.kind == "measure":
        return "sprint" if entry.data.get("test") == "timing_gate" else "measure"
    return (
        entry.kind
        if entry.kind in ("note", "feedback", "session", "check", "flag", "sign_off")
        else None
    )


def denial_text(actor: Actor, action: Action) -> str:
    return f"Your role ({actor.role_label}) does not allow you to {ACTION_TEXT[action]}."


# -- the panel ------------------------------------------------------------------------------


class EntryPanel(QWidget):
    """Pick a kind of entry, fill its form, save; errors are shown here, typing is kept."""

    entry_saved = Signal(str, str)  # kind, message

    def __init__(self, database, actor: Actor, context: FormContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._database = database
        self._actor = actor
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("entry_kind")
        self.stack = QStackedWidget()
        self.forms: dict[str, EntryForm] = {}
        for kind in FORM_KINDS:
            form = make_form(kind, context)
            self.forms[kind] = form
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(form)
            self.stack.addWidget(scroll)
            self.kind_combo.addItem(form.label(), kind)
            form.edited.connect(self._on_form_edited)
        caption = QLabel(self.tr("&New entry:"))
        caption.setBuddy(self.kind_combo)
        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.kind_combo, 1)
        self.denied_label = QLabel()
        self.denied_label.setObjectName("entry_denied")
        self.denied_label.setWordWrap(True)
        self.denied_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel()
        self.error_label.setObjectName("entry_error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        self.save_button = QPushButton(self.tr("&Save entry"))
        self.save_button.setObjectName("save_entry")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._build_draft_bar())
        layout.addWidget(self.denied_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self._on_kind_combo_changed(0)
        self._draft_path = drafts.draft_path(actor.username, context.case.id)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._offer_draft()

    # -- drafts (autosaved typing) --------------------------------------------------------

    def _build_draft_bar(self) -> QWidget:
        self.draft_bar = QFrame()
        self.draft_bar.setObjectName("draft_bar")
        self.draft_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.draft_label = QLabel()
        self.draft_label.setWordWrap(True)
        self.draft_label.setTextFormat(Qt.TextFormat.PlainText)
        self.restore_draft_button = QPushButton(self.tr("&Restore"))
        self.restore_draft_button.clicked.connect(self._on_restore_draft_button_clicked)
        self.discard_draft_button = QPushButton(self.tr("Discard"))
        self.discard_draft_button.clicked.connect(self._on_discard_draft_button_clicked)
        row = QHBoxLayout(self.draft_bar)
        row.addWidget(self.draft_label, 1)
        row.addWidget(self.restore_draft_button)
        row.addWidget(self.discard_draft_button)
        self.draft_bar.hide()
        return self.draft_bar

    def _offer_draft(self) -> None:
        found = drafts.load(self._draft_path)
        if found is None:
            return
        saved_at, fields = found
        self._pending_draft = fields
        self.draft_label.setText(
            self.tr(
                "Unsaved typing from {0} was kept (the app closed before it was saved)."
            ).format(local_text(saved_at))
        )
        self.draft_bar.show()

    def _on_restore_draft_button_clicked(self) -> None:
        drafts.restore(self.forms, getattr(self, "_pending_draft", {}))
        kinds = list(getattr(self, "_pending_draft", {}))
        if kinds and kinds[0] in self.forms:
            self.show_kind(kinds[0])
        self.draft_bar.hide()

    def _on_discard_draft_button_clicked(self) -> None:
        self._draft_path.unlink(missing_ok=True)
        self.draft_bar.hide()

    def save_draft(self) -> None:
        """Write what is typed now (called shortly after the last keystroke)."""
        self._draft_timer.stop()
        try:
            drafts.save(self._draft_path, drafts.capture(self.forms))
        except OSError as exc:
            log.warning("Draft not saved: %s", exc)

    @property
    def current_form(self) -> EntryForm:
        return self.forms[self.kind_combo.currentData()]

    def show_kind(self, kind: str, *, focus: bool = True) -> EntryForm:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        if focus:
            self.current_form.focus_first()
        return self.current_form

    def set_enabled_for_case(self, open_for_entries: bool, reason: str = "") -> None:
        """A closed case takes no entries: say so."""
        self._closed_reason = "" if open_for_entries else reason
        self._on_kind_combo_changed(self.kind_combo.currentIndex())

    def _on_kind_combo_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        form = self.current_form
        may = allowed(self._actor.role, form.action)
        closed = getattr(self, "_closed_reason", "")
        text = closed or ("" if may else denial_text(self._actor, form.action))
        self.denied_label.setText(text)
        self.denied_label.setVisible(bool(text))
        form.setEnabled(may and not closed)
        self.save_button.setEnabled(may and not closed)
        self.error_label.hide()

    def _on_form_edited(self) -> None:
        if self.error_label.isVisible() and self.sender() is self.current_form:
            self.error_label.hide()
        self._draft_timer.start()

    def _on_clear_button_clicked(self) -> None:
        self.current_form.clear()
        self.error_label.hide()
        self.save_draft()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def save(self) -> bool:
        form = self.current_form
        try:
            with self._database.session() as s:
                message = form.save(s, self._actor)
        except CaseMgrError as exc:
            log.info("Entry not saved: %s", exc)
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        form.clear()
        self.error_label.hide()
        self.save_draft()
        self.entry_saved.emit(form.kind, message)
        return True


# -- amend and void ------------------------------------------------------------------------


def _latest_version(database, actor: Actor, entry_id: int) -> EntryInfo:
    with database.session() as s:
        chain = timeline.entry_history(s, actor, entry_id)
    return chain[-1]


def _entry_pairs(entry: EntryInfo) -> list[tuple[str, str]]:
    status = {"active": "current", "amended": "amended", "voided": "voided"}.get(
        entry.status, entry.status
    )
    pairs = [
        ("Entry", entry_text(entry)),
        ("Text", entry.body),
        ("Status", status),
        ("By", entry.author_name),
        ("When", local_text(entry.recorded_at)),
    ]
    if entry.void_reason:
        pairs.append(("Reason", entry.void_reason))
    elif entry.amend_reason:
        pairs.append(("Reason", entry.amend_reason))
    return pairs


class AmendDialog(QDialog):
    """Correct an entry: its form, pre-filled, and the reason (required)."""

    amended = Signal(object)  # the new EntryInfo

    def __init__(
        self, database, actor: Actor, entry: EntryInfo, context: FormContext, parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("amend_dialog")
        self._database = database
        self._actor = actor
        self.entry = entry
        kind = form_kind_for(entry)
        if kind is None:
            raise ValidationError("Signed decisions and phase changes are never amended.")
        self.setWindowTitle(self.tr("Amend entry"))
        self.form = make_form(kind, context)
        self.form.load_entry(entry)
        intro = QLabel(
            self.tr("Correcting “{0}” by {1} ({2}). The original stays on the timeline.").format(
                entry.title, entry.author_name, local_text(entry.occurred_at)
            )
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("amend_reason")
        self.reason_edit.setPlaceholderText(self.tr("Why is it corrected? (required)"))
        self.error_label = QLabel()
        self.error_label.setObjectName("amend_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save correction"))
        buttons.accepted.connect(self._on_save_clicked)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form, 1)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None
        self.resize(560, 480)

    def _on_save_clicked(self) -> None:
        self.submit()

    def submit(self) -> bool:
        try:
            with self._database.session() as s:
                new = self.form.amend(s, self._actor, self.entry, self.reason_edit.text())
        except ConflictError as exc:
            self._show_conflict(exc)
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.amended.emit(new)
        self.accept()
        return True

    def _show_conflict(self, exc: ConflictError) -> None:
        try:
            latest = _latest_version(self._database, self._actor, self.entry.id)
        except CaseMgrError as again:
            self.error_label.setText(str(again))
            self.error_label.show()
            return
        self.conflict_dialog = ConflictDialog(
            self, str(exc), _entry_pairs(latest), self.form.summary()
        )
        self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(latest))
        self.conflict_dialog.rejected.connect(self.reject)
        self.conflict_dialog.open()

    def _on_conflict_reapply(self, latest: EntryInfo) -> None:
        if latest.status != "active":
            self.error_label.setText(
                self.tr("The entry was voided meanwhile; there is nothing left to correct.")
            )
            self.error_label.show()
            return
        self.entry = latest
        self.submit()


class VoidDialog(QDialog):
    """Withdraw an entry with a reason; it stays visible, struck through."""

    voided = Signal(object)

    def __init__(self, database, actor: Actor, entry: EntryInfo, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("void_dialog")
        self._database = database
        self._actor = actor
        self.entry = entry
        self.setWindowTitle(self.tr("Void entry"))
        intro = QLabel(
            self.tr(
                "Void “{0}” by {1}? It stays on the timeline, struck through, with your reason."
            ).format(entry.title, entry.author_name)
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("void_reason")
        self.reason_edit.setPlaceholderText(self.tr("Why is it withdrawn? (required)"))
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.void_button = buttons.addButton(
            self.tr("Void entry"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None
        self.resize(480, 160)

    def submit(self) -> bool:
        try:
            with self._database.session() as s:
                done = timeline.void_entry(
                    s, self._actor, self.entry.id, self.entry.version, self.reason_edit.text()
                )
        except ConflictError as exc:
            latest = _latest_version(self._database, self._actor, self.entry.id)
            self.conflict_dialog = ConflictDialog(
                self,
                str(exc),
                _entry_pairs(latest),
                [("Status", "voided"), ("Reason", self.reason_edit.text())],
            )
            self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(latest))
            self.conflict_dialog.rejected.connect(self.reject)
            self.conflict_dialog.open()
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.voided.emit(done)
        self.accept()
        return True

    def _on_conflict_reapply(self, latest: EntryInfo) -> None:
        self.entry = latest
        self.submit()
