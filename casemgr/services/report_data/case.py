"""One case loaded once for a document (:class:`_Case`: facts, index, stints, notes,
decision) and the text helpers built on it; ORM rows read here never leave the package.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import Catalogue, format_number, load_catalogue
from casemgr.clinical.expected_return import expected_return
from casemgr.clinical.facts import MeasurePoint
from casemgr.clinical.overrides import stated_phase, unmet_from_data
from casemgr.clinical.protocols import Phase, Protocol, protocol_from_dict
from casemgr.clinical.readiness import PhaseEvaluation, build_index, evaluate_phase
from casemgr.clinical.readiness_index import FactIndex
from casemgr.db.models import InjuryCase, RtpDecision, TimelineEntry, User
from casemgr.services.athletes import athlete_info
from casemgr.services.cases import case_info
from casemgr.services.readiness import case_facts
from casemgr.services.report_data.common import (
    CaseHeader,
    DecisionData,
    NoteItem,
    PhaseSpan,
    PhaseStint,
)
from casemgr.vocab import DECISION_LABELS

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
            expected=er.describe_with_note(day_no) if er else f"day {day_no} since the injury",
            expected_references=er.references if er else (),
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
                    unmet=unmet_from_data(data) if data.get("override") else (),
                    override_reason=str(data.get("override_reason") or ""),
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
        stored = self.session.get(TimelineEntry, row.entry_id)
        data = stored.data if stored is not None else {}
        return DecisionData(
            decision=row.decision,
            label=DECISION_LABELS.get(row.decision, row.decision),
            restrictions=row.restrictions,
            monitoring_plan=row.monitoring_plan,
            decided_at=row.decided_at,
            doctor_name=self.author(row.doctor_id),
            fingerprint=row.fingerprint,
            unmet=unmet_from_data(data),
            override_reason=str((data or {}).get("override_reason") or ""),
            phase_stated=stated_phase(data),
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


def _fmt(c: _Case, key: str | None, value: float | None) -> str:
    if value is None:
        return "—"
    if key and key in c.catalogue:
        return c.catalogue.get(key).format(value)
    return format_number(value, 1)
