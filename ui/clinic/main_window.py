"""The main window: the list of cases (search, filters, readiness at a glance), the selected
case's summary, and the case workspaces opened from it (one window per case)."""

from __future__ import annotations

import html
import logging
from datetime import date
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtCore import qVersion as qt_version
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casemgr import __version__
from casemgr.db.open import get_meta, is_demo
from casemgr.errors import CaseMgrError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services import athletes, cases
from casemgr.services.dto import AthleteInfo, CaseInfo
from casemgr.vocab import MECHANISMS
from ui.clinic.case_list_model import (
    COL_ATHLETE,
    COL_DAY,
    COL_EXPECTED,
    COL_FLAGS,
    COL_INJURY,
    COL_LAST_ENTRY,
    COL_PHASE,
    COL_READINESS,
    COL_SPORT,
    COL_STATUS,
    REGIONS,
    ROW_ROLE,
    STATUSES,
    CaseFilterProxyModel,
    CaseListModel,
    ReadinessGlance,
)
from ui.clinic.case_views import attach_case_views, open_case_review, open_report_dialog
from ui.clinic.data_actions import install_file_menu
from ui.common.labels import (
    grade_text,
    injury_text,
    local_time_text,
    phase_text,
    region_label,
    status_label,
)
from ui.platform import clinic_time, tasks
from ui.platform.errors import show_domain_error
from ui.platform.lock import IdleLock, ui_settings

if TYPE_CHECKING:  # the workspace and dialogs load when first opened, not at start-up
    from ui.case.case_workspace import CaseWorkspace
    from ui.forms.athlete_dialogs import AthleteDialog, CaseDialog

log = logging.getLogger(__name__)

READINESS_DELAY_MS = 150

# Starting column widths, as typical content, until the user resizes them (then remembered).
# Injury and Phase share the remaining width; their full text is in the tooltip.
_COLUMN_SAMPLES = {
    COL_ATHLETE: "Alexandra Fernández",
    COL_SPORT: "Field hockey",
    COL_DAY: "999",
    COL_READINESS: "✓ 10/10 criteria",
    COL_EXPECTED: "999-999",
    COL_STATUS: "Surveillance",
    COL_FLAGS: "99",
    COL_LAST_ENTRY: "2030-12-31 23:59",
}


__all__ = ["CaseSummaryPanel", "MainWindow", "evaluate_glances", "ui_settings"]


def evaluate_glances(database, actor: Actor, case_ids: list[int]) -> dict[int, ReadinessGlance]:
    """Readiness at a glance of *case_ids* (run off the GUI thread)."""
    from casemgr.services import readiness  # the clinical engine loads off-thread

    if not case_ids:
        return {}
    try:
        with database.session() as s:
            evaluated = readiness.evaluate_cases(s, actor, case_ids)
    except CaseMgrError as exc:  # PermissionDenied...
        log.info("Readiness at a glance not evaluated: %s", exc)
        return {}
    return {
        case_id: ReadinessGlance(
            r.met, r.total, r.evaluation.verdict, r.evaluation.summary, len(r.signals)
        )
        for case_id, r in evaluated.items()
    }


