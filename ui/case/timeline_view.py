"""The shared timeline of a case: filters, the paged entry table and the selected entry.

Filters (discipline, author, kind, date range, text, history) are applied in the
database; the table fetches more pages as it is scrolled. The detail pane shows the whole
entry and, for amended or corrected entries, every version with who, when and why.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError
from casemgr.permissions import ROLE_LABELS, Actor, Role
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo, Page
from casemgr.services.timeline import TimelineFilter, can_amend
from casemgr.vocab import KIND_LABELS
from ui.case.timeline_model import (
    COL_AUTHOR,
    COL_DISCIPLINE,
    COL_ENTRY,
    COL_KIND,
    COL_STATUS,
    COL_WHEN,
    DISCIPLINE_ROLE,
    ENTRY_ROLE,
    CaseTimelineModel,
    discipline_colour,
    discipline_label,
    entry_details,
    kind_label,
    local_text,
)
from ui.platform import clinic_time

log = logging.getLogger(__name__)

_STRIP = 5
SEARCH_DELAY_MS = 250


class DisciplineDelegate(QStyledItemDelegate):
    """The discipline cell: a colour strip at the left edge, then the discipline's name."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        role = index.data(DISCIPLINE_ROLE)
        if not role:
            return
        painter.save()
        rect = QRect(option.rect.left(), option.rect.top() + 1, _STRIP, option.rect.height() - 2)
        painter.fillRect(rect, discipline_colour(role))
        painter.restore()

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.rect = option.rect.adjusted(_STRIP + 4, 0, 0, 0)


