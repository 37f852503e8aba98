"""Unit tests of rewriting streamed chat-completion chunks, without a network."""

from __future__ import annotations

import json

import pytest

from leadgate.config.bundle import RedactionPolicy
from leadgate.core.redaction import Redactor
from leadgate.core.vault import Vault
from leadgate.plugins.llm.gateway_payload import (
    Restorers,
    StreamRewriter,
    restore_response,
    rewrite_sse,
)


def restorers() -> Restorers:
    vault = Vault()
    vault.add("phone", "+79161234567", "+7 916 123-45-67")
    vault.add("name", "анна", 'Анна "Аня"')
    return Restorers(Redactor([], RedactionPolicy(actions={})), vault)


def chunk(content: str | None = None, finish: str | None = None, index: int = 0, **delta) -> dict:
    if content is not None:
        delta["content"] = content
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}  # fmt: skip


async def collect(lines: list[str]) -> list[str]:
    async def source():
        for line in lines:
            yield line

    return [event.decode() async for event in rewrite_sse(source(), StreamRewriter(restorers()))]


def contents(events: list[str]) -> str:
    text = ""
    for event in events:
        data = event.removeprefix("data: ").strip()
        if event.startswith("data: ") and data != "[DONE]":
            for choice in json.loads(data)["choices"]:
                text += choice["delta"].get("content") or ""
    return text


@pytest.mark.asyncio
async def test_stream_closed_without_done_releases_held_text():
    lines = [f"data: {json.dumps(chunk('Звоним [PHO'))}", "", f"data: {json.dumps(chunk('NE_1]'))}"]

    events = await collect(lines)

    assert contents(events) == "Звоним +7 916 123-45-67"
    assert not events[-1].startswith("data: [DONE]")


@pytest.mark.asyncio
async def test_done_is_sent_after_held_text():
    lines = [f"data: {json.dumps(chunk('Анна: [NAME_1]'))}", "data: [DONE]"]

    events = await collect(lines)

    assert contents(events) == 'Анна: Анна "Аня"'
    assert events[-1] == "data: [DONE]\n\n"


@pytest.mark.asyncio
async def test_comments_pass_and_non_json_data_is_dropped():
    lines = [
        ": keep-alive",
        "data: {broken",
        f"data: {json.dumps(chunk('ok', 'stop'))}",
        "data: [DONE]",
    ]

    events = await collect(lines)

    assert events[0] == ": keep-alive\n\n"
    assert contents(events) == "ok"
    assert "broken" not in "".join(events)


def test_choices_and_fields_have_separate_restorers():
    rewriter = StreamRewriter(restorers())

    first = rewriter.rewrite(chunk("a [PHO", index=0, reasoning_content="b [NAME"))
    second = rewriter.rewrite(chunk("c [NAME_1]", index=1))
    third = rewriter.rewrite(chunk("NE_1]", "stop", index=0, reasoning_content="_1]"))

    assert first["choices"][0]["delta"] == {"content": "a", "reasoning_content": "b"}
    assert second["choices"][0]["delta"] == {"content": "c"}
    assert third["choices"][0]["delta"] == {
        "content": " +7 916 123-45-67",
        "reasoning_content": ' Анна "Аня"',
    }
    assert rewriter.finish()["choices"] == [
        {"index": 1, "delta": {"content": ' Анна "Аня"'}, "finish_reason": None}
    ]


def test_streamed_tool_arguments_are_json_escaped():
    rewriter = StreamRewriter(restorers())
    call = {"index": 0, "function": {"arguments": '{"who": "[NAM'}}
    rest = {"index": 0, "function": {"arguments": 'E_1]"}'}}

    first = rewriter.rewrite(chunk(tool_calls=[call]))
    last = rewriter.rewrite(chunk(None, "tool_calls", tool_calls=[rest]))

    pieces = [first, last]
    arguments = "".join(
        call["function"].get("arguments", "")
        for piece in pieces
        for call in piece["choices"][0]["delta"].get("tool_calls", [])
    )
    assert json.loads(arguments) == {"who": 'Анна "Аня"'}


def test_whole_response_restores_message_fields():
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "[NAME_1], [PHONE_1]",
                                                 "refusal": None}}]}  # fmt: skip

    restored = restore_response(body, restorers())

    assert restored["choices"][0]["message"]["content"] == 'Анна "Аня", +7 916 123-45-67'
    assert body["choices"][0]["message"]["content"] == "[NAME_1], [PHONE_1]"
