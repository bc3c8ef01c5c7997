"""Frozen data that crosses from the services to the UI, reports and CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casemgr.clinical.overrides import UnmetCriterion, decision_text
from casemgr.vocab import DECISION_LABELS


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
        """Day N since the injury; *today* is the clinic's calendar day (its zone), never
        the workstation's or UTC's."""
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
    unmet: tuple[UnmetCriterion, ...] = ()  # required exit criteria unmet when decided
    override_reason: str = ""
    phase_stated: tuple[int, int] | None = None  # (ordinal, count) if before the final phases

    @property
    def text(self) -> str:
        """``"Cleared with 1 exit criterion unmet: Max velocity ≥ 95% of baseline (93.7%)"``."""
        return decision_text(
            DECISION_LABELS.get(self.decision, self.decision), self.unmet, self.phase_stated
        )


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


@dataclass(frozen=True)
class SuggestionAnswerInfo:
    """A person's answer to step-back/pause suggestions: ``answer`` is "step_back",
    "pause" (until ``pause_until``) or "continue" (seen, continue)."""

    id: int
    case_id: int
    entry_id: int
    answer: str
    signal_keys: tuple[str, ...]
    triggered_by: tuple[int, ...]
    reason: str
    pause_until: datetime | None
    answered_at: datetime
    answered_by_name: str
    answered_by_role: str
    pause_until_day: date | None = None  # the clinic day the pause ends (as it starts)
    suggestions: tuple[tuple[str, str], ...] = ()  # (key, message) as the person saw them

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "by": self.answered_by_name,
            "role": self.answered_by_role,
            "at": self.answered_at.isoformat(),
            "reason": self.reason,
            "pause_until": self.pause_until.isoformat() if self.pause_until else None,
            "pause_until_day": self.pause_until_day.isoformat() if self.pause_until_day else None,
            "entry": self.entry_id,
        }
