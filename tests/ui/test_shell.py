"""The app shell: log in, the case list (search, filter, sort), the case summary, start-up."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from casemgr.db.models import AppMeta
from casemgr.errors import PermissionDenied
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, close_case, move_phase, open_case
from tests.conftest import TEST_PASSWORD
from ui.clinic.case_list_model import (
    COL_ATHLETE,
    COL_DAY,
    COL_EXPECTED,
    COL_PHASE,
    COL_STATUS,
    SORT_ROLE,
)
from ui.clinic.main_window import MainWindow
from ui.platform.login_dialog import LoginDialog

ROOT = Path(__file__).resolve().parents[2]
CLINIC_TODAY = datetime.now(UTC).date()  # the test clinic's zone is UTC (tests/conftest.py)
TRICKY = "O'Brien <Jr> & Co"


def add_case(clinic, name: str, *, days_ago: int = 5, advance: int = 0, close: bool = False) -> int:
    """A new athlete with a left soleus case, moved *advance* phases on (then closed)."""
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput(name, sport="Football"))
        case = open_case(
            s,
            physio,
            athlete.id,
            CaseInput(
                region="calf",
                side="left",
                muscle="soleus",
                grade="1",
                site="a",
                injury_date=CLINIC_TODAY - timedelta(days=days_ago),
            ),
        )
        for _ in range(advance):
            case = move_phase(
                s, physio, case.id, case.version, "advance", "criteria met", override_reason="x"
            )
        if close:
            case = close_case(s, physio, case.id, case.version, "back to full training")
    return case.id


def make_demo(clinic) -> None:
    with clinic.session() as s:
        s.merge(AppMeta(key="demo", value="1"))


@pytest.fixture
def open_window(qtbot, clinic):
    def _open(role: str = "physio") -> MainWindow:
        window = MainWindow(clinic.database, clinic.actors[role])
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return _open


def shown_names(window: MainWindow) -> list[str]:
    proxy = window.proxy
    return [proxy.index(r, COL_ATHLETE).data() for r in range(proxy.rowCount())]


def row_of(window: MainWindow, name: str) -> int:
    return shown_names(window).index(name)


# -- log in ------------------------------------------------------------------------------


def _login(qtbot, database, username: str, password: str) -> LoginDialog:
    dialog = LoginDialog(database)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.username_edit, username)
    qtbot.keyClicks(dialog.password_edit, password)
    return dialog


def test_login_with_the_right_password_yields_the_actor(qtbot, clinic):
    dialog = _login(qtbot, clinic.database, "doctor", TEST_PASSWORD)
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (dialog.actor.username, dialog.actor.role) == ("doctor", "doctor")
    assert not dialog.isVisible()


def test_wrong_password_shows_the_message_and_keeps_the_dialog_open(qtbot, clinic):
    dialog = _login(qtbot, clinic.database, "doctor", "not-the-password")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error_label.isVisible)
    assert dialog.error_label.text() == "Wrong user name or password."
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.password_edit.text() == "" and dialog.username_edit.text() == "doctor"


def test_repeated_failures_make_the_account_wait(qtbot, clinic):
    dialog = _login(qtbot, clinic.database, "coach", "")
    for _ in range(4):
        dialog.password_edit.setText("wrong")
        dialog.login_button.click()
    assert dialog.error_label.text().startswith("Too many failed attempts. Try again in ")
    assert dialog.actor is None and dialog.isVisible()


def test_quit_rejects_and_an_empty_user_name_cannot_log_in(qtbot, clinic):
    dialog = _login(qtbot, clinic.database, "", "")
    assert not dialog.login_button.isEnabled()
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is None


def test_the_demo_hint_shows_only_on_a_demo_database(qtbot, clinic):
    plain = _login(qtbot, clinic.database, "", "")
    assert not plain.demo_label.isVisible()
    make_demo(clinic)
    demo = _login(qtbot, clinic.database, "", "")
    assert demo.demo_label.isVisible()
    assert "users admin, doctor, physio, coach, scientist; password demo" in demo.demo_label.text()


# -- the main window ---------------------------------------------------------------------


def test_the_window_lists_the_cases_with_their_phase(open_window):
    window = open_window()
    assert shown_names(window) == ["Sam Carter"]
    row = row_of(window, "Sam Carter")
    phase = window.proxy.index(row, COL_PHASE).data()
    assert phase.startswith("1/7 ") and len(phase) > 4
    texts = [window.proxy.index(row, c).data() for c in range(window.proxy.columnCount())]
    assert "Right hamstring · Biceps femoris (long head) · 2b" in texts
    assert window.proxy.index(row, COL_DAY).data() == "10"
    assert window.proxy.index(row, COL_STATUS).data() == "Open"


def test_search_ignores_case_accents_and_unicode_form(qtbot, clinic, open_window):
    add_case(clinic, "José Núñez")
    add_case(clinic, "Joe Sevilla")
    add_case(clinic, "Nuno Jo")
    window = open_window()
    for query in (
        "josé",
        "JOSE",
        "JOSE\u0301 n",
        unicodedata.normalize("NFD", "josé núñez"),
        "NUNEZ",
    ):
        window.search_edit.setText(query)  # as typed with an input method (QTest is ASCII-only)
        assert shown_names(window) == ["José Núñez"], query
    window.search_edit.clear()
    qtbot.keyClicks(window.search_edit, "jo")
    assert shown_names(window) == ["Joe Sevilla", "José Núñez", "Nuno Jo"]
    assert window.count_label.text() == "3 of 4 cases"
    window.search_edit.clear()
    assert len(shown_names(window)) == 4


def test_user_text_is_shown_as_typed(qtbot, clinic, open_window):
    case_id = add_case(clinic, TRICKY)
    window = open_window()
    index = window.proxy.index(row_of(window, TRICKY), COL_ATHLETE)
    assert index.data() == TRICKY
    tooltip = QTextDocument()
    tooltip.setHtml(index.data(Qt.ItemDataRole.ToolTipRole))
    assert tooltip.toPlainText().startswith(TRICKY)
    assert window.select_case(case_id)
    assert TRICKY in window.summary_panel.text()


def test_the_status_filter(qtbot, clinic, open_window):
    add_case(clinic, "In Surveillance", advance=6)
    add_case(clinic, "All Done", advance=6, close=True)
    window = open_window()
    expected = {
        "Open": ["Sam Carter"],
        "Surveillance": ["In Surveillance"],
        "Closed": ["All Done"],
        "All": ["All Done", "In Surveillance", "Sam Carter"],
    }
    for label, names in expected.items():
        window.status_combo.setCurrentIndex(window.status_combo.findText(label))
        assert sorted(shown_names(window)) == names, label
    window.status_combo.setCurrentIndex(window.status_combo.findText("Surveillance"))
    row = row_of(window, "In Surveillance")
    assert window.proxy.index(row, COL_PHASE).data().startswith("7/7 ")


def test_days_sort_as_numbers(qtbot, clinic, open_window):
    add_case(clinic, "Two Days", days_ago=2)
    add_case(clinic, "Hundred Days", days_ago=100)
    window = open_window()
    window.case_view.sortByColumn(COL_DAY, Qt.SortOrder.AscendingOrder)
    assert shown_names(window) == ["Two Days", "Sam Carter", "Hundred Days"]
    assert window.proxy.index(0, COL_DAY).data(SORT_ROLE) == 2
    window.case_view.sortByColumn(COL_DAY, Qt.SortOrder.DescendingOrder)
    assert shown_names(window)[0] == "Hundred Days"


def test_the_expected_column_follows_the_grade_and_names_its_source(qtbot, clinic, open_window):
    physio = clinic.actors["physio"]
    injured = date(2024, 3, 1)
    with clinic.session() as s:
        for name, region, muscle, grade, site in (
            ("Tendon Case", "hamstring", "semitendinosus", "3", "c"),
            ("Avulsion Case", "hamstring", "semimembranosus", "4", ""),
            ("Calf Case", "calf", "medial_gastrocnemius", "1", "a"),
        ):
            athlete = create_athlete(s, physio, AthleteInput(name, sport="Athletics"))
            open_case(
                s,
                physio,
                athlete.id,
                CaseInput(region, "left", muscle, injured, grade=grade, site=site),
            )
    window = open_window()

    def expected(name: str, role=Qt.ItemDataRole.DisplayRole):
        return window.proxy.index(row_of(window, name), COL_EXPECTED).data(role)

    assert expected("Sam Carter") == "11-33"  # BAMIC 2b
    assert expected("Tendon Case") == "31-65"
    assert expected("Avulsion Case") == "surgical opinion"
    assert expected("Calf Case") == "~17"
    tip = QTextDocument()
    tip.setHtml(expected("Tendon Case", Qt.ItemDataRole.ToolTipRole))
    assert "of an expected 31-65 days (Pollock 2022)" in tip.toPlainText()
    assert "Pollock 2022: BAMIC 3c (intratendinous), elite track and field" in tip.toPlainText()
    tip.setHtml(expected("Calf Case", Qt.ItemDataRole.ToolTipRole))
    assert "(Prakash 2018); gastrocnemius 5-33 days (Green 2020)" in tip.toPlainText()
    window.case_view.sortByColumn(COL_EXPECTED, Qt.SortOrder.AscendingOrder)
    assert shown_names(window) == ["Calf Case", "Sam Carter", "Tendon Case", "Avulsion Case"]


def test_the_status_bar_shows_the_user_and_role(open_window):
    window = open_window("coach")
    assert window.user_label.text() == "Test coach · S&C coach"
    assert window.user_label in window.statusBar().findChildren(type(window.user_label))


def test_the_title_names_the_clinic_and_a_demo_database(clinic, open_window):
    assert open_window().windowTitle() == "casemgr — Clinic"
    with clinic.session() as s:
        s.merge(AppMeta(key="clinic_name", value="Harbour Sports Clinic"))
    make_demo(clinic)
    assert open_window().windowTitle() == "casemgr — Harbour Sports Clinic — DEMO DATABASE"


def test_double_click_shows_the_case_summary(qtbot, clinic, open_window):
    window = open_window()
    view = window.case_view
    rect = view.visualRect(window.proxy.index(0, COL_PHASE))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(window.case_activated, check_params_cb=lambda cid: cid == clinic.case_id):
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = window.summary_panel.text()
    for expected in (
        "Sam Carter",
        "Right hamstring · Biceps femoris (long head)",
        "BAMIC 2b (musculotendinous junction)",
        "High-speed running",
        (CLINIC_TODAY - timedelta(days=10)).isoformat(),
        "Days since injury",
        "1/7 ",
        "version 1",
        "Open",
    ):
        assert expected in text, expected


def test_enter_activates_the_current_case(qtbot, clinic, open_window):
    other = add_case(clinic, "Zed Last")
    window = open_window()
    window.select_case(other)
    window.case_view.setFocus()
    with qtbot.waitSignal(window.case_activated, check_params_cb=lambda cid: cid == other):
        qtbot.keyClick(window.case_view, Qt.Key.Key_Return)
    assert "Left calf · Soleus" in window.summary_panel.text()


def test_a_denied_case_shows_why_in_the_panel(qtbot, clinic, open_window, monkeypatch):
    from casemgr.services import cases

    def denied(session, actor, case_id):
        raise PermissionDenied("A s&c coach may not view clinical records.")

    window = open_window()
    monkeypatch.setattr(cases, "get_case", denied)
    window.select_case(clinic.case_id)
    assert window.summary_panel.text() == "A s&c coach may not view clinical records."


def test_refresh_picks_up_new_cases_and_keeps_the_selection(qtbot, clinic, open_window):
    window = open_window()
    window.select_case(clinic.case_id)
    add_case(clinic, "Arrived Later")
    window.refresh_action.trigger()
    assert shown_names(window) == ["Arrived Later", "Sam Carter"]
    assert window.current_case_id() == clinic.case_id
    assert "F5" in [k.toString() for k in window.refresh_action.shortcuts()]


def test_ctrl_f_focuses_the_search(qtbot, open_window):
    window = open_window()
    window.activateWindow()
    window.case_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.case_view)
    qtbot.keyClick(window.case_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search_edit.hasFocus)
    assert window.search_edit.placeholderText() == "Search athletes…"


def test_about_names_the_app_and_version(qtbot, open_window):
    from casemgr import __version__

    window = open_window()
    window.about_action.trigger()
    qtbot.waitUntil(window.about_box.isVisible)
    assert window.about_box.text() == f"casemgr {__version__}"
    window.about_box.close()


# -- start-up and errors -----------------------------------------------------------------


def test_run_app_logs_in_and_shows_the_main_window(qtbot, clinic, monkeypatch):
    import ui.app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    seen = {}

    def log_in(dialog):
        dialog.username_edit.setText("physio")
        dialog.password_edit.setText(TEST_PASSWORD)
        dialog.login_button.click()
        return dialog.result()

    def app_exec(app):
        # windows closed by earlier tests may linger until their deferred delete runs
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["windows"] = [(w.isVisible(), w.actor.username) for w in windows]
        for window in windows:
            window.close()
            window.deleteLater()
        return 0

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    monkeypatch.setattr(QApplication, "exec", app_exec)
    assert ui.app.run_app(db=clinic.database.url) == 0
    assert seen["windows"] == [(True, "physio")]
    assert QApplication.applicationName() == "casemgr"


def test_run_app_words_a_database_it_cannot_open(tmp_path, monkeypatch):
    import ui.app
    import ui.platform.recovery

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shown = []
    monkeypatch.setattr(
        ui.platform.recovery, "offer_restore", lambda db, reason: shown.append(reason)
    )
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("these are not the records you are looking for\n" * 200)
    assert ui.app.run_app(db=str(not_a_db)) == 1
    assert len(shown) == 1 and "Traceback" not in shown[0]
    assert "not a casemgr database" in shown[0]


def test_unexpected_errors_are_logged_and_shown_with_details(qtbot, monkeypatch):
    from ui.platform import errors

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook()
    hook = sys.excepthook
    errors.install_excepthook()
    assert sys.excepthook is hook  # idempotent
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        box = errors.unexpected_error_box(type(exc), exc, exc.__traceback__)
    qtbot.addWidget(box)
    assert "ZeroDivisionError: division by zero" in box.text()
    assert "Traceback" in box.detailedText()
    assert (
        errors.error_message(PermissionDenied("A coach may not sign.")) == "A coach may not sign."
    )


def test_headless_commands_do_not_load_qt():
    code = (
        "import sys, ui.launcher as l\n"
        "rc = l.main(['sprint-profile', '--splits', "
        "'5:1.5375,10:2.3554,20:3.7535,30:5.0532,40:6.3217', '--mass', '75', '--height', '1.75'])\n"
        "assert 'PySide6' not in sys.modules, 'PySide6 was imported'\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "MSS (max sprint speed)" in done.stdout
