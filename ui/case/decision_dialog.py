"""The return-to-play decision: recorded and signed by a doctor (StARRT, Bern consensus).

Everyone may open the dialog to see the evidence it is based on; a role other than
doctor sees why it cannot sign, with the controls disabled (the service refuses too, and
audits the attempt). A signed decision is never changed: the doctor ticks a confirmation
before the Sign button is enabled.

Clearing while required exit criteria are unmet is the doctor's call but never silent: the
dialog lists the unmet criteria and keeps Sign disabled until the override reason is
written; the service evaluates the criteria again at the moment of signing, refuses a
clearance with unmet criteria without the reason (the dialog then shows what it found),
and stores the list with the signed decision.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.overrides import DECISION_KINDS, UnmetCriterion, unmet_of
from casemgr.errors import CaseMgrError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import decisions
from casemgr.services.dto import CaseInfo
from casemgr.services.overrides import OverrideRequired
from casemgr.services.readiness import CaseReadiness
from casemgr.vocab import DECISION_LABELS
from ui.common.labels import injury_text, phase_text
from ui.forms.base import denial_text

log = logging.getLogger(__name__)


class DecisionDialog(QDialog):
    """Cleared / cleared with restrictions / not cleared, conditions, monitoring plan."""

    decided = Signal(object)  # DecisionInfo

    def __init__(
        self,
        database,
        actor: Actor,
        info: CaseInfo,
        readiness: CaseReadiness | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decision_dialog")
        self._database = database
        self._actor = actor
        self.info = info
        self.may_sign = allowed(actor.role, Action.RECORD_DECISION)
        self.setWindowTitle(self.tr("Return-to-play decision"))

        case_label = QLabel(
            self.tr("{0} — {1} — phase {2}").format(
                info.athlete_name,
                injury_text(info.side, info.region, info.muscle, info.grade_label),
                phase_text(info.phase.ordinal, info.phase_count, info.phase.name),
            )
        )
        case_label.setObjectName("decision_case")
        case_label.setTextFormat(Qt.TextFormat.PlainText)
        case_label.setWordWrap(True)
        evidence = QLabel(
            self.tr("Exit criteria: {0}").format(readiness.evaluation.summary)
            if readiness is not None
            else self.tr("The exit criteria have not been evaluated.")
        )
        evidence.setObjectName("decision_evidence")
        evidence.setTextFormat(Qt.TextFormat.PlainText)
        evidence.setWordWrap(True)

        self.denied_label = QLabel(
            ""
            if self.may_sign
            else denial_text(actor, Action.RECORD_DECISION)
            + " "
            + self.tr("Only a doctor signs the return-to-play decision.")
        )
        self.denied_label.setObjectName("decision_denied")
        self.denied_label.setTextFormat(Qt.TextFormat.PlainText)
        self.denied_label.setWordWrap(True)
        self.denied_label.setStyleSheet("font-weight: bold;")
        self.denied_label.setVisible(not self.may_sign)

        self.choice_buttons: dict[str, QRadioButton] = {}
        self.group = QButtonGroup(self)
        choices = QVBoxLayout()
        for key, label in DECISION_LABELS.items():
            radio = QRadioButton(self.tr(label))
            radio.setObjectName(f"decision_{key}")
            self.group.addButton(radio)
            self.choice_buttons[key] = radio
            choices.addWidget(radio)
        self.restrictions_edit = QPlainTextEdit()
        self.restrictions_edit.setObjectName("decision_restrictions")
        self.restrictions_edit.setTabChangesFocus(True)
        self.restrictions_edit.setPlaceholderText(
            self.tr("Conditions or restrictions (required when cleared with restrictions)")
        )
        self.plan_edit = QPlainTextEdit()
        self.plan_edit.setObjectName("decision_plan")
        self.plan_edit.setTabChangesFocus(True)
        self.plan_edit.setPlaceholderText(self.tr("Post-return monitoring plan"))
        self.unmet_label = QLabel()
        self.unmet_label.setObjectName("decision_unmet")
        self.unmet_label.setTextFormat(Qt.TextFormat.PlainText)
        self.unmet_label.setWordWrap(True)
        self.unmet_label.setStyleSheet("color: #b26a00;")
        self.override_edit = QPlainTextEdit()
        self.override_edit.setObjectName("decision_override")
        self.override_edit.setTabChangesFocus(True)
        self.override_edit.setPlaceholderText(
            self.tr("Why clear with these criteria unmet (required; printed with the decision)")
        )
        self.override_label = QLabel(self.tr("&Override reason:"))
        self.override_label.setBuddy(self.override_edit)
        self.confirm_check = QCheckBox(
            self.tr("I have reviewed the evidence and sign this decision; it cannot be changed.")
        )
        self.confirm_check.setObjectName("decision_confirm")
        self.error_label = QLabel()
        self.error_label.setObjectName("decision_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()

        form = QFormLayout()
        form.addRow(self.tr("Decision:"), choices)
        form.addRow(self.tr("&Restrictions:"), self.restrictions_edit)
        form.addRow(self.tr("&Monitoring plan:"), self.plan_edit)
        form.addRow(self.override_label, self.override_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = buttons.addButton(
            self.tr("Sign decision"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setObjectName("decision_sign")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(case_label)
        layout.addWidget(evidence)
        layout.addWidget(self.denied_label)
        layout.addWidget(self.unmet_label)
        layout.addLayout(form)
        layout.addWidget(self.confirm_check)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, 480)

        for widget in (
            *self.choice_buttons.values(),
            self.restrictions_edit,
            self.plan_edit,
            self.override_edit,
        ):
            widget.setEnabled(self.may_sign)
        self.confirm_check.setEnabled(self.may_sign)
        self.group.buttonToggled.connect(self._on_group_toggled)
        self.confirm_check.toggled.connect(self._on_group_toggled)
        self.override_edit.textChanged.connect(self._on_group_toggled)
        self.unmet: tuple[UnmetCriterion, ...] = ()
        if readiness is not None:
            self.unmet = unmet_of(readiness.evaluation, load_catalogue(), skip_kinds=DECISION_KINDS)
        self._show_unmet()

    def decision(self) -> str | None:
        return next((k for k, b in self.choice_buttons.items() if b.isChecked()), None)

    def _on_group_toggled(self, *_args) -> None:
        self.error_label.hide()
        self._update()

    def needs_override(self) -> bool:
        """A clearance chosen while required exit criteria are unmet."""
        return bool(self.unmet) and self.decision() in decisions.CLEARING

    def _show_unmet(self) -> None:
        if self.unmet:
            head = self.tr(
                "Required exit criteria not met now: {0}. Clearing states them on the signed "
                "decision and needs your reason:"
            ).format(len(self.unmet))
            self.unmet_label.setText(head + "\n" + "\n".join(f"• {u.text}" for u in self.unmet))
        self.unmet_label.setVisible(bool(self.unmet))
        self._update()

    def _update(self) -> None:
        override = self.needs_override()
        self.override_label.setVisible(override)
        self.override_edit.setVisible(override)
        missing_reason = override and not self.override_edit.toPlainText().strip()
        ready = (
            self.may_sign
            and self.decision() is not None
            and self.confirm_check.isChecked()
            and not missing_reason
        )
        self.sign_button.setEnabled(ready)
        if not self.may_sign:
            self.sign_button.setToolTip(self.denied_label.text())
        elif missing_reason:
            self.sign_button.setToolTip(
                self.tr("Exit criteria are unmet: write the reason for clearing anyway.")
            )
        else:
            self.sign_button.setToolTip("")

    def submit(self) -> bool:
        decision = self.decision()
        if decision is None:
            self.error_label.setText(self.tr("Choose a decision."))
            self.error_label.show()
            return False
        try:
            with self._database.session() as s:
                done = decisions.record_decision(
                    s,
                    self._actor,
                    self.info.id,
                    decision,
                    restrictions=self.restrictions_edit.toPlainText(),
                    monitoring_plan=self.plan_edit.toPlainText(),
                    override_reason=(
                        self.override_edit.toPlainText() if self.needs_override() else ""
                    ),
                )
        except OverrideRequired as exc:  # unmet since the dialog opened: show what and ask
            self.unmet = exc.unmet
            self._show_unmet()
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        except CaseMgrError as exc:
            log.info("Decision not recorded: %s", exc)
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.decided.emit(done)
        self.accept()
        return True
