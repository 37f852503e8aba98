"""Durable delivery of replies, CRM writes and erasures, with retries.

Every outbound action is an ``outbox`` row written in the same transaction as the
state that caused it, keyed by an idempotency key, so a crash loses nothing and a
replayed message enqueues nothing twice. :class:`OutboxWorker` claims due rows,
delivers them through the handler registered for their kind, and marks them
delivered, or retries with exponential backoff and jitter (honouring a provider's
Retry-After), or marks them dead after ``max_attempts``.

Claiming leases a row for ``lease_seconds``; a worker that dies mid-delivery leaves
the lease to expire, and another attempt follows. On PostgreSQL several workers claim
with ``FOR UPDATE SKIP LOCKED``; on SQLite one worker runs inside the service. Rows of
one conversation are delivered in id order, so a consent prompt never overtakes the
reply before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from leadgate.core.components import DeliveryReceipt
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import OutboxItem, utcnow
from leadgate.errors import PermanentError, RetryableError

logger = logging.getLogger(__name__)

PAYLOAD_CONTEXT = "outbox.payload_enc"

Handler = Callable[[OutboxItem, Mapping[str, Any]], Awaitable[DeliveryReceipt]]
AfterDelivery = Callable[[Session, OutboxItem, Mapping[str, Any], DeliveryReceipt], None]
AfterFailure = Callable[[Session, OutboxItem, Mapping[str, Any], Exception], None]


def enqueue(
    session: Session,
    keyring: KeyRing,
    *,
    bundle: str,
    kind: str,
    target: str,
    idempotency_key: str,
    payload: Mapping[str, Any],
    conversation_id: str = "",
    not_before: dt.datetime | None = None,
) -> OutboxItem | None:
    """Add an outbox row inside the caller's transaction; ``None`` if the key exists.

    A savepoint keeps a duplicate key from aborting the caller's transaction.
    """
    item = OutboxItem(
        bundle=bundle,
        kind=kind,
        target=target,
        idempotency_key=idempotency_key,
        conversation_id=conversation_id,
        payload_enc=keyring.encrypt_json(dict(payload), context=PAYLOAD_CONTEXT),
        next_attempt_at=not_before or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        return None
    return item


@dataclass
class RetryPolicy:
    """How often and how long the worker retries one row."""

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 600.0
    # NOTE: rows a crashed process had claimed wait out this lease before another
    # attempt, so a restart after SIGKILL delivers them up to a minute late.
    lease_seconds: float = 60.0

    def delay(self, attempts: int, retry_after: float | None) -> float:
        """Return seconds until the next attempt: full-jitter backoff, at least Retry-After."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(attempts - 1, 0)))
        backoff = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security
        return max(backoff, retry_after or 0.0)


@dataclass
class _RateLimiter:
    """Spaces calls to one target at most ``rate`` per second."""

    rate: float
    next_slot: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_slot > now:
                await asyncio.sleep(self.next_slot - now)
            self.next_slot = max(now, self.next_slot) + 1.0 / self.rate


