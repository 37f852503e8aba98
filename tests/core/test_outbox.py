"""The durable outbox: delivery, retries, dead items, ordering and concurrent workers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from sqlmodel import select

from leadgate.core.components import DeliveryReceipt
from leadgate.core.crypto import KeyRing
from leadgate.core.outbox import OutboxWorker, RetryPolicy, enqueue, retry_dead
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import OutboxItem, utcnow
from leadgate.errors import PermanentError, RetryableError

FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


def _enqueue(
    database: Database, keyring: KeyRing, key: str, conversation: str = "", **payload: Any
) -> None:
    with database.session() as session:
        enqueue(
            session,
            keyring,
            bundle="salon",
            kind="test",
            target="fake",
            idempotency_key=key,
            payload={"key": key, **payload},
            conversation_id=conversation,
        )


def _statuses(database: Database) -> dict[str, str]:
    with database.session() as session:
        items = session.exec(select(OutboxItem)).all()
        return {item.idempotency_key: item.status for item in items}


def _worker(
    database: Database, keyring: KeyRing, handler: Any, policy: RetryPolicy = FAST
) -> OutboxWorker:
    worker = OutboxWorker(database, keyring, "salon", policy=policy)
    worker.register("test", handler)
    return worker


def test_outbox_delivers_and_marks_delivered(database: Database, keyring: KeyRing) -> None:
    delivered: list[str] = []

    async def handler(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        delivered.append(payload["key"])
        return DeliveryReceipt(external_id="crm-1")

    _enqueue(database, keyring, "a")
    _enqueue(database, keyring, "b")

    attempted = asyncio.run(_worker(database, keyring, handler).run_once())

    assert attempted == 2
    assert sorted(delivered) == ["a", "b"]
    assert _statuses(database) == {"a": "delivered", "b": "delivered"}


def test_outbox_ignores_duplicate_key_without_breaking_transaction(
    database: Database, keyring: KeyRing
) -> None:
    with database.session() as session:
        first = enqueue(
            session,
            keyring,
            bundle="salon",
            kind="test",
            target="fake",
            idempotency_key="k",
            payload={},
        )
        second = enqueue(
            session,
            keyring,
            bundle="salon",
            kind="test",
            target="fake",
            idempotency_key="k",
            payload={},
        )
        third = enqueue(
            session,
            keyring,
            bundle="salon",
            kind="test",
            target="fake",
            idempotency_key="k2",
            payload={},
        )

    assert first is not None
    assert second is None
    assert third is not None
    assert set(_statuses(database)) == {"k", "k2"}


def test_outbox_retries_then_delivers(database: Database, keyring: KeyRing) -> None:
    calls: list[int] = []

    async def flaky(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        calls.append(1)
        if len(calls) < 2:
            raise RetryableError("fake CRM answered 503")
        return DeliveryReceipt()

    _enqueue(database, keyring, "a")
    worker = _worker(database, keyring, flaky)

    asyncio.run(worker.run_once())
    asyncio.run(worker.run_once())

    assert len(calls) == 2
    assert _statuses(database) == {"a": "delivered"}


def test_outbox_honours_retry_after(database: Database, keyring: KeyRing) -> None:
    async def limited(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        raise RetryableError("rate limited", retry_after=120)

    _enqueue(database, keyring, "a")
    before = utcnow()

    asyncio.run(_worker(database, keyring, limited).run_once())

    with database.session() as session:
        item = session.exec(select(OutboxItem)).one()
    assert item.status == "pending"
    assert item.next_attempt_at >= before + dt.timedelta(seconds=119)
    assert "rate limited" in item.last_error


def test_outbox_marks_dead_after_max_attempts_and_retry_revives(
    database: Database, keyring: KeyRing
) -> None:
    async def down(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        raise RetryableError("fake CRM is down")

    _enqueue(database, keyring, "a")
    worker = _worker(database, keyring, down)

    for _ in range(3):
        asyncio.run(worker.run_once())

    assert _statuses(database) == {"a": "dead"}
    with database.session() as session:
        revived = retry_dead(session, "salon")
    assert revived == 1
    assert _statuses(database) == {"a": "pending"}


def test_outbox_permanent_error_is_dead_at_once(database: Database, keyring: KeyRing) -> None:
    async def revoked(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        raise PermanentError("webhook URL revoked")

    _enqueue(database, keyring, "a")

    asyncio.run(_worker(database, keyring, revoked).run_once())

    assert _statuses(database) == {"a": "dead"}


def test_outbox_keeps_order_within_conversation(database: Database, keyring: KeyRing) -> None:
    delivered: list[str] = []
    failures = {"first": 1}

    async def handler(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        key = payload["key"]
        if failures.get(key):
            failures[key] -= 1
            raise RetryableError("temporary")
        delivered.append(key)
        return DeliveryReceipt()

    _enqueue(database, keyring, "first", conversation="c1")
    _enqueue(database, keyring, "second", conversation="c1")
    _enqueue(database, keyring, "other", conversation="c2")
    worker = _worker(database, keyring, handler)

    asyncio.run(worker.run_once())
    after_first_round = list(delivered)
    while asyncio.run(worker.run_once()):
        pass

    assert after_first_round == ["other"]
    assert delivered == ["other", "first", "second"]


def test_outbox_payload_is_encrypted(sqlite_database: Database, keyring: KeyRing) -> None:
    _enqueue(sqlite_database, keyring, "a", phone="+79130000001")

    with sqlite_database.session() as session:
        item = session.exec(select(OutboxItem)).one()

    assert b"79130000001" not in (item.payload_enc or b"")


# -- Two worker processes on PostgreSQL ----------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.received[body["key"]] += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        return


class _RecorderServer(ThreadingHTTPServer):
    # Two workers open up to 40 connections at once; the default backlog of 5 refuses some.
    request_queue_size = 128


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.received = Counter()
    server = _RecorderServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


WORKER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time, httpx
    from sqlmodel import select
    from leadgate.core.components import DeliveryReceipt
    from leadgate.core.crypto import KeyRing
    from leadgate.core.outbox import OutboxWorker, RetryPolicy
    from leadgate.core.store.engine import Database
    from leadgate.core.store.tables import OutboxItem

    url, keys, target = sys.argv[1], sys.argv[2], sys.argv[3]
    database = Database.from_url(url)
    keyring = KeyRing.from_env_value(keys)

    def pending():
        with database.session() as session:
            return len(session.exec(select(OutboxItem.id).where(OutboxItem.status == "pending")).all())

    async def main():
        async with httpx.AsyncClient() as client:
            async def post(item, payload):
                response = await client.post(target, json={"key": payload["key"]})
                response.raise_for_status()
                return DeliveryReceipt()
            # A failed attempt is retried soon, and the worker stays until nothing is
            # pending, so that a transient error cannot pass for a lost item.
            policy = RetryPolicy(base_delay=0.1, max_delay=0.5)
            worker = OutboxWorker(database, keyring, "salon", policy=policy, batch_size=20)
            worker.register("test", post)
            deadline = time.monotonic() + 240
            while pending() and time.monotonic() < deadline:
                if not await worker.run_once():
                    await asyncio.sleep(0.05)

    asyncio.run(main())
    """
)


@pytest.mark.postgres
def test_two_worker_processes_deliver_each_item_once(
    postgres_database: Database, keyring: KeyRing, recorder: str
) -> None:
    with postgres_database.session() as session:
        for number in range(1000):
            enqueue(
                session,
                keyring,
                bundle="salon",
                kind="test",
                target="fake",
                idempotency_key=f"item-{number}",
                payload={"key": f"item-{number}"},
            )
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-c", WORKER_SCRIPT, url, keyring.env_value(), recorder]

    workers = [subprocess.Popen(command) for _ in range(2)]
    codes = [worker.wait(timeout=300) for worker in workers]

    assert codes == [0, 0]
    assert len(_Recorder.received) == 1000
    assert max(_Recorder.received.values()) == 1
    assert set(_statuses(postgres_database).values()) == {"delivered"}
