"""An in-process leadgate runtime for tests: a template bundle, a capturing channel.

``Harness.say`` stores one client event through the real pipeline, lets processing
finish, delivers the outbox, and returns what the client received.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leadgate.config.settings import Settings
from leadgate.core.components import (
    Channel,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.core.outbox import RetryPolicy
from leadgate.core.service import Runtime, build_runtime

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "leadgate" / "templates"
KRASNOYARSK = ZoneInfo("Asia/Krasnoyarsk")
# A Wednesday morning: «завтра в 18:30» is a Thursday inside opening hours.
WEDNESDAY_MORNING = dt.datetime(2026, 12, 9, 10, 0, tzinfo=KRASNOYARSK)


class CapturingChannel(Channel):
    """A channel that keeps every reply instead of sending it."""

    webhook = False

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    def verify(self, request: RawRequest) -> None:
        """Accept everything."""

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Return nothing: tests build events directly."""
        return []

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Keep the reply."""
        self.sent.append(message)
        return DeliveryReceipt(external_id=f"sent-{len(self.sent)}")


def copy_template(tmp_path: Path, template: str = "salon", local_yaml: str = "") -> Path:
    """Copy a packaged template into ``tmp_path`` with an optional local override."""
    bundle = tmp_path / template
    shutil.copytree(TEMPLATES / template, bundle)
    if local_yaml:
        (bundle / "leadgate.local.yaml").write_text(local_yaml, encoding="utf-8")
    return bundle


class Harness:
    """One bundle's runtime driven event by event."""

    def __init__(
        self,
        bundle: Path,
        *,
        extra_plugins: Iterable[object] = (),
        now: dt.datetime = WEDNESDAY_MORNING,
        settings: Settings | None = None,
    ) -> None:
        self.bundle_path = bundle
        self.channel = CapturingChannel()
        self.now = now
        self.runtime: Runtime = build_runtime(
            bundle,
            settings=settings or Settings(data_dir=bundle / "data", database_url=None),
            extra_plugins=extra_plugins,
            extra_channels={"test": self.channel},
            clock=lambda: self.now,
            retry_policy=RetryPolicy(base_delay=0.0, max_delay=0.0),
        )
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(4)

    def event(self, text: str = "", *, user: str = "client-1", **fields: Any) -> InboundEvent:
        """Build a test-channel event with a fresh external id unless one is given."""
        fields.setdefault("external_id", f"event-{self._run}-{next(self._ids)}")
        return InboundEvent(channel="test", user_id=user, text=text, **fields)

    async def deliver(self, *events: InboundEvent) -> list[OutboundMessage]:
        """Ingest events, finish processing and delivery, return the replies sent."""
        before = len(self.channel.sent)
        await self.runtime.pipeline.ingest(list(events))
        await self.settle()
        return self.channel.sent[before:]

    async def settle(self) -> None:
        """Wait for processing and drain the outbox."""
        await self.runtime.pipeline.drain()
        while await self.runtime.worker.run_once():
            await self.runtime.pipeline.drain()

    async def say(self, text: str, *, user: str = "client-1") -> list[OutboundMessage]:
        """Send one text message and return the replies."""
        return await self.deliver(self.event(text, user=user))

    async def press(
        self, payload: str, *, user: str = "client-1", label: str = ""
    ) -> list[OutboundMessage]:
        """Press a button and return the replies."""
        return await self.deliver(self.event(label, user=user, kind="button", payload=payload))

    async def consent(self, *, user: str = "client-1") -> list[OutboundMessage]:
        """Accept the bundle's required consents in order."""
        replies: list[OutboundMessage] = []
        for spec in self.runtime.bundle.required_consents:
            replies += await self.press(f"consent:{spec.type}:{spec.version}:yes", user=user)
        return replies

    async def book(self, *, user: str = "client-1", name: str = "Анна") -> list[OutboundMessage]:
        """Run the whole booking of a manicure for tomorrow at 18:30."""
        replies = await self.say("Здравствуйте, хочу записаться на маникюр", user=user)
        replies += await self.consent(user=user)
        for line in ("завтра в 18:30", name, "8 913 000-00-01", "да"):
            replies += await self.say(line, user=user)
        return replies

    def close(self) -> None:
        """Release the database."""
        self.runtime.services.database.dispose()
