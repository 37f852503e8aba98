"""The generic webhook endpoint with an inline third-party channel."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from strictyaml import Map, Str

import leadgate
from leadgate.config.settings import Settings
from leadgate.core.app import create_app
from leadgate.core.components import (
    Answer,
    Answerer,
    Channel,
    ComponentSpec,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.core.store.tables import Message
from leadgate.errors import PayloadError, SignatureError

from harness import copy_template
from livesrv import serve

SECRET = "webhook-secret"


class SignedChannel(Channel):
    """A minimal signed-JSON channel, as a third party would write one."""

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        self.secret = context.config["secret"]
        self.sent: list[OutboundMessage] = []

    def verify(self, request: RawRequest) -> None:
        expected = hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-signature", ""), expected):
            raise SignatureError("wrong signature")

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        try:
            data = json.loads(request.body)
        except ValueError as error:
            raise PayloadError("malformed JSON") from error
        kind = "ignored" if data.get("type") == "typing" else "text"
        return [
            InboundEvent(
                channel="signed",
                external_id=str(data["id"]),
                user_id="u1",
                kind=kind,
                text=data.get("text", ""),
            )
        ]

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        self.sent.append(message)
        return DeliveryReceipt()


class SlowAnswerer(Answerer):
    """An answerer that takes far longer than a webhook may wait."""

    async def answer(self, request):  # type: ignore[no-untyped-def]
        await asyncio.sleep(30)
        return Answer(text="поздно")


class Plugin:
    @leadgate.hookimpl
    def leadgate_register_channels(self, register):  # type: ignore[no-untyped-def]
        register(
            ComponentSpec(
                kind="channel", name="signed", factory=SignedChannel, schema=Map({"secret": Str()})
            )
        )

    @leadgate.hookimpl
    def leadgate_register_llms(self, register):  # type: ignore[no-untyped-def]
        register(
            ComponentSpec(kind="answerer", name="slow", factory=lambda context: SlowAnswerer())
        )


def _post(url: str, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is None:
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    if signature:
        headers["x-signature"] = signature
    return httpx.post(f"{url}/webhooks/signed/salon", content=body, headers=headers, timeout=20)


@pytest.fixture
def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    local = (
        "channels:\n  webchat: {}\n  signed:\n    secret: ${SIGNED_SECRET}\n"
        "answerer:\n  plugin: slow\n  timeout: 2s\n"
    )
    bundle = copy_template(tmp_path, local_yaml=local)
    (bundle / ".env").write_text(f"SIGNED_SECRET={SECRET}\n", encoding="utf-8")
    app = create_app(bundle, settings=Settings(data_dir=bundle / "data"), extra_plugins=[Plugin()])
    with serve(app) as url:
        yield url, app


def _stored(app) -> list[Message]:  # type: ignore[no-untyped-def]
    with app.state.runtime.services.database.session() as session:
        return list(session.exec(select(Message).where(Message.direction == "in")).all())


def test_webhook_rejects_missing_and_wrong_signatures(service) -> None:  # type: ignore[no-untyped-def]
    url, app = service
    body = b'{"id": 1, "text": "hello"}'

    missing = _post(url, body, signature="")
    wrong = _post(url, body, signature="0" * 64)

    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert _stored(app) == []


def test_webhook_rejects_oversized_and_malformed_bodies(service) -> None:  # type: ignore[no-untyped-def]
    url, app = service

    oversized = _post(url, b'{"id": 1, "text": "' + b"a" * 1_100_000 + b'"}')
    malformed = _post(url, b"{not json")

    assert oversized.status_code == 413
    assert malformed.status_code == 400
    assert _stored(app) == []


def test_webhook_acknowledges_before_slow_answerer(service) -> None:  # type: ignore[no-untyped-def]
    url, app = service
    started = time.monotonic()

    response = _post(url, json.dumps({"id": 7, "text": "привет"}).encode())

    assert response.status_code == 200
    assert time.monotonic() - started < 5
    assert len(_stored(app)) == 1


def test_webhook_dedupes_concurrent_redelivery(service) -> None:  # type: ignore[no-untyped-def]
    url, app = service
    body = json.dumps({"id": 42, "text": "привет"}).encode()

    async def burst() -> list[int]:
        async with httpx.AsyncClient() as client:
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{url}/webhooks/signed/salon",
                        content=body,
                        headers={"x-signature": signature},
                    )
                    for _ in range(5)
                )
            )
        return [response.status_code for response in responses]

    statuses = asyncio.run(burst())
    later = _post(url, body)

    assert statuses == [200] * 5
    assert later.status_code == 200
    assert len(_stored(app)) == 1


def test_webhook_acknowledges_unknown_update_without_storing(service) -> None:  # type: ignore[no-untyped-def]
    url, app = service

    response = _post(url, json.dumps({"id": 9, "type": "typing"}).encode())

    assert response.status_code == 200
    assert _stored(app) == []


def test_webhook_for_unknown_channel_or_bundle_is_404(service) -> None:  # type: ignore[no-untyped-def]
    url, _ = service

    other_bundle = httpx.post(f"{url}/webhooks/signed/clinic", content=b"{}")
    unknown = httpx.post(f"{url}/webhooks/vk/salon", content=b"{}")

    assert other_bundle.status_code == 404
    assert unknown.status_code == 404
