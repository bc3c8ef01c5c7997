"""Schema migrations, run in-process at start-up.

Before a SQLite file is migrated a copy is written to the backups folder. A database
whose schema revision this version does not know (made by a newer casemgr) is refused.
Alembic itself is imported only when a migration has to run: an up-to-date database
opens without paying for it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from casemgr import paths
from casemgr.db.base import utcnow
from casemgr.errors import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^revision\s*=\s*["\'](?P<rev>[^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*(?:["\'](?P<rev>[^"\']+)["\']|None)', re.M)


def _config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@lru_cache(maxsize=1)
def _revisions() -> tuple[frozenset[str], str]:
    """(every known revision, the head), read from the version scripts without Alembic."""
    known, parents = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev:
            known.add(rev["rev"])
            if down and down["rev"]:
                parents.add(down["rev"])
    heads = known - parents
    if len(heads) != 1:
        raise DatabaseError(f"The migration scripts have {len(heads)} heads; expected one.")
    return frozenset(known), heads.pop()


def head_revision() -> str:
    return _revisions()[1]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup_sqlite_file(src: Path, label: str) -> Path:
    """Copy a live SQLite database consistently (online backup API)."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    dest = paths.backups_dir() / f"{src.stem}.{label}.{stamp}.sqlite3"
    with sqlite3.connect(src) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return dest


def upgrade(engine: Engine, sqlite_file: Path | None = None) -> str | None:
    """Bring the schema to head. Returns the path of the pre-migration copy, if any."""
    known, head = _revisions()
    current = current_revision(engine)
    if current == head:
        return None
    if current is not None and current not in known:
        raise DatabaseError(
            f"This database was written by a newer version of casemgr (schema {current}). "
            "Install the newer version; this one will not touch it."
        )
    backup = None
    if sqlite_file is not None and current is not None:
        backup = str(backup_sqlite_file(sqlite_file, f"pre-{head}"))
        log.info("copied %s to %s before migrating", sqlite_file, backup)
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("migrated database from %s to %s", current, head)
    return backup
