"""Assembly of one running bundle: plugins, database, keys, components, pipeline, outbox.

:func:`build_runtime` is shared by ``leadgate run`` (through ``leadgate.core.app``)
and ``leadgate chat``, so a bundle behaves the same in a terminal and behind HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from leadgate.config.bundle import Bundle, ComponentChoice
from leadgate.config.loader import load_bundle
from leadgate.config.settings import Settings
from leadgate.core.components import (
    CRM,
    Answerer,
    Button,
    Channel,
    ComponentContext,
    ComponentKind,
    DeliveryReceipt,
    OutboundMessage,
)
from leadgate.core.crypto import KeyRing
from leadgate.core.logfilter import install_log_filter
from leadgate.core.outbox import OutboxWorker, RetryPolicy
from leadgate.core.pipeline import Pipeline
from leadgate.core.pipeline_commit import lead_from_payload
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.core.redaction import Redactor
from leadgate.core.retention import record_destruction, sweep_periodically
from leadgate.core.runtime import Services
from leadgate.core.store.engine import Database, data_dir_for
from leadgate.core.store.tables import Conversation, Message, OutboxItem
from leadgate.errors import PluginError, UnreachableError
from leadgate.locales import text as t

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A bundle ready to serve: its services, pipeline, outbox worker and channels."""

    services: Services
    pipeline: Pipeline
    worker: OutboxWorker
    channels: dict[str, Channel]
    crm: CRM
    key_notice: Path | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def bundle(self) -> Bundle:
        """The bundle this runtime serves."""
        return self.services.bundle

    async def start(self, *, outbox: bool = True) -> None:
        """Start background work: the outbox worker, crash recovery, channel polling."""
        # uvicorn configures its log handlers after leadgate's CLI did; filter them too.
        install_log_filter()
        # Load the name model now, so that the first client does not wait for it.
        await asyncio.to_thread(self.pipeline.redactor.warm_up)
        if outbox:
            self._tasks.append(asyncio.create_task(self.worker.run(), name="outbox"))
            sweep = sweep_periodically(self.services)
            self._tasks.append(asyncio.create_task(sweep, name="retention"))
        for name, channel in self.channels.items():
            submit = self.pipeline.ingest
            self._tasks.append(
                asyncio.create_task(_poll(name, channel, submit), name=f"poll:{name}")
            )
        await self.pipeline.recover()

    async def stop(self) -> None:
        """Stop background work and wait for running processing to finish."""
        await self.pipeline.drain()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for name, component in self.services.components.items():
            close = getattr(component, "aclose", None)
            if close is None:
                continue
            try:
                await close()
            except Exception:
                logger.exception("closing component %s failed", name)
        self.services.database.dispose()


async def _poll(name: str, channel: Channel, submit: Callable[..., Any]) -> None:
    async def store(events: list[Any]) -> None:
        await submit(events)

    try:
        await channel.poll(store)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("polling of channel %s stopped", name)


def build_runtime(
    bundle_path: Path,
    *,
    settings: Settings | None = None,
    extra_plugins: Iterable[object] = (),
    extra_channels: Mapping[str, Channel] | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    public_url: str = "http://127.0.0.1:8000",
    clock: Callable[[], dt.datetime] | None = None,
    retry_policy: RetryPolicy | None = None,
) -> Runtime:
    """Load a bundle and build everything it needs to serve; migrate the database."""
    settings = settings or Settings()
    manager = create_plugin_manager(settings, extra=extra_plugins)
    registry = ComponentRegistry(manager)
    bundle = load_bundle(Path(bundle_path), registry=registry)

    data_dir = data_dir_for(Path(bundle_path), settings)
    database = Database.open(data_dir, settings)
    database.migrate()
    keyring = KeyRing.load(data_dir, settings)
    services = Services(
        settings=settings, bundle=bundle, database=database, keyring=keyring, registry=registry,
        plugin_manager=manager, http_transport=http_transport, public_url=public_url.rstrip("/"),
    )  # fmt: skip

    channels: dict[str, Channel] = {
        choice.name: _build(registry, "channel", choice, services) for choice in bundle.channels
    }
    channels.update(extra_channels or {})
    fallback: Answerer = _build(registry, "answerer", ComponentChoice(name="scripted"), services)
    answerer = (
        fallback
        if bundle.answerer.name == "scripted"
        else _build_answerer(registry, bundle, services)
    )
    crm: CRM = _build(registry, "crm", bundle.crm, services)
    detectors = [
        _build(registry, "detector", ComponentChoice(name=spec.name), services)
        for spec in registry.specs("detector")
    ]
    services.components.update({f"channel:{name}": channel for name, channel in channels.items()})
    services.components.update({"answerer": answerer, "crm": crm})

    pipeline = Pipeline(
        services, answerer, fallback, Redactor(detectors, bundle.redaction), clock=clock
    )
    services.pipeline = pipeline
    worker = OutboxWorker(database, keyring, bundle.name, policy=retry_policy)
    _wire_outbox(worker, services, channels, crm)
    services.outbox = worker
    return Runtime(services, pipeline, worker, channels, crm, key_notice=keyring.created_path)


