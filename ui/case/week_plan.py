"""The microcycle calendar of a case: planned vs completed sessions per day, weekly targets.

``WeekPlanWidget(database, actor, case_id)`` shows one week (Monday to Sunday) with the
planned sessions (``planning.list_planned``) and the sessions logged on the timeline, the
week's targets with met / not met, and actions to plan a session, set a planned session's
status and mark a target. The services decide who may: a refusal is shown as it is worded.
The week is the clinic's: Monday to Sunday in its time zone, "today" is its today, and a
logged session shows on the clinic day (and at the clinic time) it happened.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError, ConflictError
from casemgr.permissions import Actor
from casemgr.services import planning, timeline
from casemgr.services.dto import EntryInfo, PlannedSessionInfo, TargetInfo
from casemgr.vocab import SESSION_TYPES, SURFACES
from ui.platform import clinic_time
from ui.platform.errors import show_error

log = logging.getLogger(__name__)

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""("plan", PlannedSessionInfo) / ("logged", EntryInfo) / ("target", TargetInfo)."""

STATUS_COLOURS = {
    "planned": "#4E9BE8",
    "done": "#59A14F",
    "skipped": "#E15759",
    "modified": "#F28E2B",
}
LOGGED_COLOUR = "#59A14F"


def _tr(text: str) -> str:
    return QCoreApplication.translate("WeekPlanWidget", text)


def status_label(status: str) -> str:
    return {
        "planned": _tr("planned"),
        "done": _tr("done"),
        "skipped": _tr("skipped"),
        "modified": _tr("modified"),
    }.get(status, status)


_STATUS_MARK = {"planned": "☐", "done": "✓", "skipped": "✗", "modified": "≈"}


def plan_text(p: PlannedSessionInfo) -> str:
    """``☐ Tempo · Grass · 70% — planned``."""
    parts = [SESSION_TYPES.get(p.session_type, p.session_type)]
    if p.surface:
        parts.append(SURFACES.get(p.surface, p.surface))
    if p.intensity_pct is not None:
        parts.append(f"{p.intensity_pct:g}%")
    text = f"{_STATUS_MARK.get(p.status, '•')} " + " · ".join(parts)
    text += " — " + status_label(p.status)
    if p.description:
        text += "\n" + p.description
    return text


def logged_text(e: EntryInfo) -> str:
    """``● Logged 10:00: Tempo session, 40 min, sRPE 4``."""
    when = clinic_time.time_text(e.occurred_at, "%H:%M")  # the clinic's time
    return _tr("● Logged {0}: {1}").format(when, e.title)


def target_text(t: TargetInfo) -> str:
    mark = {True: "✓", False: "✗"}.get(t.met, "?")  # type: ignore[arg-type]
    state = {True: _tr("met"), False: _tr("not met")}.get(t.met, _tr("not marked"))  # type: ignore[arg-type]
    return f"{mark} {t.text} — {state} ({t.discipline})"


def _tint(colour: str, alpha: int = 45) -> QBrush:
    """A translucent background of *colour*: the text keeps the palette's colour, so it
    stays readable in light and dark palettes."""
    c = QColor(colour)
    c.setAlpha(alpha)
    return QBrush(c)


