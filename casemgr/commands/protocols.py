"""``casemgr protocols``: list, export and import progression protocols (as a logged-in user)."""

from __future__ import annotations

from pathlib import Path

from casemgr.commands._common import login, open_db, record_id

ORDER = 45


def register(sub) -> None:
    pr = sub.add_parser("protocols", help="list, export or import progression protocols")
    psub = pr.add_subparsers(dest="protocols_command", metavar="ACTION", required=True)
    psub.add_parser("list", help="every stored protocol version")
    ex = psub.add_parser("export", help="write a protocol version as TOML")
    ex.add_argument("protocol_id", type=record_id, metavar="ID")
    ex.add_argument("-o", "--output", required=True, metavar="FILE.toml")
    im = psub.add_parser("import", help="import a protocol TOML file as a new version")
    im.add_argument("file", metavar="FILE.toml")
    pr.set_defaults(handler=cmd_protocols)


def cmd_protocols(args) -> int:
    from casemgr.services import protocols

    text = None
    if args.protocols_command == "import":
        text = Path(args.file).read_text(encoding="utf-8-sig")
    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            if args.protocols_command == "list":
                rows = protocols.list_protocols(s, actor)
                print(f"{'id':>4}  {'key':<20} {'ver':>3}  {'region':<10} {'kind':<9} name")
                for p in rows:
                    kind = "built-in" if p.builtin else "clinic"
                    mark = "" if p.latest else "  (older version)"
                    print(
                        f"{p.id:>4}  {p.key:<20} {p.version:>3}  {p.region:<10} {kind:<9} "
                        f"{p.name} ({len(p.phase_names)} phases){mark}"
                    )
                return 0
            if args.protocols_command == "export":
                toml = protocols.export_protocol_toml(s, actor, args.protocol_id)
                # written before the commit: a file that cannot be written logs no export
                Path(args.output).write_text(toml, encoding="utf-8")
            else:
                info = protocols.import_protocol_toml(s, actor, text, Path(args.file).name)
    finally:
        database.dispose()
    if args.protocols_command == "export":
        print(f"Wrote protocol {args.protocol_id} to {args.output}.")
    else:
        print(
            f"Imported {info.name} as {info.key} v{info.version} (protocol id {info.id}, "
            f"{len(info.phase_names)} phases)."
        )
    return 0
