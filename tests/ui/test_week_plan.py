"""The week plan: planned vs logged sessions per day, targets, planning and permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from casemgr.db.models import PlannedSession, WeeklyTarget
from casemgr.services import planning
from casemgr.services.timeline import SessionInput, add_session
from ui.case import week_plan as week_plan_module
from ui.case.week_plan import ITEM_ROLE, WeekPlanWidget

TRICKY = "O'Brien <Jr> & Co"
MONDAY = planning.week_start(datetime.now(UTC).date()) - timedelta(
    days=7
)  # last week: all in the past


@pytest.fixture
def plan(clinic):
    """Last week: a tempo session planned Tuesday, logged Tuesday; a target."""
    coach = clinic.actors["coach"]
    with clinic.session() as s:
        planning.plan_session(
            s, coach, clinic.case_id, MONDAY + timedelta(days=1), "tempo", TRICKY, "grass", 70
        )
        planning.plan_session(s, coach, clinic.case_id, MONDAY + timedelta(days=4), "strength")
        add_session(
            s,
            coach,
            clinic.case_id,
            SessionInput("tempo", 40, srpe=4, surface="grass"),
            occurred_at=datetime.combine(MONDAY + timedelta(days=1), time(12), tzinfo=UTC),
        )
        planning.add_target(s, coach, clinic.case_id, MONDAY, "Two pain-free tempo sessions")
    return clinic


@pytest.fixture
def make(qtbot, plan):
    def _make(role: str = "coach") -> WeekPlanWidget:
        w = WeekPlanWidget(plan.database, plan.actors[role], plan.case_id)
        qtbot.addWidget(w)
        w.resize(1100, 600)
        w.show()
        qtbot.waitExposed(w)
        w.set_week(MONDAY)
        return w

    return _make


def texts(w: WeekPlanWidget, col: int) -> list[str]:
    days = w.day_lists[col]
    return [days.item(i).text() for i in range(days.count())]


def select_plan(w: WeekPlanWidget, col: int) -> None:
    days = w.day_lists[col]
    for i in range(days.count()):
        if days.item(i).data(ITEM_ROLE)[0] == "plan":
            days.setCurrentRow(i)
            return
    raise AssertionError("no planned session that day")


@pytest.fixture
def errors(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(week_plan_module, "show_error", lambda _p, t, m: shown.append((t, m)))
    return shown


def test_week_shows_planned_and_logged_sessions_per_day(make):
    w = make()
    assert w.week_label.text().startswith(f"Week of {MONDAY.strftime('%a %d %b %Y')}")
    assert [w.day_labels[c].text()[:3] for c in range(7)] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    tuesday = texts(w, 1)
    assert tuesday[0] == f"☐ Tempo · Grass · 70% — planned\n{TRICKY}"
    assert tuesday[1].startswith("● Logged") and "Tempo session, 40 min, sRPE 4" in tuesday[1]
    assert texts(w, 4) == ["☐ Strength — planned"]
    assert texts(w, 0) == ["rest / nothing planned"]
    assert w.summary_label.text() == "Planned 2 (done 0) · logged 1 · targets met 0/1"
    assert w.target_list.item(0).text() == "? Two pain-free tempo sessions — not marked (coach)"


def test_previous_and_next_week(qtbot, make):
    w = make()
    qtbot.mouseClick(w.next_button, Qt.MouseButton.LeftButton)
    assert w.week_start == MONDAY + timedelta(days=7)
    assert "Tempo · Grass" not in " ".join(texts(w, 1))
    qtbot.mouseClick(w.prev_button, Qt.MouseButton.LeftButton)
    assert w.week_start == MONDAY and texts(w, 4) == ["☐ Strength — planned"]
    w.set_week(date(2020, 1, 1))
    assert w.week_start == date(2019, 12, 30)  # the Monday


def test_mark_a_planned_session_done(qtbot, make, plan):
    w = make()
    select_plan(w, 4)
    assert w.status_buttons["done"].isEnabled()
    with qtbot.waitSignal(w.plan_changed):
        qtbot.mouseClick(w.status_buttons["done"], Qt.MouseButton.LeftButton)
    assert texts(w, 4) == ["✓ Strength — done"]
    with plan.session() as s:
        status = s.scalar(
            select(PlannedSession.status).where(PlannedSession.session_type == "strength")
        )
    assert status == "done"
    assert w.summary_label.text().startswith("Planned 2 (done 1)")


def test_plan_a_session_through_the_dialog(qtbot, make, plan):
    w = make()
    qtbot.mouseClick(w.day_lists[2].viewport(), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.plan_button, Qt.MouseButton.LeftButton)
    dialog = w.plan_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.values()["day"] == MONDAY + timedelta(days=2)  # the focused day
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("acceleration"))
    dialog.surface_box.setCurrentIndex(dialog.surface_box.findData("track"))
    dialog.intensity_spin.setValue(85)
    dialog.description_edit.setText("李娜: 6 x 20 m")
    with qtbot.waitSignal(w.plan_changed):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert texts(w, 2) == ["☐ Acceleration · Track · 85% — planned\n李娜: 6 x 20 m"]
    with plan.session() as s:
        row = s.scalar(select(PlannedSession).where(PlannedSession.session_type == "acceleration"))
        assert (row.planned_date, row.surface, row.intensity_pct) == (
            MONDAY + timedelta(days=2),
            "track",
            85,
        )


def test_admin_is_refused_in_plain_words(make, plan, errors):
    w = make("admin")
    assert not w.plan_session(MONDAY, "tempo")
    assert errors == [
        (
            "Plan a session",
            "Your role (Administrator) does not allow you to set targets or plan sessions.",
        )
    ]
    select_plan(w, 4)
    assert not w.set_selected_status("skipped")
    assert len(errors) == 2
    with plan.session() as s:
        assert (
            s.scalar(select(PlannedSession.status).where(PlannedSession.session_type == "strength"))
            == "planned"
        )
        assert len(s.scalars(select(PlannedSession)).all()) == 2


def test_mark_target_met(qtbot, make, plan):
    w = make("physio")
    w.target_list.setCurrentRow(0)
    assert w.met_button.isEnabled()
    qtbot.mouseClick(w.met_button, Qt.MouseButton.LeftButton)
    assert w.target_list.item(0).text().startswith("✓ Two pain-free tempo sessions — met")
    assert w.summary_label.text().endswith("targets met 1/1")
    with plan.session() as s:
        assert s.scalar(select(WeeklyTarget.met)) is True


def test_conflict_is_explained_and_reloaded(make, plan, errors):
    w = make()
    select_plan(w, 4)
    with plan.session() as s:  # someone else changes it meanwhile
        row = s.scalar(select(PlannedSession).where(PlannedSession.session_type == "strength"))
        planning.set_plan_status(s, plan.actors["physio"], row.id, row.version, "skipped")
    assert not w.set_selected_status("done")
    assert "changed by someone else" in errors[0][1]
    assert texts(w, 4) == ["✗ Strength — skipped"]
