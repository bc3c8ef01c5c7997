"""The case workspace: one window per case (several may be open), for the daily work.

Header on top; below, tabs: the shared timeline beside the entry forms, and the criteria
of the current phase. ``add_tab(widget, title)`` adds more (plots, week plan). Every
write goes through a short session of its own; afterwards ``refresh()`` reloads the
header, the timeline and, off the GUI thread, the readiness evaluation, and
``case_changed`` tells other views (plots, the case list) to reload.
"""

from __future__ import annotations

import logging
import tomllib

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError
from casemgr.permissions import Action, Actor, allowed
from casemgr.resources import resource_path
from casemgr.services import athletes, cases, protocols, readiness, timeline
from casemgr.services.dto import AthleteInfo, CaseInfo, EntryInfo
from casemgr.services.readiness import CaseReadiness
from casemgr.services.timeline import TimelineFilter
from ui.case.case_header import CaseHeader
from ui.case.criteria_panel import CriteriaPanel, PhaseMoveDialog
from ui.case.decision_dialog import DecisionDialog
from ui.case.suggestion_dialog import SuggestionAnswerDialog
from ui.case.timeline_view import TimelineView
from ui.common.labels import injury_text
from ui.forms.athlete_dialogs import AthleteDialog, CaseDialog
from ui.forms.base import FormContext
from ui.forms.entry_dialogs import AmendDialog, VoidDialog
from ui.forms.kinds import form_kind_for
from ui.forms.panel import EntryPanel
from ui.platform import tasks
from ui.platform.errors import show_domain_error
from ui.platform.lock import ui_settings

log = logging.getLogger(__name__)

TAB_TIMELINE, TAB_CRITERIA = 0, 1


def protocol_checks(definition: dict) -> tuple[tuple[str, str], ...]:
    """(check key, label) of every clinician check a protocol definition names."""
    found: dict[str, str] = {}

    def walk(criteria) -> None:
        for c in criteria or ():
            if c.get("kind") == "check" and c.get("check"):
                label = str(c.get("label") or c["check"]).replace("(clinician check)", "")
                found.setdefault(c["check"], label.strip())
            walk(c.get("any_of") or c.get("criteria"))

    for phase in definition.get("phases", ()):
        walk(phase.get("criteria"))
    return tuple(found.items())


def _default_checks() -> tuple[tuple[str, str], ...]:
    merged: dict[str, str] = {}
    for path in sorted(resource_path("protocols").glob("*.toml")):
        with path.open("rb") as fh:
            merged.update(protocol_checks(tomllib.load(fh)))
    return tuple(merged.items())


def open_flags(entries: list[EntryInfo] | tuple[EntryInfo, ...]) -> list[EntryInfo]:
    """Active flags without an active resolution."""
    resolved = {
        int(e.data.get("flag_id", 0))
        for e in entries
        if e.kind == "flag_resolved" and e.status == "active"
    }
    return [
        e for e in entries if e.kind == "flag" and e.status == "active" and e.id not in resolved
    ]


