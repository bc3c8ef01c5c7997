"""The plain data behind each PDF document: return-to-play report, case review, weekly sheet.

The ``reports`` package lays out only what these functions return (frozen dataclasses,
no ORM objects, no session). Every function checks ``Action.REPORT``; producing a document
is audited with :func:`log_report` ("report.export", or "report.print" from the app).

Definitions used by the documents (stated here because the printed figures rely on them):

- Values, baselines and LSI come from the readiness engine's index
  (:mod:`casemgr.clinical.readiness`): current values are results on or after the injury
  date; the baseline is the latest baseline-flagged result dated before the injury.
- **Day N** is the number of calendar days since the injury date (day 0).
- The **criteria table** of the RTP report covers the last two phases with exit criteria
  (DOMAIN.md section 7: "the final phases"), each evaluated as of the moment the case left
  the phase, or on today's data when the case has not left it; when the case is earlier
  in the protocol, its current phase is evaluated too.
- **Load vs pre-injury**: weekly sums of high-speed running (HSR) distance per week since
  the injury, against the pre-injury weekly mean computed as the readiness engine does
  (sum of results in the 28 days before the injury / number of 7-day blocks with a
  result); session load = sRPE x minutes (Foster 2001); ACWR by EWMA (Williams 2017),
  shown as a trend, not a risk zone (Impellizzeri 2020).
- The **integrity fingerprint** is SHA-256 over the canonical JSON of the document's data
  together with the audit-chain head when it was gathered
  (:func:`casemgr.services.decisions.fingerprint`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.catalogue import Catalogue, format_number, load_catalogue
from casemgr.clinical.expected_return import expected_return
from casemgr.clinical.facts import MeasurePoint
from casemgr.clinical.load import load_summary
from casemgr.clinical.protocols import Phase, Protocol, protocol_from_dict
from casemgr.clinical.readiness import (
    CriterionResult,
    FactIndex,
    PhaseEvaluation,
    build_index,
    evaluate_phase,
)
from casemgr.clinical.signals import step_back_signals
from casemgr.db.base import utcnow
from casemgr.db.models import (
    AppMeta,
    InjuryCase,
    PlannedSession,
    RtpDecision,
    TimelineEntry,
    User,
    WeeklyTarget,
)
from casemgr.errors import ValidationError
from casemgr.permissions import ROLE_LABELS, Action, Actor, Role
from casemgr.services.athletes import athlete_info
from casemgr.services.base import load_case, require
from casemgr.services.cases import case_info
from casemgr.services.decisions import fingerprint
from casemgr.services.dto import AthleteInfo, CaseInfo
from casemgr.services.planning import week_start
from casemgr.services.readiness import case_facts
from casemgr.vocab import DECISION_LABELS, MECHANISMS, SESSION_TYPES, SURFACES

KINDS = ("rtp", "review", "weekly")
KIND_TITLES = {
    "rtp": "Return-to-play report",
    "review": "Case-review summary",
    "weekly": "Weekly progress sheet",
}
RUNNING_SESSIONS = ("tempo", "acceleration", "max_velocity", "resisted", "sport_specific")
SPRINT_KEYS = ("max_velocity", "split_10m", "split_20m", "split_30m", "f0_rel", "v0", "pmax_rel")
RTP_NOTE_LIMIT = 20_000  # characters of one note printed in the RTP report
REVIEW_NOTE_LIMIT = 350
DEFAULT_CLINIC_NAME = "casemgr"
_CHART_SKIP = {"pain", "soreness", "tightness", "hsr_distance", "total_distance", "confidence"}
_ROLE_VALUES = frozenset(r.value for r in Role)
_DISCIPLINE_ORDER = ("doctor", "physio", "coach", "scientist", "admin")


# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """Who made the document, where and when (the page header and footer)."""

    clinic_name: str
    generated_at: datetime
    generated_by: str
    generated_role: str
    audit_head_id: int
    audit_head: str


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
class Milestone:
    label: str
    day: date | None
    day_no: int | None
    detail: str = ""


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


@dataclass(frozen=True)
class SprintRow:
    label: str
    baseline: str
    latest: str
    latest_day: date | None
    best: str
    pct_of_baseline: float | None
    better: str


@dataclass(frozen=True)
class FvProfile:
    label: str
    day: date
    f0_rel: float
    v0: float
    pmax_rel: float | None


@dataclass(frozen=True)
class SprintData:
    rows: tuple[SprintRow, ...]
    profiles: tuple[FvProfile, ...]  # baseline first, then the latest test
    chart: ChartData | None


@dataclass(frozen=True)
class WeekLoad:
    week_no: int  # 1 = the week starting on the injury date
    start: date
    days: int  # days of the week covered so far (7 for a complete week)
    hsr_m: float | None
    total_m: float | None
    srpe_load: float
    sessions: int


@dataclass(frozen=True)
class LoadData:
    weeks: tuple[WeekLoad, ...]
    pre_injury_hsr_week: float | None
    pre_injury_total_week: float | None
    hsr_target_pct: float | None
    acwr_ewma: float | None
    acwr_day: date | None
    spikes_last_7: int


@dataclass(frozen=True)
class ConfidenceData:
    first: float | None
    first_day: date | None
    latest: float | None
    latest_day: date | None
    chart: ChartData | None


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
class DisciplineNotes:
    discipline: str
    label: str
    notes: tuple[NoteItem, ...]


@dataclass(frozen=True)
class DecisionData:
    decision: str
    label: str
    restrictions: str
    monitoring_plan: str
    decided_at: datetime
    doctor_name: str
    fingerprint: str


@dataclass(frozen=True)
class FlagItem:
    occurred_at: datetime
    title: str
    severity: str
    author: str


@dataclass(frozen=True)
class TargetItem:
    text: str
    discipline: str
    met: bool | None


@dataclass(frozen=True)
class SessionItem:
    occurred_at: datetime
    session_type: str
    minutes: float
    srpe: float | None
    load: float | None
    surface: str
    intensity_pct: float | None
    volume_m: float | None
    author: str
    notes: str


@dataclass(frozen=True)
class PlanItem:
    day: date
    session_type: str
    description: str
    surface: str
    intensity_pct: float | None
    status: str


@dataclass(frozen=True)
class DayFeedback:
    day: date
    pain: float | None
    soreness: float | None


@dataclass(frozen=True)
class CaseHeader:
    """Athlete and injury, shared by every document."""

    athlete: AthleteInfo
    case: CaseInfo
    history_note: str
    day_no: int
    expected: str
    phase_count: int
    days_in_phase: int


@dataclass(frozen=True)
class RtpData:
    ctx: ReportContext
    head: CaseHeader
    milestones: tuple[Milestone, ...]
    phases: tuple[PhaseStint, ...]
    criteria: tuple[CriteriaBlock, ...]
    charts: tuple[ChartData, ...]
    sprint: SprintData
    load: LoadData
    confidence: ConfidenceData
    notes: tuple[DisciplineNotes, ...]
    decision: DecisionData | None
    signer_name: str
    signer_role: str
    hidden_entries: int  # amended or voided entries not printed
    fingerprint: str = ""


@dataclass(frozen=True)
class ReviewData:
    ctx: ReportContext
    head: CaseHeader
    readiness: CriteriaBlock
    signals: tuple[str, ...]
    flags: tuple[FlagItem, ...]
    notes: tuple[NoteItem, ...]
    targets: tuple[TargetItem, ...]
    charts: tuple[ChartData, ...]
    decision: DecisionData | None
    fingerprint: str = ""


@dataclass(frozen=True)
class ReviewPack:
    ctx: ReportContext
    pages: tuple[ReviewData, ...]
    fingerprint: str = ""


@dataclass(frozen=True)
class WeeklyData:
    ctx: ReportContext
    head: CaseHeader
    week_start: date
    sessions: tuple[SessionItem, ...]
    planned: tuple[PlanItem, ...]
    targets: tuple[TargetItem, ...]
    feedback: tuple[DayFeedback, ...]
    chart: ChartData
    week_load: float
    previous_week_load: float
    next_planned: tuple[PlanItem, ...]
    next_targets: tuple[TargetItem, ...]
    phase_targets: tuple[str, ...]
    guidance: tuple[str, ...]
    fingerprint: str = ""


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


# --- the shared case facts ----------------------------------------------------------------


class _Case:
    """One case loaded once: ORM rows read here never leave this module."""

    def __init__(self, session: Session, case: InjuryCase, as_of: datetime) -> None:
        self.session = session
        self.row = case
        self.as_of = as_of
        self.catalogue: Catalogue = load_catalogue()
        self.protocol: Protocol = protocol_from_dict(
            case.protocol.definition, origin=case.protocol.key, catalogue=self.catalogue
        )
        self.facts = case_facts(session, case, as_of)
        self.index: FactIndex = build_index(self.facts, self.catalogue)
        self.info = case_info(session, case)
        self.athlete = athlete_info(case.athlete)
        self.injured = case.side
        self.uninjured = "left" if case.side == "right" else "right"
        self.today = self.index.local_date(as_of)
        self.origin = datetime.combine(case.injury_date, time(0), tzinfo=self.index.tz)
        self.names = dict(session.execute(select(User.id, User.display_name)).all())
        self.entries = list(
            session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.case_id == case.id)
                .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
            )
        )
        self.active = [e for e in self.entries if e.status == "active"]
        self.stints = self._stints()

    # helpers
    def day_of(self, moment: datetime) -> date:
        return self.index.local_date(moment)

    def x(self, moment: datetime) -> float:
        return (moment - self.origin).total_seconds() / 86_400

    def day_no(self, moment: datetime) -> int:
        return (self.day_of(moment) - self.row.injury_date).days

    def author(self, user_id: int | None) -> str:
        return self.names.get(user_id, "?") if user_id is not None else ""

    def header(self) -> CaseHeader:
        c = self.row
        er = expected_return(c.region, c.muscle, c.grade, c.site, c.classification)
        day_no = (self.today - c.injury_date).days
        return CaseHeader(
            athlete=self.athlete,
            case=self.info,
            history_note=c.history_note,
            day_no=day_no,
            expected=er.describe(day_no) if er else f"day {day_no}",
            phase_count=len(self.protocol.phases),
            days_in_phase=max(0, (self.today - self.day_of(c.phase_entered_at)).days),
        )

    def _stints(self) -> list[PhaseStint]:
        stints: list[PhaseStint] = []
        by_key = {p.key: p for p in self.protocol.phases}
        for e in self.active:
            if e.kind != "phase_change":
                continue
            data = e.data or {}
            if stints and stints[-1].left is None:
                last = stints[-1]
                stints[-1] = dataclasses.replace(
                    last,
                    left=e.occurred_at,
                    days=(e.occurred_at - last.entered).total_seconds() / 86_400,
                )
            target = data.get("to")
            if not target or target not in by_key:
                continue
            phase = by_key[target]
            how = {"advance": "advanced", "step_back": "stepped back"}.get(
                data.get("direction", ""), "opened"
            )
            stints.append(
                PhaseStint(
                    ordinal=phase.ordinal,
                    name=phase.name,
                    entered=e.occurred_at,
                    left=None,
                    days=0.0,
                    how=how,
                    reason=e.body or ("Case opened" if how == "opened" else ""),
                    by=self.author(e.author_id),
                )
            )
        if stints and stints[-1].left is None:
            last = stints[-1]
            stints[-1] = dataclasses.replace(
                last, days=max(0.0, (self.as_of - last.entered).total_seconds() / 86_400)
            )
        return stints

    def phase_spans(self) -> tuple[PhaseSpan, ...]:
        return tuple(
            PhaseSpan(s.ordinal, self.x(s.entered), self.x(s.left or self.as_of))
            for s in self.stints
        )

    def notes(self, limit: int) -> list[NoteItem]:
        out = []
        for e in self.active:
            if e.kind not in ("note", "sign_off"):
                continue
            body, omitted = _clip(e.body, limit)
            soap = tuple(
                (part.title(), (e.data.get("soap") or {}).get(part, ""))
                for part in ("subjective", "objective", "assessment", "plan")
                if (e.data.get("soap") or {}).get(part)
            )
            out.append(
                NoteItem(
                    entry_id=e.id,
                    occurred_at=e.occurred_at,
                    author=self.author(e.author_id),
                    title=e.title,
                    body=body,
                    omitted=omitted,
                    soap=tuple((k, _clip(v, limit)[0]) for k, v in soap),
                )
            )
        return out

    def decision(self) -> DecisionData | None:
        row = self.session.scalar(
            select(RtpDecision)
            .where(RtpDecision.case_id == self.row.id, RtpDecision.decided_at <= self.as_of)
            .order_by(RtpDecision.decided_at.desc(), RtpDecision.id.desc())
            .limit(1)
        )
        if row is None:
            return None
        return DecisionData(
            decision=row.decision,
            label=DECISION_LABELS.get(row.decision, row.decision),
            restrictions=row.restrictions,
            monitoring_plan=row.monitoring_plan,
            decided_at=row.decided_at,
            doctor_name=self.author(row.doctor_id),
            fingerprint=row.fingerprint,
        )

    # measures
    def post(self, key: str, limb: str | None) -> list[MeasurePoint]:
        return list(self.index.current(key, limb).points)

    def baseline(self, key: str, limb: str | None) -> MeasurePoint | None:
        return self.index.baseline(key, limb)

    def daily_max(self, key: str, start: date, end: date) -> dict[date, float]:
        out: dict[date, float] = {}
        for p in self.index.current(key, None).points:
            day = self.day_of(p.measured_at)
            if start <= day < end:
                out[day] = max(out.get(day, p.value), p.value)
        return out

    def evaluate(self, phase: Phase, as_of: datetime | None = None) -> PhaseEvaluation:
        if as_of is None or as_of >= self.as_of:
            return evaluate_phase(phase, self.facts, self.catalogue, self.index)
        facts = dataclasses.replace(self.facts, as_of=as_of)
        return evaluate_phase(phase, facts, self.catalogue, build_index(facts, self.catalogue))


def _clip(text: str, limit: int) -> tuple[str, int]:
    text = text or ""
    if len(text) <= limit:
        return text, 0
    cut = text.rfind(" ", int(limit * 0.8), limit)
    cut = cut if cut > 0 else limit
    return text[:cut].rstrip(), len(text) - cut


# --- criteria -----------------------------------------------------------------------------

_REFERENCE_TEXT = {
    "absolute": "absolute value",
    "baseline_pct": "pre-injury baseline",
    "pre_injury_best_pct": "best pre-injury result",
    "uninjured_pct": "uninjured limb",
    "lsi": "uninjured limb (LSI)",
    "asymmetry": "other limb (asymmetry)",
    "within_of_uninjured": "uninjured limb",
}


def _fmt(c: _Case, key: str | None, value: float | None) -> str:
    if value is None:
        return "—"
    if key and key in c.catalogue:
        return c.catalogue.get(key).format(value)
    return format_number(value, 1)


def _criterion_row(c: _Case, criterion_measure: str | None, r: CriterionResult) -> CriterionRow:
    limb = f" ({r.limb})" if r.limb else ""
    if r.kind == "measure":
        value = _fmt(c, criterion_measure, r.value) + (limb if r.value is not None else "")
        if r.lsi is not None and r.reference == "lsi":
            value += f", LSI {format_number(r.lsi, 1)}%"
        elif r.asymmetry is not None and r.reference == "asymmetry":
            value += f", asymmetry {format_number(r.asymmetry, 1)}%"
        elif r.ratio_pct is not None:
            value += f" = {format_number(r.ratio_pct, 1)}%"
        if r.days_met is not None:
            value += f" ({r.days_met} day{'s' if r.days_met != 1 else ''} met)"
    elif r.kind == "check":
        value = (
            ("met" if r.value else "not met") + f" on {c.day_of(r.measured_at).isoformat()}"
            if r.measured_at
            else "not recorded"
        )
    elif r.kind == "sessions":
        value = f"{int(r.value or 0)} session(s)"
    elif r.kind == "decision":
        value = "—" if r.status == "missing" else r.explanation.removeprefix("Doctor's decision: ")
    else:
        value = "see alternatives" if r.value is None else _fmt(c, criterion_measure, r.value)
    if r.reference:
        reference = _REFERENCE_TEXT.get(r.reference, r.reference)
        if r.reference_value is not None:
            reference += f": {_fmt(c, criterion_measure, r.reference_value)}"
        if r.fallback_used:
            reference += " (fallback)"
    else:
        reference = "—"
    if r.missing and r.status == "missing":
        reference = f"missing: {r.missing}" if reference == "—" else f"{reference}; {r.missing}"
    return CriterionRow(
        label=r.label,
        status=r.status,
        value=value,
        reference=reference,
        target=r.target_text or "—",
        source=r.source,
        explanation=r.explanation,
        required=r.required,
        convention=r.convention,
    )


def _block(c: _Case, phase: Phase, as_of: datetime | None, when: str) -> CriteriaBlock:
    ev = c.evaluate(phase, as_of)
    measures = {cr.key: cr.measure for cr in phase.criteria}
    return CriteriaBlock(
        phase_ordinal=phase.ordinal,
        phase_name=phase.name,
        as_of=ev.as_of,
        when=when,
        verdict=ev.verdict,
        summary=ev.summary,
        rows=tuple(_criterion_row(c, measures.get(r.key), r) for r in ev.results),
    )


def _final_blocks(c: _Case) -> list[CriteriaBlock]:
    with_criteria = [p for p in c.protocol.phases if p.criteria]
    finals = with_criteria[-2:]
    current = c.row.current_phase.ordinal
    chosen = list(finals)
    if current < (finals[0].ordinal if finals else 0):
        chosen.insert(0, c.protocol.phases[current - 1])
    blocks = []
    for phase in chosen:
        exits = [s for s in c.stints if s.ordinal == phase.ordinal and s.left is not None]
        if phase.ordinal < current and exits:
            left = exits[-1].left
            assert left is not None
            when = f"evaluated when the case left this phase ({c.day_of(left).isoformat()})"
            blocks.append(_block(c, phase, left, when))
        elif phase.ordinal == current:
            blocks.append(_block(c, phase, None, "current phase, evaluated on today's data"))
        else:
            blocks.append(
                _block(c, phase, None, "not reached yet, evaluated on today's data for reference")
            )
    return blocks


# --- charts -------------------------------------------------------------------------------


def _target_for(c: _Case, key: str) -> tuple[str, float] | None:
    """The reference and threshold of the last criterion on *key* (the final target)."""
    found = None
    for phase in c.protocol.phases:
        stack = list(phase.criteria)
        while stack:
            cr = stack.pop(0)
            stack.extend(cr.alternatives)
            if (
                cr.measure == key
                and cr.threshold is not None
                and cr.reference in ("baseline_pct", "lsi", "uninjured_pct", "asymmetry")
            ):
                found = (cr.reference, cr.threshold)
    return found


def _chart_keys(c: _Case) -> list[str]:
    keys: list[str] = []
    for phase in c.protocol.phases:
        stack = list(phase.criteria)
        while stack:
            cr = stack.pop(0)
            stack.extend(cr.alternatives)
            if cr.measure and cr.measure not in _CHART_SKIP and cr.measure not in keys:
                keys.append(cr.measure)
    return keys


def _points(c: _Case, pts: Iterable[MeasurePoint]) -> tuple[tuple[float, float], ...]:
    return tuple((round(c.x(p.measured_at), 3), p.value) for p in pts)


def measure_chart(c: _Case, key: str) -> ChartData:
    m = c.catalogue.get(key)
    series: list[SeriesData] = []
    band = None
    band_text = ""
    target = _target_for(c, key)
    if m.per_limb:
        for limb, role in ((c.injured, "injured"), (c.uninjured, "uninjured")):
            base = c.baseline(key, limb)
            series.append(
                SeriesData(
                    f"{limb.title()} ({'injured' if role == 'injured' else 'uninjured'})",
                    role,
                    _points(c, c.post(key, limb)),
                    base.value if base else None,
                )
            )
        ref = c.baseline(key, c.uninjured)
        if target and ref and target[0] in ("lsi", "uninjured_pct", "asymmetry"):
            kind, threshold = target
            pct = 100 - threshold if kind == "asymmetry" else threshold
            lo, hi = sorted((ref.value, ref.value * pct / 100))
            band = (lo, hi)
            goal = {
                "lsi": f"LSI ≥ {format_number(threshold, 0)}%",
                "uninjured_pct": f"≥ {format_number(threshold, 0)}% of the uninjured limb",
                "asymmetry": f"asymmetry ≤ {format_number(threshold, 0)}%",
            }[kind]
            band_text = (
                f"Shaded: {format_number(pct, 0)}–100% of the uninjured limb's pre-injury value "
                f"(protocol target: {goal})"
            )
    else:
        base = c.baseline(key, None)
        series.append(
            SeriesData(
                m.label, "single", _points(c, c.post(key, None)), base.value if base else None
            )
        )
        if target and base and target[0] == "baseline_pct":
            pct = target[1]
            band = tuple(sorted((base.value, base.value * pct / 100)))  # type: ignore[assignment]
            band_text = f"Shaded: target zone, {format_number(pct, 0)}% of the pre-injury baseline"
    if not any(s.baseline is not None for s in series):
        caption = "No pre-injury baseline recorded: no baseline line or target band."
    else:
        caption = "Dashed: pre-injury baseline. " + (band_text + "." if band_text else "")
    x_end = max(1.0, c.x(c.as_of))
    return ChartData(
        key=key,
        title=m.label,
        unit=m.display_unit,
        decimals=m.decimals,
        series=tuple(series),
        x_origin=c.row.injury_date,
        x_range=(0.0, x_end),
        band=band,  # type: ignore[arg-type]
        band_text=band_text,
        phases=c.phase_spans(),
        caption=caption,
    )


def _feedback_chart(c: _Case, start: date, end: date, title: str, *, dates: bool) -> ChartData:
    series = []
    for key, role in (("pain", "pain"), ("soreness", "soreness")):
        daily = c.daily_max(key, start, end)
        series.append(
            SeriesData(
                c.catalogue.get(key).label,
                role,
                tuple(
                    (float((d - (start if dates else c.row.injury_date)).days), v)
                    for d, v in sorted(daily.items())
                ),
            )
        )
    origin = start if dates else c.row.injury_date
    lo = float((start - origin).days)
    hi = float((end - origin).days) - 1
    spans = () if dates else c.phase_spans()
    return ChartData(
        key="pain_soreness",
        title=title,
        unit="/10",
        decimals=0,
        series=tuple(series),
        x_origin=origin,
        x_label="date" if dates else "days since injury",
        x_dates=dates,
        x_range=(lo, max(hi, lo + 1)),
        y_range=(0.0, 10.0),
        phases=spans,
        caption="Highest report of each day (NRS 0-10).",
    )


# --- RTP pieces ---------------------------------------------------------------------------


def _milestones(c: _Case, decision: DecisionData | None) -> tuple[Milestone, ...]:
    def at(label: str, moment: datetime | None, detail: str = "", missing: str = "not yet"):
        if moment is None:
            return Milestone(label, None, None, missing)
        return Milestone(label, c.day_of(moment), c.day_no(moment), detail)

    walking = next(
        (
            e.occurred_at
            for e in c.active
            if e.kind == "check"
            and "walking" in (e.data or {}).get("check", "")
            and (e.data or {}).get("passed")
        ),
        None,
    )
    running = next(
        (
            e
            for e in c.active
            if e.kind == "session" and (e.data or {}).get("session_type") in RUNNING_SESSIONS
        ),
        None,
    )
    full = next(
        (
            e.occurred_at
            for e in c.active
            if e.kind == "session"
            and (
                (e.data or {}).get("full_training")
                or (e.data or {}).get("session_type") == "full_training"
            )
        ),
        None,
    )
    base = c.baseline("max_velocity", None)
    if base is None:
        v90 = Milestone("≥ 90% of baseline max velocity", None, None, "no pre-injury baseline")
    else:
        hit = next((p for p in c.post("max_velocity", None) if p.value >= 0.9 * base.value), None)
        v90 = at(
            "≥ 90% of baseline max velocity",
            hit.measured_at if hit else None,
            f"{_fmt(c, 'max_velocity', hit.value)} of {_fmt(c, 'max_velocity', base.value)}"
            if hit
            else "",
        )
    return (
        Milestone("Injury", c.row.injury_date, 0, MECHANISMS.get(c.info.mechanism, "")),
        at("Pain-free walking", walking, "clinician check", "not recorded"),
        at(
            "First running session",
            running.occurred_at if running else None,
            SESSION_TYPES.get((running.data or {}).get("session_type", ""), "") if running else "",
        ),
        v90,
        at("Full training", full),
        at(
            "Return-to-play decision",
            decision.decided_at if decision else None,
            decision.label if decision else "",
            "not recorded",
        ),
    )


def _sprint(c: _Case) -> SprintData:
    rows = []
    for key in SPRINT_KEYS:
        m = c.catalogue.get(key)
        base = c.baseline(key, None)
        pts = c.post(key, None)
        if base is None and not pts:
            continue
        latest = pts[-1] if pts else None
        best = (max if m.higher_is_better else min)(pts, key=lambda p: p.value) if pts else None
        pct = latest.value / base.value * 100 if latest and base and base.value else None
        rows.append(
            SprintRow(
                label=m.label,
                baseline=_fmt(c, key, base.value) if base else "no baseline",
                latest=_fmt(c, key, latest.value) if latest else "no result",
                latest_day=c.day_of(latest.measured_at) if latest else None,
                best=_fmt(c, key, best.value) if best else "—",
                pct_of_baseline=pct,
                better=m.better,
            )
        )
    profiles = []

    def profile(label: str, f0: MeasurePoint | None, pool: Sequence[MeasurePoint]):
        if f0 is None:
            return
        same = {p.key: p for p in pool if p.measured_at == f0.measured_at}
        v0 = same.get("v0")
        if v0 is None:
            return
        pmax = same.get("pmax_rel")
        profiles.append(
            FvProfile(
                label, c.day_of(f0.measured_at), f0.value, v0.value, pmax.value if pmax else None
            )
        )

    base_f0 = c.baseline("f0_rel", None)
    if base_f0 is not None:
        pool = [
            p
            for key in ("v0", "pmax_rel")
            for p in c.index.pre_injury(key, None).points
            if p.measured_at == base_f0.measured_at
        ]
        profile("Pre-injury baseline", base_f0, pool)
    post_f0 = c.post("f0_rel", None)
    if post_f0:
        last = post_f0[-1]
        pool = [
            p
            for key in ("v0", "pmax_rel")
            for p in c.post(key, None)
            if p.measured_at == last.measured_at
        ]
        profile(f"Latest test (day {c.day_no(last.measured_at)})", last, pool)
    chart = measure_chart(c, "max_velocity") if rows else None
    return SprintData(tuple(rows), tuple(profiles), chart)


def _pre_injury_week(c: _Case, key: str) -> float | None:
    start = c.origin - timedelta(days=28)
    pts = [p for p in c.index.pre_injury(key, None).points if p.measured_at >= start]
    if not pts:
        return None
    blocks = {int((c.origin - p.measured_at).total_seconds() // (7 * 86_400)) for p in pts}
    return sum(p.value for p in pts) / len(blocks)


def _load(c: _Case) -> LoadData:
    n_weeks = (c.today - c.row.injury_date).days // 7 + 1
    hsr: dict[int, float] = {}
    total: dict[int, float] = {}
    for key, bucket in (("hsr_distance", hsr), ("total_distance", total)):
        for p in c.post(key, None):
            week = (c.day_of(p.measured_at) - c.row.injury_date).days // 7
            bucket[week] = bucket.get(week, 0.0) + p.value
    load: dict[int, float] = {}
    count: dict[int, int] = {}
    daily: list[tuple[date, float]] = []
    for s in c.index.sessions:
        week = (s.day - c.row.injury_date).days // 7
        au = (s.srpe or 0) * s.minutes
        load[week] = load.get(week, 0.0) + au
        count[week] = count.get(week, 0) + 1
        daily.append((s.day, au))
    weeks = []
    for w in range(n_weeks):
        start = c.row.injury_date + timedelta(days=7 * w)
        weeks.append(
            WeekLoad(
                week_no=w + 1,
                start=start,
                days=min(7, (c.today - start).days + 1),
                hsr_m=hsr.get(w),
                total_m=total.get(w),
                srpe_load=load.get(w, 0.0),
                sessions=count.get(w, 0),
            )
        )
    acwr = acwr_day = None
    spikes = 0
    if daily:
        summary = load_summary(daily, end=c.today)
        if summary:
            acwr, acwr_day = summary[-1].acwr_ewma, summary[-1].date
            spikes = sum(1 for d in summary[-7:] if d.spike)
    target = _target_for_hsr(c)
    return LoadData(
        weeks=tuple(weeks),
        pre_injury_hsr_week=_pre_injury_week(c, "hsr_distance"),
        pre_injury_total_week=_pre_injury_week(c, "total_distance"),
        hsr_target_pct=target,
        acwr_ewma=acwr,
        acwr_day=acwr_day,
        spikes_last_7=spikes,
    )


def _target_for_hsr(c: _Case) -> float | None:
    for phase in reversed(c.protocol.phases):
        for cr in phase.criteria:
            if cr.measure == "hsr_distance" and cr.threshold is not None:
                return cr.threshold
    return None


def _confidence(c: _Case) -> ConfidenceData:
    pts = c.post("confidence", None)
    if not pts:
        return ConfidenceData(None, None, None, None, None)
    m = c.catalogue.get("confidence")
    chart = ChartData(
        key="confidence",
        title=m.label,
        unit=m.display_unit,
        decimals=m.decimals,
        series=(SeriesData(m.label, "single", _points(c, pts)),),
        x_origin=c.row.injury_date,
        x_range=(0.0, max(1.0, c.x(c.as_of))),
        y_range=(0.0, 10.0),
        phases=c.phase_spans(),
        caption="Athlete-reported confidence (0-10) with the daily feedback.",
    )
    return ConfidenceData(
        pts[0].value,
        c.day_of(pts[0].measured_at),
        pts[-1].value,
        c.day_of(pts[-1].measured_at),
        chart,
    )


def _grouped_notes(c: _Case) -> tuple[DisciplineNotes, ...]:
    by: dict[str, list[NoteItem]] = {}
    disciplines = {e.id: e.discipline for e in c.active}
    for note in c.notes(RTP_NOTE_LIMIT):
        by.setdefault(disciplines[note.entry_id], []).append(note)
    order = [d for d in _DISCIPLINE_ORDER if d in by] + sorted(set(by) - set(_DISCIPLINE_ORDER))
    return tuple(
        DisciplineNotes(d, ROLE_LABELS[Role(d)] if d in _ROLE_VALUES else d, tuple(by[d]))
        for d in order
    )


def _case_for_report(session: Session, actor: Actor, case_id: int) -> InjuryCase:
    return load_case(session, actor, case_id, Action.REPORT)


def rtp_data(
    session: Session, actor: Actor, case_id: int, *, as_of: datetime | None = None
) -> RtpData:
    """Everything the return-to-play report prints (DOMAIN.md section 7)."""
    case = _case_for_report(session, actor, case_id)
    ctx = _context(session, actor)
    c = _Case(session, case, as_of or ctx.generated_at)
    decision = c.decision()
    charts = tuple(
        measure_chart(c, key)
        for key in _chart_keys(c)
        if key != "max_velocity"
        and (c.post(key, c.injured if c.catalogue.get(key).per_limb else None))
    )[:3]
    return _sealed(
        RtpData(
            ctx=ctx,
            head=c.header(),
            milestones=_milestones(c, decision),
            phases=tuple(c.stints),
            criteria=tuple(_final_blocks(c)),
            charts=charts,
            sprint=_sprint(c),
            load=_load(c),
            confidence=_confidence(c),
            notes=_grouped_notes(c),
            decision=decision,
            signer_name=decision.doctor_name if decision else "",
            signer_role="Doctor",
            hidden_entries=sum(1 for e in c.entries if e.status != "active"),
        )
    )


# --- case review --------------------------------------------------------------------------


def _open_flags(c: _Case) -> list[FlagItem]:
    resolved = {
        int((e.data or {}).get("flag_id", 0)) for e in c.active if e.kind == "flag_resolved"
    }
    return [
        FlagItem(e.occurred_at, e.title, (e.data or {}).get("severity", ""), c.author(e.author_id))
        for e in c.active
        if e.kind == "flag" and e.id not in resolved
    ]


def _targets(session: Session, case_id: int, week: date) -> tuple[TargetItem, ...]:
    return tuple(
        TargetItem(t.text, t.discipline, t.met)
        for t in session.scalars(
            select(WeeklyTarget)
            .where(WeeklyTarget.case_id == case_id, WeeklyTarget.week_start == week)
            .order_by(WeeklyTarget.id)
        )
    )


def _review(session: Session, ctx: ReportContext, case: InjuryCase) -> ReviewData:
    c = _Case(session, case, ctx.generated_at)
    phase = c.protocol.phase(case.current_phase.key)
    signals = tuple(g.message for g in step_back_signals(c.facts, c.protocol.pain_limit, c.as_of))
    keys = [
        k for k in _chart_keys(c) if c.post(k, c.injured if c.catalogue.get(k).per_limb else None)
    ]
    start = c.today - timedelta(days=20)
    charts = [
        _feedback_chart(
            c,
            max(start, c.row.injury_date),
            c.today + timedelta(days=1),
            "Pain and soreness, last 3 weeks",
            dates=True,
        )
    ]
    if keys:
        charts.append(measure_chart(c, keys[0]))
    notes = c.notes(REVIEW_NOTE_LIMIT)[-3:]
    return ReviewData(
        ctx=ctx,
        head=c.header(),
        readiness=_block(c, phase, None, "current phase, evaluated on today's data"),
        signals=signals,
        flags=tuple(_open_flags(c)),
        notes=tuple(reversed(notes)),
        targets=_targets(session, case.id, week_start(c.today)),
        charts=tuple(charts),
        decision=c.decision(),
    )


def review_data(session: Session, actor: Actor, case_id: int) -> ReviewData:
    """One page for the interprofessional case review."""
    case = _case_for_report(session, actor, case_id)
    return _sealed(_review(session, _context(session, actor), case))


def review_pack_data(session: Session, actor: Actor) -> ReviewPack:
    """The meeting pack: one review page for every case that is not closed."""
    require(session, actor, Action.REPORT, entity_type="case")
    ctx = _context(session, actor)
    from casemgr.db.models import Athlete

    cases = session.scalars(
        select(InjuryCase)
        .join(Athlete, InjuryCase.athlete_id == Athlete.id)
        .where(InjuryCase.status != "closed")
        .order_by(Athlete.name_key, InjuryCase.injury_date, InjuryCase.id)
    ).all()
    if not cases:
        raise ValidationError("There are no open cases to review.")
    return _sealed(ReviewPack(ctx, tuple(_sealed(_review(session, ctx, case)) for case in cases)))


# --- weekly sheet -------------------------------------------------------------------------


def _plans(session: Session, case_id: int, start: date, end: date) -> tuple[PlanItem, ...]:
    return tuple(
        PlanItem(
            p.planned_date,
            SESSION_TYPES.get(p.session_type, p.session_type),
            p.description,
            SURFACES.get(p.surface, p.surface),
            p.intensity_pct,
            p.status,
        )
        for p in session.scalars(
            select(PlannedSession)
            .where(
                PlannedSession.case_id == case_id,
                PlannedSession.planned_date >= start,
                PlannedSession.planned_date < end,
            )
            .order_by(PlannedSession.planned_date, PlannedSession.id)
        )
    )


def weekly_data(
    session: Session, actor: Actor, case_id: int, week: date | None = None
) -> WeeklyData:
    """The week's sessions, targets met / not met, pain and soreness, next week's plan."""
    case = _case_for_report(session, actor, case_id)
    ctx = _context(session, actor)
    c = _Case(session, case, ctx.generated_at)
    start = week_start(week or c.today)
    end = start + timedelta(days=7)
    if start < week_start(case.injury_date):
        raise ValidationError(
            f"The week of {start.isoformat()} is before the injury ({case.injury_date.isoformat()})."
        )
    sessions = []
    week_load = prev_load = 0.0
    for e in c.active:
        if e.kind != "session":
            continue
        day = c.day_of(e.occurred_at)
        d = e.data or {}
        au = d.get("load_au")
        if au is None and d.get("srpe") is not None:
            au = float(d["srpe"]) * float(d.get("minutes") or 0)
        if start - timedelta(days=7) <= day < start:
            prev_load += au or 0
        if not start <= day < end:
            continue
        week_load += au or 0
        sessions.append(
            SessionItem(
                occurred_at=e.occurred_at,
                session_type=SESSION_TYPES.get(
                    d.get("session_type", ""), d.get("session_type", "")
                ),
                minutes=float(d.get("minutes") or 0),
                srpe=d.get("srpe"),
                load=au,
                surface=SURFACES.get(d.get("surface") or "", d.get("surface") or ""),
                intensity_pct=d.get("intensity_pct"),
                volume_m=d.get("volume_m"),
                author=c.author(e.author_id),
                notes=_clip(e.body, 300)[0],
            )
        )
    pain = c.daily_max("pain", start, end)
    sore = c.daily_max("soreness", start, end)
    feedback = tuple(
        DayFeedback(
            start + timedelta(days=i),
            pain.get(start + timedelta(days=i)),
            sore.get(start + timedelta(days=i)),
        )
        for i in range(7)
    )
    chart_start = max(start - timedelta(days=7), case.injury_date)
    chart = _feedback_chart(
        c, chart_start, end, "Pain and soreness, this week and last", dates=True
    )
    phase = c.protocol.phase(case.current_phase.key)
    return _sealed(
        WeeklyData(
            ctx=ctx,
            head=c.header(),
            week_start=start,
            sessions=tuple(sessions),
            planned=_plans(session, case.id, start, end),
            targets=_targets(session, case.id, start),
            feedback=feedback,
            chart=chart,
            week_load=week_load,
            previous_week_load=prev_load,
            next_planned=_plans(session, case.id, end, end + timedelta(days=7)),
            next_targets=_targets(session, case.id, end),
            phase_targets=phase.weekly_targets,
            guidance=phase.guidance,
        )
    )
