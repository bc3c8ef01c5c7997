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
from sqlalchemy import select

from casemgr.db.models import Measure, TimelineEntry
from casemgr.db.open import open_database
from casemgr.verify import verify_open

CHILD = textwrap.dedent("""
    import sys
    from casemgr.db.open import open_database
    from casemgr.permissions import Actor
    from casemgr.services import timeline
    from casemgr.services.dto import MeasureValue
    url, case_id, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db = open_database(url)
    actor = Actor(3, "physio", "physio", "Test physio")
    print("ready", flush=True)
    i = 0
    while True:
        with db.session() as s:
            timeline.add_note(s, actor, case_id, f"{tag}-{i}")
            timeline.record_measures(s, actor, case_id, [
                MeasureValue("nordic_force", 200 + i % 100, "left"),
                MeasureValue("nordic_force", 210 + i % 100, "right")], note=f"{tag}-{i}")
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
