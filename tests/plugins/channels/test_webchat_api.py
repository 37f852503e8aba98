"""The web chat JSON API: session cookie, size limits, rate limit and message listing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leadgate.config.settings import Settings
from leadgate.core.app import create_app

from harness import WEDNESDAY_MORNING, copy_template
from livesrv import serve

LIMITS = "channels:\n  webchat:\n    max_chars: 50\n    rate_limit: 3\n"


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[httpx.Client]:
    bundle = copy_template(tmp_path, local_yaml=LIMITS)
    app = create_app(
        bundle, settings=Settings(data_dir=bundle / "data"), clock=lambda: WEDNESDAY_MORNING
    )
    with serve(app) as url, httpx.Client(base_url=url) as client:
        yield client


def _session(client: httpx.Client) -> None:
    client.get("/chat").raise_for_status()


def _send(client: httpx.Client, text: str, client_id: str) -> httpx.Response:
    return client.post("/chat/api/send", json={"text": text, "client_id": client_id})


def _wait_for_messages(client: httpx.Client, count: int) -> list[dict]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        messages = client.get("/chat/api/messages", params={"after": 0}).json()["messages"]
        if len(messages) >= count:
            return messages
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} messages arrived")


def test_page_sets_private_session_cookie(chat: httpx.Client) -> None:
    response = chat.get("/chat")

    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/chat" in cookie
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "https://" not in response.text


def test_send_without_session_is_rejected(chat: httpx.Client) -> None:
    response = _send(chat, "привет", "abcdefgh1")

    assert response.status_code == 400
    assert "Обновите страницу" in response.json()["error"]


def test_messages_appear_with_consent_buttons(chat: httpx.Client) -> None:
    _session(chat)

    accepted = _send(chat, "Здравствуйте", "abcdefgh1")
    messages = _wait_for_messages(chat, 3)

    assert accepted.status_code == 202
    assert messages[0]["from"] == "me"
    assert messages[0]["text"] == "Здравствуйте"
    assert [button["label"] for button in messages[-1]["buttons"]] == ["Согласен", "Не согласен"]


def test_resent_request_is_stored_once(chat: httpx.Client) -> None:
    _session(chat)

    first = _send(chat, "Здравствуйте", "same-id-123")
    again = _send(chat, "Здравствуйте", "same-id-123")

    assert first.json()["duplicate"] is False
    assert again.json()["duplicate"] is True


def test_too_long_text_is_413(chat: httpx.Client) -> None:
    _session(chat)

    response = _send(chat, "а" * 51, "abcdefgh2")

    assert response.status_code == 413
    assert "50" in response.json()["error"]


def test_oversized_body_is_413(chat: httpx.Client) -> None:
    _session(chat)

    response = chat.post(
        "/chat/api/send",
        content=b"{" + b" " * 20_000 + b"}",
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413


def test_malformed_json_is_400(chat: httpx.Client) -> None:
    _session(chat)

    response = chat.post(
        "/chat/api/send", content=b"{oops", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400


def test_rate_limit_per_session_is_429(chat: httpx.Client) -> None:
    _session(chat)

    statuses = [
        _send(chat, f"сообщение {number}", f"rate-limit-{number}").status_code
        for number in range(4)
    ]
    other = httpx.Client(base_url=str(chat.base_url))
    _session(other)
    other_status = _send(other, "привет", "other-session-1").status_code
    other.close()

    assert statuses == [202, 202, 202, 429]
    assert other_status == 202
