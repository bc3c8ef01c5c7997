"""Opening databases: pragmas on every connection and clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from casemgr.db import engine as db_engine
from casemgr.db.open import open_database
from casemgr.errors import DatabaseError


def test_sqlite_connections_get_the_safety_pragmas(sqlite_url):
    db = open_database(sqlite_url, create=True)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    db.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"PK\x03\x04" + b"\x00" * 2000, "not a casemgr database"),  # a renamed .docx
        (b"hello, this is text", "not a casemgr database"),
    ],
)
def test_files_that_are_not_databases_are_refused_untouched(tmp_path, content, message):
    path = tmp_path / "clinic.sqlite3"
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match=message):
        open_database(str(path))
    assert path.read_bytes() == content


def test_truncated_database_is_refused(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    db = open_database(str(path), create=True)
    db.dispose()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DatabaseError, match="damaged|cannot be used|not a"):
        open_database(str(path))


def test_another_programs_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(DatabaseError, match="some other program"):
        open_database(str(path))


def test_missing_database_gives_advice(tmp_path):
    with pytest.raises(DatabaseError, match="casemgr init"):
        open_database(str(tmp_path / "nothing.sqlite3"))


def test_database_on_a_network_share_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(db_engine, "_mount_fstype", lambda path: "cifs")
    with pytest.raises(DatabaseError, match="PostgreSQL"):
        open_database(str(tmp_path / "clinic.sqlite3"), create=True)
    assert db_engine.is_network_path(Path("//server/share/clinic.sqlite3"))


def test_default_database_lives_in_casemgr_home(tmp_path):
    url = db_engine.resolve_url(None)
    assert url.endswith("home/casemgr.sqlite3")


def test_big_databases_are_structure_checked_only_after_a_crash(tmp_path, monkeypatch):
    from casemgr.db import open as db_open

    path = tmp_path / "big.sqlite3"
    open_database(str(path), create=True).dispose()
    monkeypatch.setattr(db_open, "QUICK_CHECK_ALWAYS_BELOW", 0)  # pretend it is big
    assert not db_open._needs_structure_check(path)
    db = open_database(str(path))
    assert db_open.in_use_marker(path).exists()  # as if the app were killed now
    assert db_open._needs_structure_check(path)
    db.dispose()
    assert not db_open.in_use_marker(path).exists()
