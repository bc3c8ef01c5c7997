"""No "database is locked": several processes doing read-then-write transactions.

Each process reads how many notes it has written, then writes the next one, in one
transaction, N times. Every transaction must succeed and every row must be there.
``CASEMGR_CONCURRENCY_TX`` sets N (the slow run uses 500 per process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from casemgr.db.models import TimelineEntry
from casemgr.verify import verify_open

WORKER = textwrap.dedent("""
    import sys
    from sqlalchemy import func, select
    from casemgr.db.models import TimelineEntry
    from casemgr.db.open import open_database
    from casemgr.permissions import Actor
    from casemgr.services import timeline
    url, case_id, tag, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    db = open_database(url)
    actor = Actor(3, "physio", "physio", "Test physio")
    errors = 0
    for i in range(n):
        try:
            with db.session() as s:
                done = s.scalar(select(func.count(TimelineEntry.id)).where(
                    TimelineEntry.body.like(tag + "-%")))
                timeline.add_note(s, actor, case_id, f"{tag}-{done}")
        except Exception as exc:
            errors += 1
            print("error", type(exc).__name__, exc, file=sys.stderr)
    print(errors)
""")


def _run(clinic, db_url, per_process: int, processes: int = 4) -> None:
    clinic.database.dispose()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db_url, str(clinic.case_id), f"p{k}", str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(processes)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    assert [out.strip() for out, _ in results] == ["0"] * processes, [e for _, e in results]
    with clinic.database.session() as s:
        for k in range(processes):
            bodies = set(
                s.scalars(select(TimelineEntry.body).where(TimelineEntry.body.like(f"p{k}-%")))
            )
            assert bodies == {f"p{k}-{i}" for i in range(per_process)}
        total = s.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "note"))
    assert total == processes * per_process
    assert verify_open(clinic.database).ok


def test_four_writers_a_few_transactions_each(clinic, db_url):
    _run(clinic, db_url, int(os.environ.get("CASEMGR_CONCURRENCY_TX", 25)))


@pytest.mark.slow
def test_four_writers_five_hundred_transactions_each(clinic, db_url):
    _run(clinic, db_url, int(os.environ.get("CASEMGR_CONCURRENCY_TX", 500)))
