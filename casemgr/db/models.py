"""The ORM model: every table of the case manager.

Editable rows carry a ``version`` column (SQLAlchemy ``version_id_col``) so that two
sessions editing the same record cannot silently overwrite each other. Clinical content
(timeline entries, measures, decisions, audit events) is never updated in place: see
``casemgr.db.guards``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casemgr.db.base import Base, UTCDateTime, utcnow

ROLES = ("admin", "doctor", "physio", "coach", "scientist")
REGIONS = ("hamstring", "calf")
SIDES = ("left", "right")
CASE_STATUSES = ("open", "surveillance", "closed")
ENTRY_KINDS = (
    "note",
    "feedback",
    "session",
    "measure",
    "check",
    "phase_change",
    "flag",
    "flag_resolved",
    "sign_off",
    "decision",
    "target",
    "plan",
)
ENTRY_STATUSES = ("active", "amended", "voided")
DECISIONS = ("cleared", "cleared_with_restrictions", "not_cleared")
SUGGESTION_ANSWERS = ("step_back", "pause", "continue")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Athlete(Base):
    __tablename__ = "athletes"
    __table_args__ = (
        CheckConstraint("dominant_limb IS NULL OR " + _in("dominant_limb", SIDES), name="limb"),
        CheckConstraint(
            "body_mass_kg IS NULL OR (body_mass_kg > 20 AND body_mass_kg < 250)", name="mass"
        ),
        CheckConstraint("height_m IS NULL OR (height_m > 1.0 AND height_m < 2.5)", name="height"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Case-, accent- and Unicode-form-insensitive key for search and import matching.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    sport: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(100), default="")
    dominant_limb: Mapped[str | None] = mapped_column(String(8), nullable=True)
    body_mass_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    height_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    cases: Mapped[list[InjuryCase]] = relationship(
        back_populates="athlete", foreign_keys="InjuryCase.athlete_id"
    )

    __mapper_args__ = {"version_id_col": version}


class Protocol(Base):
    """One immutable version of a progression protocol; the full definition is data."""

    __tablename__ = "protocols"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        CheckConstraint(_in("region", REGIONS), name="region"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    phases: Mapped[list[ProtocolPhase]] = relationship(
        back_populates="protocol", order_by="ProtocolPhase.ordinal"
    )


class ProtocolPhase(Base):
    __tablename__ = "protocol_phases"
    __table_args__ = (
        UniqueConstraint("protocol_id", "ordinal"),
        UniqueConstraint("protocol_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    ordinal: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    protocol: Mapped[Protocol] = relationship(back_populates="phases")
    criteria: Mapped[list[PhaseCriterion]] = relationship(
        back_populates="phase", order_by="PhaseCriterion.ordinal"
    )


class PhaseCriterion(Base):
    """An exit criterion of a phase; ``spec`` holds the full criterion definition."""

    __tablename__ = "phase_criteria"
    __table_args__ = (UniqueConstraint("phase_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("protocol_phases.id"))
    ordinal: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    measure: Mapped[str | None] = mapped_column(String(64), nullable=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    spec: Mapped[dict] = mapped_column(JSON)

    phase: Mapped[ProtocolPhase] = relationship(back_populates="criteria")


class InjuryCase(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("region", REGIONS), name="region"),
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        CheckConstraint(_in("classification", ("bamic", "munich")), name="classification"),
        Index(None, "status", "athlete_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id"), index=True)
    region: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(8))
    muscle: Mapped[str] = mapped_column(String(64))
    classification: Mapped[str] = mapped_column(String(8), default="bamic")
    grade: Mapped[str] = mapped_column(String(4), default="")  # BAMIC 0a/0b/1-4 or Munich 1A...
    site: Mapped[str] = mapped_column(String(4), default="")  # BAMIC a/b/c
    mechanism: Mapped[str] = mapped_column(String(32), default="")
    injury_date: Mapped[date] = mapped_column(Date)
    recurrence_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    imaging_note: Mapped[str] = mapped_column(Text, default="")
    history_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    current_phase_id: Mapped[int] = mapped_column(ForeignKey("protocol_phases.id"))
    phase_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    athlete: Mapped[Athlete] = relationship(back_populates="cases", foreign_keys=[athlete_id])
    protocol: Mapped[Protocol] = relationship()
    current_phase: Mapped[ProtocolPhase] = relationship()

    __mapper_args__ = {"version_id_col": version}


class TimelineEntry(Base):
    """One entry of a case's shared timeline.

    Content columns are written once. An amendment is a new entry whose ``supersedes_id``
    points at the original (marked ``amended``); a void marks the entry ``voided`` with
    who, when and why. Only those status columns ever change.
    """

    __tablename__ = "timeline_entries"
    __table_args__ = (
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint(_in("status", ENTRY_STATUSES), name="status"),
        Index(None, "case_id", "occurred_at"),
        Index(None, "case_id", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    discipline: Mapped[str] = mapped_column(String(16))  # the author's role when written
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("timeline_entries.id"), nullable=True, index=True
    )
    amend_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # "clinical staff only": coaches and scientists see that the entry exists, not its content
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    __mapper_args__ = {"version_id_col": version}


class Measure(Base):
    """One measured value (per limb where the measure is per limb), in canonical units."""

    __tablename__ = "measures"
    __table_args__ = (
        CheckConstraint("limb IN ('', 'left', 'right')", name="limb"),
        CheckConstraint("status IN ('active', 'voided')", name="status"),
        Index(None, "case_id", "key", "measured_at"),
        Index(None, "athlete_id", "key", "measured_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("timeline_entries.id"), nullable=True, index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    limb: Mapped[str] = mapped_column(String(8), default="")  # '' when not per limb
    value: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(64), default="manual")
    status: Mapped[str] = mapped_column(String(8), default="active")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[TimelineEntry | None] = relationship()


class WeeklyTarget(Base):
    __tablename__ = "weekly_targets"
    __table_args__ = (Index(None, "case_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    week_start: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    discipline: Mapped[str] = mapped_column(String(16))
    met: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Optional measurable form: "<measure> <comparator> <threshold>" over the week's data
    # (aggregation: best, sum, count of days...); met is then computed, not ticked.
    measure: Mapped[str | None] = mapped_column(String(64), nullable=True)
    limb: Mapped[str] = mapped_column(String(8), default="")
    aggregation: Mapped[str] = mapped_column(String(16), default="")
    comparator: Mapped[str] = mapped_column(String(2), default="")
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class PlannedSession(Base):
    __tablename__ = "planned_sessions"
    __table_args__ = (Index(None, "case_id", "planned_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    planned_date: Mapped[date] = mapped_column(Date)
    session_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    surface: Mapped[str] = mapped_column(String(32), default="")
    intensity_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class RtpDecision(Base):
    """A doctor's signed return-to-play decision. Never changed once written."""

    __tablename__ = "rtp_decisions"
    __table_args__ = (CheckConstraint(_in("decision", DECISIONS), name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id"))
    decision: Mapped[str] = mapped_column(String(32))
    restrictions: Mapped[str] = mapped_column(Text, default="")
    monitoring_plan: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))


