"""A fake GigaChat API: the OAuth token exchange and chat completions.

``POST /api/v2/oauth`` takes ``Authorization: Basic <authorization key>``, a UUID4
in ``RqUID`` and the form field ``scope``, and returns ``access_token`` and
``expires_at`` (milliseconds since the epoch). ``POST /api/v1/chat/completions``
takes ``Authorization: Bearer <access token>`` and answers in the OpenAI-like format;
an unknown, revoked or expired token gets 401. The fake's clock is ``time.time()``
plus ``clock_offset`` seconds, so a test can age its tokens.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fakes.llm_server import Recorded, ThreadedFake

OAUTH = "/api/v2/oauth"
CHAT = "/api/v1/chat/completions"


@dataclass
class GigaReply:
    """One scripted chat reply: a text, or a failing HTTP status."""

    content: str = "Здравствуйте!"
    status: int = 200


class FakeGigaChat(ThreadedFake):
    """Issues tokens for one authorization key and scope and answers chats with them."""

    def __init__(
        self,
        credentials: str,
        scope: str = "GIGACHAT_API_PERS",
        token_ttl: float = 1800.0,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
    ) -> None:
        super().__init__(ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
        self.credentials = credentials
        self.scope = scope
        self.token_ttl = token_ttl
        self.clock_offset = 0.0
        self.tokens: dict[str, int] = {}
        self.oauth_body: dict[str, Any] | None = None  # sent instead of a token when set
        self.replies: deque[GigaReply] = deque()

    def queue(self, *replies: GigaReply) -> None:
        """Add chat replies for the next requests, in order."""
        self.replies.extend(replies)

    def revoke_tokens(self) -> None:
        """Forget every issued token, as the real service does when one is revoked."""
        self.tokens.clear()

    def now_ms(self) -> int:
        """Return the fake's current time in milliseconds since the epoch."""
        return int((time.time() + self.clock_offset) * 1000)

    async def handle(self, recorded: Recorded, request: Request) -> Response:
        if recorded.method == "POST" and recorded.path == OAUTH:
            return self._oauth(recorded)
        if recorded.method == "POST" and recorded.path == CHAT:
            return self._chat(recorded)
        return JSONResponse({"status": 404, "message": "Not found"}, status_code=404)

    def _oauth(self, recorded: Recorded) -> Response:
        if recorded.headers.get("authorization") != f"Basic {self.credentials}":
            return JSONResponse(
                {"code": 6, "message": "credentials doesn't match db data"}, status_code=401
            )
        try:
            if uuid.UUID(recorded.headers.get("rquid", "")).version != 4:
                raise ValueError("not a UUID4")
        except ValueError:
            return JSONResponse({"code": 5, "message": "RqUID must be a UUID4"}, status_code=400)
        if not recorded.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return JSONResponse({"code": 5, "message": "form body expected"}, status_code=400)
        scope = parse_qs(recorded.body.decode()).get("scope", [""])[0]
        if scope != self.scope:
            return JSONResponse(
                {"code": 7, "message": "scope from db not fully includes consumed scope"},
                status_code=400,
            )

        if self.oauth_body is not None:
            return JSONResponse(self.oauth_body)
        token = secrets.token_urlsafe(24)
        expires_at = self.now_ms() + int(self.token_ttl * 1000)
        self.tokens[token] = expires_at
        return JSONResponse({"access_token": token, "expires_at": expires_at})

    def _chat(self, recorded: Recorded) -> Response:
        authorization = recorded.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ")
        expires_at = self.tokens.get(token)
        if (
            not authorization.startswith("Bearer ")
            or expires_at is None
            or expires_at <= self.now_ms()
        ):
            return JSONResponse({"status": 401, "message": "Unauthorized"}, status_code=401)

        body = recorded.json()
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("messages"), list)
            or not body.get("model")
        ):
            return JSONResponse(
                {"status": 422, "message": "Invalid params: model and messages are required"},
                status_code=422,
            )

        reply = self.replies.popleft() if self.replies else GigaReply()
        if reply.status != 200:
            return JSONResponse(
                {"status": reply.status, "message": "failure"}, status_code=reply.status
            )
        return JSONResponse(_completion(body["model"], reply.content))


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "choices": [
            {
                "message": {"role": "assistant", "content": content},
                "index": 0,
                "finish_reason": "stop",
            }
        ],
        "created": int(time.time()),
        "model": f"{model}:1.0.26.20",
        "object": "chat.completion",
        "usage": {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42},
    }