class CaseWorkspace(QMainWindow):
    """Everything about one case, for one logged-in user."""

    case_changed = Signal(int)  # case id, after anything was written
    closed = Signal(int)  # case id

    def __init__(self, database, actor: Actor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"case_workspace_{case_id}")  # the main window deletes it on close
        self._database = database
        self._actor = actor
        self.case_id = case_id
        self.readiness: CaseReadiness | None = None
        self._readiness_task: tasks.TaskHandle | None = None
        self.dialog: QWidget | None = None  # the dialog opened last (tests, focus)
        with database.session() as s:  # CaseMgrError goes to the caller
            self.info: CaseInfo = cases.get_case(s, actor, case_id)
            self.athlete: AthleteInfo | None = athletes.get_athlete(s, actor, self.info.athlete_id)
            try:
                definition = protocols.get_protocol_definition(s, actor, self.info.protocol_id)
                checks = protocol_checks(definition)
            except CaseMgrError:
                checks = _default_checks()
        self.context = FormContext(self.info, self.athlete, checks or _default_checks())

        self.header = CaseHeader()
        self.header.readiness_clicked.connect(self._on_header_readiness_clicked)
        self.timeline = TimelineView(database, actor, case_id)
        self.timeline.amend_requested.connect(self._on_timeline_amend_requested)
        self.timeline.void_requested.connect(self._on_timeline_void_requested)
        self.entry_panel = EntryPanel(database, actor, self.context)
        self.entry_panel.entry_saved.connect(self._on_entry_panel_entry_saved)
        self.criteria = CriteriaPanel(actor)
        self.criteria.advance_requested.connect(self._on_criteria_advance_requested)
        self.criteria.step_back_requested.connect(self._on_criteria_step_back_requested)
        self.criteria.entry_requested.connect(self._on_criteria_entry_requested)
        self.criteria.answer_requested.connect(self._on_criteria_answer_requested)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.timeline)
        self.splitter.addWidget(self.entry_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workspace_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, self.tr("&Timeline"))
        self.tabs.addTab(self.criteria, self.tr("&Criteria"))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_menus()
        user = QLabel(
            self.tr("{0} · {1}").format(actor.display_name or actor.username, actor.role_label)
        )
        user.setObjectName("current_user")
        user.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(user)
        self._restore_state()
        self.refresh()

    # -- public API ----------------------------------------------------------------------

    @property
    def database(self):
        return self._database

    @property
    def actor(self) -> Actor:
        return self._actor

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab (plots, week plan...) after the built-in ones; returns its index."""
        return self.tabs.addTab(widget, title)

    def refresh(self) -> None:
        """Reload the case, the header, the timeline and (in the background) the criteria."""
        try:
            with self._database.session() as s:
                self.info = cases.get_case(s, self._actor, self.case_id)
                flags = timeline.list_entries(
                    s,
                    self._actor,
                    self.case_id,
                    TimelineFilter(kinds=("flag", "flag_resolved"), include_history=False),
                ).items
        except CaseMgrError as exc:
            log.info("Case %s not refreshed: %s", self.case_id, exc)
            show_domain_error(self, exc)
            return
        self.context = FormContext(self.info, self.athlete, self.context.checks)
        for form in self.entry_panel.forms.values():
            form.context = self.context
        self.header.show_case(self.info)
        self.header.show_flags(open_flags(flags))
        self._update_title()
        self.entry_panel.set_enabled_for_case(
            self.info.status != "closed", self.tr("This case is closed; it takes no new entries.")
        )
        self._update_actions()
        self.timeline.reload()
        self.evaluate()

    def evaluate(self) -> None:
        """Evaluate the exit criteria off the GUI thread."""
        if self._readiness_task is not None and not self._readiness_task.done:
            self._readiness_task.cancel()
        self.header.show_readiness(None)
        self.criteria.show_pending()
        database, actor, case_id = self._database, self._actor, self.case_id

        def work() -> CaseReadiness:
            with database.session() as s:
                return readiness.evaluate_case(s, actor, case_id)

        self._readiness_task = tasks.run_task(
            work, self._on_readiness_done, self._on_readiness_failed, owner=self
        )

    def new_entry(self, kind: str = "note") -> None:
        """Show the form for *kind* in the timeline tab, focused."""
        self.tabs.setCurrentIndex(TAB_TIMELINE)
        self.entry_panel.show_kind(kind)

    def show_entry(self, entry_id: int) -> bool:
        self.tabs.setCurrentIndex(TAB_TIMELINE)
        return self.timeline.select_entry(entry_id)

    # -- construction --------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every platform binding (Close: Ctrl+W and Ctrl+F4)
        elif shortcut is not None:
            action.setShortcut(shortcut)
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_note_action = self._action(
            self.tr("New &note"),
            lambda: self.new_entry("note"),
            QKeySequence.StandardKey.New,
            "new_note",
        )
        self.entry_actions = {}
        for kind, form in self.entry_panel.forms.items():
            if kind == "note":
                continue
            self.entry_actions[kind] = self._action(
                self.tr("New {0}").format(form.label().lower()),
                lambda _checked=False, k=kind: self.new_entry(k),
            )
        self.find_action = self._action(
            self.tr("&Find in timeline"),
            self._on_find_triggered,
            QKeySequence.StandardKey.Find,
            "find",
        )
        self.refresh_action = self._action(
            self.tr("&Refresh"), self.refresh, QKeySequence("F5"), "refresh"
        )
        self.close_action = self._action(
            self.tr("&Close case"), self.close, QKeySequence.StandardKey.Close, "close"
        )
        if QKeySequence("Ctrl+W") not in self.close_action.shortcuts():
            self.close_action.setShortcuts([*self.close_action.shortcuts(), QKeySequence("Ctrl+W")])
        self.advance_action = self._action(
            self.tr("&Advance phase…"), self._on_criteria_advance_requested
        )
        self.step_back_action = self._action(
            self.tr("Step &back a phase…"), self._on_criteria_step_back_requested
        )
        self.decision_action = self._action(
            self.tr("Return-to-play &decision…"), self._on_decision_triggered
        )
        self.diagnosis_action = self._action(
            self.tr("Edit &diagnosis…"), self._on_diagnosis_triggered
        )
        self.athlete_action = self._action(self.tr("Edit a&thlete…"), self._on_athlete_triggered)
        self.timeline_tab_action = self._action(
            self.tr("&Timeline"), lambda: self.tabs.setCurrentIndex(TAB_TIMELINE), "Alt+1"
        )
        self.criteria_tab_action = self._action(
            self.tr("&Criteria"), lambda: self.tabs.setCurrentIndex(TAB_CRITERIA), "Alt+2"
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu: QMenu = bar.addMenu(self.tr("&File"))
        self.file_menu.addAction(self.close_action)
        self.entry_menu: QMenu = bar.addMenu(self.tr("&Entry"))
        self.entry_menu.addAction(self.new_note_action)
        for action in self.entry_actions.values():
            self.entry_menu.addAction(action)
        self.case_menu: QMenu = bar.addMenu(self.tr("&Case"))
        self.case_menu.addAction(self.advance_action)
        self.case_menu.addAction(self.step_back_action)
        self.case_menu.addSeparator()
        self.case_menu.addAction(self.decision_action)
        self.case_menu.addSeparator()
        self.case_menu.addAction(self.diagnosis_action)
        self.case_menu.addAction(self.athlete_action)
        self.view_menu: QMenu = bar.addMenu(self.tr("&View"))
        self.view_menu.addAction(self.find_action)
        self.view_menu.addAction(self.refresh_action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.timeline_tab_action)
        self.view_menu.addAction(self.criteria_tab_action)

    def _update_actions(self) -> None:
        role = self._actor.role
        open_case = self.info.status != "closed"
        self.advance_action.setEnabled(allowed(role, Action.MOVE_PHASE) and open_case)
        self.step_back_action.setEnabled(allowed(role, Action.MOVE_PHASE) and open_case)
        self.diagnosis_action.setEnabled(allowed(role, Action.EDIT_DIAGNOSIS))
        self.athlete_action.setEnabled(allowed(role, Action.EDIT_ATHLETE))

    def _update_title(self) -> None:
        injury = injury_text(self.info.side, self.info.region, self.info.muscle, "")
        self.setWindowTitle(self.tr("{0} — {1} — casemgr").format(self.info.athlete_name, injury))

    # -- slots ---------------------------------------------------------------------------

    def _on_readiness_done(self, result: CaseReadiness) -> None:
        self.readiness = result
        self.header.show_readiness(result)
        self.criteria.show_readiness(result, self.info)

    def _on_readiness_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, CaseMgrError):
            log.error("Readiness failed", exc_info=(type(exc), exc, exc.__traceback__))
        message = self.tr("The criteria could not be evaluated: {0}").format(exc)
        self.readiness = None
        self.header.show_readiness(None, message)
        self.criteria.show_pending(message)

    def _on_find_triggered(self) -> None:
        self.tabs.setCurrentIndex(TAB_TIMELINE)
        self.timeline.focus_search()

    def _on_header_readiness_clicked(self) -> None:
        self.tabs.setCurrentIndex(TAB_CRITERIA)

    def _on_entry_panel_entry_saved(self, _kind: str, message: str) -> None:
        self.statusBar().showMessage(message, 5000)
        self._changed()

    def _on_timeline_amend_requested(self, entry: EntryInfo) -> None:
        if form_kind_for(entry) is None:
            show_domain_error(
                self,
                CaseMgrError(self.tr("Decisions and phase changes are never amended.")),
            )
            return
        dialog = AmendDialog(self._database, self._actor, entry, self.context, self)
        dialog.amended.connect(self._on_entry_amended)
        self._open(dialog)

    def _on_timeline_void_requested(self, entry: EntryInfo) -> None:
        dialog = VoidDialog(self._database, self._actor, entry, self)
        dialog.voided.connect(self._on_entry_voided)
        self._open(dialog)

    def _on_entry_amended(self, new: EntryInfo) -> None:
        self.statusBar().showMessage(self.tr("Entry amended."), 5000)
        self._changed()
        self.timeline.select_entry(new.id)

    def _on_entry_voided(self, entry: EntryInfo) -> None:
        self.statusBar().showMessage(self.tr("Entry voided."), 5000)
        self._changed()
        self.timeline.select_entry(entry.id)

    def _on_criteria_advance_requested(self) -> None:
        self._move("advance")

    def _on_criteria_step_back_requested(self) -> None:
        self._move("step_back")

    def _move(self, direction: str) -> None:
        dialog = PhaseMoveDialog(
            self._database, self._actor, self.info, self.readiness, direction, self
        )
        dialog.moved.connect(self._on_phase_moved)
        self._open(dialog)

    def _on_phase_moved(self, info: CaseInfo) -> None:
        self.statusBar().showMessage(
            self.tr("Now in phase {0}: {1}.").format(info.phase.ordinal, info.phase.name), 8000
        )
        self._changed()

    def _on_criteria_entry_requested(self, entry_id: int) -> None:
        self.show_entry(entry_id)

    def _on_criteria_answer_requested(self, answer: str, chosen: list) -> None:
        dialog = SuggestionAnswerDialog(
            self._database, self._actor, self.case_id, chosen, answer, self
        )
        dialog.answered.connect(self._on_suggestion_answered)
        self._open(dialog)

    def _on_suggestion_answered(self, answer) -> None:
        if answer.answer == "pause" and answer.pause_until_day is not None:
            text = self.tr("Progression paused until {0}.").format(
                answer.pause_until_day.isoformat()
            )
        else:
            text = self.tr("Suggestion answered: seen, continue.")
        self.statusBar().showMessage(text, 8000)
        self._changed()

    def _on_decision_triggered(self) -> None:
        dialog = DecisionDialog(self._database, self._actor, self.info, self.readiness, self)
        dialog.decided.connect(self._on_decision_decided)
        self._open(dialog)

    def _on_decision_decided(self, decision) -> None:
        self.statusBar().showMessage(
            self.tr("Decision signed: {0} ({1}).").format(decision.text, decision.fingerprint[:12]),
            8000,
        )
        self._changed()

    def _on_diagnosis_triggered(self) -> None:
        dialog = CaseDialog(self._database, self._actor, case=self.info, parent=self)
        dialog.saved.connect(lambda _info: self._changed())
        self._open(dialog)

    def _on_athlete_triggered(self) -> None:
        dialog = AthleteDialog(self._database, self._actor, self.athlete, self)
        dialog.saved.connect(self._on_athlete_saved)
        self._open(dialog)

    def _on_athlete_saved(self, athlete: AthleteInfo) -> None:
        self.athlete = athlete
        self._changed()

    # -- helpers -------------------------------------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()  # window-modal; never a nested event loop (the idle lock keeps drafts)

    def _changed(self) -> None:
        self.refresh()
        self.case_changed.emit(self.case_id)

    def _restore_state(self) -> None:
        settings = ui_settings()
        geometry = settings.value("workspace/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        splitter = settings.value("workspace/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([900, 460])

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = ui_settings()
        settings.setValue("workspace/geometry", self.saveGeometry())
        settings.setValue("workspace/splitter", self.splitter.saveState())
        if self._readiness_task is not None and not self._readiness_task.done:
            self._readiness_task.cancel()
        self.closed.emit(self.case_id)
        super().closeEvent(event)
