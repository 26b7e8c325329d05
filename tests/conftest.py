"""Shared fixtures: a real SQLite archive migrated by Alembic in tmp_path."""