class OutboxWorker:
    """Claims due outbox rows of one bundle and delivers them."""

    def __init__(
        self,
        database: Database,
        keyring: KeyRing,
        bundle: str,
        policy: RetryPolicy | None = None,
        batch_size: int = 50,
        poll_seconds: float = 1.0,
    ) -> None:
        self.database = database
        self.keyring = keyring
        self.bundle = bundle
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._handlers: dict[str, Handler] = {}
        self._after_delivery: dict[str, AfterDelivery] = {}
        self._after_failure: dict[str, AfterFailure] = {}
        self._limiters: dict[str, _RateLimiter] = {}
        self._wake = asyncio.Event()

    def register(
        self,
        kind: str,
        handler: Handler,
        after_delivery: AfterDelivery | None = None,
        after_failure: AfterFailure | None = None,
    ) -> None:
        """Deliver rows of ``kind`` with ``handler``; the callbacks run in the marking transaction."""
        self._handlers[kind] = handler
        if after_delivery is not None:
            self._after_delivery[kind] = after_delivery
        if after_failure is not None:
            self._after_failure[kind] = after_failure

    def set_rate(self, target: str, requests_per_second: float | None) -> None:
        """Limit calls to ``target`` (a channel or CRM name) to a rate, if one is given."""
        if requests_per_second:
            self._limiters[target] = _RateLimiter(rate=float(requests_per_second))

    def wake(self) -> None:
        """Tell a sleeping worker that new rows are due now."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver due rows until cancelled."""
        while True:
            delivered = await self.run_once()
            if delivered:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """Claim one batch, deliver it, and return how many rows were attempted."""
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        groups: dict[str, list[int]] = {}
        for item_id, conversation_id in claimed:
            key = conversation_id or f"item:{item_id}"
            groups.setdefault(key, []).append(item_id)
        await asyncio.gather(*(self._deliver_group(ids) for ids in groups.values()))
        return len(claimed)

    def _claim(self) -> list[tuple[int, str]]:
        now = utcnow()
        earlier = aliased(OutboxItem)
        blocked_by_earlier = exists().where(
            and_(
                col(earlier.bundle) == col(OutboxItem.bundle),
                col(earlier.conversation_id) == col(OutboxItem.conversation_id),
                col(earlier.status) == "pending",
                col(earlier.id) < col(OutboxItem.id),
            )
        )
        query = (
            select(OutboxItem)
            .where(
                OutboxItem.bundle == self.bundle,
                OutboxItem.status == "pending",
                col(OutboxItem.next_attempt_at) <= now,
                or_(col(OutboxItem.claimed_until).is_(None), col(OutboxItem.claimed_until) < now),
                or_(col(OutboxItem.conversation_id) == "", ~blocked_by_earlier),
            )
            .order_by(col(OutboxItem.id))
            .limit(self.batch_size)
        )
        with self.database.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboxItem)
            items = session.exec(query).all()
            lease = now + dt.timedelta(seconds=self.policy.lease_seconds)
            for item in items:
                item.claimed_until = lease
                session.add(item)
            return [(item.id or 0, item.conversation_id) for item in items]

    async def _deliver_group(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            if not await self._deliver(item_id):
                return

    async def _deliver(self, item_id: int) -> bool:
        item, payload = await asyncio.to_thread(self._load, item_id)
        if item is None:
            return True
        handler = self._handlers.get(item.kind)
        if handler is None:
            error: Exception = PermanentError(f"no handler for outbox kind {item.kind!r}")
            await asyncio.to_thread(self._mark_failed, item_id, payload, error)
            return False

        limiter = self._limiters.get(item.target)
        if limiter is not None:
            await limiter.wait()
        started = time.monotonic()
        try:
            receipt = await handler(item, payload)
        except Exception as failure:  # every failure is recorded; nothing escapes the worker
            logger.info(
                "outbox %s item %s to %s failed after %.2fs: %s",
                item.kind, item_id, item.target, time.monotonic() - started, type(failure).__name__,
            )  # fmt: skip
            await asyncio.to_thread(self._mark_failed, item_id, payload, failure)
            return False
        logger.info(
            "outbox %s item %s delivered to %s in %.2fs",
            item.kind, item_id, item.target, time.monotonic() - started,
        )  # fmt: skip
        await asyncio.to_thread(self._mark_delivered, item_id, payload, receipt)
        return True

    def _load(self, item_id: int) -> tuple[OutboxItem | None, dict[str, Any]]:
        with self.database.session() as session:
            item = session.get(OutboxItem, item_id)
            if item is None or item.status != "pending":
                return None, {}
            payload = self.keyring.decrypt_json(item.payload_enc or b"", context=PAYLOAD_CONTEXT)
            session.expunge(item)
            return item, payload

    def _mark_delivered(
        self, item_id: int, payload: Mapping[str, Any], receipt: DeliveryReceipt
    ) -> None:
        with self.database.session() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return
            item.status = "delivered"
            item.delivered_at = utcnow()
            item.claimed_until = None
            item.attempts += 1
            item.receipt = json.dumps(
                {"external_id": receipt.external_id, **dict(receipt.details)}, ensure_ascii=False
            )[:500]
            session.add(item)
            callback = self._after_delivery.get(item.kind)
            if callback is not None:
                callback(session, item, payload, receipt)

    def _mark_failed(self, item_id: int, payload: Mapping[str, Any], failure: Exception) -> None:
        with self.database.session() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return
            item.attempts += 1
            item.claimed_until = None
            item.last_error = _describe(failure)
            permanent = isinstance(failure, PermanentError)
            if permanent or item.attempts >= self.policy.max_attempts:
                item.status = "dead"
                logger.warning(
                    "outbox item %s (%s to %s) is dead after %d attempts: %s",
                    item_id, item.kind, item.target, item.attempts, item.last_error,
                )  # fmt: skip
                callback = self._after_failure.get(item.kind)
                if callback is not None:
                    callback(session, item, payload, failure)
            else:
                retry_after = failure.retry_after if isinstance(failure, RetryableError) else None
                delay = self.policy.delay(item.attempts, retry_after)
                item.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
                logger.info("outbox item %s retry %d in %.1fs", item_id, item.attempts, delay)
            session.add(item)


def _describe(failure: Exception) -> str:
    """Describe a failure for the listing, without personal data.

    leadgate's own errors are written to contain none. A foreign exception is shown by
    its type only, because its text may echo the request.
    """
    from leadgate.errors import LeadgateError

    if isinstance(failure, LeadgateError):
        return f"{type(failure).__name__}: {failure}"[:500]
    return type(failure).__name__


def retry_dead(session: Session, bundle: str, item_id: int | None = None) -> int:
    """Return dead rows (one, or all of a bundle) to pending; return how many."""
    query = select(OutboxItem).where(OutboxItem.bundle == bundle, OutboxItem.status == "dead")
    if item_id is not None:
        query = query.where(OutboxItem.id == item_id)
    items = session.exec(query).all()
    for item in items:
        item.status = "pending"
        item.attempts = 0
        item.next_attempt_at = utcnow()
        item.claimed_until = None
        session.add(item)
    return len(items)
