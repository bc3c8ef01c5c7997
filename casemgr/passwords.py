"""Password hashing with argon2id (argon2-cffi defaults) and the login back-off policy."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current defaults

MIN_LENGTH = 8
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def backoff_after(failures: int) -> timedelta:
    """How long logins are refused after *failures* consecutive failures.

    No wait for the first two; then 2, 4 and 8 seconds; from the sixth failure the
    account is locked for 15 minutes (an admin's password reset unlocks it).
    """
    if failures < 3:
        return timedelta(0)
    if failures < 6:
        return timedelta(seconds=2 ** (failures - 2))
    return LOCKOUT
