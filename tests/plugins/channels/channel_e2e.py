"""The running leadgate app with real channel plugins, for end-to-end channel tests.

``ChannelApp`` builds the app from the salon template with one channel section that
points at a fake provider on 127.0.0.1, posts webhooks through the app's own
routes (in process, over ASGI), and delivers the outbox the way the worker does.
With ``start_outbox=True`` the app's own lifespan runs the outbox worker, for
tests that serve it with uvicorn.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from leadgate.config.settings import Settings
from leadgate.core.app import create_app
from leadgate.core.outbox import RetryPolicy
from leadgate.core.service import Runtime

from harness import KRASNOYARSK, copy_template


def next_wednesday_morning() -> dt.datetime:
    """Return 10:00 on the next Wednesday in Krasnoyarsk, so «завтра в 18:30» is open.

    The date follows today's, so that the WhatsApp 24-hour window, which the channel
    measures against the real clock, holds for the messages of the scenario.
    """
    today = dt.datetime.now(KRASNOYARSK).date()
    days = (2 - today.weekday()) % 7 or 7
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(10, 0), KRASNOYARSK)


class ChannelApp:
    """The salon app with one real channel; ``post`` goes through ``/webhooks/...``."""

    def __init__(
        self, tmp_path: Path, section: str, env: dict[str, str], *, start_outbox: bool = False
    ) -> None:
        bundle = copy_template(tmp_path, "salon", section)
        (bundle / ".env").write_text(
            "".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8"
        )
        self.now = next_wednesday_morning()
        self.app = create_app(
            bundle,
            settings=Settings(data_dir=bundle / "data", database_url=None),
            clock=lambda: self.now,
            retry_policy=RetryPolicy(base_delay=0.0, max_delay=0.0),
            start_outbox=start_outbox,
        )
        self.runtime: Runtime = self.app.state.runtime
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://127.0.0.1"
        )

    async def __aenter__(self) -> ChannelApp:
        await self.runtime.start(outbox=False)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()
        for channel in self.runtime.channels.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                await close()
        await self.runtime.stop()

    async def post(self, channel: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """Post one webhook delivery to ``/webhooks/<channel>/<bundle>``."""
        url = f"/webhooks/{channel}/{self.runtime.bundle.name}"
        return await self.client.post(
            url, content=body, headers={"Content-Type": "application/json", **headers}
        )

    async def settle(self) -> None:
        """Finish processing and deliver the outbox, as the worker would."""
        await self.runtime.pipeline.drain()
        while await self.runtime.worker.run_once():
            await self.runtime.pipeline.drain()

    def rows(self, table: type) -> list[Any]:
        """Return every row of ``table``."""
        with self.runtime.services.database.session() as session:
            return list(session.exec(select(table)).all())

    def consent_payloads(self) -> list[str]:
        """Return the ``yes`` payloads of the bundle's required consents, in order."""
        return [
            f"consent:{spec.type}:{spec.version}:yes"
            for spec in self.runtime.bundle.required_consents
        ]
