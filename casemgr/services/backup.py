"""Verified backup and restore of the whole database.

A backup is one zip file: ``manifest.json`` (format, app version, schema revision, backend,
time, who, the database member's SHA-256, row counts per table, the audit-chain head and
whether the chain verified) and the database itself: ``casemgr.sqlite3`` copied with
SQLite's online backup API (one consistent snapshot while the app keeps working; in WAL
mode writers are not blocked), or ``casemgr.pgdump`` from ``pg_dump`` for PostgreSQL.

Restore validates before it touches anything: the manifest, the SHA-256, SQLite integrity
and foreign keys, a schema revision this version knows, the audit chain and the row counts
against the manifest. It then keeps a safety copy of the current database in the backups
folder and swaps: SQLite's backup API copies the restored pages into the live file in one
transaction (other connections see the old or the new database, never a mix); a missing
or damaged file is replaced by an atomic rename instead. The restore is then audited in
the restored database.

Backup and restore act on the whole database, so they take the ``Database`` (or the target
path) rather than a session; the permission (administrators) is checked all the same.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from casemgr import __version__, audit, paths
from casemgr.db.base import Base, utcnow
from casemgr.db.engine import Database, resolve_url, sqlite_path
from casemgr.db.models import AppMeta
from casemgr.errors import DatabaseError, ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import require

log = logging.getLogger(__name__)

FORMAT = "casemgr-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "casemgr.sqlite3"
PG_MEMBER = "casemgr.pgdump"
LAST_BACKUP_KEY = "last_backup_at"
REMIND_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict


@dataclass(frozen=True)
class RestoreResult:
    target: str
    safety_copy: Path | None
    manifest: dict
    checks: tuple[str, ...] = field(default=())


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _table_names() -> list[str]:
    return sorted(Base.metadata.tables)


def _sqlite_facts(path: Path) -> dict:
    """Integrity, foreign keys, schema revision, row counts and audit chain of a file."""
    facts: dict = {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        facts["integrity"] = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        facts["foreign_key_problems"] = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        facts["schema_revision"] = (
            (conn.execute("SELECT version_num FROM alembic_version").fetchone() or [""])[0]
            if "alembic_version" in tables
            else ""
        )
        facts["row_counts"] = {
            name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for name in _table_names()
            if name in tables
        }
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path.name} is not a readable SQLite database ({exc}).") from None
    finally:
        conn.close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as s:
            chain = audit.verify_chain(s)
    finally:
        engine.dispose()
    facts["audit_ok"] = chain.ok
    facts["audit"] = chain.describe()
    facts["audit_head"] = {"events": chain.events, "hash": chain.head_hash}
    return facts


def _write_zip(out: Path, manifest: dict, member_path: Path, member: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
            zf.write(member_path, member)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def backup_database(
    database: Database, actor: Actor, out: str | Path, *, force: bool = False
) -> BackupResult:
    """Write a verified backup of *database* to *out* (a zip with a manifest)."""
    out = Path(out).expanduser()
    with database.session() as s:
        require(s, actor, Action.BACKUP, entity_type="database")
    if out.exists() and not force:
        raise ValidationError(f"{out} exists already; choose another name or replace it.")
    if out.parent and not out.parent.exists():
        raise ValidationError(f"The folder {out.parent} does not exist.")
    base = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created_at": utcnow().isoformat(),
        "created_by": actor.username,
    }
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".casemgr-backup-") as tmpdir:
        if database.is_sqlite:
            copy = Path(tmpdir) / SQLITE_MEMBER
            source = sqlite3.connect(str(database.path), timeout=30)
            target = sqlite3.connect(str(copy))
            try:
                source.backup(target)  # one step: a consistent snapshot, writers keep going
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
                source.close()
            facts = _sqlite_facts(copy)
            if facts["integrity"] != ["ok"]:
                raise DatabaseError(
                    "The database fails its integrity check, so no backup was written: "
                    + "; ".join(facts["integrity"][:3])
                )
            member, member_path = SQLITE_MEMBER, copy
            manifest = {**base, "backend": "sqlite", "database": member}
        else:
            member_path = Path(tmpdir) / PG_MEMBER
            _pg_dump(database.url, member_path)
            facts = _pg_facts(database)
            member = PG_MEMBER
            manifest = {**base, "backend": "postgresql", "database": member}
        manifest.update(
            sha256=_sha256_file(member_path),
            size=member_path.stat().st_size,
            schema_revision=facts["schema_revision"],
            row_counts=facts["row_counts"],
            audit_head=facts["audit_head"],
            audit_chain_ok=facts["audit_ok"],
        )
        _write_zip(out, manifest, member_path, member)
    with database.session() as s:
        audit.record(
            s,
            actor,
            "database.backup",
            entity_type="database",
            reason=f"{out.name} (sha256 {manifest['sha256']})",
        )
        s.merge(AppMeta(key=LAST_BACKUP_KEY, value=utcnow().isoformat()))
    log.info("backup written to %s", out)
    return BackupResult(out, manifest)


def last_backup_at(database: Database) -> datetime | None:
    with database.session() as s:
        value = s.scalar(select(AppMeta.value).where(AppMeta.key == LAST_BACKUP_KEY))
    return datetime.fromisoformat(value) if value else None


def backup_is_due(database: Database, now: datetime | None = None) -> bool:
    """True when there was never a backup, or the last one is older than a week."""
    last = last_backup_at(database)
    return last is None or (now or utcnow()) - last > REMIND_AFTER


# ------------------------------------------------------------------------------------------
# PostgreSQL


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise DatabaseError(
            f"Backing up or restoring a PostgreSQL database needs the '{name}' program "
            "(PostgreSQL client tools, e.g. 'apt install postgresql-client'), which is not "
            "installed on this computer. Install it, or use the server's own backups."
        )
    return tool


def _pg_dump(url: str, dest: Path) -> None:
    tool = _pg_tool("pg_dump")
    done = subprocess.run(
        [tool, "--format=custom", "--no-owner", f"--file={dest}", _libpq_url(url)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {done.stderr.strip()[:500]}")


def _pg_facts(database: Database) -> dict:
    with database.session() as s:
        counts = {
            name: s.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
            for name in _table_names()
        }
        revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        chain = audit.verify_chain(s)
    return {
        "row_counts": counts,
        "schema_revision": revision,
        "audit_ok": chain.ok,
        "audit_head": {"events": chain.events, "hash": chain.head_hash},
    }


# ------------------------------------------------------------------------------------------
# Restore


def read_manifest(backup: str | Path) -> dict:
    """The manifest of a backup file, or ``ValidationError`` saying what it is not."""
    path = Path(backup).expanduser()
    if not path.is_file():
        raise ValidationError(f"No backup file at {path}.")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError(
            f"{path.name} is not a casemgr backup (no readable manifest). Nothing was changed."
        ) from None
    if manifest.get("format") != FORMAT:
        raise ValidationError(f"{path.name} is not a casemgr backup. Nothing was changed.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValidationError(
            f"{path.name} is backup format {manifest.get('format_version')}; this casemgr "
            f"reads format {FORMAT_VERSION}. Nothing was changed."
        )
    return manifest


def _extract(backup: Path, manifest: dict, dest_dir: Path) -> Path:
    member = manifest.get("database", "")
    with zipfile.ZipFile(backup) as zf:
        if member not in zf.namelist():
            raise ValidationError(f"{backup.name} has no database in it. Nothing was changed.")
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".casemgr-restore-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out, zf.open(member) as src:
            shutil.copyfileobj(src, out, 1 << 20)
    path = Path(tmp)
    if _sha256_file(path) != manifest.get("sha256"):
        path.unlink(missing_ok=True)
        raise ValidationError(
            f"{backup.name} is damaged: its database does not match the SHA-256 in its "
            "manifest. Nothing was changed."
        )
    return path


def validate_sqlite_copy(path: Path, manifest: dict) -> list[str]:
    """Check a restored copy; returns the passed checks, raises on the first failure."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from casemgr.db.migrate import MIGRATIONS_DIR

    facts = _sqlite_facts(path)
    name = "The backup"
    if facts["integrity"] != ["ok"]:
        raise ValidationError(f"{name} fails the integrity check: {facts['integrity'][0]}.")
    if facts["foreign_key_problems"]:
        raise ValidationError(
            f"{name} has {facts['foreign_key_problems']} rows pointing at missing records."
        )
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    known = {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}
    revision = facts["schema_revision"]
    if revision not in known:
        raise ValidationError(
            f"{name} was made by a newer casemgr (schema {revision or 'unknown'}); install "
            "that version to restore it."
        )
    if not facts["audit_ok"]:
        raise ValidationError(f"{name}'s {facts['audit']}.")
    if facts["row_counts"] != manifest.get("row_counts"):
        raise ValidationError(f"{name}'s row counts differ from its manifest.")
    if facts["audit_head"] != manifest.get("audit_head"):
        raise ValidationError(f"{name}'s audit-chain head differs from its manifest.")
    counts = facts["row_counts"]
    return [
        "ok    SHA-256 matches the manifest",
        "ok    SQLite integrity check",
        "ok    foreign keys",
        f"ok    schema revision {revision}",
        "ok    " + facts["audit"],
        f"ok    row counts ({counts.get('athletes', 0)} athletes, {counts.get('cases', 0)} "
        f"cases, {counts.get('measures', 0)} measures)",
    ]


