"""The timing-gate test form.

Timing-gate tests fit the sprint profile as the splits are typed
(``casemgr.clinical.sprint``) and are stored as measures (``split_*``, ``max_velocity`` =
MSS, ``f0_rel``, ``v0``, ``pmax_rel``) with the splits and the fitted profile kept on the
entry. A timing-gate test is corrected by voiding it and recording the corrected test in
the same unit of work (the measures service keeps a measure entry's extra data as it was
when amending, which would leave the old splits beside new numbers).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QWidget

from casemgr.clinical.errors import ClinicalDataError
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo, MeasureValue
from ui.forms.base import EntryForm, FormContext, _now_edit, _plain

if TYPE_CHECKING:  # numpy and scipy load with the first timing-gate test, not at start-up
    from casemgr.clinical.sprint import SprintProfile

SPRINT_SPLIT_KEYS = {5.0: "split_5m", 10.0: "split_10m", 20.0: "split_20m", 30.0: "split_30m"}
SPRINT_SPLIT_KEYS[40.0] = "split_40m"
CORRECTIONS = {
    "auto": "Automatic (estimated from 4+ splits, else +0.3 s)",
    "none": "No correction",
    "time_shift": "Time shift (+0.3 s)",
    "tc": "Estimated time correction",
    "fd": "Estimated flying distance",
}


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
        self.mass_spin.setRange(20, 200)  # casemgr.clinical.sprint.MASS_RANGE_KG
        self.mass_spin.setDecimals(1)
        self.mass_spin.setSuffix(" kg")
        self.mass_spin.setValue(athlete.body_mass_kg if athlete and athlete.body_mass_kg else 75)
        self.height_spin = QDoubleSpinBox()
        self.height_spin.setObjectName("sprint_height")
        self.height_spin.setRange(1.0, 2.3)  # casemgr.clinical.sprint.HEIGHT_RANGE_M
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
                from casemgr.clinical.sprint import correction_text

                p = self.profile
                lines = [
                    self.tr(
                        "Max sprint speed {0:.2f} m/s · max acceleration {1:.2f} m/s² · "
                        "F0 {2:.2f} N/kg · V0 {3:.2f} m/s · Pmax {4:.2f} W/kg · RMSE {5:.3f} s"
                    ).format(p.mss, p.mac, p.f0_rel, p.v0, p.pmax_rel, p.rmse),
                    self.tr("Start correction: {0}.").format(correction_text(p)),
                ]
                lines += [self.tr("Warning: {0}.").format(w) for w in p.warnings]
                self.result_label.setText("\n".join(lines))
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
        stored = entry.data.get("profile") or {}
        correction = stored.get("correction", "none")
        if stored.get("correction_chosen") == "auto":
            correction = "auto"  # chosen again from the (corrected) splits
        self.correction_combo.setCurrentIndex(max(0, self.correction_combo.findData(correction)))
        profile = entry.data.get("profile") or {}
        if profile.get("mass_kg"):
            self.mass_spin.setValue(float(profile["mass_kg"]))
        if profile.get("height_m"):
            self.height_spin.setValue(float(profile["height_m"]))
        self.baseline_check.setChecked(bool(entry.data.get("is_baseline")))
        self.when_edit.set_fixed(entry.occurred_at)  # shown in the clinic's time
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
