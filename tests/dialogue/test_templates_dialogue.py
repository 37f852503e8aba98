"""The scripted dialogue on the packaged salon, clinic and fitness templates."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pytest

import leadgate
from leadgate.config.bundle import Bundle
from leadgate.config.loader import load_bundle
from leadgate.core.components import Answer, AnswerRequest
from leadgate.dialogue.booking import BookingDialogue

TEMPLATES = Path(leadgate.__file__).parent / "templates"


@cache
def _template(name: str) -> Bundle:
    return load_bundle(TEMPLATES / name)


def _conversation(
    bundle: Bundle, messages: list[str], special: frozenset[str] = frozenset()
) -> list[Answer]:
    # Friday 4 December 2026, 16:00 in the template's own timezone.
    now = dt.datetime(2026, 12, 4, 16, 0, tzinfo=bundle.business.timezone)
    dialogue = BookingDialogue(bundle)
    answers = []
    slots: dict[str, str] = {}
    for message in messages:
        answer = dialogue.reply(AnswerRequest("c", message, (), slots, now, special=special))
        slots = dict(answer.slots)
        answers.append(answer)
    return answers


@pytest.mark.parametrize(
    ("template", "message", "expected"),
    [
        ("salon", "где можно припарковаться?", "Да, бесплатная парковка во дворе дома."),
        ("salon", "адрес какой?", "г. Красноярск, ул. Примерная"),
        ("salon", "сколько стоит маникюр", "«Маникюр с покрытием» стоит 1\u00a0800 ₽"),
        ("salon", "как перенести запись?", "Напишите об этом в этот чат"),
        ("clinic", "что взять с собой?", "Удобную одежду для массажа"),
        ("fitness", "сколько стоит абонемент", "Безлимитный абонемент на месяц"),
        ("fitness", "во сколько открываетесь в воскресенье?", "мы работаем с 09:00 до 20:00"),
        ("fitness", "сколько стоит персональная тренировка?", "«Персональная тренировка» стоит"),
    ],
    ids=[
        "salon parking",
        "salon address",
        "salon price by alias",
        "salon reschedule",
        "clinic what to bring",
        "fitness membership price",
        "fitness sunday hours",
        "fitness service price over owner entry",
    ],
)
def test_template_faq_answers(template: str, message: str, expected: str) -> None:
    answer = _conversation(_template(template), [message])[0]

    assert expected in answer.text
    assert answer.slots["awaiting"] == ""


def test_salon_template_books_by_alias() -> None:
    answers = _conversation(
        _template("salon"), ["хочу на маникюр в понедельник в 18:00, [NAME_1], [PHONE_1]", "да"]
    )

    assert answers[0].text.startswith("Маникюр с покрытием, в понедельник, 7 декабря, в 18:00")
    assert answers[1].booking_confirmed is True


def test_clinic_template_health_and_booking() -> None:
    answers = _conversation(
        _template("clinic"),
        ["у меня [HEALTH_1], хочу на массаж спины в понедельник утром"],
        special=frozenset({"health"}),
    )

    assert answers[0].text.startswith(_template("clinic").dialogue.health_reply)
    assert answers[0].slots["service"] == "Классический массаж спины"
    assert answers[0].slots["visit_at"] == "2026-12-07T09:00:00+07:00"


def test_fitness_template_asks_for_whom() -> None:
    bundle = _template("fitness")

    answers = _conversation(bundle, ["запишите в детскую секцию в субботу в 10"])

    assert answers[0].slots["awaiting"] == "for_whom"
    assert answers[0].text == bundle.dialogue.for_whom
