"""``casemgr init`` and ``casemgr demo``: create a clinic database."""

from __future__ import annotations

import os
import time

from casemgr.commands._common import new_password, open_db
from casemgr.errors import ValidationError

ORDER = 10


def register(sub) -> None:
    init = sub.add_parser("init", help="create an empty database and its first admin")
    init.add_argument("--admin", default="admin", help="user name of the first admin")
    init.add_argument("--name", default="Administrator", help="display name of the first admin")
    init.set_defaults(handler=cmd_init)

    demo = sub.add_parser("demo", help="create the demo clinic")
    demo.add_argument("--force", action="store_true", help="replace an existing database")
    demo.add_argument(
        "--if-missing", action="store_true", help="do nothing if the database exists already"
    )
    demo.set_defaults(handler=cmd_demo)


def cmd_init(args) -> int:
    from casemgr.clinical.clinic_days import workstation_zone_name
    from casemgr.db.engine import resolve_url, sqlite_path
    from casemgr.services.protocols import install_default_protocols
    from casemgr.services.settings import init_zone
    from casemgr.services.users import create_first_admin, user_count

    path = sqlite_path(resolve_url(args.db))
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise ValidationError(f"{path} exists already; init only creates new databases.")
    password = os.environ.get("CASEMGR_PASSWORD") or new_password(
        f"Password for the first admin '{args.admin}': "
    )
    database = open_db(args, create=True)
    try:
        with database.session() as s:
            if user_count(s):
                raise ValidationError("This database already has users.")
            admin = create_first_admin(s, args.admin, args.name, password)
            from casemgr.permissions import Actor

            install_default_protocols(s, Actor(admin.id, admin.username, admin.role))
            init_zone(s, workstation_zone_name())
        print(
            f"Created an empty clinic database at {database.describe()} "
            f"with the admin '{admin.username}'."
        )
    finally:
        database.dispose()
    return 0


def cmd_demo(args) -> int:
    from casemgr.demo import create_demo_database

    started = time.perf_counter()
    result = create_demo_database(args.db, force=args.force, if_missing=args.if_missing)
    if result is None:
        print("The demo clinic exists already.")
        return 0
    print(
        f"Created the demo clinic at {result.where} in {time.perf_counter() - started:.1f} s: "
        f"{result.athletes} athletes, {result.cases} cases, {result.entries} timeline entries, "
        f"{result.measures} measures. Users admin, doctor, physio, coach, scientist "
        "(password: demo)."
    )
    return 0
