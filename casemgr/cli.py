"""The ``casemgr`` command line (contract in SPEC.md). Never imports Qt.

Global options: ``--db URL_OR_PATH`` (or ``CASEMGR_DB``), ``--user NAME`` (or
``CASEMGR_USER``) with the password from ``CASEMGR_PASSWORD`` or a prompt. Errors go to
stderr with a non-zero exit status; nothing is half-written. The commands themselves
live in ``casemgr.commands``, one module per command group.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from casemgr import __version__
from casemgr.commands import command_modules
from casemgr.errors import CaseMgrError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR = 0, 1


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
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check, headless, that this installation works (database, demo, report, window)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(sub)
    return p


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless command, wording every expected failure."""
    from sqlalchemy.exc import DBAPIError

    from casemgr.db.engine import wrap_db_error
    from casemgr.logsetup import configure_logging

    configure_logging()
    try:
        return args.handler(args)
    except (CaseMgrError, ValueError) as exc:
        print(f"casemgr: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except DBAPIError as exc:  # a full disk, a read-only file, a lost server...
        log.warning("Database error in %s: %s", args.command, getattr(exc, "orig", exc))
        print(f"casemgr: {wrap_db_error(exc, _where(args))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"casemgr: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("casemgr: interrupted; nothing was written.", file=sys.stderr)
        return EXIT_ERROR


def _where(args: argparse.Namespace) -> str:
    """The database named on the command line, for messages (no password)."""
    from sqlalchemy.engine import make_url

    from casemgr.db.engine import resolve_url, sqlite_path

    url = resolve_url(getattr(args, "db", None))
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Headless entry point (``python -m casemgr``): a command is required."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test or args.command is None:
        parser.error("a command is required here; run 'casemgr' to open the app or self-test")
    return run(args)
