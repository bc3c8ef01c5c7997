"""Backup and restore: manifest, concurrent writes, validation before the swap, safety copy."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casemgr.cli import main
from casemgr.db.models import Athlete, AuditEvent, TimelineEntry
from casemgr.errors import DatabaseError, PermissionDenied, ValidationError
from casemgr.services.backup import (
    backup_database,
    backup_is_due,
    read_manifest,
    restore_database,
)
from casemgr.services.timeline import add_note
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def sqlite_clinic(clinic):
    if not clinic.database.is_sqlite:
        pytest.skip("SQLite file backup")
    return clinic


def _admin(clinic):
    return lambda _database: clinic.actors["admin"]


def _count(database, model):
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_backup_during_concurrent_writes_restores_to_a_database_that_verifies(
    sqlite_clinic, tmp_path
):
    from casemgr.verify import verify_database

    clinic = sqlite_clinic
    stop = threading.Event()
    written = []

    def writer():
        while not stop.is_set() and len(written) < 400:
            with clinic.session() as s:
                written.append(add_note(s, clinic.actors["physio"], clinic.case_id, "busy").id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        result = backup_database(clinic.database, clinic.actors["admin"], tmp_path / "b.zip")
    finally:
        stop.set()
        thread.join()
    manifest = read_manifest(tmp_path / "b.zip")
    assert manifest == result.manifest and manifest["backend"] == "sqlite"
    assert manifest["audit_chain_ok"] and manifest["app_version"]
    notes_in_backup = manifest["row_counts"]["timeline_entries"]
    assert 20 <= notes_in_backup <= len(written) + 1

    target = tmp_path / "restored.sqlite3"
    restored = restore_database(str(target), tmp_path / "b.zip", _admin(clinic))
    assert restored.safety_copy is None and any("audit trail intact" in c for c in restored.checks)
    report = verify_database(str(target))
    assert report.ok, report.lines
    from casemgr.db.open import open_database

    db = open_database(str(target))
    try:
        assert _count(db, TimelineEntry) == notes_in_backup
        with db.session() as s:
            actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-1] == "database.restore"
    finally:
        db.dispose()
    with clinic.session() as s:
        assert s.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) in {
            "database.backup",
            "entry.create.note",
        }
    assert not backup_is_due(clinic.database)


def test_restore_over_the_live_database_keeps_a_safety_copy(sqlite_clinic, tmp_path):
    clinic = sqlite_clinic
    backup_database(clinic.database, clinic.actors["admin"], tmp_path / "b.zip")
    with clinic.session() as s:
        add_note(s, clinic.actors["physio"], clinic.case_id, "written after the backup")
    entries_after = _count(clinic.database, TimelineEntry)
    result = restore_database(clinic.database.url, tmp_path / "b.zip", _admin(clinic))
    assert result.safety_copy is not None and result.safety_copy.exists()
    # the live database (same engine, still open) now shows the backup's content
    assert _count(clinic.database, TimelineEntry) == entries_after - 1
    with sqlite3.connect(result.safety_copy) as conn:
        assert conn.execute("SELECT COUNT(*) FROM timeline_entries").fetchone()[0] == entries_after


def _tamper(src, dest, sql: str, *, fix_manifest: bool = True):
    """Copy backup *src* to *dest* with *sql* applied to its database."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        db_bytes = zf.read("casemgr.sqlite3")
    work = dest.with_suffix(".sqlite3")
    work.write_bytes(db_bytes)
    with sqlite3.connect(work) as conn:
        conn.executescript(sql)
    import hashlib

    if fix_manifest:
        manifest["sha256"] = hashlib.sha256(work.read_bytes()).hexdigest()
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.write(work, "casemgr.sqlite3")


