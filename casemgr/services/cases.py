"""Injury cases: open, edit the diagnosis, move between phases, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.clinic_days import local_day
from casemgr.clinical.overrides import count_text, move_suffix
from casemgr.db.base import utcnow
from casemgr.db.models import Athlete, InjuryCase, Protocol, ProtocolPhase, TimelineEntry
from casemgr.errors import NotFoundError, ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services import overrides, suggestions
from casemgr.services.base import check_version, get_or_404, load_case, require
from casemgr.services.dto import CaseInfo, CaseRow, PhaseInfo
from casemgr.services.settings import clinic_zone
from casemgr.text import clean_line, clean_text
from casemgr.vocab import MECHANISMS, MUSCLES, validate_classification


@dataclass(frozen=True)
class CaseInput:
    region: str
    side: str
    muscle: str
    injury_date: date
    classification: str = "bamic"
    grade: str = "1"
    site: str = "b"
    mechanism: str = "high_speed_running"
    recurrence_of_id: int | None = None
    imaging_note: str = ""
    history_note: str = ""
    protocol_key: str | None = None


def latest_protocol(session: Session, region: str, key: str | None = None) -> Protocol:
    """The newest version of *key*, or of the built-in protocol for *region*."""
    stmt = select(Protocol).order_by(Protocol.version.desc()).limit(1)
    stmt = (
        stmt.where(Protocol.key == key)
        if key
        else stmt.where(Protocol.region == region, Protocol.builtin.is_(True))
    )
    row = session.scalar(stmt)
    if row is None:
        raise NotFoundError(f"No {key or region} protocol is installed in this database.")
    return row


def _phase_info(p: ProtocolPhase) -> PhaseInfo:
    return PhaseInfo(id=p.id, ordinal=p.ordinal, key=p.key, name=p.name)


def case_info(session: Session, c: InjuryCase) -> CaseInfo:
    phase_count = session.scalar(
        select(func.count(ProtocolPhase.id)).where(ProtocolPhase.protocol_id == c.protocol_id)
    )
    return CaseInfo(
        id=c.id,
        athlete_id=c.athlete_id,
        athlete_name=c.athlete.full_name,
        region=c.region,
        side=c.side,
        muscle=c.muscle,
        classification=c.classification,
        grade=c.grade,
        site=c.site,
        mechanism=c.mechanism,
        injury_date=c.injury_date,
        recurrence_of_id=c.recurrence_of_id,
        imaging_note=c.imaging_note,
        status=c.status,
        protocol_id=c.protocol_id,
        protocol_key=c.protocol.key,
        protocol_name=c.protocol.name,
        protocol_version=c.protocol.version,
        phase=_phase_info(c.current_phase),
        phase_count=phase_count or 0,
        phase_entered_at=c.phase_entered_at,
        opened_at=c.opened_at,
        version=c.version,
    )


def _validated(session: Session, athlete: Athlete, data: CaseInput) -> dict:
    if data.region not in MUSCLES:
        raise ValidationError("The region is hamstring or calf.")
    if data.side not in ("left", "right"):
        raise ValidationError("The injured side is left or right.")
    if data.muscle not in MUSCLES[data.region]:
        raise ValidationError(
            f"'{data.muscle}' is not a {data.region} muscle; choose one of "
            f"{', '.join(MUSCLES[data.region])}."
        )
    if data.mechanism not in MECHANISMS:
        raise ValidationError(f"Mechanism is one of {', '.join(MECHANISMS)}.")
    today = local_day(utcnow(), clinic_zone(session))  # the clinic's today
    if data.injury_date > today:
        raise ValidationError(f"The injury date {data.injury_date.isoformat()} is in the future.")
    if athlete.date_of_birth and data.injury_date < athlete.date_of_birth:
        raise ValidationError("The injury date is before the athlete's date of birth.")
    grade, site = validate_classification(data.classification, data.grade, data.site)
    if data.recurrence_of_id is not None:
        earlier = get_or_404(session, InjuryCase, data.recurrence_of_id, "Case")
        if earlier.athlete_id != athlete.id:
            raise ValidationError("A recurrence links to an earlier case of the same athlete.")
        if earlier.injury_date > data.injury_date:
            raise ValidationError("A recurrence must come after the case it recurs from.")
    return {
        "region": data.region,
        "side": data.side,
        "muscle": data.muscle,
        "classification": data.classification,
        "grade": grade,
        "site": site,
        "mechanism": data.mechanism,
        "injury_date": data.injury_date,
        "recurrence_of_id": data.recurrence_of_id,
        "imaging_note": clean_text(data.imaging_note, "Imaging note", max_len=20_000),
        "history_note": clean_text(data.history_note, "Injury history", max_len=20_000),
    }


def _entry(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    kind: str,
    title: str,
    body: str = "",
    data: dict | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        case_id=case.id,
        kind=kind,
        occurred_at=occurred_at or utcnow(),
        author_id=actor.user_id,
        discipline=str(actor.role),
        title=title,
        body=body,
        data=data or {},
        status="active",
    )
    session.add(entry)
    session.flush()
    return entry


def open_case(session: Session, actor: Actor, athlete_id: int, data: CaseInput) -> CaseInfo:
    require(session, actor, Action.OPEN_CASE, entity_type="case", athlete_id=athlete_id)
    athlete = get_or_404(session, Athlete, athlete_id, "Athlete")
    values = _validated(session, athlete, data)
    protocol = latest_protocol(session, data.region, data.protocol_key)
    if protocol.region != data.region:
        raise ValidationError(f"The {protocol.name} protocol is for {protocol.region} injuries.")
    first = protocol.phases[0]
    now = utcnow()
    case = InjuryCase(
        athlete_id=athlete.id,
        protocol_id=protocol.id,
        current_phase_id=first.id,
        status="open",
        opened_by_id=actor.user_id,
        phase_entered_at=now,
        opened_at=now,
        **values,
    )
    session.add(case)
    session.flush()
    _entry(
        session,
        actor,
        case,
        "phase_change",
        f"Case opened in phase 1: {first.name}",
        data={
            "from": None,
            "to": first.key,
            "to_ordinal": 1,
            "direction": "open",
            "protocol": f"{protocol.key} v{protocol.version}",
        },
    )
    audit.record(
        session, actor, "case.open", entity_type="case", entity_id=case.id, athlete_id=athlete.id
    )
    return case_info(session, case)


def update_diagnosis(
    session: Session, actor: Actor, case_id: int, expected_version: int, data: CaseInput
) -> CaseInfo:
    """Change the diagnosis fields; the change is recorded on the timeline."""
    case = load_case(session, actor, case_id, Action.EDIT_DIAGNOSIS)
    check_version(case, expected_version, "This case")
    values = _validated(session, case.athlete, data)
    if values["region"] != case.region:
        raise ValidationError("The region of a case cannot change; open a new case instead.")
    before = {k: getattr(case, k) for k in values}
    for key, value in values.items():
        setattr(case, key, value)
    changed = {k: [str(before[k]), str(v)] for k, v in values.items() if before[k] != v}
    session.flush()
    if changed:
        _entry(
            session,
            actor,
            case,
            "note",
            "Diagnosis updated",
            body="; ".join(f"{k}: {a} -> {b}" for k, (a, b) in changed.items()),
            data={"diagnosis_change": changed},
        )
    audit.record(
        session,
        actor,
        "case.update_diagnosis",
        entity_type="case",
        entity_id=case.id,
        athlete_id=case.athlete_id,
        reason=", ".join(changed),
    )
    return case_info(session, case)


def move_phase(
    session: Session,
    actor: Actor,
    case_id: int,
    expected_version: int,
    direction: str,
    reason: str,
    *,
    occurred_at: datetime | None = None,
    readiness_summary: str = "",
    override_reason: str = "",
) -> CaseInfo:
    """Advance or step back one phase. A person decides; the reason is required.

    An advance evaluates the current phase's exit criteria at *occurred_at*; when required
    ones are unmet it needs *override_reason* (else ``OverrideRequired``, nothing written)
    and the entry stores the unmet criteria of that moment (``data["unmet"]``).
    """
    case = load_case(session, actor, case_id, Action.MOVE_PHASE)
    check_version(case, expected_version, "This case")
    reason = clean_text(reason, "Reason", max_len=5000).strip()
    reason = reason or clean_text(override_reason, "Override reason", max_len=5000).strip()
    if not reason:
        raise ValidationError("Say why the phase changes: the reason is part of the record.")
    if case.status == "closed":
        raise ValidationError("This case is closed.")
    phases = case.protocol.phases
    index = case.current_phase.ordinal - 1
    if direction == "advance":
        if index + 1 >= len(phases):
            raise ValidationError("The case is already in the last phase.")
        target = phases[index + 1]
    elif direction == "step_back":
        if index == 0:
            raise ValidationError("The case is already in the first phase.")
        target = phases[index - 1]
    else:
        raise ValidationError("A phase moves by 'advance' or 'step_back'.")
    source = case.current_phase
    when = occurred_at or utcnow()
    unmet = overrides.unmet_at(session, actor, case, when) if direction == "advance" else ()
    why = overrides.override_reason(unmet, override_reason, "advancing")
    # a step back answers every step-back/pause suggestion open before it
    answering = (
        suggestions.open_suggestions(session, case, when) if direction == "step_back" else ()
    )
    case.current_phase_id = target.id
    case.current_phase = target
    case.phase_entered_at = when
    case.status = "surveillance" if target.ordinal == len(phases) else "open"
    session.flush()
    verb = "Advanced" if direction == "advance" else "Stepped back"
    entry = _entry(
        session,
        actor,
        case,
        "phase_change",
        f"{verb} to phase {target.ordinal}: {target.name}{move_suffix(unmet)}",
        body=reason,
        data={
            "from": source.key,
            "from_ordinal": source.ordinal,
            "to": target.key,
            "to_ordinal": target.ordinal,
            "direction": direction,
            "readiness": readiness_summary,
            "protocol": f"{case.protocol.key} v{case.protocol.version}",
            **overrides.override_data(unmet, why),
            **suggestions.answer_data("step_back", answering),
        },
        occurred_at=when,
    )
    suggestions.answer_by_step_back(session, actor, case, entry, answering, reason)
    audit.record(
        session,
        actor,
        f"case.{direction}",
        entity_type="case",
        entity_id=case.id,
        athlete_id=case.athlete_id,
        reason=(f"override ({count_text(len(unmet))}): {why}" if unmet else reason)[:500],
    )
    return case_info(session, case)


def close_case(
    session: Session, actor: Actor, case_id: int, expected_version: int, reason: str
) -> CaseInfo:
    """Close a case (typically from surveillance); a person closes it with a reason."""
    case = load_case(session, actor, case_id, Action.MOVE_PHASE)
    check_version(case, expected_version, "This case")
    reason = clean_line(reason, "Reason", max_len=2000)
    case.status = "closed"
    session.flush()
    _entry(
        session,
        actor,
        case,
        "phase_change",
        "Case closed",
        body=reason,
        data={"from": case.current_phase.key, "to": None, "direction": "close"},
    )
    audit.record(
        session,
        actor,
        "case.close",
        entity_type="case",
        entity_id=case.id,
        athlete_id=case.athlete_id,
        reason=reason[:500],
    )
    return case_info(session, case)


def get_case(session: Session, actor: Actor, case_id: int) -> CaseInfo:
    case = load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    return case_info(session, case)


def list_case_rows(session: Session, actor: Actor, *, include_closed: bool = True) -> list[CaseRow]:
    """Every case with its athlete, phase and open flags, in one query per kind of fact."""
    require(session, actor, Action.VIEW_CLINICAL, entity_type="case")
    phase_counts = dict(
        session.execute(
            select(ProtocolPhase.protocol_id, func.count(ProtocolPhase.id)).group_by(
                ProtocolPhase.protocol_id
            )
        ).all()
    )
    flags = open_flag_counts(session)
    # one index seek per case (case_id, occurred_at), not a scan of every entry
    latest = (
        select(func.max(TimelineEntry.occurred_at))
        .where(TimelineEntry.case_id == InjuryCase.id)
        .correlate(InjuryCase)
        .scalar_subquery()
    )
    last = dict(session.execute(select(InjuryCase.id, latest)).all())
    stmt = (
        select(InjuryCase, Athlete, ProtocolPhase)
        .join(Athlete, InjuryCase.athlete_id == Athlete.id)
        .join(ProtocolPhase, InjuryCase.current_phase_id == ProtocolPhase.id)
        .order_by(Athlete.name_key, InjuryCase.injury_date.desc())
    )
    if not include_closed:
        stmt = stmt.where(InjuryCase.status != "closed")
    rows = []
    for case, athlete, phase in session.execute(stmt):
        last_at = last.get(case.id)
        if last_at is not None and last_at.tzinfo is None:
            last_at = last_at.replace(tzinfo=utcnow().tzinfo)
        rows.append(
            CaseRow(
                case_id=case.id,
                athlete_id=athlete.id,
                athlete_name=athlete.full_name,
                external_id=athlete.external_id,
                sport=athlete.sport,
                region=case.region,
                side=case.side,
                muscle=case.muscle,
                grade=f"{case.grade}{case.site}",
                status=case.status,
                phase_ordinal=phase.ordinal,
                phase_count=phase_counts.get(case.protocol_id, 0),
                phase_name=phase.name,
                injury_date=case.injury_date,
                open_flags=flags.get(case.id, 0),
                last_entry_at=last_at,
            )
        )
    return rows


def open_flag_counts(session: Session) -> dict[int, int]:
    """Active flags without an active resolution, per case."""
    # "case_id IN (every case)" lets the (case_id, kind, occurred_at) index find the flags
    # of each case instead of scanning the whole timeline
    every_case = select(InjuryCase.id).scalar_subquery()
    resolved = {
        int(d.get("flag_id", 0))
        for (d,) in session.execute(
            select(TimelineEntry.data).where(
                TimelineEntry.case_id.in_(every_case),
                TimelineEntry.kind == "flag_resolved",
                TimelineEntry.status == "active",
            )
        )
    }
    counts: dict[int, int] = {}
    for entry_id, case_id in session.execute(
        select(TimelineEntry.id, TimelineEntry.case_id).where(
            TimelineEntry.case_id.in_(every_case),
            TimelineEntry.kind == "flag",
            TimelineEntry.status == "active",
        )
    ):
        if entry_id not in resolved:
            counts[case_id] = counts.get(case_id, 0) + 1
    return counts
