"""Tests of reading the model's JSON reply into an answer with sound slots."""

from __future__ import annotations

import json

import pytest
from llm_testkit import answer_request, salon_bundle

from leadgate.errors import RetryableError
from leadgate.plugins.llm.slots import answer_from_model_text


def reply(**fields):
    return json.dumps(fields, ensure_ascii=False)


def test_valid_json_gives_reply_and_slots():
    content = reply(
        reply="Записала вас, [NAME_1], на маникюр.",
        slots={"service": "маникюр", "visit_at": "2026-03-11T15:00:00+03:00", "name": "[NAME_1]",
               "phone": "[PHONE_1]", "awaiting": "confirm"},
    )  # fmt: skip

    answer = answer_from_model_text(content, answer_request(), salon_bundle(), "openai_compat")

    assert answer.text == "Записала вас, [NAME_1], на маникюр."
    assert answer.slots == {
        "service": "Маникюр",
        "visit_at": "2026-03-11T15:00:00+03:00",
        "name": "[NAME_1]",
        "phone": "[PHONE_1]",
        "awaiting": "confirm",
    }
    assert answer.answered_by == "openai_compat"
    assert answer.booking_confirmed is False


def test_unknown_service_and_invented_personal_values_are_dropped():
    content = reply(
        reply="Хорошо!",
        slots={"service": "Массаж", "name": "Анна", "phone": "+79161234567", "awaiting": "sleep"},
    )

    answer = answer_from_model_text(content, answer_request(), salon_bundle(), "x")

    assert answer.slots == {}


def test_visit_time_is_moved_to_business_zone_and_past_is_dropped():
    future_utc = reply(reply="Ок", slots={"visit_at": "2026-03-11T12:00:00Z"})
    naive = reply(reply="Ок", slots={"visit_at": "2026-03-11T16:30:00"})
    past = reply(reply="Ок", slots={"visit_at": "2026-03-09T16:30:00+03:00"})

    assert answer_from_model_text(future_utc, answer_request(), salon_bundle(), "x").slots == {
        "visit_at": "2026-03-11T15:00:00+03:00"
    }
    assert answer_from_model_text(naive, answer_request(), salon_bundle(), "x").slots == {
        "visit_at": "2026-03-11T16:30:00+03:00"
    }
    assert answer_from_model_text(past, answer_request(), salon_bundle(), "x").slots == {}


def test_booking_confirmed_only_with_every_field():
    partial = reply(reply="Готово", slots={"service": "Маникюр"}, booking_confirmed=True)
    complete = reply(
        reply="Готово",
        slots={"service": "Маникюр", "visit_at": "2026-03-11T15:00:00+03:00", "name": "[NAME_1]",
               "phone": "[PHONE_1]"},
        booking_confirmed=True,
    )  # fmt: skip

    assert not answer_from_model_text(
        partial, answer_request(), salon_bundle(), "x"
    ).booking_confirmed
    assert answer_from_model_text(complete, answer_request(), salon_bundle(), "x").booking_confirmed


def test_shared_contact_fills_the_phone_slot():
    request = answer_request(text="Да, всё верно", contact_phone_token="[PHONE_3]")

    answer = answer_from_model_text(reply(reply="Спасибо!"), request, salon_bundle(), "x")

    assert answer.slots["phone"] == "[PHONE_3]"


def test_earlier_slots_and_private_keys_are_kept():
    request = answer_request(slots={"service": "Маникюр", "_day": "2026-03-11"})

    answer = answer_from_model_text(reply(reply="Во сколько?"), request, salon_bundle(), "x")

    assert answer.slots == {"service": "Маникюр", "_day": "2026-03-11"}


def test_code_fenced_json_is_accepted():
    content = "```json\n" + reply(reply="Привет!", slots={"service": "Маникюр"}) + "\n```"

    answer = answer_from_model_text(content, answer_request(), salon_bundle(), "x")

    assert answer.text == "Привет!"
    assert answer.slots == {"service": "Маникюр"}


def test_plain_text_reply_falls_back_to_scripted_extractor():
    request = answer_request(text="Хочу на маникюр, телефон [PHONE_1]")

    answer = answer_from_model_text("Конечно, на какое время?", request, salon_bundle(), "x")

    assert answer.text == "Конечно, на какое время?"
    assert answer.slots["service"] == "Маникюр"
    assert answer.slots["phone"] == "[PHONE_1]"


def test_invalid_slots_keep_reply_and_use_scripted_extractor():
    content = reply(reply="Записываю", slots={"visit_at": "завтра вечером"})
    request = answer_request(text="Маникюр, пожалуйста")

    answer = answer_from_model_text(content, request, salon_bundle(), "x")

    assert answer.text == "Записываю"
    assert answer.slots.get("service") == "Маникюр"


@pytest.mark.parametrize(
    "content",
    ["", "   ", '{"reply": "Записала вас на', '{"slots": {}}', '{"reply": ""}', "[1, 2]"],
    ids=["empty", "blank", "truncated-json", "no-reply", "empty-reply", "json-array"],
)
def test_unusable_output_raises_retryable(content):
    with pytest.raises(RetryableError):
        answer_from_model_text(content, answer_request(), salon_bundle(), "x")


def test_reply_with_token_never_shown_raises_retryable():
    content = reply(reply="Перезвоним на [PHONE_4]")

    with pytest.raises(RetryableError) as raised:
        answer_from_model_text(content, answer_request(), salon_bundle(), "x")

    assert "[PHONE_4]" not in str(raised.value)
