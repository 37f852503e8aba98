"""Turn Instagram Messaging webhook deliveries into inbound events.

A delivery (``object: instagram``) contains entries, each with a ``messaging`` list of
items from one client (``sender.id`` is the Instagram-scoped id, IGSID). Client
messages are keyed by their ``mid``; echoes of our own messages keep their ``mid``
and name the client as ``recipient``. Instagram timestamps are in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from leadgate.core.components import InboundEvent
from leadgate.errors import PayloadError
from leadgate.plugins.channels.common import from_unix, list_field, require

logger = logging.getLogger(__name__)

CHANNEL = "instagram"
OBJECT = "instagram"
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def parse_delivery(document: dict[str, Any]) -> list[InboundEvent]:
    """Return the events of every messaging item of a delivery, oldest first."""
    if document.get("object") != OBJECT:
        logger.info("instagram delivery for object %r ignored", document.get("object"))
        return []
    entries = require(document, "entry", list, "delivery")

    events = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise PayloadError("delivery.entry[] must hold objects")
        for item in list_field(entry, "messaging", "entry"):
            events.append(_item_event(item))
        if entry.get("changes"):
            logger.info("instagram entry changes (comments, mentions) ignored")
    return sorted(events, key=lambda event: event.occurred_at or _EPOCH)


def _item_event(item: Any) -> InboundEvent:
    if not isinstance(item, dict):
        raise PayloadError("entry.messaging[] must hold objects")
    sender = str(require(require(item, "sender", dict, "messaging"), "id", str, "messaging.sender"))
    found = item.get("recipient")
    recipient: dict[str, Any] = found if isinstance(found, dict) else {}
    timestamp = item.get("timestamp")
    occurred_at = from_unix(timestamp / 1000) if isinstance(timestamp, int | float) else None
    base: dict[str, Any] = {"channel": CHANNEL, "user_id": sender, "occurred_at": occurred_at}

    if isinstance(item.get("message"), dict):
        return _message_event(item["message"], base, str(recipient.get("id", "")))
    if isinstance(item.get("postback"), dict):
        postback = item["postback"]
        external_id = str(postback.get("mid") or f"postback:{sender}:{timestamp}")
        payload = str(postback.get("payload", ""))
        return InboundEvent(external_id=external_id, kind="button", payload=payload, **base)
    if isinstance(item.get("message_edit"), dict):
        return _edit_event(item["message_edit"], base)

    kind = next((key for key in item if key not in ("sender", "recipient", "timestamp")), "none")
    found = item.get(kind)
    detail: dict[str, Any] = found if isinstance(found, dict) else {}
    external_id = f"{kind}:{detail.get('mid') or sender}:{timestamp}"
    logger.info("instagram %s event ignored", kind)
    return InboundEvent(external_id=external_id, kind="ignored", **base)


def _message_event(message: dict[str, Any], base: dict[str, Any], recipient: str) -> InboundEvent:
    mid = str(require(message, "mid", str, "message"))
    meta = {"message_id": mid}

    if message.get("is_deleted"):
        meta["target_external_id"] = mid
        return InboundEvent(external_id=f"delete:{mid}", kind="delete", meta=meta, **base)
    if message.get("is_echo"):
        # Our own message, reported back; the client is the recipient.
        echo = {**base, "user_id": recipient}
        return InboundEvent(
            external_id=mid, kind="echo", text=str(message.get("text", "")), meta=meta, **echo
        )

    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict):
        payload = str(quick_reply.get("payload", ""))
        return InboundEvent(external_id=mid, kind="button", payload=payload, meta=meta, **base)
    if isinstance(message.get("text"), str):
        return InboundEvent(external_id=mid, kind="text", text=message["text"], meta=meta, **base)
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        meta["media_type"] = str(attachments[0].get("type", ""))
        return InboundEvent(external_id=mid, kind="media", meta=meta, **base)

    logger.info("instagram message without text or attachments ignored")
    return InboundEvent(external_id=mid, kind="ignored", meta=meta, **base)


def _edit_event(edit: dict[str, Any], base: dict[str, Any]) -> InboundEvent:
    mid = str(require(edit, "mid", str, "message_edit"))
    meta = {"message_id": mid, "target_external_id": mid}
    external_id = f"edit:{mid}:{edit.get('num_edit', '')}"
    return InboundEvent(
        external_id=external_id, kind="edit", text=str(edit.get("text", "")), meta=meta, **base
    )
