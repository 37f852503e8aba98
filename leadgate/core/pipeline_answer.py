"""The answering steps of the pipeline: redact, answer, restore, and build the lead."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers

from leadgate.core.components import NAME, PHONE
from leadgate.core.store.tables import Message
from leadgate.core.vault import Vault
from leadgate.locales import text as t

if TYPE_CHECKING:
    from leadgate.core.pipeline import Pipeline, Work

# A reply to «Как вас зовут?» that is only letters, hyphens and spaces, at most three
# words: taken as the name even when the name detector missed it.
_NAME_REPLY = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё'\- ]{0,60}$")


async def respond(pipeline: Pipeline, work: Work, message: Message, text: str) -> None:
    """Answer one consented message and record the reply, new state and any lead."""
    from leadgate.core.pipeline import Reply, answer_request, ask

    if message.kind in ("media", "location"):
        work.replies.append(Reply(text=t("consent.media_only", pipeline.locale)))
        work.processed.append(message)
        return

    vault = pipeline.new_vault(work)
    contact_token = _contact_token(vault, work, message)
    if message.kind == "button":
        text = message.payload
    redacted, withheld = _redact(pipeline, work, vault, text)
    work.redacted[message.id or 0] = (redacted, "health" in withheld)

    request = answer_request(pipeline, work, redacted, withheld, contact_token)
    answer = await ask(pipeline, work, request)
    restored = pipeline.redactor.restore(answer.text, vault)

    # An answerer may reset the slots for the next booking in the same answer that
    # confirms this one, so the lead is built from the slots as they stood before it.
    booked_slots = {
        **work.state.slots,
        **{key: value for key, value in answer.slots.items() if value},
    }
    work.state.remember("client", redacted)
    work.state.remember("assistant", answer.text)
    work.state.slots = dict(answer.slots)
    work.state.vault = vault.to_dict()
    work.replies.append(
        Reply(
            text=restored.text,
            buttons=tuple(answer.buttons),
            request_contact=answer.request_contact,
            keep_whole=restored.keep_whole,
        )
    )
    work.processed.append(message)
    if answer.booking_confirmed:
        work.lead = lead_fields(pipeline, work, vault, booked_slots)
        work.state.booking_seq += 1


def _redact(pipeline: Pipeline, work: Work, vault: Vault, text: str) -> tuple[str, frozenset[str]]:
    result = pipeline.redactor.redact(text, vault)
    redacted = result.text
    awaiting_name = work.state.slots.get("awaiting") == "name"
    found_name = any(token.startswith("[NAME") for token in result.tokens)
    if awaiting_name and not found_name and not result.tokens and _NAME_REPLY.match(text.strip()):
        if len(text.split()) <= 3:
            original = text.strip()
            redacted = vault.add(NAME, original.lower().replace("ё", "е"), original)
    return redacted, frozenset(result.withheld)


def _contact_token(vault: Vault, work: Work, message: Message) -> str:
    """Put a phone shared through a channel's contact button into the vault."""
    if message.kind != "contact" or message.id != work.message.id:
        return ""
    phone = work.meta.get("contact_phone", "")
    if not phone:
        return ""
    return vault.add(PHONE, to_e164(phone), phone)


def to_e164(phone: str) -> str:
    """Return ``phone`` in E.164, reading it as a Russian number when it has no country code."""
    candidate = phone if phone.startswith("+") or phone.startswith("8") else f"+{phone}"
    try:
        parsed = phonenumbers.parse(candidate, "RU")
    except phonenumbers.NumberParseException:
        return "+" + re.sub(r"\D", "", phone)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def lead_fields(
    pipeline: Pipeline, work: Work, vault: Vault, slots: dict[str, str]
) -> dict[str, str]:
    """Collect the booking's values and keep only the fields the bundle sends to its CRM."""
    service = next(
        (item for item in pipeline.bundle.dialogue.services if item.name == slots.get("service")),
        None,
    )
    values = {
        "name": vault.value(slots.get("name", "")) or "",
        "phone": vault.canonical(slots.get("phone", "")) or "",
        "email": vault.value(slots.get("email", "")) or "",
        "service": slots.get("service", ""),
        "visit_at": slots.get("visit_at", ""),
        "price": str(service.price) if service else "",
        "channel": work.conversation.channel,
    }
    return {name: values[name] for name in pipeline.bundle.crm.fields if values.get(name)}
