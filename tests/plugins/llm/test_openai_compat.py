"""Tests of the openai_compat answerer against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import strictyaml
from llm_testkit import answer_request, salon_bundle

from leadgate.core.components import ComponentContext
from leadgate.errors import ConfigError, PermanentError, RetryableError
from leadgate.plugins.llm import openai_compat

from fakes.openai_api import FakeOpenAI, Reply


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-local") as fake:
        yield fake


def build(server: FakeOpenAI, **settings) -> openai_compat.OpenAICompatAnswerer:
    config = {
        "base_url": f"{server.url}/v1",
        "model": "qwen2.5:7b",
        "api_key": "sk-local",
        **settings,
    }
    bundle = salon_bundle(settings=config)
    return openai_compat.create(
        ComponentContext(name="openai_compat", config=config, bundle=bundle)
    )


def model_json(**fields) -> str:
    return json.dumps({"reply": "Хорошо, [NAME_1]!", **fields}, ensure_ascii=False)


@pytest.mark.asyncio
async def test_answer_sends_chat_completion_request(server):
    server.queue(Reply(content=model_json(slots={"service": "Маникюр"})))
    answerer = build(server, temperature=0.1, max_tokens=300)

    answer = await answerer.answer(answer_request())
    await answerer.aclose()

    body = server.completions()[0].json()
    assert server.completions()[0].headers["authorization"] == "Bearer sk-local"
    assert body["model"] == "qwen2.5:7b"
    assert body["temperature"] == 0.1
    assert body["max_tokens"] == 300
    assert body["stream"] is False
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system"
    assert "Маникюр: 1500 ₽, 90 мин" in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "user", "content": answer_request().text}
    assert answer.text == "Хорошо, [NAME_1]!"
    assert answer.slots == {"service": "Маникюр"}


@pytest.mark.asyncio
async def test_tools_mode_forces_reply_function(server):
    server.queue(Reply(tool_arguments=model_json(slots={"name": "[NAME_1]"})))
    answerer = build(server, json_mode="tools")

    answer = await answerer.answer(answer_request())
    await answerer.aclose()

    body = server.completions()[0].json()
    assert body["tool_choice"] == {"type": "function", "function": {"name": "reply_to_client"}}
    assert body["tools"][0]["function"]["parameters"]["required"] == ["reply"]
    assert "response_format" not in body
    assert "booking_confirmed" not in body["messages"][0]["content"]
    assert answer.slots == {"name": "[NAME_1]"}


@pytest.mark.asyncio
async def test_prompt_mode_sends_no_format_fields(server):
    server.queue(Reply(content=model_json()))
    answerer = build(server, json_mode="prompt")

    await answerer.answer(answer_request())
    await answerer.aclose()

    body = server.completions()[0].json()
    assert "response_format" not in body
    assert "tools" not in body


@pytest.mark.asyncio
async def test_no_api_key_sends_no_authorization():
    with FakeOpenAI() as fake:
        fake.queue(Reply(content=model_json()))
        config = {"base_url": f"{fake.url}/v1", "model": "llama3"}
        answerer = openai_compat.create(
            ComponentContext("openai_compat", config, salon_bundle(settings=config))
        )

        await answerer.answer(answer_request())
        await answerer.aclose()

        assert "authorization" not in fake.completions()[0].headers


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=500), RetryableError),
        (Reply(status=503), RetryableError),
        (Reply(status=429, headers={"retry-after": "7"}), RetryableError),
        (Reply(status=400), PermanentError),
        (Reply(status=404), PermanentError),
        (Reply(raw_body=b"<html>oops</html>"), RetryableError),
        (Reply(raw_body=b'{"object": "chat.completion"}'), RetryableError),
        (Reply(content='{"reply": "Записала вас на'), RetryableError),
    ],
    ids=["500", "503", "429", "400", "404", "not-json", "no-choices", "truncated-model-json"],
)
@pytest.mark.asyncio
async def test_failures_raise_delivery_errors(server, reply, error):
    server.queue(reply)
    answerer = build(server)

    with pytest.raises(error) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "[NAME_1]" not in str(raised.value)
    assert "Хочу" not in str(raised.value)


@pytest.mark.asyncio
async def test_rate_limit_carries_retry_after(server):
    server.queue(Reply(status=429, headers={"retry-after": "7"}))
    answerer = build(server)

    with pytest.raises(RetryableError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert raised.value.retry_after == 7.0


@pytest.mark.asyncio
async def test_wrong_key_raises_permanent_naming_setting(server):
    answerer = build(server, api_key="sk-wrong")

    with pytest.raises(PermanentError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "api_key" in str(raised.value)
    assert "sk-wrong" not in str(raised.value)


@pytest.mark.asyncio
async def test_slow_server_raises_retryable_timeout(server):
    server.queue(Reply(content=model_json(), delay=1.0))
    answerer = build(server, timeout=0.3)

    with pytest.raises(RetryableError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "0.3" in str(raised.value)


@pytest.mark.asyncio
async def test_closed_port_raises_retryable():
    with FakeOpenAI() as fake:
        url = fake.url
    config = {"base_url": f"{url}/v1", "model": "llama3"}
    answerer = openai_compat.create(
        ComponentContext("openai_compat", config, salon_bundle(settings=config))
    )

    with pytest.raises(RetryableError):
        await answerer.answer(answer_request())
    await answerer.aclose()


def test_location_attribute_follows_setting(server):
    default = build(server)
    abroad = build(server, location="abroad")

    assert default.location == "local"
    assert abroad.location == "abroad"


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"model": "m"}, "base_url"),
        ({"base_url": "http://127.0.0.1:1/v1"}, "model"),
        ({"base_url": "http://127.0.0.1:1/v1", "model": "m", "json_mode": "xml"}, "json_mode"),
        ({"base_url": "http://127.0.0.1:1/v1", "model": "m", "location": "moon"}, "location"),
        ({"base_url": "http://127.0.0.1:1/v1", "model": "m", "timeout": 0}, "timeout"),
        ({"base_url": "http://127.0.0.1:1/v1", "model": "m", "temperature": -1}, "temperature"),
    ],
    ids=[
        "no-base-url",
        "no-model",
        "bad-json-mode",
        "bad-location",
        "zero-timeout",
        "negative-temperature",
    ],
)
def test_invalid_settings_raise_config_error(settings, key):
    with pytest.raises(ConfigError) as raised:
        openai_compat.create(
            ComponentContext("openai_compat", settings, salon_bundle(settings=settings))
        )

    assert raised.value.key == key
    assert key in str(raised.value)


def test_schema_accepts_documented_section():
    section = (
        "base_url: http://127.0.0.1:11434/v1\nmodel: qwen2.5:7b\napi_key: ${LOCAL_LLM_KEY}\n"
        "json_mode: tools\nlocation: local\ntimeout: 8\n"
    )

    data = strictyaml.load(section, openai_compat.SCHEMA).data

    assert data["json_mode"] == "tools"
    assert data["timeout"] == 8.0
    assert data["api_key"] == "${LOCAL_LLM_KEY}"


def test_schema_rejects_key_written_in_clear():
    section = "base_url: http://127.0.0.1:11434/v1\nmodel: m\napi_key: sk-written-in-yaml\n"

    with pytest.raises(strictyaml.YAMLValidationError):
        strictyaml.load(section, openai_compat.SCHEMA)


@pytest.mark.asyncio
async def test_logs_hold_no_message_text_or_key(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.queue(Reply(content=model_json()), Reply(status=500))
    answerer = build(server)

    await answerer.answer(answer_request())
    with pytest.raises(RetryableError):
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "маникюр" not in caplog.text
    assert "sk-local" not in caplog.text
    assert "openai_compat POST /v1/chat/completions -> 200" in caplog.text
