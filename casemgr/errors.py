"""Typed domain errors. Each message is meant to be read by a clinician as it stands."""

from __future__ import annotations


class CaseMgrError(Exception):
    """Base of every error the app words for its users."""


class ValidationError(CaseMgrError):
    """Input that cannot be accepted (an impossible number, a missing field...)."""


class NotFoundError(CaseMgrError):
    """A record that does not exist (or is not visible to this user)."""


class PermissionDenied(CaseMgrError):
    """The user's role does not allow the action (the denial is audited)."""


class AuthenticationError(CaseMgrError):
    """Wrong user name or password, or a locked account."""


class ConflictError(CaseMgrError):
    """Someone else changed the record since it was loaded; nothing was overwritten."""


class ImmutableRecordError(CaseMgrError):
    """An attempt to change or delete a clinical record in place."""


class DatabaseError(CaseMgrError):
    """The database cannot be used (corrupt, foreign, newer, on a network share...)."""
