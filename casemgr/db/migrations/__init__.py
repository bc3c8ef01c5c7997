"""Alembic migration scripts, shipped inside the package and run in-process."""
