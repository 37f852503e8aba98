"""Telegram end to end: Bot API updates into the running app, replies out to a fake Bot API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from channel_e2e import ChannelApp

from leadgate.core.store.tables import Lead, Message

from fakes.telegram_api import TelegramApiFake
from livesrv import serve

TOKEN = "123456:E2E-token"
SECRET = "e2e-webhook_secret"
CHAT_ID = 5550001
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def fake() -> Iterator[TelegramApiFake]:
    with TelegramApiFake(token=TOKEN) as server:
        yield server


def section(api_url: str) -> str:
    return (
        "channels:\n"
        "  telegram:\n"
        "    bot_token: ${TELEGRAM_BOT_TOKEN}\n"
        "    webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}\n"
        f"    api_url: {api_url}\n"
    )


def make_app(tmp_path: Path, fake: TelegramApiFake, start_outbox: bool = False) -> ChannelApp:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    return ChannelApp(tmp_path, section(fake.url), env, start_outbox=start_outbox)


class Client:
    """A Telegram user writing to the bot: each action is one Bot API update."""

    def __init__(self, app: ChannelApp) -> None:
        self.app = app
        self.update_id = 700000

    def update(self, **body: Any) -> bytes:
        self.update_id += 1
        return json.dumps({"update_id": self.update_id, **body}, ensure_ascii=False).encode()

    def text_update(self, text: str) -> bytes:
        chat = {"id": CHAT_ID, "first_name": "Анна", "type": "private"}
        sender = {"id": CHAT_ID, "is_bot": False, "first_name": "Анна"}
        message = {
            "message_id": self.update_id,
            "from": sender,
            "chat": chat,
            "date": 1733300000,
            "text": text,
        }
        return self.update(message=message)

    async def say(self, text: str) -> None:
        response = await self.app.post("telegram", self.text_update(text), HEADERS)
        assert response.status_code == 200
        await self.app.settle()

    async def press(self, data: str) -> None:
        chat = {"id": CHAT_ID, "first_name": "Анна", "type": "private"}
        sender = {"id": CHAT_ID, "is_bot": False, "first_name": "Анна"}
        query = {
            "id": f"cbq-{self.update_id}",
            "from": sender,
            "message": {
                "message_id": 1,
                "from": sender,
                "chat": chat,
                "date": 1733300000,
                "text": "…",
            },
            "chat_instance": "-42",
            "data": data,
        }
        response = await self.app.post("telegram", self.update(callback_query=query), HEADERS)
        assert response.status_code == 200
        await self.app.settle()


def keyboard_data(sent: dict[str, Any]) -> list[str]:
    rows = (sent.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def test_first_message_gets_consent_prompt_with_buttons(
    tmp_path: Path, fake: TelegramApiFake
) -> None:
    async def scenario() -> None:
        async with make_app(tmp_path, fake) as app:
            await Client(app).say("Здравствуйте, хочу на маникюр")

    asyncio.run(scenario())

    replies = fake.sent()
    assert all(reply["chat_id"] == str(CHAT_ID) for reply in replies)
    assert "согласие" in replies[-1]["text"].lower()
    assert [data.rsplit(":", 1)[-1] for data in keyboard_data(replies[-1])] == ["yes", "no"]


def test_wrong_secret_is_rejected_and_nothing_stored(tmp_path: Path, fake: TelegramApiFake) -> None:
    async def scenario() -> tuple[int, list[Any]]:
        async with make_app(tmp_path, fake) as app:
            client = Client(app)
            response = await app.post(
                "telegram", client.text_update("привет"), {"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            await app.settle()
            return response.status_code, app.rows(Message)

    status, messages = asyncio.run(scenario())

    assert status == 403
    assert messages == []
    assert fake.calls == []


def test_malformed_update_is_400_and_nothing_stored(tmp_path: Path, fake: TelegramApiFake) -> None:
    async def scenario() -> tuple[int, list[Any]]:
        async with make_app(tmp_path, fake) as app:
            response = await app.post("telegram", b'{"update_id": "x"', HEADERS)
            return response.status_code, app.rows(Message)

    status, messages = asyncio.run(scenario())

    assert status == 400
    assert messages == []


def test_redelivered_update_is_stored_and_answered_once(
    tmp_path: Path, fake: TelegramApiFake
) -> None:
    async def scenario() -> tuple[list[int], list[Any]]:
        async with make_app(tmp_path, fake) as app:
            body = Client(app).text_update("Здравствуйте, хочу на маникюр")
            first, second = await asyncio.gather(
                app.post("telegram", body, HEADERS), app.post("telegram", body, HEADERS)
            )
            await app.settle()
            replies_after_first = len(fake.sent())
            later = await app.post("telegram", body, HEADERS)
            await app.settle()
            assert len(fake.sent()) == replies_after_first
            return [first.status_code, second.status_code, later.status_code], app.rows(Message)

    statuses, messages = asyncio.run(scenario())

    assert statuses == [200, 200, 200]
    assert len([row for row in messages if row.direction == "in"]) == 1
    assert len(fake.sent()) == 2  # the greeting and the consent prompt, once


def test_booking_over_telegram_ends_in_one_lead(tmp_path: Path, fake: TelegramApiFake) -> None:
    async def scenario() -> tuple[list[Any], int]:
        async with make_app(tmp_path, fake) as app:
            client = Client(app)
            await client.say("Здравствуйте, хочу записаться на маникюр")
            for payload in app.consent_payloads():
                assert payload in keyboard_data(fake.sent()[-1])
                await client.press(payload)
            for line in ("завтра в 18:30", "Анна", "8 913 000-00-01", "да"):
                await client.say(line)
            return app.rows(Lead), len(app.consent_payloads())

    leads, presses = asyncio.run(scenario())

    assert len(leads) == 1
    assert leads[0].channel == "telegram"
    assert len(fake.sent("answerCallbackQuery")) == presses
    assert "Анна" in " ".join(reply["text"] for reply in fake.sent()[-2:])


def test_live_server_answers_webhook_and_sends_reply(tmp_path: Path, fake: TelegramApiFake) -> None:
    app = make_app(tmp_path, fake, start_outbox=True)
    body = Client(app).text_update("Здравствуйте, хочу на маникюр")
    headers = {**HEADERS, "Content-Type": "application/json"}

    with serve(app.app) as base_url:
        url = f"{base_url}/webhooks/telegram/{app.runtime.bundle.name}"
        response = httpx.post(url, content=body, headers=headers)
        answered = _wait_for(lambda: len(fake.sent()) >= 2)
        again = httpx.post(url, content=body, headers=headers)
        # Give a wrongly accepted redelivery time to reach the fake before counting.
        time.sleep(0.5)
        sent = fake.sent()

    assert response.status_code == 200
    assert again.status_code == 200
    assert answered
    assert len(sent) == 2


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
