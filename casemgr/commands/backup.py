"""``casemgr backup OUT`` and ``casemgr restore IN``: verified backup and restore."""

from __future__ import annotations

from pathlib import Path

from casemgr.commands._common import login, open_db

ORDER = 70


def register(sub) -> None:
    bk = sub.add_parser("backup", help="write a verified backup of the database (admins)")
    bk.add_argument("out", type=Path, help="the backup file to write (a zip with a manifest)")
    bk.add_argument("--force", action="store_true", help="replace OUT if it exists")
    bk.set_defaults(handler=cmd_backup)
    rs = sub.add_parser(
        "restore", help="validate a backup and swap it in, keeping a safety copy (admins)"
    )
    rs.add_argument("backup", type=Path)
    rs.set_defaults(handler=cmd_restore)


def cmd_backup(args) -> int:
    from casemgr.services.backup import backup_database

    database = open_db(args)
    try:
        actor = login(args, database)
        result = backup_database(database, actor, args.out, force=args.force)
    finally:
        database.dispose()
    m = result.manifest
    counts = m["row_counts"]
    print(
        f"Backup written to {result.path}: {counts.get('athletes', 0)} athletes, "
        f"{counts.get('cases', 0)} cases, {counts.get('measures', 0)} measures, "
        f"{m['audit_head']['events']} audit events (chain "
        f"{'intact' if m['audit_chain_ok'] else 'BROKEN'}), sha256 {m['sha256'][:16]}..."
    )
    return 0


def cmd_restore(args) -> int:
    from casemgr.services.backup import restore_database

    result = restore_database(args.db, args.backup, lambda database: login(args, database))
    for line in result.checks:
        print(line)
    if result.safety_copy:
        print(f"The previous database was kept as {result.safety_copy}")
    print(
        f"Restored {result.target} from {args.backup.name} (made "
        f"{result.manifest.get('created_at')} by {result.manifest.get('created_by')})."
    )
    return 0
