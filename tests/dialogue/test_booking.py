"""Whole booking conversations with the scripted dialogue, message by message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from dialogue.salon_bundle import at, make_bundle, make_dialogue

from leadgate.config.bundle import Bundle
from leadgate.core.components import Answer, AnswerRequest
from leadgate.dialogue.booking import BookingDialogue

FRIDAY_4PM = at(2026, 12, 4, 16, 0)


class Chat:
    """One client talking to the dialogue, passing the returned slots back each time."""

    def __init__(self, bundle: Bundle | None = None, now: dt.datetime = FRIDAY_4PM) -> None:
        self.dialogue = BookingDialogue(bundle or make_bundle())
        self.now = now
        self.slots: Mapping[str, str] = {}

    def send(
        self,
        text: str,
        locale: str = "ru",
        special: frozenset[str] = frozenset(),
        contact_phone_token: str = "",
    ) -> Answer:
        request = AnswerRequest(
            conversation_id="conversation-1",
            text=text,
            history=(),
            slots=self.slots,
            now=self.now,
            locale=locale,
            special=special,
            contact_phone_token=contact_phone_token,
        )
        answer = self.dialogue.reply(request)
        self.slots = answer.slots
        return answer


def payloads(answer: Answer) -> list[str]:
    return [button.payload for button in answer.buttons]


def test_booking_step_by_step() -> None:
    chat = Chat()

    service_step = chat.send("хочу записаться")
    datetime_step = chat.send("service:1")
    name_step = chat.send("завтра в 16:30")
    phone_step = chat.send("[NAME_1]")
    summary = chat.send("[PHONE_1]")
    done = chat.send("confirm:yes")

    assert service_step.slots["awaiting"] == "service"
    assert payloads(service_step)[:2] == ["service:1", "service:2"]
    assert datetime_step.slots["service"] == "Маникюр"
    assert datetime_step.slots["awaiting"] == "datetime"
    assert name_step.slots["visit_at"] == "2026-12-05T16:30:00+07:00"
    assert name_step.slots["awaiting"] == "name"
    assert phone_step.slots["awaiting"] == "phone"
    assert phone_step.request_contact is True
    assert summary.text == "Маникюр, завтра, 5 декабря, в 16:30, [NAME_1], [PHONE_1]. Всё верно?"
    assert payloads(summary) == ["confirm:yes", "confirm:no"]
    assert summary.booking_confirmed is False
    assert done.booking_confirmed is True
    assert "Ждём Вас по адресу: Красноярск, ул. Мира, 10" in done.text


def test_booking_confirmation_does_not_invite_again() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    done = chat.send("да, спасибо!")

    assert done.booking_confirmed is True
    assert "записаться" not in done.text


@pytest.mark.parametrize(
    ("message", "reply_start"),
    [
        ("а парковка у вас есть?", "Да, бесплатная парковка во дворе."),
        ("да", "Чем ещё могу помочь?"),
    ],
    ids=["faq", "yes"],
)
def test_reply_after_booking_asks_anything_else(message: str, reply_start: str) -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")
    chat.send("да")

    answer = chat.send(message)

    assert answer.text.startswith(reply_start)
    assert answer.text.endswith("Чем ещё могу помочь?")
    assert "Хотите записаться?" not in answer.text


def test_booking_confirmation_drops_postal_code() -> None:
    address = "660049, г. Красноярск, ул. Мира, 10"
    chat = Chat(make_bundle(address=address))
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    done = chat.send("да")
    faq = chat.send("какой у вас адрес?")

    assert "Ждём Вас по адресу: г. Красноярск, ул. Мира, 10." in done.text
    assert "660049" not in done.text
    assert faq.text.startswith("Наш адрес: г. Красноярск, ул. Мира, 10.")


def test_booking_resets_after_confirmation_keeping_contact() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    done = chat.send("да")
    again = chat.send("и ещё педикюр в понедельник в 14:00")

    assert done.booking_confirmed is True
    assert dict(done.slots) == {"name": "[NAME_1]", "phone": "[PHONE_1]", "awaiting": ""}
    assert again.slots["awaiting"] == "confirm"
    assert again.text.startswith("Педикюр, в понедельник, 7 декабря, в 14:00, [NAME_1], [PHONE_1].")
    assert again.booking_confirmed is False


def test_booking_all_in_one_message() -> None:
    chat = Chat()

    summary = chat.send("хочу на маникюр завтра в 16:30, меня зовут [NAME_1], [PHONE_1]")

    assert summary.slots["awaiting"] == "confirm"
    assert summary.text == "Маникюр, завтра, 5 декабря, в 16:30, [NAME_1], [PHONE_1]. Всё верно?"


def test_booking_confirmed_exactly_once() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    answers = [chat.send("да"), chat.send("да"), chat.send("confirm:yes")]

    assert [answer.booking_confirmed for answer in answers] == [True, False, False]


def test_booking_change_after_no() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    change_menu = chat.send("нет")
    datetime_step = chat.send("change:datetime")
    summary = chat.send("во вторник в 15:00")
    done = chat.send("верно")

    assert change_menu.slots["awaiting"] == "confirm"
    assert payloads(change_menu) == [
        "change:service",
        "change:datetime",
        "change:name",
        "change:phone",
    ]
    assert datetime_step.slots["awaiting"] == "datetime"
    assert "visit_at" not in datetime_step.slots
    assert summary.text.startswith("Маникюр, во вторник, 8 декабря, в 15:00")
    assert done.booking_confirmed is True


def test_booking_change_named_in_free_text() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    name_step = chat.send("нет, имя другое")
    summary = chat.send("[NAME_2]")

    assert name_step.slots["awaiting"] == "name"
    assert "name" not in name_step.slots
    assert "[NAME_2]" in summary.text


def test_booking_new_time_at_confirmation_keeps_day() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1], [PHONE_1]")

    summary = chat.send("нет, давайте в 15:30")

    assert summary.slots["visit_at"] == "2026-12-07T15:30:00+07:00"
    assert summary.slots["awaiting"] == "confirm"


def test_booking_faq_midway_then_continues() -> None:
    chat = Chat()
    chat.send("хочу на педикюр")

    answer = chat.send("а парковка у вас есть?")

    assert answer.text.startswith("Да, бесплатная парковка во дворе.")
    assert "На какой день и время Вас записать?" in answer.text
    assert answer.slots["awaiting"] == "datetime"
    assert answer.slots["service"] == "Педикюр"


def test_booking_price_question_midway_keeps_service() -> None:
    chat = Chat()
    chat.send("хочу на педикюр")

    answer = chat.send("а сколько стоит маникюр?")

    assert "«Маникюр» стоит 1\u00a0500 ₽" in answer.text
    assert answer.slots["service"] == "Педикюр"
    assert answer.slots["awaiting"] == "datetime"


def test_booking_invalid_phone_asked_again() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1]")

    answer = chat.send("8 912 12")

    assert answer.slots["awaiting"] == "phone"
    assert "phone" not in answer.slots
    assert "в номере ошибка" in answer.text
    assert answer.request_contact is True


def test_booking_takes_contact_button_phone() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00, [NAME_1]")

    summary = chat.send("", contact_phone_token="[PHONE_3]")

    assert summary.slots["phone"] == "[PHONE_3]"
    assert summary.slots["awaiting"] == "confirm"


def test_booking_missing_name_asked_again() -> None:
    chat = Chat()
    chat.send("маникюр в понедельник в 12:00")

    answer = chat.send("а зачем?")

    assert answer.slots["awaiting"] == "name"
    assert answer.text == "Подскажите, пожалуйста, Ваше имя, чтобы мы могли Вас записать."


def test_booking_health_special_replies_and_continues() -> None:
    chat = Chat()
    chat.send("хочу на педикюр")

    answer = chat.send("у меня [HEALTH_1], можно завтра в 11?", special=frozenset({"health"}))

    assert answer.text.startswith("Пожалуйста, расскажите о самочувствии мастеру на приёме.")
    assert answer.slots["visit_at"] == "2026-12-05T11:00:00+07:00"
    assert answer.slots["awaiting"] == "name"


def test_booking_health_without_bundle_text_uses_default() -> None:
    chat = Chat(make_bundle(make_dialogue(health_reply="")))

    answer = chat.send("[HEALTH_1]", special=frozenset({"health"}))

    assert answer.text.startswith("Пожалуйста, не пишите в чате о здоровье")
    assert "Хотите записаться?" in answer.text


def test_booking_closed_day_proposes_nearest() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")

    proposal = chat.send("в воскресенье в 12")
    accepted = chat.send("да")

    assert proposal.text.startswith("Послезавтра, 6 декабря, мы не работаем.")
    assert "пн–пт 10:00–21:00" in proposal.text
    assert "в понедельник, 7 декабря, в 10:00. Подходит?" in proposal.text
    assert payloads(proposal) == ["time:2026-12-07T10:00:00+07:00"]
    assert accepted.slots["visit_at"] == "2026-12-07T10:00:00+07:00"
    assert accepted.slots["awaiting"] == "name"


def test_booking_proposal_invites_another_time() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")

    proposal = chat.send("в воскресенье в 12")

    assert proposal.text.endswith("Подходит? Ответьте «да» или напишите другое удобное время.")
    assert [button.label for button in proposal.buttons] == ["Да, подходит"]


@pytest.mark.parametrize(
    ("message", "slot", "token"),
    [("[NAME_1]", "name", "[NAME_1]"), ("мой номер [PHONE_1]", "phone", "[PHONE_1]")],
    ids=["name", "phone"],
)
def test_booking_proposal_ignored_explains_and_repeats(message: str, slot: str, token: str) -> None:
    chat = Chat()
    chat.send("хочу на маникюр")
    chat.send("в воскресенье в 12")

    answer = chat.send(message)

    assert answer.text.startswith("Сначала давайте согласуем время визита.\n\n")
    assert "Ближайшее время, которое я могу предложить: в понедельник, 7 декабря" in answer.text
    assert payloads(answer) == ["time:2026-12-07T10:00:00+07:00"]
    assert answer.slots["awaiting"] == "datetime"
    assert answer.slots[slot] == token


def test_booking_proposal_keeps_contact_after_accepting() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")
    chat.send("в воскресенье в 12")
    chat.send("[NAME_1]")
    chat.send("[PHONE_1]")

    summary = chat.send("да")

    assert summary.slots["awaiting"] == "confirm"
    assert summary.text.startswith(
        "Маникюр, в понедельник, 7 декабря, в 10:00, [NAME_1], [PHONE_1]."
    )


def test_booking_proposal_answered_with_other_time() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")
    chat.send("в воскресенье в 12")

    answer = chat.send("в пн в 18-30")

    assert answer.slots["visit_at"] == "2026-12-07T18:30:00+07:00"
    assert "Сначала" not in answer.text


def test_booking_proposal_button_accepted() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")
    proposal = chat.send("завтра в 18:30")

    accepted = chat.send(proposal.buttons[0].payload)

    assert "мы не работаем" in proposal.text
    assert accepted.slots["visit_at"] == "2026-12-05T16:30:00+07:00"


def test_booking_proposal_declined_asks_time() -> None:
    chat = Chat()
    chat.send("хочу на маникюр")
    chat.send("в воскресенье")

    answer = chat.send("нет")

    assert "_proposed" not in answer.slots
    assert answer.text.startswith("На какой день и время Вас записать?")


def test_booking_service_change_rechecks_time() -> None:
    chat = Chat()
    chat.send("стрижка в субботу в 17:00, [NAME_1], [PHONE_1]")
    chat.send("нет")
    chat.send("change:service")

    answer = chat.send("окрашивание")

    assert "visit_at" not in answer.slots
    assert "длится 3 ч" in answer.text
    assert answer.slots["_proposed"] == "2026-12-05T15:00:00+07:00"
    assert answer.slots["awaiting"] == "datetime"


def test_booking_window_proposes_first_slot() -> None:
    chat = Chat()
    chat.send("педикюр")

    answer = chat.send("в понедельник после обеда")

    assert answer.slots["visit_at"] == "2026-12-07T14:00:00+07:00"
    assert answer.text.startswith("Могу предложить в понедельник, 7 декабря, в 14:00.")


def test_booking_day_only_asks_time_with_hours() -> None:
    chat = Chat()
    chat.send("педикюр")

    prompt = chat.send("в понедельник")
    answer = chat.send("в 12:30")

    assert prompt.text == (
        "В понедельник, 7 декабря, мы работаем с 10:00 до 21:00. На какое время Вас записать?"
    )
    assert answer.slots["visit_at"] == "2026-12-07T12:30:00+07:00"


def test_booking_unreadable_time_asked_again() -> None:
    chat = Chat()
    chat.send("педикюр")

    answer = chat.send("когда-нибудь")

    assert answer.text.startswith("Не получилось разобрать дату и время.")
    assert answer.slots["awaiting"] == "datetime"


def test_booking_unknown_service_shows_list() -> None:
    chat = Chat()
    chat.send("хочу записаться")

    answer = chat.send("массаж")

    assert answer.text.startswith("Такой услуги нет в нашем списке.")
    assert len(answer.buttons) == len(make_dialogue().services)


def test_booking_number_picks_service() -> None:
    chat = Chat()
    chat.send("хочу записаться")

    answer = chat.send("2")

    assert answer.slots["service"] == "Педикюр"


def test_booking_children_service_asks_for_whom() -> None:
    chat = Chat()

    prompt = chat.send("запишите на детскую стрижку")
    answer = chat.send("для дочки [NAME_2]")
    summary = chat.send("в понедельник в 12:00, [NAME_1], [PHONE_1]")

    assert prompt.slots["awaiting"] == "for_whom"
    assert prompt.text == "Для кого запись: для Вас или для ребёнка?"
    assert answer.slots["for_whom"] == "для дочки [NAME_2]"
    assert "name" not in answer.slots
    assert summary.text.startswith("Детская стрижка (для дочки [NAME_2]), в понедельник")


def test_unknown_question_offers_phone() -> None:
    chat = Chat()

    answer = chat.send("а вы делаете татуировки?")

    assert "+7 391 200-00-00" in answer.text
    assert answer.slots["awaiting"] == ""


def test_greeting_offers_booking() -> None:
    chat = Chat(make_bundle(make_dialogue(greeting="Добрый день! Салон «Лотос» на связи.")))

    answer = chat.send("Здравствуйте!")

    assert answer.text.startswith("Добрый день! Салон «Лотос» на связи.")
    assert "Хотите записаться?" in answer.text


def test_price_question_does_not_start_booking() -> None:
    chat = Chat()

    answer = chat.send("сколько стоит маникюр")

    assert answer.text.startswith("«Маникюр» стоит")
    assert "service" not in answer.slots
    assert answer.slots["awaiting"] == ""


def test_booking_in_english() -> None:
    chat = Chat()

    summary = chat.send("маникюр завтра в 16:30 [NAME_1] [PHONE_1]", locale="en")
    done = chat.send("confirm:yes", locale="en")

    assert (
        summary.text
        == "Маникюр, tomorrow, 5 December, at 16:30, [NAME_1], [PHONE_1]. Is that right?"
    )
    assert [button.label for button in summary.buttons] == ["Yes, book it", "Change"]
    assert done.text.startswith("Done, you are booked")


def test_stale_day_dropped_next_day() -> None:
    chat = Chat()
    chat.send("педикюр")
    chat.send("в понедельник")
    chat.now = at(2026, 12, 8, 9, 0)

    answer = chat.send("в 12:30")

    assert answer.slots["visit_at"] == "2026-12-08T12:30:00+07:00"


def test_confirmation_rechecks_time_that_passed() -> None:
    chat = Chat()
    chat.send("педикюр сегодня в 17:00, [NAME_1], [PHONE_1]")
    chat.now = at(2026, 12, 4, 17, 5)

    answer = chat.send("да")

    assert answer.booking_confirmed is False
    assert "Это время уже прошло." in answer.text
    assert answer.slots["awaiting"] == "datetime"


def test_booking_always_closed_gives_phone() -> None:
    closed = make_dialogue(hours={})
    chat = Chat(make_bundle(closed))
    chat.send("педикюр")

    answer = chat.send("завтра в 12:00")

    assert "в ближайшие 60 дней записаться не получится" in answer.text
    assert "+7 391 200-00-00" in answer.text
    assert "_proposed" not in answer.slots


def test_booking_always_closed_without_phone() -> None:
    chat = Chat(make_bundle(make_dialogue(hours={}), phone=""))
    chat.send("педикюр")

    answer = chat.send("завтра в 12:00")

    assert "записаться не получится." in answer.text
    assert "Позвоните" not in answer.text
