"""The shared case timeline: notes, feedback, sessions, measures, checks, flags, sign-offs.

Entries are written once. ``amend_entry`` writes a new entry that supersedes the
original (which stays, marked amended, with who, when and why); ``void_entry`` marks an
entry void with a reason. Measures recorded with an entry follow it: amended or voided
entries void their measures, and an amendment records the corrected values.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from casemgr import audit
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase, Measure, TimelineEntry, User
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor, allowed
from casemgr.services.base import check_version, get_or_404, load_case, require
from casemgr.services.dto import EntryInfo, MeasureValue, Page
from casemgr.text import clean_line, clean_text, like_contains
from casemgr.vocab import SESSION_TYPES, SURFACES

FEEDBACK_NUMBERS = ("pain", "soreness", "tightness", "sleep_hours", "stress", "confidence")
FEEDBACK_TEXTS = ("nutrition", "form_cues", "breathing_rhythm", "comment")
SOAP_PARTS = ("subjective", "objective", "assessment", "plan")
_FUTURE_SLACK = timedelta(minutes=5)  # clock drift between workstations


@functools.lru_cache(maxsize=1)
def catalogue():
    """The measure catalogue (units, plausible ranges), loaded once."""
    from casemgr.clinical.catalogue import load_catalogue

    return load_catalogue()


def entry_info(entry: TimelineEntry, author_name: str, voided_by_name: str = "") -> EntryInfo:
    return EntryInfo(
        id=entry.id,
        case_id=entry.case_id,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        author_id=entry.author_id,
        author_name=author_name,
        discipline=entry.discipline,
        title=entry.title,
        body=entry.body,
        data=dict(entry.data),
        status=entry.status,
        supersedes_id=entry.supersedes_id,
        amend_reason=entry.amend_reason,
        voided_at=entry.voided_at,
        void_reason=entry.void_reason,
        version=entry.version,
        voided_by_name=voided_by_name,
    )


def _case_for(session: Session, actor: Actor, case_id: int, action: Action) -> InjuryCase:
    case = load_case(session, actor, case_id, action)
    if case.status == "closed":
        raise ValidationError("This case is closed; reopen it before adding entries.")
    return case


def _when(occurred_at: datetime | None) -> datetime:
    when = occurred_at or utcnow()
    if when.tzinfo is None:
        raise ValidationError("An entry's time needs a time zone.")
    if when > utcnow() + _FUTURE_SLACK:
        raise ValidationError("An entry cannot be dated in the future.")
    return when


def _add(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    kind: str,
    *,
    title: str,
    body: str = "",
    data: dict | None = None,
    occurred_at: datetime | None = None,
    supersedes: TimelineEntry | None = None,
    amend_reason: str = "",
) -> TimelineEntry:
    entry = TimelineEntry(
        case_id=case.id,
        kind=kind,
        occurred_at=_when(occurred_at),
        author_id=actor.user_id,
        discipline=str(actor.role),
        title=title,
        body=body,
        data=data or {},
        status="active",
        supersedes_id=supersedes.id if supersedes else None,
        amend_reason=amend_reason,
    )
    session.add(entry)
    session.flush()
    action = "entry.amend" if supersedes else f"entry.create.{kind}"
    audit.record(
        session,
        actor,
        action,
        entity_type="entry",
        entity_id=entry.id,
        athlete_id=case.athlete_id,
        reason=amend_reason[:500],
    )
    return entry


def _checked(values: list[MeasureValue]) -> list[dict]:
    """Validate and convert every value (catalogue units and plausible ranges) before
    anything is written; returns the plain values the entry keeps."""
    cat = catalogue()
    out = []
    for mv in values:
        spec = cat.get(mv.key)
        value = cat.convert(mv.key, mv.value, mv.unit) if mv.unit else float(mv.value)
        value = cat.validate(mv.key, value)
        limb = mv.limb or ""
        if spec.per_limb and limb not in ("left", "right"):
            raise ValidationError(f"{spec.label} is measured per limb: give left or right.")
        if not spec.per_limb and limb:
            raise ValidationError(f"{spec.label} is not measured per limb.")
        out.append({"key": mv.key, "limb": limb or None, "value": value})
    return out


def _write_measures(
    session: Session,
    actor: Actor,
    case: InjuryCase,
    entry: TimelineEntry,
    checked: list[dict],
    measured_at: datetime,
    *,
    is_baseline: bool,
    source: str,
) -> None:
    """The measure rows of an entry that is already written (values from ``_checked``)."""
    session.add_all(
        Measure(
            athlete_id=case.athlete_id,
            case_id=case.id,
            entry_id=entry.id,
            key=v["key"],
            limb=v["limb"] or "",
            value=v["value"],
            measured_at=measured_at,
            is_baseline=is_baseline,
            source=source,
            status="active",
            created_by_id=actor.user_id,
        )
        for v in checked
    )
    session.flush()


def _feedback_data(fields: dict, checked: list[dict]) -> dict:
    return {
        "values": {m["key"]: m["value"] for m in checked},
        **{k: fields[k] for k in FEEDBACK_TEXTS if fields.get(k)},
        "unusual_fatigue": bool(fields.get("unusual_fatigue", False)),
    }


def _feedback_summary(checked: list[dict]) -> str:
    return ", ".join(f"{m['key'].replace('_', ' ')} {m['value']:g}" for m in checked)


def add_note(
    session: Session,
    actor: Actor,
    case_id: int,
    body: str = "",
    *,
    title: str = "",
    soap: dict[str, str] | None = None,
    occurred_at: datetime | None = None,
) -> EntryInfo:
    """A clinical note: free text, or SOAP parts (subjective/objective/assessment/plan)."""
    case = _case_for(session, actor, case_id, Action.ADD_NOTE)
    body = clean_text(body, "Note")
    parts = {k: clean_text(v, k.title()) for k, v in (soap or {}).items() if v and v.strip()}
    if set(parts) - set(SOAP_PARTS):
        raise ValidationError(f"SOAP parts are {', '.join(SOAP_PARTS)}.")
    if not body.strip() and not parts:
        raise ValidationError("The note is empty.")
    title = clean_line(title, "Title", max_len=300, required=False) or (
        "SOAP note" if parts else "Note"
    )
    entry = _add(
        session,
        actor,
        case,
        "note",
        title=title,
        body=body,
        data={"soap": parts} if parts else {},
        occurred_at=occurred_at,
    )
    return entry_info(entry, _name(session, actor))


def add_feedback(
    session: Session,
    actor: Actor,
    case_id: int,
    values: dict,
    *,
    occurred_at: datetime | None = None,
) -> EntryInfo:
    """Daily feedback: pain, soreness, tightness (0-10), sleep hours, stress (1-5),
    confidence (0-10), unusual fatigue, and free-text nutrition, form cues, breathing."""
    case = _case_for(session, actor, case_id, Action.ADD_FEEDBACK)
    unknown = set(values) - set(FEEDBACK_NUMBERS) - set(FEEDBACK_TEXTS) - {"unusual_fatigue"}
    if unknown:
        raise ValidationError(f"Unknown feedback fields: {', '.join(sorted(unknown))}.")
    numbers = [
        MeasureValue(k, float(values[k]))
        for k in FEEDBACK_NUMBERS
        if values.get(k) is not None and values.get(k) != ""
    ]
    texts = {
        k: clean_text(str(values[k]), k.replace("_", " ").title(), max_len=20_000)
        for k in FEEDBACK_TEXTS
        if values.get(k)
    }
    if not numbers and not texts and values.get("unusual_fatigue") is None:
        raise ValidationError("The feedback is empty.")
    when = _when(occurred_at)
    checked = _checked(numbers)
    entry = _add(
        session,
        actor,
        case,
        "feedback",
        title="Daily feedback",
        body=_feedback_summary(checked),
        data=_feedback_data({**texts, "unusual_fatigue": values.get("unusual_fatigue")}, checked),
        occurred_at=when,
    )
    _write_measures(
        session, actor, case, entry, checked, when, is_baseline=False, source="feedback"
    )
    return entry_info(entry, _name(session, actor))


@dataclass(frozen=True)
class SessionInput:
    session_type: str
    minutes: float
    srpe: float | None = None
    surface: str = ""
    volume_m: float | None = None
    intensity_pct: float | None = None
    full_training: bool = False
    notes: str = ""


def _session_data(s: SessionInput) -> dict:
    if s.session_type not in SESSION_TYPES:
        raise ValidationError(f"Session type is one of {', '.join(SESSION_TYPES)}.")
    if s.surface and s.surface not in SURFACES:
        raise ValidationError(f"Surface is one of {', '.join(SURFACES)}.")
    if not 0 < s.minutes <= 600:
        raise ValidationError(f"A session of {s.minutes:g} minutes is not plausible (1-600).")
    if s.srpe is not None and not 0 <= s.srpe <= 10:
        raise ValidationError("Session RPE is on the CR-10 scale (0-10).")
    if s.intensity_pct is not None and not 0 < s.intensity_pct <= 110:
        raise ValidationError("Intensity is a % of maximal velocity (1-110).")
    if s.volume_m is not None and not 0 <= s.volume_m <= 100_000:
        raise ValidationError("Volume is in metres (0-100,000).")
    load = round(s.srpe * s.minutes, 1) if s.srpe is not None else None
    return {
        "session_type": s.session_type,
        "minutes": s.minutes,
        "srpe": s.srpe,
        "load_au": load,
        "surface": s.surface,
        "volume_m": s.volume_m,
        "intensity_pct": s.intensity_pct,
        "full_training": s.full_training,
    }


def add_session(
    session: Session,
    actor: Actor,
    case_id: int,
    data: SessionInput,
    *,
    occurred_at: datetime | None = None,
) -> EntryInfo:
    """A training session; load = sRPE x minutes (Foster 2001)."""
    case = _case_for(session, actor, case_id, Action.ADD_SESSION)
    payload = _session_data(data)
    label = SESSION_TYPES[data.session_type]
    title = f"{label} session, {data.minutes:g} min" + (
        f", sRPE {data.srpe:g}" if data.srpe is not None else ""
    )
    entry = _add(
        session,
        actor,
        case,
        "session",
        title=title,
        body=clean_text(data.notes, "Notes", max_len=100_000),
        data=payload,
        occurred_at=occurred_at,
    )
    return entry_info(entry, _name(session, actor))


def record_measures(
    session: Session,
    actor: Actor,
    case_id: int,
    values: list[MeasureValue],
    *,
    measured_at: datetime | None = None,
    is_baseline: bool = False,
    source: str = "manual",
    note: str = "",
    title: str = "",
    extra_data: dict | None = None,
) -> EntryInfo:
    """Measure results (per limb where the measure is per limb), or baseline values.

    *extra_data* is kept on the entry beside the values (e.g. a timing-gate test's splits
    and fitted sprint profile).
    """
    case = _case_for(
        session, actor, case_id, Action.RECORD_BASELINE if is_baseline else Action.RECORD_MEASURE
    )
    if not values:
        raise ValidationError("No values to record.")
    when = _when(measured_at)
    labels = ", ".join(sorted({catalogue().get(v.key).label for v in values}))
    checked = _checked(values)
    entry = _add(
        session,
        actor,
        case,
        "measure",
        title=title or (("Baseline: " if is_baseline else "") + labels),
        body=clean_text(note, "Note", max_len=100_000),
        data={
            **(extra_data or {}),
            "values": checked,
            "is_baseline": is_baseline,
            "source": source,
        },
        occurred_at=when,
    )
    _write_measures(
        session, actor, case, entry, checked, when, is_baseline=is_baseline, source=source
    )
    return entry_info(entry, _name(session, actor))


def record_check(
    session: Session,
    actor: Actor,
    case_id: int,
    check: str,
    passed: bool,
    note: str = "",
    *,
    label: str = "",
    occurred_at: datetime | None = None,
) -> EntryInfo:
    """A clinician check (e.g. pain-free single-leg squat), met or not."""
    case = _case_for(session, actor, case_id, Action.RECORD_CHECK)
    check = clean_line(check, "Check", max_len=64)
    text = label or check.replace("_", " ")
    entry = _add(
        session,
        actor,
        case,
        "check",
        title=f"{text[:1].upper()}{text[1:]}: {'met' if passed else 'not met'}",
        body=clean_text(note, "Note", max_len=100_000),
        data={"check": check, "passed": bool(passed)},
        occurred_at=occurred_at,
    )
    return entry_info(entry, _name(session, actor))


def raise_flag(
    session: Session,
    actor: Actor,
    case_id: int,
    text: str,
    *,
    severity: str = "attention",
    occurred_at: datetime | None = None,
) -> EntryInfo:
    case = _case_for(session, actor, case_id, Action.RAISE_FLAG)
    if severity not in ("info", "attention", "urgent"):
        raise ValidationError("Flag severity is info, attention or urgent.")
    entry = _add(
        session,
        actor,
        case,
        "flag",
        title=clean_line(text, "Flag", max_len=300),
        data={"severity": severity},
        occurred_at=occurred_at,
    )
    return entry_info(entry, _name(session, actor))


def resolve_flag(session: Session, actor: Actor, flag_entry_id: int, reason: str) -> EntryInfo:
    flag = get_or_404(session, TimelineEntry, flag_entry_id, "Flag")
    if flag.kind != "flag" or flag.status != "active":
        raise ValidationError("Only an active flag can be resolved.")
    case = _case_for(session, actor, flag.case_id, Action.RAISE_FLAG)
    entry = _add(
        session,
        actor,
        case,
        "flag_resolved",
        title=f"Resolved: {flag.title}",
        body=clean_text(reason, "Reason", max_len=5000),
        data={"flag_id": flag.id},
    )
    return entry_info(entry, _name(session, actor))


def sign_off(session: Session, actor: Actor, case_id: int, text: str) -> EntryInfo:
    """A signed statement on the timeline (e.g. a phase sign-off by the lead clinician)."""
    case = _case_for(session, actor, case_id, Action.SIGN_OFF)
    entry = _add(
        session,
        actor,
        case,
        "sign_off",
        title="Sign-off",
        body=clean_text(text, "Sign-off", max_len=20_000),
        data={"phase_id": case.current_phase_id},
    )
    return entry_info(entry, _name(session, actor))


_NOT_AMENDABLE = {"decision", "phase_change", "flag_resolved"}


def _editable(
    session: Session, actor: Actor, entry_id: int, expected_version: int
) -> tuple[TimelineEntry, InjuryCase]:
    entry = get_or_404(session, TimelineEntry, entry_id, "Entry")
    case = session.get(InjuryCase, entry.case_id)
    own = entry.author_id == actor.user_id
    require(
        session,
        actor,
        Action.AMEND_OWN if own else Action.AMEND_ANY,
        entity_type="entry",
        entity_id=entry_id,
        athlete_id=case.athlete_id,
    )
    check_version(entry, expected_version, "This entry")
    if entry.status != "active":
        raise ValidationError(f"This entry is already {entry.status}; work on its latest version.")
    if entry.kind in _NOT_AMENDABLE:
        raise ValidationError(
            "Signed decisions and phase changes are never amended or voided; "
            "record a new entry instead."
        )
    return entry, case


def _void_measures(session: Session, entry_id: int) -> None:
    for m in session.scalars(
        select(Measure).where(Measure.entry_id == entry_id, Measure.status == "active")
    ):
        m.status = "voided"


def amend_entry(
    session: Session,
    actor: Actor,
    entry_id: int,
    expected_version: int,
    reason: str,
    *,
    title: str | None = None,
    body: str | None = None,
    data: dict | None = None,
    values: list[MeasureValue] | None = None,
    extra_data: dict | None = None,
) -> EntryInfo:
    """Correct an entry: the original stays (marked amended); the correction supersedes it.

    *extra_data* replaces what a measure entry keeps beside its values (e.g. a corrected
    timing-gate test's splits and profile).

    For measure entries pass the corrected *values*; for feedback pass *data* with the
    feedback fields; for sessions pass *data* as ``SessionInput`` fields.
    """
    reason = clean_text(reason, "Reason", max_len=5000).strip()
    if not reason:
        raise ValidationError("Say why the entry is amended.")
    entry, case = _editable(session, actor, entry_id, expected_version)
    # the correction is worked out completely before anything is written
    new_title = clean_line(title, "Title", max_len=300) if title is not None else entry.title
    new_body = clean_text(body, "Text") if body is not None else entry.body
    new_data, checked, source = dict(entry.data), None, ""
    if entry.kind == "measure":
        corrected = (
            values
            if values is not None
            else [MeasureValue(v["key"], v["value"], v.get("limb")) for v in entry.data["values"]]
        )
        checked = _checked(corrected)
        source = entry.data.get("source", "manual")
        kept = extra_data if extra_data is not None else entry.data
        new_data = {
            **kept,
            "values": checked,
            "is_baseline": entry.data.get("is_baseline", False),
            "source": source,
        }
    elif entry.kind == "feedback":
        fields = (
            data
            if data is not None
            else {
                **entry.data.get("values", {}),
                **{k: entry.data[k] for k in FEEDBACK_TEXTS if k in entry.data},
                "unusual_fatigue": entry.data.get("unusual_fatigue", False),
            }
        )
        checked = _checked(
            [
                MeasureValue(k, float(fields[k]))
                for k in FEEDBACK_NUMBERS
                if fields.get(k) is not None and fields.get(k) != ""
            ]
        )
        source = "feedback"
        new_data = _feedback_data(fields, checked)
        new_body = _feedback_summary(checked)
    elif entry.kind == "session" and data is not None:
        new_data = _session_data(SessionInput(**data))
    elif entry.kind in ("note", "check", "flag", "sign_off") and data is not None:
        new_data = {**entry.data, **data}
    entry.status = "amended"
    session.flush()
    new = _add(
        session,
        actor,
        case,
        entry.kind,
        title=new_title,
        body=new_body,
        data=new_data,
        occurred_at=entry.occurred_at,
        supersedes=entry,
        amend_reason=reason,
    )
    if checked is not None:
        _void_measures(session, entry.id)
        _write_measures(
            session,
            actor,
            case,
            new,
            checked,
            entry.occurred_at,
            is_baseline=bool(entry.data.get("is_baseline", False)),
            source=source,
        )
    return entry_info(new, _name(session, actor))


def void_entry(
    session: Session, actor: Actor, entry_id: int, expected_version: int, reason: str
) -> EntryInfo:
    """Withdraw an entry with a reason; it stays visible, struck through, with who and why."""
    reason = clean_text(reason, "Reason", max_len=5000).strip()
    if not reason:
        raise ValidationError("Say why the entry is voided.")
    entry, case = _editable(session, actor, entry_id, expected_version)
    entry.status = "voided"
    entry.voided_at = utcnow()
    entry.voided_by_id = actor.user_id
    entry.void_reason = reason
    _void_measures(session, entry.id)
    session.flush()
    audit.record(
        session,
        actor,
        "entry.void",
        entity_type="entry",
        entity_id=entry.id,
        athlete_id=case.athlete_id,
        reason=reason[:500],
    )
    return entry_info(
        entry, _author_name(session, entry.author_id), _author_name(session, actor.user_id)
    )


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    include_history: bool = True  # amended and voided entries too


def list_entries(
    session: Session,
    actor: Actor,
    case_id: int,
    filt: TimelineFilter | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> Page:
    """A page of the case timeline in time order, with the total that matches."""
    load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    f = filt or TimelineFilter()
    conds = [TimelineEntry.case_id == case_id]
    if f.kinds:
        conds.append(TimelineEntry.kind.in_(f.kinds))
    if f.disciplines:
        conds.append(TimelineEntry.discipline.in_(f.disciplines))
    if f.author_id is not None:
        conds.append(TimelineEntry.author_id == f.author_id)
    if f.since is not None:
        conds.append(TimelineEntry.occurred_at >= f.since)
    if f.until is not None:
        conds.append(TimelineEntry.occurred_at < f.until)
    if not f.include_history:
        conds.append(TimelineEntry.status == "active")
    if f.text.strip():
        # stored text is NFC (clean_text): search in the same form, wildcards literal
        needle = like_contains(unicodedata.normalize("NFC", f.text.strip()).lower())
        conds.append(
            or_(
                func.lower(TimelineEntry.title).like(needle, escape="\\"),
                func.lower(TimelineEntry.body).like(needle, escape="\\"),
            )
        )
    total = session.scalar(select(func.count(TimelineEntry.id)).where(*conds)) or 0
    order = (
        (TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
        if newest_first
        else (TimelineEntry.occurred_at, TimelineEntry.id)
    )
    voider = aliased(User)
    stmt = (
        select(TimelineEntry, User.display_name, voider.display_name)
        .join(User, TimelineEntry.author_id == User.id)
        .outerjoin(voider, TimelineEntry.voided_by_id == voider.id)
        .where(*conds)
        .order_by(*order)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    items = tuple(entry_info(e, name, voided or "") for e, name, voided in session.execute(stmt))
    return Page(items=items, total=total, offset=offset)


def list_authors(session: Session, actor: Actor, case_id: int) -> list[tuple[int, str, str]]:
    """Everyone who wrote on the case's timeline: (user id, display name, role), by name."""
    load_case(session, actor, case_id, Action.VIEW_CLINICAL)
    rows = session.execute(
        select(User.id, User.display_name, User.role)
        .where(User.id.in_(select(TimelineEntry.author_id).where(TimelineEntry.case_id == case_id)))
        .order_by(User.display_name)
    )
    return [(uid, name, role) for uid, name, role in rows]


def entry_history(session: Session, actor: Actor, entry_id: int) -> list[EntryInfo]:
    """The chain of versions of an entry, oldest first."""
    entry = get_or_404(session, TimelineEntry, entry_id, "Entry")
    case = session.get(InjuryCase, entry.case_id)
    require(
        session,
        actor,
        Action.VIEW_CLINICAL,
        entity_type="entry",
        entity_id=entry_id,
        athlete_id=case.athlete_id,
    )
    while entry.supersedes_id is not None:
        entry = session.get(TimelineEntry, entry.supersedes_id)
    chain = [entry]
    while True:
        nxt = session.scalar(
            select(TimelineEntry).where(TimelineEntry.supersedes_id == chain[-1].id)
        )
        if nxt is None:
            break
        chain.append(nxt)
    return [entry_info(e, _author_name(session, e.author_id)) for e in chain]


def _author_name(session: Session, user_id: int) -> str:
    return session.scalar(select(User.display_name).where(User.id == user_id)) or "?"


def _name(session: Session, actor: Actor) -> str:
    return actor.display_name or _author_name(session, actor.user_id)


def can_amend(actor: Actor, entry: EntryInfo) -> bool:
    """Whether the UI should offer amend/void on *entry* to *actor*."""
    if entry.status != "active" or entry.kind in _NOT_AMENDABLE:
        return False
    own = entry.author_id == actor.user_id
    return allowed(actor.role, Action.AMEND_OWN if own else Action.AMEND_ANY)