def _healthy(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _safety_copy(path: Path) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    dest = paths.backups_dir() / f"{path.stem}.pre-restore.{stamp}.sqlite3"
    if _healthy(path):
        with sqlite3.connect(str(path), timeout=30) as src, sqlite3.connect(str(dest)) as dst:
            src.backup(dst)
    else:  # a damaged file is kept as it is, with its journal
        shutil.copy2(path, dest)
        for suffix in ("-wal", "-shm"):
            side = Path(str(path) + suffix)
            if side.exists():
                shutil.copy2(side, Path(str(dest) + suffix))
    return dest


def restore_database(
    db: str | None,
    backup: str | Path,
    actor_for: Callable[[Database], Actor],
) -> RestoreResult:
    """Replace the database named by *db* (path or URL) with the backup, after validating it.

    *actor_for* logs the user in on a database (the current one when it opens, else the
    backup's own); the user must be allowed to restore (administrators).
    """
    from casemgr.db.open import open_database

    backup = Path(backup).expanduser()
    manifest = read_manifest(backup)
    url = resolve_url(db)
    target = sqlite_path(url)
    if target is None:
        return _restore_postgres(url, backup, manifest, actor_for)
    if manifest.get("backend") != "sqlite":
        raise ValidationError(
            f"{backup.name} is a {manifest.get('backend')} backup; it cannot be restored into "
            "a SQLite file."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    restored = _extract(backup, manifest, target.parent)
    try:
        checks = validate_sqlite_copy(restored, manifest)
        actor = _authorise(target, restored, actor_for)
        safety = _safety_copy(target) if target.exists() else None
        if target.exists() and _healthy(target):
            with (
                sqlite3.connect(str(restored)) as src,
                sqlite3.connect(str(target), timeout=30) as live,
            ):
                src.backup(live)  # one transaction on the live file
        else:
            for suffix in ("-wal", "-shm", "-journal"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.replace(restored, target)
    finally:
        restored.unlink(missing_ok=True)
    database = open_database(str(target))
    try:
        with database.session() as s:
            audit.record(
                s,
                actor,
                "database.restore",
                entity_type="database",
                reason=(
                    f"from {backup.name} (sha256 {manifest['sha256']}, made "
                    f"{manifest.get('created_at')} by {manifest.get('created_by')})"
                    + (f"; previous database kept as {safety.name}" if safety else "")
                )[:1000],
            )
    finally:
        database.dispose()
    return RestoreResult(str(target), safety, manifest, tuple(checks))


def _authorise(target: Path, restored: Path, actor_for) -> Actor:
    from casemgr.db.engine import make_engine
    from casemgr.db.open import open_database

    try:
        database = open_database(str(target))
    except DatabaseError:
        database = Database(f"sqlite:///{restored}", make_engine(f"sqlite:///{restored}"))
    try:
        actor = actor_for(database)
        with database.session() as s:
            require(s, actor, Action.RESTORE, entity_type="database")
    finally:
        database.dispose()
    return actor


def _restore_postgres(url: str, backup: Path, manifest: dict, actor_for) -> RestoreResult:
    from casemgr.db.open import open_database

    if manifest.get("backend") != "postgresql":
        raise ValidationError(
            f"{backup.name} is a {manifest.get('backend')} backup; it cannot be restored into "
            "a PostgreSQL server."
        )
    tool = _pg_tool("pg_restore")
    database = open_database(url)
    try:
        actor = actor_for(database)
        with database.session() as s:
            require(s, actor, Action.RESTORE, entity_type="database")
        with tempfile.TemporaryDirectory() as tmpdir:
            dump = _extract(backup, manifest, Path(tmpdir))
            stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
            safety = paths.backups_dir() / f"postgres.pre-restore.{stamp}.pgdump"
            _pg_dump(url, safety)
            database.dispose()
            done = subprocess.run(
                [
                    tool,
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--no-owner",
                    f"--dbname={_libpq_url(url)}",
                    str(dump),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise DatabaseError(
                    "pg_restore failed; the database is unchanged (one transaction): "
                    + done.stderr.strip()[:500]
                )
    finally:
        database.dispose()
    database = open_database(url)
    try:
        facts = _pg_facts(database)
        checks = ["ok    " + ("audit trail intact" if facts["audit_ok"] else "AUDIT BROKEN")]
        with database.session() as s:
            audit.record(
                s,
                actor,
                "database.restore",
                entity_type="database",
                reason=f"from {backup.name} (sha256 {manifest['sha256']}); previous kept as "
                f"{safety.name}",
            )
    finally:
        database.dispose()
    shown = make_url(url).render_as_string(hide_password=True)
    return RestoreResult(shown, safety, manifest, tuple(checks))
