"""Measure results and pre-injury baselines: one row per measure, left/right or one value."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.catalogue import load_catalogue
from casemgr.errors import CaseMgrError, ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo, MeasureValue
from ui.forms.base import EntryForm, FormContext, _now_edit, _plain, number_text, parse_number

_NOT_MEASURES = {"pain", "soreness", "tightness", "sleep_hours", "stress", "confidence"}
_NOT_MEASURES |= {"srpe", "duration"}


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
        self.convention_label = QLabel()
        self.convention_label.setObjectName("measure_convention")
        self.convention_label.setWordWrap(True)
        self.convention_label.setTextFormat(Qt.TextFormat.PlainText)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        outer.addWidget(self.convention_label)
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
        convention = self.tr(measure.convention) if measure.convention else ""
        self.convention_label.setText(convention)
        self.convention_label.setVisible(bool(convention))
        for edit in (self.left_edit, self.right_edit, self.value_edit):
            edit.setToolTip(convention)
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
        self.when_edit.set_fixed(entry.occurred_at)  # shown in the clinic's time
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
