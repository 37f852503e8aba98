"""The ``scripted`` answerer plugin: registration, construction and redacted-only input."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pluggy
import pytest
from dialogue.salon_bundle import make_bundle

import leadgate
from leadgate.core import hookspecs
from leadgate.core.components import Answer, AnswerRequest, ComponentContext, ComponentSpec
from leadgate.core.plugins import ComponentRegistry
from leadgate.plugins.llm import scripted

NOW = dt.datetime(2026, 12, 4, 16, 0, tzinfo=ZoneInfo("Asia/Krasnoyarsk"))
TOKEN = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")


def _registry(*plugins: object) -> ComponentRegistry:
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    manager.register(scripted, name="leadgate.plugins.llm.scripted")
    for plugin in plugins:
        manager.register(plugin)
    return ComponentRegistry(manager)


def _answerer(bundle: object) -> object:
    spec = _registry().get("answerer", "scripted")
    return spec.factory(ComponentContext(name="scripted", config={}, bundle=bundle))


def _ask(answerer: object, text: str, slots: object) -> Answer:
    request = AnswerRequest("conversation-1", text, (), slots, NOW)  # type: ignore[arg-type]
    return asyncio.run(answerer.answer(request))  # type: ignore[attr-defined]


def test_scripted_registers_local_default() -> None:
    spec = _registry().get("answerer", "scripted")

    assert spec.location == "local"
    assert spec.default is True
    assert spec.plugin == "leadgate.plugins.llm.scripted"


def test_scripted_can_be_replaced_by_plugin() -> None:
    class Replacement:
        @leadgate.hookimpl
        def leadgate_register_llms(self, register: hookspecs.Register) -> None:
            register(ComponentSpec(kind="answerer", name="scripted", factory=lambda context: None))

    spec = _registry(Replacement()).get("answerer", "scripted")

    assert spec.factory is not scripted._build


def test_scripted_builds_without_runtime_services() -> None:
    answerer = _answerer(make_bundle())

    answer = _ask(answerer, "хочу на маникюр", {})

    assert isinstance(answerer, scripted.ScriptedAnswerer)
    assert answer.answered_by == "scripted"
    assert answer.slots["service"] == "Маникюр"


@pytest.mark.parametrize(
    "messages",
    [
        ["хочу на маникюр завтра в 16:30, меня зовут [NAME_1], [PHONE_1]", "да"],
        ["педикюр", "в понедельник в 12:00", "[NAME_2]", "[PHONE_4]", "нет", "change:phone",
         "[PHONE_5]", "confirm:yes"],
    ],
    ids=["all in one", "step by step with change"],
)  # fmt: skip
def test_scripted_output_only_input_tokens(messages: list[str]) -> None:
    answerer = _answerer(make_bundle(phone=""))
    slots: object = {}
    seen: set[str] = set()
    confirmed = []

    for message in messages:
        seen.update(TOKEN.findall(message))
        answer = _ask(answerer, message, slots)
        slots = answer.slots
        confirmed.append(answer.booking_confirmed)
        written = answer.text + " ".join(answer.slots.values())

        # Every personal value in a reply is a token the client's redacted text held,
        # and no digits but times and dates: nothing to restore was invented.
        assert set(TOKEN.findall(written)) <= seen
        assert not re.search(r"\d{5,}", TOKEN.sub("", written))
    assert confirmed[-1] is True
