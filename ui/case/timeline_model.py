"""The shared case timeline as a table model, loaded in pages (``canFetchMore``/``fetchMore``).

The model holds a plain list of ``EntryInfo`` DTOs. Filtering and ordering happen in the
database (``timeline.list_entries`` with a ``TimelineFilter``), so that a case with
10,000 entries loads one page at a time and the "N of M" count stays right; this is why
there is no ``QSortFilterProxyModel`` over this model. The model does not know the
database: it calls ``fetch(offset, limit) -> Page`` given by its owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from casemgr.services.dto import EntryInfo, Page
from ui.common.entries import (  # noqa: F401
    DISCIPLINE_COLOURS,
    discipline_colour,
    discipline_label,
    entry_details,
    entry_text,
    kind_label,
    local_text,
    measure_values_text,
    session_type_label,
    status_text,
)
from ui.platform.errors import plain_tooltip

log = logging.getLogger(__name__)

COL_WHEN, COL_DISCIPLINE, COL_AUTHOR, COL_KIND, COL_ENTRY, COL_STATUS = range(6)
COLUMN_COUNT = 6

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's ``EntryInfo``."""
DISCIPLINE_ROLE = Qt.ItemDataRole.UserRole + 2
"""The author's role key (``physio``...), for the colour strip."""
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
"""``active`` | ``amended`` | ``voided``."""

PAGE_SIZE = 200

_Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[int, int], Page]


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseTimelineModel", text)


class CaseTimelineModel(QAbstractTableModel):
    """Timeline entries of one case, in the order the database gives them, page by page."""

    loaded = Signal(int, int)  # rows loaded, total matching

    def __init__(self, fetch: Fetch | None = None, parent=None, *, page_size: int = PAGE_SIZE):
        super().__init__(parent)
        self._fetch = fetch
        self._rows: list[EntryInfo] = []
        self._row_of: dict[int, int] = {}
        self._total = 0
        self.page_size = page_size

    # -- data in -------------------------------------------------------------------------

    def set_fetch(self, fetch: Fetch) -> None:
        self._fetch = fetch

    def reload(self) -> None:
        """Start again from the first page (after a filter change or a write)."""
        page = self._fetch(0, self.page_size) if self._fetch else Page(items=(), total=0)
        self.beginResetModel()
        self._rows = list(page.items)
        self._row_of = {e.id: n for n, e in enumerate(self._rows)}
        self._total = page.total
        self.endResetModel()
        self.loaded.emit(len(self._rows), self._total)

    @property
    def total(self) -> int:
        """How many entries match the filter (loaded or not)."""
        return self._total

    def entry_at(self, row: int) -> EntryInfo:
        return self._rows[row]

    def entries(self) -> list[EntryInfo]:
        return list(self._rows)

    def row_of_entry(self, entry_id: int) -> int:
        return self._row_of.get(entry_id, -1)

    def load_until(self, entry_id: int) -> int:
        """Fetch pages until *entry_id* is loaded; its row, or -1 if it does not match."""
        while self.row_of_entry(entry_id) < 0 and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return self.row_of_entry(entry_id)

    # -- paging --------------------------------------------------------------------------

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._fetch is None or not self.canFetchMore():
            return
        page = self._fetch(len(self._rows), self.page_size)
        fresh = [e for e in page.items if e.id not in self._row_of]
        self._total = page.total
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for n, entry in enumerate(fresh, start=first):
                self._rows.append(entry)
                self._row_of[entry.id] = n
            self.endInsertRows()
        elif not page.items:  # the data shrank under us: stop asking
            self._total = len(self._rows)
        self.loaded.emit(len(self._rows), self._total)

    # -- Qt model API --------------------------------------------------------------------

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
            _tr("When"),
            _tr("Discipline"),
            _tr("Author"),
            _tr("Kind"),
            _tr("Entry"),
            _tr("Status"),
        ][section]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, col)
        if role == ENTRY_ROLE:
            return entry
        if role == DISCIPLINE_ROLE:
            return entry.discipline
        if role == STATUS_ROLE:
            return entry.status
        if role == Qt.ItemDataRole.FontRole and (entry.status != "active" or col == COL_ENTRY):
            font = QFont()
            if entry.status == "voided":
                font.setStrikeOut(True)
            elif entry.status == "amended":
                font.setItalic(True)
                font.setStrikeOut(True)
            if col == COL_ENTRY and entry.kind in ("flag", "phase_change", "decision"):
                font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and entry.status != "active":
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, col)
        return None

    def _display(self, entry: EntryInfo, col: int) -> str:
        if col == COL_WHEN:
            return local_text(entry.occurred_at)
        if col == COL_DISCIPLINE:
            return discipline_label(entry.discipline)
        if col == COL_AUTHOR:
            return entry.author_name
        if col == COL_KIND:
            return kind_label(entry.kind)
        if col == COL_ENTRY:
            return entry_text(entry)
        if col == COL_STATUS:
            return status_text(entry)
        return ""

    def _tooltip(self, entry: EntryInfo, col: int) -> str | None:
        if col == COL_ENTRY:
            text = entry.title + ("\n\n" + entry.body if entry.body.strip() else "")
            return plain_tooltip(text)
        if col == COL_STATUS and entry.status == "voided":
            return plain_tooltip(
                _tr("Voided on {0} by {1}: {2}").format(
                    local_text(entry.voided_at), entry.voided_by_name or "?", entry.void_reason
                )
            )
        if col == COL_STATUS and entry.supersedes_id is not None:
            return plain_tooltip(
                _tr("{0} corrected entry {1}: {2}").format(
                    entry.author_name, entry.supersedes_id, entry.amend_reason
                )
            )
        if col == COL_WHEN:
            return _tr("Recorded {0}").format(local_text(entry.recorded_at))
        return None
