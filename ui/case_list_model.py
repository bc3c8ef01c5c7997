"""The list of cases: a table model over ``CaseRow`` DTOs and its search/status filter."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from casemgr.services.dto import CaseRow
from casemgr.text import fold
from casemgr.vocab import MUSCLE_LABELS

COL_ATHLETE, COL_SPORT, COL_INJURY, COL_PHASE, COL_DAY, COL_STATUS, COL_FLAGS, COL_LAST_ENTRY = (
    range(8)
)
COLUMN_COUNT = 8

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Raw value to sort by: folded name, ``date``, ``datetime``, ``int``... (``None`` sorts first)."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The whole ``CaseRow`` of the line."""
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
"""The folded text the search box matches (athlete name and external id)."""

STATUSES = ("open", "surveillance", "closed")
_STATUS_ORDER = {status: n for n, status in enumerate(STATUSES)}

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseListModel", text)


def status_label(status: str) -> str:
    """The translated label of a case status."""
    labels = {"open": _tr("Open"), "surveillance": _tr("Surveillance"), "closed": _tr("Closed")}
    return labels.get(status, status)


def side_label(side: str) -> str:
    return {"left": _tr("Left"), "right": _tr("Right")}.get(side, side)


def region_label(region: str) -> str:
    return {"hamstring": _tr("hamstring"), "calf": _tr("calf")}.get(region, region)


def injury_text(side: str, region: str, muscle: str, grade: str) -> str:
    """``"Right hamstring · Biceps femoris (long head) · 2b"``."""
    parts = [f"{side_label(side)} {region_label(region)}", _tr(MUSCLE_LABELS.get(muscle, muscle))]
    if grade:
        parts.append(grade)
    return " · ".join(parts)


def phase_text(ordinal: int, count: int, name: str) -> str:
    """``"3/7 Strength-speed integration"``."""
    return f"{ordinal}/{count} {name}" if count else f"{ordinal} {name}"


def local_time_text(moment: datetime | None) -> str:
    """A stored (UTC) moment in the workstation's local time, minutes precision."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def plain_tooltip(text: str) -> str:
    """A tooltip that shows *text* as typed (Qt would guess ``<Jr>`` is a tag)."""
    return f"<p style='white-space:pre'>{html.escape(text)}</p>" if text else ""


class CaseListModel(QAbstractTableModel):
    """One row per injury case; holds a plain list of ``CaseRow`` replaced by ``set_rows``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self._search_keys: list[str] = []
        self._today = date.today()

    # -- data in -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseRow], today: date | None = None) -> None:
        """Replace every row; *today* (default: the local date) dates the Day column."""
        self.beginResetModel()
        self._rows = list(rows)
        self._search_keys = [fold(f"{r.athlete_name} {r.external_id or ''}") for r in self._rows]
        self._today = today or date.today()
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def row_of_case(self, case_id: int) -> int:
        """The row number of *case_id*, or -1."""
        return next((n for n, r in enumerate(self._rows) if r.case_id == case_id), -1)

    # -- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                _tr("Athlete"),
                _tr("Sport"),
                _tr("Injury"),
                _tr("Phase"),
                _tr("Day"),
                _tr("Status"),
                _tr("Flags"),
                _tr("Last entry"),
            ][section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return {
                COL_DAY: _tr("Days since the injury"),
                COL_FLAGS: _tr("Open flags"),
                COL_LAST_ENTRY: _tr("Latest timeline entry (local time)"),
            }.get(section)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == SORT_ROLE:
            return self._sort_value(row, col)
        if role == ROW_ROLE:
            return row
        if role == SEARCH_ROLE:
            return self._search_keys[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_DAY, COL_FLAGS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        return None

    # -- helpers -------------------------------------------------------------------------

    def _days(self, row: CaseRow) -> int:
        return (self._today - row.injury_date).days

    def _display(self, row: CaseRow, col: int) -> str:
        if col == COL_ATHLETE:
            return row.athlete_name
        if col == COL_SPORT:
            return row.sport
        if col == COL_INJURY:
            return injury_text(row.side, row.region, row.muscle, row.grade)
        if col == COL_PHASE:
            return phase_text(row.phase_ordinal, row.phase_count, row.phase_name)
        if col == COL_DAY:
            return str(self._days(row))
        if col == COL_STATUS:
            return status_label(row.status)
        if col == COL_FLAGS:
            return str(row.open_flags) if row.open_flags else ""
        if col == COL_LAST_ENTRY:
            return local_time_text(row.last_entry_at)
        return ""

    def _sort_value(self, row: CaseRow, col: int) -> Any:
        return {
            COL_ATHLETE: lambda: fold(row.athlete_name),
            COL_SPORT: lambda: fold(row.sport),
            COL_INJURY: lambda: fold(self._display(row, COL_INJURY)),
            COL_PHASE: lambda: (row.phase_ordinal, row.phase_count),
            COL_DAY: lambda: self._days(row),
            COL_STATUS: lambda: _STATUS_ORDER.get(row.status, len(STATUSES)),
            COL_FLAGS: lambda: row.open_flags,
            COL_LAST_ENTRY: lambda: row.last_entry_at,
        }[col]()

    def _tooltip(self, row: CaseRow, col: int) -> str | None:
        if col == COL_ATHLETE:
            text = row.athlete_name
            if row.external_id:
                text += "\n" + _tr("External id: {0}").format(row.external_id)
            return plain_tooltip(text)
        if col in (COL_SPORT, COL_INJURY, COL_PHASE):
            return plain_tooltip(self._display(row, col))
        if col == COL_DAY:
            return _tr("Injured on {0}").format(row.injury_date.isoformat())
        return None


class CaseFilterProxyModel(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; filters by status and a case/accent/form-blind name search."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._status: str | None = None
        self.setSortRole(SORT_ROLE)

    @property
    def search_text(self) -> str:
        return self._needle

    @property
    def status_filter(self) -> str | None:
        return self._status

    def set_search_text(self, text: str) -> None:
        """Show only athletes whose name (or external id) contains *text*, folded."""
        needle = fold(text or "")
        if needle != self._needle:
            self._needle = needle
            self.invalidateFilter()

    def set_status_filter(self, status: str | None) -> None:
        """Show only cases with *status* (``None``: every status)."""
        if status != self._status:
            self._status = status
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, COL_ATHLETE, source_parent)
        if self._status is not None and index.data(ROW_ROLE).status != self._status:
            return False
        return not self._needle or self._needle in index.data(SEARCH_ROLE)

    def lessThan(self, left: _Index, right: _Index) -> bool:
        """Compare raw Python values (dates, tuples); empty values sort first."""
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        return a < b
