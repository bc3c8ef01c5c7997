"""The case-review page's data (one open case) and the meeting pack: one page for every
case that is not closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.signals import step_back_signals
from casemgr.db.models import InjuryCase
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import require
from casemgr.services.planning import week_start
from casemgr.services.report_data.case import _Case
from casemgr.services.report_data.charts import _chart_keys, _feedback_chart, measure_chart
from casemgr.services.report_data.common import (
    CaseHeader,
    ChartData,
    CriteriaBlock,
    DecisionData,
    NoteItem,
    ReportContext,
    TargetItem,
    _case_for_report,
    _context,
    _sealed,
    _targets,
)
from casemgr.services.report_data.criteria import _block
from casemgr.services.suggestion_answers import describe_answer, load_answers, split_answered

REVIEW_NOTE_LIMIT = 350


# --- plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagItem:
    occurred_at: datetime
    title: str
    severity: str
    author: str


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
    answered: tuple[str, ...] = ()  # answered suggestions: the message, who, when, how


@dataclass(frozen=True)
class ReviewPack:
    ctx: ReportContext
    pages: tuple[ReviewData, ...]
    fingerprint: str = ""


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


def _review(session: Session, ctx: ReportContext, case: InjuryCase) -> ReviewData:
    c = _Case(session, case, ctx.generated_at)
    phase = c.protocol.phase(case.current_phase.key)
    open_now, answered = split_answered(
        step_back_signals(
            c.facts, c.protocol.signals, c.as_of, phase_ordinal=case.current_phase.ordinal
        ),
        load_answers(session, [case.id], c.as_of).get(case.id, ()),
    )
    signals = tuple(g.message for g in open_now)
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
        answered=tuple(
            f"{a.signal.message} {describe_answer(a.answer, c.facts.tzinfo)}." for a in answered
        ),
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
