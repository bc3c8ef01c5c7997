"""The app shows the clinic's days and times (its zone, the database setting), whatever zone
the workstation is in: day N since the injury, the week plan, the timeline's "When" and the
"When" field; an admin's new zone moves them at once. Every test owns its clock."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone
from PySide6.QtWidgets import QDialogButtonBox

from casemgr.errors import ValidationError
from casemgr.services import cases, settings, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case
from casemgr.services.timeline import SessionInput, TimelineFilter
from ui.case.case_header import CaseHeader
from ui.case.case_workspace import CaseWorkspace
from ui.case.timeline_model import COL_WHEN
from ui.case.week_plan import WeekPlanWidget
from ui.clinic.case_list_model import COL_ATHLETE, COL_DAY, COL_LAST_ENTRY
from ui.clinic.main_window import MainWindow
from ui.platform import clinic_time, tasks

SYDNEY = ZoneInfo("Australia/Sydney")
KIRITIMATI_MORNING = datetime(2026, 6, 10, 11, tzinfo=UTC)  # Thursday 11 June, 01:00 there


def wall(tz: ZoneInfo, y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """The moment (UTC) a clock in *tz* shows y-m-d hh:mm (the first one when it repeats)."""
    return datetime(y, m, d, hh, mm, tzinfo=tz).astimezone(UTC)


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)
    clinic_time.set_zone("UTC")  # the next test logs in afresh


@pytest.fixture
def workstation():
    """Put this workstation in another zone (``TZ``) for the test."""
    old = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def log_in(clinic, monkeypatch):
    """The clinic moves to *zone*; the app logs in at the moment *now* (its clock, and the
    clock that stamps a case opened then)."""

    def _log_in(zone: str, now: datetime) -> None:
        monkeypatch.setattr(clinic_time, "utcnow", lambda: now)
        monkeypatch.setattr(cases, "utcnow", lambda: now)
        with clinic.session() as s:
            settings.set_setting(s, clinic.actors["admin"], "timezone", zone)
        with clinic.session() as s:
            clinic_time.load(s)

    return _log_in


def new_case(clinic, name: str, injured: date, region: str = "calf") -> int:
    with clinic.session() as s:
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput(name))
        muscle = "soleus" if region == "calf" else "semitendinosus"
        case = open_case(
            s, clinic.actors["physio"], athlete.id, CaseInput(region, "left", muscle, injured)
        )
    return case.id


def open_main_window(qtbot, clinic, role: str = "physio") -> MainWindow:
    window = MainWindow(clinic.database, clinic.actors[role])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def cell(window: MainWindow, name: str, col: int) -> str:
    proxy = window.proxy
    names = [proxy.index(r, COL_ATHLETE).data() for r in range(proxy.rowCount())]
    return proxy.index(names.index(name), col).data()


def test_clinic_time_keeps_the_clinics_wall_clock_across_daylight_saving(workstation):
    workstation("Europe/London")  # its 29 March 2026 has no 01:30
    clinic_time.set_zone("Australia/Sydney")
    # Sunday 5 April 2026 in Sydney: 02:30 happens twice (AEDT, then AEST)
    first, second = (
        datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        datetime(2026, 4, 4, 16, 30, tzinfo=UTC),
    )
    assert clinic_time.time_text(first) == clinic_time.time_text(second) == "2026-04-05 02:30"
    shown = clinic_time.wall_clock(first)
    assert (shown.date(), shown.time()) == (QDate(2026, 4, 5), QTime(2, 30))
    assert clinic_time.from_wall_clock(shown) == first  # typed: the first of the two
    # 01:30 on 29 March is a Sydney time like any other, though London skips it that night
    typed = QDateTime(QDate(2026, 3, 29), QTime(1, 30), QTimeZone.utc())
    assert clinic_time.from_wall_clock(typed) == wall(SYDNEY, 2026, 3, 29, 1, 30)
    assert clinic_time.time_text(clinic_time.from_wall_clock(typed)) == "2026-03-29 01:30"
    assert clinic_time.day_start(date(2026, 4, 5)) == datetime(2026, 4, 4, 13, tzinfo=UTC)
    assert clinic_time.day_end(date(2026, 4, 5)) == datetime(2026, 4, 5, 14, tzinfo=UTC)  # 25 h
    assert clinic_time.axis_offset(datetime(2026, 6, 1, tzinfo=UTC)) == -10 * 3600

    clinic_time.set_zone("Pacific/Kiritimati")
    assert clinic_time.today(KIRITIMATI_MORNING) == date(2026, 6, 11)
    with pytest.raises(ValidationError, match="Unknown time zone"):
        clinic_time.set_zone("Mars/Olympus_Mons")
    assert clinic_time.zone_name() == "Pacific/Kiritimati"  # never silently UTC


def test_day_n_in_the_list_summary_and_header_is_the_clinics(qtbot, clinic, log_in, workstation):
    workstation("America/Adak")  # still Wednesday 10 June there: 01:00 (UTC-10)
    log_in("Pacific/Kiritimati", KIRITIMATI_MORNING)  # Thursday 11 June, 01:00
    case_id = new_case(clinic, "Teuea Toatu", date(2026, 6, 1))
    with clinic.session() as s:
        timeline.add_note(
            s, clinic.actors["physio"], case_id, "Calf raises", occurred_at=KIRITIMATI_MORNING
        )

    window = open_main_window(qtbot, clinic)

    assert cell(window, "Teuea Toatu", COL_DAY) == "10"  # UTC and Adak would say 9
    assert cell(window, "Teuea Toatu", COL_LAST_ENTRY) == "2026-06-11 01:00"
    window.select_case(case_id)
    summary = window.summary_panel.text()
    assert "Days since injury 10" in " ".join(summary.split())
    with clinic.session() as s:
        info = cases.get_case(s, clinic.actors["physio"], case_id)
    header = CaseHeader()
    qtbot.addWidget(header)
    header.show_case(info)
    assert header.day_label.text().startswith("day 10")


def test_a_new_zone_in_the_settings_dialog_moves_the_days_at_once(qtbot, clinic, log_in):
    log_in("UTC", KIRITIMATI_MORNING)  # Wednesday 10 June, 11:00 UTC
    case_id = new_case(clinic, "Teuea Toatu", date(2026, 6, 1))
    window = open_main_window(qtbot, clinic, "admin")
    assert cell(window, "Teuea Toatu", COL_DAY) == "9"
    workspace = window.open_workspace(case_id)
    assert workspace.header.day_label.text().startswith("day 9")

    window.settings_action.trigger()
    dialog = window.settings_dialog
    dialog.zone_box.setCurrentText("Pacific/Kiritimati")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    assert clinic_time.zone_name() == "Pacific/Kiritimati"
    assert cell(window, "Teuea Toatu", COL_DAY) == "10"  # no refresh needed
    assert workspace.header.day_label.text().startswith("day 10")


def test_the_week_plan_is_the_clinics_week_when_sydney_leaves_daylight_saving(
    qtbot, clinic, log_in, workstation
):
    workstation("America/Adak")
    log_in("Australia/Sydney", wall(SYDNEY, 2026, 4, 5, 23, 45))  # Sunday night in Sydney
    case_id = new_case(clinic, "Mia Tan", date(2026, 3, 20), region="hamstring")
    with clinic.session() as s:
        for when in (
            wall(SYDNEY, 2026, 3, 29, 23, 45),  # the Sunday before
            wall(SYDNEY, 2026, 3, 30, 0, 15),  # Monday, though UTC says Sunday
            wall(SYDNEY, 2026, 4, 5, 23, 30),  # Sunday night, after the change
        ):
            timeline.add_session(
                s, clinic.actors["coach"], case_id, SessionInput("tempo", 30), occurred_at=when
            )

    plan = WeekPlanWidget(clinic.database, clinic.actors["coach"], case_id)
    qtbot.addWidget(plan)

    assert plan.week_start == date(2026, 3, 30)  # the clinic's Monday
    assert plan.week_label.text() == "Week of Mon 30 Mar 2026 – Sun 05 Apr 2026"
    assert [plan.day_labels[c].text() for c in (0, 6)] == ["Mon 30 Mar", "Sun 05 Apr (today)"]

    def logged(col: int) -> list[str]:
        days = plan.day_lists[col]
        return [days.item(i).text() for i in range(days.count()) if "Logged" in days.item(i).text()]

    assert logged(0) == ["● Logged 00:15: Tempo session, 30 min"]
    assert logged(6) == ["● Logged 23:30: Tempo session, 30 min"]
    assert sum(len(logged(c)) for c in range(7)) == 2  # the Sunday before is last week's
    plan.set_week(date(2026, 3, 29))
    assert logged(6) == ["● Logged 23:45: Tempo session, 30 min"]
    qtbot.mouseClick(plan.today_button, Qt.MouseButton.LeftButton)
    assert plan.week_start == date(2026, 3, 30)

    # the admin puts the clinic in UTC: the open week plan re-reads its days at once
    with clinic.session() as s:
        settings.set_setting(s, clinic.actors["admin"], "timezone", "UTC")
    clinic_time.set_zone("UTC")  # what the settings dialog does once it saved
    assert logged(0) == []  # Monday 00:15 in Sydney was Sunday 13:15 UTC
    assert logged(6) == ["● Logged 13:30: Tempo session, 30 min"]


def test_when_shows_and_takes_the_clinics_time_on_any_workstation(
    qtbot, clinic, log_in, workstation
):
    workstation("America/Adak")
    log_in("Australia/Sydney", wall(SYDNEY, 2026, 4, 6, 9))
    case_id = new_case(clinic, "Mia Tan", date(2026, 3, 20), region="hamstring")
    with clinic.session() as s:
        entry = timeline.add_feedback(
            s,
            clinic.actors["physio"],
            case_id,
            {"pain": 1},
            occurred_at=wall(SYDNEY, 2026, 4, 5, 23, 30),  # 13:30 UTC, 03:30 in Adak
        )
    workspace = CaseWorkspace(clinic.database, clinic.actors["physio"], case_id)
    qtbot.addWidget(workspace)
    model = workspace.timeline.model

    def when_shown(entry_id: int) -> str:
        return model.index(model.row_of_entry(entry_id), COL_WHEN).data()

    assert when_shown(entry.id) == "2026-04-05 23:30"

    form = workspace.entry_panel.show_kind("feedback")
    assert form.when_edit.text() == "2026-04-06 09:00"  # the clinic's now
    form.load_entry(entry)  # a correction shows when it happened, in the clinic's time
    assert form.when_edit.text() == "2026-04-05 23:30"

    form = workspace.entry_panel.show_kind("feedback")
    form.when_edit.reset_to_now()
    form.when_edit.setDateTime(QDateTime(QDate(2026, 4, 5), QTime(2, 30), QTimeZone.utc()))
    form.pain_spin.setValue(2)
    qtbot.mouseClick(workspace.entry_panel.save_button, Qt.MouseButton.LeftButton)
    with clinic.session() as s:
        page = timeline.list_entries(
            s, clinic.actors["physio"], case_id, TimelineFilter(kinds=("feedback",))
        )
    (typed,) = [e for e in page.items if e.id != entry.id]
    assert typed.occurred_at == wall(SYDNEY, 2026, 4, 5, 2, 30)  # 02:30 AEDT, the first
    assert when_shown(typed.id) == "2026-04-05 02:30"
