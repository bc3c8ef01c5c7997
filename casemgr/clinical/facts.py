"""Plain inputs of the readiness and signal engines, built by the database layer.

All datetimes are timezone-aware UTC. Calendar days (the injury date, "separate days",
"consecutive days") are taken in ``CaseFacts.timezone`` (IANA name, default "UTC"), the
clinic's local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from casemgr.clinical.clinic_days import zone

LIMBS = ("left", "right")
DECISIONS = ("cleared", "cleared_with_restrictions", "not_cleared")


@dataclass(frozen=True)
class MeasurePoint:
    """One result in the measure's canonical unit (daily feedback has ``limb`` None)."""

    key: str
    value: float
    measured_at: datetime  # aware UTC
    limb: str | None = None  # "left" / "right" / None
    is_baseline: bool = False
    entry_id: int | None = None
    source: str = "manual"


@dataclass(frozen=True)
class CheckPoint:
    """A clinician's pass/fail check, e.g. ``pain_free_single_leg_squat``."""

    check: str
    passed: bool
    recorded_at: datetime  # aware UTC
    entry_id: int | None = None


@dataclass(frozen=True)
class SessionPoint:
    """A logged training session (``full_training``: full, unrestricted team training)."""

    day: date
    session_type: str
    minutes: float
    srpe: float | None
    full_training: bool = False
    entry_id: int | None = None
    occurred_at: datetime | None = None  # aware UTC; None: only the clinic day is known


@dataclass(frozen=True)
class CaseFacts:
    """Everything the engines need about one case, as of ``as_of``.

    ``decision`` is the doctor's latest return-to-play decision: "cleared",
    "cleared_with_restrictions", "not_cleared" or None. ``timezone`` is the clinic's IANA
    zone (the database setting), used to turn timestamps into calendar days.
    """

    injured_side: str
    injury_date: date
    as_of: datetime
    measures: tuple[MeasurePoint, ...]
    checks: tuple[CheckPoint, ...] = ()
    sessions: tuple[SessionPoint, ...] = ()
    decision: str | None = None
    timezone: str = "UTC"
    muscle: str = ""  # the injured muscle (criteria may apply to some muscles only)
    phase_entered_at: datetime | None = None  # when the case entered its current phase
    #: every phase entry (phase key, when), oldest first: the start of a phase evaluated
    #: at another moment (a report's past phase, an advance in the history)
    phase_entries: tuple[tuple[str, datetime], ...] = ()

    @property
    def tzinfo(self) -> tzinfo:
        """The clinic's time zone (an unknown name is an error, never a silent UTC)."""
        return zone(self.timezone)

    @property
    def uninjured_side(self) -> str | None:
        """The other limb, or None when the injured side is not "left"/"right"."""
        if self.injured_side == "left":
            return "right"
        if self.injured_side == "right":
            return "left"
        return None
