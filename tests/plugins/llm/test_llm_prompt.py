"""Tests of the system prompt and message list every LLM answerer sends."""

from __future__ import annotations

from llm_testkit import answer_request, salon_bundle

from leadgate.core.components import Turn
from leadgate.plugins.llm.prompt import build_messages, build_system_prompt


def test_prompt_lists_services_with_price_and_duration():
    prompt = build_system_prompt(answer_request(), salon_bundle())

    assert "Стрижка женская: 1800 ₽, 60 мин" in prompt
    assert "Маникюр: 1500 ₽, 90 мин" in prompt


def test_prompt_states_the_token_rule():
    prompt = build_system_prompt(answer_request(), salon_bundle())

    assert "[PHONE_1]" in prompt
    assert "Копируй метку в ответ точно как есть" in prompt


def test_prompt_has_business_facts_hours_faq_and_tone():
    prompt = build_system_prompt(answer_request(), salon_bundle())

    assert "Салон «Лаванда»" in prompt
    assert "Москва, ул. Садовая, 1" in prompt
    assert "понедельник: 10:00–20:00" in prompt
    assert "воскресенье: выходной" in prompt
    assert "Есть ли парковка?" in prompt
    assert "бесплатная парковка" in prompt
    assert "дружелюбно, на «вы»" in prompt


def test_prompt_gives_current_time_in_business_zone():
    prompt = build_system_prompt(answer_request(), salon_bundle())

    assert "2026-03-10, вторник, 12:00" in prompt
    assert "Europe/Moscow, UTC+03:00" in prompt


def test_prompt_carries_booking_state_and_contact_token():
    request = answer_request(slots={"service": "Маникюр"}, contact_phone_token="[PHONE_2]")

    prompt = build_system_prompt(request, salon_bundle())

    assert '"service": "Маникюр"' in prompt
    assert '"visit_at": null' in prompt
    assert "[PHONE_2]" in prompt


def test_prompt_warns_about_withheld_health_data_only_when_found():
    plain = build_system_prompt(answer_request(), salon_bundle())
    special = build_system_prompt(answer_request(special=frozenset({"health"})), salon_bundle())

    assert "здоровь" not in plain
    assert "здоровь" in special


def test_prompt_json_section_can_be_left_to_a_tool_schema():
    with_json = build_system_prompt(answer_request(), salon_bundle())
    without_json = build_system_prompt(answer_request(), salon_bundle(), json_in_prompt=False)

    assert '"booking_confirmed": false' in with_json
    assert "booking_confirmed" not in without_json


def test_prompt_follows_request_locale():
    request = answer_request()
    english = type(request)(**{**request.__dict__, "locale": "en"})

    prompt = build_system_prompt(english, salon_bundle())

    assert "Маникюр: 1500 RUB, 90 min" in prompt
    assert "Copy a tag into your reply exactly as it is" in prompt
    assert "Tuesday" in prompt


def test_messages_map_history_roles_and_end_with_client_text():
    history = (Turn("client", "Здравствуйте"), Turn("assistant", "Добрый день! Чем помочь?"))

    messages = build_messages(
        answer_request(text="Запишите [NAME_1]", history=history), salon_bundle()
    )

    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1].content == "Здравствуйте"
    assert messages[-1].content == "Запишите [NAME_1]"
