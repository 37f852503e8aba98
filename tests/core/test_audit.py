"""Tests of the hash-chained access journal."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from leadgate.core.audit import GENESIS_HASH, chain_hash, record_access, verify_journal
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import AccessEntry
from leadgate.errors import TamperError


def append(database: Database, bundle: str = "salon", count: int = 1, **overrides: str) -> None:
    values = {
        "actor": "admin",
        "action": "read",
        "subject_id": "f" * 32,
        "fields": ["phone", "name"],
        "reason": "звонок клиенту по записи",
    }
    values.update(overrides)
    for _ in range(count):
        with database.session() as session:
            record_access(session, bundle=bundle, **values)  # type: ignore[arg-type]


def entries(database: Database, bundle: str = "salon") -> list[AccessEntry]:
    with database.session(readonly=True) as session:
        return list(
            session.exec(
                select(AccessEntry)
                .where(AccessEntry.bundle == bundle)
                .order_by(col(AccessEntry.id))
            )
        )


def verify(database: Database, bundle: str = "salon"):
    with database.session(readonly=True) as session:
        return verify_journal(session, bundle)


def test_chain_hash_is_canonical() -> None:
    moment = dt.datetime(2026, 3, 1, 12, 30, 15, 123456)

    first = chain_hash("abc", {"b": 1, "a": "Анна", "at": moment})
    second = chain_hash("abc", {"at": moment, "a": "Анна", "b": 1})

    assert first == second
    assert len(first) == 64
    assert first != chain_hash("abd", {"b": 1, "a": "Анна", "at": moment})
    assert first != chain_hash("abc", {"b": 2, "a": "Анна", "at": moment})


def test_chain_hash_rejects_unknown_types() -> None:
    with pytest.raises(TypeError):
        chain_hash("", {"value": object()})


def test_record_access_links_entries(database: Database) -> None:
    append(database, count=3)

    first, second, third = entries(database)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert first.fields == "phone,name"
    assert len({first.entry_hash, second.entry_hash, third.entry_hash}) == 3


def test_verify_journal_returns_length_and_head(database: Database) -> None:
    append(database, count=4)

    head = verify(database)

    assert head.entries == 4
    assert head.head_hash == entries(database)[-1].entry_hash


def test_verify_empty_journal(database: Database) -> None:
    head = verify(database)

    assert head.entries == 0
    assert head.head_hash == GENESIS_HASH


def test_bundles_have_separate_chains(database: Database) -> None:
    append(database, bundle="salon", count=2)
    append(database, bundle="clinic", count=2)

    clinic = entries(database, "clinic")

    assert clinic[0].prev_hash == GENESIS_HASH
    assert verify(database, "salon").entries == 2
    assert verify(database, "clinic").entries == 2


@pytest.mark.parametrize(
    ("statement", "broken_position"),
    [
        ("UPDATE access_journal SET reason = 'другая причина' WHERE id = :id", 1),
        ("UPDATE access_journal SET actor = 'someone-else' WHERE id = :id", 1),
        ("UPDATE access_journal SET at = '2020-01-01 00:00:00' WHERE id = :id", 1),
        ("DELETE FROM access_journal WHERE id = :id", 2),
    ],
    ids=["edited-reason", "edited-actor", "edited-time", "deleted-entry"],
)
def test_verify_detects_tampering(database: Database, statement: str, broken_position: int) -> None:
    append(database, count=4)
    ids = [entry.id for entry in entries(database)]
    with database.engine.begin() as connection:
        connection.execute(text(statement), {"id": ids[1]})

    with pytest.raises(TamperError) as raised:
        verify(database)

    assert f"№{ids[broken_position]}" in str(raised.value)
    assert "access_journal" in str(raised.value)


def test_verify_detects_rehashed_entry(database: Database) -> None:
    # An attacker who recomputes the edited entry's own hash still breaks the next link.
    append(database, count=3)
    second = entries(database)[1]
    forged = chain_hash(
        second.prev_hash,
        {
            "id": second.id,
            "bundle": second.bundle,
            "actor": second.actor,
            "action": "read",
            "subject_id": "0" * 32,
            "fields": second.fields,
            "reason": second.reason,
            "at": second.at,
        },
    )
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE access_journal SET subject_id = :subject, entry_hash = :hash WHERE id = :id"
            ),
            {"subject": "0" * 32, "hash": forged, "id": second.id},
        )

    with pytest.raises(TamperError) as raised:
        verify(database)

    assert f"№{entries(database)[2].id}" in str(raised.value)


def test_concurrent_writers_keep_one_chain(database: Database) -> None:
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            append(database, count=8, actor=f"manager-{number}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    journal = entries(database)
    assert errors == []
    assert len(journal) == 32
    assert len({entry.prev_hash for entry in journal}) == 32
    assert verify(database).entries == 32


@pytest.mark.parametrize(
    "overrides",
    [
        {"action": "look"},
        {"actor": "  "},
        {"reason": "x" * 501},
        {"actor": "a" * 201},
    ],
    ids=["unknown-action", "blank-actor", "long-reason", "long-actor"],
)
def test_record_access_rejects_invalid_entry(database: Database, overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        append(database, **overrides)

    assert entries(database) == []


def test_record_access_log_has_no_actor_or_reason(database: Database, caplog) -> None:
    with caplog.at_level("INFO", logger="leadgate.core.audit"):
        append(database, actor="olga.ivanova", reason="звонок Анне Петровой")

    assert "olga.ivanova" not in caplog.text
    assert "Петровой" not in caplog.text
    assert "read" in caplog.text
