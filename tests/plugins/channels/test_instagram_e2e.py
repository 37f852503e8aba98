"""Instagram end to end: signed deliveries into the running app, replies to a fake Graph API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channel_e2e import ChannelApp

from fakes.graph_api import GraphApiFake, hub_signature

APP_SECRET = "e2e-ig-secret"
ACCESS_TOKEN = "e2e-ig-token"
IG_ID = "17841400000000000"
IGSID = "1254459154682919"


@pytest.fixture
def graph() -> Iterator[GraphApiFake]:
    with GraphApiFake(access_token=ACCESS_TOKEN) as server:
        yield server


def make_app(tmp_path: Path, graph: GraphApiFake) -> ChannelApp:
    section = (
        "channels:\n"
        "  instagram:\n"
        "    access_token: ${INSTAGRAM_ACCESS_TOKEN}\n"
        "    app_secret: ${INSTAGRAM_APP_SECRET}\n"
        "    verify_token: ${INSTAGRAM_VERIFY_TOKEN}\n"
        f"    api_url: {graph.url}\n"
    )
    env = {
        "INSTAGRAM_ACCESS_TOKEN": ACCESS_TOKEN,
        "INSTAGRAM_APP_SECRET": APP_SECRET,
        "INSTAGRAM_VERIFY_TOKEN": "e2e-verify",
    }
    return ChannelApp(tmp_path, section, env)


def delivery(item: dict[str, Any]) -> bytes:
    document = {
        "object": "instagram",
        "entry": [{"id": IG_ID, "time": 1733300001000, "messaging": [item]}],
    }
    return json.dumps(document, ensure_ascii=False).encode()


async def post(app: ChannelApp, body: bytes) -> int:
    response = await app.post(
        "instagram", body, {"X-Hub-Signature-256": hub_signature(APP_SECRET, body)}
    )
    await app.settle()
    return response.status_code


def test_message_gets_consent_prompt_as_quick_replies(tmp_path: Path, graph: GraphApiFake) -> None:
    message = {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ID},
        "timestamp": 1733300000000,
        "message": {"mid": "aWdfZAG1E2E1", "text": "Здравствуйте, хочу на маникюр"},
    }

    async def scenario() -> int:
        async with make_app(tmp_path, graph) as app:
            return await post(app, delivery(message))

    assert asyncio.run(scenario()) == 200
    last = graph.bodies()[-1]
    assert last["recipient"] == {"id": IGSID}
    assert [reply["payload"].rsplit(":", 1)[-1] for reply in last["message"]["quick_replies"]] == [
        "yes",
        "no",
    ]


def test_echo_and_reaction_are_never_answered(tmp_path: Path, graph: GraphApiFake) -> None:
    echo = {
        "sender": {"id": IG_ID},
        "recipient": {"id": IGSID},
        "timestamp": 1733300000000,
        "message": {"mid": "aWdfZAG1E2E2", "text": "Ждём вас", "is_echo": True},
    }
    reaction = {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ID},
        "timestamp": 1733300001000,
        "reaction": {"mid": "aWdfZAG1E2E2", "action": "react", "reaction": "love", "emoji": "❤️"},
    }

    async def scenario() -> list[int]:
        async with make_app(tmp_path, graph) as app:
            return [await post(app, delivery(echo)), await post(app, delivery(reaction))]

    assert asyncio.run(scenario()) == [200, 200]
    assert graph.calls == []
