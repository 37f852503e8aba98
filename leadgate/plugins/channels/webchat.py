"""The built-in web chat channel ``webchat``: a page at ``/chat`` and its JSON API.

The page is one self-contained HTML file (inline CSS and script, nothing loaded from
another host), readable on a phone screen. A visitor is known only by an anonymous,
random session cookie (HttpOnly, SameSite=Strict), which is the channel user id.

API, all under ``/chat/api``:

* ``POST /send`` with ``{"text": ...}`` or ``{"payload": ..., "label": ...}`` and a
  client-generated ``client_id`` (so a resent request is stored once): 202 once stored.
* ``GET /messages?after=N``: the conversation's messages with id above ``N``.

Limits: a body over ``max_body_bytes`` gets 413, a text over ``max_chars`` 413, and
more than ``rate_limit`` messages a minute from one session 429 with Retry-After.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import time
from collections import deque
from collections.abc import Mapping
from importlib import resources
from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strictyaml import Bool, Int, Map, Optional

import leadgate
from leadgate.core.components import (
    CHANNEL_ID,
    MESSAGE_TEXT,
    Channel,
    ComponentContext,
    ComponentSpec,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.core.hookspecs import Register
from leadgate.core.store.tables import Conversation, Message
from leadgate.locales import text as t

COOKIE = "leadgate_chat"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

SCHEMA = Map(
    {
        Optional("max_chars", default=2000): Int(),
        Optional("max_body_bytes", default=16_384): Int(),
        Optional("rate_limit", default=20): Int(),
        Optional("trust_forwarded_for", default=False): Bool(),
    }
)


class _RateLimiter:
    """Allows ``limit`` events per session in any 60-second window.

    NOTE: the window lives in this process's memory, so with several processes
    (``--workers``) a session may send up to ``limit`` to each of them.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._events: dict[str, deque[float]] = {}

    def retry_after(self, session: str) -> int:
        """Record an attempt; return 0 when allowed, else seconds to wait."""
        now = time.monotonic()
        window = self._events.setdefault(session, deque())
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.limit:
            return int(60 - (now - window[0])) + 1
        window.append(now)
        return 0


