"""Errors of the clinical engine (catalogue, protocols, readiness).

Every message is meant to be read as it stands by a clinician or by the clinic's protocol
editor. ``ClinicalDataError`` is both a ``ValueError`` (bad data) and a
:class:`casemgr.errors.ValidationError`, so the CLI and the UI word it like any other
domain error.
"""

from __future__ import annotations

from casemgr.errors import ValidationError


class ClinicalDataError(ValidationError, ValueError):
    """Base of every clinical-engine data error."""


class UnknownMeasureError(ClinicalDataError):
    """A measure key that is not in the catalogue."""

    def __init__(self, message: str, key: str = "", suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
        self.suggestions = suggestions


class UnknownUnitError(ClinicalDataError):
    """A unit that the catalogue cannot convert to the measure's canonical unit."""


class ImplausibleValueError(ClinicalDataError):
    """A value outside the measure's plausible range (a typo or a unit mix-up)."""


class ProtocolError(ClinicalDataError):
    """A protocol file or dict that cannot be used; names the file and the field path."""

    def __init__(self, message: str, origin: str = "", path: str = "") -> None:
        super().__init__(message)
        self.origin = origin
        self.path = path
