"""The return-to-play report's data: milestones, phases, final criteria, charts, sprint,
load vs pre-injury, confidence, notes by discipline and the doctor's decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from casemgr.clinical.facts import MeasurePoint
from casemgr.clinical.literature import reference_list
from casemgr.clinical.load import RATIO_DAYS, load_summary
from casemgr.clinical.protocols import SIGNAL_DEFAULTS
from casemgr.permissions import ROLE_LABELS, Actor, Role
from casemgr.services.report_data.case import _Case, _fmt
from casemgr.services.report_data.charts import _chart_keys, _points, measure_chart
from casemgr.services.report_data.common import (
    CaseHeader,
    ChartData,
    CriteriaBlock,
    DecisionData,
    NoteItem,
    PhaseStint,
    ReportContext,
    SeriesData,
    _case_for_report,
    _context,
    _sealed,
)
from casemgr.services.report_data.criteria import _block
from casemgr.vocab import MECHANISMS, SESSION_TYPES

RUNNING_SESSIONS = ("tempo", "acceleration", "max_velocity", "resisted", "sport_specific")
SPRINT_KEYS = ("max_velocity", "split_10m", "split_20m", "split_30m", "f0_rel", "v0", "pmax_rel")
SRPE_LOAD_SOURCE = "Foster et al. 2001"  # load = session RPE x minutes
ACWR_SOURCE = "Williams et al. 2017"  # the EWMA acute:chronic ratio
SPRINT_PROFILE_SOURCE = "Samozino et al. 2016"  # force-velocity profile from splits
SPIKE = SIGNAL_DEFAULTS["spike_ratio"]
RTP_NOTE_LIMIT = 20_000  # characters of one note printed in the RTP report
_ROLE_VALUES = frozenset(r.value for r in Role)
_DISCIPLINE_ORDER = ("doctor", "physio", "coach", "scientist", "admin")


# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    label: str
    day: date | None
    day_no: int | None
    detail: str = ""


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
    correction: str = ""  # the start correction of the fit ("" when the test does not say)


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
    spike_threshold: float = SIGNAL_DEFAULTS["spike_ratio"].value
    #: clinic days of load data from the first session to the report's day: the ratio is
    #: None ("building") while fewer than ``acwr_days_needed``
    acwr_days_of_data: int = 0
    acwr_days_needed: int = RATIO_DAYS


@dataclass(frozen=True)
class ConfidenceData:
    first: float | None
    first_day: date | None
    latest: float | None
    latest_day: date | None
    chart: ChartData | None


@dataclass(frozen=True)
class DisciplineNotes:
    discipline: str
    label: str
    notes: tuple[NoteItem, ...]


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
    protocol_source: str = ""  # the literature the protocol follows
    references: tuple[str, ...] = ()  # every work the report cites, sorted (printed last)
    fingerprint: str = ""


# --- RTP pieces ---------------------------------------------------------------------------


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
            decision.text if decision else "",
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
    from casemgr.clinical.sprint import stored_correction_text  # numpy only with a sprint

    profiles = []
    entries = {e.id: e for e in c.active}

    def profile(label: str, f0: MeasurePoint | None, pool: Sequence[MeasurePoint]):
        if f0 is None:
            return
        same = {p.key: p for p in pool if p.measured_at == f0.measured_at}
        v0 = same.get("v0")
        if v0 is None:
            return
        pmax = same.get("pmax_rel")
        entry = entries.get(f0.entry_id)
        stored = (entry.data or {}).get("profile") if entry is not None else None
        profiles.append(
            FvProfile(
                label,
                c.day_of(f0.measured_at),
                f0.value,
                v0.value,
                pmax.value if pmax else None,
                stored_correction_text(stored, brief=True) if isinstance(stored, dict) else "",
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
        if s.srpe is not None:  # a session without sRPE has no known load (not 0)
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
    spikes = days_of_data = 0
    spike = c.protocol.threshold("spike_ratio")
    if daily:
        summary = load_summary(daily, end=c.today, spike_threshold=spike)
        if summary:
            acwr, acwr_day = summary[-1].acwr_ewma, summary[-1].date
            days_of_data = summary[-1].days_of_data
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
        spike_threshold=spike,
        acwr_days_of_data=days_of_data,
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


def _references(c: _Case, data: RtpData) -> tuple[str, ...]:
    """The works cited by what the report shows: the protocol, the criteria rows, the
    expected-return window, the load methods (sRPE load, Foster et al. 2001; EWMA ratio and
    its spike threshold) and the sprint profile method (Samozino et al. 2016)."""
    texts = [data.protocol_source, data.head.expected]
    texts += [row.source for block in data.criteria for row in block.rows]
    if any(w.srpe_load for w in data.load.weeks):
        texts.append(SRPE_LOAD_SOURCE)
    if data.load.acwr_ewma is not None:
        texts += [ACWR_SOURCE, c.protocol.signals.get("spike_ratio", SPIKE).source]
    elif data.load.acwr_days_of_data:  # "building": the method is still named
        texts.append(ACWR_SOURCE)
    if data.sprint.profiles:
        texts.append(SPRINT_PROFILE_SOURCE)
    return reference_list(texts, full=data.head.expected_references)


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
    data = RtpData(
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
        protocol_source=c.protocol.source,
    )
    return _sealed(dataclasses.replace(data, references=_references(c, data)))
