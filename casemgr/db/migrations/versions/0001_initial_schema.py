"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from casemgr.db.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Records that no statement may change or delete, whatever tool issues it.
_APPEND_ONLY = {
    "audit_events": ("UPDATE", "DELETE"),
    "rtp_decisions": ("UPDATE", "DELETE"),
    "timeline_entries": ("DELETE",),
    "measures": ("DELETE",),
}


def _create_guard_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION casemgr_refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% on % is not allowed: clinical records and the audit trail "
            "are append-only', TG_OP, TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
    for table, operations in _APPEND_ONLY.items():
        for operation in operations:
            name = f"trg_{table}_no_{operation.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{operation} on {table} is not allowed: clinical "
                    "records and the audit trail are append-only'); END"
                )
            elif dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION casemgr_refuse_change()"
                )


def upgrade() -> None:
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_meta")),
    )
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sport", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("dominant_limb", sa.String(length=8), nullable=True),
        sa.Column("body_mass_kg", sa.Float(), nullable=True),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "dominant_limb IS NULL OR dominant_limb IN ('left', 'right')",
            name=op.f("ck_athletes_limb"),
        ),
        sa.CheckConstraint(
            "body_mass_kg IS NULL OR (body_mass_kg > 20 AND body_mass_kg < 250)",
            name=op.f("ck_athletes_mass"),
        ),
        sa.CheckConstraint(
            "height_m IS NULL OR (height_m > 1.0 AND height_m < 2.5)",
            name=op.f("ck_athletes_height"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_athletes")),
        sa.UniqueConstraint("external_id", name=op.f("uq_athletes_external_id")),
    )
    with op.batch_alter_table("athletes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_athletes_name_key"), ["name_key"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("workstation", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_athlete_id"), ["athlete_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'doctor', 'physio', 'coach', 'scientist')",
            name=op.f("ck_users_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("region IN ('hamstring', 'calf')", name=op.f("ck_protocols_region")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_protocols_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocols")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_protocols_key_version")),
    )
    op.create_table(
        "protocol_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_protocol_phases_protocol_id_protocols")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_phases")),
        sa.UniqueConstraint("protocol_id", "key", name=op.f("uq_protocol_phases_protocol_id_key")),
        sa.UniqueConstraint(
            "protocol_id", "ordinal", name=op.f("uq_protocol_phases_protocol_id_ordinal")
        ),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("muscle", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.String(length=8), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("mechanism", sa.String(length=32), nullable=False),
        sa.Column("injury_date", sa.Date(), nullable=False),
        sa.Column("recurrence_of_id", sa.Integer(), nullable=True),
        sa.Column("imaging_note", sa.Text(), nullable=False),
        sa.Column("history_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("current_phase_id", sa.Integer(), nullable=False),
        sa.Column("phase_entered_at", UTCDateTime(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "classification IN ('bamic', 'munich')", name=op.f("ck_cases_classification")
        ),
        sa.CheckConstraint("region IN ('hamstring', 'calf')", name=op.f("ck_cases_region")),
        sa.CheckConstraint("side IN ('left', 'right')", name=op.f("ck_cases_side")),
        sa.CheckConstraint(
            "status IN ('open', 'surveillance', 'closed')", name=op.f("ck_cases_status")
        ),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athletes.id"], name=op.f("fk_cases_athlete_id_athletes")
        ),
        sa.ForeignKeyConstraint(
            ["current_phase_id"],
            ["protocol_phases.id"],
            name=op.f("fk_cases_current_phase_id_protocol_phases"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_cases_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_cases_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["recurrence_of_id"], ["cases.id"], name=op.f("fk_cases_recurrence_of_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_athlete_id"), ["athlete_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cases_status_athlete_id"), ["status", "athlete_id"], unique=False
        )

    op.create_table(
        "phase_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["protocol_phases.id"],
            name=op.f("fk_phase_criteria_phase_id_protocol_phases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_criteria")),
        sa.UniqueConstraint("phase_id", "key", name=op.f("uq_phase_criteria_phase_id_key")),
    )
    op.create_table(
        "planned_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("session_type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("surface", sa.String(length=32), nullable=False),
        sa.Column("intensity_pct", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_planned_sessions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_planned_sessions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_sessions")),
    )
    with op.batch_alter_table("planned_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planned_sessions_case_id_planned_date"),
            ["case_id", "planned_date"],
            unique=False,
        )

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("amend_reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('note', 'feedback', 'session', 'measure', 'check', 'phase_change', 'flag', 'flag_resolved', 'sign_off', 'decision', 'target', 'plan')",
            name=op.f("ck_timeline_entries_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'amended', 'voided')", name=op.f("ck_timeline_entries_status")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_timeline_entries_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_timeline_entries_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["timeline_entries.id"],
            name=op.f("fk_timeline_entries_supersedes_id_timeline_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["users.id"], name=op.f("fk_timeline_entries_voided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timeline_entries_case_id_kind_occurred_at"),
            ["case_id", "kind", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_timeline_entries_case_id_occurred_at"),
            ["case_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_timeline_entries_supersedes_id"), ["supersedes_id"], unique=False
        )

    op.create_table(
        "weekly_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("discipline", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_weekly_targets_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_weekly_targets_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_targets")),
    )
    with op.batch_alter_table("weekly_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_weekly_targets_case_id_week_start"),
            ["case_id", "week_start"],
            unique=False,
        )

    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("limb", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_at", UTCDateTime(), nullable=False),
        sa.Column("is_baseline", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("limb IN ('', 'left', 'right')", name=op.f("ck_measures_limb")),
        sa.CheckConstraint("status IN ('active', 'voided')", name=op.f("ck_measures_status")),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athletes.id"], name=op.f("fk_measures_athlete_id_athletes")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_measures_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_measures_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["timeline_entries.id"],
            name=op.f("fk_measures_entry_id_timeline_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measures_athlete_id_key_measured_at"),
            ["athlete_id", "key", "measured_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_measures_case_id_key_measured_at"),
            ["case_id", "key", "measured_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_measures_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "rtp_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("restrictions", sa.Text(), nullable=False),
        sa.Column("monitoring_plan", sa.Text(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "decision IN ('cleared', 'cleared_with_restrictions', 'not_cleared')",
            name=op.f("ck_rtp_decisions_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_rtp_decisions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["users.id"], name=op.f("fk_rtp_decisions_doctor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["timeline_entries.id"],
            name=op.f("fk_rtp_decisions_entry_id_timeline_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rtp_decisions")),
    )
    with op.batch_alter_table("rtp_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rtp_decisions_case_id"), ["case_id"], unique=False)
    _create_guard_triggers()


def downgrade() -> None:
    with op.batch_alter_table("rtp_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rtp_decisions_case_id"))

    op.drop_table("rtp_decisions")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measures_entry_id"))
        batch_op.drop_index(batch_op.f("ix_measures_case_id_key_measured_at"))
        batch_op.drop_index(batch_op.f("ix_measures_athlete_id_key_measured_at"))

    op.drop_table("measures")
    with op.batch_alter_table("weekly_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weekly_targets_case_id_week_start"))

    op.drop_table("weekly_targets")
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_entries_supersedes_id"))
        batch_op.drop_index(batch_op.f("ix_timeline_entries_case_id_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_timeline_entries_case_id_kind_occurred_at"))

    op.drop_table("timeline_entries")
    with op.batch_alter_table("planned_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_sessions_case_id_planned_date"))

    op.drop_table("planned_sessions")
    op.drop_table("phase_criteria")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status_athlete_id"))
        batch_op.drop_index(batch_op.f("ix_cases_athlete_id"))

    op.drop_table("cases")
    op.drop_table("protocol_phases")
    op.drop_table("protocols")
    op.drop_table("users")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_athlete_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    with op.batch_alter_table("athletes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_athletes_name_key"))

    op.drop_table("athletes")
    op.drop_table("app_meta")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS casemgr_refuse_change()")