class SuggestionAnswer(Base):
    """A person's answer to a step-back or pause suggestion. Never changed once written.

    ``answer``: ``step_back`` (the phase moved back), ``pause`` (progression paused until
    ``pause_until``) or ``continue`` (seen, continue, with a reason). ``signal_keys`` are the
    keys of the suggestions answered; ``triggered_by`` the entry ids behind them, so the
    same entries never raise the same suggestion again. ``entry_id`` is the timeline entry
    that records the answer (the phase change, or a note).
    """

    __tablename__ = "suggestion_answers"
    __table_args__ = (
        CheckConstraint(_in("answer", SUGGESTION_ANSWERS), name="answer"),
        Index(None, "case_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id"))
    answer: Mapped[str] = mapped_column(String(16))
    signal_keys: Mapped[list] = mapped_column(JSON, default=list)
    triggered_by: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    pause_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    answered_by: Mapped[User] = relationship(foreign_keys=[answered_by_id])


class AuditEvent(Base):
    """Append-only, hash-chained audit trail (see ``casemgr.audit``)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    workstation: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    athlete_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ImportPreset(Base):
    """A saved column mapping for device and spreadsheet exports (definition as data)."""

    __tablename__ = "import_presets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ImportBatch(Base):
    """One committed import: which file (by SHA-256), which preset, by whom, how much."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    preset: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    measures_written: Mapped[int] = mapped_column(Integer, default=0)
    measures_skipped: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class AppMeta(Base):
    """Key/value facts about this database (clinic name, demo flag, audit head...)."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
