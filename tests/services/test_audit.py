"""The audit chain verifies, and every kind of tampering is named at its first event."""

from __future__ import annotations

import sqlite3

import pytest

from casemgr.verify import verify_database


@pytest.fixture
def sqlite_clinic(clinic, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("tampers with the SQLite file directly")
    from casemgr.services.timeline import add_note

    for i in range(5):
        with clinic.session() as s:
            add_note(s, clinic.actors["physio"], clinic.case_id, f"note {i}")
    clinic.database.dispose()
    return db_url.removeprefix("sqlite:///")


def _raw(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for trig in ("trg_audit_events_no_update", "trg_audit_events_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trig}")  # a tamperer would do this first
    return conn


def test_intact_chain_verifies(sqlite_clinic):
    report = verify_database(sqlite_clinic)
    assert report.ok, report.lines
    assert any("audit trail intact" in line for line in report.lines)


def test_edited_event_is_named(sqlite_clinic):
    with _raw(sqlite_clinic) as conn:
        conn.execute("UPDATE audit_events SET reason = 'nothing to see' WHERE id = 4")
    report = verify_database(sqlite_clinic)
    assert not report.ok
    assert "BROKEN at event 4" in report.problem and "changed" in report.problem


def test_deleted_event_is_named(sqlite_clinic):
    with _raw(sqlite_clinic) as conn:
        conn.execute("DELETE FROM audit_events WHERE id = 5")
    report = verify_database(sqlite_clinic)
    assert "BROKEN at event 5" in report.problem


def test_reordered_events_are_named(sqlite_clinic):
    with _raw(sqlite_clinic) as conn:
        conn.execute("UPDATE audit_events SET id = -1 WHERE id = 6")
        conn.execute("UPDATE audit_events SET id = 6 WHERE id = 7")
        conn.execute("UPDATE audit_events SET id = 7 WHERE id = -1")
    report = verify_database(sqlite_clinic)
    assert "BROKEN at event 6" in report.problem


def test_truncated_trail_is_detected(sqlite_clinic):
    with _raw(sqlite_clinic) as conn:
        last = conn.execute("SELECT max(id) FROM audit_events").fetchone()[0]
        conn.execute("DELETE FROM audit_events WHERE id >= ?", (last - 1,))
    report = verify_database(sqlite_clinic)
    assert not report.ok and "removed from the end" in report.problem


def test_audit_rows_cannot_be_changed_through_sql_while_triggers_stand(sqlite_clinic):
    with (
        sqlite3.connect(sqlite_clinic) as conn,
        pytest.raises(sqlite3.DatabaseError, match="append-only"),
    ):
        conn.execute("UPDATE audit_events SET reason = 'x' WHERE id = 1")


def test_tampering_is_caught_on_every_backend(clinic, db_url):
    """The same check through SQLAlchemy on SQLite and PostgreSQL."""
    from sqlalchemy import text

    from casemgr.services.timeline import add_note

    with clinic.session() as s:
        add_note(s, clinic.actors["physio"], clinic.case_id, "a note")
    with clinic.database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER trg_audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET username = 'someone' WHERE id = 2"))
    clinic.database.dispose()
    report = verify_database(db_url)
    assert not report.ok and "BROKEN at event 2" in report.problem
