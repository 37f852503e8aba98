"""Tests of the Telegram channel against Bot API payloads and a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from channel_builders import make_bundle, make_services, raw_request, run
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgate.core.components import Button, ComponentContext, InboundEvent, OutboundMessage
from leadgate.errors import (
    ConfigError,
    DeliveryError,
    PayloadError,
    PermanentError,
    RetryableError,
    SignatureError,
    UnreachableError,
)
from leadgate.plugins.channels.telegram import create_channel
from leadgate.plugins.channels.telegram.channel import TelegramChannel, _pause_after
from leadgate.plugins.channels.telegram.updates import entity_text, normalise_command

from fakes.telegram_api import TelegramApiFake, error, utf16_units

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret_1"
CHAT_ID = 111222333
CLIENT = {"id": CHAT_ID, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
PRIVATE_CHAT = {"id": CHAT_ID, "first_name": "Анна", "type": "private"}
GROUP_CHAT = {"id": -1001234567890, "title": "Салон", "type": "supergroup"}


@pytest.fixture
def fake() -> Iterator[TelegramApiFake]:
    with TelegramApiFake(token=TOKEN) as server:
        yield server


def make_channel(api_url: str = "http://127.0.0.1:9", **config: Any) -> TelegramChannel:
    section = {"bot_token": TOKEN, "webhook_secret": SECRET, "api_url": api_url, **config}
    context = ComponentContext(
        name="telegram", config=section, bundle=make_bundle(), services=make_services()
    )
    return create_channel(context)


def update(update_id: int = 10001, **body: Any) -> dict[str, Any]:
    return {"update_id": update_id, **body}


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 42, "from": CLIENT, "chat": PRIVATE_CHAT, "date": 1733300000, **fields}


def parse(channel: TelegramChannel, body: dict[str, Any]) -> InboundEvent:
    events = channel.parse(raw_request(body))
    assert len(events) == 1
    return events[0]


# -- Configuration ------------------------------------------------------------------


def test_webhook_mode_without_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_channel(webhook_secret="")

    assert caught.value.key == "webhook_secret"


def test_polling_mode_needs_no_secret() -> None:
    channel = make_channel(webhook_secret="", mode="polling")

    assert channel.webhook is False


def test_missing_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_channel(bot_token="")

    assert caught.value.key == "bot_token"


# -- Verification -------------------------------------------------------------------


def test_verify_accepts_configured_secret() -> None:
    make_channel().verify(raw_request(b"{}", {"X-Telegram-Bot-Api-Secret-Token": SECRET}))


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"X-Telegram-Bot-Api-Secret-Token": ""}],
    ids=["missing", "wrong", "empty"],
)
def test_verify_rejects_bad_secret(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        make_channel().verify(raw_request(b"{}", headers))


# -- Parsing ------------------------------------------------------------------------


def test_parse_text_message() -> None:
    event = parse(make_channel(), update(message=message(text="Хочу на стрижку")))

    assert event.kind == "text"
    assert event.external_id == "10001"
    assert event.user_id == str(CHAT_ID)
    assert event.text == "Хочу на стрижку"
    assert event.meta["message_id"] == "42"
    assert event.occurred_at == dt.datetime(2024, 12, 4, 8, 13, 20, tzinfo=dt.UTC)


def test_parse_does_not_copy_profile_names() -> None:
    event = parse(make_channel(), update(message=message(text="привет")))

    assert "Анна" not in repr(event)


def test_parse_start_command_with_bot_suffix() -> None:
    body = message(
        text="/start@salon_bot promo",
        entities=[{"offset": 0, "length": 16, "type": "bot_command"}],
    )

    event = parse(make_channel(), update(message=body))

    assert event.kind == "text"
    assert event.text == "/start promo"
    assert event.meta["command"] == "start"


def test_parse_stop_command_arrives_as_text() -> None:
    body = message(text="/stop", entities=[{"offset": 0, "length": 5, "type": "bot_command"}])

    event = parse(make_channel(), update(message=body))

    assert (event.kind, event.text, event.meta["command"]) == ("text", "/stop", "stop")


def test_parse_caption_counts_as_text() -> None:
    body = message(
        photo=[{"file_id": "AgAD", "file_unique_id": "u", "width": 90, "height": 90}],
        caption="Вот так",
    )

    event = parse(make_channel(), update(message=body))

    assert (event.kind, event.text) == ("text", "Вот так")


def test_parse_contact() -> None:
    contact = {"phone_number": "+79001234567", "first_name": "Анна", "user_id": CHAT_ID}

    event = parse(make_channel(), update(message=message(contact=contact)))

    assert event.kind == "contact"
    assert event.contact_phone == "+79001234567"
    assert event.meta["own_contact"] == "yes"
    assert event.text == ""


def test_parse_someone_elses_contact() -> None:
    contact = {"phone_number": "79007654321", "first_name": "Мама"}

    event = parse(make_channel(), update(message=message(contact=contact)))

    assert (event.kind, event.meta["own_contact"]) == ("contact", "no")


def test_parse_location() -> None:
    event = parse(
        make_channel(), update(message=message(location={"latitude": 55.75, "longitude": 37.61}))
    )

    assert event.kind == "location"
    assert "55.75" not in repr(event)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("photo", [{"file_id": "AgAD", "file_unique_id": "u", "width": 90, "height": 90}]),
        ("voice", {"file_id": "AwAD", "file_unique_id": "v", "duration": 3}),
        ("document", {"file_id": "BQAD", "file_unique_id": "d"}),
        (
            "sticker",
            {"file_id": "CAAD", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1},
        ),
    ],
    ids=["photo", "voice", "document", "sticker"],
)
def test_parse_media_without_text(field: str, value: Any) -> None:
    event = parse(make_channel(), update(message=message(**{field: value})))

    assert event.kind == "media"
    assert event.meta["media_type"] == field


def test_parse_edited_message() -> None:
    edited = message(text="Лучше в субботу", edit_date=1733300300)

    event = parse(make_channel(), update(10002, edited_message=edited))

    assert (event.kind, event.text, event.external_id) == ("edit", "Лучше в субботу", "10002")
    assert event.meta["message_id"] == "42"
    assert event.occurred_at == dt.datetime.fromtimestamp(1733300300, dt.UTC)


def test_parse_callback_query() -> None:
    query = {
        "id": "4382bfdwdsb323b2d9",
        "from": CLIENT,
        "message": message(message_id=77, text="Согласны?"),
        "chat_instance": "-1234567890",
        "data": "consent:booking:1:yes",
    }

    event = parse(make_channel(), update(10003, callback_query=query))

    assert event.kind == "button"
    assert event.payload == "consent:booking:1:yes"
    assert event.meta["callback_query_id"] == "4382bfdwdsb323b2d9"
    assert event.meta["message_id"] == "77"
    assert event.user_id == str(CHAT_ID)


def test_parse_callback_query_without_data_is_ignored() -> None:
    query = {"id": "1", "from": CLIENT, "chat_instance": "1", "game_short_name": "g"}

    event = parse(make_channel(), update(callback_query=query))

    assert event.kind == "ignored"


@pytest.mark.parametrize(
    ("old", "new", "payload"),
    [("member", "kicked", "blocked"), ("kicked", "member", "unblocked")],
    ids=["blocked", "unblocked"],
)
def test_parse_my_chat_member(old: str, new: str, payload: str) -> None:
    bot = {"id": 123456, "is_bot": True, "first_name": "Салон", "username": "salon_bot"}
    change = {
        "chat": PRIVATE_CHAT,
        "from": CLIENT,
        "date": 1733300000,
        "old_chat_member": {"user": bot, "status": old},
        "new_chat_member": {
            "user": bot,
            "status": new,
            **({"until_date": 0} if new == "kicked" else {}),
        },
    }

    event = parse(make_channel(), update(10004, my_chat_member=change))

    assert (event.kind, event.payload, event.user_id) == ("reachability", payload, str(CHAT_ID))


def test_parse_group_message_ignored_by_default() -> None:
    event = parse(make_channel(), update(message=message(chat=GROUP_CHAT, text="всем привет")))

    assert event.kind == "ignored"
    assert event.text == ""


def test_parse_group_message_allowed_by_section() -> None:
    event = parse(
        make_channel(allow_groups=True), update(message=message(chat=GROUP_CHAT, text="привет"))
    )

    assert (event.kind, event.user_id) == ("text", str(GROUP_CHAT["id"]))


def test_parse_channel_post_ignored_by_default() -> None:
    post = {
        "message_id": 5,
        "chat": {"id": -100987, "title": "Новости", "type": "channel"},
        "date": 1,
        "text": "x",
    }

    event = parse(make_channel(), update(channel_post=post))

    assert event.kind == "ignored"


def test_parse_unknown_update_type_is_ignored_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="leadgate")
    body = update(
        10005, message_reaction={"chat": PRIVATE_CHAT, "user": CLIENT, "message_id": 42, "date": 1}
    )

    event = parse(make_channel(), body)

    assert (event.kind, event.external_id) == ("ignored", "10005")
    assert "message_reaction" in caplog.text
    assert "Анна" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"message": {"text": "no update id"}},
        {"update_id": "10001", "message": {}},
        {"update_id": 1, "message": "text"},
        {"update_id": 1, "message": {"message_id": 1, "text": "x"}},
        {"update_id": 1, "callback_query": {"id": "1", "data": "x"}},
    ],
    ids=["no-update-id", "string-update-id", "message-not-object", "no-chat", "callback-no-from"],
)
def test_parse_malformed_update_is_payload_error(body: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        make_channel().parse(raw_request(body))


@settings(max_examples=200)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "update_id",
                        "message",
                        "chat",
                        "id",
                        "type",
                        "text",
                        "entities",
                        "offset",
                        "length",
                        "callback_query",
                        "from",
                        "data",
                        "my_chat_member",
                        "new_chat_member",
                        "status",
                        "contact",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_parse_random_json_gives_events_or_payload_error(document: Any) -> None:
    channel = make_channel()
    try:
        events = channel.parse(
            raw_request(document if isinstance(document, dict | list) else {"update_id": document})
        )
    except PayloadError:
        return

    assert all(event.channel == "telegram" for event in events)


def test_entity_text_uses_utf16_offsets() -> None:
    value = "👋 Запишите на https://salon.example/price 🙂"
    entity = {"type": "url", "offset": 15, "length": 27}

    assert entity_text(value, entity) == "https://salon.example/price"
    assert value[15 : 15 + 27] != "https://salon.example/price"


def test_normalise_command_after_emoji_is_not_a_leading_command() -> None:
    value, command = normalise_command(
        "😀 /start", [{"type": "bot_command", "offset": 3, "length": 6}]
    )

    assert (value, command) == ("😀 /start", "")


# -- Sending ------------------------------------------------------------------------


def outbound(text: str = "Записала вас на 12:00", **fields: Any) -> OutboundMessage:
    return OutboundMessage(channel="telegram", user_id=str(CHAT_ID), text=text, **fields)


def test_send_plain_text(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)

    receipt = run(channel, lambda: channel.send(outbound()))

    assert fake.sent() == [{"chat_id": str(CHAT_ID), "text": "Записала вас на 12:00"}]
    assert receipt.external_id == "101"


def test_send_buttons_as_inline_keyboard(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    buttons = (
        Button("Согласен", "consent:booking:1:yes"),
        Button("Не согласен", "consent:booking:1:no"),
    )

    run(channel, lambda: channel.send(outbound("Согласие", buttons=buttons)))

    markup = fake.sent()[0]["reply_markup"]
    assert markup == {
        "inline_keyboard": [
            [{"text": "Согласен", "callback_data": "consent:booking:1:yes"}],
            [{"text": "Не согласен", "callback_data": "consent:booking:1:no"}],
        ]
    }


def test_send_request_contact_keyboard(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)

    run(channel, lambda: channel.send(outbound("Оставьте номер", request_contact=True)))

    keyboard = fake.sent()[0]["reply_markup"]
    assert keyboard["keyboard"][0][0]["request_contact"] is True
    assert keyboard["keyboard"][0][0]["text"] == "📱 Отправить номер телефона"
    assert keyboard["one_time_keyboard"] is True


def test_send_buttons_and_contact_request_use_two_messages(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    message_with_both = outbound("Выберите", buttons=(Button("Да", "yes"),), request_contact=True)

    run(channel, lambda: channel.send(message_with_both))

    first, second = fake.sent()
    assert "inline_keyboard" in first["reply_markup"]
    assert second["reply_markup"]["keyboard"][0][0]["request_contact"] is True


def test_send_splits_long_text_under_utf16_limit(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    line = "😀 " + "слово " * 50
    long_text = "\n".join([line] * 40)
    assert utf16_units(long_text) > 4096

    receipt = run(channel, lambda: channel.send(outbound(long_text, buttons=(Button("Ок", "ok"),))))

    sent = fake.sent()
    assert len(sent) >= 3
    assert all(utf16_units(part["text"]) <= 4096 for part in sent)
    assert all("reply_markup" not in part for part in sent[:-1])
    assert "reply_markup" in sent[-1]
    assert receipt.details["message_ids"].count(",") == len(sent) - 1


def test_send_split_keeps_restored_value_whole(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    phone = "+7 900 123-45-67"
    text = "а" * 4090 + " " + phone + " конец"
    start = text.index(phone)

    run(channel, lambda: channel.send(outbound(text, keep_whole=((start, start + len(phone)),))))

    assert any(phone in part["text"] for part in fake.sent())


def test_send_callback_data_over_64_bytes_is_permanent(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    button = Button("Да", "consent:" + "я" * 30)

    with pytest.raises(PermanentError):
        run(channel, lambda: channel.send(outbound(buttons=(button,))))

    assert fake.calls == []


def test_send_rate_limited_is_retryable_with_retry_after(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    fake.fail_next("sendMessage", error(429, "Too Many Requests: retry after 7", retry_after=7))

    with pytest.raises(RetryableError) as caught:
        run(channel, lambda: channel.send(outbound()))

    assert caught.value.retry_after == 7


def test_send_to_blocked_chat_is_unreachable(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    fake.blocked.add(str(CHAT_ID))

    with pytest.raises(UnreachableError):
        run(channel, lambda: channel.send(outbound()))


def test_send_server_error_is_retryable(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    fake.fail_next("sendMessage", error(502, "Bad Gateway"))

    with pytest.raises(RetryableError):
        run(channel, lambda: channel.send(outbound()))


def test_send_with_wrong_token_is_permanent_and_hides_token(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url, bot_token="999:WRONG-token")

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound()))

    assert type(caught.value) is PermanentError
    assert "WRONG-token" not in str(caught.value)


def test_send_lost_response_is_not_retried(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    fake.fail_next("sendMessage", drop="after")

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound()))

    assert "повторной отправки не будет" in str(caught.value)


def test_send_errors_and_logs_carry_no_message_text(
    fake: TelegramApiFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="leadgate")
    caplog.set_level("INFO", logger="httpx")
    channel = make_channel(fake.url)
    fake.blocked.add(str(CHAT_ID))

    with pytest.raises(UnreachableError) as caught:
        run(channel, lambda: channel.send(outbound("Мой номер +79001234567")))

    assert "+79001234567" not in str(caught.value)
    assert "+79001234567" not in caplog.text
    assert "HTTP Request: POST" in caplog.text
    assert TOKEN not in caplog.text


# -- Button acknowledgement and polling ---------------------------------------------


def test_acknowledge_answers_callback_query(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)

    run(channel, lambda: channel.acknowledge({"callback_query_id": "4382bfdwdsb323b2d9"}))

    assert fake.sent("answerCallbackQuery") == [{"callback_query_id": "4382bfdwdsb323b2d9"}]


def test_acknowledge_without_query_id_makes_no_call(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)

    run(channel, lambda: channel.acknowledge({"message_id": "1"}))

    assert fake.calls == []


def test_acknowledge_of_expired_query_is_not_an_error(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)
    fake.fail_next("answerCallbackQuery", error(400, "Bad Request: query is too old"))

    run(channel, lambda: channel.acknowledge({"callback_query_id": "old"}))

    assert fake.names() == ["answerCallbackQuery"]


def test_poll_returns_at_once_in_webhook_mode(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url)

    run(channel, lambda: channel.poll(_never_called))

    assert fake.calls == []


async def _never_called(events: list[InboundEvent]) -> None:
    raise AssertionError("submit must not be called")


def test_poll_deletes_webhook_then_submits_updates_in_order(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url, mode="polling", webhook_secret="", poll_timeout=1)
    fake.webhook = {"url": "https://old.example/hook"}
    fake.add_update(update(500, message=message(text="первое")))
    fake.add_update(update(501, message=message(text="второе")))
    received: list[InboundEvent] = []

    async def submit(events: list[InboundEvent]) -> None:
        received.extend(events)
        if len(received) == 2:
            fake.add_update(update(502, message=message(text="третье")))
        if len(received) >= 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run(channel, lambda: channel.poll(submit))

    assert [event.text for event in received] == ["первое", "второе", "третье"]
    assert fake.names()[0] == "deleteWebhook"
    offsets = [body.get("offset") for body in fake.sent("getUpdates")]
    assert offsets[:2] == [None, 502]
    assert fake.sent("getUpdates")[0]["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]


def test_poll_skips_malformed_update_and_continues(fake: TelegramApiFake) -> None:
    channel = make_channel(fake.url, mode="polling", webhook_secret="", poll_timeout=1)
    fake.add_update({"update_id": 600, "message": "broken"})
    fake.add_update(update(601, message=message(text="целое")))
    received: list[InboundEvent] = []

    async def submit(events: list[InboundEvent]) -> None:
        received.extend(events)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run(channel, lambda: channel.poll(submit))

    assert [event.external_id for event in received] == ["601"]


@pytest.mark.parametrize(
    ("error", "failures", "expected"),
    [
        (RetryableError("502"), 1, 5.0),
        (RetryableError("502"), 3, 20.0),
        (PermanentError("401"), 20, 300.0),
        (RetryableError("429", retry_after=42), 1, 42.0),
    ],
    ids=["first", "third", "capped", "retry-after"],
)
def test_poll_pause_grows_with_failures(
    error: DeliveryError, failures: int, expected: float
) -> None:
    assert _pause_after(error, failures) == expected
