"""Tests of the WhatsApp channel over Green-API: notifications in, a fake Green-API out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from channel_builders import make_bundle, make_services, raw_request, run

from leadgate.core.components import Button, ComponentContext, InboundEvent, OutboundMessage
from leadgate.errors import (
    ConfigError,
    PayloadError,
    PermanentError,
    RetryableError,
    SignatureError,
)
from leadgate.plugins.channels.whatsapp import create_channel
from leadgate.plugins.channels.whatsapp.greenapi import GreenApiChannel
from leadgate.plugins.channels.whatsapp.greenapi_events import vcard_phone

from fakes.crm_http import Response
from fakes.greenapi import GreenApiFake

ID_INSTANCE = "1101000001"
API_TOKEN = "green-test-token"
WEBHOOK_TOKEN = "hook-token-1"
CHAT_ID = "79001234567@c.us"


@pytest.fixture
def green() -> Iterator[GreenApiFake]:
    with GreenApiFake(id_instance=ID_INSTANCE, api_token=API_TOKEN) as server:
        yield server


def make_channel(api_url: str = "http://127.0.0.1:9", **config: Any) -> GreenApiChannel:
    section = {
        "transport": "greenapi",
        "id_instance": ID_INSTANCE,
        "api_token": API_TOKEN,
        "webhook_token": WEBHOOK_TOKEN,
        "api_url": api_url,
        **config,
    }
    channel = create_channel(ComponentContext("whatsapp", section, make_bundle(), make_services()))
    assert isinstance(channel, GreenApiChannel)
    return channel


def incoming(
    message_data: dict[str, Any], chat_id: str = CHAT_ID, id_message: str = "BAE5367237E13A87"
) -> dict[str, Any]:
    return {
        "typeWebhook": "incomingMessageReceived",
        "instanceData": {
            "idInstance": int(ID_INSTANCE),
            "wid": "79876543210@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": 1733300000,
        "idMessage": id_message,
        "senderData": {
            "chatId": chat_id,
            "chatName": "Анна",
            "sender": chat_id,
            "senderName": "Анна",
            "senderContactName": "Анна Петрова",
        },
        "messageData": message_data,
    }


def parse(body: dict[str, Any]) -> list[InboundEvent]:
    channel = make_channel()
    request = raw_request(body, {"Authorization": f"Bearer {WEBHOOK_TOKEN}"})
    channel.verify(request)
    return channel.parse(request)


# -- Configuration and token check --------------------------------------------------


def test_missing_webhook_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_channel(webhook_token="")

    assert caught.value.key == "webhook_token"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": WEBHOOK_TOKEN},
        {"Authorization": "Basic aG9vaw=="},
    ],
    ids=["missing", "wrong", "no-scheme", "basic"],
)
def test_verify_rejects_bad_authorization(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        make_channel().verify(raw_request(b"{}", headers))


def test_verify_accepts_token_with_its_own_scheme() -> None:
    channel = make_channel(webhook_token="Basic dXNlcjpwYXNz")

    channel.verify(raw_request(b"{}", {"Authorization": "Basic dXNlcjpwYXNz"}))


# -- Parsing ------------------------------------------------------------------------


def test_parse_text_message() -> None:
    data = {"typeMessage": "textMessage", "textMessageData": {"textMessage": "Хочу на маникюр"}}

    (event,) = parse(incoming(data))

    assert event.kind == "text"
    assert event.external_id == "BAE5367237E13A87"
    assert event.user_id == "79001234567"
    assert event.text == "Хочу на маникюр"
    assert event.occurred_at == dt.datetime.fromtimestamp(1733300000, dt.UTC)
    assert "Анна" not in repr(event)


def test_parse_extended_text_message() -> None:
    data = {
        "typeMessage": "extendedTextMessage",
        "extendedTextMessageData": {
            "text": "Смотрите https://example.org",
            "description": "",
            "title": "",
            "previewType": "None",
            "jpegThumbnail": "",
            "forwardingScore": 0,
            "isForwarded": False,
        },
    }

    (event,) = parse(incoming(data))

    assert (event.kind, event.text) == ("text", "Смотрите https://example.org")


@pytest.mark.parametrize(
    "data",
    [
        {
            "typeMessage": "buttonsResponseMessage",
            "buttonsResponseMessage": {
                "stanzaId": "BAE53AFDD5F0C137",
                "selectedButtonId": "consent:booking:1:yes",
                "selectedButtonText": "Согласен",
            },
        },
        {
            "typeMessage": "templateButtonReplyMessage",
            "templateButtonReplyMessage": {
                "stanzaId": "BAE53AFDD5F0C137",
                "selectedIndex": 0,
                "selectedId": "consent:booking:1:yes",
                "selectedDisplayText": "Согласен",
            },
        },
        {
            "typeMessage": "interactiveButtonsResponse",
            "interactiveButtonsResponse": {
                "stanzaId": "BAE5FB1FDA0E58E8",
                "selectedIndex": 0,
                "selectedId": "consent:booking:1:yes",
                "selectedDisplayText": "Согласен",
            },
        },
    ],
    ids=["buttons-response", "template-button-reply", "interactive-buttons-response"],
)
def test_parse_button_replies(data: dict[str, Any]) -> None:
    (event,) = parse(incoming(data))

    assert (event.kind, event.payload) == ("button", "consent:booking:1:yes")


def test_parse_contact_message() -> None:
    vcard = "BEGIN:VCARD\nVERSION:3.0\nN:Петрова;Анна;;;\nFN:Анна\nTEL;type=CELL;waid=79001234567:+7 900 123-45-67\nEND:VCARD"
    data = {
        "typeMessage": "contactMessage",
        "contactMessageData": {"displayName": "Анна", "vcard": vcard},
    }

    (event,) = parse(incoming(data))

    assert (event.kind, event.contact_phone) == ("contact", "+7 900 123-45-67")
    assert event.meta["own_contact"] == "yes"


def test_parse_contacts_array_takes_first() -> None:
    vcard = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Мама\nitem1.TEL;waid=79007654321:+7 900 765-43-21\nEND:VCARD"
    )
    data = {
        "typeMessage": "contactsArrayMessage",
        "messageData": {"contacts": [{"displayName": "Мама", "vcard": vcard}]},
    }

    (event,) = parse(incoming(data))

    assert (event.contact_phone, event.meta["own_contact"]) == ("+7 900 765-43-21", "no")


def test_vcard_phone_without_tel_line() -> None:
    assert vcard_phone("BEGIN:VCARD\nFN:X\nEND:VCARD") == ("", "")


def test_parse_location_message() -> None:
    data = {
        "typeMessage": "locationMessage",
        "locationMessageData": {
            "nameLocation": "Салон",
            "address": "Тверская, 1",
            "latitude": 55.75,
            "longitude": 37.61,
            "jpegThumbnail": "",
        },
    }

    (event,) = parse(incoming(data))

    assert event.kind == "location"
    assert "Тверская" not in repr(event)


def test_parse_image_with_and_without_caption() -> None:
    file_data = {
        "downloadUrl": "https://example.org/f.jpg",
        "caption": "",
        "fileName": "f.jpg",
        "jpegThumbnail": "",
        "mimeType": "image/jpeg",
    }
    bare = {"typeMessage": "imageMessage", "fileMessageData": file_data}
    captioned = {
        "typeMessage": "imageMessage",
        "fileMessageData": {**file_data, "caption": "Такой цвет"},
    }

    (media,) = parse(incoming(bare))
    (text,) = parse(incoming(captioned))

    assert media.kind == "media"
    assert (text.kind, text.text) == ("text", "Такой цвет")


def test_parse_group_chat_is_ignored() -> None:
    data = {"typeMessage": "textMessage", "textMessageData": {"textMessage": "всем привет"}}

    (event,) = parse(incoming(data, chat_id="120363043968066561@g.us"))

    assert event.kind == "ignored"
    assert event.text == ""


def test_parse_outgoing_status() -> None:
    body = {
        "typeWebhook": "outgoingMessageStatus",
        "chatId": CHAT_ID,
        "instanceData": {
            "idInstance": int(ID_INSTANCE),
            "wid": "79876543210@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": 1733300100,
        "idMessage": "BAE5F4886AFAKE0001",
        "status": "delivered",
        "sendByApi": True,
    }

    (event,) = parse(body)

    assert (event.kind, event.payload) == ("status", "delivered")
    assert event.external_id == "status:BAE5F4886AFAKE0001:delivered"
    assert event.meta["message_id"] == "BAE5F4886AFAKE0001"
    assert event.user_id == "79001234567"


def test_parse_message_sent_from_phone_is_echo() -> None:
    body = incoming({"typeMessage": "textMessage", "textMessageData": {"textMessage": "Ждём вас"}})
    body["typeWebhook"] = "outgoingMessageReceived"

    (event,) = parse(body)

    assert (event.kind, event.text) == ("echo", "Ждём вас")


@pytest.mark.parametrize(
    "body",
    [
        {"typeWebhook": "stateInstanceChanged", "stateInstance": "authorized"},
        {
            "typeWebhook": "incomingCall",
            "from": CHAT_ID,
            "status": "offer",
            "idMessage": "X",
            "timestamp": 1,
        },
        {"typeWebhook": "outgoingAPIMessageReceived", "idMessage": "X"},
    ],
    ids=["state", "call", "api-message"],
)
def test_parse_other_notifications_give_no_events(body: dict[str, Any]) -> None:
    assert parse(body) == []


@pytest.mark.parametrize(
    "body",
    [
        {"typeWebhook": "incomingMessageReceived", "idMessage": "X"},
        incoming({"typeMessage": "textMessage", "textMessageData": {"textMessage": 5}}),
        {"typeWebhook": "outgoingMessageStatus", "idMessage": "X"},
    ],
    ids=["no-sender", "text-not-string", "status-without-status"],
)
def test_parse_malformed_notification_is_payload_error(body: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        parse(body)


# -- Sending ------------------------------------------------------------------------


def outbound(text: str = "Записала вас на 12:00", **fields: Any) -> OutboundMessage:
    return OutboundMessage(channel="whatsapp", user_id="79001234567", text=text, **fields)


def test_send_text(green: GreenApiFake) -> None:
    channel = make_channel(green.url)

    receipt = run(channel, lambda: channel.send(outbound()))

    assert green.sent() == [{"chatId": CHAT_ID, "message": "Записала вас на 12:00"}]
    assert receipt.external_id == "BAE5F4886AFAKE0001"


def test_send_buttons_as_interactive_reply_buttons(green: GreenApiFake) -> None:
    channel = make_channel(green.url)
    buttons = (
        Button("Согласен", "consent:booking:1:yes"),
        Button("Не согласен", "consent:booking:1:no"),
    )

    run(channel, lambda: channel.send(outbound("Согласие", buttons=buttons)))

    (body,) = green.sent("sendInteractiveButtonsReply")
    assert body == {
        "chatId": CHAT_ID,
        "body": "Согласие",
        "buttons": [
            {"buttonId": "consent:booking:1:yes", "buttonText": "Согласен"},
            {"buttonId": "consent:booking:1:no", "buttonText": "Не согласен"},
        ],
    }


def test_send_buttons_as_numbered_text_when_configured(green: GreenApiFake) -> None:
    channel = make_channel(green.url, buttons="text")
    buttons = (Button("Согласен", "yes"), Button("Не согласен", "no"))

    run(channel, lambda: channel.send(outbound("Согласие", buttons=buttons)))

    (body,) = green.sent()
    assert (
        body["message"] == "Согласие\n\n1. Согласен\n2. Не согласен\n\nОтветьте номером варианта."
    )
    assert green.sent("sendInteractiveButtonsReply") == []


def test_send_four_buttons_as_text(green: GreenApiFake) -> None:
    channel = make_channel(green.url)
    buttons = tuple(Button(f"Вариант {number}", str(number)) for number in range(1, 5))

    run(channel, lambda: channel.send(outbound("Выберите", buttons=buttons)))

    assert "4. Вариант 4" in green.sent()[0]["message"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, RetryableError),
        (500, RetryableError),
        (466, PermanentError),
        (401, PermanentError),
        (400, PermanentError),
    ],
    ids=["rate-limit", "server", "quota", "unauthorized", "invalid"],
)
def test_send_maps_http_errors(green: GreenApiFake, status: int, expected: type[Exception]) -> None:
    channel = make_channel(green.url)
    green.fail_next("sendMessage", Response.json({"message": "error"}, status=status))

    with pytest.raises(expected):
        run(channel, lambda: channel.send(outbound()))


def test_send_with_wrong_token_hides_it(
    green: GreenApiFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="leadgate")
    caplog.set_level("INFO", logger="httpx")
    channel = make_channel(green.url, api_token="wrong-green-token")

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound()))

    assert "401" in str(caught.value)
    assert "HTTP Request: POST" in caplog.text
    assert "wrong-green-token" not in str(caught.value) + caplog.text
