"""clinic time zone and answered suggestions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The clinic's time zone (``app_meta.clinic_timezone``) becomes the workstation's zone for a
database that has none: every day-based rule counts the clinic's local days. Answers to
step-back and pause suggestions are kept in ``suggestion_answers``, written once (no
statement may change or delete them).
"""

import sqlalchemy as sa
from alembic import op

from casemgr.clinical.clinic_days import workstation_zone_name
from casemgr.db.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("signal_keys", sa.JSON(), nullable=False),
        sa.Column("triggered_by", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("pause_until", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('step_back', 'pause', 'continue')",
            name=op.f("ck_suggestion_answers_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_suggestion_answers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["timeline_entries.id"],
            name=op.f("fk_suggestion_answers_entry_id_timeline_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_suggestion_answers_answered_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_answers")),
    )
    op.create_index(
        op.f("ix_suggestion_answers_case_id_answered_at"),
        "suggestion_answers",
        ["case_id", "answered_at"],
    )
    dialect = op.get_bind().dialect.name
    for operation in ("UPDATE", "DELETE"):
        name = f"trg_suggestion_answers_no_{operation.lower()}"
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON suggestion_answers BEGIN "
                f"SELECT RAISE(ABORT, '{operation} on suggestion_answers is not allowed: "
                "clinical records and the audit trail are append-only'); END"
            )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON suggestion_answers "
                "FOR EACH ROW EXECUTE FUNCTION casemgr_refuse_change()"
            )
    meta = sa.table("app_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    bind = op.get_bind()
    present = bind.execute(sa.select(meta.c.value).where(meta.c.key == "clinic_timezone")).scalar()
    if present is None:
        op.bulk_insert(meta, [{"key": "clinic_timezone", "value": workstation_zone_name()}])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for operation in ("update", "delete"):
        name = f"trg_suggestion_answers_no_{operation}"
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON suggestion_answers")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_suggestion_answers_case_id_answered_at"), "suggestion_answers")
    op.drop_table("suggestion_answers")
    op.execute("DELETE FROM app_meta WHERE key = 'clinic_timezone'")
