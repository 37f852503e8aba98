"""A fake Yandex Cloud Foundation Models server: the synchronous completion method.

``POST /foundationModels/v1/completion`` takes ``Authorization: Api-Key <key>`` or
``Authorization: Bearer <IAM token>``, an ``x-folder-id`` header, a ``modelUri`` of
that folder, ``completionOptions`` (``maxTokens`` as a string, as the API encodes
int64) and messages of ``role`` and ``text``. It answers with ``result.alternatives``,
``usage`` and ``modelVersion``, or with the API's error object.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fakes.llm_server import Recorded, ThreadedFake

COMPLETION = "/foundationModels/v1/completion"


@dataclass
class YandexReply:
    """One scripted reply: a text with its alternative status, or a failure."""

    text: str = ""
    status: str = "ALTERNATIVE_STATUS_FINAL"
    http_status: int = 200
    delay: float = 0.0
    raw_body: bytes | None = None


class FakeYandexGPT(ThreadedFake):
    """Answers completions for one folder and one key."""

    def __init__(
        self, folder_id: str = "b1gfolder", api_key: str = "", iam_token: str = ""
    ) -> None:
        super().__init__()
        self.folder_id = folder_id
        self.accepted = {
            f"Api-Key {api_key}" if api_key else "",
            f"Bearer {iam_token}" if iam_token else "",
        } - {""}
        self.replies: deque[YandexReply] = deque()

    def queue(self, *replies: YandexReply) -> None:
        """Add replies for the next requests, in order."""
        self.replies.extend(replies)

    def completions(self) -> list[Recorded]:
        """Return the completion requests received so far."""
        return self.recorded(COMPLETION)

    async def handle(self, recorded: Recorded, request: Request) -> Response:
        if recorded.method != "POST" or recorded.path != COMPLETION:
            return _error(404, 5, "Not Found", "Not found")
        if recorded.headers.get("authorization") not in self.accepted:
            return _error(401, 16, "Unauthorized", "Unknown api key")
        if recorded.headers.get("x-folder-id") != self.folder_id:
            return _error(403, 7, "Forbidden", "Permission denied")

        problem = self._check(recorded)
        if problem:
            return _error(400, 3, "Bad Request", problem)

        reply = self.replies.popleft() if self.replies else YandexReply(text="Здравствуйте!")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.raw_body is not None:
            return Response(
                reply.raw_body, status_code=reply.http_status, media_type="application/json"
            )
        if reply.http_status != 200:
            return _error(
                reply.http_status, 8 if reply.http_status == 429 else 13, "Error", "failure"
            )
        return JSONResponse(_result(reply))

    def _check(self, recorded: Recorded) -> str:
        try:
            body = recorded.json()
        except ValueError:
            return "invalid JSON"
        if not isinstance(body, dict) or not str(body.get("modelUri", "")).startswith(
            f"gpt://{self.folder_id}/"
        ):
            return "modelUri must name a model of the folder"
        options = body.get("completionOptions", {})
        if not isinstance(options.get("maxTokens", ""), str):
            return "completionOptions.maxTokens must be a string"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages must not be empty"
        for message in messages:
            if message.get("role") not in ("system", "user", "assistant") or not isinstance(
                message.get("text"), str
            ):
                return "each message needs role and text"
        return ""


def _result(reply: YandexReply) -> dict[str, Any]:
    return {
        "result": {
            "alternatives": [
                {"message": {"role": "assistant", "text": reply.text}, "status": reply.status}
            ],
            "usage": {"inputTextTokens": "42", "completionTokens": "17", "totalTokens": "59"},
            "modelVersion": "23.10.2024",
        }
    }


def _error(status: int, grpc_code: int, http_status: str, message: str) -> JSONResponse:
    payload = {
        "error": {
            "grpcCode": grpc_code,
            "httpCode": status,
            "message": message,
            "httpStatus": http_status,
            "details": [],
        }
    }
    return JSONResponse(payload, status_code=status)
