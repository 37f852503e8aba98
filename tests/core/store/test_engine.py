"""Tests of Database: opening SQLite and PostgreSQL, sessions, locks, errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from leadgate.config.settings import Settings
from leadgate.core.store.engine import (
    SQLITE_FILE_NAME,
    Database,
    data_dir_for,
    lock_transaction,
    try_lock_transaction,
)
from leadgate.core.store.tables import Subject
from leadgate.errors import StorageError


def test_open_sqlite_creates_data_dir_and_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "bundle" / "data"

    database = Database.open(data_dir, Settings(database_url=None))

    assert database.dialect == "sqlite"
    assert database.sqlite_path == data_dir / SQLITE_FILE_NAME
    assert (data_dir / SQLITE_FILE_NAME).exists()
    assert (data_dir.stat().st_mode & 0o777) == 0o700
    database.dispose()


def test_sqlite_files_readable_only_by_owner(sqlite_database: Database) -> None:
    with sqlite_database.session() as session:
        session.add(Subject(bundle="salon"))
    path = sqlite_database.sqlite_path
    assert path is not None

    modes = {
        suffix: Path(f"{path}{suffix}").stat().st_mode & 0o777 for suffix in ("", "-wal", "-shm")
    }

    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("foreign_keys", 1),
        ("busy_timeout", 10_000),
        ("synchronous", 2),
        ("secure_delete", 1),
    ],
    ids=["wal", "foreign-keys", "busy-timeout", "synchronous-full", "secure-delete"],
)
def test_sqlite_connection_pragmas(sqlite_database: Database, pragma: str, expected) -> None:
    with sqlite_database.engine.connect() as connection:
        value = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()

    assert value == expected


def test_session_commits_on_success(database: Database) -> None:
    with database.session() as session:
        session.add(Subject(id="a" * 32, bundle="salon"))

    with database.session(readonly=True) as session:
        stored = session.exec(select(Subject)).all()

    assert [subject.id for subject in stored] == ["a" * 32]


def test_session_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.add(Subject(id="b" * 32, bundle="salon"))
        session.flush()
        raise RuntimeError("stop")

    with database.session(readonly=True) as session:
        assert session.exec(select(Subject)).all() == []


def test_objects_usable_after_commit(database: Database) -> None:
    with database.session() as session:
        subject = Subject(bundle="salon")
        session.add(subject)

    assert len(subject.id) == 32
    assert subject.bundle == "salon"


@pytest.mark.postgres
def test_readonly_session_rejects_writes_on_postgres(postgres_database: Database) -> None:
    with pytest.raises(DBAPIError) as raised, postgres_database.session(readonly=True) as session:
        session.add(Subject(bundle="salon"))
        session.flush()

    assert "read-only" in str(raised.value)


def test_sqlite_write_sessions_queue_instead_of_failing(sqlite_database: Database) -> None:
    # Two read-then-write transactions would fail with "database is locked" under
    # deferred BEGIN; BEGIN IMMEDIATE makes the second wait for the first.
    first_started = threading.Event()
    errors: list[BaseException] = []

    def writer(name: str, started: threading.Event | None, wait: threading.Event | None) -> None:
        try:
            with sqlite_database.session() as session:
                session.exec(select(Subject)).all()
                if started is not None:
                    started.set()
                if wait is not None:
                    wait.wait(0.3)
                session.add(Subject(bundle=name))
        except BaseException as error:
            errors.append(error)

    slow = threading.Thread(target=writer, args=("first", first_started, threading.Event()))
    slow.start()
    first_started.wait(5)
    fast = threading.Thread(target=writer, args=("second", None, None))
    fast.start()
    slow.join(10)
    fast.join(10)

    assert errors == []
    with sqlite_database.session(readonly=True) as session:
        bundles = sorted(subject.bundle for subject in session.exec(select(Subject)))
    assert bundles == ["first", "second"]


@pytest.mark.postgres
def test_postgres_transaction_lock_excludes_second_holder(postgres_database: Database) -> None:
    results: list[bool] = []

    with postgres_database.session() as holder:
        lock_transaction(holder, "leadgate.test")
        thread = threading.Thread(
            target=lambda: results.append(_try_lock(postgres_database, "leadgate.test"))
        )
        thread.start()
        thread.join(10)

    results.append(_try_lock(postgres_database, "leadgate.test"))

    assert results == [False, True]


def _try_lock(database: Database, name: str) -> bool:
    with database.session() as session:
        return try_lock_transaction(session, name)


def test_lock_transaction_rejects_readonly_session(sqlite_database: Database) -> None:
    with sqlite_database.session(readonly=True) as session, pytest.raises(ValueError):
        lock_transaction(session, "leadgate.test")


def test_open_unreachable_postgres_masks_password() -> None:
    # Port 1 on this machine has no server, so the connection is refused at once.
    url = "postgresql+psycopg://leadgate:s3cret-pass@127.0.0.1:1/leadgate"

    with pytest.raises(StorageError) as raised:
        Database.from_url(url)

    message = str(raised.value)
    assert "s3cret-pass" not in message
    assert "***" in message
    assert "LEADGATE_DATABASE_URL" in message


@pytest.mark.parametrize(
    "url",
    ["not a url at all", "mysql+pymysql://root:s3cret-pass@127.0.0.1/leadgate"],
    ids=["unparseable", "unsupported-dialect"],
)
def test_invalid_database_url_raises_storage_error(url: str) -> None:
    with pytest.raises(StorageError) as raised:
        Database.from_url(url)

    assert "s3cret-pass" not in str(raised.value)


def test_open_uses_database_url_over_data_dir(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.db"

    database = Database.open(tmp_path / "data", Settings(database_url=f"sqlite:///{other}"))

    assert database.sqlite_path == other
    assert not (tmp_path / "data").exists()
    database.dispose()


@pytest.mark.postgres
def test_bare_postgresql_url_uses_psycopg(create_postgres_database: Callable[[], str]) -> None:
    url = make_url(create_postgres_database()).set(drivername="postgresql")

    database = Database.from_url(url)

    assert database.dialect == "postgresql"
    assert database.engine.dialect.driver == "psycopg"
    database.dispose()


def test_unmigrated_database_requires_migrate(tmp_path: Path) -> None:
    database = Database.open(tmp_path, Settings(database_url=None))

    with pytest.raises(StorageError) as raised:
        database.require_current()

    assert "leadgate migrate" in str(raised.value)
    database.dispose()


def test_migrate_is_idempotent(database: Database) -> None:
    first = database.current_revision()

    again = database.migrate()

    assert first == again == Database.head_revision()
    database.require_current()


def test_migrate_failure_raises_storage_error(tmp_path: Path) -> None:
    database = Database.open(tmp_path, Settings(database_url=None))
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE subjects (id INTEGER)"))

    with pytest.raises(StorageError) as raised:
        database.migrate()

    assert "leadgate migrate" in str(raised.value)
    assert database.current_revision() is None
    database.dispose()


@pytest.mark.parametrize(
    ("bundle", "data_dir", "expected"),
    [
        ("salon", None, "salon/data"),
        ("salon/leadgate.yaml", None, "salon/data"),
        ("salon", "/srv/leadgate", "/srv/leadgate"),
    ],
    ids=["bundle-directory", "bundle-file", "data-dir-setting"],
)
def test_data_dir_for(tmp_path: Path, bundle: str, data_dir: str | None, expected: str) -> None:
    settings = Settings(data_dir=data_dir)

    result = data_dir_for(tmp_path / bundle, settings)

    assert result == tmp_path / expected
