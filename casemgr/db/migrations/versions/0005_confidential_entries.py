"""medical-in-confidence timeline entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A timeline entry may be marked "clinical staff only" (``confidential``). Existing entries
stay visible as before: nothing becomes hidden without a person deciding. The flag is not
content: the written-once triggers leave it free to change (each change is audited).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries", recreate="never") as batch:
        batch.add_column(
            sa.Column("confidential", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries", recreate="never") as batch:
        batch.drop_column("confidential")