def _build(
    registry: ComponentRegistry, kind: ComponentKind, choice: ComponentChoice, services: Services
) -> Any:
    spec = registry.get(kind, choice.name)
    context = ComponentContext(
        name=choice.name, config=choice.config, bundle=services.bundle, services=services
    )
    return spec.factory(context)


def _build_answerer(registry: ComponentRegistry, bundle: Bundle, services: Services) -> Answerer:
    spec = registry.get("answerer", bundle.answerer.name)
    answerer = _build(registry, "answerer", bundle.answerer, services)
    location = getattr(answerer, "location", spec.location)
    if location not in bundle.data_locations:
        allowed = ", ".join(sorted(bundle.data_locations))
        raise PluginError(
            t(
                "core.location_refused",
                None,
                name=bundle.answerer.name,
                location=location,
                allowed=allowed,
            )
        )
    return answerer


def _wire_outbox(
    worker: OutboxWorker, services: Services, channels: Mapping[str, Channel], crm: CRM
) -> None:
    async def send_reply(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        return await _channel(channels, item.target).send(outbound_from_payload(payload))

    async def acknowledge(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        await _channel(channels, item.target).acknowledge(payload.get("meta", {}))
        return DeliveryReceipt()

    async def write_lead(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        return await crm.write_lead(lead_from_payload(dict(payload)), item.idempotency_key)

    async def erase(item: OutboxItem, payload: Mapping[str, Any]) -> DeliveryReceipt:
        receipts = [_receipt(raw) for raw in payload.get("receipts", [])]
        records = await crm.erase_subject(receipts)
        await asyncio.to_thread(_store_records, services, records)
        return DeliveryReceipt(details={"records": str(len(records))})

    worker.register("reply", send_reply, after_delivery=_reply_sent, after_failure=_reply_failed)
    worker.register("ack", acknowledge)
    worker.register("crm", write_lead)
    worker.register("erase", erase)
    worker.set_rate(services.bundle.crm.name, getattr(crm, "requests_per_second", None))
    for name, channel in channels.items():
        worker.set_rate(name, getattr(channel, "requests_per_second", None))


def _channel(channels: Mapping[str, Channel], name: str) -> Channel:
    channel = channels.get(name)
    if channel is None:
        raise PluginError(
            f"channel {name!r} is no longer enabled in the bundle; enable it or retry later"
        )
    return channel


def _receipt(raw: Mapping[str, Any]) -> DeliveryReceipt:
    details = {key: str(value) for key, value in raw.items() if key != "external_id"}
    return DeliveryReceipt(external_id=str(raw.get("external_id", "")), details=details)


def _store_records(services: Services, records: list[Any]) -> None:
    with services.database.session() as session:
        for record in records:
            record_destruction(session, services.bundle.name, record)


def outbound_from_payload(payload: Mapping[str, Any]) -> OutboundMessage:
    """Rebuild the reply a pipeline queued."""
    last_inbound = payload.get("last_inbound_at")
    return OutboundMessage(
        channel=payload["channel"],
        user_id=payload["user_id"],
        text=payload["text"],
        buttons=tuple(
            Button(label=label, payload=data) for label, data in payload.get("buttons", [])
        ),
        request_contact=bool(payload.get("request_contact")),
        keep_whole=tuple((int(start), int(end)) for start, end in payload.get("keep_whole", [])),
        last_inbound_at=dt.datetime.fromisoformat(last_inbound) if last_inbound else None,
        message_id=str(payload.get("message_row", "")),
    )


def _reply_sent(
    session: Session, item: OutboxItem, payload: Mapping[str, Any], receipt: DeliveryReceipt
) -> None:
    row = session.get(Message, payload.get("message_row"))
    if row is not None:
        row.status = "sent"
        row.payload = receipt.external_id[:200]
        session.add(row)


def _reply_failed(
    session: Session, item: OutboxItem, payload: Mapping[str, Any], failure: Exception
) -> None:
    row = session.get(Message, payload.get("message_row"))
    if row is None:
        return
    row.status = "failed"
    session.add(row)
    if isinstance(failure, UnreachableError):
        conversation = session.get(Conversation, row.conversation_id)
        if conversation is not None:
            conversation.reachable = False
            session.add(conversation)
