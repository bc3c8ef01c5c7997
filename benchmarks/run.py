"""Every performance figure of issue 9 beside its floor, measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run.py [--quick] [--runs N]
        [--only startup,open_case,...] [--skip import] [--rebuild]

The clinic (``benchmarks/make_clinic.py``: 200 athletes x 3 years, ~2.2 M measures; with
``--quick`` 20 athletes x 6 months) is built once and cached in ``$CASEMGR_BENCH_DIR``
(default ``/tmp/casemgr-bench``), keyed by size and date. Each figure runs in a fresh
Python process (``run.py --part NAME``), offscreen, so imports, caches and memory of one
figure do not flatter or burden another. Times are medians of ``--runs`` runs; the
machine may be shared, so the ratios to the floors measured in the same process are
what count. Prints the table (figure, ours, floor, ratio, target, met?).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIGURES = ("startup", "open_case", "readiness", "search", "plot", "report", "import", "memory")


# -- helpers -------------------------------------------------------------------------------


def _median(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _clinic_path(quick: bool, rebuild: bool) -> Path:
    from make_clinic import FULL, QUICK, build_clinic

    size = QUICK if quick else FULL
    folder = Path(
        os.environ.get("CASEMGR_BENCH_DIR", Path(tempfile.gettempdir()) / "casemgr-bench")
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"clinic-{size.athletes}x{size.days}-{date.today():%Y%m%d}.sqlite3"
    if rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        tmp = path.with_suffix(".building")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        print(f"building the clinic ({size.athletes} athletes, {size.days} days) ...", flush=True)
        build_clinic(tmp, size, verbose=False)
        tmp.rename(path)
    return path


def _biggest_case(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT case_id FROM timeline_entries GROUP BY case_id ORDER BY count(*) DESC, "
            "case_id LIMIT 1"
        ).fetchone()[0]


def _open(path: Path):
    from casemgr.db.open import open_database

    return open_database(str(path))


def _login(database, username: str):
    from make_clinic import PASSWORD

    from casemgr.services.users import authenticate

    with database.session() as s:
        return authenticate(s, username, PASSWORD)


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def _wait(app, predicate, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError("the benchmark waited too long")
        time.sleep(0.0005)


# -- parts (each in its own process) ---------------------------------------------------------


def part_open_case(path: Path, runs: int) -> dict:
    """The biggest case's workspace: header, first timeline page, criteria, first plot."""
    app = _app()
    from ui.case.case_workspace import CaseWorkspace
    from ui.clinic.case_views import attach_case_views
    from ui.platform import tasks

    case_id = _biggest_case(path)
    database = _open(path)
    actor = _login(database, "physio")

    def open_workspace() -> tuple[float, float]:
        t0 = time.perf_counter()
        ws = CaseWorkspace(database, actor, case_id)
        attach_case_views(ws)
        ws.show()
        ws.tabs.setCurrentWidget(ws.plots_tab)
        app.processEvents()
        usable = time.perf_counter() - t0
        plots = ws.plots_tab.content
        _wait(app, lambda: ws.readiness is not None and plots.measure is not None)
        app.processEvents()
        total = time.perf_counter() - t0
        ws.close()
        ws.deleteLater()
        tasks.wait_for_all()
        app.processEvents()
        return total, usable

    open_workspace()  # warm-up: imports, fonts, catalogue
    results = [open_workspace() for _ in range(runs)]
    with database.session() as s:
        from casemgr.services import series

        first_key = series.available_measures(s, actor, case_id)
    conn = _raw(path)
    plot_key = _first_plot_key(first_key)

    def raw() -> int:
        """The same rows with raw sqlite3: case, athlete, phase, first page of 200 entries
        (and the count), the readiness facts, the first plot's series."""
        n = 0
        case = conn.execute(
            "SELECT c.*, a.*, p.*, pr.key, pr.name, pr.version, pr.definition FROM cases c "
            "JOIN athletes a ON a.id = c.athlete_id "
            "JOIN protocol_phases p ON p.id = c.current_phase_id "
            "JOIN protocols pr ON pr.id = c.protocol_id WHERE c.id = ?",
            (case_id,),
        ).fetchone()
        athlete_id = case[1]
        n += (
            conn.execute(
                "SELECT count(*) FROM timeline_entries WHERE case_id = ? AND status = 'active'",
                (case_id,),
            ).fetchone()[0]
            and 1
        )
        n += len(
            conn.execute(
                "SELECT t.*, u.display_name FROM timeline_entries t JOIN users u "
                "ON u.id = t.author_id WHERE t.case_id = ? AND t.status = 'active' "
                "ORDER BY t.occurred_at DESC, t.id DESC LIMIT 200",
                (case_id,),
            ).fetchall()
        )
        n += len(
            conn.execute(
                "SELECT key, value, measured_at, limb, is_baseline, entry_id, source FROM "
                "measures WHERE athlete_id = ? AND status = 'active' AND measured_at <= ? AND "
                "(case_id = ? OR case_id IS NULL OR is_baseline) ORDER BY measured_at",
                (athlete_id, _now(), case_id),
            ).fetchall()
        )
        n += len(
            conn.execute(
                "SELECT id, kind, occurred_at, data FROM timeline_entries WHERE case_id = ? "
                "AND status = 'active' AND kind IN ('check', 'session')",
                (case_id,),
            ).fetchall()
        )
        n += len(
            conn.execute(
                "SELECT * FROM measures WHERE case_id = ? AND key = ? AND status = 'active' "
                "ORDER BY measured_at",
                (case_id, plot_key),
            ).fetchall()
        )
        return n

    raw()
    floor, rows = _median(raw, max(runs, 5))
    database.dispose()
    return {
        "ours": statistics.median(r[0] for r in results),
        "usable": statistics.median(r[1] for r in results),
        "floor": floor,
        "note": f"case {case_id}, {rows} rows",
    }


