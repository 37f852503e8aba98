"""The access journal: who read, exported or changed whose personal data, and why.

Entries are append-only and hash-chained per bundle. Each entry stores the hash of
the entry before it (``prev_hash``) and its own hash (``entry_hash``) over its id,
its columns and ``prev_hash``, so :func:`verify_journal` finds an entry that was
edited, or deleted from the middle of the chain. :func:`chain_hash` and
:func:`verify_chain` are generic, so consent records use the same chaining.

Appending takes a lock per bundle (an advisory lock on PostgreSQL, the write lock on
SQLite), so two writers cannot both link to the same previous entry and fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from leadgate.core.store.engine import lock_transaction
from leadgate.core.store.tables import AccessEntry, utcnow
from leadgate.errors import TamperError
from leadgate.locales import text

logger = logging.getLogger(__name__)

ACTIONS = frozenset({"read", "reveal", "export", "change", "erase"})
"""Actions a person takes on personal data: viewing it, unmasking a masked value,
exporting, changing or erasing it."""

GENESIS_HASH = ""
"""The ``prev_hash`` of the first entry in a chain."""

_VERIFY_BATCH = 1000


@dataclass(frozen=True)
class ChainHead:
    """The result of a successful verification: how many entries, and the last hash.

    Deleting the newest entries leaves a shorter chain that still verifies, so an
    operator who must detect that keeps ``head_hash`` somewhere else (a report or a
    backup log) and compares it with a later verification.
    """

    entries: int
    head_hash: str


def chain_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """Return the hex SHA-256 of ``prev_hash`` and ``fields`` in a canonical JSON form.

    Datetimes are written in ISO 8601. Pass plaintext (or a blind index) for an
    encrypted column, never its ciphertext: key rotation rewrites ciphertexts and
    would break the chain.
    """
    document = {"prev": prev_hash, "fields": dict(fields)}
    encoded = json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def record_access(
    session: Session,
    *,
    bundle: str,
    actor: str,
    action: str,
    subject_id: str,
    fields: Iterable[str] | str,
    reason: str,
) -> AccessEntry:
    """Append an entry to ``bundle``'s journal in the session's transaction.

    ``actor`` is who acted (a login name, never a client's personal data),
    ``subject_id`` the pseudonymous id of the person whose data it was, ``fields``
    the columns or categories touched and ``reason`` why. Raises ``ValueError`` on an
    unknown action, an empty actor or a value longer than its column.
    """
    field_list = fields if isinstance(fields, str) else ",".join(fields)
    _check_entry(actor=actor, action=action, fields=field_list, reason=reason)

    lock_transaction(session, f"leadgate.audit.{bundle}")
    last = session.exec(
        select(AccessEntry)
        .where(AccessEntry.bundle == bundle)
        .order_by(col(AccessEntry.id).desc())
        .limit(1)
    ).first()

    entry = AccessEntry(
        bundle=bundle,
        actor=actor,
        action=action,
        subject_id=subject_id,
        fields=field_list,
        reason=reason,
        at=utcnow(),
        prev_hash=last.entry_hash if last is not None else GENESIS_HASH,
    )
    session.add(entry)
    session.flush()  # assigns the id, which the hash covers

    entry.entry_hash = chain_hash(entry.prev_hash, _entry_fields(entry))
    session.flush()
    logger.info(
        "Access journal entry %s: %s of subject %s (bundle %s)",
        entry.id,
        action,
        subject_id,
        bundle,
    )
    return entry


def verify_journal(session: Session, bundle: str) -> ChainHead:
    """Verify ``bundle``'s whole journal and return its length and last hash.

    Raises ``TamperError`` naming the first entry whose hash or link does not match.
    """
    head = verify_chain(
        _journal_rows(session, bundle), fields_of=_entry_fields, hash_field="entry_hash"
    )
    logger.info("Access journal of bundle %s verified: %d entries", bundle, head.entries)
    return head


def verify_chain(
    rows: Iterable[Any],
    *,
    fields_of: Callable[[Any], Mapping[str, object]],
    hash_field: str,
) -> ChainHead:
    """Check a chain of rows in order, each with ``id``, ``bundle`` and ``prev_hash``.

    ``fields_of`` returns the fields a row's hash covers, as given to
    :func:`chain_hash`; ``hash_field`` names the row attribute holding that hash.
    Raises ``TamperError`` at the first row whose link or hash does not match.
    """
    expected_prev = GENESIS_HASH
    count = 0
    for row in rows:
        if row.prev_hash != expected_prev:
            raise _broken(row, "storage.journal_link_mismatch")

        stored = getattr(row, hash_field)
        if chain_hash(row.prev_hash, fields_of(row)) != stored:
            raise _broken(row, "storage.journal_hash_mismatch")

        expected_prev = stored
        count += 1
    return ChainHead(entries=count, head_hash=expected_prev)


def _journal_rows(session: Session, bundle: str) -> Iterator[AccessEntry]:
    """Yield the bundle's entries in id order, a batch at a time."""
    last_id = 0
    while True:
        batch = session.exec(
            select(AccessEntry)
            .where(AccessEntry.bundle == bundle, col(AccessEntry.id) > last_id)
            .order_by(col(AccessEntry.id))
            .limit(_VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id or 0


def _entry_fields(entry: AccessEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "bundle": entry.bundle,
        "actor": entry.actor,
        "action": entry.action,
        "subject_id": entry.subject_id,
        "fields": entry.fields,
        "reason": entry.reason,
        "at": entry.at,
    }


def _check_entry(*, actor: str, action: str, fields: str, reason: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}; expected one of {sorted(ACTIONS)}")
    if not actor.strip():
        raise ValueError("an access journal entry needs an actor")

    for name, value, limit in (
        ("actor", actor, 200),
        ("fields", fields, 500),
        ("reason", reason, 500),
    ):
        if len(value) > limit:
            raise ValueError(
                f"access journal {name} is {len(value)} characters; the maximum is {limit}"
            )


def _broken(row: Any, problem_key: str) -> TamperError:
    return TamperError(
        text(
            "storage.journal_broken",
            table=getattr(row, "__tablename__", type(row).__name__),
            bundle=row.bundle,
            entry_id=row.id,
            problem=text(problem_key),
        )
    )


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"chain_hash cannot encode {type(value).__name__}")