class TimelineView(QWidget):
    """Timeline of one case; emits requests the workspace answers (amend, void)."""

    amend_requested = Signal(object)  # EntryInfo
    void_requested = Signal(object)  # EntryInfo
    entry_selected = Signal(object)  # EntryInfo or None

    def __init__(self, database, actor: Actor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._database = database
        self._actor = actor
        self.case_id = case_id
        self._authors: dict[int, str] = {}
        self._scanned = 0
        self.model = CaseTimelineModel(self._fetch, self)
        self.model.loaded.connect(self._on_model_loaded)
        self.model.modelReset.connect(self._on_model_reset)
        self._build_filters()
        self._build_table()
        self._build_detail()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.filters)
        layout.addWidget(splitter, 1)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)

    # -- construction --------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("timeline_search")
        self.search_edit.setPlaceholderText(self.tr("Search the timeline…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self.reload)

        self.discipline_combo = QComboBox()
        self.discipline_combo.setObjectName("discipline_filter")
        self.discipline_combo.addItem(self.tr("All disciplines"), None)
        for role in (Role.DOCTOR, Role.PHYSIO, Role.COACH, Role.SCIENTIST):
            self.discipline_combo.addItem(self.tr(ROLE_LABELS[role]), str(role))
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kind_filter")
        self.kind_combo.addItem(self.tr("All kinds"), None)
        for kind in KIND_LABELS:
            self.kind_combo.addItem(kind_label(kind), kind)
        self.author_combo = QComboBox()
        self.author_combo.setObjectName("author_filter")
        self.author_combo.addItem(self.tr("Anyone"), None)
        self.author_combo.addItem(self.tr("Me"), self._actor.user_id)
        self.author_combo.setToolTip(self.tr("Everyone who wrote on this case's timeline"))

        self.since_edit = self._date_edit("since_filter", self.tr("From"))
        self.until_edit = self._date_edit("until_filter", self.tr("To"))
        self.history_check = QCheckBox(self.tr("&History"))
        self.history_check.setObjectName("history_filter")
        self.history_check.setToolTip(self.tr("Show amended and voided entries too"))
        self.history_check.setChecked(True)
        self.newest_check = QCheckBox(self.tr("Newest first"))
        self.newest_check.setObjectName("newest_first")
        self.newest_check.setChecked(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("timeline_count")

        for combo in (self.discipline_combo, self.kind_combo, self.author_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(self._on_filter_changed)
        for check in (self.history_check, self.newest_check):
            check.toggled.connect(self._on_filter_changed)

        first = QHBoxLayout()
        first.addWidget(self.search_edit, 1)
        first.addWidget(self.history_check)
        first.addWidget(self.newest_check)
        first.addWidget(self.count_label)
        second = QHBoxLayout()
        for widget in (
            self.discipline_combo,
            self.author_combo,
            self.kind_combo,
            self.since_edit,
            self.until_edit,
        ):
            second.addWidget(widget, 1)
        self.filters = QVBoxLayout()
        self.filters.addLayout(first)
        self.filters.addLayout(second)

    def _date_edit(self, name: str, caption: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(QDate(1999, 12, 31))
        edit.setSpecialValueText(caption + " …")
        edit.setDate(edit.minimumDate())
        edit.setToolTip(caption)
        return edit

    def _build_table(self) -> None:
        table = self.table = QTableView()
        table.setObjectName("timeline")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setItemDelegateForColumn(COL_DISCIPLINE, DisciplineDelegate(table))
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_ENTRY, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        metrics = table.fontMetrics()
        for column, sample in {
            COL_WHEN: "2030-12-31 23:59",
            COL_DISCIPLINE: "Sport scientist",
            COL_AUTHOR: "Dr Priya Natarajan",
            COL_KIND: "Daily feedback",
            COL_STATUS: "Amended (superseded)",
        }.items():
            extra = _STRIP + 20 if column == COL_DISCIPLINE else 16
            table.setColumnWidth(column, metrics.horizontalAdvance(sample) + extra)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        table.doubleClicked.connect(self._on_table_double_clicked)

    def _build_detail(self) -> None:
        self.detail = QTextBrowser()
        self.detail.setObjectName("entry_detail")
        self.detail.setOpenLinks(False)
        self.amend_button = QPushButton(self.tr("&Amend…"))
        self.amend_button.setObjectName("amend_entry")
        self.amend_button.clicked.connect(self._on_amend_button_clicked)
        self.void_button = QPushButton(self.tr("&Void…"))
        self.void_button.setObjectName("void_entry")
        self.void_button.clicked.connect(self._on_void_button_clicked)
        buttons = QVBoxLayout()
        buttons.addWidget(self.amend_button)
        buttons.addWidget(self.void_button)
        buttons.addStretch(1)
        self.detail_box = QWidget()
        row = QHBoxLayout(self.detail_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.detail, 1)
        row.addLayout(buttons)
        self._show_detail(None)

    # -- data ----------------------------------------------------------------------------

    def current_filter(self) -> TimelineFilter:
        since = until = None
        if self.since_edit.date() != self.since_edit.minimumDate():
            since = clinic_time.day_start(self.since_edit.date().toPython())  # clinic days
        if self.until_edit.date() != self.until_edit.minimumDate():
            until = clinic_time.day_end(self.until_edit.date().toPython())
        discipline = self.discipline_combo.currentData()
        kind = self.kind_combo.currentData()
        return TimelineFilter(
            kinds=(kind,) if kind else (),
            disciplines=(discipline,) if discipline else (),
            author_id=self.author_combo.currentData(),
            since=since,
            until=until,
            text=self.search_edit.text(),
            include_history=self.history_check.isChecked(),
        )

    def _fetch(self, offset: int, limit: int) -> Page:
        with self._database.session() as s:
            return timeline.list_entries(
                s,
                self._actor,
                self.case_id,
                self.current_filter(),
                offset=offset,
                limit=limit,
                newest_first=self.newest_check.isChecked(),
            )

    def reload(self) -> None:
        """Reload from the first page, keeping the selected entry selected when it matches."""
        self._search_timer.stop()
        keep = self.current_entry()
        try:
            self._load_authors()
            self.model.reload()
        except CaseMgrError as exc:
            log.info("Timeline not loaded: %s", exc)
            self.count_label.setText(str(exc))
            return
        if keep is not None and self.select_entry(keep.id, load=False):
            return
        self._show_detail(None)

    def current_entry(self) -> EntryInfo | None:
        index = self.table.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def select_entry(self, entry_id: int, *, load: bool = True) -> bool:
        """Select *entry_id* (fetching pages up to it; clearing filters if it is hidden)."""
        row = self.model.load_until(entry_id) if load else self.model.row_of_entry(entry_id)
        if row < 0 and load:
            self.clear_filters()
            row = self.model.load_until(entry_id)
        if row < 0:
            return False
        index = self.model.index(row, COL_ENTRY)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._show_detail(self.current_entry())
        return True

    def clear_filters(self) -> None:
        widgets = (
            self.search_edit,
            self.discipline_combo,
            self.kind_combo,
            self.author_combo,
            self.since_edit,
            self.until_edit,
            self.history_check,
        )
        for w in widgets:
            w.blockSignals(True)
        self.search_edit.clear()
        for combo in (self.discipline_combo, self.kind_combo, self.author_combo):
            combo.setCurrentIndex(0)
        for edit in (self.since_edit, self.until_edit):
            edit.setDate(edit.minimumDate())
        self.history_check.setChecked(True)
        for w in widgets:
            w.blockSignals(False)
        self.reload()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # -- slots ---------------------------------------------------------------------------

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def _on_filter_changed(self, *_args) -> None:
        self.reload()

    def _on_model_loaded(self, loaded: int, total: int) -> None:
        if loaded >= total:
            text = self.tr("1 entry") if total == 1 else self.tr("{0} entries").format(total)
        else:
            text = self.tr("{0} of {1} entries").format(loaded, total)
        self.count_label.setText(text)
        for row in range(self._scanned, loaded):
            self._note_author(self.model.entry_at(row))
        self._scanned = loaded

    def _on_model_reset(self) -> None:
        self._scanned = 0

    def _load_authors(self) -> None:
        """Offer every author of the case in the author filter (one query)."""
        with self._database.session() as s:
            authors = timeline.list_authors(s, self._actor, self.case_id)
        for user_id, name, role in authors:
            if user_id in self._authors or user_id == self._actor.user_id:
                continue
            self._authors[user_id] = name
            self.author_combo.blockSignals(True)
            self.author_combo.addItem(f"{name} ({discipline_label(role)})", user_id)
            self.author_combo.blockSignals(False)

    def _note_author(self, entry: EntryInfo) -> None:
        if entry.author_id in self._authors or entry.author_id == self._actor.user_id:
            return
        self._authors[entry.author_id] = entry.author_name
        label = f"{entry.author_name} ({discipline_label(entry.discipline)})"
        self.author_combo.blockSignals(True)
        self.author_combo.addItem(label, entry.author_id)
        self.author_combo.blockSignals(False)

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(ENTRY_ROLE) if current.isValid() else None
        self._show_detail(entry)
        self.entry_selected.emit(entry)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if entry is not None and can_amend(self._actor, entry):
            self.amend_requested.emit(entry)

    def _on_amend_button_clicked(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.amend_requested.emit(entry)

    def _on_void_button_clicked(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.void_requested.emit(entry)

    # -- the selected entry --------------------------------------------------------------

    def detail_text(self) -> str:
        return self.detail.toPlainText()

    def _show_detail(self, entry: EntryInfo | None) -> None:
        may = entry is not None and can_amend(self._actor, entry)
        self.amend_button.setEnabled(may)
        self.void_button.setEnabled(may)
        if entry is None:
            self.amend_button.setToolTip("")
            self.detail.setHtml(
                f"<p style='color:gray'>{html.escape(self.tr('Select an entry to read it.'))}</p>"
            )
            return
        if not may:
            why = (
                self.tr("This entry is {0}; amend its latest version.").format(entry.status)
                if entry.status != "active"
                else self.tr("Decisions and phase changes are never amended.")
                if entry.kind in ("decision", "phase_change", "flag_resolved")
                else self.tr("You may amend or void only your own entries.")
            )
            self.amend_button.setToolTip(why)
            self.void_button.setToolTip(why)
        else:
            self.amend_button.setToolTip("")
            self.void_button.setToolTip("")
        self.detail.setHtml(self._entry_html(entry) + self._history_html(entry))

    def _entry_html(self, entry: EntryInfo) -> str:
        e = html.escape
        colour = discipline_colour(entry.discipline).name()
        head = self.tr("{0} · {1} · {2} · {3}").format(
            local_text(entry.occurred_at),
            entry.author_name,
            discipline_label(entry.discipline),
            kind_label(entry.kind),
        )
        style = "text-decoration:line-through; color:gray" if entry.status != "active" else ""
        parts = [
            f"<div style='border-left:6px solid {colour}; padding-left:8px'>"
            f"<p style='color:gray'>{e(head)}</p>"
            f"<h3 style='{style}'>{e(entry.title)}</h3>"
        ]
        details = entry_details(entry)
        if details and details.strip() != entry.body.strip():
            parts.append(f"<p>{e(details)}</p>")
        soap = entry.data.get("soap") or {}
        for key in ("subjective", "objective", "assessment", "plan"):
            if soap.get(key):
                parts.append(
                    f"<p><b>{e(self.tr(key.title()))}:</b> "
                    f"<span style='white-space:pre-wrap'>{e(soap[key])}</span></p>"
                )
        if entry.body.strip():
            parts.append(f"<p style='white-space:pre-wrap; {style}'>{e(entry.body)}</p>")
        for key, caption in (
            ("form_cues", self.tr("Form cues")),
            ("breathing_rhythm", self.tr("Breathing rhythm")),
            ("nutrition", self.tr("Nutrition")),
            ("comment", self.tr("Comment")),
        ):
            if entry.kind == "feedback" and entry.data.get(key):
                parts.append(f"<p><b>{e(caption)}:</b> {e(str(entry.data[key]))}</p>")
        if entry.status == "voided":
            parts.append(
                "<p><b>"
                + e(self.tr("Voided on {0}:").format(local_text(entry.voided_at)))
                + f"</b> {e(entry.void_reason)}</p>"
            )
        if entry.supersedes_id is not None:
            parts.append(
                "<p><b>"
                + e(self.tr("Correction by {0}:").format(entry.author_name))
                + f"</b> {e(entry.amend_reason)}</p>"
            )
        parts.append("</div>")
        return "".join(parts)

    def _history_html(self, entry: EntryInfo) -> str:
        if entry.status != "amended" and entry.supersedes_id is None:
            return ""
        try:
            with self._database.session() as s:
                chain = timeline.entry_history(s, self._actor, entry.id)
        except CaseMgrError as exc:
            return f"<p>{html.escape(str(exc))}</p>"
        rows = []
        for n, version in enumerate(chain, start=1):
            why = version.amend_reason or (self.tr("original") if n == 1 else "")
            if version.status == "voided":
                why += " · " + self.tr("voided: {0}").format(version.void_reason)
            mark = " ◀" if version.id == entry.id else ""
            rows.append(
                "<tr>"
                + "".join(
                    f"<td style='padding-right:10px'>{html.escape(cell)}</td>"
                    for cell in (
                        self.tr("v{0}").format(n) + mark,
                        local_text(version.recorded_at),
                        version.author_name,
                        version.title,
                        why,
                    )
                )
                + "</tr>"
            )
        return f"<h4>{html.escape(self.tr('History'))}</h4><table>{''.join(rows)}</table>"
