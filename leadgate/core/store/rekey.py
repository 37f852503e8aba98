"""Re-encryption of every encrypted column under the key ring's current key.

Rows are visited in primary-key order, ``batch_size`` at a time, one transaction per
batch; values already under the current key are skipped. So an interrupted run
keeps the batches it committed, and running it again finishes the rest.

On PostgreSQL each batch locks its rows (``SELECT ... FOR UPDATE``), so a running
service cannot write a row between its read and its re-encrypted update. On SQLite
the batch's write transaction holds the database write lock for the same reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Row, Select, Table, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database, describe_error
from leadgate.core.store.tables import ENCRYPTED_COLUMNS
from leadgate.errors import StorageError
from leadgate.locales import text

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class RekeyReport:
    """The outcome of :func:`reencrypt_all`: values rewritten and values already current."""

    key_id: str
    reencrypted: int
    skipped: int


def reencrypt_all(
    database: Database, keyring: KeyRing, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> RekeyReport:
    """Re-encrypt every value in ``tables.ENCRYPTED_COLUMNS`` under the current key.

    A value whose key is missing from the ring raises ``CryptoError``, and a database
    failure raises ``StorageError``. Either stops the run, but the batches committed
    before it stay re-encrypted.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")

    reencrypted = skipped = 0
    for model, columns in ENCRYPTED_COLUMNS.items():
        try:
            table_done, table_skipped = _reencrypt_table(
                database, keyring, _table(model), columns, batch_size
            )
        except SQLAlchemyError as error:
            raise StorageError(
                text("storage.reencrypt_failed", url=database.url, reason=describe_error(error))
            ) from error
        logger.info(
            "Re-encrypted %d values in %s (%d already current)",
            table_done,
            _table(model).name,
            table_skipped,
        )
        reencrypted += table_done
        skipped += table_skipped
    return RekeyReport(keyring.current_id, reencrypted, skipped)


def count_by_key(database: Database, keyring: KeyRing) -> Counter[str]:
    """Count the stored ciphertexts per key id, across every encrypted column."""
    counts: Counter[str] = Counter()
    for model, columns in ENCRYPTED_COLUMNS.items():
        table = _table(model)
        for batch in _batches(database, table, columns, DEFAULT_BATCH_SIZE):
            for row in batch:
                for column in columns:
                    blob = row._mapping[column]
                    if blob is not None:
                        counts[keyring.key_id_of(blob, context=f"{table.name}.{column}")] += 1
    return counts


def _reencrypt_table(
    database: Database,
    keyring: KeyRing,
    table: Table,
    columns: tuple[str, ...],
    batch_size: int,
) -> tuple[int, int]:
    key = _primary_key(table)
    reencrypted = skipped = 0
    last: Any = None
    while True:
        with database.session() as session:
            connection = session.connection()
            query = _batch_query(table, columns, batch_size, last, for_update=True)
            rows = list(connection.execute(query))
            if not rows:
                return reencrypted, skipped
            done, current = _reencrypt_rows(connection, keyring, table, columns, rows)

        reencrypted += done
        skipped += current
        last = rows[-1]._mapping[key.name]


def _reencrypt_rows(
    connection: Connection,
    keyring: KeyRing,
    table: Table,
    columns: tuple[str, ...],
    rows: list[Row[Any]],
) -> tuple[int, int]:
    key = _primary_key(table)
    reencrypted = skipped = 0
    for row in rows:
        values: dict[str, bytes] = {}
        for column in columns:
            blob = row._mapping[column]
            if blob is None:
                continue
            context = f"{table.name}.{column}"
            if keyring.key_id_of(blob, context=context) == keyring.current_id:
                skipped += 1
                continue
            values[column] = keyring.reencrypt(blob, context=context)

        if values:
            connection.execute(update(table).where(key == row._mapping[key.name]).values(values))
            reencrypted += len(values)
    return reencrypted, skipped


def _batches(
    database: Database, table: Table, columns: tuple[str, ...], batch_size: int
) -> Iterator[list[Row[Any]]]:
    key = _primary_key(table)
    last: Any = None
    while True:
        with database.session(readonly=True) as session:
            query = _batch_query(table, columns, batch_size, last, for_update=False)
            rows = list(session.connection().execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1]._mapping[key.name]


def _batch_query(
    table: Table, columns: tuple[str, ...], batch_size: int, after: Any, *, for_update: bool
) -> Select[Any]:
    key = _primary_key(table)
    query = select(key, *(table.c[name] for name in columns)).order_by(key).limit(batch_size)
    if after is not None:
        query = query.where(key > after)
    if for_update:
        # SQLite ignores FOR UPDATE; its write transaction already excludes other writers.
        query = query.with_for_update()
    return query


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def _primary_key(table: Table) -> Column[Any]:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"re-encryption needs a single-column primary key in {table.name}")
    return keys[0]
