"""Alembic environment: runs on the connection the app hands over (no fileConfig)."""

from __future__ import annotations

from alembic import context

from casemgr.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only in-process use is supported
    raise RuntimeError("casemgr migrations run in-process via casemgr.db.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
