"""Alembic migrations of the leadgate schema, run by ``leadgate migrate``."""
