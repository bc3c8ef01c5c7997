"""The rows of the case review and their table: ``load_review`` builds one ``ReviewRow``
per active case (plain data, off the GUI thread), ``ReviewModel`` shows them with their
sparklines and ``ReviewFilterProxy`` filters and sorts them; plus the short texts of a row.
"""

from __future__ import annotations

import html
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
)
from PySide6.QtGui import QBrush, QColor, QFont

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.clinic_days import local_day
from casemgr.clinical.expected_return import expected_return_for_label
from casemgr.clinical.overrides import unmet_from_data
from casemgr.permissions import Actor
from casemgr.services import cases, readiness, series, settings, timeline
from casemgr.services.dto import CaseRow
from casemgr.text import fold
from casemgr.vocab import MUSCLE_LABELS
from ui.case.case_header import expected_phrase
from ui.case.criteria_panel import answer_text
from ui.platform import clinic_time
from ui.plots.sparkline import SPARK_ROLE, Spark

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
    answered: tuple[str, ...] = ()  # answered suggestions: the message, who, when, how
    pause: str = ""  # a running pause: "until 2026-03-06 (Test physio: reason)"
    expected_detail: str = ""  # the source of the expected window and how it was matched
    overrides: tuple[str, ...] = ()  # advances and decisions made with criteria unmet


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
    exp = expected_return_for_label(row.region, row.muscle, row.grade)
    day = (today - row.injury_date).days
    return ReviewRow(
        case=row,
        day=day,
        expected=expected_phrase(exp, day),
        expected_detail=exp.details() if exp else "",
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
        answered=tuple(f"{a.signal.message} {answer_text(a.answer)}" for a in ready.answered),
        pause=pause_text(ready.pause) if ready.pause is not None else "",
        overrides=override_lines(session, actor, row.case_id),
    )


def override_lines(session, actor: Actor, case_id: int) -> tuple[str, ...]:
    """Every advance or decision made with required exit criteria unmet, as stored then:
    ``"Advanced to phase 4: ... (override: 1 exit criterion unmet): Max velocity ... (93.7%);
    reason: ... (Test physio, 2026-03-02 09:00)"``."""
    moves = timeline.list_entries(
        session,
        actor,
        case_id,
        timeline.TimelineFilter(kinds=("phase_change", "decision"), include_history=False),
    ).items
    out = []
    for e in moves:
        if not (e.data or {}).get("override"):
            continue
        unmet = unmet_from_data(e.data)
        text = e.title
        if unmet and unmet[0].label not in e.title:
            text += ": " + "; ".join(u.text for u in unmet)
        reason = str(e.data.get("override_reason") or e.body)
        who = f"{e.author_name}, {clinic_time.time_text(e.occurred_at)}"
        out.append(_tr("{0}; reason: {1} ({2})").format(text, reason, who))
    return tuple(out)


def pause_text(pause) -> str:
    """``"until 2026-03-06 (Test physio: reason)"`` for a running pause."""
    day = pause.pause_until_day.isoformat() if pause.pause_until_day else ""
    return _tr("until {0} ({1}: {2})").format(day, pause.answered_by_name, pause.reason)


def load_review(database, actor: Actor, today: date | None = None) -> list[ReviewRow]:
    """Every open or surveillance case with its review data (one short session per case);
    day N counts to *today* (default: the clinic's today, in the zone of the database)."""
    now = clinic_time.now()
    with database.session() as s:
        rows = [r for r in cases.list_case_rows(s, actor, include_closed=False)]
        today = today or local_day(now, settings.clinic_zone(s))
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
    text += f" · ⚠ {len(r.suggestions)}" if r.suggestions else ""
    return text + (" · ‖ " + _tr("paused") if r.pause else "")


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
                text = f"{c.phase_ordinal}/{c.phase_count} {c.phase_name}"
                return text + (" · " + _tr("override") if r.overrides else "")
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
                return _plain_tip("\n".join(t for t in (r.expected, r.expected_detail) if t))
            if col == COL_ATHLETE:
                return _plain_tip(c.athlete_name)
            if col == COL_PHASE and r.overrides:
                return _plain_tip("\n".join(r.overrides))
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
