"""The daily feedback form: scores, sleep, stress and free text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QLineEdit, QWidget

from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.forms.base import (
    EntryForm,
    FormContext,
    _now_edit,
    _optional_spin,
    _plain,
    _set_spin,
    _spin_value,
)


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
        self.when_edit.set_fixed(entry.occurred_at)  # shown in the clinic's time
        self.when_edit.setEnabled(False)

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        data = self._values()
        data.setdefault("unusual_fatigue", self.fatigue_check.isChecked())
        return timeline.amend_entry(session, actor, entry.id, entry.version, reason, data=data)

    def summary(self) -> list[tuple[str, str]]:
        return [(k.replace("_", " ").capitalize(), str(v)) for k, v in self._values().items()]
