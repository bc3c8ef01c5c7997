"""The criteria panel: the current phase's exit criteria, suggestions, advance and step back.

**Advancing when the criteria are not met** (the app recommends, people decide: SPEC
"Decide with data"). The "Advance…" dialog always says plainly where the case stands.
When the verdict is not "ready" it lists every required criterion that fails, is missing
or is out of date, with its explanation, and the Advance button stays disabled. A lead
clinician (a role allowed to move phases: doctor or physiotherapist) may then tick
"Advance anyway" and must write why, which is sent as the override reason. The service
evaluates the criteria again at the moment of the move, refuses an unmet advance without
an override reason (the dialog then lists what it found unmet and asks for the override),
and stores the unmet criteria of that moment in the phase-change entry. Roles
that may not move phases see the evaluation and why they cannot act. Stepping back
always needs a reason and shows the step-back/pause suggestions beside it.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.catalogue import format_number
from casemgr.clinical.readiness import CriterionResult
from casemgr.clinical.readiness_text import shown_pct
from casemgr.errors import CaseMgrError, ConflictError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import cases
from casemgr.services.dto import CaseInfo, SuggestionAnswerInfo
from casemgr.services.overrides import OverrideRequired
from casemgr.services.readiness import CaseReadiness
from ui.common.entries import local_text
from ui.common.labels import phase_text
from ui.platform.errors import ConflictDialog, plain_tooltip

log = logging.getLogger(__name__)

COL_CRITERION, COL_VALUE, COL_REFERENCE, COL_TARGET, COL_STATUS, COL_SOURCE = range(6)
COLUMN_COUNT = 6
RESULT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's ``CriterionResult``."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
SIGNAL_ROLE = Qt.ItemDataRole.UserRole + 3
"""On an open suggestion item: the ``Signal``."""
ANSWERED_ROLE = Qt.ItemDataRole.UserRole + 4
"""On an answered suggestion item: the ``AnsweredSignal``."""

STATUS_COLOURS = {"pass": "#2bb673", "fail": "#d1495b", "missing": "#f4a259", "stale": "#f4a259"}
_STATUS_ORDER = {"fail": 0, "missing": 1, "stale": 2, "pass": 3}

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("CriteriaPanel", text)


def status_label(status: str) -> str:
    return {
        "pass": _tr("Met"),
        "fail": _tr("Not met"),
        "missing": _tr("Missing"),
        "stale": _tr("Out of date"),
    }.get(status, status)


def _number(value: float | None, unit: str, decimals: int = 2) -> str:
    if value is None:
        return "—"
    text = format_number(value, decimals).rstrip("0").rstrip(".") if decimals else f"{value:g}"
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") or unit == "°" else f"{text} {unit}"


def value_text(r: CriterionResult) -> str:
    """The value that decided the criterion, as a clinician reads it."""
    if r.kind == "check":
        if r.value is None:
            return "—"
        return _tr("passed") if r.value else _tr("not passed")
    if r.kind == "decision":
        return r.explanation.split(": ", 1)[-1] if r.status != "missing" else "—"
    parts = []
    if r.value is not None:
        limb = {"left": _tr(" (left)"), "right": _tr(" (right)")}.get(r.limb or "", "")
        parts.append(_number(r.value, r.unit) + limb)
    shown = shown_pct(r)
    if shown is not None:
        kind, number = shown
        text = {
            "asymmetry": _tr("asymmetry {0}%"),
            "LSI": _tr("LSI {0}%"),
            "of reference": _tr("{0}% of reference"),
        }[kind]
        parts.append(text.format(number))
    if r.days_met is not None:
        parts.append(_tr("{0} day(s)").format(r.days_met))
    return " · ".join(parts) or "—"


def reference_text(r: CriterionResult) -> str:
    names = {
        "absolute": _tr("absolute"),
        "baseline_pct": _tr("pre-injury baseline"),
        "pre_injury_best_pct": _tr("best pre-injury result"),
        "uninjured_pct": _tr("uninjured limb"),
        "lsi": _tr("uninjured limb (LSI)"),
        "asymmetry": _tr("other limb (asymmetry)"),
        "within_of_uninjured": _tr("uninjured limb"),
    }
    if not r.reference:
        return ""
    text = names.get(r.reference, r.reference)
    if r.reference_value is not None:
        text += f": {_number(r.reference_value, r.unit)}"
    if r.reference_measured_at is not None:
        text += f" ({local_text(r.reference_measured_at)[:10]})"
    if r.fallback_used:
        text += _tr(" [fallback]")
    return text


def answer_text(a: SuggestionAnswerInfo) -> str:
    """``"Answered by Test physio on 2026-03-02 10:00: paused until 2026-03-06 — reason"``."""
    how = {
        "step_back": _tr("stepped back"),
        "pause": _tr("paused until {0}").format(
            a.pause_until_day.isoformat() if a.pause_until_day else ""
        ),
        "continue": _tr("seen, continue"),
    }.get(a.answer, a.answer)
    text = _tr("Answered by {0} on {1}: {2}").format(
        a.answered_by_name, local_text(a.answered_at), how
    )
    return f"{text} — {a.reason}" if a.reason else text


def criterion_label(r: CriterionResult) -> str:
    marks = []
    if r.convention:
        marks.append(_tr("convention"))
    if not r.required:
        marks.append(_tr("advisory"))
    return r.label + (f" [{', '.join(marks)}]" if marks else "")


def unmet_lines(readiness: CaseReadiness) -> list[str]:
    """Every required criterion that stops the advance, with why."""
    return [
        f"{status_label(r.status)}: {r.label} — {r.explanation}"
        for r in readiness.evaluation.required_results
        if r.status != "pass"
    ]


class CriteriaModel(QAbstractTableModel):
    """The evaluation's criteria, one row each."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[CriterionResult] = []

    def set_results(self, results) -> None:
        self.beginResetModel()
        self._rows = list(results)
        self.endResetModel()

    def result_at(self, row: int) -> CriterionResult:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return [
            _tr("Criterion"),
            _tr("Value"),
            _tr("Reference"),
            _tr("Target"),
            _tr("Status"),
            _tr("Source"),
        ][section]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                COL_CRITERION: criterion_label(r),
                COL_VALUE: value_text(r),
                COL_REFERENCE: reference_text(r),
                COL_TARGET: r.target_text,
                COL_STATUS: status_label(r.status),
                COL_SOURCE: r.source,
            }[col]
        if role == RESULT_ROLE:
            return r
        if role == SORT_ROLE:
            return _STATUS_ORDER.get(r.status, 9) if col == COL_STATUS else index.row()
        if role == Qt.ItemDataRole.ToolTipRole:
            text = r.explanation
            if col == COL_SOURCE:
                text = r.source
            if r.convention:
                text += "\n" + _tr("Convention: a consensus threshold, not a validated cut-off.")
            return plain_tooltip(text)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_STATUS:
            from PySide6.QtGui import QColor

            return QColor(STATUS_COLOURS.get(r.status, "#8d99ae"))
        return None


class CriteriaProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` (status column: failing first)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)


class CriteriaPanel(QWidget):
    """The evaluation of the current phase; advance and step back ask for a reason."""

    advance_requested = Signal()
    step_back_requested = Signal()
    entry_requested = Signal(int)  # an entry that triggered a suggestion
    answer_requested = Signal(str, object)  # "pause" | "continue", the chosen suggestions

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actor = actor
        self.readiness: CaseReadiness | None = None
        self.title_label = QLabel()
        self.title_label.setObjectName("criteria_title")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("criteria_summary")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.advance_button = QPushButton(self.tr("&Advance…"))
        self.advance_button.setObjectName("advance")
        self.advance_button.clicked.connect(self.advance_requested)
        self.step_back_button = QPushButton(self.tr("Step &back…"))
        self.step_back_button.setObjectName("step_back")
        self.step_back_button.clicked.connect(self.step_back_requested)
        if not allowed(actor.role, Action.MOVE_PHASE):
            why = self.tr("Your role ({0}) does not allow you to advance or step back a phase.")
            for button in (self.advance_button, self.step_back_button):
                button.setEnabled(False)
                button.setToolTip(why.format(actor.role_label))
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.step_back_button)
        top.addWidget(self.advance_button)

        self.model = CriteriaModel(self)
        self.proxy = CriteriaProxy(self)
        self.proxy.setSourceModel(self.model)
        table = self.table = QTableView()
        table.setObjectName("criteria")
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        table.verticalHeader().hide()
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_SOURCE, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        for column, sample in {
            COL_CRITERION: "Isometric knee flexion 90/90 LSI ≥ 70% [convention]",
            COL_VALUE: "9.17 m/s (right) · LSI 100.0%",
            COL_REFERENCE: "pre-injury baseline: 9.17 m/s",
            COL_TARGET: "≥ 95% of pre-injury baseline",
            COL_STATUS: "Out of date  ",
            COL_SOURCE: "Hickey et al. 2020 (pain)",
        }.items():
            table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.explanation_label = QLabel()
        self.explanation_label.setObjectName("criterion_explanation")
        self.explanation_label.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation_label.setWordWrap(True)

        self.signals_list = QListWidget()
        self.signals_list.setObjectName("suggestions")
        self.signals_list.itemActivated.connect(self._on_signals_list_item_activated)
        self.signals_list.setToolTip(self.tr("Double-click to see the entries behind a suggestion"))
        signals_box = QWidget()
        signals_layout = QVBoxLayout(signals_box)
        signals_layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel(self.tr("Suggestions (the app suggests; people decide)"))
        caption.setBuddy(self.signals_list)
        signals_layout.addWidget(caption)
        signals_layout.addWidget(self.signals_list)
        self.signals_list.currentItemChanged.connect(self._on_signals_list_current_changed)
        self.signals_list.setWordWrap(True)  # messages name their sources: long lines
        self.signals_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pause_label = QLabel()
        self.pause_label.setObjectName("active_pause")
        self.pause_label.setTextFormat(Qt.TextFormat.PlainText)
        self.pause_label.setWordWrap(True)
        self.pause_label.hide()
        self.pause_button = QPushButton(self.tr("&Pause…"))
        self.pause_button.setObjectName("answer_pause")
        self.pause_button.clicked.connect(lambda: self._answer("pause"))
        self.continue_button = QPushButton(self.tr("Seen, co&ntinue…"))
        self.continue_button.setObjectName("answer_continue")
        self.continue_button.clicked.connect(lambda: self._answer("continue"))
        answer_row = QHBoxLayout()
        answer_row.addWidget(self.pause_label, 10)
        answer_row.addStretch(1)
        answer_row.addWidget(self.pause_button)
        answer_row.addWidget(self.continue_button)
        signals_layout.addLayout(answer_row)
        self._update_answer_buttons()

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(table, 1)
        upper_layout.addWidget(self.explanation_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(signals_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        self.show_pending()

    def show_pending(self, message: str = "") -> None:
        self.summary_label.setText(message or self.tr("Evaluating the criteria…"))

    def show_readiness(self, readiness: CaseReadiness, info: CaseInfo | None = None) -> None:
        self.readiness = readiness
        count = info.phase_count if info is not None else 0
        self.title_label.setText(
            self.tr("Exit criteria of phase {0}").format(
                phase_text(readiness.phase_ordinal, count, readiness.phase_name)
            )
        )
        self.summary_label.setText(readiness.evaluation.summary)
        self.model.set_results(readiness.evaluation.results)
        self.table.resizeRowsToContents()
        self.explanation_label.clear()
        self.signals_list.clear()
        if not readiness.signals:
            item = QListWidgetItem(
                self.tr("No open step-back or pause suggestions.")
                if readiness.answered
                else self.tr("No step-back or pause suggestions.")
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.signals_list.addItem(item)
        for sig in readiness.signals:
            item = QListWidgetItem(("⚠ " if sig.kind == "step_back" else "‖ ") + self._text(sig))
            item.setData(SIGNAL_ROLE, sig)
            item.setToolTip(plain_tooltip(sig.message))
            self.signals_list.addItem(item)
        for done in readiness.answered:
            text = self.tr("Answered: {0} — {1}").format(
                self._text(done.signal), answer_text(done.answer)
            )
            item = QListWidgetItem("✓ " + text)
            item.setData(ANSWERED_ROLE, done)
            item.setForeground(QColor("#8d99ae"))
            item.setToolTip(plain_tooltip(f"{done.signal.message}\n{answer_text(done.answer)}"))
            self.signals_list.addItem(item)
        pause = readiness.pause
        self.pause_label.setText(
            self.tr("‖ Progression paused until {0} ({1}: {2})").format(
                pause.pause_until_day.isoformat() if pause.pause_until_day else "",
                pause.answered_by_name,
                pause.reason,
            )
            if pause is not None
            else ""
        )
        self.pause_label.setVisible(pause is not None)
        self._update_answer_buttons()

    def _text(self, sig) -> str:
        if sig.kind == "step_back":
            prefix = self.tr("Step back")
        elif sig.medical_review:
            prefix = self.tr("Pause and medical review")
        else:
            prefix = self.tr("Pause")
        count = len(sig.triggered_by)
        return self.tr("{0}: {1} ({2}; {3} entr{4})").format(
            prefix,
            sig.message,
            local_text(sig.measured_at),
            count,
            "y" if count == 1 else "ies",
        )

    def selected_signals(self) -> list:
        """The open suggestion chosen in the list (what "Pause…" and "Seen, continue…"
        answer)."""
        item = self.signals_list.currentItem()
        sig = item.data(SIGNAL_ROLE) if item is not None else None
        return [sig] if sig is not None else []

    def _update_answer_buttons(self) -> None:
        may = allowed(self._actor.role, Action.MOVE_PHASE)
        chosen = bool(self.selected_signals())
        for button in (self.pause_button, self.continue_button):
            button.setEnabled(may and chosen)
            if not may:
                button.setToolTip(
                    self.tr("Your role ({0}) does not allow you to answer a suggestion.").format(
                        self._actor.role_label
                    )
                )
            elif not chosen:
                button.setToolTip(self.tr("Select an open suggestion first"))
            else:
                button.setToolTip("")

    def _on_signals_list_current_changed(self, *_items) -> None:
        self._update_answer_buttons()

    def _answer(self, kind: str) -> None:
        chosen = self.selected_signals()
        if chosen:
            self.answer_requested.emit(kind, chosen)

    def rows_text(self) -> list[list[str]]:
        """The table as the user sees it (tests, copy)."""
        return [
            [self.proxy.index(r, c).data() or "" for c in range(COLUMN_COUNT)]
            for r in range(self.proxy.rowCount())
        ]

    def suggestion_texts(self) -> list[str]:
        return [self.signals_list.item(n).text() for n in range(self.signals_list.count())]

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        result = current.data(RESULT_ROLE) if current.isValid() else None
        if result is None:
            self.explanation_label.clear()
            return
        text = result.explanation
        if result.missing:
            text += " — " + self.tr("missing: {0}").format(result.missing)
        if result.convention:
            text += " " + self.tr("(convention: a consensus threshold, not a validated cut-off)")
        self.explanation_label.setText(text)

    def _on_signals_list_item_activated(self, item: QListWidgetItem) -> None:
        done = item.data(ANSWERED_ROLE)
        sig = item.data(SIGNAL_ROLE) or (done.signal if done is not None else None)
        if sig is not None and sig.triggered_by:
            self.entry_requested.emit(sig.triggered_by[-1])


class PhaseMoveDialog(QDialog):
    """Advance or step back with a reason; see the module docstring for the override rule."""

    moved = Signal(object)  # the new CaseInfo

    def __init__(
        self,
        database,
        actor: Actor,
        info: CaseInfo,
        readiness: CaseReadiness | None,
        direction: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("phase_move_dialog")
        self._database = database
        self._actor = actor
        self.info = info
        self.readiness = readiness
        self.direction = direction
        advancing = direction == "advance"
        self.setWindowTitle(self.tr("Advance the phase") if advancing else self.tr("Step back"))
        ordinal = info.phase.ordinal + (1 if advancing else -1)
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("move_verdict")
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict_label.setWordWrap(True)
        self.unmet_label = QLabel()
        self.unmet_label.setObjectName("move_unmet")
        self.unmet_label.setTextFormat(Qt.TextFormat.PlainText)
        self.unmet_label.setWordWrap(True)
        self.override_check = QCheckBox(
            self.tr("Advance anyway: I override the criteria and record why")
        )
        self.override_check.setObjectName("move_override")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("move_reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(self.tr("The reason is part of the record (required)"))
        self.error_label = QLabel()
        self.error_label.setObjectName("move_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = buttons.addButton(
            self.tr("Advance") if advancing else self.tr("Step back"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.move_button.setObjectName("move_confirm")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.conflict_dialog: ConflictDialog | None = None

        target = QLabel(
            self.tr("From phase {0} to phase {1}.").format(
                phase_text(info.phase.ordinal, info.phase_count, info.phase.name), ordinal
            )
        )
        target.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(target)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.unmet_label)
        layout.addWidget(self.override_check)
        layout.addWidget(QLabel(self.tr("Reason:")))
        layout.addWidget(self.reason_edit, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, 420)

        self.ready = bool(readiness and readiness.evaluation.verdict in ("ready", "no_criteria"))
        if readiness is None:
            self.verdict_label.setText(self.tr("The criteria could not be evaluated."))
        elif advancing:
            self.verdict_label.setText(
                readiness.evaluation.summary
                if self.ready
                else self.tr("Not ready to advance: {0}").format(readiness.evaluation.summary)
            )
        else:
            suggestions = [s.message for s in readiness.signals]
            self.verdict_label.setText(
                self.tr("Suggestions: {0}").format("; ".join(suggestions))
                if suggestions
                else self.tr("No step-back suggestion is active; say why you step back.")
            )
        lines = unmet_lines(readiness) if (readiness and advancing and not self.ready) else []
        self.unmet_label.setText("\n".join(f"• {line}" for line in lines))
        self.unmet_label.setVisible(bool(lines))
        needs_override = advancing and not self.ready
        self.override_check.setVisible(needs_override)
        if needs_override and not allowed(actor.role, Action.MOVE_PHASE):
            self.override_check.setEnabled(False)
        self.override_check.toggled.connect(self._on_override_check_toggled)
        self.reason_edit.textChanged.connect(self._on_reason_edit_changed)
        self._update_button()

    def _on_override_check_toggled(self, _on: bool) -> None:
        self._update_button()

    def _on_reason_edit_changed(self) -> None:
        self.error_label.hide()
        self._update_button()

    def _update_button(self) -> None:
        blocked = (
            self.direction == "advance" and not self.ready and not self.override_check.isChecked()
        )
        self.move_button.setEnabled(not blocked and bool(self.reason_edit.toPlainText().strip()))
        if blocked:
            self.move_button.setToolTip(
                self.tr("The exit criteria are not met; tick “Advance anyway” to override.")
            )
        else:
            self.move_button.setToolTip("")

    def _overriding(self) -> bool:
        return self.direction == "advance" and not self.ready and self.override_check.isChecked()

    def _require_override(self, exc: OverrideRequired) -> None:
        """The service found unmet criteria: list them and ask for the override."""
        self.ready = False
        self.unmet_label.setText("\n".join(f"• {u.text}" for u in exc.unmet))
        self.unmet_label.show()
        self.override_check.show()
        self.error_label.setText(str(exc))
        self.error_label.show()
        self._update_button()

    def _summary(self) -> str:
        if self.readiness is None:
            return "OVERRIDE: criteria not evaluated" if self.direction == "advance" else ""
        summary = self.readiness.evaluation.summary
        if self.direction == "advance" and not self.ready:
            return "OVERRIDE of unmet exit criteria: " + summary
        return summary

    def submit(self) -> bool:
        reason = self.reason_edit.toPlainText()
        try:
            with self._database.session() as s:
                moved = cases.move_phase(
                    s,
                    self._actor,
                    self.info.id,
                    self.info.version,
                    self.direction,
                    reason,
                    readiness_summary=self._summary(),
                    override_reason=reason if self._overriding() else "",
                )
        except ConflictError as exc:
            self._show_conflict(exc)
            return False
        except OverrideRequired as exc:  # the criteria went unmet since the panel was read
            self._require_override(exc)
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.moved.emit(moved)
        self.accept()
        return True

    def _show_conflict(self, exc: ConflictError) -> None:
        try:
            with self._database.session() as s:
                now = cases.get_case(s, self._actor, self.info.id)
        except CaseMgrError as again:
            self.error_label.setText(str(again))
            self.error_label.show()
            return
        theirs = [
            (self.tr("Phase"), phase_text(now.phase.ordinal, now.phase_count, now.phase.name)),
            (self.tr("In this phase since"), local_text(now.phase_entered_at)),
            (self.tr("Status"), now.status),
        ]
        verb = self.tr("advance") if self.direction == "advance" else self.tr("step back")
        yours = [
            (
                self.tr("Phase"),
                self.tr("{0} from {1}").format(
                    verb,
                    phase_text(
                        self.info.phase.ordinal, self.info.phase_count, self.info.phase.name
                    ),
                ),
            ),
            (self.tr("Reason"), self.reason_edit.toPlainText()),
        ]
        self.conflict_dialog = ConflictDialog(self, str(exc), theirs, yours)
        self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(now))
        self.conflict_dialog.rejected.connect(self.reject)
        self.conflict_dialog.open()

    def _on_conflict_reapply(self, now: CaseInfo) -> None:
        self.info = now
        self.submit()
