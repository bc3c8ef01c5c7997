"""The case-review screen for interprofessional meetings, readable on a projector.

``CaseReviewWindow(database, actor)`` lists every active case of the clinic (open or in
surveillance; filter by search, region, phase and open flags) with its phase, readiness
(criteria met and the verdict), sparklines of max velocity and pain over the last four
weeks and the open flags; the selected case's detail shows each criterion, the step-back
suggestions, the flags and the latest note of every discipline. Large text (zoom), a
high-contrast palette and keyboard navigation (arrows, Alt+Up/Down, Enter) make it work
around one screen. The data loads off the GUI thread (``ui.tasks.run_task``).

The rows and their table model are in ``ui.clinic.review_model``, the detail pane's HTML in
``ui.clinic.review_detail``; this module holds the window and its projector palette.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor
from ui.clinic.review_detail import detail_html
from ui.clinic.review_model import (
    COL_ATHLETE,
    COL_PAIN,
    COL_PHASE,
    COL_READINESS,
    COL_VELOCITY,
    ROW_ROLE,
    ReviewFilterProxy,
    ReviewModel,
    ReviewRow,
    load_review,
)
from ui.platform import tasks
from ui.platform.errors import show_error
from ui.plots.sparkline import SparklineDelegate, SparklineWidget

log = logging.getLogger(__name__)

ZOOM_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)
LARGE_ZOOM = 1.5


def high_contrast_palette() -> QPalette:
    """White on black with a yellow selection: legible on a washed-out projector."""
    p = QPalette()
    black, white, yellow = QColor("#000000"), QColor("#FFFFFF"), QColor("#FFD700")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in (
            (QPalette.ColorRole.Window, black),
            (QPalette.ColorRole.WindowText, white),
            (QPalette.ColorRole.Base, black),
            (QPalette.ColorRole.AlternateBase, QColor("#1A1A1A")),
            (QPalette.ColorRole.Text, white),
            (QPalette.ColorRole.Button, QColor("#1A1A1A")),
            (QPalette.ColorRole.ButtonText, white),
            (QPalette.ColorRole.Highlight, yellow),
            (QPalette.ColorRole.HighlightedText, black),
            (QPalette.ColorRole.ToolTipBase, black),
            (QPalette.ColorRole.ToolTipText, white),
            (QPalette.ColorRole.PlaceholderText, QColor("#BBBBBB")),
            (QPalette.ColorRole.Link, QColor("#66CCFF")),
        ):
            p.setColor(group, role, colour)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#999999"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#999999"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#999999"))
    return p


# --- window ------------------------------------------------------------------------------


class CaseReviewWindow(QMainWindow):
    """Every active case for the team meeting; ``case_activated(case_id)`` on Enter."""

    case_activated = Signal(int)
    loaded = Signal()

    def __init__(self, database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database, self.actor = database, actor
        self.zoom = 1.0
        self._base_font = QFont(self.font())
        self.setWindowTitle(self.tr("Case review"))
        self._build()
        self.reload()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        bar = QToolBar(self.tr("Review"))
        bar.setObjectName("review_toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search athlete…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(self.fontMetrics().averageCharWidth() * 22)
        self.search_edit.setMaximumWidth(self.fontMetrics().averageCharWidth() * 32)
        self.search_edit.textChanged.connect(self._on_search_changed)
        bar.addWidget(self.search_edit)
        self.region_box = QComboBox()
        for text, key in (
            (self.tr("All regions"), ""),
            (self.tr("Hamstring"), "hamstring"),
            (self.tr("Calf"), "calf"),
        ):
            self.region_box.addItem(text, key)
        self.region_box.currentIndexChanged.connect(self._on_filters_changed)
        bar.addWidget(self.region_box)
        self.phase_box = QComboBox()
        self.phase_box.addItem(self.tr("All phases"), 0)
        for n in range(1, 8):
            self.phase_box.addItem(self.tr("Phase {0}").format(n), n)
        self.phase_box.currentIndexChanged.connect(self._on_filters_changed)
        bar.addWidget(self.phase_box)
        self.flags_check = QCheckBox(self.tr("Open &flags only"))
        self.flags_check.toggled.connect(self._on_filters_changed)
        bar.addWidget(self.flags_check)
        bar.addSeparator()

        def action(text: str, keys, slot, checkable: bool = False) -> QAction:
            act = QAction(text, self)
            if keys:
                act.setShortcuts(keys if isinstance(keys, list) else [QKeySequence(keys)])
            act.setCheckable(checkable)
            (act.toggled if checkable else act.triggered).connect(slot)
            self.addAction(act)
            return act

        self.large_action = action(
            self.tr("&Large text"), QKeySequence("Ctrl+L"), self._on_large_toggled, True
        )
        self.zoom_in_action = action(
            self.tr("Zoom &in"),
            [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")],
            self.zoom_in,
        )
        self.zoom_out_action = action(
            self.tr("Zoom &out"), [QKeySequence(QKeySequence.StandardKey.ZoomOut)], self.zoom_out
        )
        self.zoom_reset_action = action(
            self.tr("Actual size"), QKeySequence("Ctrl+0"), lambda: self.set_zoom(1.0)
        )
        self.contrast_action = action(
            self.tr("&High contrast"), QKeySequence("Ctrl+H"), self.set_high_contrast, True
        )
        self.next_action = action(self.tr("Next case"), QKeySequence("Alt+Down"), self.next_case)
        self.prev_action = action(
            self.tr("Previous case"), QKeySequence("Alt+Up"), self.previous_case
        )
        self.refresh_action = action(
            self.tr("&Refresh"), QKeySequence(QKeySequence.StandardKey.Refresh), self.reload
        )
        find = action(self.tr("Find"), QKeySequence(QKeySequence.StandardKey.Find), self._on_find)
        find.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        for act in (
            self.large_action,
            self.zoom_out_action,
            self.zoom_in_action,
            self.contrast_action,
            self.prev_action,
            self.next_action,
            self.refresh_action,
        ):
            bar.addAction(act)

        self.model = ReviewModel(self)
        self.proxy = ReviewFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_ATHLETE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        delegate = SparklineDelegate(self.table)
        self.table.setItemDelegateForColumn(COL_VELOCITY, delegate)
        self.table.setItemDelegateForColumn(COL_PAIN, delegate)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.activated.connect(self._on_table_activated)

        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.velocity_spark = SparklineWidget()
        self.pain_spark = SparklineWidget()
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.velocity_spark, 1)
        side_layout.addWidget(self.pain_spark, 1)
        side_layout.addStretch(0)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(side)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel(
            self.tr("↑/↓ or Alt+↑/↓: cases · Enter: open · Ctrl+L: large text · Ctrl+H: contrast")
        )
        hint.setTextFormat(Qt.TextFormat.PlainText)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(hint)
        layout.addLayout(bottom)
        self.setCentralWidget(central)
        self.resize(1280, 800)

    # -- data ------------------------------------------------------------------------
    def reload(self) -> None:
        """Load (again) every active case's review data, off the GUI thread."""
        self.count_label.setText(self.tr("Loading…"))
        database, actor = self.database, self.actor
        tasks.run_task(
            lambda: load_review(database, actor),
            self._on_review_loaded,
            self._on_review_failed,
            owner=self,
            busy_text=self.tr("Loading the case review…"),
            parent=self,
        )

    def _on_review_loaded(self, rows: list[ReviewRow]) -> None:
        keep = self.current_case_id()
        self.model.set_rows(rows)
        self._fit_columns()
        if (keep is None or not self.select_case(keep)) and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_count()
        self._show_detail()
        self.table.setFocus()
        self.loaded.emit()

    def _on_review_failed(self, exc: BaseException) -> None:
        self.count_label.setText("")
        if isinstance(exc, CaseMgrError):
            show_error(self, self.tr("Case review"), str(exc))
        else:
            raise exc

    def _fit_columns(self) -> None:
        fm = self.table.fontMetrics()
        self.table.verticalHeader().setDefaultSectionSize(int(fm.height() * 2.0))
        self.table.resizeColumnsToContents()
        for col, chars in ((COL_PHASE, 30), (COL_READINESS, 28)):
            self.table.setColumnWidth(
                col, min(self.table.columnWidth(col), fm.averageCharWidth() * chars)
            )
        for col in (COL_VELOCITY, COL_PAIN):
            self.table.setColumnWidth(col, fm.averageCharWidth() * 30)

    def _update_count(self) -> None:
        self.count_label.setText(
            self.tr("{0} of {1} active cases").format(self.proxy.rowCount(), self.model.rowCount())
        )

    # -- selection and navigation ----------------------------------------------------
    def current_row(self) -> ReviewRow | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def current_case_id(self) -> int | None:
        row = self.current_row()
        return row.case.case_id if row else None

    def shown_names(self) -> list[str]:
        return [self.proxy.index(r, COL_ATHLETE).data() for r in range(self.proxy.rowCount())]

    def select_case(self, case_id: int) -> bool:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(ROW_ROLE).case.case_id == case_id:
                self.table.selectRow(r)
                return True
        return False

    def next_case(self) -> None:
        self._step(1)

    def previous_case(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        count = self.proxy.rowCount()
        if not count:
            return
        row = self.table.currentIndex().row()
        row = 0 if row < 0 else max(0, min(count - 1, row + delta))
        self.table.selectRow(row)
        self.table.setFocus()

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.table.scrollTo(current.siblingAtColumn(COL_ATHLETE))
        self._show_detail()

    def _on_table_activated(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.case_activated.emit(row.case.case_id)

    def _show_detail(self) -> None:
        row = self.current_row()
        if row is None:
            self.detail.setHtml(f"<p>{html.escape(self.tr('No case selected.'))}</p>")
            self.velocity_spark.set_spark(self.tr("Max velocity"), None)
            self.pain_spark.set_spark(self.tr("Pain"), None)
            return
        self.detail.setHtml(detail_html(row, self.model.high_contrast))
        self.velocity_spark.set_spark(
            self.tr("Max velocity since the injury, last 4 weeks"),
            self.model.spark(row, "max_velocity"),
        )
        self.pain_spark.set_spark(
            self.tr("Pain since the injury, last 4 weeks"), self.model.spark(row, "pain")
        )

    # -- filters ---------------------------------------------------------------------
    def _on_search_changed(self, text: str) -> None:
        self.proxy.set_filter(needle=text)
        self._after_filter()

    def _on_filters_changed(self, *_args) -> None:
        self.proxy.set_filter(
            region=self.region_box.currentData(),
            phase=int(self.phase_box.currentData()),
            flags_only=self.flags_check.isChecked(),
        )
        self._after_filter()

    def _after_filter(self) -> None:
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_count()
        self._show_detail()

    def _on_find(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # -- projector -------------------------------------------------------------------
    def set_zoom(self, factor: float) -> None:
        """Scale every text of the window (1.0 = the application font)."""
        self.zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], factor))
        font = QFont(self._base_font)
        size = self._base_font.pointSizeF()
        if size > 0:
            font.setPointSizeF(size * self.zoom)
        else:
            font.setPixelSize(round(self._base_font.pixelSize() * self.zoom))
        self.setFont(font)
        self.detail.document().setDefaultFont(font)
        self.large_action.blockSignals(True)
        self.large_action.setChecked(self.zoom >= LARGE_ZOOM)
        self.large_action.blockSignals(False)
        self.search_edit.setMinimumWidth(QFontMetrics(font).averageCharWidth() * 22)
        self.search_edit.setMaximumWidth(QFontMetrics(font).averageCharWidth() * 32)
        self._fit_columns()
        if self.table.currentIndex().isValid():
            self.table.scrollTo(self.table.currentIndex())
        self._show_detail()

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom + 1e-6), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < self.zoom - 1e-6), 1.0))

    def _on_large_toggled(self, on: bool) -> None:
        self.set_zoom(LARGE_ZOOM if on else 1.0)

    def set_high_contrast(self, on: bool) -> None:
        """White on black with a yellow selection (the system palette when off)."""
        self.contrast_action.blockSignals(True)
        self.contrast_action.setChecked(on)
        self.contrast_action.blockSignals(False)
        self.setPalette(high_contrast_palette() if on else QPalette())
        self.model.set_high_contrast(on)
        self._show_detail()
