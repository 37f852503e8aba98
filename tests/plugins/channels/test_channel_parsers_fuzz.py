"""Random JSON never crashes a channel parser: it gives events or a PayloadError (400)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgate.core.components import InboundEvent
from leadgate.errors import PayloadError
from leadgate.plugins.channels.instagram.events import parse_delivery as parse_instagram
from leadgate.plugins.channels.telegram.updates import parse_update
from leadgate.plugins.channels.whatsapp.cloud_events import parse_delivery as parse_cloud
from leadgate.plugins.channels.whatsapp.greenapi_events import parse_notification

KEYS = [
    # Meta deliveries
    "object", "entry", "changes", "field", "value", "messages", "statuses", "from", "id",
    "timestamp", "type", "text", "body", "interactive", "button_reply", "list_reply",
    "contacts", "phones", "phone", "wa_id", "status", "errors", "code", "recipient_id",
    "messaging", "sender", "recipient", "message", "mid", "is_echo", "is_deleted",
    "quick_reply", "payload", "postback", "attachments", "message_edit", "reaction",
    # Green-API notifications
    "typeWebhook", "idMessage", "senderData", "chatId", "messageData", "typeMessage",
    "textMessageData", "textMessage", "extendedTextMessageData", "contactMessageData",
    "vcard", "buttonsResponseMessage", "selectedButtonId", "fileMessageData", "caption",
    # Telegram updates
    "update_id", "chat", "callback_query", "data", "my_chat_member", "new_chat_member",
    "entities", "offset", "length", "contact", "phone_number", "caption_entities",
]  # fmt: skip
CONSTANTS = st.sampled_from(
    [
        "whatsapp_business_account", "instagram", "messages", "text", "interactive",
        "button_reply", "contacts", "image", "sent", "incomingMessageReceived",
        "outgoingMessageStatus", "outgoingMessageReceived", "textMessage",
        "contactMessage", "imageMessage", "buttonsResponseMessage", "79001234567@c.us",
        "private", "bot_command", "kicked",
    ]
)  # fmt: skip
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | CONSTANTS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)
PARSERS = {
    "whatsapp-cloud": parse_cloud,
    "instagram": parse_instagram,
    "greenapi": parse_notification,
    "telegram": lambda document: [parse_update(document, allow_groups=True)],
}


def _parse_all(document: dict[str, Any]) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for parse in PARSERS.values():
        try:
            events.extend(parse(document))
        except PayloadError:
            continue
    return events


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6))
def test_parsers_survive_random_documents(document: dict[str, Any]) -> None:
    events = _parse_all(document)

    assert all(isinstance(event.external_id, str) for event in events)
    assert all(isinstance(event.user_id, str) for event in events)


FIELDS = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6)


def _cloud(message: dict[str, Any]) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp", "messages": [message], "statuses": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


def _instagram(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}, **item}]}],
    }


def _greenapi(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "typeWebhook": "incomingMessageReceived",
        "idMessage": "X",
        "senderData": {"chatId": "79001234567@c.us", "sender": "79001234567@c.us"},
        "messageData": data,
    }


def _telegram(message: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}, **message}}


@settings(max_examples=300, deadline=None)
@given(FIELDS, st.sampled_from(["cloud", "instagram", "greenapi", "telegram"]))
def test_parsers_survive_random_fields_in_valid_envelopes(
    fields: dict[str, Any], envelope: str
) -> None:
    wrap = {"cloud": _cloud, "instagram": _instagram, "greenapi": _greenapi, "telegram": _telegram}[
        envelope
    ]

    events = _parse_all(wrap(fields))

    assert all(isinstance(event.external_id, str) for event in events)
    assert all(isinstance(event.text, str) and isinstance(event.payload, str) for event in events)


@pytest.mark.parametrize(
    ("parser", "document"),
    [
        ("whatsapp-cloud", _cloud({"id": "wamid.X", "status": "failed", "errors": 5})),
        ("whatsapp-cloud", {"object": "whatsapp_business_account", "entry": [{"changes": 7}]}),
        (
            "whatsapp-cloud",
            _cloud({"id": "wamid.X", "from": "7", "type": "text"})
            | {"entry": [{"changes": [{"field": "messages", "value": {"messages": "x"}}]}]},
        ),
        (
            "whatsapp-cloud",
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages", "value": {"errors": 1}}]}],
            },
        ),
        ("instagram", {"object": "instagram", "entry": [{"messaging": {"sender": {"id": "1"}}}]}),
        ("telegram", _telegram({"text": "/start", "entities": 3})),
    ],
    ids=[
        "status-errors-number",
        "changes-number",
        "messages-string",
        "errors-number",
        "messaging-object",
        "entities-number",
    ],
)
def test_parsers_reject_non_list_fields(parser: str, document: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        PARSERS[parser](document)
