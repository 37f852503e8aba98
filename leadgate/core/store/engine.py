"""The database: SQLite in the data directory by default, PostgreSQL by URL.

SQLite runs in WAL mode with foreign keys on, a busy timeout and ``synchronous=FULL``
(a committed message survives a power cut, which the webhook's HTTP 200 promises).
Every SQLite transaction opened by a write session starts with ``BEGIN IMMEDIATE``:
writers queue on the database lock for up to the busy timeout instead of failing
later with "database is locked" when they upgrade a read lock. So a writer that
reads the last row of a hash chain is sure that no other writer appends before it
commits.
Read-only sessions use a plain deferred ``BEGIN`` and never block writers.

Schema changes go through Alembic (``leadgate.core.store.migrations``); the Alembic
configuration is built in code, so no ``alembic.ini`` is needed at run time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy import text as sql
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from leadgate.errors import StorageError
from leadgate.locales import text

if TYPE_CHECKING:
    from leadgate.config.settings import Settings

logger = logging.getLogger(__name__)

# Alembic 1.16+ logs one INFO line per internal plugin on every configuration load,
# which would bury the migration lines an operator needs.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

SQLITE_FILE_NAME = "leadgate.db"
BUSY_TIMEOUT_MS = 10_000
VERSION_TABLE = "leadgate_schema_version"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_SQLITE_BEGIN_OPTION = "leadgate_sqlite_begin"
_RAW_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def data_dir_for(bundle_path: Path, settings: Settings) -> Path:
    """Return ``settings.data_dir``, or the ``data`` directory beside the bundle.

    ``bundle_path`` is the bundle directory or its ``leadgate.yaml`` file.
    """
    if settings.data_dir is not None:
        return Path(settings.data_dir)

    bundle_path = Path(bundle_path)
    if bundle_path.is_file() or bundle_path.suffix in (".yaml", ".yml"):
        return bundle_path.parent / "data"
    return bundle_path / "data"


class Database:
    """One SQLAlchemy engine and the sessions, migrations and locks built on it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._read_engine = (
            engine.execution_options(**{_SQLITE_BEGIN_OPTION: "DEFERRED"})
            if engine.dialect.name == "sqlite"
            else engine.execution_options(postgresql_readonly=True)
        )

    def __repr__(self) -> str:
        return f"Database({self.url})"

    @classmethod
    def open(cls, data_dir: Path, settings: Settings) -> Database:
        """Open ``settings.database_url``, or SQLite at ``<data_dir>/leadgate.db``.

        For SQLite the data directory (mode 0700) and the database file (mode 0600,
        which SQLite copies to its ``-wal`` and ``-shm`` files) are created when
        missing. Raises
        ``StorageError`` with the URL (password masked) and a fix when the URL is
        invalid or the database cannot be reached.
        """
        if settings.database_url:
            return cls.from_url(settings.database_url)

        path = Path(data_dir) / SQLITE_FILE_NAME
        _create_private_file(path)
        return cls.from_url(
            URL.create("sqlite+pysqlite", database=str(data_dir / SQLITE_FILE_NAME))
        )

    @classmethod
    def from_url(cls, url: str | URL) -> Database:
        """Open a database by SQLAlchemy URL and check that it accepts connections."""
        parsed = _parse_url(url)
        masked = parsed.render_as_string(hide_password=True)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = _create_sqlite_engine(parsed)
            else:
                engine = create_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ImportError) as error:
            raise StorageError(
                text("storage.database_url_invalid", url=masked, reason=describe_error(error))
            ) from error

        database = cls(engine)
        database._check_connection()
        logger.info("Opened database %s", masked)
        return database

    # -- properties ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (write transactions on SQLite begin IMMEDIATE)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """The dialect name: ``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL with its password masked, safe for logs and messages."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or ``None`` on PostgreSQL."""
        if self.dialect != "sqlite" or not self._engine.url.database:
            return None
        return Path(self._engine.url.database)

    # -- sessions ------------------------------------------------------------------

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on an error.

        Objects stay usable after the commit (``expire_on_commit=False``). A
        ``readonly`` session begins a deferred transaction on SQLite and a read-only
        one on PostgreSQL.
        """
        bind = self._read_engine if readonly else self._engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def checkpoint(self) -> None:
        """Copy the SQLite WAL into the database file and truncate the WAL.

        Backups of the file alone are then complete. Does nothing on PostgreSQL.
        """
        if self.dialect != "sqlite":
            return

        # A checkpoint cannot run inside a transaction, and the pooled DB-API
        # connection runs in autocommit mode outside the "begin" listener.
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            connection.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    # -- migrations ----------------------------------------------------------------

    def migrate(self) -> str:
        """Upgrade the schema to the newest Alembic revision and return that revision.

        On PostgreSQL an advisory lock makes concurrent ``migrate`` calls run one
        after the other. Raises ``StorageError`` when a migration fails.
        """
        config = alembic_config()
        try:
            with self._engine.begin() as connection:
                if self.dialect == "postgresql":
                    connection.execute(
                        sql("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": lock_key("leadgate.migrate")},
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as error:
            raise StorageError(
                text("storage.migrate_failed", url=self.url, reason=describe_error(error))
            ) from error

        revision = self.current_revision()
        logger.info("Database %s is at schema revision %s", self.url, revision)
        return revision or ""

    def current_revision(self) -> str | None:
        """Return the schema revision stored in the database, ``None`` when unmigrated."""
        with self._read_engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            return context.get_current_revision()

    @staticmethod
    def head_revision() -> str:
        """Return the newest revision that this version of leadgate ships."""
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return head or ""

    def require_current(self) -> None:
        """Raise ``StorageError`` telling the operator to run ``leadgate migrate``
        unless the schema is at the newest revision."""
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            raise StorageError(
                text("storage.schema_outdated", url=self.url, current=current, head=head)
            )

    def _check_connection(self) -> None:
        try:
            with self._read_engine.connect() as connection:
                connection.execute(sql("SELECT 1"))
        except SQLAlchemyError as error:
            self._engine.dispose()
            raise StorageError(
                text("storage.database_open_failed", url=self.url, reason=describe_error(error))
            ) from error


def alembic_config() -> Config:
    """Build the Alembic configuration in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


