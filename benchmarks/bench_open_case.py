"""Opening a case with 10,000 timeline entries: time to a usable workspace.

Builds a demo clinic in a temporary directory, then adds 10,000 entries (daily feedback
with its pain/soreness/tightness measures, sessions and notes, from every discipline, over
~3 years) to one case with bulk inserts. Then, in this process, times:

- **usable**: ``CaseWorkspace(...)`` built and shown with its header, entry forms and the
  first page of the timeline painted (the criteria are evaluated off the GUI thread);
- **criteria**: until the background readiness evaluation has arrived;
- **scroll to the end**: fetching every page by scrolling to the bottom (200 at a time);
- **find the oldest**: selecting the first entry of the case from a fresh workspace.

    .venv/bin/python benchmarks/bench_open_case.py [--entries 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from casemgr.db.models import InjuryCase, Measure, TimelineEntry, User  # noqa: E402
from casemgr.db.open import open_database  # noqa: E402
from casemgr.permissions import Actor  # noqa: E402


def build(path: Path, count: int) -> tuple[object, Actor, int]:
    from casemgr.demo import create_demo_database

    create_demo_database(str(path))
    database = open_database(str(path))
    with database.session() as s:
        users = {u.role: u for u in s.scalars(select(User))}
        case = s.scalars(select(InjuryCase).order_by(InjuryCase.id)).first()
        athlete_id, case_id = case.athlete_id, case.id
        start = datetime.now(UTC) - timedelta(days=1000)
        roles = ["physio", "coach", "scientist", "doctor"]
        entries, measures = [], []
        first_id = (s.scalar(select(TimelineEntry.id).order_by(TimelineEntry.id.desc())) or 0) + 1
        for n in range(count):
            when = start + timedelta(minutes=144 * n)
            role = roles[n % 4]
            kind = ("feedback", "session", "note")[n % 3]
            data: dict = {}
            title, body = "Note", f"Bulk note {n}: drills, cues and how it felt"
            if kind == "feedback":
                values = {"pain": n % 3, "soreness": (n // 3) % 4, "tightness": n % 2}
                data = {"values": values, "unusual_fatigue": False}
                title, body = "Daily feedback", ", ".join(f"{k} {v}" for k, v in values.items())
                for key, value in values.items():
                    measures.append(
                        {
                            "athlete_id": athlete_id,
                            "case_id": case_id,
                            "entry_id": first_id + n,
                            "key": key,
                            "limb": "",
                            "value": float(value),
                            "measured_at": when,
                            "is_baseline": False,
                            "source": "feedback",
                            "status": "active",
                            "created_by_id": users[role].id,
                            "created_at": when,
                        }
                    )
            elif kind == "session":
                data = {
                    "session_type": "tempo",
                    "minutes": 40.0,
                    "srpe": 5.0,
                    "load_au": 200.0,
                    "surface": "grass",
                    "volume_m": 1200.0,
                    "intensity_pct": 65.0,
                    "full_training": False,
                }
                title, body = "Tempo session, 40 min, sRPE 5", ""
            entries.append(
                {
                    "id": first_id + n,
                    "case_id": case_id,
                    "kind": kind,
                    "occurred_at": when,
                    "recorded_at": when,
                    "author_id": users[role].id,
                    "discipline": role,
                    "title": title,
                    "body": body,
                    "data": data,
                    "status": "active",
                    "amend_reason": "",
                    "void_reason": "",
                    "version": 1,
                }
            )
        s.execute(insert(TimelineEntry), entries)
        s.execute(insert(Measure), measures)
    user = users["physio"]
    return database, Actor(user.id, user.username, user.role, user.display_name), case_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["CASEMGR_HOME"] = home
        app = QApplication.instance() or QApplication(sys.argv[:1])
        from ui.case.case_workspace import CaseWorkspace

        t0 = time.perf_counter()
        database, actor, case_id = build(Path(home) / "big.sqlite3", args.entries)
        print(f"built {args.entries} entries in {time.perf_counter() - t0:.1f} s")
        usable, criteria, scroll, find = [], [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            ws = CaseWorkspace(database, actor, case_id)
            ws.show()
            app.processEvents()
            usable.append(time.perf_counter() - start)
            while ws.readiness is None:
                app.processEvents()
            criteria.append(time.perf_counter() - start)
            total = ws.timeline.model.total
            start = time.perf_counter()
            while ws.timeline.model.rowCount() < total:
                ws.timeline.table.scrollToBottom()
                app.processEvents()
            scroll.append(time.perf_counter() - start)
            ws.close()
            ws.deleteLater()
            app.processEvents()
            ws = CaseWorkspace(database, actor, case_id)
            ws.show()
            app.processEvents()
            with database.session() as s:
                oldest = s.scalar(
                    select(TimelineEntry.id)
                    .where(TimelineEntry.case_id == case_id)
                    .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
                    .limit(1)
                )
            start = time.perf_counter()
            assert ws.show_entry(oldest)
            app.processEvents()
            find.append(time.perf_counter() - start)
            ws.close()
            ws.deleteLater()
            app.processEvents()
        print(f"timeline total: {total} entries")
        for label, values in (
            ("usable workspace (header, forms, first page)", usable),
            ("criteria evaluated (background)", criteria),
            ("scroll to the end (all pages)", scroll),
            ("find the oldest entry", find),
        ):
            print(f"{label:46s} {statistics.median(values) * 1000:7.0f} ms (median of {args.runs})")
        from ui.platform import tasks

        tasks.wait_for_all()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