@pytest.mark.parametrize(
    ("sql", "fix", "message"),
    [
        ("UPDATE athletes SET full_name = 'X'", False, "does not match the SHA-256"),
        (
            "DROP TRIGGER trg_audit_events_no_update; "
            "UPDATE audit_events SET reason = 'edited' WHERE id = 2",
            True,
            "audit trail BROKEN at event 2",
        ),
        ("UPDATE alembic_version SET version_num = '9999'", True, "newer casemgr"),
        (
            "PRAGMA foreign_keys=OFF; UPDATE cases SET athlete_id = 999",
            True,
            "pointing at missing records",
        ),
        ("INSERT INTO app_meta VALUES ('x', 'y')", True, "row counts differ"),
    ],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(
    sqlite_clinic, tmp_path, sql, fix, message
):
    clinic = sqlite_clinic
    backup_database(clinic.database, clinic.actors["admin"], tmp_path / "b.zip")
    _tamper(tmp_path / "b.zip", tmp_path / "bad.zip", sql, fix_manifest=fix)
    live = clinic.database.path
    before = live.read_bytes()
    with pytest.raises(ValidationError, match=message):
        restore_database(clinic.database.url, tmp_path / "bad.zip", _admin(clinic))
    assert live.read_bytes() == before
    assert not list(live.parent.glob(".casemgr-restore-*"))


def test_not_a_backup(sqlite_clinic, tmp_path, data_dir):
    with pytest.raises(ValidationError, match="not a casemgr backup"):
        restore_database(
            sqlite_clinic.database.url, data_dir / "gps_sessions.csv", _admin(sqlite_clinic)
        )


def test_only_admins_back_up_and_restore(sqlite_clinic, tmp_path):
    clinic = sqlite_clinic
    with pytest.raises(PermissionDenied):
        backup_database(clinic.database, clinic.actors["doctor"], tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
    backup_database(clinic.database, clinic.actors["admin"], tmp_path / "b.zip")
    with pytest.raises(PermissionDenied):
        restore_database(
            clinic.database.url, tmp_path / "b.zip", lambda _db: clinic.actors["doctor"]
        )


def test_restore_replaces_a_damaged_file(sqlite_clinic, tmp_path):
    clinic = sqlite_clinic
    backup_database(clinic.database, clinic.actors["admin"], tmp_path / "b.zip")
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    result = restore_database(str(broken), tmp_path / "b.zip", _admin(clinic))
    assert result.safety_copy.read_bytes().startswith(b"SQLite format 3")
    from casemgr.db.open import open_database

    db = open_database(str(broken))
    try:
        assert _count(db, Athlete) == 1
    finally:
        db.dispose()


def test_backup_reminder(sqlite_clinic, tmp_path):
    from casemgr.db.base import utcnow

    assert backup_is_due(sqlite_clinic.database)
    backup_database(sqlite_clinic.database, sqlite_clinic.actors["admin"], tmp_path / "b.zip")
    assert not backup_is_due(sqlite_clinic.database)
    assert backup_is_due(sqlite_clinic.database, now=utcnow() + timedelta(days=8))


def test_postgres_without_pg_dump_says_so(monkeypatch, tmp_path):
    from casemgr.services import backup

    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    with pytest.raises(DatabaseError, match="needs the 'pg_dump' program"):
        backup._pg_dump("postgresql+psycopg://u@h/db", tmp_path / "x")


def test_cli_backup_and_restore(sqlite_clinic, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "admin")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    url = sqlite_clinic.database.url
    out = tmp_path / "clinic-backup.zip"
    assert main(["--db", url, "backup", str(out)]) == 0
    assert "Backup written to" in capsys.readouterr().out
    assert main(["--db", url, "backup", str(out)]) == 1
    assert "exists already" in capsys.readouterr().err
    copy = tmp_path / "copy.sqlite3"
    assert main(["--db", str(copy), "restore", str(out)]) == 0
    assert "ok    audit trail intact" in capsys.readouterr().out
    assert main(["--db", str(copy), "verify"]) == 0
    shutil.copy(out, tmp_path / "again.zip")
    monkeypatch.setenv("CASEMGR_USER", "doctor")
    assert main(["--db", str(copy), "restore", str(tmp_path / "again.zip")]) == 1
    assert "does not allow you to restore" in capsys.readouterr().err


def test_postgres_backup_and_restore_with_pg_tools(clinic, tmp_path):
    if clinic.database.is_sqlite:
        pytest.skip("PostgreSQL backup")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    admin = clinic.actors["admin"]
    result = backup_database(clinic.database, admin, tmp_path / "pg.zip")
    assert result.manifest["backend"] == "postgresql" and result.manifest["audit_chain_ok"]
    with clinic.session() as s:
        add_note(s, clinic.actors["physio"], clinic.case_id, "after the backup")
    before = _count(clinic.database, TimelineEntry)
    clinic.database.dispose()
    restored = restore_database(clinic.database.url, tmp_path / "pg.zip", _admin(clinic))
    assert restored.safety_copy.exists()
    assert _count(clinic.database, TimelineEntry) == before - 1
    from casemgr.verify import verify_open

    assert verify_open(clinic.database).ok
