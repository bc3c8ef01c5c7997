"""``casemgr users``: list, add, reset passwords (admins)."""

from __future__ import annotations

from casemgr.commands._common import login, new_password, open_db

ORDER = 30


def register(sub) -> None:
    users = sub.add_parser("users", help="manage users (admins)")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="add a user (password from CASEMGR_NEW_PASSWORD or prompt)")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["admin", "doctor", "physio", "coach", "scientist"]
    )
    add.add_argument("--name", default="", help="display name")
    usub.add_parser("list", help="list users")
    reset = usub.add_parser("reset-password", help="set a new password and unlock the account")
    reset.add_argument("username")
    users.set_defaults(handler=cmd_users)


def cmd_users(args) -> int:
    from casemgr.services import users

    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            if args.users_command == "list":
                rows = users.list_users(s, actor)
                print(f"{'user':<16} {'role':<10} {'active':<7} name")
                for u in rows:
                    print(
                        f"{u.username:<16} {u.role:<10} {'yes' if u.active else 'no':<7} "
                        f"{u.display_name}"
                    )
            elif args.users_command == "add":
                info = users.create_user(
                    s,
                    actor,
                    args.username,
                    args.name or args.username,
                    args.role,
                    new_password(f"Password for {args.username}: "),
                )
                print(f"Added {info.username} ({info.role}).")
            else:
                info = users.reset_password(
                    s, actor, args.username, new_password(f"New password for {args.username}: ")
                )
                print(f"New password set for {info.username}; the account is unlocked.")
    finally:
        database.dispose()
    return 0
