"""FAQ matching with typos, declensions and word order, and answers from bundle data."""

from __future__ import annotations

import pytest
from dialogue.salon_bundle import at, make_bundle, make_dialogue

from leadgate.dialogue.faq import faq_reply, match_faq, unknown_reply

FRIDAY_4PM = at(2026, 12, 4, 16, 0)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("сколько стоит маникюр", "price"),
        ("скока стоит маникюр?", "price"),
        ("прайс", "price"),
        ("какие у вас цены", "price"),
        ("почём педикюр", "price"),
        ("сколько длится окрашивание", "duration"),
        ("во сколько открываетесь", "hours"),
        ("работаете в воскресенье?", "hours"),
        ("график работы", "hours"),
        ("адрес", "address"),
        ("адрс какой", "address"),
        ("где вы находитесь", "address"),
        ("как до вас добраться", "address"),
        ("ваш телефон", "phone"),
        ("какие услуги есть", "services"),
    ],
    ids=[
        "price",
        "price with typo",
        "price list",
        "prices plural",
        "price colloquial",
        "duration",
        "opening time",
        "sunday",
        "schedule",
        "address",
        "address typo",
        "where",
        "how to get there",
        "phone",
        "services",
    ],
)
def test_match_faq_finds_builtin_topic(message: str, topic: str) -> None:
    match = match_faq(message, make_dialogue())

    assert match is not None
    assert match.topic == topic


@pytest.mark.parametrize(
    "message",
    [
        "есть ли парковка",
        "парковка есть?",
        "где можно припарковатся",
        "где оставить машину",
        "у вас есть паркоука",
        "ПАРКОВКА",
    ],
    ids=[
        "question",
        "word order",
        "typo in verb",
        "keyword declined",
        "typo in noun",
        "upper case",
    ],
)
def test_match_faq_finds_bundle_entry(message: str) -> None:
    match = match_faq(message, make_dialogue())

    assert match is not None
    assert match.entry is not None
    assert match.entry.answer == "Да, бесплатная парковка во дворе."


def test_match_faq_reads_verb_of_keyword_family() -> None:
    match = match_faq("как оплатить", make_dialogue())

    assert match is not None
    assert match.entry is not None
    assert match.entry.question == "Можно ли оплатить картой?"


@pytest.mark.parametrize(
    "message",
    ["вы делаете татуировки?", "маникюр", "завтра в 18:30", "[NAME_1]", "ок"],
    ids=["unrelated question", "service name", "time", "name token", "ok"],
)
def test_match_faq_ignores_other_messages(message: str) -> None:
    assert match_faq(message, make_dialogue()) is None


def test_price_reply_names_one_service() -> None:
    bundle = make_bundle()
    match = match_faq("сколько стоит маникюр", bundle.dialogue)
    assert match is not None

    reply = faq_reply(match, "сколько стоит маникюр", FRIDAY_4PM, bundle, "ru")

    assert reply == "«Маникюр» стоит 1\u00a0500 ₽, длится 1 ч 30 мин."


def test_price_reply_lists_every_service() -> None:
    bundle = make_bundle()
    match = match_faq("прайс", bundle.dialogue)
    assert match is not None

    reply = faq_reply(match, "прайс", FRIDAY_4PM, bundle, "ru")

    for service in bundle.dialogue.services:
        assert service.name in reply
    assert "Окрашивание волос — 4\u00a0500 ₽, 3 ч" in reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("работаете в воскресенье?", "Послезавтра, 6 декабря, мы не работаем."),
        ("завтра работаете?", "Завтра, 5 декабря, мы работаем с 10:00 до 18:00."),
        (
            "во сколько открываетесь",
            "Мы работаем: пн–пт 10:00–21:00, сб 10:00–18:00, вс — выходной.",
        ),
    ],
    ids=["closed sunday", "saturday hours", "whole week"],
)
def test_hours_reply_uses_bundle_hours(message: str, expected: str) -> None:
    bundle = make_bundle()
    match = match_faq(message, bundle.dialogue)
    assert match is not None

    assert faq_reply(match, message, FRIDAY_4PM, bundle, "ru") == expected


def test_address_reply_uses_business_address() -> None:
    bundle = make_bundle()
    match = match_faq("где вы находитесь", bundle.dialogue)
    assert match is not None

    reply = faq_reply(match, "где вы находитесь", FRIDAY_4PM, bundle, "en")

    assert reply == "Our address: Красноярск, ул. Мира, 10."


def test_unknown_reply_offers_business_phone() -> None:
    reply = unknown_reply(make_bundle(), "ru")

    assert "+7 391 200-00-00" in reply
    assert "записать" in reply


def test_unknown_reply_without_phone_still_offers_booking() -> None:
    reply = unknown_reply(make_bundle(phone=""), "ru")

    assert "телефон" not in reply
    assert "записать" in reply