class WebChat(Channel):
    """The web chat page and API; replies are read by the page from the database."""

    webhook = False

    def __init__(self, context: ComponentContext) -> None:
        config = dict(context.config or {})
        self.services = context.services
        self.bundle = context.bundle
        self.max_chars = int(config.get("max_chars", 2000))
        self.max_body_bytes = int(config.get("max_body_bytes", 16_384))
        self.trust_forwarded_for = bool(config.get("trust_forwarded_for", False))
        self._limiter = _RateLimiter(int(config.get("rate_limit", 20)))

    @property
    def locale(self) -> str:
        """The bundle's locale, which the page and its errors use."""
        return str(self.bundle.business.locale)

    # -- Channel interface ----------------------------------------------------------

    def verify(self, request: RawRequest) -> None:
        """Accept every request: the web chat has no webhook to sign."""

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Return nothing: the web chat builds its events in its own API handler."""
        return []

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Mark a reply as ready; the page fetches it with its next poll."""
        return DeliveryReceipt(external_id=message.message_id)

    def routes(self) -> list[Any]:
        """Return the page and API routes."""
        return [
            Route("/chat", self.page, methods=["GET"]),
            Route("/chat/api/send", self.receive, methods=["POST"]),
            Route("/chat/api/messages", self.messages, methods=["GET"]),
        ]

    # -- HTTP handlers --------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        """Serve the chat page and set a session cookie when there is none."""
        template = (
            resources.files(__package__).joinpath("webchat_static/chat.html").read_text("utf-8")
        )
        html = string.Template(template).substitute(
            lang=self.locale,
            title=_escape(t("webchat.title", self.locale)),
            business=_escape(self.bundle.business.name),
            note=_escape(t("webchat.privacy_note", self.locale)),
            placeholder=_escape(t("webchat.placeholder", self.locale)),
            send=_escape(t("webchat.send", self.locale)),
            offline=_escape(t("webchat.offline", self.locale)),
            max_chars=self.max_chars,
            api="/chat/api",
        )
        response = HTMLResponse(html, headers=_SECURITY_HEADERS)
        self._ensure_session(request, response)
        return response

    async def receive(self, request: Request) -> Response:
        """Store one visitor message or button press, then answer 202."""
        session = self._session_of(request)
        if session is None:
            return self._error("bad_request", 400)
        body = await _read_limited(request, self.max_body_bytes)
        if body is None:
            return self._error("too_large", 413, limit=self.max_chars)
        data = _parse_json(body)
        if data is None:
            return self._error("bad_request", 400)
        event_or_error = self._event(request, session, data)
        if isinstance(event_or_error, Response):
            return event_or_error
        wait = self._limiter.retry_after(session)
        if wait:
            response = self._error("too_fast", 429, seconds=wait)
            response.headers["Retry-After"] = str(wait)
            return response
        stored = await self.services.pipeline.ingest([event_or_error])
        return JSONResponse({"ok": True, "duplicate": not stored[0]}, status_code=202)

    def _event(
        self, request: Request, session: str, data: Mapping[str, Any]
    ) -> InboundEvent | Response:
        text = data.get("text", "")
        payload = data.get("payload", "")
        client_id = data.get("client_id", "")
        if (
            not isinstance(text, str)
            or not isinstance(payload, str)
            or not isinstance(client_id, str)
        ):
            return self._error("bad_request", 400)
        if not _CLIENT_ID.match(client_id) or not (text.strip() or payload):
            return self._error("bad_request", 400)
        if len(text) > self.max_chars or len(payload) > 200:
            return self._error("too_large", 413, limit=self.max_chars)
        label = data.get("label", "")
        return InboundEvent(
            channel="webchat",
            external_id=f"{session[:16]}:{client_id}",
            user_id=session,
            kind="button" if payload else "text",
            text=label if payload and isinstance(label, str) else text.strip(),
            payload=payload,
            meta={"ip": self._client_ip(request), "user_agent": request.headers.get("user-agent", "")[:300],
                  "message_id": client_id},
        )  # fmt: skip

    async def messages(self, request: Request) -> Response:
        """Return the session's messages with an id above ``after``."""
        session = self._session_of(request)
        if session is None:
            return JSONResponse({"messages": []})
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            return self._error("bad_request", 400)
        import asyncio

        rows = await asyncio.to_thread(self._load_messages, session, after)
        return JSONResponse({"messages": rows}, headers={"Cache-Control": "no-store"})

    def _load_messages(self, session: str, after: int) -> list[dict[str, Any]]:
        keyring = self.services.keyring
        user_index = keyring.blind_index(f"webchat:{session}", purpose="channel_user")
        with self.services.database.session(readonly=True) as db:
            conversation = db.exec(
                select(Conversation).where(
                    Conversation.bundle == self.bundle.name,
                    Conversation.channel == "webchat",
                    Conversation.user_index == user_index,
                )
            ).first()
            if conversation is None:
                return []
            rows = db.exec(
                select(Message)
                .where(Message.conversation_id == conversation.id, col(Message.id) > after)
                .order_by(col(Message.id))
            ).all()
            return [shown for row in rows if (shown := _visible(keyring, row)) is not None]

    # -- Helpers --------------------------------------------------------------------

    def _ensure_session(self, request: Request, response: Response) -> None:
        if self._session_of(request) is not None:
            return
        response.set_cookie(
            COOKIE,
            secrets.token_urlsafe(24),
            max_age=30 * 24 * 3600,
            path="/chat",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    @staticmethod
    def _session_of(request: Request) -> str | None:
        value = request.cookies.get(COOKIE, "")
        return value if _SESSION.match(value) else None

    def _client_ip(self, request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for", "")
        if self.trust_forwarded_for and forwarded:
            return forwarded.split(",")[0].strip()
        return request.client.host if request.client else ""

    def _error(self, key: str, status: int, **params: object) -> JSONResponse:
        return JSONResponse(
            {"error": t(f"webchat.{key}", self.locale, **params)}, status_code=status
        )


_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _visible(keyring: Any, row: Message) -> dict[str, Any] | None:
    """Return a message as the page shows it, or ``None`` for what the page must not show."""
    if row.status == "erased" or row.text_enc is None:
        return None
    if row.direction == "out" and row.status != "sent":
        return None  # not yet delivered by the outbox
    text = keyring.decrypt(row.text_enc, context="messages.text_enc")
    shown: dict[str, Any] = {
        "id": row.id,
        "from": "bot" if row.direction == "out" else "me",
        "text": text,
    }
    if row.direction == "out" and row.meta_enc:
        meta = json.loads(keyring.decrypt(row.meta_enc, context="messages.meta_enc"))
        shown["buttons"] = [
            {"label": label, "payload": payload} for label, payload in meta.get("buttons", [])
        ]
    return shown


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return body


def _parse_json(body: bytes) -> Mapping[str, Any] | None:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _escape(value: str) -> str:
    import html

    return html.escape(value, quote=True)


@leadgate.hookimpl
def leadgate_register_channels(register: Register) -> None:
    """Register the built-in web chat."""
    register(
        ComponentSpec(
            kind="channel",
            name="webchat",
            factory=WebChat,
            schema=SCHEMA,
            reads=frozenset({MESSAGE_TEXT, CHANNEL_ID}),
            writes=frozenset(),
            location="local",
            description="Web chat page served by leadgate at /chat",
            default=True,
        )
    )
