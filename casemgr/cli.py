"""The ``casemgr`` command line (contract in SPEC.md). Never imports Qt.

Global options: ``--db URL_OR_PATH`` (or ``CASEMGR_DB``), ``--user NAME`` (or
``CASEMGR_USER``) with the password from ``CASEMGR_PASSWORD`` or a prompt. Errors go to
stderr with a non-zero exit status; nothing is half-written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence

from casemgr import __version__
from casemgr.errors import CaseMgrError, ValidationError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="casemgr",
        description="Case manager for return to sprinting after hamstring and calf injury. "
        "Without a command it opens the desktop app.",
    )
    p.add_argument("--version", action="version", version=f"casemgr {__version__}")
    p.add_argument(
        "--db", help="database file or URL (default: CASEMGR_DB or the workstation's database)"
    )
    p.add_argument(
        "--user",
        help="act as this user (default: CASEMGR_USER); password from CASEMGR_PASSWORD or a prompt",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help="create an empty database and its first admin")
    init.add_argument("--admin", default="admin", help="user name of the first admin")
    init.add_argument("--name", default="Administrator", help="display name of the first admin")

    demo = sub.add_parser("demo", help="create the demo clinic")
    demo.add_argument("--force", action="store_true", help="replace an existing database")
    demo.add_argument(
        "--if-missing", action="store_true", help="do nothing if the database exists already"
    )

    sub.add_parser("verify", help="check database integrity and the audit trail")

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

    rd = sub.add_parser("readiness", help="exit-criteria evaluation of a case's current phase")
    rd.add_argument("case_id", type=int)
    rd.add_argument("--json", action="store_true")

    sp = sub.add_parser("sprint-profile", help="force-velocity profile from split times")
    sp.add_argument("--splits", required=True, help="distance:time pairs, e.g. 5:1.20,10:1.95")
    sp.add_argument("--mass", type=float, required=True, help="body mass in kg")
    sp.add_argument("--height", type=float, required=True, help="height in m")
    sp.add_argument(
        "--correction",
        default="none",
        choices=["none", "time_shift", "tc", "fd", "fd_fixed"],
        help=(
            "start correction: none; time_shift (fixed shift added to every time); "
            "tc (estimated time correction); fd (estimated flying distance); "
            "fd_fixed (flying distance fixed at --flying-distance)"
        ),
    )
    sp.add_argument(
        "--time-shift", type=float, default=0.3, help="s added to every time (time_shift)"
    )
    sp.add_argument(
        "--flying-distance", type=float, default=0.5, help="fixed flying distance in m (fd_fixed)"
    )
    sp.add_argument("--json", action="store_true", help="print the profile as JSON")
    return p


# -- helpers -----------------------------------------------------------------------------


def _open(args, *, create: bool = False):
    from casemgr.db.open import open_database

    return open_database(args.db, create=create)


def _new_password(prompt: str) -> str:
    env = os.environ.get("CASEMGR_NEW_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise ValidationError("No password given: set CASEMGR_NEW_PASSWORD or run interactively.")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise ValidationError("The two passwords differ.")
    return first


def _login(args, database):
    from casemgr.services.users import authenticate

    username = args.user or os.environ.get("CASEMGR_USER")
    if not username:
        raise ValidationError("Say who you are: --user NAME or CASEMGR_USER.")
    password = os.environ.get("CASEMGR_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise ValidationError("No password: set CASEMGR_PASSWORD or run interactively.")
        password = getpass.getpass(f"Password for {username}: ")
    with database.session() as s:
        return authenticate(s, username, password)


# -- commands -----------------------------------------------------------------------------


def cmd_init(args) -> int:
    from casemgr.db.engine import resolve_url, sqlite_path
    from casemgr.services.protocols import install_default_protocols
    from casemgr.services.users import create_first_admin, user_count

    path = sqlite_path(resolve_url(args.db))
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise ValidationError(f"{path} exists already; init only creates new databases.")
    password = os.environ.get("CASEMGR_PASSWORD") or _new_password(
        f"Password for the first admin '{args.admin}': "
    )
    database = _open(args, create=True)
    try:
        with database.session() as s:
            if user_count(s):
                raise ValidationError("This database already has users.")
            admin = create_first_admin(s, args.admin, args.name, password)
            from casemgr.permissions import Actor

            install_default_protocols(s, Actor(admin.id, admin.username, admin.role))
        print(
            f"Created an empty clinic database at {database.describe()} "
            f"with the admin '{admin.username}'."
        )
    finally:
        database.dispose()
    return EXIT_OK


def cmd_demo(args) -> int:
    from casemgr.demo import create_demo_database

    started = time.perf_counter()
    result = create_demo_database(args.db, force=args.force, if_missing=args.if_missing)
    if result is None:
        print("The demo clinic exists already.")
        return EXIT_OK
    print(
        f"Created the demo clinic at {result.where} in {time.perf_counter() - started:.1f} s: "
        f"{result.athletes} athletes, {result.cases} cases, {result.entries} timeline entries, "
        f"{result.measures} measures. Users admin, doctor, physio, coach, scientist "
        "(password: demo)."
    )
    return EXIT_OK


def cmd_verify(args) -> int:
    from casemgr.verify import verify_database

    report = verify_database(args.db)
    for line in report.lines:
        print(line)
    if not report.ok:
        print("casemgr: verification FAILED: " + report.problem, file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_users(args) -> int:
    from casemgr.services import users

    database = _open(args)
    try:
        actor = _login(args, database)
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
                    _new_password(f"Password for {args.username}: "),
                )
                print(f"Added {info.username} ({info.role}).")
            else:
                info = users.reset_password(
                    s, actor, args.username, _new_password(f"New password for {args.username}: ")
                )
                print(f"New password set for {info.username}; the account is unlocked.")
    finally:
        database.dispose()
    return EXIT_OK


def cmd_sprint_profile(args) -> int:
    from casemgr.clinical.sprint import fit_sprint_profile, parse_splits

    distances, times = parse_splits(args.splits)
    profile = fit_sprint_profile(
        distances,
        times,
        mass_kg=args.mass,
        height_m=args.height,
        correction=args.correction,
        time_shift=args.time_shift,
        flying_distance=args.flying_distance,
    )
    if args.json:
        print(json.dumps(profile.as_dict(), indent=2))
        return EXIT_OK
    rows = [
        ("MSS (max sprint speed)", f"{profile.mss:.3f} m/s"),
        ("MAC (max acceleration)", f"{profile.mac:.3f} m/s²"),
        ("tau", f"{profile.tau:.3f} s"),
        ("F0", f"{profile.f0:.1f} N ({profile.f0_rel:.2f} N/kg)"),
        ("V0", f"{profile.v0:.3f} m/s"),
        ("Pmax", f"{profile.pmax:.1f} W ({profile.pmax_rel:.2f} W/kg)"),
        ("FV slope", f"{profile.fv_slope:.3f}"),
        ("fit RMSE", f"{profile.rmse * 1000:.1f} ms"),
    ]
    if profile.time_shift is not None:
        rows.append(("time shift", f"{profile.time_shift:+.3f} s"))
    if profile.tc is not None:
        rows.append(("time correction (TC)", f"{profile.tc:+.3f} s (estimated)"))
    if profile.fd is not None:
        how = "fixed" if profile.correction == "fd_fixed" else "estimated"
        rows.append(("flying distance (FD)", f"{profile.fd:.3f} m ({how})"))
    for label, value in rows:
        print(f"{label:<24} {value}")
    return EXIT_OK


def cmd_readiness(args) -> int:
    from casemgr.services.readiness import evaluate_case

    database = _open(args)
    try:
        actor = _login(args, database)
        with database.session() as s:
            result = evaluate_case(s, actor, args.case_id)
    finally:
        database.dispose()
    ev = result.evaluation
    if args.json:
        payload = {
            "case_id": result.case_id,
            "phase": result.phase_ordinal,
            "phase_name": result.phase_name,
            **ev.to_dict(),
            "signals": [
                {"kind": g.kind, "message": g.message, "entries": list(g.triggered_by)}
                for g in result.signals
            ],
        }
        print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
        return EXIT_OK
    print(f"Case {result.case_id}, phase {result.phase_ordinal}: {result.phase_name}")
    print(ev.summary)
    for r in ev.results:
        kind = "" if r.required else " (advisory)"
        conv = " [convention]" if r.convention else ""
        print(f"  [{r.status.upper():7}] {r.label}{kind}{conv}")
        print(f"            {r.explanation}")
    for g in result.signals:
        print(f"  suggestion ({g.kind.replace('_', ' ')}): {g.message}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "demo": cmd_demo,
    "verify": cmd_verify,
    "users": cmd_users,
    "sprint-profile": cmd_sprint_profile,
    "readiness": cmd_readiness,
}


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless command, wording every expected failure."""
    from casemgr.logsetup import configure_logging

    configure_logging()
    try:
        return COMMANDS[args.command](args)
    except (CaseMgrError, ValueError) as exc:
        print(f"casemgr: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("casemgr: interrupted; nothing was written.", file=sys.stderr)
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Headless entry point (``python -m casemgr``): a command is required."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("a command is required here; run 'casemgr' to open the app")
    return run(args)
