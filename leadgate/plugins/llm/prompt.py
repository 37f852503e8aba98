"""The system prompt and chat messages that every LLM answerer sends.

The prompt is assembled from the bundle alone. It gives the business's public facts,
the price list with durations, opening hours, the FAQ, the tone and the current time
in the business's time zone. It states that vault tokens such as ``[PHONE_1]`` stand
for hidden data and must be copied exactly, and it describes the JSON reply. Its
wording lives in ``leadgate/locales/llm.yaml``, so a Russian conversation gets a
Russian prompt.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from leadgate.config.bundle import WEEKDAYS
from leadgate.core.components import AnswerRequest
from leadgate.locales import text
from leadgate.plugins.llm.slots import describe_slots

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat-completion request, before a provider's own encoding."""

    role: Role
    content: str


def build_messages(
    request: AnswerRequest, bundle: Any, *, json_in_prompt: bool = True
) -> list[ChatMessage]:
    """Build the system prompt, the redacted history and the client's new message.

    ``json_in_prompt`` adds the description of the JSON reply; an answerer that
    forces the format through a tool call leaves it to the tool's schema.
    """
    system = build_system_prompt(request, bundle, json_in_prompt=json_in_prompt)
    messages = [ChatMessage("system", system)]
    for turn in request.history:
        role: Role = "user" if turn.role == "client" else "assistant"
        messages.append(ChatMessage(role, turn.text))
    messages.append(ChatMessage("user", request.text))
    return messages


def build_system_prompt(request: AnswerRequest, bundle: Any, *, json_in_prompt: bool = True) -> str:
    """Assemble the system prompt for one request, in the request's locale."""
    locale = request.locale
    business = bundle.business
    dialogue = bundle.dialogue

    sections = [
        text("llm.prompt_role", locale, business=business.name),
        _business_facts(business, locale),
        _services(dialogue.services, locale),
        _hours(dialogue.hours, locale),
        _faq(dialogue.faq, locale),
        _now(request.now, locale),
        text("llm.prompt_tokens", locale),
        _booking_state(request, locale),
    ]
    if dialogue.tone:
        sections.append(text("llm.prompt_tone", locale, tone=dialogue.tone.strip()))
    if request.special:
        sections.append(text("llm.prompt_special", locale))
    if json_in_prompt:
        sections.append(text("llm.prompt_json", locale, example=_json_example()))
    return "\n\n".join(section for section in sections if section)


def _business_facts(business: Any, locale: str) -> str:
    lines = [text("llm.prompt_business", locale, name=business.name)]
    if business.address:
        lines.append(text("llm.prompt_address", locale, address=business.address))
    if business.phone:
        lines.append(text("llm.prompt_phone", locale, phone=business.phone))
    return "\n".join(lines)


def _services(services: tuple[Any, ...], locale: str) -> str:
    if not services:
        return ""
    lines = [text("llm.prompt_services", locale)]
    for service in services:
        minutes = int(service.duration.total_seconds() // 60)
        lines.append(
            text(
                "llm.prompt_service_line",
                locale,
                name=service.name,
                price=service.price,
                minutes=minutes,
            )
        )
    return "\n".join(lines)


def _hours(hours: Any, locale: str) -> str:
    lines = [text("llm.prompt_hours", locale)]
    for day in WEEKDAYS:
        span = hours.get(day)
        day_name = text(f"llm.weekday_{day}", locale)
        if span is None:
            lines.append(text("llm.prompt_day_closed", locale, day=day_name))
            continue
        opens, closes = span
        lines.append(
            text(
                "llm.prompt_day_open",
                locale,
                day=day_name,
                opens=opens.strftime("%H:%M"),
                closes=closes.strftime("%H:%M"),
            )
        )
    return "\n".join(lines)


def _faq(faq: tuple[Any, ...], locale: str) -> str:
    if not faq:
        return ""
    lines = [text("llm.prompt_faq", locale)]
    for entry in faq:
        lines.append(
            text(
                "llm.prompt_faq_entry",
                locale,
                question=entry.question.strip(),
                answer=entry.answer.strip(),
            )
        )
    return "\n".join(lines)


def _now(now: dt.datetime, locale: str) -> str:
    weekday = text(f"llm.weekday_{WEEKDAYS[now.weekday()]}", locale)
    return text(
        "llm.prompt_now",
        locale,
        date=now.strftime("%Y-%m-%d"),
        weekday=weekday,
        time=now.strftime("%H:%M"),
        offset=now.strftime("%z")[:3] + ":" + now.strftime("%z")[3:],
        zone=str(now.tzinfo),
    )


def _booking_state(request: AnswerRequest, locale: str) -> str:
    state = text("llm.prompt_slots", locale, slots=describe_slots(request.slots))
    if request.contact_phone_token:
        state += "\n" + text("llm.prompt_contact_phone", locale, token=request.contact_phone_token)
    return state


def _json_example() -> str:
    example = {
        "reply": "...",
        "slots": {
            "service": None,
            "visit_at": None,
            "name": None,
            "phone": None,
            "awaiting": None,
        },
        "booking_confirmed": False,
    }
    return json.dumps(example, ensure_ascii=False)