# -- locks -------------------------------------------------------------------------


def lock_key(name: str) -> int:
    """Return a signed 64-bit PostgreSQL advisory-lock key derived from ``name``."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_transaction(session: Session, name: str) -> None:
    """Block until the session's transaction holds the lock ``name``.

    PostgreSQL takes ``pg_advisory_xact_lock``, released at commit or rollback. On
    SQLite a write session already holds the database write lock from its
    ``BEGIN IMMEDIATE``, so this only makes sure the transaction has begun. Raises
    ``ValueError`` in a read-only session, which cannot hold a write lock.
    """
    connection = session.connection()
    if connection.get_execution_options().get(_SQLITE_BEGIN_OPTION) == "DEFERRED":
        raise ValueError("lock_transaction needs a write session, not a readonly one")

    if connection.dialect.name == "postgresql":
        connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    else:
        connection.execute(sql("SELECT 1"))


def try_lock_transaction(session: Session, name: str) -> bool:
    """Take the lock ``name`` for this transaction if it is free, without waiting.

    Returns ``False`` on PostgreSQL when another transaction holds it, so that a
    periodic job guarded by it runs in one process only. On SQLite it returns ``True`` because the
    write session already holds the database write lock.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        result = connection.execute(
            sql("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}
        )
        return bool(result.scalar_one())

    # NOTE: on SQLite this never reports "taken", so two processes sharing one SQLite
    # file both run a guarded job, one after the other rather than once.
    connection.execute(sql("SELECT 1"))
    return True


# -- engine construction -----------------------------------------------------------


def _parse_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        masked = _RAW_URL_PASSWORD.sub(r"\1***@", str(url))
        raise StorageError(
            text("storage.database_url_invalid", url=masked, reason=describe_error(error))
        ) from error

    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres") and parsed.drivername in ("postgresql", "postgres"):
        # psycopg (version 3) is the driver leadgate depends on, but SQLAlchemy picks
        # psycopg2 for a bare "postgresql://" URL.
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("postgresql", "sqlite"):
        raise StorageError(
            text(
                "storage.database_dialect_unsupported",
                url=parsed.render_as_string(hide_password=True),
            )
        )
    return parsed


def _create_private_file(path: Path) -> None:
    """Create the data directory and an empty database file readable only by its owner."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StorageError(
            text("storage.data_dir_failed", path=path.parent, reason=error.strerror)
        ) from error
    os.close(descriptor)


def _create_sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling is switched off, so that the
    # "begin" listener decides how each transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            logger.warning("SQLite kept journal mode %s instead of WAL", mode)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        # Deleted rows are overwritten with zeros, so erased ciphertexts do not linger
        # in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def describe_error(error: BaseException) -> str:
    """Return the first line of the driver's message, without SQLAlchemy's help link."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
