"""``casemgr settings``: show the clinic settings, or set one (admins)."""

from __future__ import annotations

import json

from casemgr.commands._common import login, open_db

ORDER = 35


def register(sub) -> None:
    settings = sub.add_parser("settings", help="show or change the clinic settings")
    ssub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = ssub.add_parser("show", help="print the clinic settings")
    show.add_argument("--json", action="store_true")
    put = ssub.add_parser("set", help="change a setting (admins), e.g. set timezone Europe/London")
    put.add_argument("name", choices=["timezone"])
    put.add_argument("value")
    settings.set_defaults(handler=cmd_settings)


def cmd_settings(args) -> int:
    from casemgr.services import settings

    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            if args.settings_command == "set":
                current = settings.set_setting(s, actor, args.name, args.value)
                print(f"{args.name} = {getattr(current, args.name)}")
                return 0
            current = settings.get_settings(s)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(current.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"timezone     {current.timezone}")
        if current.clinic_name:
            print(f"clinic name  {current.clinic_name}")
    return 0
