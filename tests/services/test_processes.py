"""Two processes editing one SQLite file: one wins, the other gets a conflict."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys, time
    from casemgr.db.open import open_database
    from casemgr.errors import ConflictError
    from casemgr.permissions import Actor
    from casemgr.services import timeline
    url, entry_id, version, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    db = open_database(url)
    actor = Actor(2, "doctor", "doctor", "Test doctor")
    while time.time() < go:
        time.sleep(0.001)
    try:
        with db.session() as s:
            timeline.amend_entry(s, actor, entry_id, version, "correction", body="corrected")
        print("won")
    except ConflictError:
        print("conflict")
""")


def test_two_processes_amending_one_entry(clinic, db_url):
    import time

    from casemgr.services import timeline

    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["physio"], clinic.case_id, "original")
    go = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, db_url, str(entry.id), str(entry.version), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outcomes == ["conflict", "won"], [p.stderr for p in procs]
    with clinic.session() as s:
        history = timeline.entry_history(s, clinic.actors["physio"], entry.id)
    assert [h.body for h in history] == ["original", "corrected"]
