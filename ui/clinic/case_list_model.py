"""The list of cases: a table model over ``CaseRow`` DTOs and its search and filters.

Readiness ("3/5 criteria") is not part of ``CaseRow``: the main window evaluates the open
cases off the GUI thread and hands the results to ``set_readiness``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from casemgr.clinical.expected_return import ExpectedReturn, expected_return_for_label
from casemgr.services.dto import CaseRow
from casemgr.text import fold
from ui.case.case_header import expected_phrase
from ui.common.labels import (
    injury_text,
    local_time_text,
    phase_text,
    status_label,
)
from ui.platform import clinic_time
from ui.platform.errors import plain_tooltip

(
    COL_ATHLETE,
    COL_SPORT,
    COL_INJURY,
    COL_PHASE,
    COL_READINESS,
    COL_DAY,
    COL_EXPECTED,
    COL_STATUS,
    COL_FLAGS,
    COL_LAST_ENTRY,
) = range(10)
COLUMN_COUNT = 10

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Raw value to sort by: folded name, ``date``, ``datetime``, ``int``... (``None`` sorts first)."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The whole ``CaseRow`` of the line."""
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
"""The folded text the search box matches (athlete name and external id)."""

STATUSES = ("open", "surveillance", "closed")
REGIONS = ("hamstring", "calf")
_STATUS_ORDER = {status: n for n, status in enumerate(STATUSES)}

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseListModel", text)


def row_expected(row: CaseRow) -> ExpectedReturn | None:
    """The published return window for the row's region, muscle and grade label."""
    return expected_return_for_label(row.region, row.muscle, row.grade)


def expected_span(expected: ExpectedReturn | None) -> str:
    """``"11-33"``, ``"~25"`` (a mean alone) or "surgical opinion" for a grade 4."""
    if expected is None:
        return ""
    return _tr("surgical opinion") if expected.surgical else expected.span


@dataclass(frozen=True)
class ReadinessGlance:
    """Readiness of a case at a glance: criteria met of total, verdict, summary."""

    met: int
    total: int
    verdict: str
    summary: str = ""
    signals: int = 0


