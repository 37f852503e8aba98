"""Encrypted named secrets that plugins keep between runs, with a refresh lock.

A plugin that keeps a credential it must renew (an OAuth token pair whose refresh
token works once) stores it here, in the ``secrets`` table, encrypted with the key
ring under the context ``secrets.value_enc``. Every secret has a ``version`` that
each write increments, so a write names the version it replaces and loses cleanly
(compare-and-swap) when another worker wrote first.

:meth:`SecretStore.refresh` lets one worker at a time, across processes and hosts,
renew a secret. The lock is a lease row named ``<secret>#refresh-lock`` in the same
table, taken in a short transaction that first serialises on the database itself:
``pg_advisory_xact_lock`` on PostgreSQL, the database write lock that every write
transaction takes with ``BEGIN IMMEDIATE`` on SQLite. No database lock is held while the renewal runs, so a
slow provider never blocks other writers; a worker that dies leaves a lease that
expires after ``lease_seconds``. The new value is committed before ``refresh``
returns it, and a worker that finds the version moved on re-reads the stored value
instead of renewing again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from leadgate.core.store.engine import lock_transaction
from leadgate.core.store.tables import SecretEntry, utcnow
from leadgate.errors import RetryableError

logger = logging.getLogger(__name__)

SECRET_CONTEXT = "secrets.value_enc"  # noqa: S105 - an encryption context, not a password
"""The encryption context of ``SecretEntry.value_enc``, as key rotation expects it."""

LOCK_SUFFIX = "#refresh-lock"
RELEASED = dt.datetime(1970, 1, 1)
"""The ``updated_at`` of a lease row that no worker holds."""

Produce = Callable[["StoredSecret | None"], Awaitable[str]]
"""Renews a secret: receives the stored one (``None`` if absent), returns the new value."""


@dataclass(frozen=True)
class StoredSecret:
    """A decrypted secret and the version it was stored under (1 for the first write)."""

    name: str
    value: str
    version: int

    def __repr__(self) -> str:
        return f"StoredSecret(name={self.name!r}, version={self.version})"


@dataclass(frozen=True)
class _Attempt:
    """The outcome of one try to take the refresh lease."""

    current: StoredSecret | None
    token: int | None = None
    moved_on: bool = False


class SecretStore:
    """Reads, writes and renews named secrets in the ``secrets`` table.

    ``database`` is a ``leadgate.core.store.engine.Database`` (its ``session()``
    yields a SQLModel session that commits on exit) and ``keyring`` a
    ``leadgate.core.crypto.KeyRing``. Calls run the database work in a thread, so
    they do not block the event loop.
    """

    def __init__(
        self,
        database: Any,
        keyring: Any,
        *,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.1,
        wait_seconds: float = 90.0,
    ) -> None:
        self.database = database
        self.keyring = keyring
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        self._local_locks: dict[str, asyncio.Lock] = {}

    async def get(self, name: str) -> StoredSecret | None:
        """Return the secret ``name``, or ``None`` when none is stored."""
        return await asyncio.to_thread(self._get, name)

    async def put(self, name: str, value: str, *, expected_version: int) -> StoredSecret | None:
        """Store ``value`` if the stored version is still ``expected_version`` (0: absent).

        Returns the new secret, or ``None`` when another writer got there first.
        """
        return await asyncio.to_thread(self._put, name, value, expected_version)

    async def delete(self, name: str) -> bool:
        """Delete the secret ``name`` and its lease; return whether it existed."""
        return await asyncio.to_thread(self._delete, name)

    async def refresh(self, name: str, seen_version: int, produce: Produce) -> StoredSecret:
        """Renew ``name`` once across all workers and return the stored result.

        ``seen_version`` is the version the caller found stale (0: nothing stored).
        When the stored version already differs, another worker renewed it and the
        stored secret is returned without calling ``produce``. Otherwise this worker
        takes the lease, awaits ``produce(current)``, commits the value it returns
        and only then returns it. Raises ``RetryableError`` when another worker holds
        the lease for longer than ``wait_seconds``; errors from ``produce`` propagate
        after the lease is released.
        """
        lock = self._local_locks.setdefault(name, asyncio.Lock())
        async with lock:
            attempt = await self._acquire(name, seen_version)
            if attempt.moved_on and attempt.current is not None:
                return attempt.current

            token = attempt.token or 0
            expected = attempt.current.version if attempt.current else 0
            try:
                value = await produce(attempt.current)
            except BaseException:
                await asyncio.shield(asyncio.to_thread(self._release, name, token))
                raise
            # NOTE: a process killed between produce() and this commit loses the new
            # value; for a single-use refresh token that means authorising again.
            return await asyncio.shield(
                asyncio.to_thread(self._store_and_release, name, expected, value, token)
            )

    async def _acquire(self, name: str, seen_version: int) -> _Attempt:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            attempt = await asyncio.to_thread(self._try_acquire, name, seen_version)
            if attempt.moved_on or attempt.token is not None:
                return attempt
            if time.monotonic() > deadline:
                raise RetryableError(
                    f"secret {name!r} is being renewed by another worker for over "
                    f"{self.wait_seconds:.0f}s; the write will be retried",
                    retry_after=self.lease_seconds,
                )
            await asyncio.sleep(self.poll_seconds)

    # -- database work, run in a thread ---------------------------------------------

    def _get(self, name: str) -> StoredSecret | None:
        with self.database.session() as session:
            return self._read(session, name)

    def _read(self, session: Session, name: str) -> StoredSecret | None:
        row = session.get(SecretEntry, name, populate_existing=True)
        if row is None or row.value_enc is None:
            return None
        value = self.keyring.decrypt(row.value_enc, context=SECRET_CONTEXT)
        return StoredSecret(name=name, value=value, version=row.version)

    def _put(self, name: str, value: str, expected_version: int) -> StoredSecret | None:
        with self.database.session() as session:
            stored = self._write(session, name, value, expected_version)
            if stored is None:
                session.rollback()
                return None
            session.commit()
            return stored

    def _write(
        self, session: Session, name: str, value: str, expected_version: int
    ) -> StoredSecret | None:
        """Compare-and-swap inside the caller's transaction; ``None`` when it lost."""
        blob = self.keyring.encrypt(value, context=SECRET_CONTEXT)
        if expected_version == 0:
            try:
                with session.begin_nested():
                    session.add(SecretEntry(name=name, value_enc=blob, version=1))
            except IntegrityError:
                return None
            return StoredSecret(name=name, value=value, version=1)

        statement = (
            update(SecretEntry)
            .where(SecretEntry.name == name)  # type: ignore[arg-type]
            .where(SecretEntry.version == expected_version)  # type: ignore[arg-type]
            .values(value_enc=blob, version=expected_version + 1, updated_at=utcnow())
        )
        result = session.exec(statement)
        if result.rowcount != 1:
            return None
        return StoredSecret(name=name, value=value, version=expected_version + 1)

    def _delete(self, name: str) -> bool:
        with self.database.session() as session:
            _lock(session, name)
            found = False
            for row_name in (name, name + LOCK_SUFFIX):
                row = session.get(SecretEntry, row_name)
                if row is not None:
                    found = found or row_name == name
                    session.delete(row)
            session.commit()
            return found

    def _try_acquire(self, name: str, seen_version: int) -> _Attempt:
        with self.database.session() as session:
            _lock(session, name)
            current = self._read(session, name)
            # A secret deleted meanwhile is renewed from nothing rather than reported.
            if current is not None and current.version != seen_version:
                session.commit()
                return _Attempt(current=current, moved_on=True)

            now = utcnow()
            lease = session.get(SecretEntry, name + LOCK_SUFFIX, populate_existing=True)
            if lease is not None and now - lease.updated_at < self._lease:
                session.commit()
                return _Attempt(current=current)

            if lease is None:
                lease = SecretEntry(name=name + LOCK_SUFFIX, value_enc=None, version=0)
            elif lease.updated_at != RELEASED:
                logger.warning("secret %s: taking over an expired refresh lease", name)
            lease.version += 1
            lease.updated_at = now
            session.add(lease)
            session.commit()
            return _Attempt(current=current, token=lease.version)

    def _store_and_release(self, name: str, expected: int, value: str, token: int) -> StoredSecret:
        with self.database.session() as session:
            _lock(session, name)
            stored = self._write(session, name, value, expected)
            if stored is None:
                # Someone stored a newer value while our lease had expired; theirs wins.
                logger.warning("secret %s: a newer value was stored meanwhile; keeping it", name)
                stored = self._read(session, name)
            self._drop_lease(session, name, token)
            session.commit()
        if stored is None:
            raise RetryableError(f"secret {name!r} was deleted while it was being renewed")
        logger.info("secret %s renewed (version %d)", name, stored.version)
        return stored

    def _release(self, name: str, token: int) -> None:
        with self.database.session() as session:
            _lock(session, name)
            self._drop_lease(session, name, token)
            session.commit()

    def _drop_lease(self, session: Session, name: str, token: int) -> None:
        # The row stays with its version, so tokens never repeat and a worker whose
        # lease expired cannot release the lease of the worker that took over.
        lease = session.get(SecretEntry, name + LOCK_SUFFIX, populate_existing=True)
        if lease is not None and lease.version == token:
            lease.updated_at = RELEASED
            session.add(lease)

    @property
    def _lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lease_seconds)


def _lock(session: Session, name: str) -> None:
    """Serialise this transaction with every other one that renews ``name``."""
    lock_transaction(session, "leadgate.secrets:" + name)
