"""The encrypted secret store and its cross-worker refresh lease."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leadgate.core.crypto import KeyRing
from leadgate.core.secrets import LOCK_SUFFIX, RELEASED, SecretStore, StoredSecret
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import SecretEntry, utcnow
from leadgate.errors import RetryableError

NAME = "amocrm:salon:https://salon.amocrm.ru"


def test_put_then_get_returns_value_and_version(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)

    first = asyncio.run(store.put(NAME, "pair-1", expected_version=0))
    second = asyncio.run(store.put(NAME, "pair-2", expected_version=1))

    assert first == StoredSecret(NAME, "pair-1", 1)
    assert second == StoredSecret(NAME, "pair-2", 2)
    assert asyncio.run(store.get(NAME)) == StoredSecret(NAME, "pair-2", 2)


def test_value_is_encrypted_at_rest(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)

    asyncio.run(store.put(NAME, "at-plaintext-token", expected_version=0))

    with database.session(readonly=True) as session:
        row = session.get(SecretEntry, NAME)
    assert row is not None and row.value_enc is not None
    assert b"at-plaintext-token" not in row.value_enc
    assert keyring.key_id_of(row.value_enc) == keyring.current_id


def test_stale_version_loses_compare_and_swap(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)
    asyncio.run(store.put(NAME, "pair-1", expected_version=0))
    asyncio.run(store.put(NAME, "pair-2", expected_version=1))

    lost_update = asyncio.run(store.put(NAME, "pair-x", expected_version=1))
    lost_insert = asyncio.run(store.put(NAME, "pair-y", expected_version=0))

    assert lost_update is None
    assert lost_insert is None
    assert asyncio.run(store.get(NAME)) == StoredSecret(NAME, "pair-2", 2)


def test_delete_removes_secret(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)
    asyncio.run(store.put(NAME, "pair-1", expected_version=0))

    assert asyncio.run(store.delete(NAME)) is True
    assert asyncio.run(store.get(NAME)) is None
    assert asyncio.run(store.delete(NAME)) is False


def test_refresh_stores_before_returning(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)
    seen: list[StoredSecret | None] = []

    async def produce(current: StoredSecret | None) -> str:
        seen.append(current)
        return "pair-1"

    renewed = asyncio.run(store.refresh(NAME, 0, produce))

    assert seen == [None]
    assert renewed == StoredSecret(NAME, "pair-1", 1)
    assert asyncio.run(SecretStore(database, keyring).get(NAME)) == renewed
    with database.session(readonly=True) as session:
        lease = session.get(SecretEntry, NAME + LOCK_SUFFIX)
    assert lease is not None
    assert lease.updated_at == RELEASED


def test_refresh_of_moved_on_version_returns_stored(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)
    asyncio.run(store.put(NAME, "pair-1", expected_version=0))
    asyncio.run(store.put(NAME, "pair-2", expected_version=1))
    calls: list[str] = []

    async def produce(current: StoredSecret | None) -> str:
        calls.append("called")
        return "pair-3"

    result = asyncio.run(store.refresh(NAME, 1, produce))

    assert calls == []
    assert result == StoredSecret(NAME, "pair-2", 2)


def test_concurrent_refreshes_produce_once(database: Database, keyring: KeyRing) -> None:
    asyncio.run(SecretStore(database, keyring).put(NAME, "pair-1", expected_version=0))
    workers = [Database.from_url(database.engine.url) for _ in range(3)]
    calls: list[str] = []

    async def produce(current: StoredSecret | None) -> str:
        calls.append(current.value if current else "")
        await asyncio.sleep(0.2)
        return "pair-2"

    async def race() -> list[StoredSecret]:
        stores = [SecretStore(worker, keyring, poll_seconds=0.02) for worker in workers]
        return list(await asyncio.gather(*(store.refresh(NAME, 1, produce) for store in stores)))

    results = asyncio.run(race())
    for worker in workers:
        worker.dispose()

    assert calls == ["pair-1"]
    assert results == [StoredSecret(NAME, "pair-2", 2)] * 3


def test_failed_produce_releases_lease(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring, wait_seconds=0.5)

    async def fail(current: StoredSecret | None) -> str:
        raise RetryableError("provider down")

    async def succeed(current: StoredSecret | None) -> str:
        return "pair-1"

    with pytest.raises(RetryableError, match="provider down"):
        asyncio.run(store.refresh(NAME, 0, fail))
    renewed = asyncio.run(store.refresh(NAME, 0, succeed))

    assert renewed.value == "pair-1"


def hold_lease(database: Database, taken_at: dt.datetime) -> None:
    with database.session() as session:
        session.add(
            SecretEntry(name=NAME + LOCK_SUFFIX, value_enc=None, version=7, updated_at=taken_at)
        )


def test_live_lease_of_other_worker_times_out(database: Database, keyring: KeyRing) -> None:
    hold_lease(database, utcnow())
    store = SecretStore(database, keyring, wait_seconds=0.3, poll_seconds=0.05)

    async def produce(current: StoredSecret | None) -> str:
        return "pair-1"

    with pytest.raises(RetryableError) as raised:
        asyncio.run(store.refresh(NAME, 0, produce))

    assert raised.value.retry_after == store.lease_seconds
    assert asyncio.run(store.get(NAME)) is None


def test_late_release_keeps_lease_of_successor(database: Database, keyring: KeyRing) -> None:
    store = SecretStore(database, keyring)
    hold_lease(database, utcnow())

    store._release(NAME, 6)

    with database.session(readonly=True) as session:
        lease = session.get(SecretEntry, NAME + LOCK_SUFFIX)
    assert lease is not None
    assert lease.version == 7
    assert lease.updated_at != RELEASED


def test_expired_lease_of_dead_worker_is_taken_over(database: Database, keyring: KeyRing) -> None:
    hold_lease(database, utcnow() - dt.timedelta(seconds=120))
    store = SecretStore(database, keyring, lease_seconds=60)

    async def produce(current: StoredSecret | None) -> str:
        return "pair-1"

    renewed = asyncio.run(store.refresh(NAME, 0, produce))

    assert renewed == StoredSecret(NAME, "pair-1", 1)
    with database.session(readonly=True) as session:
        lease = session.get(SecretEntry, NAME + LOCK_SUFFIX)
    assert lease is not None
    assert lease.updated_at == RELEASED


WORKER = textwrap.dedent(
    """
    import asyncio, os, sys, time
    from leadgate.core.crypto import KeyRing
    from leadgate.core.secrets import SecretStore
    from leadgate.core.store.engine import Database

    database = Database.from_url(sys.argv[1])
    store = SecretStore(database, KeyRing.from_env_value(os.environ["TEST_KEYS"]),
                        poll_seconds=0.02)

    async def produce(current):
        with open(sys.argv[2], "a") as log:
            log.write(f"{os.getpid()}\\n")
        time.sleep(0.3)
        return "pair-from-" + str(os.getpid())

    start = float(sys.argv[3])
    time.sleep(max(0.0, start - time.time()))
    result = asyncio.run(store.refresh("shared", 0, produce))
    print(result.value, result.version)
    """
)


def test_refresh_across_processes_produces_once(
    database: Database, keyring: KeyRing, tmp_path: Path
) -> None:
    log = tmp_path / "produced.log"
    environment = {**os.environ, "TEST_KEYS": keyring.env_value()}
    url = database.engine.url.render_as_string(hide_password=False)
    start = str(__import__("time").time() + 2.0)

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(log), start],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    assert len(log.read_text().splitlines()) == 1
    assert len({stdout for stdout, _ in outputs}) == 1
    assert outputs[0][0].split()[1] == "1"
