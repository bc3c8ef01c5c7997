"""Users: log in, manage accounts, reset passwords."""

from __future__ import annotations

import math
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casemgr import audit, passwords
from casemgr.db.base import utcnow
from casemgr.db.models import User
from casemgr.errors import AuthenticationError, NotFoundError, ValidationError
from casemgr.permissions import Action, Actor, Role
from casemgr.services.base import check_version, require
from casemgr.services.dto import UserInfo
from casemgr.text import clean_line

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        locked_until=user.locked_until,
        failed_logins=user.failed_logins,
        version=user.version,
    )


def _check_password(password: str) -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise ValidationError(f"The password must have at least {passwords.MIN_LENGTH} characters.")


def _validate_new(session: Session, username: str, role: str) -> str:
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise ValidationError(
            "A user name is 2-64 characters: lower-case letters, digits, '.', '_' or '-'."
        )
    if role not in {r.value for r in Role}:
        raise ValidationError(
            f"Unknown role '{role}'; choose one of {', '.join(r.value for r in Role)}."
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError(f"The user name '{username}' is taken.")
    return username


def insert_user(
    session: Session, username: str, display_name: str, role: str, password: str
) -> User:
    """Create a user row without permission checks (first admin, demo clinic)."""
    username = _validate_new(session, username, role)
    user = User(
        username=username,
        display_name=clean_line(display_name or username, "Display name"),
        role=role,
        password_hash=passwords.hash_password(password),
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def user_count(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def create_first_admin(
    session: Session, username: str, display_name: str, password: str
) -> UserInfo:
    """The first admin of an empty database (``casemgr init``)."""
    if user_count(session):
        raise ValidationError("This database already has users; log in as an admin to add more.")
    _check_password(password)
    user = insert_user(session, username, display_name, Role.ADMIN, password)
    audit.record(
        session,
        Actor(user.id, user.username, user.role, user.display_name),
        "user.create",
        entity_type="user",
        entity_id=user.id,
        reason="first admin",
    )
    return _info(user)


def create_user(
    session: Session, actor: Actor, username: str, display_name: str, role: str, password: str
) -> UserInfo:
    require(session, actor, Action.MANAGE_USERS, entity_type="user")
    _check_password(password)
    user = insert_user(session, username, display_name, role, password)
    audit.record(
        session, actor, "user.create", entity_type="user", entity_id=user.id, reason=f"role {role}"
    )
    return _info(user)


def list_users(session: Session, actor: Actor) -> list[UserInfo]:
    require(session, actor, Action.MANAGE_USERS, entity_type="user")
    return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def _by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise NotFoundError(f"There is no user '{username}'.")
    return user


def reset_password(
    session: Session,
    actor: Actor,
    username: str,
    new_password: str,
    expected_version: int | None = None,
) -> UserInfo:
    """Set a new password; clears failed-login counters and any lockout."""
    require(session, actor, Action.MANAGE_USERS, entity_type="user")
    _check_password(new_password)
    user = _by_name(session, username)
    check_version(user, expected_version, f"The account '{user.username}'")
    user.password_hash = passwords.hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(session, actor, "user.reset_password", entity_type="user", entity_id=user.id)
    return _info(user)


def set_active(session: Session, actor: Actor, username: str, active: bool) -> UserInfo:
    require(session, actor, Action.MANAGE_USERS, entity_type="user")
    user = _by_name(session, username)
    if user.id == actor.user_id:
        raise ValidationError("You cannot deactivate your own account.")
    user.active = active
    session.flush()
    audit.record(
        session,
        actor,
        "user.activate" if active else "user.deactivate",
        entity_type="user",
        entity_id=user.id,
    )
    return _info(user)


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    workstation: str | None = None,
) -> Actor:
    """Check a user name and password; returns the ``Actor`` to act as.

    Failures are counted, audited and committed even though the caller's action fails;
    repeated failures make the account wait, then lock it (``passwords.backoff_after``).
    The message never says whether the user name exists.
    """
    now = now or utcnow()
    name = (username or "").strip().lower()
    user = session.scalar(select(User).where(User.username == name))

    def fail(reason: str, message: str, role: str = "") -> AuthenticationError:
        probe = Actor(user.id if user else None, name or "?", role or "admin")
        kwargs = {"workstation": workstation} if workstation else {}
        if kwargs:
            probe = Actor(probe.user_id, probe.username, probe.role, **kwargs)
        audit.record(
            session,
            probe,
            "login",
            entity_type="user",
            entity_id=user.id if user else "",
            outcome="failed",
            reason=reason,
        )
        session.commit()
        return AuthenticationError(message)

    generic = "Wrong user name or password."
    if user is None:
        raise fail("unknown user", generic)
    if not user.active:
        raise fail("account deactivated", "This account is deactivated; ask an admin.", user.role)
    if user.locked_until is not None and user.locked_until > now:
        wait = math.ceil((user.locked_until - now).total_seconds())
        when = f"{wait} seconds" if wait < 120 else f"{wait // 60 + 1} minutes"
        raise fail(
            "locked",
            f"Too many failed attempts. Try again in {when}, or ask an admin "
            "to reset the password.",
            user.role,
        )
    if not passwords.verify_password(user.password_hash, password or ""):
        user.failed_logins += 1
        delay = passwords.backoff_after(user.failed_logins)
        user.locked_until = now + delay if delay else None
        raise fail(f"wrong password ({user.failed_logins} in a row)", generic, user.role)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    actor = Actor(user.id, user.username, user.role, user.display_name)
    if workstation:
        actor = Actor(user.id, user.username, user.role, user.display_name, workstation)
    audit.record(session, actor, "login", entity_type="user", entity_id=user.id)
    session.commit()
    return actor