class CaseSummaryPanel(QWidget):
    """The side panel: one case at a glance (read-only), or a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setObjectName("case_summary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.case_id: int | None = None
        self.show_message(self.tr("Select a case to see its summary."))

    def text(self) -> str:
        """What the panel shows, as plain text."""
        return self.browser.toPlainText()

    def show_message(self, message: str) -> None:
        self.case_id = None
        self.browser.setHtml(f"<p style='color:#555'>{html.escape(message)}</p>")

    def show_case(self, info: CaseInfo, today: date | None = None) -> None:
        """Show *info*; its days since the injury count to *today* (default: the clinic's)."""
        today = today or clinic_time.today()
        self.case_id = info.id
        grade = grade_text(info)
        days = info.days_since_injury(today)
        rows = [
            (self.tr("Injury"), injury_text(info.side, info.region, info.muscle, "")),
            (self.tr("Grade"), grade),
            (self.tr("Mechanism"), self.tr(MECHANISMS.get(info.mechanism, info.mechanism))),
            (self.tr("Injury date"), info.injury_date.isoformat()),
            (self.tr("Days since injury"), str(days)),
            (self.tr("Phase"), phase_text(info.phase.ordinal, info.phase_count, info.phase.name)),
            (self.tr("In this phase since"), local_time_text(info.phase_entered_at)),
            (
                self.tr("Protocol"),
                self.tr("{0}, version {1}").format(info.protocol_name, info.protocol_version),
            ),
            (self.tr("Status"), status_label(info.status)),
            (self.tr("Opened"), local_time_text(info.opened_at)),
        ]
        if info.recurrence_of_id is not None:
            rows.append(
                (self.tr("Recurrence of"), self.tr("case {0}").format(info.recurrence_of_id))
            )
        body = "".join(
            f"<tr><td style='color:#555; padding-right:12px'>{html.escape(label)}</td>"
            f"<td>{html.escape(value)}</td></tr>"
            for label, value in rows
        )
        note = ""
        if info.imaging_note.strip():
            note = (
                f"<h4>{html.escape(self.tr('Imaging'))}</h4>"
                f"<p style='white-space:pre-wrap'>{html.escape(info.imaging_note)}</p>"
            )
        self.browser.setHtml(
            f"<h3>{html.escape(info.athlete_name)}</h3>"
            f"<table cellspacing='0' cellpadding='2'>{body}</table>{note}"
        )


class MainWindow(QMainWindow):
    """The app's main window for one logged-in user."""

    case_activated = Signal(int)  # case id: double-click or Enter on a row
    workspace_opened = Signal(object)  # a new CaseWorkspace (to add plots, plans... to it)

    def __init__(self, database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._actor = actor
        self.workspaces: dict[int, CaseWorkspace] = {}
        self._readiness_task: tasks.TaskHandle | None = None
        self.dialog: QWidget | None = None  # the dialog opened last
        self.idle_lock = IdleLock(database, actor, parent=self)
        self._pending_readiness: list[int] = []
        self._readiness_timer = QTimer(self)
        self._readiness_timer.setSingleShot(True)
        self._readiness_timer.setInterval(READINESS_DELAY_MS)
        self._readiness_timer.timeout.connect(self._on_readiness_timer_timeout)
        title = self.tr("casemgr — {0}").format(get_meta(database, "clinic_name", "Clinic"))
        if is_demo(database):
            title += self.tr(" — DEMO DATABASE")
        self.setWindowTitle(title)

        self.model = CaseListModel(self)
        self.proxy = CaseFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)

        self._build_actions()
        self._build_central()
        self._build_menus()
        self._build_status_bar()

        self.case_activated.connect(self._on_case_activated)
        clinic_time.notifier().zone_changed.connect(self._on_clinic_zone_changed)
        self.refresh()
        self._restore_state()

    # -- construction --------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.refresh_action = QAction(self.tr("&Refresh"), self)
        keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Refresh)
        if QKeySequence("F5") not in keys:
            keys.append(QKeySequence("F5"))
        self.refresh_action.setShortcuts(keys)
        self.refresh_action.setStatusTip(self.tr("Reload the cases from the database"))
        self.refresh_action.triggered.connect(self._on_refresh_triggered)

        self.find_action = QAction(self.tr("&Find athlete"), self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._on_find_triggered)

        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.about_action = QAction(self.tr("&About casemgr"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._on_about_triggered)

        self.open_workspace_action = QAction(self.tr("&Open case workspace"), self)
        self.open_workspace_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_workspace_action.setStatusTip(self.tr("Open the selected case in its window"))
        self.open_workspace_action.triggered.connect(self._on_open_workspace_triggered)
        self.new_athlete_action = QAction(self.tr("&New athlete…"), self)
        self.new_athlete_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_athlete_action.triggered.connect(self._on_new_athlete_triggered)
        self.edit_athlete_action = QAction(self.tr("&Edit athlete…"), self)
        self.edit_athlete_action.triggered.connect(self._on_edit_athlete_triggered)
        self.open_case_action = QAction(self.tr("Open a &case…"), self)
        self.open_case_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.open_case_action.triggered.connect(self._on_open_case_triggered)
        self.report_action = QAction(self.tr("&Report…"), self)
        self.report_action.setShortcut(QKeySequence.StandardKey.Print)
        self.report_action.setEnabled(allowed(self._actor.role, Action.REPORT))
        self.report_action.triggered.connect(self._on_report_triggered)
        self.case_review_action = QAction(self.tr("Case &review…"), self)
        self.case_review_action.setShortcut(QKeySequence("Ctrl+R"))
        self.case_review_action.triggered.connect(self._on_case_review_triggered)
        self.lock_action = QAction(self.tr("&Lock now"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self._on_lock_triggered)
        role = self._actor.role
        self.new_athlete_action.setEnabled(allowed(role, Action.EDIT_ATHLETE))
        self.edit_athlete_action.setEnabled(allowed(role, Action.EDIT_ATHLETE))
        self.open_case_action.setEnabled(allowed(role, Action.OPEN_CASE))
        self.addActions(
            [
                self.refresh_action,
                self.find_action,
                self.quit_action,
                self.open_workspace_action,
                self.new_athlete_action,
                self.open_case_action,
                self.lock_action,
            ]
        )

    def _build_central(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText(self.tr("Search athletes…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("status_filter")
        self.status_combo.addItem(self.tr("All"), None)
        for status in STATUSES:
            self.status_combo.addItem(status_label(status), status)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_changed)

        self.region_combo = QComboBox()
        self.region_combo.setObjectName("region_filter")
        self.region_combo.addItem(self.tr("Any region"), None)
        for region in REGIONS:
            self.region_combo.addItem(region_label(region).capitalize(), region)
        self.region_combo.currentIndexChanged.connect(self._on_region_combo_changed)
        self.phase_combo = QComboBox()
        self.phase_combo.setObjectName("phase_filter")
        self.phase_combo.addItem(self.tr("Any phase"), None)
        for ordinal in range(1, 8):
            self.phase_combo.addItem(self.tr("Phase {0}").format(ordinal), ordinal)
        self.phase_combo.currentIndexChanged.connect(self._on_phase_combo_changed)
        self.flags_check = QCheckBox(self.tr("With open &flags"))
        self.flags_check.setObjectName("flags_filter")
        self.flags_check.toggled.connect(self._on_flags_check_toggled)

        self.count_label = QLabel()
        self.count_label.setObjectName("case_count")

        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 1)
        status_caption = QLabel(self.tr("&Status:"))
        status_caption.setBuddy(self.status_combo)
        filters.addWidget(status_caption)
        filters.addWidget(self.status_combo)
        filters.addWidget(self.region_combo)
        filters.addWidget(self.phase_combo)
        filters.addWidget(self.flags_check)
        filters.addSpacing(12)
        filters.addWidget(self.count_label)

        view = self.case_view = QTableView()
        view.setObjectName("cases")
        view.setModel(self.proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.verticalHeader().hide()
        view.setSortingEnabled(True)
        view.sortByColumn(COL_ATHLETE, Qt.SortOrder.AscendingOrder)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_INJURY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_PHASE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(36)
        metrics = view.fontMetrics()
        for column, sample in _COLUMN_SAMPLES.items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            view.setColumnWidth(
                column,
                max(
                    metrics.horizontalAdvance(sample) + 12,
                    header.fontMetrics().horizontalAdvance(title) + 20,
                ),
            )
        view.verticalHeader().setDefaultSectionSize(metrics.height() + 10)
        view.activated.connect(self._on_case_view_activated)
        view.selectionModel().currentRowChanged.connect(self._on_case_view_current_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(view)

        self.summary_panel = CaseSummaryPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.summary_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.splitter)
        self.setCentralWidget(central)

    def _on_settings_triggered(self) -> None:
        from ui.clinic.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(self._database, self._actor, self)
        self.settings_dialog.open()  # a new zone: _on_clinic_zone_changed

    def _on_clinic_zone_changed(self, _name: str) -> None:
        """The clinic's days moved: day N, dates and times in the list and open cases."""
        self.refresh()
        for workspace in list(self.workspaces.values()):
            workspace.refresh()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu: QMenu = bar.addMenu(self.tr("&File"))
        self.file_menu.addAction(self.new_athlete_action)
        self.file_menu.addAction(self.open_case_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.report_action)
        self.file_menu.addSeparator()
        self.data_actions = install_file_menu(
            self.file_menu,
            self,
            self._database,
            self._actor,
            self.current_case_id,
            self.current_athlete_id,
        )
        self.file_menu.addSeparator()
        self.settings_action = QAction(self.tr("Clinic &settings…"), self)
        self.settings_action.setObjectName("settings_action")
        self.settings_action.triggered.connect(self._on_settings_triggered)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu: QMenu = bar.addMenu(self.tr("&Edit"))
        self.edit_menu.addAction(self.find_action)
        self.case_menu: QMenu = bar.addMenu(self.tr("&Case"))
        self.case_menu.addAction(self.open_workspace_action)
        self.case_menu.addAction(self.edit_athlete_action)
        self.view_menu: QMenu = bar.addMenu(self.tr("&View"))
        self.view_menu.addAction(self.case_review_action)
        self.view_menu.addAction(self.refresh_action)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        self.user_label = QLabel(
            self.tr("{0} · {1}").format(
                self._actor.display_name or self._actor.username, self._actor.role_label
            )
        )
        self.user_label.setObjectName("current_user")
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        self.user_label.setToolTip(self.tr("Logged in as {0}").format(self._actor.username))
        self.statusBar().addPermanentWidget(self.user_label)

    # -- public API ----------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return self._actor

    def current_case_id(self) -> int | None:
        index = self.case_view.currentIndex()
        return index.data(ROW_ROLE).case_id if index.isValid() else None

    def current_athlete_id(self) -> int | None:
        index = self.case_view.currentIndex()
        return index.data(ROW_ROLE).athlete_id if index.isValid() else None

    def refresh(self) -> None:
        """Reload the case list, keeping the selected case selected."""
        selected = self.current_case_id()
        try:
            with self._database.session() as s:
                rows = cases.list_case_rows(s, self._actor)
        except CaseMgrError as exc:
            log.info("Case list not loaded: %s", exc)
            self.model.set_rows([])
            self._update_count()
            self.summary_panel.show_message(str(exc))
            return
        self.model.set_rows(rows)
        self._update_count()
        self.statusBar().showMessage(
            self.tr("Loaded {0}.").format(self._cases_text(len(rows))), 4000
        )
        if selected is not None and not self.select_case(selected):
            self.summary_panel.show_message(self.tr("Select a case to see its summary."))
        self._pending_readiness = [r.case_id for r in rows if r.status != "closed"]
        if tasks.is_synchronous():
            self._on_readiness_timer_timeout()
        else:  # let the window paint first: the worker would compete for the GIL
            self._readiness_timer.start()

    def open_workspace(self, case_id: int) -> CaseWorkspace | None:
        """Open (or bring forward) the workspace window of *case_id*."""
        existing = self.workspaces.get(case_id)
        if existing is not None:
            existing.showNormal()
            existing.raise_()
            existing.activateWindow()
            return existing
        from ui.case.case_workspace import CaseWorkspace

        try:
            workspace = CaseWorkspace(self._database, self._actor, case_id, self)
        except CaseMgrError as exc:
            log.info("Workspace of case %s not opened: %s", case_id, exc)
            show_domain_error(self, exc)
            return None
        workspace.case_changed.connect(self._on_workspace_case_changed)
        workspace.closed.connect(self._on_workspace_closed)
        attach_case_views(workspace)
        self.workspaces[case_id] = workspace
        self.workspace_opened.emit(workspace)
        workspace.show()
        workspace.raise_()
        workspace.activateWindow()
        return workspace

    def select_case(self, case_id: int) -> bool:
        """Make *case_id* the current row (if it is listed and not filtered out)."""
        row = self.model.row_of_case(case_id)
        index = (
            self.proxy.mapFromSource(self.model.index(row, COL_ATHLETE))
            if row >= 0
            else QModelIndex()
        )
        if not index.isValid():
            return False
        self.case_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.case_view.scrollTo(index)
        self._show_case(case_id)
        return True

    # -- slots ---------------------------------------------------------------------------

    def _on_refresh_triggered(self) -> None:
        self.refresh()

    def _on_find_triggered(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_count()

    def _on_status_combo_changed(self, _index: int) -> None:
        self.proxy.set_status_filter(self.status_combo.currentData())
        self._update_count()

    def _on_case_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_case(current.data(ROW_ROLE).case_id)

    def _on_case_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.case_activated.emit(index.data(ROW_ROLE).case_id)

    def _on_case_activated(self, case_id: int) -> None:
        if self.summary_panel.case_id != case_id:
            self._show_case(case_id)
        self.open_workspace(case_id)

    def _on_region_combo_changed(self, _index: int) -> None:
        self.proxy.set_region_filter(self.region_combo.currentData())
        self._update_count()

    def _on_phase_combo_changed(self, _index: int) -> None:
        self.proxy.set_phase_filter(self.phase_combo.currentData())
        self._update_count()

    def _on_flags_check_toggled(self, on: bool) -> None:
        self.proxy.set_flags_filter(on)
        self._update_count()

    def _on_open_workspace_triggered(self) -> None:
        case_id = self.current_case_id()
        if case_id is not None:
            self.open_workspace(case_id)

    def _on_workspace_case_changed(self, _case_id: int) -> None:
        self.refresh()

    def _on_workspace_closed(self, case_id: int) -> None:
        workspace = self.workspaces.pop(case_id, None)
        if workspace is not None:
            workspace.deleteLater()

    def _on_report_triggered(self) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            self.statusBar().showMessage(self.tr("Select a case to report on."), 5000)
            return
        open_report_dialog(self, self._database, self._actor, case_id)

    def _on_case_review_triggered(self) -> None:
        open_case_review(self)

    @property
    def database(self):
        return self._database

    def _on_lock_triggered(self) -> None:
        self.idle_lock.lock()

    def _on_new_athlete_triggered(self) -> None:
        from ui.forms.athlete_dialogs import AthleteDialog

        dialog = AthleteDialog(self._database, self._actor, None, self)
        dialog.saved.connect(lambda athlete: self._on_athlete_saved(dialog, athlete))
        self._open(dialog)

    def _on_athlete_saved(self, dialog: AthleteDialog, athlete: AthleteInfo) -> None:
        self.statusBar().showMessage(self.tr("{0} saved.").format(athlete.full_name), 5000)
        self.refresh()
        if dialog.open_case_check.isVisible() and dialog.open_case_check.isChecked():
            self.open_case_dialog(athlete.id)

    def _on_edit_athlete_triggered(self) -> None:
        index = self.case_view.currentIndex()
        if not index.isValid():
            return
        try:
            with self._database.session() as s:
                athlete = athletes.get_athlete(s, self._actor, index.data(ROW_ROLE).athlete_id)
        except CaseMgrError as exc:
            show_domain_error(self, exc)
            return
        from ui.forms.athlete_dialogs import AthleteDialog

        dialog = AthleteDialog(self._database, self._actor, athlete, self)
        dialog.saved.connect(lambda _athlete: self.refresh())
        self._open(dialog)

    def _on_open_case_triggered(self) -> None:
        index = self.case_view.currentIndex()
        self.open_case_dialog(index.data(ROW_ROLE).athlete_id if index.isValid() else None)

    def open_case_dialog(self, athlete_id: int | None = None) -> CaseDialog | None:
        from ui.forms.athlete_dialogs import CaseDialog

        try:
            dialog = CaseDialog(self._database, self._actor, athlete_id=athlete_id, parent=self)
        except CaseMgrError as exc:
            show_domain_error(self, exc)
            return None
        dialog.saved.connect(self._on_case_opened)
        self._open(dialog)
        return dialog

    def _on_case_opened(self, info: CaseInfo) -> None:
        self.refresh()
        self.select_case(info.id)
        self.open_workspace(info.id)

    def _on_readiness_timer_timeout(self) -> None:
        self._evaluate_open_cases(self._pending_readiness)

    def _on_readiness_evaluated(self, glances: dict[int, ReadinessGlance]) -> None:
        self.model.set_readiness(glances)

    def _on_about_triggered(self) -> None:
        self.about_box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About casemgr"),
            self.tr("casemgr {0}").format(__version__),
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.about_box.setTextFormat(Qt.TextFormat.PlainText)
        self.about_box.setInformativeText(
            self.tr(
                "Case manager for return to sprinting after hamstring and calf injury.\n\n"
                "Qt {0}, PySide6 {1}"
            ).format(qt_version(), pyside_version)
        )
        self.about_box.open()

    # -- helpers -------------------------------------------------------------------------

    def _show_case(self, case_id: int) -> None:
        try:
            with self._database.session() as s:
                info = cases.get_case(s, self._actor, case_id)
        except CaseMgrError as exc:  # PermissionDenied, NotFoundError...
            log.info("Case %s not shown: %s", case_id, exc)
            self.summary_panel.show_message(str(exc))
            return
        self.summary_panel.show_case(info)

    def _open(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def _evaluate_open_cases(self, case_ids: list[int]) -> None:
        """Readiness at a glance for every open case, off the GUI thread."""
        if self._readiness_task is not None and not self._readiness_task.done:
            self._readiness_task.cancel()
        database, actor = self._database, self._actor

        def work() -> dict[int, ReadinessGlance]:
            return evaluate_glances(database, actor, case_ids)

        self._readiness_task = tasks.run_task(
            work, self._on_readiness_evaluated, self._on_readiness_failed, owner=self
        )

    def _on_readiness_failed(self, exc: BaseException) -> None:
        log.warning("Readiness at a glance failed: %s", exc)
        self.statusBar().showMessage(self.tr("Readiness not evaluated: {0}").format(exc), 8000)

    def _cases_text(self, count: int) -> str:
        return self.tr("1 case") if count == 1 else self.tr("{0} cases").format(count)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if shown == total:
            self.count_label.setText(self._cases_text(total))
        else:
            self.count_label.setText(self.tr("{0} of {1} cases").format(shown, total))

    def _restore_state(self) -> None:
        settings = ui_settings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = settings.value("main_window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([960, 320])
        header = settings.value("main_window/case_header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.case_view.horizontalHeader().restoreState(header)

    def closeEvent(self, event: QCloseEvent) -> None:
        for workspace in list(self.workspaces.values()):
            workspace.close()
        settings = ui_settings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/splitter", self.splitter.saveState())
        settings.setValue("main_window/case_header", self.case_view.horizontalHeader().saveState())
        super().closeEvent(event)
