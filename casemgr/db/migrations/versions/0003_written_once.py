"""clinical content is written once, whatever issues the statement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Timeline entries may only change their status (amended / voided, with who, when and why)
and their version; measures only their status. Any other change, by the app or by a bulk
statement from another tool, is refused by the database itself.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CONTENT = {
    "timeline_entries": (
        "case_id",
        "kind",
        "occurred_at",
        "recorded_at",
        "author_id",
        "discipline",
        "title",
        "body",
        "data",
        "supersedes_id",
        "amend_reason",
    ),
    "measures": (
        "athlete_id",
        "case_id",
        "entry_id",
        "key",
        "limb",
        "value",
        "measured_at",
        "is_baseline",
        "source",
        "created_by_id",
        "created_at",
    ),
}


def _changed(columns: tuple[str, ...], dialect: str) -> str:
    if dialect == "postgresql":  # JSON has no equality operator: compare its text
        return " OR ".join(
            f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text"
            if c == "data"
            else f"OLD.{c} IS DISTINCT FROM NEW.{c}"
            for c in columns
        )
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION casemgr_refuse_content_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% content is written once: amend or void it instead "
            "(append-only)', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
    for table, columns in CONTENT.items():
        name = f"trg_{table}_content_written_once"
        when = _changed(columns, dialect)
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} WHEN {when} BEGIN "
                f"SELECT RAISE(ABORT, '{table} content is written once: amend or void it "
                "instead (append-only)'); END"
            )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION casemgr_refuse_content_change()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in CONTENT:
        name = f"trg_{table}_content_written_once"
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS casemgr_refuse_content_change()")
