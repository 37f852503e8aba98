"""The slot extractor that LLM answerers fall back on, and the slot contract."""

from __future__ import annotations

import logging
import re

import pytest
from dialogue.salon_bundle import at, make_bundle, make_dialogue
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgate.core.components import AnswerRequest
from leadgate.dialogue.booking import BookingDialogue
from leadgate.dialogue.slots import AWAITING_VALUES, clean_state, extract_slots

FRIDAY_4PM = at(2026, 12, 4, 16, 0)
TOKEN = re.compile(r"^\[[A-Z][A-Z_]*_\d+\]$")


def test_extract_slots_reads_every_field() -> None:
    found = extract_slots(
        "Хочу на маникюр завтра в 16:30, меня зовут [NAME_1], телефон [PHONE_2]",
        FRIDAY_4PM,
        make_dialogue(),
    )

    assert found == {
        "service": "Маникюр",
        "visit_at": "2026-12-05T16:30:00+07:00",
        "name": "[NAME_1]",
        "phone": "[PHONE_2]",
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("маникюр в воскресенье в 12", {"service": "Маникюр"}),
        ("маникюр завтра в 18:30", {"service": "Маникюр"}),
        ("завтра вечером", {}),
        ("в понедельник", {}),
        ("здравствуйте", {}),
        ("[PHONE_1] и [PHONE_2]", {"phone": "[PHONE_1]"}),
    ],
    ids=[
        "closed day leaves time out",
        "service ends after closing",
        "part of day is no start",
        "day without time",
        "nothing",
        "first phone token",
    ],
)
def test_extract_slots_skips_invalid(message: str, expected: dict[str, str]) -> None:
    assert extract_slots(message, FRIDAY_4PM, make_dialogue()) == expected


_MESSAGES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "да",
            "нет",
            "confirm:yes",
            "confirm:no",
            "change:name",
            "change:bogus",
            "service:1",
            "service:999",
            "time:2026-12-07T10:00:00+07:00",
            "time:not-a-date",
            "time:2026-12-07T10:00:00",
            "маникюр завтра в 16:30",
            "[NAME_1]",
            "[PHONE_1]",
            "в 25:99",
            "31.02 в 10",
            "через 99 недель",
            "сколько стоит?",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_MESSAGES, min_size=1, max_size=6))
def test_dialogue_slot_contract_any_messages(messages: list[str]) -> None:
    dialogue = BookingDialogue(make_bundle())
    slots: dict[str, str] = {}

    for message in messages:
        answer = dialogue.reply(AnswerRequest("c", message, (), slots, FRIDAY_4PM))
        slots = dict(answer.slots)

        assert answer.text
        assert all(isinstance(value, str) for value in slots.values())
        assert slots["awaiting"] in AWAITING_VALUES
        for key in ("name", "phone"):
            assert key not in slots or TOKEN.match(slots[key])
        if answer.booking_confirmed:
            assert "service" not in slots
            assert "visit_at" not in slots


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            {"service": "Маникюр", "awaiting": "datetime"},
            {"service": "Маникюр", "awaiting": "datetime"},
        ),
        ({"service": "Массаж"}, {}),
        ({"visit_at": "2026-12-07T10:00:00+07:00"}, {"visit_at": "2026-12-07T10:00:00+07:00"}),
        ({"visit_at": "2026-12-07T10:00:00"}, {}),
        ({"visit_at": "в понедельник"}, {}),
        ({"_proposed": "garbage"}, {}),
        ({"_day": "2026-12-03"}, {}),
        ({"_day": "2026-12-04"}, {"_day": "2026-12-04"}),
        ({"name": "Анна"}, {}),
        ({"phone": "+79123456789"}, {}),
        ({"phone": "[PHONE_1]"}, {"phone": "[PHONE_1]"}),
        ({"awaiting": "payment"}, {}),
        ({"_llm_note": "kept"}, {"_llm_note": "kept"}),
    ],
    ids=[
        "valid state",
        "service not in bundle",
        "aware start",
        "naive start",
        "free text start",
        "invalid proposal",
        "day passed",
        "day is today",
        "clear name",
        "clear phone",
        "phone token",
        "unknown step",
        "private key of another answerer",
    ],
)
def test_clean_state_drops_unusable(state: dict[str, str], expected: dict[str, str]) -> None:
    assert clean_state(state, FRIDAY_4PM, make_dialogue()) == expected


def test_clean_state_logs_key_not_value(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="leadgate.dialogue.slots"):
        clean_state({"phone": "+79123456789"}, FRIDAY_4PM, make_dialogue())

    assert "phone" in caplog.text
    assert "79123456789" not in caplog.text


_SLOT_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2026-12-07T10:00:00+07:00", "2026-12-03", "Маникюр", "[NAME_1]", "confirm"]),
)
_STATES = st.dictionaries(
    st.sampled_from(
        [
            "service",
            "visit_at",
            "name",
            "phone",
            "awaiting",
            "_day",
            "_proposed",
            "_changing",
            "for_whom",
        ]
    ),
    _SLOT_VALUES,
)


@settings(max_examples=150, deadline=None)
@given(_STATES, _MESSAGES)
def test_dialogue_survives_foreign_state(state: dict[str, str], message: str) -> None:
    answer = BookingDialogue(make_bundle()).reply(
        AnswerRequest("c", message, (), state, FRIDAY_4PM)
    )

    assert answer.text
    assert answer.slots["awaiting"] in AWAITING_VALUES
