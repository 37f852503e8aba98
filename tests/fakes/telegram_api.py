"""A fake Telegram Bot API on 127.0.0.1 that records every call.

It serves ``POST /bot<token>/<method>`` with Telegram's response envelope
(``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``).
For the methods leadgate uses it checks what the real API checks: the token, text
length in UTF-16 code units, callback data of at most 64 bytes and the secret token
alphabet of ``setWebhook``. Sending to a chat in ``blocked`` returns 403, as for a
user who blocked the bot. ``getUpdates`` returns ``updates`` from ``offset`` on.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fakes.crm_http import FakeServer, Request, Response

SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_TEXT_UNITS = 4096


def utf16_units(value: str) -> int:
    """Return the length of ``value`` in UTF-16 code units, as Telegram counts it."""
    return len(value.encode("utf-16-le")) // 2


def error(code: int, description: str, **parameters: Any) -> Response:
    """Build a Bot API error response."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response.json(body, status=code)


class TelegramApiFake(FakeServer):
    """The Bot API methods leadgate calls, with Telegram's validation and envelope."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        super().__init__()
        self.token = token
        self.blocked: set[str] = set()
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self._next_message_id = 100

    def name_of(self, request: Request) -> str:
        """Name a call by its Bot API method."""
        return request.path.rsplit("/", 1)[-1]

    def add_update(self, update: dict[str, Any]) -> None:
        """Queue an update for ``getUpdates``."""
        with self.lock:
            self.updates.append(update)

    def dispatch(self, request: Request) -> Response | None:
        """Hold a ``getUpdates`` call open, like long polling, until an update is due."""
        if self.name_of(request) == "getUpdates":
            self._wait_for_updates(request)
        return super().dispatch(request)

    def _wait_for_updates(self, request: Request) -> None:
        payload = request.json() or {}
        offset = int(payload.get("offset") or 0)
        # Capped at one second so that a test never waits for Telegram's full timeout.
        deadline = time.monotonic() + min(float(payload.get("timeout") or 0), 1.0)
        while time.monotonic() < deadline:
            with self.lock:
                if any(update["update_id"] >= offset for update in self.updates):
                    return
            time.sleep(0.02)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Return the JSON bodies of the calls of ``method``, in order."""
        with self.lock:
            return [request.json() for name, request in self.calls if name == method]

    def handle(self, name: str, request: Request) -> Response:
        """Serve one Bot API call."""
        if not request.path.startswith(f"/bot{self.token}/"):
            return error(401, "Unauthorized")
        payload = request.json() or {}
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            return error(404, "Not Found")
        return handler(payload)

    def _sendMessage(self, payload: dict[str, Any]) -> Response:
        chat_id = str(payload.get("chat_id", ""))
        text = payload.get("text", "")
        if not chat_id:
            return error(400, "Bad Request: chat_id is empty")
        if not text:
            return error(400, "Bad Request: message text is empty")
        if utf16_units(text) > MAX_TEXT_UNITS:
            return error(400, "Bad Request: message is too long")
        if "parse_mode" in payload:
            return error(400, "Bad Request: the fake expects plain text only")
        for row in (payload.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return error(400, "Bad Request: BUTTON_DATA_INVALID")
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")

        self._next_message_id += 1
        result = {
            "message_id": self._next_message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "text": text,
        }
        return Response.json({"ok": True, "result": result})

    def _answerCallbackQuery(self, payload: dict[str, Any]) -> Response:
        if not payload.get("callback_query_id"):
            return error(400, "Bad Request: query is too old and response timeout expired")
        return Response.json({"ok": True, "result": True})

    def _setWebhook(self, payload: dict[str, Any]) -> Response:
        url = payload.get("url", "")
        secret = payload.get("secret_token", "")
        if not url.startswith("https://"):
            return error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret and not SECRET_TOKEN.match(secret):
            return error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret, **payload}
        return Response.json({"ok": True, "result": True, "description": "Webhook was set"})

    def _deleteWebhook(self, payload: dict[str, Any]) -> Response:
        self.webhook = {"url": ""}
        return Response.json({"ok": True, "result": True, "description": "Webhook was deleted"})

    def _getWebhookInfo(self, payload: dict[str, Any]) -> Response:
        info = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        return Response.json({"ok": True, "result": info})

    def _getUpdates(self, payload: dict[str, Any]) -> Response:
        if self.webhook.get("url"):
            return error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(payload.get("offset") or 0)
        ready = [update for update in self.updates if update["update_id"] >= offset]
        return Response.json({"ok": True, "result": ready})