class CaseListModel(QAbstractTableModel):
    """One row per injury case; holds a plain list of ``CaseRow`` replaced by ``set_rows``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self._search_keys: list[str] = []
        self._expected: dict[int, ExpectedReturn | None] = {}
        self._readiness: dict[int, ReadinessGlance] = {}
        self._today = clinic_time.today()
        self._display_cache: list[dict[int, str]] = []
        self._sort_cache: list[dict[int, Any]] = []

    # -- data in -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseRow], today: date | None = None) -> None:
        """Replace every row; *today* (default: the clinic's today, in its zone) dates the
        Day column."""
        self.beginResetModel()
        self._rows = list(rows)
        self._search_keys = [fold(f"{r.athlete_name} {r.external_id or ''}") for r in self._rows]
        self._expected = {r.case_id: row_expected(r) for r in self._rows}
        self._today = today or clinic_time.today()
        # display texts and sort keys are made once per row when first asked for (the view
        # asks for each cell many times while painting, the proxy while sorting)
        self._display_cache: list[dict[int, str]] = [{} for _ in self._rows]
        self._sort_cache: list[dict[int, Any]] = [{} for _ in self._rows]
        self.endResetModel()

    def set_readiness(self, readiness: Mapping[int, ReadinessGlance]) -> None:
        """Readiness per case id (cases not given show nothing)."""
        self._readiness = dict(readiness)
        for cached in (*self._display_cache, *self._sort_cache):
            cached.pop(COL_READINESS, None)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_READINESS),
                self.index(len(self._rows) - 1, COL_READINESS),
            )

    def readiness_of(self, case_id: int) -> ReadinessGlance | None:
        return self._readiness.get(case_id)

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def search_key(self, row: int) -> str:
        """The folded name and external id of *row* (what the search matches)."""
        return self._search_keys[row]

    def sort_key(self, row: int, col: int) -> Any:
        """The raw value *row* sorts by in column *col* (``SORT_ROLE``)."""
        cached = self._sort_cache[row]
        if col in cached:
            return cached[col]
        value = cached[col] = self._sort_value(self._rows[row], col)
        return value

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
                _tr("Readiness"),
                _tr("Day"),
                _tr("Expected"),
                _tr("Status"),
                _tr("Flags"),
                _tr("Last entry"),
            ][section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return {
                COL_DAY: _tr("Days since the injury"),
                COL_READINESS: _tr("Exit criteria of the current phase met"),
                COL_EXPECTED: _tr("Expected days to return (published group figures)"),
                COL_FLAGS: _tr("Open flags"),
                COL_LAST_ENTRY: _tr("Latest timeline entry (local time)"),
            }.get(section)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        n, col = index.row(), index.column()
        row = self._rows[n]
        if role == Qt.ItemDataRole.DisplayRole:
            cached = self._display_cache[n]
            text = cached.get(col)
            if text is None:
                text = cached[col] = self._display(row, col)
            return text
        if role == SORT_ROLE:
            return self.sort_key(n, col)
        if role == ROW_ROLE:
            return row
        if role == SEARCH_ROLE:
            return self._search_keys[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_DAY, COL_FLAGS, COL_EXPECTED):
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
        if col == COL_READINESS:
            return self._readiness_text(row)
        if col == COL_EXPECTED:
            return expected_span(self._expected_of(row))
        if col == COL_STATUS:
            return status_label(row.status)
        if col == COL_FLAGS:
            return str(row.open_flags) if row.open_flags else ""
        if col == COL_LAST_ENTRY:
            return local_time_text(row.last_entry_at)
        return ""

    def _expected_of(self, row: CaseRow) -> ExpectedReturn | None:
        return self._expected.get(row.case_id)

    def _readiness_text(self, row: CaseRow) -> str:
        glance = self._readiness.get(row.case_id)
        if glance is None or row.status == "closed":
            return ""
        if glance.verdict == "no_criteria":
            return _tr("no criteria")
        text = _tr("{0}/{1} criteria").format(glance.met, glance.total)
        return ("✓ " if glance.verdict == "ready" else "") + text

    def _readiness_sort(self, row: CaseRow) -> float | None:
        glance = self._readiness.get(row.case_id)
        if glance is None or not glance.total:
            return None
        return glance.met / glance.total + (1 if glance.verdict == "ready" else 0)

    def _sort_value(self, row: CaseRow, col: int) -> Any:
        return {
            COL_ATHLETE: lambda: fold(row.athlete_name),
            COL_SPORT: lambda: fold(row.sport),
            COL_INJURY: lambda: fold(self._display(row, COL_INJURY)),
            COL_PHASE: lambda: (row.phase_ordinal, row.phase_count),
            COL_DAY: lambda: self._days(row),
            COL_READINESS: lambda: self._readiness_sort(row),
            COL_EXPECTED: lambda: getattr(self._expected_of(row), "sort_days", None),
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
        if col == COL_EXPECTED:
            expected = self._expected_of(row)
            if expected is None:
                return None
            return plain_tooltip(
                expected_phrase(expected, self._days(row)) + "\n" + expected.details()
            )
        if col == COL_READINESS:
            glance = self._readiness.get(row.case_id)
            if glance is None:
                return None
            text = glance.summary
            if glance.signals:
                text += "\n" + _tr("{0} step-back/pause suggestion(s)").format(glance.signals)
            return plain_tooltip(text)
        return None


class CaseFilterProxyModel(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; filters by status and a case/accent/form-blind name search."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._status: str | None = None
        self._region: str | None = None
        self._phase: int | None = None
        self._flags_only = False
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

    def set_region_filter(self, region: str | None) -> None:
        """Show only hamstring or calf cases (``None``: both)."""
        if region != self._region:
            self._region = region
            self.invalidateFilter()

    def set_phase_filter(self, ordinal: int | None) -> None:
        """Show only cases in phase number *ordinal* (``None``: any phase)."""
        if ordinal != self._phase:
            self._phase = ordinal
            self.invalidateFilter()

    def set_flags_filter(self, flagged_only: bool) -> None:
        """Show only cases with open flags."""
        if flagged_only != self._flags_only:
            self._flags_only = flagged_only
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        direct = isinstance(model, CaseListModel)  # no QModelIndex round trip per row
        index = None if direct else model.index(source_row, COL_ATHLETE, source_parent)
        row = model.row_at(source_row) if direct else index.data(ROW_ROLE)
        if self._status is not None and row.status != self._status:
            return False
        if self._region is not None and row.region != self._region:
            return False
        if self._phase is not None and row.phase_ordinal != self._phase:
            return False
        if self._flags_only and not row.open_flags:
            return False
        if not self._needle:
            return True
        key = model.search_key(source_row) if direct else index.data(SEARCH_ROLE)
        return self._needle in key

    def lessThan(self, left: _Index, right: _Index) -> bool:
        """Compare raw Python values (dates, tuples); empty values sort first."""
        model = self.sourceModel()
        if isinstance(model, CaseListModel):
            col = left.column()
            a, b = model.sort_key(left.row(), col), model.sort_key(right.row(), col)
        else:
            a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        return a < b
