"""Answerer outages and the AI consent: the scripted answerer replies in time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import leadgate
from leadgate.core.components import Answer, Answerer, AnswerRequest, ComponentSpec
from leadgate.errors import RetryableError

from harness import Harness, copy_template


class RecordingLLM(Answerer):
    """A fake model: fails, hangs or answers, and records every request it gets."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests: list[AnswerRequest] = []
        self.location = "local"

    async def answer(self, request: AnswerRequest) -> Answer:
        self.requests.append(request)
        if self.mode == "down":
            raise RetryableError("fake model answered 503")
        if self.mode == "hang":
            await asyncio.sleep(60)
        return Answer(text="Ответ модели", slots=request.slots, answered_by="fake")


def _plugin(model: RecordingLLM) -> object:
    class Plugin:
        @leadgate.hookimpl
        def leadgate_register_llms(self, register):  # type: ignore[no-untyped-def]
            register(ComponentSpec(kind="answerer", name="fake_llm", factory=lambda context: model))

    return Plugin()


def _harness(tmp_path: Path, model: RecordingLLM, timeout: str = "3s") -> Harness:
    local = f"answerer:\n  plugin: fake_llm\n  timeout: {timeout}\n"
    return Harness(copy_template(tmp_path, local_yaml=local), extra_plugins=[_plugin(model)])


async def _consent_all(harness: Harness) -> None:
    await harness.say("Здравствуйте")
    await harness.consent()
    ai = harness.runtime.bundle.consent("ai")
    await harness.press(f"consent:ai:{ai.version}:yes")


def test_model_outage_gets_scripted_reply(tmp_path: Path) -> None:
    model = RecordingLLM("down")
    harness = _harness(tmp_path, model)

    async def scenario() -> list:
        await _consent_all(harness)
        return await harness.say("сколько стоит маникюр?")

    replies = asyncio.run(scenario())
    harness.close()

    assert model.requests
    assert "₽" in replies[-1].text or "руб" in replies[-1].text


def test_hanging_model_is_cut_off_within_timeout(tmp_path: Path) -> None:
    model = RecordingLLM("hang")
    harness = _harness(tmp_path, model, timeout="2s")

    async def scenario() -> tuple[list, float]:
        await _consent_all(harness)
        started = time.monotonic()
        replies = await harness.say("сколько стоит маникюр?")
        return replies, time.monotonic() - started

    replies, elapsed = asyncio.run(scenario())
    harness.close()

    assert elapsed < 2.5
    assert replies[-1].text != "Ответ модели"


def test_working_model_answers_after_ai_consent(tmp_path: Path) -> None:
    model = RecordingLLM("ok")
    harness = _harness(tmp_path, model)

    async def scenario() -> list:
        await _consent_all(harness)
        return await harness.say("расскажите про маникюр")

    replies = asyncio.run(scenario())
    harness.close()

    assert replies[-1].text == "Ответ модели"


def test_declined_ai_consent_means_no_model_call(tmp_path: Path) -> None:
    model = RecordingLLM("ok")
    harness = _harness(tmp_path, model)

    async def scenario() -> list:
        await harness.say("Здравствуйте, хочу на маникюр")
        await harness.consent()
        ai = harness.runtime.bundle.consent("ai")
        await harness.press(f"consent:ai:{ai.version}:no")
        return await harness.say("сколько стоит маникюр?")

    replies = asyncio.run(scenario())
    harness.close()

    assert model.requests == []
    assert replies[-1].text != "Ответ модели"


def test_model_sees_only_redacted_text(tmp_path: Path) -> None:
    model = RecordingLLM("ok")
    harness = _harness(tmp_path, model)

    async def scenario() -> None:
        await _consent_all(harness)
        await harness.say("Меня зовут Анна Петрова, телефон 8 913 000-00-01, почта anna.petrova@mail.ru")

    asyncio.run(scenario())
    harness.close()

    seen = " ".join(
        [request.text for request in model.requests]
        + [turn.text for request in model.requests for turn in request.history]
        + [str(dict(request.slots)) for request in model.requests]
    )
    for value in ("Анна", "Петрова", "913", "000-00-01", "anna.petrova", "mail.ru"):
        assert value not in seen
    assert "[PHONE_1]" in seen
