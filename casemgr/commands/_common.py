"""Helpers shared by the subcommands: opening the database, logging in, passwords."""

from __future__ import annotations

import getpass
import os
import sys

from casemgr.errors import ValidationError


def open_db(args, *, create: bool = False):
    """The database named by ``--db`` / ``CASEMGR_DB`` (migrated)."""
    from casemgr.db.open import open_database

    return open_database(args.db, create=create)


def new_password(prompt: str) -> str:
    """A new password from ``CASEMGR_NEW_PASSWORD`` or typed twice at a prompt."""
    env = os.environ.get("CASEMGR_NEW_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise ValidationError("No password given: set CASEMGR_NEW_PASSWORD or run interactively.")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise ValidationError("The two passwords differ.")
    return first


def login(args, database):
    """Authenticate ``--user`` / ``CASEMGR_USER`` with ``CASEMGR_PASSWORD`` or a prompt."""
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
