"""Tests of the Alembic migrations against the SQLModel tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from leadgate.config.settings import Settings
from leadgate.core.store.engine import VERSION_TABLE, Database, alembic_config


def test_migrated_schema_matches_tables(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_migrations_create_every_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())

    assert set(SQLModel.metadata.tables) <= tables
    assert VERSION_TABLE in tables


def test_downgrade_then_upgrade_round_trip(tmp_path: Path) -> None:
    database = Database.open(tmp_path, Settings(database_url=None))
    database.migrate()
    config = alembic_config()

    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    tables_after_downgrade = set(inspect(database.engine).get_table_names())
    database.migrate()

    assert tables_after_downgrade == {VERSION_TABLE}
    assert set(SQLModel.metadata.tables) <= set(inspect(database.engine).get_table_names())
    database.dispose()


def test_migrations_ship_inside_package() -> None:
    script_location = Path(alembic_config().get_main_option("script_location") or "")

    assert (script_location / "env.py").is_file()
    assert any((script_location / "versions").glob("0001_*.py"))
    assert "leadgate" in script_location.parts
