"""The case-review screen: every active case, readiness, sparklines, flags, latest notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from casemgr.demo import create_demo_database
from casemgr.services import readiness
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, close_case, list_case_rows, open_case
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import add_feedback, add_note, raise_flag, record_measures
from ui.clinic.case_review import CaseReviewWindow
from ui.clinic.review_model import (
    COL_ATHLETE,
    COL_DAY,
    COL_FLAGS,
    COL_PAIN,
    COL_READINESS,
    COL_VELOCITY,
    ROW_ROLE,
    load_review,
)
from ui.plots.sparkline import SPARK_ROLE

TRICKY = "O'Brien <Jr> & Co"
INJURY = datetime.now(UTC).date() - timedelta(days=10)  # the clinic's (UTC) calendar


def at(days: int, hour: int = 10) -> datetime:
    return datetime.combine(INJURY + timedelta(days=days), time(hour), tzinfo=UTC)


def new_case(clinic, name: str, region: str = "calf", muscle: str = "soleus") -> int:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput(name, sport="Football"))
        case = open_case(
            s,
            physio,
            athlete.id,
            CaseInput(region=region, side="left", muscle=muscle, injury_date=INJURY),
        )
    return case.id


@pytest.fixture
def team(clinic):
    """Sam Carter (hamstring, notes by three disciplines, velocity, pain), O'Brien (calf),
    李娜 (hamstring, an open flag) and a closed case that the review leaves out."""
    a = clinic.actors
    with clinic.session() as s:
        record_measures(
            s,
            a["scientist"],
            clinic.case_id,
            [MeasureValue("max_velocity", 10.0)],
            measured_at=at(-14),
            is_baseline=True,
        )
        for day, value in ((3, 7.0), (6, 8.5)):
            record_measures(
                s,
                a["scientist"],
                clinic.case_id,
                [MeasureValue("max_velocity", value)],
                measured_at=at(day),
            )
        for day, pain in ((1, 5), (4, 3), (7, 1)):
            add_feedback(s, a["physio"], clinic.case_id, {"pain": pain}, occurred_at=at(day, 8))
        add_note(s, a["physio"], clinic.case_id, "Old physio note", occurred_at=at(2))
        add_note(
            s, a["physio"], clinic.case_id, f"Latest physio note for {TRICKY}", occurred_at=at(5)
        )
        add_note(s, a["coach"], clinic.case_id, "Coach: strides went well", occurred_at=at(6))
        add_note(s, a["doctor"], clinic.case_id, "Doctor: review imaging", occurred_at=at(7))
    clinic.tricky_id = new_case(clinic, TRICKY)
    clinic.li_id = new_case(clinic, "李娜", "hamstring", "semitendinosus")
    with clinic.session() as s:
        raise_flag(s, a["scientist"], clinic.li_id, "Soreness jump after speed block")
    closed = new_case(clinic, "Closed Case")
    with clinic.session() as s:
        from casemgr.services.cases import get_case

        info = get_case(s, a["physio"], closed)
        close_case(s, a["physio"], closed, info.version, "done")
    return clinic


@pytest.fixture
def open_review(qtbot):
    def _open(database, actor) -> CaseReviewWindow:
        window = CaseReviewWindow(database, actor)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
        return window

    return _open


def row_for(window, name: str) -> int:
    return window.shown_names().index(name)


def test_lists_active_cases_with_readiness_and_flags(open_review, team):
    w = open_review(team.database, team.actors["doctor"])
    assert sorted(w.shown_names()) == sorted(["Sam Carter", TRICKY, "李娜"])
    assert w.count_label.text() == "3 of 3 active cases"
    with team.session() as s:
        ready = readiness.evaluate_case(s, team.actors["doctor"], team.case_id)
    row = row_for(w, "Sam Carter")
    readiness_text = w.proxy.index(row, COL_READINESS).data()
    assert readiness_text.startswith(f"{ready.met}/{ready.total} · not ready")
    li = row_for(w, "李娜")
    assert w.proxy.index(li, COL_FLAGS).data() == "⚑ 1: Soreness jump after speed block"
    assert w.proxy.index(row, COL_FLAGS).data() == ""


def test_sparklines_hold_the_recent_values(open_review, team):
    w = open_review(team.database, team.actors["physio"])
    row = row_for(w, "Sam Carter")
    velocity = w.proxy.index(row, COL_VELOCITY).data(SPARK_ROLE)
    assert velocity.ys == (7.0, 8.5) and velocity.baseline == 10.0
    assert velocity.xs == (at(3).timestamp(), at(6).timestamp())
    assert velocity.text == "8.50 m/s (85%)"
    pain = w.proxy.index(row, COL_PAIN).data(SPARK_ROLE)
    assert pain.ys == (5, 3, 1) and pain.text == "1/10"
    assert w.proxy.index(row_for(w, TRICKY), COL_VELOCITY).data(SPARK_ROLE).ys == ()
    image = w.table.viewport().grab()  # the delegate paints without error
    assert not image.isNull()


def test_detail_shows_latest_note_per_discipline_and_names_exactly(open_review, team):
    w = open_review(team.database, team.actors["coach"])
    w.select_case(team.case_id)
    text = w.detail.toPlainText()
    assert f"Latest physio note for {TRICKY}" in text
    assert "Old physio note" not in text
    assert "Coach: strides went well" in text and "Doctor: review imaging" in text
    assert text.index("Doctor") < text.index("Physiotherapist") < text.index("S&C coach")
    assert "Readiness:" in text and "Pain" in text
    w.select_case(team.tricky_id)
    assert w.detail.toPlainText().startswith(TRICKY)
    assert w.proxy.index(row_for(w, TRICKY), COL_ATHLETE).data() == TRICKY
    w.select_case(team.li_id)
    assert "⚑ Soreness jump after speed block" in w.detail.toPlainText()


def test_filters(qtbot, open_review, team):
    w = open_review(team.database, team.actors["physio"])
    qtbot.keyClicks(w.search_edit, "o'BRIEN <jr")  # case ignored, typed as shown
    assert w.shown_names() == [TRICKY]
    w.search_edit.clear()
    w.search_edit.setText("李")  # as an input method would (QTest types Latin-1 only)
    assert w.shown_names() == ["李娜"]
    w.search_edit.clear()
    w.region_box.setCurrentIndex(w.region_box.findData("calf"))
    assert w.shown_names() == [TRICKY]
    w.region_box.setCurrentIndex(0)
    w.flags_check.setChecked(True)
    assert w.shown_names() == ["李娜"] and w.count_label.text() == "1 of 3 active cases"
    w.flags_check.setChecked(False)
    w.phase_box.setCurrentIndex(w.phase_box.findData(2))
    assert w.shown_names() == []


def test_keyboard_navigation_and_enter_opens(qtbot, open_review, team):
    w = open_review(team.database, team.actors["physio"])
    names = w.shown_names()
    w.table.setFocus()
    w.table.selectRow(0)
    assert w.current_row().case.athlete_name == names[0]
    qtbot.keyClick(w.table, Qt.Key.Key_Down)
    assert w.current_row().case.athlete_name == names[1]
    assert w.detail.toPlainText().startswith(names[1])
    w.next_action.trigger()
    assert w.current_row().case.athlete_name == names[2]
    w.next_action.trigger()  # stays on the last
    assert w.current_row().case.athlete_name == names[2]
    w.prev_action.trigger()
    assert w.current_row().case.athlete_name == names[1]
    with qtbot.waitSignal(w.case_activated) as opened:
        qtbot.keyClick(w.table, Qt.Key.Key_Return)
    assert opened.args == [w.current_row().case.case_id]


def test_projector_large_text_and_high_contrast(open_review, team):
    w = open_review(team.database, team.actors["doctor"])
    size = w.table.font().pointSizeF()
    w.large_action.trigger()
    assert w.table.font().pointSizeF() == pytest.approx(size * 1.5)
    assert w.zoom == 1.5
    w.zoom_in_action.trigger()
    assert w.zoom == 1.75
    w.zoom_reset_action.trigger()
    assert w.table.font().pointSizeF() == pytest.approx(size) and not w.large_action.isChecked()
    w.contrast_action.trigger()
    assert w.table.palette().color(QPalette.ColorRole.Base).name() == "#000000"
    assert w.table.palette().color(QPalette.ColorRole.Text).name() == "#ffffff"
    w.contrast_action.trigger()
    assert w.table.palette().color(QPalette.ColorRole.Base).name() != "#000000"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from casemgr.db.open import open_database

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    create_demo_database(str(path))
    db = open_database(f"sqlite:///{path}")
    yield db
    db.dispose()


def test_demo_clinic_every_active_case(open_review, demo_db):
    from sqlalchemy import select

    from casemgr.db.models import User
    from casemgr.permissions import Actor

    with demo_db.session() as s:
        user = s.scalar(select(User).where(User.username == "doctor"))
        actor = Actor(user.id, user.username, user.role, user.display_name)
        active = [r for r in list_case_rows(s, actor) if r.status != "closed"]
    w = open_review(demo_db, actor)
    assert sorted(w.shown_names()) == sorted(r.athlete_name for r in active)
    assert {TRICKY, "李娜"} <= set(w.shown_names())
    rows = [w.proxy.index(r, 0).data(ROW_ROLE) for r in range(w.proxy.rowCount())]
    assert all(r.notes for r in rows)  # every demo case has notes
    ready = [r.case.athlete_name for r in rows if r.verdict == "ready"]
    assert ready and all(
        w.proxy.index(row_for(w, n), COL_READINESS).data().split(" · ")[1] == "ready to advance"
        for n in ready
    )


def test_the_review_shows_each_expected_window_with_its_source(open_review, clinic):
    """Injured on 1 March: on 13 March the review reads day 12 of the grade's window."""
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput("Tendon Case", sport="Athletics"))
        tendon = open_case(
            s,
            physio,
            athlete.id,
            CaseInput(
                "hamstring",
                "right",
                "biceps_femoris_long_head",
                date(2024, 3, 1),
                grade="3",
                site="c",
            ),
        )
    rows = load_review(clinic.database, clinic.actors["doctor"], today=date(2024, 3, 13))
    row = next(r for r in rows if r.case.case_id == tendon.id)
    assert row.expected == "day 12 of an expected 31-65 days (Pollock 2022)"
    assert row.expected_detail.startswith("Pollock 2022: BAMIC 3c (intratendinous)")
    w = open_review(clinic.database, clinic.actors["doctor"])
    w.select_case(tendon.id)
    text = w.detail.toPlainText()
    assert "of an expected 31-65 days (Pollock 2022)" in text
    assert "Pollock 2022: BAMIC 3c (intratendinous), elite track and field: 48 ± 17 days" in text
    sam = w.proxy.index(row_for(w, "Sam Carter"), COL_DAY).data(Qt.ItemDataRole.ToolTipRole)
    assert "days (Ekstrand 2012)" in sam and "BAMIC grade 2 (moderate injury) read as" in sam


def test_the_review_shows_an_answered_suggestion_with_who_and_how(open_review, demo_db):
    """The demo's step-back case: the pain suggestion the physio answered by stepping back
    is not an open suggestion any more; the detail lists it answered, by whom and how."""
    from sqlalchemy import select

    from casemgr.db.models import InjuryCase, User
    from casemgr.permissions import Actor

    with demo_db.session() as s:
        user = s.scalar(select(User).where(User.username == "coach"))
        actor = Actor(user.id, user.username, user.role, user.display_name)
        case_id = s.scalar(select(InjuryCase.id).where(InjuryCase.muscle == "semimembranosus"))
    w = open_review(demo_db, actor)
    w.select_case(case_id)
    row = w.proxy.index(row_for(w, "李娜"), 0).data(ROW_ROLE)
    assert not [s for s in row.suggestions if s.startswith("Pain")]
    text = w.detail.toPlainText()
    assert "Answered suggestions" in text
    assert "✓ Pain 4/10 that morning was above the protocol's pain limit" in text
    assert "Answered by Tom Becker on " in text and ": stepped back — Pain 4/10" in text
