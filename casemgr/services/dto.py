"""Frozen data that crosses from the services to the UI, reports and CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: datetime | None
    failed_logins: int
    version: int


@dataclass(frozen=True)
class AthleteInfo:
    id: int
    full_name: str
    external_id: str | None
    date_of_birth: date | None
    sport: str
    position: str
    dominant_limb: str | None
    body_mass_kg: float | None
    height_m: float | None
    version: int


@dataclass(frozen=True)
class PhaseInfo:
    id: int
    ordinal: int
    key: str
    name: str


@dataclass(frozen=True)
class CaseInfo:
    id: int
    athlete_id: int
    athlete_name: str
    region: str
    side: str
    muscle: str
    classification: str
    grade: str
    site: str
    mechanism: str
    injury_date: date
    recurrence_of_id: int | None
    imaging_note: str
    status: str
    protocol_id: int
    protocol_key: str
    protocol_name: str
    protocol_version: int
    phase: PhaseInfo
    phase_count: int
    phase_entered_at: datetime
    opened_at: datetime
    version: int

    @property
    def grade_label(self) -> str:
        return f"{self.grade}{self.site}" if self.grade else ""

    def days_since_injury(self, today: date) -> int:
        return (today - self.injury_date).days


@dataclass(frozen=True)
class CaseRow:
    """One line of the athletes-and-cases list."""

    case_id: int
    athlete_id: int
    athlete_name: str
    external_id: str | None
    sport: str
    region: str
    side: str
    muscle: str
    grade: str
    status: str
    phase_ordinal: int
    phase_count: int
    phase_name: str
    injury_date: date
    open_flags: int
    last_entry_at: datetime | None


@dataclass(frozen=True)
class EntryInfo:
    id: int
    case_id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    author_id: int
    author_name: str
    discipline: str
    title: str
    body: str
    data: dict[str, Any]
    status: str
    supersedes_id: int | None
    amend_reason: str
    voided_at: datetime | None
    void_reason: str
    version: int
    voided_by_name: str = ""


@dataclass(frozen=True)
class MeasureInfo:
    id: int
    athlete_id: int
    case_id: int | None
    entry_id: int | None
    key: str
    limb: str | None
    value: float
    measured_at: datetime
    is_baseline: bool
    source: str


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    case_id: int
    decision: str
    restrictions: str
    monitoring_plan: str
    decided_at: datetime
    doctor_name: str
    fingerprint: str


@dataclass(frozen=True)
class TargetInfo:
    id: int
    case_id: int
    week_start: date
    text: str
    discipline: str
    met: bool | None
    version: int
    measure: str | None = None  # measurable targets: "<measure> <comparator> <threshold>"
    limb: str = ""
    aggregation: str = ""
    comparator: str = ""
    threshold: float | None = None

    @property
    def measurable(self) -> bool:
        return self.measure is not None


@dataclass(frozen=True)
class PlannedSessionInfo:
    id: int
    case_id: int
    planned_date: date
    session_type: str
    description: str
    surface: str
    intensity_pct: float | None
    status: str
    version: int


@dataclass(frozen=True)
class MeasureValue:
    """Input: one value to record (``limb`` None for measures that are not per limb)."""

    key: str
    value: float
    limb: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Page:
    items: tuple
    total: int
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
