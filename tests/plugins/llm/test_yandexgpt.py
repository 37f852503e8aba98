"""Tests of the yandexgpt answerer against a fake Foundation Models server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from llm_testkit import answer_request, salon_bundle

from leadgate.core.components import ComponentContext
from leadgate.errors import ConfigError, PermanentError, RetryableError
from leadgate.plugins.llm import yandexgpt

from fakes.yandexgpt import FakeYandexGPT, YandexReply

FOLDER = "b1gfolder"


@pytest.fixture
def server() -> Iterator[FakeYandexGPT]:
    with FakeYandexGPT(folder_id=FOLDER, api_key="AQVN-key", iam_token="t1.iam") as fake:
        yield fake


def build(server: FakeYandexGPT, **settings) -> yandexgpt.YandexGPTAnswerer:
    config = {"folder_id": FOLDER, "api_key": "AQVN-key", "base_url": server.url, **settings}
    return yandexgpt.create(
        ComponentContext("yandexgpt", config, salon_bundle("yandexgpt", config))
    )


def model_json(**fields) -> str:
    return json.dumps({"reply": "Добрый день, [NAME_1]!", **fields}, ensure_ascii=False)


@pytest.mark.asyncio
async def test_answer_sends_completion_request(server):
    server.queue(YandexReply(text=model_json(slots={"service": "Маникюр"})))
    answerer = build(server, temperature=0.2, max_tokens=500)

    answer = await answerer.answer(answer_request())
    await answerer.aclose()

    recorded = server.completions()[0]
    body = recorded.json()
    assert recorded.headers["authorization"] == "Api-Key AQVN-key"
    assert recorded.headers["x-folder-id"] == FOLDER
    assert body["modelUri"] == f"gpt://{FOLDER}/yandexgpt-lite/latest"
    assert body["completionOptions"] == {"stream": False, "temperature": 0.2, "maxTokens": "500"}
    assert body["jsonObject"] is True
    assert body["messages"][0]["role"] == "system"
    assert "Маникюр: 1500 ₽, 90 мин" in body["messages"][0]["text"]
    assert body["messages"][-1] == {"role": "user", "text": answer_request().text}
    assert answer.text == "Добрый день, [NAME_1]!"
    assert answer.slots == {"service": "Маникюр"}
    assert answerer.location == "ru"


@pytest.mark.asyncio
async def test_iam_token_and_model_setting(server):
    server.queue(YandexReply(text=model_json()))
    answerer = build(
        server, api_key=None, iam_token="t1.iam", model="yandexgpt/rc", json_mode=False
    )

    await answerer.answer(answer_request())
    await answerer.aclose()

    recorded = server.completions()[0]
    assert recorded.headers["authorization"] == "Bearer t1.iam"
    assert recorded.json()["modelUri"] == f"gpt://{FOLDER}/yandexgpt/rc"
    assert "jsonObject" not in recorded.json()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (YandexReply(http_status=500), RetryableError),
        (YandexReply(http_status=429), RetryableError),
        (YandexReply(http_status=400), PermanentError),
        (
            YandexReply(
                text="Я не могу обсуждать эту тему", status="ALTERNATIVE_STATUS_CONTENT_FILTER"
            ),
            RetryableError,
        ),
        (YandexReply(raw_body=b'{"result": {}}'), RetryableError),
        (YandexReply(text=""), RetryableError),
        (YandexReply(text=model_json(), delay=1.0), RetryableError),
    ],
    ids=["500", "429", "400", "content-filter", "no-alternatives", "empty-text", "timeout"],
)
@pytest.mark.asyncio
async def test_failures_raise_delivery_errors(server, reply, error):
    server.queue(reply)
    answerer = build(server, timeout=0.3)

    with pytest.raises(error) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "[NAME_1]" not in str(raised.value)


@pytest.mark.asyncio
async def test_wrong_key_raises_permanent(server):
    answerer = build(server, api_key="AQVN-wrong")

    with pytest.raises(PermanentError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "AQVN-wrong" not in str(raised.value)
    assert "api_key" in str(raised.value)


@pytest.mark.asyncio
async def test_wrong_folder_raises_permanent(server):
    answerer = build(server, folder_id="b1gother")

    with pytest.raises(PermanentError):
        await answerer.answer(answer_request())
    await answerer.aclose()


@pytest.mark.parametrize(
    ("settings", "key"),
    [({"api_key": "k"}, "folder_id"), ({"folder_id": FOLDER}, "api_key")],
    ids=["no-folder", "no-credentials"],
)
def test_missing_settings_raise_config_error(settings, key):
    with pytest.raises(ConfigError) as raised:
        yandexgpt.create(
            ComponentContext("yandexgpt", settings, salon_bundle("yandexgpt", settings))
        )

    assert raised.value.key == key
