"""The case-review screen for interprofessional meetings, readable on a projector.

``CaseReviewWindow(database, actor)`` lists every active case of the clinic (open or in
surveillance; filter by search, region, phase and open flags) with its phase, readiness
(criteria met and the verdict), sparklines of max velocity and pain over the last four
weeks and the open flags; the selected case's detail shows each criterion, the step-back
suggestions, the flags and the latest note of every discipline. Large text (zoom), a
high-contrast palette and keyboard navigation (arrows, Alt+Up/Down, Enter) make it work
around one screen. The data loads off the GUI thread (``ui.tasks.run_task``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QFontMetrics, QKeySequence, QPalette
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

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.expected_return import expected_return
from casemgr.errors import CaseMgrError
from casemgr.permissions import ROLE_LABELS, Actor, Role
from casemgr.services import cases, readiness, series, timeline
from casemgr.services.dto import CaseRow
from casemgr.text import fold
from casemgr.vocab import MUSCLE_LABELS
from ui.platform import tasks
from ui.platform.errors import show_error
from ui.plots.sparkline import SPARK_ROLE, Spark, SparklineDelegate, SparklineWidget

log = logging.getLogger(__name__)

TREND_DAYS = 28
DISCIPLINES = ("doctor", "physio", "coach", "scientist")
(
    COL_ATHLETE,
    COL_INJURY,
    COL_PHASE,
    COL_DAY,
    COL_READINESS,
    COL_VELOCITY,
    COL_PAIN,
    COL_FLAGS,
) = range(8)
COLUMN_COUNT = 8
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
ZOOM_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)
LARGE_ZOOM = 1.5

_Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseReviewWindow", text)


@dataclass(frozen=True)
class CriterionLine:
    status: str  # pass / fail / missing / stale
    label: str
    explanation: str
    required: bool = True


@dataclass(frozen=True)
class NoteLine:
    discipline: str
    author: str
    at: datetime
    title: str
    body: str


@dataclass(frozen=True)
class FlagLine:
    title: str
    at: datetime
    severity: str


@dataclass(frozen=True)
class ReviewRow:
    """Everything the review shows about one case (plain data, built off the GUI thread)."""

    case: CaseRow
    day: int
    expected: str
    met: int
    total: int
    verdict: str
    summary: str
    criteria: tuple[CriterionLine, ...]
    suggestions: tuple[str, ...]
    flags: tuple[FlagLine, ...]
    notes: tuple[NoteLine, ...]
    trends: dict[str, series.Trend] = field(default_factory=dict)
    window_end: datetime = field(default_factory=lambda: datetime.now(UTC))


def _split_grade(grade: str) -> tuple[str, str]:
    if grade and grade[-1] in "abc" and not grade.startswith("0"):
        return grade[:-1], grade[-1]
    return grade, ""


def _review_row(session, actor: Actor, row: CaseRow, today: date, now: datetime) -> ReviewRow:
    ready = readiness.evaluate_case(session, actor, row.case_id)
    trends = series.trend_series(
        session, actor, row.case_id, ("max_velocity", "pain"), days=TREND_DAYS, as_of=now
    )
    marks = timeline.list_entries(
        session,
        actor,
        row.case_id,
        timeline.TimelineFilter(kinds=("flag", "flag_resolved"), include_history=False),
    ).items
    resolved = {int(e.data.get("flag_id", 0)) for e in marks if e.kind == "flag_resolved"}
    flags = tuple(
        FlagLine(e.title, e.occurred_at, str(e.data.get("severity", "")))
        for e in marks
        if e.kind == "flag" and e.id not in resolved
    )
    notes_page = timeline.list_entries(
        session,
        actor,
        row.case_id,
        timeline.TimelineFilter(kinds=("note",), include_history=False),
        newest_first=True,
        limit=200,
    )
    latest: dict[str, NoteLine] = {}
    for e in notes_page.items:
        if e.discipline not in latest:
            latest[e.discipline] = NoteLine(
                e.discipline, e.author_name, e.occurred_at, e.title, e.body
            )
    notes = tuple(latest[d] for d in DISCIPLINES if d in latest)
    grade, site = _split_grade(row.grade)
    exp = expected_return(row.region, row.muscle, grade, site)
    day = (today - row.injury_date).days
    return ReviewRow(
        case=row,
        day=day,
        expected=exp.describe(day) if exp else _tr("day {0}").format(day),
        met=ready.met,
        total=ready.total,
        verdict=ready.evaluation.verdict,
        summary=ready.evaluation.summary,
        criteria=tuple(
            CriterionLine(r.status, r.label, r.explanation, r.required)
            for r in ready.evaluation.results
        ),
        suggestions=tuple(s.message for s in ready.signals),
        flags=flags,
        notes=notes,
        trends=trends,
        window_end=now,
    )


def load_review(database, actor: Actor, today: date | None = None) -> list[ReviewRow]:
    """Every open or surveillance case with its review data (one short session per case)."""
    today = today or date.today()
    now = datetime.now(UTC)
    with database.session() as s:
        rows = [r for r in cases.list_case_rows(s, actor, include_closed=False)]
    out = []
    for row in rows:
        with database.session() as s:
            out.append(_review_row(s, actor, row, today, now))
    return out


# --- model -----------------------------------------------------------------------------


def verdict_text(verdict: str) -> str:
    return {
        "ready": _tr("ready to advance"),
        "not_ready": _tr("not ready"),
        "no_criteria": _tr("no exit criteria"),
    }.get(verdict, verdict)


def readiness_text(r: ReviewRow) -> str:
    """``"3/5 criteria · not ready"`` (and the number of step-back/pause suggestions)."""
    if r.total == 0:
        text = verdict_text(r.verdict)
    else:
        text = _tr("{0}/{1} criteria · {2}").format(r.met, r.total, verdict_text(r.verdict))
    if r.suggestions:
        text += " · " + _tr("{0} suggestion(s)").format(len(r.suggestions))
    return text


def short_readiness(r: ReviewRow) -> str:
    """``"3/5 · not ready · ⚠ 2"`` for the table (⚠: step-back/pause suggestions)."""
    text = f"{r.met}/{r.total} · {verdict_text(r.verdict)}" if r.total else verdict_text(r.verdict)
    return text + (f" · ⚠ {len(r.suggestions)}" if r.suggestions else "")


def injury_text(c: CaseRow) -> str:
    side = {"left": _tr("Left"), "right": _tr("Right")}.get(c.side, c.side)
    region = {"hamstring": _tr("hamstring"), "calf": _tr("calf")}.get(c.region, c.region)
    return f"{side} {region} · {MUSCLE_LABELS.get(c.muscle, c.muscle)} · {c.grade}"


def short_injury(c: CaseRow) -> str:
    """``"R hamstring 2a"`` (the muscle is in the tooltip and the detail)."""
    side = {"left": _tr("L"), "right": _tr("R")}.get(c.side, c.side)
    region = {"hamstring": _tr("hamstring"), "calf": _tr("calf")}.get(c.region, c.region)
    return f"{side} {region} {c.grade}"


class ReviewModel(QAbstractTableModel):
    """One row per case: a plain list of ``ReviewRow`` replaced by ``set_rows``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[ReviewRow] = []
        self.high_contrast = False
        catalogue = load_catalogue()
        self._velocity = catalogue.get("max_velocity")

    def set_rows(self, rows: Sequence[ReviewRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def set_high_contrast(self, on: bool) -> None:
        self.high_contrast = on
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, COLUMN_COUNT - 1)
            )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            _tr("Athlete"),
            _tr("Injury"),
            _tr("Phase"),
            _tr("Day"),
            _tr("Readiness"),
            _tr("Max velocity, 4 weeks"),
            _tr("Pain, 4 weeks"),
            _tr("Open flags"),
        )[section]

    def spark(self, r: ReviewRow, key: str) -> Spark:
        trend = r.trends.get(key)
        start = r.window_end - timedelta(days=TREND_DAYS)
        colours = {
            "max_velocity": "#33CCFF" if self.high_contrast else "#4E9BE8",
            "pain": "#FF7070" if self.high_contrast else "#E15759",
        }
        if trend is None or not trend.points:
            return Spark((), (), start.timestamp(), r.window_end.timestamp(), text="—")
        last = trend.points[-1].value
        if key == "pain":
            text = _tr("{0:g}/10").format(last)
            return Spark.from_points(
                trend.points, start, r.window_end, colour=colours[key], text=text, y_min=0, y_max=10
            )
        text = self._velocity.format(last)
        if trend.baseline:
            text += f" ({last / trend.baseline * 100:.0f}%)"
        return Spark.from_points(
            trend.points,
            start,
            r.window_end,
            baseline=trend.baseline,
            colour=colours[key],
            text=text,
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        c = r.case
        col = index.column()
        if role == ROW_ROLE:
            return r
        if role == SPARK_ROLE:
            if col == COL_VELOCITY:
                return self.spark(r, "max_velocity")
            if col == COL_PAIN:
                return self.spark(r, "pain")
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_ATHLETE:
                return c.athlete_name
            if col == COL_INJURY:
                return short_injury(c)
            if col == COL_PHASE:
                return f"{c.phase_ordinal}/{c.phase_count} {c.phase_name}"
            if col == COL_DAY:
                return str(r.day)
            if col == COL_READINESS:
                return short_readiness(r)
            if col in (COL_VELOCITY, COL_PAIN):
                return self.spark(r, "max_velocity" if col == COL_VELOCITY else "pain").text
            if col == COL_FLAGS:
                if not r.flags:
                    return ""
                return f"⚑ {len(r.flags)}: {r.flags[-1].title}"
        if role == SORT_ROLE:
            return {
                COL_ATHLETE: fold(c.athlete_name),
                COL_INJURY: injury_text(c),
                COL_PHASE: c.phase_ordinal,
                COL_DAY: r.day,
                COL_READINESS: (r.met / r.total) if r.total else -1.0,
                COL_FLAGS: len(r.flags),
            }.get(col, index.data())
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_READINESS:
                return _plain_tip(readiness_text(r) + "\n" + r.summary)
            if col == COL_INJURY:
                return _plain_tip(injury_text(c))
            if col == COL_FLAGS and r.flags:
                return _plain_tip("\n".join(f.title for f in r.flags))
            if col == COL_DAY:
                return _plain_tip(r.expected)
            if col == COL_ATHLETE:
                return _plain_tip(c.athlete_name)
        if role == Qt.ItemDataRole.BackgroundRole:
            if col == COL_READINESS:
                if r.verdict == "ready":
                    return QBrush(QColor(89, 161, 79, 90))
                if r.suggestions:
                    return QBrush(QColor(242, 142, 43, 90))
            if col == COL_FLAGS and r.flags:
                return QBrush(QColor(225, 87, 89, 80))
        if role == Qt.ItemDataRole.FontRole and col == COL_ATHLETE:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_DAY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _plain_tip(text: str) -> str:
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""


class ReviewFilterProxy(QSortFilterProxyModel):
    """Search (name, accents and case ignored), region, phase ordinal, open flags only."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.needle = ""
        self.region = ""
        self.phase = 0
        self.flags_only = False
        self.setSortRole(SORT_ROLE)

    def set_filter(
        self,
        *,
        needle: str | None = None,
        region: str | None = None,
        phase: int | None = None,
        flags_only: bool | None = None,
    ) -> None:
        if needle is not None:
            self.needle = fold(needle)
        if region is not None:
            self.region = region
        if phase is not None:
            self.phase = phase
        if flags_only is not None:
            self.flags_only = flags_only
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        r: ReviewRow = model.rows[source_row]  # type: ignore[attr-defined]
        c = r.case
        if self.needle and self.needle not in fold(f"{c.athlete_name} {c.external_id or ''}"):
            return False
        if self.region and c.region != self.region:
            return False
        if self.phase and c.phase_ordinal != self.phase:
            return False
        return not (self.flags_only and not r.flags)

    def lessThan(self, left: _Index, right: _Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


# --- detail ------------------------------------------------------------------------------

_STATUS_MARKS = {"pass": "✓", "fail": "✗", "missing": "?", "stale": "⏱"}


def detail_html(r: ReviewRow, contrast: bool = False) -> str:
    """The selected case in HTML; every piece of user text escaped."""
    e = html.escape
    c = r.case
    good, bad, warn = (
        ("#7CFC00", "#FF6B6B", "#FFD700") if contrast else ("#2E7D32", "#C62828", "#B26A00")
    )
    parts = [
        f"<h2>{e(c.athlete_name)}</h2>",
        f"<p>{e(injury_text(c))}<br>"
        f"{e(_tr('Phase {0}/{1}: {2}').format(c.phase_ordinal, c.phase_count, c.phase_name))}"
        f" · {e(r.expected)}</p>",
        f"<h3>{e(_tr('Readiness'))}: {e(readiness_text(r))}</h3>",
        f"<p>{e(r.summary)}</p>",
    ]
    if r.criteria:
        items = []
        for line in r.criteria:
            colour = {"pass": good, "fail": bad}.get(line.status, warn)
            mark = _STATUS_MARKS.get(line.status, "•")
            optional = "" if line.required else e(_tr(" (optional)"))
            items.append(
                f"<li><span style='color:{colour}'><b>{mark}</b></span> "
                f"<b>{e(line.label)}</b>{optional}: {e(line.explanation)}</li>"
            )
        parts.append("<ul>" + "".join(items) + "</ul>")
    if r.suggestions:
        parts.append(f"<h3 style='color:{warn}'>{e(_tr('Suggestions'))}</h3>")
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in r.suggestions) + "</ul>")
    parts.append(f"<h3>{e(_tr('Open flags'))}</h3>")
    if r.flags:
        parts.append(
            "<ul>"
            + "".join(
                f"<li><span style='color:{bad}'>⚑</span> {e(f.title)} "
                f"({e(f.at.astimezone().strftime('%d %b %Y'))})</li>"
                for f in r.flags
            )
            + "</ul>"
        )
    else:
        parts.append(f"<p>{e(_tr('None.'))}</p>")
    parts.append(f"<h3>{e(_tr('Latest note per discipline'))}</h3>")
    if not r.notes:
        parts.append(f"<p>{e(_tr('No notes yet.'))}</p>")
    for note in r.notes:
        role = ROLE_LABELS.get(Role(note.discipline), note.discipline)
        body = note.body if len(note.body) <= 600 else note.body[:600] + "…"
        when = note.at.astimezone().strftime("%a %d %b %Y %H:%M")
        parts.append(
            f"<p><b>{e(role)}</b> — {e(note.author)}, {e(when)}<br>"
            f"<i>{e(note.title)}</i> {e(body)}</p>"
        )
    return "".join(parts)


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
