"""Start-up to a usable main window: casemgr on the demo clinic vs a bare PySide6 window.

Each run is a fresh Python process (imports included), timed from just before the process
is started until the window is shown and the event queue has been processed once:

- **bare**: ``QApplication`` + an empty ``QMainWindow``, shown;
- **casemgr**: ``create_application()``, ``open_database()`` on a demo clinic (made once
  beforehand, not timed), the login as ``physio`` (argon2 password check) and
  ``MainWindow`` with its case list, shown. Readiness at a glance is computed in the
  background and is not waited for (the window is usable before it arrives).

Prints the median of each, and the ratio.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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
    actor = authenticate(s, "physio", "demo")
checked = time.time()
w = MainWindow(db, actor); w.show()
app.processEvents()
assert w.proxy.rowCount() > 0
done = time.time()
print(imported, opened - imported, checked - opened, done - checked)
print(done)
"""


_PARTS: list[tuple[float, float, float, float]] = []


def _run(code: str, *args: str, env: dict[str, str]) -> float:
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
    if len(lines) > 1:  # casemgr: imports, open database, password check, main window
        imported, opened, checked, window = (float(x) for x in lines[-2].split())
        _PARTS.append((imported - start, opened, checked, window))
    return float(lines[-1]) - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CASEMGR_HOME": home}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        db = str(Path(home) / "demo.sqlite3")
        subprocess.run(
            [sys.executable, "-m", "casemgr", "--db", db, "demo"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        _run(BARE, env=env)  # warm the file cache for both
        _run(APP, db, env=env)
        bare = [_run(BARE, env=env) for _ in range(args.runs)]
        _PARTS.clear()
        app = [_run(APP, db, env=env) for _ in range(args.runs)]
    b, a = statistics.median(bare), statistics.median(app)
    parts = [statistics.median(p[i] for p in _PARTS) for i in range(4)]
    check = parts[2]
    print(f"bare PySide6 QMainWindow:       {b * 1000:7.0f} ms (median of {args.runs})")
    print(f"casemgr main window (demo):     {a * 1000:7.0f} ms (median of {args.runs})")
    imports, opened, checked, window = (x * 1000 for x in parts)
    print(
        f"  of which: start + imports {imports:.0f} ms, open database {opened:.0f} ms, "
        f"password check (argon2) {checked:.0f} ms, main window {window:.0f} ms"
    )
    print(f"ratio casemgr / bare:           {a / b:7.2f}")
    print(f"ratio without the password check: {(a - check) / b:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
