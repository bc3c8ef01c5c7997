"""Open (or create) a casemgr database by path or URL, refusing what must not be used."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError

from casemgr.db.engine import (
    Database,
    check_sqlite_file,
    make_engine,
    resolve_url,
    sqlite_path,
    wrap_db_error,
)
from casemgr.db.migrate import upgrade
from casemgr.db.models import AppMeta
from casemgr.errors import DatabaseError

log = logging.getLogger(__name__)


def open_database(db: str | None = None, *, create: bool = False) -> Database:
    """Open the database named by *db* (path or URL; default: ``CASEMGR_DB`` or the
    workstation file), migrating it to the current schema.

    With ``create=True`` a missing SQLite file or an empty PostgreSQL database is set up;
    otherwise they are refused with advice. Files that are not SQLite, damaged, made by
    a newer casemgr or on a network share are refused and left untouched.
    """
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path, must_exist=not create)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    where = str(path) if path else Database(url, engine).describe()
    try:
        tables = set(inspect(engine).get_table_names())
        if tables and "alembic_version" not in tables:
            raise DatabaseError(
                f"{where} is a database of some other program, not casemgr. Nothing was changed."
            )
        if not tables and not create:
            raise DatabaseError(
                f"{where} is empty. Create it with 'casemgr init' or 'casemgr demo'."
            )
        if path is not None and tables and _needs_structure_check(path):
            with engine.connect() as conn:
                result = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
            if result != "ok":
                raise DatabaseError(
                    f"{where} is damaged ({result}). Nothing was changed; restore the latest "
                    "backup with 'casemgr restore BACKUP'."
                )
        upgrade(engine, path if tables else None)
        if tables:
            _sync_shipped_protocols(engine)
        if path is not None:
            in_use_marker(path).write_text(str(os.getpid()), encoding="utf-8")
    except DatabaseError:
        engine.dispose()
        raise
    except (OperationalError, SADatabaseError, DBAPIError) as exc:
        engine.dispose()
        raise wrap_db_error(exc, where) from exc
    return Database(url, engine)


def _sync_shipped_protocols(engine) -> None:
    """Install the shipped protocols that changed since this database last saw them (new
    versions; cases keep theirs). A concurrent workstation doing the same wins quietly."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from casemgr.services.protocols import sync_shipped_protocols

    try:
        with Session(engine) as session, session.begin():
            sync_shipped_protocols(session)
    except IntegrityError:
        log.info("shipped protocols were updated by another workstation")
    except (OperationalError, SADatabaseError) as exc:  # e.g. a read-only copy: open it anyway
        log.warning("shipped protocols not updated: %s", exc)


QUICK_CHECK_ALWAYS_BELOW = 64 * 1024 * 1024  # bytes: a full structure check costs little


def in_use_marker(path: Path) -> Path:
    """A file beside the database while it is open; left behind by a crash."""
    return path.with_name(path.name + ".in-use")


def _needs_structure_check(path: Path) -> bool:
    """SQLite's quick_check reads the whole file: always for small databases, and for big
    ones after a crash (the in-use marker was left) rather than at every start-up.
    ``casemgr verify`` runs the full integrity check whatever the size."""
    return path.stat().st_size < QUICK_CHECK_ALWAYS_BELOW or in_use_marker(path).exists()


def get_meta(database: Database, key: str, default: str = "") -> str:
    with database.session() as s:
        value = s.scalar(select(AppMeta.value).where(AppMeta.key == key))
    return default if value is None else value


def is_demo(database: Database) -> bool:
    return get_meta(database, "demo") == "1"
