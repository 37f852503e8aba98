"""WhatsApp end to end: signed Cloud API deliveries and Green-API notifications into the
running app, replies out to fake Graph and Green-API servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channel_e2e import ChannelApp

from leadgate.core.store.tables import Lead, Message

from fakes.graph_api import GraphApiFake, hub_signature
from fakes.greenapi import GreenApiFake

APP_SECRET = "e2e-app-secret"
ACCESS_TOKEN = "e2e-graph-token"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "79130000001"
GREEN_ID = "1101000001"
GREEN_TOKEN = "e2e-green-token"
GREEN_HOOK_TOKEN = "e2e-hook-token"


@pytest.fixture
def graph() -> Iterator[GraphApiFake]:
    with GraphApiFake(access_token=ACCESS_TOKEN) as server:
        yield server


@pytest.fixture
def green() -> Iterator[GreenApiFake]:
    with GreenApiFake(id_instance=GREEN_ID, api_token=GREEN_TOKEN) as server:
        yield server


def cloud_app(tmp_path: Path, graph: GraphApiFake) -> ChannelApp:
    section = (
        "channels:\n"
        "  whatsapp:\n"
        "    access_token: ${WHATSAPP_ACCESS_TOKEN}\n"
        "    app_secret: ${WHATSAPP_APP_SECRET}\n"
        "    verify_token: ${WHATSAPP_VERIFY_TOKEN}\n"
        f'    phone_number_id: "{PHONE_NUMBER_ID}"\n'
        f"    api_url: {graph.url}\n"
    )
    env = {
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "e2e-verify",
    }
    return ChannelApp(tmp_path, section, env)


def green_app(tmp_path: Path, green: GreenApiFake) -> ChannelApp:
    section = (
        "channels:\n"
        "  whatsapp:\n"
        "    transport: greenapi\n"
        f'    id_instance: "{GREEN_ID}"\n'
        "    api_token: ${GREEN_API_TOKEN}\n"
        "    webhook_token: ${GREEN_WEBHOOK_TOKEN}\n"
        f"    api_url: {green.url}\n"
    )
    env = {"GREEN_API_TOKEN": GREEN_TOKEN, "GREEN_WEBHOOK_TOKEN": GREEN_HOOK_TOKEN}
    return ChannelApp(tmp_path, section, env)


class CloudClient:
    """A WhatsApp user as the Cloud API reports them: signed deliveries of messages."""

    def __init__(self, app: ChannelApp) -> None:
        self.app = app
        self.count = 0

    def delivery(self, kind: str, **body: Any) -> bytes:
        self.count += 1
        message = {
            "from": WA_ID,
            "id": f"wamid.E2E{self.count:04d}",
            "timestamp": "1733300000",
            "type": kind,
            **body,
        }
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Анна"}, "wa_id": WA_ID}],
            "messages": [message],
        }
        document = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
        }
        return json.dumps(document, ensure_ascii=False).encode()

    async def post(self, body: bytes) -> int:
        response = await self.app.post(
            "whatsapp", body, {"X-Hub-Signature-256": hub_signature(APP_SECRET, body)}
        )
        await self.app.settle()
        return response.status_code

    async def say(self, text: str) -> None:
        assert await self.post(self.delivery("text", text={"body": text})) == 200

    async def press(self, button_id: str) -> None:
        interactive = {
            "type": "button_reply",
            "button_reply": {"id": button_id, "title": "Согласен"},
        }
        assert await self.post(self.delivery("interactive", interactive=interactive)) == 200


def reply_button_ids(body: dict[str, Any]) -> list[str]:
    buttons = (body.get("interactive") or {}).get("action", {}).get("buttons", [])
    return [button["reply"]["id"] for button in buttons]


def test_handshake_through_the_app(tmp_path: Path, graph: GraphApiFake) -> None:
    async def scenario() -> tuple[Any, Any]:
        async with cloud_app(tmp_path, graph) as app:
            url = f"/webhooks/whatsapp/{app.runtime.bundle.name}"
            good = await app.client.get(
                url,
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": "e2e-verify",
                    "hub.challenge": "31337",
                },
            )
            bad = await app.client.get(
                url,
                params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "31337"},
            )
            return good, bad

    good, bad = asyncio.run(scenario())

    assert (good.status_code, good.text) == (200, "31337")
    assert bad.status_code == 403


def test_unsigned_delivery_is_rejected_and_nothing_stored(
    tmp_path: Path, graph: GraphApiFake
) -> None:
    async def scenario() -> tuple[int, list[Any]]:
        async with cloud_app(tmp_path, graph) as app:
            body = CloudClient(app).delivery("text", text={"body": "привет"})
            response = await app.post(
                "whatsapp", body, {"X-Hub-Signature-256": hub_signature("guess", body)}
            )
            await app.settle()
            return response.status_code, app.rows(Message)

    status, messages = asyncio.run(scenario())

    assert status in (401, 403)
    assert messages == []
    assert graph.calls == []


def test_redelivered_message_is_stored_and_answered_once(
    tmp_path: Path, graph: GraphApiFake
) -> None:
    async def scenario() -> list[Any]:
        async with cloud_app(tmp_path, graph) as app:
            client = CloudClient(app)
            body = client.delivery("text", text={"body": "Здравствуйте, хочу на маникюр"})
            headers = {"X-Hub-Signature-256": hub_signature(APP_SECRET, body)}
            statuses = await asyncio.gather(
                app.post("whatsapp", body, headers), app.post("whatsapp", body, headers)
            )
            assert [response.status_code for response in statuses] == [200, 200]
            await app.settle()
            assert await client.post(body) == 200
            return app.rows(Message)

    messages = asyncio.run(scenario())

    assert len([row for row in messages if row.direction == "in"]) == 1
    assert len(graph.bodies()) == 2  # the greeting and the consent prompt, once


def test_status_delivery_sends_no_reply(tmp_path: Path, graph: GraphApiFake) -> None:
    async def scenario() -> int:
        async with cloud_app(tmp_path, graph) as app:
            status = {
                "id": "wamid.OURS",
                "status": "delivered",
                "timestamp": "1733300100",
                "recipient_id": WA_ID,
            }
            value = {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                "statuses": [status],
            }
            body = json.dumps(
                {
                    "object": "whatsapp_business_account",
                    "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
                }
            ).encode()
            return await CloudClient(app).post(body)

    assert asyncio.run(scenario()) == 200
    assert graph.calls == []


def test_booking_over_whatsapp_cloud_ends_in_one_lead(tmp_path: Path, graph: GraphApiFake) -> None:
    async def scenario() -> list[Any]:
        async with cloud_app(tmp_path, graph) as app:
            client = CloudClient(app)
            await client.say("Здравствуйте, хочу записаться на маникюр")
            for payload in app.consent_payloads():
                assert payload in reply_button_ids(graph.bodies()[-1])
                await client.press(payload)
            for line in ("завтра в 18:30", "Анна", "8 913 000-00-01", "да"):
                await client.say(line)
            return app.rows(Lead)

    leads = asyncio.run(scenario())

    assert len(leads) == 1
    assert leads[0].channel == "whatsapp"
    assert all(body["to"] == WA_ID for body in graph.bodies())


def test_booking_over_green_api_ends_in_one_lead(tmp_path: Path, green: GreenApiFake) -> None:
    count = 0

    def notification(message_data: dict[str, Any]) -> bytes:
        nonlocal count
        count += 1
        document = {
            "typeWebhook": "incomingMessageReceived",
            "instanceData": {
                "idInstance": int(GREEN_ID),
                "wid": "79876543210@c.us",
                "typeInstance": "whatsapp",
            },
            "timestamp": 1733300000,
            "idMessage": f"BAE5E2E{count:04d}",
            "senderData": {
                "chatId": f"{WA_ID}@c.us",
                "sender": f"{WA_ID}@c.us",
                "senderName": "Анна",
            },
            "messageData": message_data,
        }
        return json.dumps(document, ensure_ascii=False).encode()

    async def scenario() -> list[Any]:
        async with green_app(tmp_path, green) as app:
            headers = {"Authorization": f"Bearer {GREEN_HOOK_TOKEN}"}

            async def post(data: dict[str, Any]) -> None:
                assert (await app.post("whatsapp", notification(data), headers)).status_code == 200
                await app.settle()

            async def say(text: str) -> None:
                await post({"typeMessage": "textMessage", "textMessageData": {"textMessage": text}})

            await say("Здравствуйте, хочу записаться на маникюр")
            for payload in app.consent_payloads():
                offered = [
                    button["buttonId"]
                    for button in green.sent("sendInteractiveButtonsReply")[-1]["buttons"]
                ]
                assert payload in offered
                await post(
                    {
                        "typeMessage": "interactiveButtonsResponse",
                        "interactiveButtonsResponse": {
                            "stanzaId": "X",
                            "selectedIndex": 0,
                            "selectedId": payload,
                            "selectedDisplayText": "Согласен",
                        },
                    }
                )
            for line in ("завтра в 18:30", "Анна", "8 913 000-00-01", "да"):
                await say(line)
            return app.rows(Lead)

    leads = asyncio.run(scenario())

    assert len(leads) == 1
    assert leads[0].channel == "whatsapp"
