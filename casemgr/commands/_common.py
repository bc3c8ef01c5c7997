"""Helpers shared by the subcommands: opening the database, logging in, passwords."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date

from casemgr.errors import ValidationError

MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) store


def record_id(text: str) -> int:
    """An argparse type: a record id (a whole number that a database can hold)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an id (a whole number).") from None
    if abs(value) > MAX_ID:  # past what a database can compare with
        raise argparse.ArgumentTypeError(f"there is no record with the id {text}.")
    return value


def iso_day(text: str) -> date:
    """An argparse type: a day written YYYY-MM-DD that exists."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date (YYYY-MM-DD, a day that exists)."
        ) from None


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
