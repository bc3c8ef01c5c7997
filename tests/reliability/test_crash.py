"""An acknowledged commit survives an app crash (SIGKILL at random moments).

A child process writes notes and measures through the services and prints an
acknowledgement after each commit; the parent kills it at a random moment, then checks
that the database passes SQLite's integrity and foreign-key checks, that the audit chain
verifies and that every acknowledged write is there. ``CASEMGR_CRASH_ROUNDS`` sets the
number of kills (the slow run uses 50).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import func, select

from casemgr.db.models import ImportBatch, Measure, TimelineEntry
from casemgr.db.open import open_database
from casemgr.verify import verify_open

CHILD = textwrap.dedent("""
    import sys, tempfile
    from datetime import datetime, timedelta
    from pathlib import Path
    from casemgr.db.open import open_database
    from casemgr.services.imports import import_file
    from casemgr.permissions import Actor
    from casemgr.services import timeline
    from casemgr.services.dto import MeasureValue
    url, case_id, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db = open_database(url)
    actor = Actor(3, "physio", "physio", "Test physio")
    folder = Path(tempfile.mkdtemp())
    base = datetime(2025, 1, 1) + timedelta(days=int(tag[1:]) * 2)
    header = ("Name,ExternalId,Date UTC,Time UTC,Device,Test,L Reps,R Reps,L Max Force (N),"
              "R Max Force (N),Max Imbalance (%),L Avg Force (N),R Avg Force (N),Avg Imbalance (%)")
    print("ready", flush=True)
    i = 0
    while True:
        with db.session() as s:
            timeline.add_note(s, actor, case_id, f"{tag}-{i}")
            timeline.record_measures(s, actor, case_id, [
                MeasureValue("nordic_force", 200 + i % 100, "left"),
                MeasureValue("nordic_force", 210 + i % 100, "right")], note=f"{tag}-{i}")
        when = base + timedelta(minutes=i)
        rows = [f"Sam Carter,ATH-0001,{when:%Y-%m-%d},{when:%H:%M:%S},NordBord,Nordic,3,3,"
                f"{300 + k},{290 + k},3.3,280,270,3.6" for k in range(1)]
        path = folder / f"{tag}-{i}.csv"
        path.write_text(header + "\\n" + "\\n".join(rows) + "\\n", encoding="utf-8")
        with db.session() as s:
            import_file(s, actor, path, "nordic")
        print(f"ack {i}", flush=True)
        i += 1
""")


def _rounds(default: int) -> int:
    return int(os.environ.get("CASEMGR_CRASH_ROUNDS", default))


def _crash_rounds(clinic, db_url, rounds: int) -> None:
    rng = random.Random(1234)
    url = db_url
    clinic.database.dispose()
    for round_no in range(rounds):
        tag = f"r{round_no}"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(clinic.case_id), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        deadline = time.monotonic() + rng.uniform(0.02, 0.4)
        acked = []
        os.set_blocking(child.stdout.fileno(), False)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.startswith("ack"):
                acked.append(int(line.split()[1]))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        os.set_blocking(child.stdout.fileno(), True)
        acked += [
            int(line.split()[1])
            for line in child.stdout.read().splitlines()
            if line.startswith("ack")
        ]
        database = open_database(url)
        try:
            report = verify_open(database)
            assert report.ok, report.lines
            with database.session() as s:
                notes = set(
                    s.scalars(
                        select(TimelineEntry.body).where(
                            TimelineEntry.kind == "note", TimelineEntry.body.like(f"{tag}-%")
                        )
                    )
                )
                measure_entries = s.scalars(
                    select(TimelineEntry.id).where(
                        TimelineEntry.kind == "measure", TimelineEntry.body.like(f"{tag}-%")
                    )
                ).all()
                per_entry = {
                    eid: s.scalar(select(Measure.id).where(Measure.entry_id == eid).limit(1))
                    for eid in measure_entries
                }
            for i in acked:
                assert f"{tag}-{i}" in notes, f"acknowledged note {tag}-{i} was lost"
            assert all(per_entry.values()), "a measure entry lost its values"
            with database.session() as s:
                batches = s.execute(
                    select(ImportBatch.file_name, ImportBatch.measures_written).where(
                        ImportBatch.file_name.like(f"{tag}-%")
                    )
                ).all()
                imported = s.scalar(
                    select(func.count(Measure.id)).where(Measure.source == "import:nordic")
                )
                total_written = s.scalar(select(func.sum(ImportBatch.measures_written))) or 0
            for i in acked:
                assert f"{tag}-{i}.csv" in {b.file_name for b in batches}, "an import was lost"
            # no half import: every imported value belongs to a committed batch, and back
            assert imported == total_written
            # a unit of work is all or nothing: notes and measure entries come in pairs
            assert len(notes) == len(measure_entries)
        finally:
            database.dispose()


@pytest.fixture
def sqlite_only(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("kills a process writing to a local SQLite file")


def test_a_few_crashes_lose_nothing_acknowledged(clinic, db_url, sqlite_only):
    _crash_rounds(clinic, db_url, _rounds(3))


@pytest.mark.slow
def test_fifty_crashes_lose_nothing_acknowledged(clinic, db_url, sqlite_only):
    _crash_rounds(clinic, db_url, _rounds(50))
