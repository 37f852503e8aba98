"""Turn Green-API webhook notifications into inbound events.

Green-API posts one notification per request, named by ``typeWebhook``. Client
messages (``incomingMessageReceived``) are keyed by ``idMessage``; statuses of our
messages (``outgoingMessageStatus``) by ``status:<idMessage>:<status>``. A chat id
such as ``79001234567@c.us`` is stored without its suffix, so the user id matches
the Cloud API's ``wa_id``. Group chats (``...@g.us``) are ignored.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from leadgate.core.components import InboundEvent
from leadgate.errors import PayloadError
from leadgate.plugins.channels.common import from_unix, require

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
PERSONAL_SUFFIX = "@c.us"
MEDIA_TYPES = ("imageMessage", "videoMessage", "documentMessage", "audioMessage", "stickerMessage")
BUTTON_REPLIES = {
    # typeMessage: (data field, id field)
    "buttonsResponseMessage": ("buttonsResponseMessage", "selectedButtonId"),
    "templateButtonReplyMessage": ("templateButtonReplyMessage", "selectedId"),
    "templateButtonsReplyMessage": ("templateButtonReplyMessage", "selectedId"),
    "interactiveButtonsResponse": ("interactiveButtonsResponse", "selectedId"),
}
_VCARD_PHONE = re.compile(r"^(?:item\d+\.)?TEL[^:\n]*:([^\n]+)$", re.MULTILINE | re.IGNORECASE)


def parse_notification(document: dict[str, Any]) -> list[InboundEvent]:
    """Return the event of one notification (none for types we drop)."""
    kind = document.get("typeWebhook")
    if kind == "incomingMessageReceived":
        return [_incoming_event(document, echo=False)]
    if kind == "outgoingMessageReceived":
        # Sent by staff from the phone: stored as our side of the conversation.
        return [_incoming_event(document, echo=True)]
    if kind == "outgoingMessageStatus":
        return [_status_event(document)]
    logger.info("green-api notification of type %r ignored", kind)
    return []


def user_id_of(chat_id: str) -> str:
    """Return the user id for a personal chat id (``7900...@c.us`` to ``7900...``)."""
    return chat_id.removesuffix(PERSONAL_SUFFIX)


def _incoming_event(document: dict[str, Any], *, echo: bool) -> InboundEvent:
    message_id = require(document, "idMessage", str, "notification")
    sender = require(document, "senderData", dict, "notification")
    chat_id = require(sender, "chatId", str, "notification.senderData")
    data = require(document, "messageData", dict, "notification")

    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_id": message_id,
        "user_id": user_id_of(chat_id),
        "occurred_at": from_unix(document.get("timestamp")),
        "meta": {"message_id": message_id},
    }
    if not chat_id.endswith(PERSONAL_SUFFIX):
        logger.info("green-api message %s from a group chat ignored", message_id)
        return InboundEvent(kind="ignored", **base)
    if echo:
        return InboundEvent(kind="echo", text=_text_of(data) or "", **base)
    return _message_event(data, sender, base)


def _message_event(
    data: dict[str, Any], sender: dict[str, Any], base: dict[str, Any]
) -> InboundEvent:
    kind = str(data.get("typeMessage", ""))
    body = _text_of(data)
    if body is not None:
        return InboundEvent(kind="text", text=body, **base)

    if kind in BUTTON_REPLIES:
        field, id_field = BUTTON_REPLIES[kind]
        reply = _object(data, field)
        return InboundEvent(kind="button", payload=str(reply.get(id_field, "")), **base)
    if kind in ("contactMessage", "contactsArrayMessage"):
        return _contact_event(data, sender, base)
    if kind == "locationMessage":
        return InboundEvent(kind="location", **base)
    if kind in MEDIA_TYPES:
        base["meta"] = {**base["meta"], "media_type": kind}
        return InboundEvent(kind="media", **base)

    logger.info("green-api message of type %r ignored", kind)
    return InboundEvent(kind="ignored", **base)


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _text_of(data: dict[str, Any]) -> str | None:
    """Return the text of a text, extended-text, quoting or captioned message."""
    kind = data.get("typeMessage")
    if kind == "textMessage":
        value = _object(data, "textMessageData").get("textMessage")
    elif kind in ("extendedTextMessage", "quotedMessage"):
        value = _object(data, "extendedTextMessageData").get("text")
    elif kind in MEDIA_TYPES:
        value = _object(data, "fileMessageData").get("caption") or None
    else:
        value = None
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"the text of a {kind} notification is not a string")
    return value


def _contact_event(
    data: dict[str, Any], sender: dict[str, Any], base: dict[str, Any]
) -> InboundEvent:
    if data.get("typeMessage") == "contactMessage":
        card = _object(data, "contactMessageData")
    else:
        contacts = _object(data, "messageData").get("contacts")
        first = contacts[0] if isinstance(contacts, list) and contacts else {}
        card = first if isinstance(first, dict) else {}
    phone, wa_id = vcard_phone(str(card.get("vcard", "")))

    own = bool(wa_id) and wa_id == user_id_of(str(sender.get("sender", "")))
    base["meta"] = {**base["meta"], "own_contact": "yes" if own else "no"}
    return InboundEvent(kind="contact", contact_phone=phone, **base)


def vcard_phone(vcard: str) -> tuple[str, str]:
    """Return the first phone of a vCard and its WhatsApp id (``waid``), if any.

    WhatsApp writes lines such as ``TEL;type=CELL;waid=79001234567:+7 900 123-45-67``.
    """
    match = _VCARD_PHONE.search(vcard)
    if match is None:
        return "", ""
    waid = re.search(r"waid=(\d+)", match.group(0), re.IGNORECASE)
    return match.group(1).strip(), waid.group(1) if waid else ""


def _status_event(document: dict[str, Any]) -> InboundEvent:
    message_id = require(document, "idMessage", str, "notification")
    status = require(document, "status", str, "notification")
    return InboundEvent(
        channel=CHANNEL,
        external_id=f"status:{message_id}:{status}",
        user_id=user_id_of(str(document.get("chatId", ""))),
        kind="status",
        payload=status,
        occurred_at=from_unix(document.get("timestamp")),
        meta={"message_id": message_id},
    )