def _first_plot_key(choices) -> str:
    from ui.plots.case_plots import DEFAULT_MEASURES

    keys = [c.key for c in choices]
    return next((k for k in DEFAULT_MEASURES if k in keys), keys[0] if keys else "")


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def part_readiness(path: Path, runs: int) -> dict:
    """Readiness at a glance of every case that is not closed (the case list's column)."""
    from ui.clinic.main_window import evaluate_glances

    database = _open(path)
    actor = _login(database, "physio")
    conn = _raw(path)
    cases = conn.execute(
        "SELECT id, athlete_id FROM cases WHERE status != 'closed' ORDER BY id"
    ).fetchall()
    ids = [c for c, _ in cases]

    def ours():
        return evaluate_glances(database, actor, ids)

    def raw() -> int:
        now, n = _now(), 0
        for case_id, athlete_id in cases:
            n += len(
                conn.execute(
                    "SELECT key, value, measured_at, limb, is_baseline, entry_id, source FROM "
                    "measures WHERE athlete_id = ? AND status = 'active' AND measured_at <= ? "
                    "AND (case_id = ? OR case_id IS NULL OR is_baseline) ORDER BY measured_at",
                    (athlete_id, now, case_id),
                ).fetchall()
            )
        return n

    ours()
    raw()
    t_ours, glances = _median(ours, runs)
    t_raw, rows = _median(raw, runs)
    assert len(glances) == len(ids), (len(glances), len(ids))
    database.dispose()
    return {"ours": t_ours, "floor": t_raw, "note": f"{len(ids)} cases, {rows:,} measures"}


