"""Log in, lockout and password handling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casemgr.db.base import utcnow
from casemgr.db.models import AuditEvent, User
from casemgr.errors import AuthenticationError, PermissionDenied, ValidationError
from casemgr.services import users
from tests.conftest import TEST_PASSWORD


def test_login_returns_the_actor_and_is_audited(clinic):
    with clinic.session() as s:
        actor = users.authenticate(s, "Doctor", TEST_PASSWORD)
    assert (actor.username, actor.role) == ("doctor", "doctor")
    with clinic.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.outcome, last.username) == ("login", "ok", "doctor")


def test_new_passwords_are_argon2id_and_never_stored_plain(clinic):
    with clinic.session() as s:
        users.create_user(
            s, clinic.actors["admin"], "newdoc", "New Doctor", "doctor", "a long secret"
        )
        stored = s.scalar(select(User.password_hash).where(User.username == "newdoc"))
    assert stored.startswith("$argon2id$")
    assert "a long secret" not in stored


def test_wrong_password_slows_then_locks_and_reset_unlocks(clinic):
    now = utcnow()
    for _attempt in range(1, 7):
        with pytest.raises(AuthenticationError), clinic.session() as s:
            users.authenticate(s, "coach", "wrong", now=now)
        now += timedelta(seconds=10)  # past the short back-off of the early attempts
    with pytest.raises(AuthenticationError, match="Try again in 15 minutes"), clinic.session() as s:
        users.authenticate(s, "coach", TEST_PASSWORD, now=now)
    with clinic.session() as s:
        failures = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.outcome == "failed")
        ).all()
    assert len(failures) == 7
    with clinic.session() as s:
        users.reset_password(s, clinic.actors["admin"], "coach", "brand new password")
    with clinic.session() as s:
        assert users.authenticate(s, "coach", "brand new password").role == "coach"


def test_third_failure_imposes_a_short_wait(clinic):
    now = utcnow()
    for _ in range(3):
        with pytest.raises(AuthenticationError), clinic.session() as s:
            users.authenticate(s, "physio", "nope", now=now)
    with pytest.raises(AuthenticationError, match="Try again in 2 seconds"), clinic.session() as s:
        users.authenticate(s, "physio", TEST_PASSWORD, now=now)
    with clinic.session() as s:
        assert users.authenticate(s, "physio", TEST_PASSWORD, now=now + timedelta(seconds=3))


def test_unknown_user_gets_the_same_message_as_a_wrong_password(clinic):
    with clinic.session() as s, pytest.raises(AuthenticationError) as unknown:
        users.authenticate(s, "nobody", "x")
    with clinic.session() as s, pytest.raises(AuthenticationError) as wrong:
        users.authenticate(s, "doctor", "x")
    assert str(unknown.value) == str(wrong.value) == "Wrong user name or password."


def test_outdated_hash_parameters_are_upgraded_on_login(clinic):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(TEST_PASSWORD)
    with clinic.session() as s:
        s.scalar(select(User).where(User.username == "scientist")).password_hash = weak
    with clinic.session() as s:
        users.authenticate(s, "scientist", TEST_PASSWORD)
    with clinic.session() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "scientist")) != weak


def test_only_admins_manage_users(clinic):
    with (
        pytest.raises(PermissionDenied, match="does not allow you to manage users"),
        clinic.session() as s,
    ):
        users.list_users(s, clinic.actors["doctor"])


def test_user_validation_messages(clinic):
    admin = clinic.actors["admin"]
    with pytest.raises(ValidationError, match="at least 8"), clinic.session() as s:
        users.create_user(s, admin, "shorty", "S", "coach", "abc")
    with pytest.raises(ValidationError, match="taken"), clinic.session() as s:
        users.create_user(s, admin, "doctor", "D", "doctor", "long enough")
    with pytest.raises(ValidationError, match="Unknown role"), clinic.session() as s:
        users.create_user(s, admin, "x1", "X", "nurse", "long enough")


def test_a_deactivated_account_cannot_log_in_and_admins_cannot_lock_themselves_out(clinic):
    admin = clinic.actors["admin"]
    with clinic.session() as s:
        users.set_active(s, admin, "coach", False)
    with pytest.raises(AuthenticationError, match="deactivated"), clinic.session() as s:
        users.authenticate(s, "coach", TEST_PASSWORD)
    with pytest.raises(ValidationError, match="your own account"), clinic.session() as s:
        users.set_active(s, admin, "admin", False)
    with clinic.session() as s:
        users.set_active(s, admin, "coach", True)
        assert users.authenticate(s, "coach", TEST_PASSWORD).role == "coach"
