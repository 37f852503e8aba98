"""Redacting OpenAI chat-completion requests and restoring their responses.

The privacy gateway replaces every personal value in the messages it forwards with a
vault token and puts the values back into the model's reply, for whole responses and
for server-sent event streams. The restored fields are ``content``,
``reasoning_content``, ``reasoning`` and ``refusal`` of a message or delta, and the
``arguments`` of tool calls. Arguments are JSON text, so values restored there are
JSON-escaped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from leadgate.core.redaction import Redactor
from leadgate.core.vault import Vault
from leadgate.plugins.llm.stream_restore import StreamRestorer

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("content", "reasoning_content", "reasoning", "refusal")


class RequestRejected(ValueError):
    """A chat-completion request the gateway cannot forward safely; ``reason`` is a locale key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def redact_request(body: dict[str, Any], redactor: Redactor, vault: Vault) -> dict[str, Any]:
    """Return a copy of a chat-completion request with every message redacted.

    The top-level ``user`` field and each message's ``name`` are dropped, since both
    may identify a person and neither can carry a token. A message part other than
    text (an image, audio) raises :class:`RequestRejected`: it cannot be redacted.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestRejected("llm.gateway_reason_messages")

    forwarded = {key: value for key, value in body.items() if key != "user"}
    forwarded["messages"] = [_redact_message(message, redactor, vault) for message in messages]
    return forwarded


def _redact_message(message: Any, redactor: Redactor, vault: Vault) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise RequestRejected("llm.gateway_reason_messages")

    def redact(text: str) -> str:
        return redactor.redact(text, vault).text

    redacted = {key: value for key, value in message.items() if key != "name"}
    content = message.get("content")
    if isinstance(content, str):
        redacted["content"] = redact(content)
    elif isinstance(content, list):
        redacted["content"] = [_redact_part(part, redact) for part in content]
    elif content is not None:
        raise RequestRejected("llm.gateway_reason_messages")

    calls = message.get("tool_calls")
    if isinstance(calls, list):
        redacted["tool_calls"] = [_map_arguments(call, redact) for call in calls]
    return redacted


def _redact_part(part: Any, redact: Callable[[str], str]) -> dict[str, Any]:
    if not isinstance(part, dict) or part.get("type") != "text":
        raise RequestRejected("llm.gateway_reason_part")
    text = part.get("text")
    if not isinstance(text, str):
        raise RequestRejected("llm.gateway_reason_part")
    return {**part, "text": redact(text)}


def _map_arguments(call: Any, convert: Callable[[str], str]) -> Any:
    if not isinstance(call, dict):
        return call
    function = call.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("arguments"), str):
        return call
    return {**call, "function": {**function, "arguments": convert(function["arguments"])}}


class Restorers:
    """The two restore functions of one request: for plain text and for JSON text."""

    def __init__(self, redactor: Redactor, vault: Vault) -> None:
        json_vault = _json_escaped(vault)
        self.text: Callable[[str], str] = lambda text: redactor.restore(text, vault).text
        self.json: Callable[[str], str] = lambda text: redactor.restore(text, json_vault).text


def _json_escaped(vault: Vault) -> Vault:
    # The same tokens, with each value escaped for use inside a JSON string, so a
    # value with a quote or a backslash cannot break the tool-call arguments.
    data = vault.to_dict()
    for entry in data["entries"]:
        entry["original"] = json.dumps(entry["original"], ensure_ascii=False)[1:-1]
    return Vault.from_dict(data)


def restore_response(body: dict[str, Any], restorers: Restorers) -> dict[str, Any]:
    """Return a copy of a chat-completion response with the tokens restored."""
    choices = body.get("choices")
    if not isinstance(choices, list):
        return body
    restored = dict(body)
    restored["choices"] = [_restore_choice(choice, restorers) for choice in choices]
    return restored


def _restore_choice(choice: Any, restorers: Restorers) -> Any:
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        return choice
    message = dict(choice["message"])
    for field in TEXT_FIELDS:
        if isinstance(message.get(field), str):
            message[field] = restorers.text(message[field])
    if isinstance(message.get("tool_calls"), list):
        message["tool_calls"] = [
            _map_arguments(call, restorers.json) for call in message["tool_calls"]
        ]
    return {**choice, "message": message}


class StreamRewriter:
    """A token restorer for the chunks of one streamed chat completion.

    Each text field of each choice, and the arguments of each tool call, has its own
    :class:`StreamRestorer`. What a restorer holds back is released in the chunk that
    carries the choice's ``finish_reason``, or in one extra chunk before ``[DONE]``.
    """

    def __init__(self, restorers: Restorers) -> None:
        self._restorers = restorers
        self._streams: dict[tuple[int, str, int], StreamRestorer] = {}
        self._last_chunk: dict[str, Any] = {}

    def rewrite(self, chunk: dict[str, Any]) -> dict[str, Any]:
        """Return ``chunk`` with its deltas restored as far as is safe."""
        self._last_chunk = chunk
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            return chunk
        return {**chunk, "choices": [self._rewrite_choice(choice) for choice in choices]}

    def finish(self) -> dict[str, Any] | None:
        """Return a last chunk with every held-back text, or ``None`` when nothing is held."""
        indexes = sorted({index for index, _, _ in self._streams})
        choices = []
        for index in indexes:
            delta = self._flush(index, {})
            if delta:
                choices.append({"index": index, "delta": delta, "finish_reason": None})
        if not choices:
            return None
        last: dict[str, Any] = {
            key: self._last_chunk[key]
            for key in ("id", "object", "created", "model")
            if key in self._last_chunk
        }
        last["choices"] = choices
        return last

    def _rewrite_choice(self, choice: Any) -> Any:
        if not isinstance(choice, dict):
            return choice
        index = choice.get("index", 0)
        delta = dict(choice.get("delta") or {})
        for field in TEXT_FIELDS:
            if isinstance(delta.get(field), str):
                delta[field] = self._stream(index, field, 0).feed(delta[field])
        if isinstance(delta.get("tool_calls"), list):
            delta["tool_calls"] = [self._rewrite_call(index, call) for call in delta["tool_calls"]]
        if choice.get("finish_reason") is not None:
            delta = self._flush(index, delta)
        return {**choice, "delta": delta}

    def _rewrite_call(self, index: int, call: Any) -> Any:
        if not isinstance(call, dict):
            return call
        position = call.get("index", 0)
        stream = self._stream(index, "tool_calls", position)
        return _map_arguments(call, stream.feed)

    def _flush(self, index: int, delta: dict[str, Any]) -> dict[str, Any]:
        delta = dict(delta)
        for (choice, field, position), stream in list(self._streams.items()):
            if choice != index:
                continue
            rest = stream.flush()
            del self._streams[(choice, field, position)]
            if not rest:
                continue
            if field == "tool_calls":
                calls = list(delta.get("tool_calls") or [])
                calls.append({"index": position, "function": {"arguments": rest}})
                delta["tool_calls"] = calls
            else:
                delta[field] = (delta.get(field) or "") + rest
        return delta

    def _stream(self, index: int, field: str, position: int) -> StreamRestorer:
        key = (index, field, position)
        if key not in self._streams:
            restore = self._restorers.json if field == "tool_calls" else self._restorers.text
            self._streams[key] = StreamRestorer(restore)
        return self._streams[key]


async def rewrite_sse(lines: AsyncIterator[str], rewriter: StreamRewriter) -> AsyncIterator[bytes]:
    """Rewrite an upstream SSE stream line by line into restored SSE events.

    ``data:`` events are parsed as JSON chunks and rewritten. ``[DONE]`` is passed on
    after any held-back text, and comments (keep-alives) pass unchanged. A data line that
    is not JSON is dropped rather than forwarded unrestored.
    """
    async for line in lines:
        if line.startswith(":"):
            yield f"{line}\n\n".encode()
            continue
        if not line.startswith("data:"):
            continue

        data = line[len("data:") :].strip()
        if data == "[DONE]":
            last = rewriter.finish()
            if last is not None:
                yield sse_event(last)
            yield b"data: [DONE]\n\n"
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            logger.warning("gateway dropped a stream event that is not JSON")
            continue
        yield sse_event(rewriter.rewrite(chunk) if isinstance(chunk, dict) else chunk)

    # The upstream closed the stream without [DONE]: release what is held back.
    last = rewriter.finish()
    if last is not None:
        yield sse_event(last)


def sse_event(chunk: Any) -> bytes:
    """Encode one chunk as a server-sent ``data:`` event."""
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()
