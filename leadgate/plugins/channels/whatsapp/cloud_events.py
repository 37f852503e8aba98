"""Turn WhatsApp Cloud API webhook deliveries into inbound events.

One delivery (``object: whatsapp_business_account``) may hold several entries, each
with several changes, each with several messages and statuses. Messages become
client events keyed by their ``wamid``; statuses of our own messages become
``status`` events keyed ``status:<wamid>:<status>``, never messages. The sender's
profile name in ``contacts`` is personal data we do not need and is not read.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from leadgate.core.components import InboundEvent
from leadgate.errors import PayloadError
from leadgate.plugins.channels.common import from_unix, list_field, require

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
OBJECT = "whatsapp_business_account"
MEDIA_TYPES = ("image", "video", "audio", "voice", "document", "sticker")
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def parse_delivery(document: dict[str, Any]) -> list[InboundEvent]:
    """Return every message and status event of a delivery, oldest first."""
    if document.get("object") != OBJECT:
        logger.info("whatsapp delivery for object %r ignored", document.get("object"))
        return []
    entries = require(document, "entry", list, "delivery")

    events: list[InboundEvent] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise PayloadError("delivery.entry[] must hold objects")
        for change in list_field(entry, "changes", "entry"):
            events.extend(_change_events(change))
    # sorted() is stable, so events with equal timestamps keep delivery order.
    return sorted(events, key=lambda event: event.occurred_at or _EPOCH)


def _change_events(change: Any) -> list[InboundEvent]:
    if not isinstance(change, dict):
        raise PayloadError("entry.changes[] must hold objects")
    if change.get("field") != "messages":
        logger.info("whatsapp change of field %r ignored", change.get("field"))
        return []
    value = require(change, "value", dict, "change")

    for error in list_field(value, "errors", "value"):
        if isinstance(error, dict):
            logger.warning("whatsapp reported error %s: %s", error.get("code"), error.get("title"))
    messages = [_message_event(message) for message in list_field(value, "messages", "value")]
    statuses = [_status_event(status) for status in list_field(value, "statuses", "value")]
    return messages + statuses


def _message_event(message: Any) -> InboundEvent:
    if not isinstance(message, dict):
        raise PayloadError("value.messages[] must hold objects")
    wamid = require(message, "id", str, "message")
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_id": wamid,
        "user_id": require(message, "from", str, "message"),
        "occurred_at": from_unix(message.get("timestamp")),
        "meta": {"message_id": wamid},
    }
    kind = str(message.get("type", ""))
    found = message.get(kind)
    body: dict[str, Any] = found if isinstance(found, dict) else {}

    if kind == "text":
        return InboundEvent(kind="text", text=str(body.get("body", "")), **base)
    if kind == "interactive":
        return _interactive_event(body, base)
    if kind == "button":
        # A quick-reply button of a template message.
        payload = str(body.get("payload") or body.get("text") or "")
        return InboundEvent(kind="button", payload=payload, **base)
    if kind == "contacts":
        return _contact_event(message, base)
    if kind == "location":
        return InboundEvent(kind="location", **base)
    if kind in MEDIA_TYPES:
        caption = body.get("caption")
        if isinstance(caption, str) and caption.strip():
            return InboundEvent(kind="text", text=caption, **base)
        base["meta"] = {**base["meta"], "media_type": kind}
        return InboundEvent(kind="media", **base)

    logger.info("whatsapp message of type %r ignored", kind)
    return InboundEvent(kind="ignored", **base)


def _interactive_event(body: dict[str, Any], base: dict[str, Any]) -> InboundEvent:
    reply_type = str(body.get("type", ""))
    reply = body.get(reply_type)
    if reply_type not in ("button_reply", "list_reply") or not isinstance(reply, dict):
        logger.info("whatsapp interactive reply of type %r ignored", reply_type)
        return InboundEvent(kind="ignored", **base)
    return InboundEvent(kind="button", payload=str(reply.get("id", "")), **base)


def _contact_event(message: dict[str, Any], base: dict[str, Any]) -> InboundEvent:
    contacts = message.get("contacts")
    card = contacts[0] if isinstance(contacts, list) and contacts else {}
    phones = card.get("phones") if isinstance(card, dict) else None
    phone = phones[0] if isinstance(phones, list) and phones and isinstance(phones[0], dict) else {}

    number = str(phone.get("phone") or phone.get("wa_id") or "")
    own = bool(phone.get("wa_id")) and phone.get("wa_id") == message.get("from")
    base["meta"] = {**base["meta"], "own_contact": "yes" if own else "no"}
    return InboundEvent(kind="contact", contact_phone=number, **base)


def _status_event(status: Any) -> InboundEvent:
    if not isinstance(status, dict):
        raise PayloadError("value.statuses[] must hold objects")
    wamid = require(status, "id", str, "status")
    state = require(status, "status", str, "status")

    meta = {"message_id": wamid}
    errors = list_field(status, "errors", "status")
    if errors and isinstance(errors[0], dict) and errors[0].get("code") is not None:
        meta["error_code"] = str(errors[0]["code"])
    return InboundEvent(
        channel=CHANNEL,
        external_id=f"status:{wamid}:{state}",
        user_id=str(status.get("recipient_id", "")),
        kind="status",
        payload=state,
        occurred_at=from_unix(status.get("timestamp")),
        meta=meta,
    )
