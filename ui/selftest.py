"""``casemgr --self-test``: prove, headless, that an installation carries everything.

Creates a temporary database, runs the migrations, builds the demo clinic, verifies the
audit chain, evaluates readiness of every open case, writes a return-to-play report
through the command line contract, and opens the main window offscreen (bundled fonts,
icon, Qt plugins). Prints one line per step and returns 0, or 1 naming what failed.
Nothing outside the temporary folder is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path


def run_self_test(out=sys.stdout) -> int:
    """Run every step; returns the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="casemgr-selftest-") as tmp:
        home = Path(tmp)
        os.environ["CASEMGR_HOME"] = str(home)
        db_path = home / "selftest.sqlite3"
        state: dict = {}
        steps: list[tuple[str, Callable[[], str]]] = [
            ("migrations", lambda: _migrations(db_path, state)),
            ("demo clinic", lambda: _demo(db_path, state)),
            ("audit trail", lambda: _verify(state)),
            ("readiness", lambda: _readiness(state)),
            ("report", lambda: _report(db_path, home)),
            ("desktop window", lambda: _window(state)),
        ]
        failed = 0
        for name, step in steps:
            started = time.perf_counter()
            try:
                detail = step()
                print(f"ok    {name}: {detail} ({time.perf_counter() - started:.2f} s)", file=out)
            except Exception as exc:  # report every failure, then go on
                failed += 1
                print(f"FAIL  {name}: {exc}", file=out)
                traceback.print_exc(file=sys.stderr)
        if "database" in state:
            state["database"].dispose()
    from casemgr import __version__

    verdict = "passed" if not failed else f"FAILED ({failed} step(s))"
    print(f"casemgr {__version__} self-test {verdict}", file=out)
    return 1 if failed else 0


def _migrations(db_path: Path, state: dict) -> str:
    from casemgr.db.migrate import current_revision, head_revision
    from casemgr.db.open import open_database

    database = open_database(str(db_path), create=True)
    revision = current_revision(database.engine)
    database.dispose()
    if revision != head_revision():
        raise RuntimeError(f"schema at {revision}, expected {head_revision()}")
    return f"schema {revision}"


def _demo(db_path: Path, state: dict) -> str:
    from casemgr.db.open import open_database
    from casemgr.demo import build_demo

    database = open_database(str(db_path))
    with database.session() as s:
        result = build_demo(s)
    state["database"] = database
    return f"{result.athletes} athletes, {result.cases} cases, {result.entries} entries"


def _verify(state: dict) -> str:
    from casemgr.verify import verify_open

    report = verify_open(state["database"])
    if not report.ok:
        raise RuntimeError(report.problem)
    return "integrity, foreign keys and chain verified"


def _readiness(state: dict) -> str:
    from casemgr.services.cases import list_case_rows
    from casemgr.services.readiness import evaluate_case
    from casemgr.services.users import authenticate

    database = state["database"]
    with database.session() as s:
        actor = authenticate(s, "physio", "demo")
    state["actor"] = actor
    verdicts: dict[str, int] = {}
    with database.session() as s:
        rows = [r for r in list_case_rows(s, actor) if r.status != "closed"]
        for row in rows:
            verdict = evaluate_case(s, actor, row.case_id).evaluation.verdict
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
    state["case_id"] = rows[0].case_id
    return f"{len(rows)} open cases: " + ", ".join(f"{v} {k}" for k, v in sorted(verdicts.items()))


def _report(db_path: Path, home: Path) -> str:
    from casemgr.cli import build_parser, run

    pdf = home / "report.pdf"
    os.environ["CASEMGR_USER"], os.environ["CASEMGR_PASSWORD"] = "doctor", "demo"
    try:
        args = build_parser().parse_args(
            ["--db", str(db_path), "report", "1", "--kind", "rtp", "-o", str(pdf)]
        )
        status = run(args)
    except SystemExit as exc:  # argparse refusing the command line
        raise RuntimeError("this installation has no working 'report' command") from exc
    finally:
        del os.environ["CASEMGR_USER"], os.environ["CASEMGR_PASSWORD"]
    if status != 0 or not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
        raise RuntimeError("the return-to-play report was not written")
    return f"return-to-play PDF, {pdf.stat().st_size // 1024} KB"


def _window(state: dict) -> str:
    from ui.app import create_application
    from ui.clinic.main_window import MainWindow

    app = create_application()
    window = MainWindow(state["database"], state["actor"])
    window.show()
    app.processEvents()
    from PySide6.QtWidgets import QTableView

    rows = window.findChild(QTableView)
    count = rows.model().rowCount() if rows is not None else 0
    if app.windowIcon().isNull():
        raise RuntimeError("the application icon is missing")
    window.close()
    if count == 0:
        raise RuntimeError("the main window shows no cases")
    return f"main window with {count} cases on the {app.platformName()} platform"
