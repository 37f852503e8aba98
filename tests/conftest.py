"""Shared fixtures: key rings and migrated databases on SQLite and PostgreSQL.

PostgreSQL variants run when ``LEADGATE_TEST_DATABASE_URL`` names a server (for
example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). The test run creates
its own databases on that server and drops them at the end; without the variable
those variants are skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlmodel import SQLModel

from leadgate.config.settings import Settings
from leadgate.core.crypto import KeyRing
from leadgate.core.store import tables  # noqa: F401  (registers the tables)
from leadgate.core.store.engine import Database

TEST_DATABASE_URL_VARIABLE = "LEADGATE_TEST_DATABASE_URL"


@pytest.fixture
def keyring() -> KeyRing:
    """A fresh in-memory key ring with one data key."""
    return KeyRing.generate()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings that point at a SQLite database under ``tmp_path / "data"``."""
    return Settings(data_dir=tmp_path / "data", database_url=None, encryption_keys=None)


@pytest.fixture
def sqlite_database(sqlite_settings: Settings) -> Iterator[Database]:
    """A migrated SQLite database in the test's own temporary directory."""
    assert sqlite_settings.data_dir is not None
    database = Database.open(sqlite_settings.data_dir, sqlite_settings)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server URL from the environment; skips the test without it."""
    url = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    if not url:
        pytest.skip(f"{TEST_DATABASE_URL_VARIABLE} is not set")
    return url


@pytest.fixture(scope="session")
def create_postgres_database(postgres_server_url: str) -> Iterator[Callable[[], str]]:
    """A factory of empty PostgreSQL databases, all dropped when the run ends."""
    server = make_url(postgres_server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create() -> str:
        name = f"leadgate_test_{os.getpid()}_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield create

    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_run_url(create_postgres_database: Callable[[], str]) -> str:
    """One migrated PostgreSQL database shared by the whole run, emptied after each test."""
    url = create_postgres_database()
    database = Database.from_url(url)
    database.migrate()
    database.dispose()
    return url


@pytest.fixture
def postgres_database(postgres_run_url: str) -> Iterator[Database]:
    """The run's migrated PostgreSQL database; every table is emptied after the test."""
    database = Database.from_url(postgres_run_url)
    yield database

    table_names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {table_names} RESTART IDENTITY CASCADE"))
    database.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgresql"],
)
def database(request: pytest.FixtureRequest) -> Database:
    """A migrated database, once on SQLite and once on PostgreSQL (when configured)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_database")  # type: ignore[no-any-return]
    return request.getfixturevalue("postgres_database")  # type: ignore[no-any-return]
