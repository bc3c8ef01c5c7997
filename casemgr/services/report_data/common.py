"""The plain data and helpers shared by every document: page context, case header, chart
series, criteria rows, notes, decision and targets, with the integrity seal and audit log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.overrides import UnmetCriterion, decision_text
from casemgr.db.base import utcnow
from casemgr.db.models import AppMeta, InjuryCase, User, WeeklyTarget
from casemgr.permissions import ROLE_LABELS, Action, Actor, Role
from casemgr.services.base import load_case, require
from casemgr.services.decisions import fingerprint
from casemgr.services.dto import AthleteInfo, CaseInfo
from casemgr.services.settings import clinic_zone_name

KINDS = ("rtp", "review", "weekly")
KIND_TITLES = {
    "rtp": "Return-to-play report",
    "review": "Case-review summary",
    "weekly": "Weekly progress sheet",
}
DEFAULT_CLINIC_NAME = "casemgr"


# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """Who made the document, where and when (the page header and footer). ``timezone``
    is the clinic's IANA zone: every date and time of the document is printed in it."""

    clinic_name: str
    generated_at: datetime
    generated_by: str
    generated_role: str
    audit_head_id: int
    audit_head: str
    timezone: str


@dataclass(frozen=True)
class SeriesData:
    """One line of a chart: (x, y) points; x in days from the chart's origin."""

    label: str
    role: str  # "injured" | "uninjured" | "single" | "pain" | "soreness"
    points: tuple[tuple[float, float], ...]
    baseline: float | None = None


@dataclass(frozen=True)
class PhaseSpan:
    ordinal: int
    start: float
    end: float


@dataclass(frozen=True)
class ChartData:
    key: str
    title: str
    unit: str
    decimals: int
    series: tuple[SeriesData, ...]
    x_origin: date
    x_label: str = "days since injury"
    x_dates: bool = False  # tick labels as dates instead of day numbers
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    band: tuple[float, float] | None = None
    band_text: str = ""
    phases: tuple[PhaseSpan, ...] = ()
    caption: str = ""

    @property
    def has_data(self) -> bool:
        return any(s.points for s in self.series)


@dataclass(frozen=True)
class PhaseStint:
    ordinal: int
    name: str
    entered: datetime
    left: datetime | None
    days: float
    how: str  # "opened" | "advanced" | "stepped back"
    reason: str
    by: str
    unmet: tuple[UnmetCriterion, ...] = ()  # an advance made with these criteria unmet
    override_reason: str = ""

    @property
    def step_back(self) -> bool:
        return self.how == "stepped back"


@dataclass(frozen=True)
class CriterionRow:
    label: str
    status: str  # pass | fail | missing | stale
    value: str
    reference: str
    target: str
    source: str
    explanation: str
    required: bool
    convention: bool


@dataclass(frozen=True)
class CriteriaBlock:
    phase_ordinal: int
    phase_name: str
    as_of: datetime
    when: str
    verdict: str
    summary: str
    rows: tuple[CriterionRow, ...]
    conventions: tuple[str, ...] = ()  # how the block's measures are measured ("AKE: ...")


@dataclass(frozen=True)
class NoteItem:
    entry_id: int
    occurred_at: datetime
    author: str
    title: str
    body: str
    omitted: int  # characters not printed
    soap: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DecisionData:
    decision: str
    label: str
    restrictions: str
    monitoring_plan: str
    decided_at: datetime
    doctor_name: str
    fingerprint: str
    unmet: tuple[UnmetCriterion, ...] = ()  # required exit criteria unmet when decided
    override_reason: str = ""
    phase_stated: tuple[int, int] | None = None  # (ordinal, count) before the final phases

    @property
    def text(self) -> str:
        """``"Cleared with 1 exit criterion unmet: Max velocity ≥ 95% of baseline (93.7%)"``."""
        return decision_text(self.label, self.unmet, self.phase_stated)


@dataclass(frozen=True)
class TargetItem:
    text: str
    discipline: str
    met: bool | None


@dataclass(frozen=True)
class CaseHeader:
    """Athlete and injury, shared by every document."""

    athlete: AthleteInfo
    case: CaseInfo
    history_note: str
    day_no: int
    expected: str  # "day 12 of an expected 11-33 days (Ekstrand 2012)"
    phase_count: int
    days_in_phase: int
    expected_references: tuple[str, ...] = ()  # full references of the expected window


# --- context ------------------------------------------------------------------------------


def _context(session: Session, actor: Actor) -> ReportContext:
    clinic = session.scalar(select(AppMeta.value).where(AppMeta.key == "clinic_name"))
    name = actor.display_name or (
        session.scalar(select(User.display_name).where(User.id == actor.user_id))
        if actor.user_id
        else ""
    )
    head_id, head_hash = audit.head(session)
    return ReportContext(
        clinic_name=clinic or DEFAULT_CLINIC_NAME,
        generated_at=utcnow(),
        generated_by=name or actor.username,
        generated_role=ROLE_LABELS[Role(actor.role)],
        audit_head_id=head_id,
        audit_head=head_hash,
        timezone=clinic_zone_name(session),
    )


def _sealed(data):
    """*data* with its integrity fingerprint (SHA-256 of the data and the audit head)."""
    payload = dataclasses.asdict(dataclasses.replace(data, fingerprint=""))
    return dataclasses.replace(data, fingerprint=fingerprint(payload))


def log_report(
    session: Session, actor: Actor, kind: str, case_ids: Sequence[int], *, printed: bool = False
) -> None:
    """Audit that a document was exported (or printed): one event per case, in the
    caller's transaction."""
    require(session, actor, Action.REPORT, entity_type="case")
    action = "report.print" if printed else "report.export"
    for case_id in case_ids:
        athlete_id = session.scalar(select(InjuryCase.athlete_id).where(InjuryCase.id == case_id))
        audit.record(
            session,
            actor,
            action,
            entity_type="case",
            entity_id=case_id,
            athlete_id=athlete_id,
            reason=kind,
        )


def _case_for_report(session: Session, actor: Actor, case_id: int) -> InjuryCase:
    return load_case(session, actor, case_id, Action.REPORT)


def _targets(session: Session, case_id: int, week: date) -> tuple[TargetItem, ...]:
    return tuple(
        TargetItem(t.text, t.discipline, t.met)
        for t in session.scalars(
            select(WeeklyTarget)
            .where(WeeklyTarget.case_id == case_id, WeeklyTarget.week_start == week)
            .order_by(WeeklyTarget.id)
        )
    )
