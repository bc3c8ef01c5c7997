"""measurable weekly targets, import presets and batches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from casemgr.db.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("preset", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("measures_written", sa.Integer(), nullable=False),
        sa.Column("measures_skipped", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_import_batches_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batches_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "import_presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_presets_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_presets")),
        sa.UniqueConstraint("name", name=op.f("uq_import_presets_name")),
    )
    with op.batch_alter_table("weekly_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measure", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("limb", server_default="", type_=sa.String(length=8), nullable=False)
        )
        batch_op.add_column(
            sa.Column("aggregation", server_default="", type_=sa.String(length=16), nullable=False)
        )
        batch_op.add_column(
            sa.Column("comparator", server_default="", type_=sa.String(length=2), nullable=False)
        )
        batch_op.add_column(sa.Column("threshold", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("weekly_targets", schema=None) as batch_op:
        batch_op.drop_column("threshold")
        batch_op.drop_column("comparator")
        batch_op.drop_column("aggregation")
        batch_op.drop_column("limb")
        batch_op.drop_column("measure")

    op.drop_table("import_presets")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_file_sha256"))

    op.drop_table("import_batches")