class PlanSessionDialog(QDialog):
    """Date, type, surface, intensity and description of a session to plan."""

    def __init__(self, day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Plan a session"))
        form = QFormLayout(self)
        self.date_edit = QDateEdit(QDate(day.year, day.month, day.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd dd MMM yyyy")
        form.addRow(self.tr("&Date:"), self.date_edit)
        self.type_box = QComboBox()
        for key, label in SESSION_TYPES.items():
            self.type_box.addItem(label, key)
        form.addRow(self.tr("&Type:"), self.type_box)
        self.surface_box = QComboBox()
        self.surface_box.addItem(self.tr("(not set)"), "")
        for key, label in SURFACES.items():
            self.surface_box.addItem(label, key)
        form.addRow(self.tr("&Surface:"), self.surface_box)
        self.intensity_spin = QDoubleSpinBox()
        self.intensity_spin.setRange(0, 110)
        self.intensity_spin.setDecimals(0)
        self.intensity_spin.setSuffix(" %")
        self.intensity_spin.setSpecialValueText(self.tr("(not set)"))
        self.intensity_spin.setToolTip(self.tr("Intensity as a % of maximal velocity"))
        form.addRow(self.tr("&Intensity:"), self.intensity_spin)
        self.description_edit = QLineEdit()
        self.description_edit.setMaxLength(2000)
        form.addRow(self.tr("D&escription:"), self.description_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.buttons = buttons

    def values(self) -> dict:
        """The form as ``planning.plan_session`` keyword arguments."""
        d = self.date_edit.date()
        intensity = self.intensity_spin.value()
        return {
            "day": date(d.year(), d.month(), d.day()),
            "session_type": self.type_box.currentData(),
            "surface": self.surface_box.currentData(),
            "intensity_pct": intensity or None,
            "description": self.description_edit.text(),
        }


class WeekPlanWidget(QWidget):
    """One week of the case's microcycle; ``plan_changed`` after every saved change."""

    plan_changed = Signal()

    def __init__(self, database, actor: Actor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.database, self.actor, self.case_id = database, actor, case_id
        self.week_start = planning.week_start(clinic_time.today())  # the clinic's week
        self.planned: list[PlannedSessionInfo] = []
        self.logged: list[EntryInfo] = []
        self.targets: list[TargetInfo] = []
        self.plan_dialog: PlanSessionDialog | None = None
        self._active_col: int | None = None
        self._build()
        clinic_time.notifier().zone_changed.connect(self._on_clinic_zone_changed)
        self.reload()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        nav = QHBoxLayout()
        self.prev_button = QPushButton(self.tr("◀ &Previous week"))
        self.prev_button.clicked.connect(self._on_prev_clicked)
        self.today_button = QPushButton(self.tr("This &week"))
        self.today_button.clicked.connect(self._on_today_clicked)
        self.next_button = QPushButton(self.tr("&Next week ▶"))
        self.next_button.clicked.connect(self._on_next_clicked)
        self.week_label = QLabel()
        self.week_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.week_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.week_label.setFont(font)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.today_button)
        nav.addWidget(self.next_button)
        nav.addSpacing(12)
        nav.addWidget(self.week_label, 1)
        layout.addLayout(nav)
        for keys, slot in (
            (QKeySequence.StandardKey.MoveToPreviousPage, self._on_prev_clicked),
            (QKeySequence.StandardKey.MoveToNextPage, self._on_next_clicked),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        self.day_labels: list[QLabel] = []
        self.day_lists: list[QListWidget] = []
        for col in range(7):
            label = QLabel()
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(label, 0, col)
            days = QListWidget()
            days.setWordWrap(True)
            days.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            days.setMinimumWidth(110)
            days.setSpacing(3)
            days.currentItemChanged.connect(self._on_day_current_changed)
            days.itemDoubleClicked.connect(self._on_day_double_clicked)
            days.installEventFilter(self)
            days.viewport().installEventFilter(self)
            grid.addWidget(days, 1, col)
            grid.setColumnStretch(col, 1)
            self.day_labels.append(label)
            self.day_lists.append(days)
        layout.addLayout(grid, 3)

        actions = QHBoxLayout()
        self.plan_button = QPushButton(self.tr("Plan a &session…"))
        self.plan_button.clicked.connect(self._on_plan_clicked)
        actions.addWidget(self.plan_button)
        actions.addSpacing(12)
        actions.addWidget(QLabel(self.tr("Selected session:")))
        self.status_buttons: dict[str, QPushButton] = {}
        for status, text in (
            ("done", self.tr("&Done")),
            ("skipped", self.tr("S&kipped")),
            ("modified", self.tr("&Modified")),
            ("planned", self.tr("P&lanned")),
        ):
            button = QPushButton(text)
            button.setToolTip(self.tr("Mark the selected planned session {0}").format(text))
            button.clicked.connect(lambda _=False, s=status: self.set_selected_status(s))
            self.status_buttons[status] = button
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)

        self.summary_label = QLabel()
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary_label)

        targets_bar = QHBoxLayout()
        heading = QLabel(self.tr("Weekly targets"))
        heading.setFont(font)
        targets_bar.addWidget(heading)
        targets_bar.addStretch(1)
        self.met_button = QPushButton(self.tr("M&et"))
        self.met_button.clicked.connect(lambda: self.mark_selected_target(True))
        self.not_met_button = QPushButton(self.tr("N&ot met"))
        self.not_met_button.clicked.connect(lambda: self.mark_selected_target(False))
        targets_bar.addWidget(self.met_button)
        targets_bar.addWidget(self.not_met_button)
        layout.addLayout(targets_bar)
        self.target_list = QListWidget()
        self.target_list.setWordWrap(True)
        self.target_list.currentItemChanged.connect(self._on_target_current_changed)
        self.target_list.setSpacing(2)
        layout.addWidget(self.target_list, 1)
        self._update_buttons()

    # -- data ------------------------------------------------------------------------
    def set_week(self, day: date) -> None:
        """Show the week of *day*."""
        if planning.week_start(day) != self.week_start:
            self._active_col = None
        self.week_start = planning.week_start(day)
        self.reload()

    def reload(self) -> None:
        """Re-read the week's plan, logged sessions and targets."""
        start = self.week_start
        end = start + timedelta(days=7)
        since, until = clinic_time.day_start(start), clinic_time.day_start(end)  # local Mondays
        try:
            with self.database.session() as s:
                planned = planning.list_planned(s, self.actor, self.case_id, start, end)
                page = timeline.list_entries(
                    s,
                    self.actor,
                    self.case_id,
                    timeline.TimelineFilter(
                        kinds=("session",), since=since, until=until, include_history=False
                    ),
                )
                targets = [
                    t
                    for t in planning.list_targets(s, self.actor, self.case_id)
                    if t.week_start == start
                ]
        except CaseMgrError as exc:
            show_error(self, self.tr("Week plan"), str(exc))
            return
        self.planned, self.logged, self.targets = list(planned), list(page.items), targets
        self._fill()

    def _fill(self) -> None:
        start = self.week_start
        end = start + timedelta(days=6)
        self.week_label.setText(
            self.tr("Week of {0} – {1}").format(
                start.strftime("%a %d %b %Y"), end.strftime("%a %d %b %Y")
            )
        )
        today = clinic_time.today()
        palette_text = self.palette().color(self.foregroundRole())
        for col in range(7):
            day = start + timedelta(days=col)
            label = self.day_labels[col]
            label.setText(day.strftime("%a %d %b") + (self.tr(" (today)") if day == today else ""))
            font = label.font()
            font.setBold(day == today)
            label.setFont(font)
            days = self.day_lists[col]
            days.clear()
            for plan in (p for p in self.planned if p.planned_date == day):
                item = QListWidgetItem(plan_text(plan))
                item.setData(ITEM_ROLE, ("plan", plan))
                item.setBackground(_tint(STATUS_COLOURS.get(plan.status, "#9C9C9C")))
                item.setToolTip(self.tr("Planned session (select to mark its status)"))
                days.addItem(item)
            for entry in (e for e in self.logged if clinic_time.day_of(e.occurred_at) == day):
                item = QListWidgetItem(logged_text(entry))
                item.setData(ITEM_ROLE, ("logged", entry))
                bold = QFont(days.font())
                bold.setBold(True)
                item.setFont(bold)
                item.setBackground(_tint(LOGGED_COLOUR, 70))
                item.setToolTip(self.tr("Logged on the timeline by {0}").format(entry.author_name))
                days.addItem(item)
            if days.count() == 0:
                item = QListWidgetItem(self.tr("rest / nothing planned"))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                faint = QColor(palette_text)
                faint.setAlpha(120)
                item.setForeground(QBrush(faint))
                days.addItem(item)
        self.target_list.clear()
        for target in self.targets:
            item = QListWidgetItem(target_text(target))
            item.setData(ITEM_ROLE, ("target", target))
            colour = {True: "#59A14F", False: "#E15759"}.get(target.met)  # type: ignore[arg-type]
            if colour:
                item.setBackground(_tint(colour))
            self.target_list.addItem(item)
        if not self.targets:
            item = QListWidgetItem(self.tr("No targets set for this week."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.target_list.addItem(item)
        done = sum(1 for p in self.planned if p.status == "done")
        met = sum(1 for t in self.targets if t.met)
        self.summary_label.setText(
            self.tr("Planned {0} (done {1}) · logged {2} · targets met {3}/{4}").format(
                len(self.planned), done, len(self.logged), met, len(self.targets)
            )
        )
        self._update_buttons()

    # -- selection -------------------------------------------------------------------
    def selected_plan(self) -> PlannedSessionInfo | None:
        for days in self.day_lists:
            item = days.currentItem()
            if item is not None and item.isSelected():
                data = item.data(ITEM_ROLE)
                if data and data[0] == "plan":
                    return data[1]
        return None

    def selected_target(self) -> TargetInfo | None:
        item = self.target_list.currentItem()
        data = item.data(ITEM_ROLE) if item is not None else None
        return data[1] if data and data[0] == "target" else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress):
            for col, days in enumerate(self.day_lists):
                if watched is days or watched is days.viewport():
                    self._active_col = col
        return super().eventFilter(watched, event)

    def selected_day(self) -> date:
        """The day last clicked or focused this week (else today, or the week's Monday)."""
        if self._active_col is not None:
            return self.week_start + timedelta(days=self._active_col)
        today = clinic_time.today()
        if self.week_start <= today < self.week_start + timedelta(days=7):
            return today
        return self.week_start

    def _update_buttons(self) -> None:
        plan = self.selected_plan()
        for status, button in self.status_buttons.items():
            button.setEnabled(plan is not None and plan.status != status)
        target = self.selected_target()
        self.met_button.setEnabled(target is not None and target.met is not True)
        self.not_met_button.setEnabled(target is not None and target.met is not False)

    def _on_day_current_changed(self, current, _previous) -> None:
        if current is not None:
            sender = self.sender()
            for days in self.day_lists:
                if days is not sender:
                    days.clearSelection()
                    days.setCurrentItem(None)
        self._update_buttons()

    def _on_day_double_clicked(self, item: QListWidgetItem) -> None:
        data = item.data(ITEM_ROLE)
        if data and data[0] == "plan" and data[1].status == "planned":
            self.set_selected_status("done")

    def _on_target_current_changed(self, *_args) -> None:
        self._update_buttons()

    # -- actions ---------------------------------------------------------------------
    def _on_prev_clicked(self) -> None:
        self.set_week(self.week_start - timedelta(days=7))

    def _on_next_clicked(self) -> None:
        self.set_week(self.week_start + timedelta(days=7))

    def _on_today_clicked(self) -> None:
        self.set_week(clinic_time.today())

    def _on_clinic_zone_changed(self, _name: str) -> None:
        """The clinic's days moved: the logged sessions may fall on other days."""
        self.reload()

    def _on_plan_clicked(self) -> None:
        dialog = PlanSessionDialog(self.selected_day(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_plan_dialog_accepted(dialog))
        self.plan_dialog = dialog
        dialog.open()

    def _on_plan_dialog_accepted(self, dialog: PlanSessionDialog) -> None:
        self.plan_session(**dialog.values())

    def _run(self, title: str, action) -> bool:
        """Run a service call in its own session; refusals and conflicts in plain words."""
        try:
            with self.database.session() as s:
                action(s)
        except ConflictError as exc:
            show_error(self, title, str(exc))
            self.reload()
            return False
        except CaseMgrError as exc:
            show_error(self, title, str(exc))
            return False
        self.reload()
        self.plan_changed.emit()
        return True

    def plan_session(
        self,
        day: date,
        session_type: str,
        surface: str = "",
        intensity_pct: float | None = None,
        description: str = "",
    ) -> bool:
        """Plan a session on *day* (and show its week); False when refused."""
        ok = self._run(
            self.tr("Plan a session"),
            lambda s: planning.plan_session(
                s,
                self.actor,
                self.case_id,
                day,
                session_type,
                description=description,
                surface=surface,
                intensity_pct=intensity_pct,
            ),
        )
        if ok and planning.week_start(day) != self.week_start:
            self.set_week(day)
        return ok

    def set_selected_status(self, status: str) -> bool:
        """Mark the selected planned session done / skipped / modified / planned."""
        plan = self.selected_plan()
        if plan is None:
            return False
        return self._run(
            self.tr("Planned session"),
            lambda s: planning.set_plan_status(s, self.actor, plan.id, plan.version, status),
        )

    def mark_selected_target(self, met: bool | None) -> bool:
        """Mark the selected weekly target met (True) or not met (False)."""
        target = self.selected_target()
        if target is None:
            return False
        return self._run(
            self.tr("Weekly target"),
            lambda s: planning.mark_target(s, self.actor, target.id, target.version, met),
        )
