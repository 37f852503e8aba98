"""The structured output an LLM answerer requests from the model, and its validation.

The model returns one JSON object: the reply to the client, the booking slots it read
from the conversation and whether the client confirmed the booking. Pydantic checks
the shape; :func:`build_answer` then checks the values against the bundle and the
request, so that a model can neither book an unknown service nor put a value it
invented (rather than a vault token it was shown) into a personal slot.

Slot keys are those of ``leadgate.dialogue.slots``: ``service`` (a service name from
the bundle), ``visit_at`` (ISO 8601 with the business's UTC offset), ``name`` and
``phone`` (vault tokens such as ``[NAME_1]``) and ``awaiting`` (the step the reply
asks for). Keys starting with ``_`` belong to the answerer that wrote them and are
passed back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leadgate.core.components import Answer, AnswerRequest
from leadgate.dialogue import slots as dialogue_slots
from leadgate.errors import RetryableError
from leadgate.locales import text

logger = logging.getLogger(__name__)

SLOT_KEYS = (
    dialogue_slots.SERVICE,
    dialogue_slots.VISIT_AT,
    dialogue_slots.NAME,
    dialogue_slots.PHONE,
    dialogue_slots.AWAITING,
)
REQUIRED_FOR_BOOKING = SLOT_KEYS[:4]

TOKEN_PATTERN = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")
"""A vault token as the redactor writes it: ``[PHONE_1]``, ``[BIRTH_DATE_2]``."""


class ModelSlots(BaseModel):
    """The booking slots as the model reports them; absent or null means unknown."""

    model_config = ConfigDict(extra="ignore")

    service: str | None = None
    visit_at: dt.datetime | None = None
    name: str | None = None
    phone: str | None = None
    awaiting: str | None = None

    @field_validator("service", "name", "phone", "awaiting", mode="before")
    @classmethod
    def _blank_to_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value


class ModelOutput(BaseModel):
    """The whole JSON object the model must return."""

    model_config = ConfigDict(extra="ignore")

    reply: str = Field(min_length=1, description="The message to send to the client.")
    slots: ModelSlots = Field(default_factory=ModelSlots)
    booking_confirmed: bool = Field(
        default=False, description="True once the client confirmed every booking detail."
    )


def output_json_schema() -> dict[str, Any]:
    """Return the JSON schema of :class:`ModelOutput`, for tool calls and JSON modes."""
    return ModelOutput.model_json_schema()


def answer_from_model_text(
    content: str, request: AnswerRequest, bundle: Any, answered_by: str
) -> Answer:
    """Turn the model's message into an :class:`Answer`.

    A valid JSON object gives the reply and the slots. A plain-text message, or a
    JSON object whose reply is sound but whose slots are not, is sent as the reply
    and the slots come from the scripted extractor. An empty message, broken JSON or
    JSON without a reply raises ``RetryableError``, so the pipeline answers with the
    scripted dialogue.

    A JSON object wrapped in a Markdown code fence is accepted, since small local
    models often add one even in JSON mode.
    """
    stripped = _strip_code_fence(content.strip())
    if not stripped:
        raise _invalid_output(answered_by)

    try:
        data = json.loads(stripped)
    except ValueError:
        if stripped.startswith("{"):
            raise _invalid_output(answered_by) from None
        return fallback_answer(stripped, request, bundle, answered_by)

    if not isinstance(data, dict):
        raise _invalid_output(answered_by)
    try:
        output = ModelOutput.model_validate(data)
    except ValidationError:
        reply = data.get("reply")
        if isinstance(reply, str) and reply.strip():
            return fallback_answer(reply, request, bundle, answered_by)
        raise _invalid_output(answered_by) from None
    return build_answer(output, request, bundle, answered_by)


def _invalid_output(service: str) -> RetryableError:
    return RetryableError(text("llm.invalid_output", None, service=service))


def _strip_code_fence(content: str) -> str:
    match = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", content, flags=re.DOTALL)
    return match.group(1) if match else content


def known_tokens(request: AnswerRequest) -> set[str]:
    """Collect the vault tokens the model was shown, so its reply may use only these."""
    sources: list[str] = [request.text, request.contact_phone_token]
    sources.extend(turn.text for turn in request.history)
    sources.extend(str(value) for value in request.slots.values())
    return {token for source in sources for token in TOKEN_PATTERN.findall(source)}


def check_reply_tokens(reply: str, request: AnswerRequest, service: str) -> None:
    """Raise ``RetryableError`` when ``reply`` has a token the model was never shown.

    Such a token cannot be restored, so the client would see ``[PHONE_7]``; the
    pipeline answers with the scripted dialogue instead.
    """
    unknown = set(TOKEN_PATTERN.findall(reply)) - known_tokens(request)
    if unknown:
        raise RetryableError(text("llm.unknown_token", None, service=service, count=len(unknown)))


def build_answer(
    output: ModelOutput, request: AnswerRequest, bundle: Any, answered_by: str
) -> Answer:
    """Turn validated model output into an :class:`Answer`, keeping only sound slots."""
    check_reply_tokens(output.reply, request, answered_by)
    slots = dict(request.slots)
    slots.update(_valid_slots(output.slots, request, bundle))
    if not slots.get("phone") and request.contact_phone_token:
        slots["phone"] = request.contact_phone_token

    confirmed = output.booking_confirmed and _booking_complete(slots)
    if output.booking_confirmed and not confirmed:
        logger.info("%s reported a confirmed booking with missing slots; ignored", answered_by)
    return Answer(
        text=output.reply.strip(),
        slots=slots,
        booking_confirmed=confirmed,
        answered_by=answered_by,
    )


def fallback_answer(reply: str, request: AnswerRequest, bundle: Any, answered_by: str) -> Answer:
    """Build an answer from a plain-text reply, reading slots with the scripted extractor."""
    check_reply_tokens(reply, request, answered_by)
    slots = dict(request.slots)
    slots.update(_extract_with_scripted(request, bundle))
    return Answer(text=reply.strip(), slots=slots, answered_by=answered_by)


def _extract_with_scripted(request: AnswerRequest, bundle: Any) -> dict[str, str]:
    extracted = dialogue_slots.extract_slots(request.text, request.now, bundle.dialogue)
    return {key: value for key, value in extracted.items() if value}


def _valid_slots(slots: ModelSlots, request: AnswerRequest, bundle: Any) -> dict[str, str]:
    valid: dict[str, str] = {}
    service = _match_service(slots.service, bundle.dialogue.services)
    if service:
        valid["service"] = service

    visit_at = _normalise_visit(slots.visit_at, request.now)
    if visit_at:
        valid["visit_at"] = visit_at

    tokens = known_tokens(request)
    for key in ("name", "phone"):
        value = getattr(slots, key)
        # Only a token the model was shown is kept: anything else is a value the
        # model made up, which must never reach a lead.
        if value and value.strip() in tokens:
            valid[key] = value.strip()

    if slots.awaiting in dialogue_slots.AWAITING_VALUES:
        valid["awaiting"] = slots.awaiting
    return valid


def _match_service(name: str | None, services: Iterable[Any]) -> str | None:
    if not name:
        return None
    requested = _fold(name)
    for service in services:
        spellings = (service.name, *service.aliases)
        if any(_fold(spelling) == requested for spelling in spellings):
            return str(service.name)
    return None


def _fold(value: str) -> str:
    return " ".join(value.lower().replace("ё", "е").split())


def _normalise_visit(visit_at: dt.datetime | None, now: dt.datetime) -> str | None:
    if visit_at is None:
        return None

    # A naive time from the model means the business's local time, which ``now``
    # carries; an aware one is converted to it.
    if visit_at.tzinfo is None:
        visit_at = visit_at.replace(tzinfo=now.tzinfo)
    else:
        visit_at = visit_at.astimezone(now.tzinfo)

    if visit_at <= now:
        return None
    return visit_at.isoformat()


def _booking_complete(slots: Mapping[str, str]) -> bool:
    return all(slots.get(key) for key in REQUIRED_FOR_BOOKING)


def describe_slots(slots: Mapping[str, str]) -> str:
    """Render the booking state for the prompt, as compact JSON."""
    return json.dumps({key: slots.get(key) for key in SLOT_KEYS}, ensure_ascii=False)
