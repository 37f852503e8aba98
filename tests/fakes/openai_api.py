"""A fake OpenAI-compatible server: chat completions (whole and SSE) and the model list.

It speaks the format Ollama, vLLM and llama.cpp serve under ``/v1``: ``POST
/v1/chat/completions`` with ``messages``, ``response_format`` and ``tools``, answered
with a ``chat.completion`` object or, when ``stream`` is true, with
``chat.completion.chunk`` events and a final ``data: [DONE]``. Replies are taken from
a queue; with the queue empty the fake echoes the last user message, which is how
the gateway tests see what reached the model.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from fakes.llm_server import Recorded, ThreadedFake

COMPLETIONS = "/v1/chat/completions"
MODELS = "/v1/models"


@dataclass
class Reply:
    """One scripted reply.

    ``content`` is the assistant text, or ``tool_arguments`` the arguments of a call
    of ``tool_name``. ``echo`` answers with the last user message instead. A
    ``status`` other than 200 sends ``error_body``; ``raw_body`` sends bytes as they
    are. ``delay`` waits before answering. A stream splits the text into ``chunks``
    or, without them, into pieces of ``piece_size`` characters, and with
    ``break_after`` the connection breaks after that many pieces.
    """

    content: str | None = None
    tool_arguments: str | None = None
    tool_name: str = "reply_to_client"
    echo: bool = False
    status: int = 200
    error_body: Any = None
    raw_body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[str] | None = None
    piece_size: int = 3
    break_after: int | None = None


class FakeOpenAI(ThreadedFake):
    """An OpenAI-compatible chat-completions server on 127.0.0.1."""

    def __init__(
        self, api_key: str | None = None, models: tuple[str, ...] = ("qwen2.5:7b",)
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = models
        self.replies: deque[Reply] = deque()

    def queue(self, *replies: Reply) -> None:
        """Add replies for the next requests, in order."""
        self.replies.extend(replies)

    def completions(self) -> list[Recorded]:
        """Return the chat-completion requests received so far."""
        return self.recorded(COMPLETIONS)

    async def handle(self, recorded: Recorded, request: Request) -> Response:
        if (
            self.api_key is not None
            and recorded.headers.get("authorization") != f"Bearer {self.api_key}"
        ):
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        if recorded.method == "GET" and recorded.path == MODELS:
            data = [
                {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
                for name in self.models
            ]
            return JSONResponse({"object": "list", "data": data})
        if recorded.method == "POST" and recorded.path == COMPLETIONS:
            return await self._complete(recorded)
        return _error(404, "Not found.", "not_found")

    async def _complete(self, recorded: Recorded) -> Response:
        try:
            body = recorded.json()
        except ValueError:
            return _error(400, "Invalid JSON body.", "invalid_request")
        problem = _check_request(body)
        if problem:
            return _error(400, problem, "invalid_request")

        reply = self.replies.popleft() if self.replies else Reply(echo=True)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.raw_body is not None:
            return Response(reply.raw_body, status_code=reply.status, media_type="application/json")
        if reply.status != 200:
            payload = reply.error_body or {
                "error": {"message": "upstream failure", "type": "server_error"}
            }
            return JSONResponse(payload, status_code=reply.status, headers=reply.headers)

        text = _last_user_text(body) if reply.echo else (reply.content or "")
        if body.get("stream"):
            events = _stream_events(body["model"], text, reply)
            return StreamingResponse(events, media_type="text/event-stream")
        return JSONResponse(_completion(body["model"], text, reply))


def _check_request(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return "model is required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty array"
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "user",
            "assistant",
            "tool",
        ):
            return "each message needs a valid role"
        if "content" not in message:
            return "each message needs content"
    return ""


def _last_user_text(body: dict[str, Any]) -> str:
    content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return str(content)


def _completion(model: str, text: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish = "stop"
    if reply.tool_arguments is not None:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": reply.tool_name, "arguments": reply.tool_arguments},
                }
            ],
        }
        finish = "tool_calls"
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


async def _stream_events(model: str, text: str, reply: Reply) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()

    pieces = reply.chunks if reply.chunks is not None else _split(text, reply.piece_size)
    yield chunk({"role": "assistant", "content": ""})
    yield b": keep-alive\n\n"
    for number, piece in enumerate(pieces):
        if number == reply.break_after:
            raise ConnectionAbortedError("the fake breaks the stream off on purpose")
        await asyncio.sleep(0)
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    yield b"data: [DONE]\n\n"


def _split(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}},
        status_code=status,
    )
