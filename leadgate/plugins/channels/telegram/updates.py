"""Turn Telegram Bot API ``Update`` objects into inbound events.

Every event of one update carries the update's ``update_id`` as its external id,
which Telegram keeps unique and increasing per bot. Names, usernames and other
profile fields of the sender are never copied into an event.
"""

from __future__ import annotations

import logging
from typing import Any

from leadgate.core.components import InboundEvent
from leadgate.errors import PayloadError
from leadgate.plugins.channels.common import from_unix, list_field, require, utf16_to_index

logger = logging.getLogger(__name__)

CHANNEL = "telegram"

MEDIA_FIELDS = (
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "animation",
    "sticker",
)
PRIVATE_CHAT = "private"


def parse_update(update: Any, allow_groups: bool) -> InboundEvent:
    """Return the one event an update stands for (``ignored`` for what we drop)."""
    if not isinstance(update, dict):
        raise PayloadError("a Telegram update must be a JSON object")
    update_id = str(require(update, "update_id", int, "update"))

    if "message" in update:
        return _message_event(update_id, update["message"], allow_groups, edited=False)
    if "edited_message" in update:
        return _message_event(update_id, update["edited_message"], allow_groups, edited=True)
    if "channel_post" in update and allow_groups:
        return _message_event(update_id, update["channel_post"], allow_groups, edited=False)
    if "edited_channel_post" in update and allow_groups:
        return _message_event(update_id, update["edited_channel_post"], allow_groups, edited=True)
    if "callback_query" in update:
        return _callback_event(update_id, update["callback_query"], allow_groups)
    if "my_chat_member" in update:
        return _member_event(update_id, update["my_chat_member"], allow_groups)

    kinds = sorted(key for key in update if key != "update_id")
    logger.info("telegram update %s of type %s ignored", update_id, ",".join(kinds) or "none")
    return InboundEvent(channel=CHANNEL, external_id=update_id, user_id="", kind="ignored")


def _chat(message: dict[str, Any], where: str) -> tuple[str, str]:
    chat = require(message, "chat", dict, where)
    chat_id = require(chat, "id", int, f"{where}.chat")
    return str(chat_id), str(chat.get("type", ""))


def _ignored(update_id: str, user_id: str, reason: str) -> InboundEvent:
    logger.info("telegram update %s ignored: %s", update_id, reason)
    return InboundEvent(channel=CHANNEL, external_id=update_id, user_id=user_id, kind="ignored")


def _message_event(
    update_id: str, message: Any, allow_groups: bool, *, edited: bool
) -> InboundEvent:
    if not isinstance(message, dict):
        raise PayloadError("update.message must be a JSON object")
    chat_id, chat_type = _chat(message, "message")
    if chat_type != PRIVATE_CHAT and not allow_groups:
        return _ignored(update_id, chat_id, f"{chat_type or 'unknown'} chat")

    meta = {"message_id": str(message.get("message_id", "")), "chat_type": chat_type}
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_id": update_id,
        "user_id": chat_id,
        "occurred_at": from_unix(message.get("edit_date") if edited else message.get("date")),
    }
    body, entities = _text_and_entities(message)

    if body is not None:
        body, command = normalise_command(body, entities)
        if command:
            meta["command"] = command
        return InboundEvent(kind="edit" if edited else "text", text=body, meta=meta, **base)
    if edited:
        return InboundEvent(kind="edit", meta=meta, **base)
    return _non_text_event(message, meta, base, update_id)


def _text_and_entities(message: dict[str, Any]) -> tuple[str | None, list[Any]]:
    if isinstance(message.get("text"), str):
        return message["text"], list_field(message, "entities", "message")
    if isinstance(message.get("caption"), str):
        return message["caption"], list_field(message, "caption_entities", "message")
    return None, []


def _non_text_event(
    message: dict[str, Any], meta: dict[str, str], base: dict[str, Any], update_id: str
) -> InboundEvent:
    contact = message.get("contact")
    if isinstance(contact, dict):
        phone = str(contact.get("phone_number", ""))
        sender = message.get("from") or {}
        own = contact.get("user_id") is not None and contact.get("user_id") == sender.get("id")
        meta["own_contact"] = "yes" if own else "no"
        return InboundEvent(kind="contact", contact_phone=phone, meta=meta, **base)
    if isinstance(message.get("location"), dict) or isinstance(message.get("venue"), dict):
        return InboundEvent(kind="location", meta=meta, **base)
    media = next((field for field in MEDIA_FIELDS if field in message), None)
    if media is not None:
        meta["media_type"] = media
        return InboundEvent(kind="media", meta=meta, **base)
    return _ignored(update_id, base["user_id"], "service message")


def _callback_event(update_id: str, query: Any, allow_groups: bool) -> InboundEvent:
    if not isinstance(query, dict):
        raise PayloadError("update.callback_query must be a JSON object")
    query_id = str(require(query, "id", str, "callback_query"))
    sender = require(query, "from", dict, "callback_query")
    message = query.get("message")

    meta = {"callback_query_id": query_id}
    user_id = str(require(sender, "id", int, "callback_query.from"))
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        user_id, chat_type = _chat(message, "callback_query.message")
        meta["message_id"] = str(message.get("message_id", ""))
        meta["chat_type"] = chat_type
        if chat_type != PRIVATE_CHAT and not allow_groups:
            return _ignored(update_id, user_id, f"button in a {chat_type} chat")

    data = query.get("data")
    if not isinstance(data, str):
        # A game button or an inline-mode message: nothing of ours was pressed.
        return _ignored(update_id, user_id, "callback query without data")
    return InboundEvent(
        channel=CHANNEL,
        external_id=update_id,
        user_id=user_id,
        kind="button",
        payload=data,
        meta=meta,
    )


def _member_event(update_id: str, change: Any, allow_groups: bool) -> InboundEvent:
    if not isinstance(change, dict):
        raise PayloadError("update.my_chat_member must be a JSON object")
    chat_id, chat_type = _chat(change, "my_chat_member")
    if chat_type != PRIVATE_CHAT:
        return _ignored(update_id, chat_id, f"membership change in a {chat_type} chat")

    new_member = require(change, "new_chat_member", dict, "my_chat_member")
    status = new_member.get("status")
    payload = {"kicked": "blocked", "member": "unblocked"}.get(str(status))
    if payload is None:
        return _ignored(update_id, chat_id, f"membership status {status}")
    return InboundEvent(
        channel=CHANNEL,
        external_id=update_id,
        user_id=chat_id,
        kind="reachability",
        payload=payload,
        occurred_at=from_unix(change.get("date")),
    )


def normalise_command(value: str, entities: list[Any]) -> tuple[str, str]:
    """Strip the ``@botname`` suffix of a leading bot command and return its name.

    ``/start@salon_bot ref`` becomes ``/start ref`` with command ``start``. Entity
    offsets count UTF-16 code units, so they are converted before slicing.
    """
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") != "bot_command":
            continue
        offset, length = entity.get("offset"), entity.get("length")
        if offset != 0 or not isinstance(length, int):
            continue
        end = utf16_to_index(value, length)
        command = value[:end].split("@", 1)[0]
        return command + value[end:], command.lstrip("/").lower()
    return value, ""


def entity_text(value: str, entity: dict[str, Any]) -> str:
    """Return the part of ``value`` an entity covers, converting its UTF-16 offsets."""
    start = utf16_to_index(value, int(entity.get("offset", 0)))
    end = utf16_to_index(value, int(entity.get("offset", 0)) + int(entity.get("length", 0)))
    return value[start:end]
