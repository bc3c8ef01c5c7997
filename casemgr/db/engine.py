"""Opening a database: URL resolution, SQLite pragmas and refusals, sessions.

SQLite connections get ``foreign_keys=ON``, WAL, ``synchronous=FULL`` and a
``busy_timeout``, and every transaction starts with ``BEGIN IMMEDIATE`` so that writers
queue instead of failing with "database is locked" when a read turns into a write.
The same code runs on PostgreSQL given a ``postgresql+psycopg://`` URL.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from casemgr import paths
from casemgr.db import guards
from casemgr.errors import ConflictError, DatabaseError

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
_NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "fuse.sshfs",
    "sshfs",
    "afs",
    "9p",
    "ncpfs",
    "fuse.rclone",
    "davfs",
    "fuse.davfs2",
    "glusterfs",
    "ceph",
    "lustre",
}


def resolve_url(db: str | None = None) -> str:
    """``--db`` value, else ``CASEMGR_DB``, else the workstation's default SQLite file."""
    value = db or os.environ.get("CASEMGR_DB") or str(paths.default_db_path())
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends / in-memory."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def _mount_fstype(path: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3:
            mount_point = parts[1].replace("\\040", " ")
            if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(
                mount_point
            ) >= len(best):
                best, fstype = mount_point, parts[2]
    return fstype


def is_network_path(path: Path) -> bool:
    """True for UNC paths and files on network file systems (SQLite locking is unsafe there)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    probe = path if path.exists() else path.parent
    return (_mount_fstype(probe) or "") in _NETWORK_FS


def check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    """Refuse files SQLite must not be used on, with advice a user can act on."""
    if is_network_path(path):
        raise DatabaseError(
            f"{path} is on a network share. SQLite is not safe there; a clinic with several "
            "workstations should use a PostgreSQL server (--db postgresql+psycopg://...)."
        )
    if not path.exists():
        if must_exist:
            raise DatabaseError(
                f"No database at {path}. Create one with 'casemgr init' or 'casemgr demo'."
            )
        return
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a casemgr database file.")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if len(header) == 0:
        raise DatabaseError(
            f"{path} is an empty file, not a casemgr database. Restore it from a backup "
            "('casemgr restore BACKUP') or remove it to start again."
        )
    if header != SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a casemgr database (it is some other kind of file). Nothing was "
            "changed; point --db at the right file or restore a backup."
        )


def _install_sqlite_listeners(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for *url* with the app's connection settings."""
    guards.install()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_listeners(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An opened database: its engine and a session factory.

    ``with db.session() as s:`` gives one unit of work that commits on success and
    rolls back on any exception.
    """

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    def new_session(self) -> Session:
        return self._factory()

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._factory()
        try:
            yield s
            s.commit()
        except StaleDataError as exc:
            s.rollback()
            raise ConflictError(
                "Someone else saved a change to this record at the same moment. Nothing was "
                "overwritten: reload to see their change, then apply yours again."
            ) from exc
        except DBAPIError as exc:  # a full disk, a read-only file, a lost server...
            s.rollback()
            log.warning("database error: %s", getattr(exc, "orig", exc))
            raise wrap_db_error(exc, str(self.path or self.describe())) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        """Close every connection; a clean close removes the in-use marker."""
        self.engine.dispose()
        path = self.path
        if path is not None:
            path.with_name(path.name + ".in-use").unlink(missing_ok=True)

    def describe(self) -> str:
        """The URL without a password, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)


def wrap_db_error(exc: Exception, where: str) -> DatabaseError:
    """Word a driver error for a user."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.DatabaseError):
        text = str(orig)
        if "malformed" in text or "not a database" in text or "file is not" in text:
            return DatabaseError(
                f"{where} is damaged ({text}). Nothing was changed; restore the latest backup "
                "with 'casemgr restore BACKUP'."
            )
        if "disk is full" in text or "disk I/O" in text:
            return DatabaseError(
                f"The disk holding {where} is full or failing: nothing was saved. Free some "
                "space (or call IT), then try again; what you typed is kept."
            )
        if "readonly" in text or "read-only" in text:
            return DatabaseError(
                f"{where} is read-only for this workstation: nothing was saved. Ask IT to "
                "restore write access; what you typed is kept."
            )
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseError(f"Lost the connection to the database at {where}.")
    return DatabaseError(f"The database at {where} cannot be used: {orig}")
