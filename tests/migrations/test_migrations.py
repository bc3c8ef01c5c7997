"""Migrations: an empty database upgrades to head and matches the model exactly."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from casemgr.db.migrate import backup_sqlite_file, head_revision
from casemgr.db.models import Base
from casemgr.db.open import open_database
from casemgr.errors import DatabaseError


def test_empty_database_upgrades_to_head_with_clean_foreign_keys(database):
    with database.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        if database.is_sqlite:
            assert list(conn.exec_driver_sql("PRAGMA foreign_key_check")) == []


def test_database_from_a_newer_version_is_refused(sqlite_url, tmp_path):
    open_database(sqlite_url, create=True).dispose()
    path = tmp_path / "clinic.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="newer version of casemgr"):
        open_database(sqlite_url)
    assert path.read_bytes() == before


def test_guard_triggers_refuse_deleting_clinical_records(clinic):
    with clinic.database.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM timeline_entries"))


def test_backup_copy_is_a_usable_database(sqlite_url, tmp_path):
    open_database(sqlite_url, create=True).dispose()
    copy = backup_sqlite_file(tmp_path / "clinic.sqlite3", "pre-test")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_upgrade_keeps_data_and_copies_the_file_first(tmp_path):
    """A 0001 database with a weekly target upgrades to head; the copy is written first."""
    from alembic import command
    from sqlalchemy import create_engine

    from casemgr import paths
    from casemgr.db import migrate

    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    cfg = migrate._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO users (id, username, display_name, role, password_hash, active, "
            "failed_logins, created_at, version) VALUES (1, 'u', 'U', 'physio', 'x', 1, 0, "
            "'2026-01-01 00:00:00', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO athletes (id, full_name, name_key, sport, position, created_at, version)"
            " VALUES (1, 'A', 'a', '', '', '2026-01-01 00:00:00', 1)"
        )
    engine.dispose()
    db = open_database(str(path))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT full_name FROM athletes").scalar() == "A"
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    db.dispose()
    copies = list(paths.backups_dir().glob("old.pre-*.sqlite3"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
