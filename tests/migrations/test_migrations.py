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