def part_search(path: Path, runs: int) -> dict:
    """One keystroke in the athlete search to the filtered, repainted list."""
    app = _app()
    from ui.clinic.main_window import MainWindow
    from ui.platform import tasks

    database = _open(path)
    actor = _login(database, "physio")
    window = MainWindow(database, actor)
    window.show()
    app.processEvents()
    tasks.wait_for_all()
    app.processEvents()
    times = []
    words = ("s", "sa", "sam", "sa", "s", "", "m", "ma", "mar", "mari", "ma", "", "k", "ke", "")
    for _ in range(max(1, runs // 3)):
        for text in words:
            t0 = time.perf_counter()
            window.search_edit.setText(text)  # filters; the view repaints in processEvents
            app.processEvents()
            times.append(time.perf_counter() - t0)
    rows = window.model.rowCount()
    window.close()
    database.dispose()
    return {"ours": statistics.median(times), "worst": max(times), "note": f"{rows} cases"}


def part_plot(path: Path, runs: int) -> dict:
    """bench_plot: CasePlotsWidget vs bare pyqtgraph, 6 measures x 3 years of daily data."""
    import numpy as np

    app = _app()
    import bench_plot

    from casemgr.services.series import timestamps, values

    data = bench_plot.make_series(np.random.default_rng(7))
    arrays = [[(timestamps(p), values(p)) for p in s.limbs.values()] for s in data]
    _, size = bench_plot.time_widget(app, data[:1])
    bench_plot.time_direct(app, arrays[:1], size)
    ours, bare = [], []
    for _ in range(runs):
        ours.append(bench_plot.time_widget(app, data)[0])
        bare.append(bench_plot.time_direct(app, arrays, size))
    return {
        "ours": statistics.median(ours),
        "floor": statistics.median(bare),
        "note": f"{len(data)} measures x {bench_plot.DAYS} days",
    }


def part_report(path: Path, runs: int) -> dict:
    """The return-to-play report of the biggest case vs plain reportlab paragraphs."""
    import io

    from bench_report import plain_document
    from pypdf import PdfReader

    from casemgr.services import report_data
    from reports.build import render_document

    case_id = _biggest_case(path)
    database = _open(path)
    doctor = _login(database, "doctor")

    def report() -> bytes:
        with database.session() as s:
            data = report_data.rtp_data(s, doctor, case_id)
        return render_document(data)

    pdf = report()  # warm-up: fonts, catalogue, imports
    t_ours, pdf = _median(report, runs)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    plain_document(pages)
    t_plain, _ = _median(lambda: plain_document(pages), runs)
    database.dispose()
    return {"ours": t_ours, "floor": t_plain, "note": f"case {case_id}, {pages} pages"}


def part_memory(path: Path, runs: int) -> dict:
    """Peak RSS: main window on the clinic (readiness at a glance done), the biggest case's
    workspace with its criteria and first plot."""
    app = _app()
    from ui.clinic.case_views import attach_case_views
    from ui.clinic.main_window import MainWindow
    from ui.platform import tasks

    case_id = _biggest_case(path)
    database = _open(path)
    actor = _login(database, "physio")
    window = MainWindow(database, actor)
    window.show()
    app.processEvents()
    _wait(app, lambda: window.model._readiness or not window._pending_readiness)
    tasks.wait_for_all()
    app.processEvents()
    ws = window.open_workspace(case_id)
    if not hasattr(ws, "plots_tab"):
        attach_case_views(ws)
    ws.tabs.setCurrentWidget(ws.plots_tab)
    app.processEvents()
    _wait(app, lambda: ws.readiness is not None and ws.plots_tab.content.measure is not None)
    app.processEvents()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    database.dispose()
    return {"ours": peak, "note": f"case {case_id}"}


PARTS = {
    "open_case": part_open_case,
    "readiness": part_readiness,
    "search": part_search,
    "plot": part_plot,
    "report": part_report,
    "memory": part_memory,
}


# -- figures run from the parent -------------------------------------------------------------

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1280, 800); w.setWindowTitle("bare"); w.show()
app.processEvents()
print(time.time())
"""

APP = """
import sys, time
from ui.app import create_application
from casemgr.db.open import open_database
from casemgr.services.users import authenticate
from ui.clinic.main_window import MainWindow
imported = time.time()
app = create_application()
db = open_database(sys.argv[1])
opened = time.time()
with db.session() as s:
    actor = authenticate(s, "physio", sys.argv[2])
checked = time.time()
w = MainWindow(db, actor); w.show()
app.processEvents()
assert w.proxy.rowCount() > 0
done = time.time()
print(imported, opened - imported, checked - opened, done - checked)
print(done)
db.dispose()  # a clean exit, as the app's: the next start need not re-check the file
"""


def figure_startup(path: Path, runs: int, env: dict) -> dict:
    from make_clinic import PASSWORD

    def run(code: str, *args: str) -> tuple[float, list[float]]:
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        lines = done.stdout.strip().splitlines()
        parts = [float(x) for x in lines[-2].split()] if len(lines) > 1 else []
        return float(lines[-1]) - start, parts

    run(BARE)
    run(APP, str(path), PASSWORD)
    bare, ours, check = [], [], []
    for _ in range(runs):  # interleaved, so both see the same machine load
        bare.append(run(BARE)[0])
        t, parts = run(APP, str(path), PASSWORD)
        ours.append(t)
        check.append(parts[2])
    return {
        "ours": statistics.median(ours),
        "floor": statistics.median(bare),
        "note": f"of which argon2 login {statistics.median(check) * 1000:.0f} ms",
    }


def figure_import(quick: bool, env: dict) -> dict:
    script = BENCH / "bench_import.py"
    rows = 10_000 if quick else 100_000
    if not script.exists():
        return {"error": "bench_import.py not available"}
    try:
        done = subprocess.run(
            [sys.executable, str(script), "--rows", str(rows)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except subprocess.TimeoutExpired:
        return {"error": "bench_import.py timed out"}
    ours = re.search(r"casemgr import.*?:\s*([\d.]+) s", done.stdout)
    raw = re.search(r"raw sqlite3 executemany.*?:\s*([\d.]+) s", done.stdout)
    if done.returncode or not ours or not raw:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"bench_import.py failed: {tail[0][:80]}"}
    return {
        "ours": float(ours.group(1)),
        "floor": float(raw.group(1)),
        "note": f"{rows:,} GPS rows, single run (the importer's bench)",
    }


def _part(name: str, path: Path, runs: int, env: dict) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__)),
            "--part",
            name,
            "--db",
            str(path),
            "--runs",
            str(runs),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"{name} failed: {tail[0][:100]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the table ---------------------------------------------------------------------------------

TARGETS = {  # figure: (label, ratio limit or None, absolute limit or None, unit)
    "startup": ("start-up to usable athlete list", 2.0, None, "s"),
    "open_case": ("open biggest case (timeline, header, criteria, plot)", 5.0, 0.300, "s"),
    "readiness": ("readiness of all open cases", 3.0, None, "s"),
    "search": ("athlete search keystroke", None, 0.050, "s"),
    "plot": ("plot 3 years daily x 6 measures", 1.5, None, "s"),
    "report": ("RTP report, biggest case", 3.0, 1.0, "s"),
    "import": ("import 100,000 GPS rows", 3.0, None, "s"),
    "memory": ("peak RSS, clinic + biggest case", None, 400 * 2**20, "B"),
}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "B":
        return f"{value / 2**20:.0f} MB"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def _target_text(ratio: float | None, absolute: float | None, unit: str) -> str:
    parts = []
    if ratio is not None:
        parts.append(f"<= {ratio:g}x")
    if absolute is not None:
        parts.append(f"< {_fmt(absolute, unit)}")
    return ", ".join(parts)


def print_table(results: dict[str, dict]) -> None:
    head = ("figure", "ours", "floor", "ratio", "target", "met?")
    rows = []
    for key, (label, limit, absolute, unit) in TARGETS.items():
        r = results.get(key)
        if r is None:
            continue
        if "error" in r:
            rows.append((label, "-", "-", "-", _target_text(limit, absolute, unit), r["error"]))
            continue
        ours, floor = r["ours"], r.get("floor")
        ratio = ours / floor if floor else None
        met = (limit is None or (ratio is not None and ratio <= limit)) and (
            absolute is None or ours < absolute
        )
        rows.append(
            (
                label,
                _fmt(ours, unit),
                _fmt(floor, unit),
                f"{ratio:.2f}x" if ratio is not None else "-",
                _target_text(limit, absolute, unit),
                "yes" if met else "NO",
            )
        )
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    line = " | ".join("-" * w for w in widths)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("| " + line.replace(" | ", " | ") + " |")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    notes = [f"- {TARGETS[k][0]}: {r['note']}" for k, r in results.items() if r.get("note")]
    for k, r in results.items():
        if "usable" in r:
            notes.append(
                f"- {TARGETS[k][0]}: usable (header + first page) {_fmt(r['usable'], 's')}"
            )
        if "worst" in r:
            notes.append(f"- {TARGETS[k][0]}: worst keystroke {_fmt(r['worst'], 's')}")
    print("\n".join(notes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small clinic (20 athletes x 6 months)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated figures: " + ",".join(FIGURES))
    parser.add_argument("--skip", default="", help="comma-separated figures to leave out")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached clinic")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        os.environ.setdefault("CASEMGR_HOME", tempfile.mkdtemp(prefix="casemgr-bench-home-"))
        print(json.dumps(PARTS[args.part](args.db, args.runs)))
        return 0
    path = _clinic_path(args.quick, args.rebuild)
    with sqlite3.connect(path) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("athletes", "cases", "timeline_entries", "measures")
        ]
    print(
        f"clinic {path.name}: {counts[0]} athletes, {counts[1]} cases, {counts[2]:,} entries, "
        f"{counts[3]:,} measures; median of {args.runs} runs",
        flush=True,
    )
    figures = [f for f in (args.only.split(",") if args.only else FIGURES) if f]
    figures = [f for f in figures if f not in args.skip.split(",")]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CASEMGR_HOME": home, "QT_QPA_PLATFORM": "offscreen"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        for name in figures:
            t0 = time.perf_counter()
            if name == "startup":
                results[name] = figure_startup(path, args.runs, env)
            elif name == "import":
                results[name] = figure_import(args.quick, env)
            else:
                results[name] = _part(name, path, args.runs, env)
            print(f"  {name}: done in {time.perf_counter() - t0:.0f} s", flush=True)
    print()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
