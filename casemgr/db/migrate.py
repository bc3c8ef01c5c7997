"""Schema migrations, run in-process at start-up.

Before a SQLite file is migrated a copy is written to the backups folder. A database
whose schema revision this version does not know (made by a newer casemgr) is refused.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from casemgr import paths
from casemgr.db.base import utcnow
from casemgr.errors import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite_file(src: Path, label: str) -> Path:
    """Copy a live SQLite database consistently (online backup API)."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    dest = paths.backups_dir() / f"{src.stem}.{label}.{stamp}.sqlite3"
    with sqlite3.connect(src) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return dest


def upgrade(engine: Engine, sqlite_file: Path | None = None) -> str | None:
    """Bring the schema to head. Returns the path of the pre-migration copy, if any."""
    script = ScriptDirectory.from_config(_config())
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return None
    if current is not None:
        known = {rev.revision for rev in script.walk_revisions()}
        if current not in known:
            raise DatabaseError(
                f"This database was written by a newer version of casemgr (schema {current}). "
                "Install the newer version; this one will not touch it."
            )
    backup = None
    if sqlite_file is not None and current is not None:
        backup = str(backup_sqlite_file(sqlite_file, f"pre-{head}"))
        log.info("copied %s to %s before migrating", sqlite_file, backup)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("migrated database from %s to %s", current, head)
    return backup
