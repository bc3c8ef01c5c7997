"""Persistence: the ORM model, engines for SQLite and PostgreSQL, and migrations."""
