"""The booking state that answerers return in ``Answer.slots``, and a slot extractor.

Every value is a string. Public keys, which the pipeline reads:

- ``service``: a service name exactly as the bundle spells it;
- ``visit_at``: the visit start, ISO 8601 with the business timezone's offset;
- ``name``: a ``[NAME_n]`` vault token, ``phone``: a ``[PHONE_n]`` vault token (never a
  clear value: answerers only see redacted text);
- ``for_whom``: for a children's service only, the client's redacted reply to the
  bundle's ``for_whom`` question («для дочки [NAME_2]»);
- ``awaiting``: the step the last reply asked for, one of :data:`AWAITING_VALUES`.
  The pipeline reads ``name`` to tokenise a short reply as a name, and ``phone`` to
  report a missing phone.

Keys starting with ``_`` belong to the answerer that wrote them; the pipeline stores
them and passes them back unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from leadgate.config.bundle import Dialogue
from leadgate.dialogue.schedule import resolve
from leadgate.dialogue.services import find_service
from leadgate.dialogue.when import parse_when
from leadgate.dialogue.words import TOKEN, tokens

logger = logging.getLogger(__name__)

SERVICE = "service"
VISIT_AT = "visit_at"
NAME = "name"
PHONE = "phone"
FOR_WHOM = "for_whom"
AWAITING = "awaiting"

STEPS = ("service", "datetime", "name", "phone")
"""The booking steps every booking goes through, in the order the dialogue asks them."""

CHILDREN_STEPS = ("service", "for_whom", "datetime", "name", "phone")
"""The steps of a booking for a children's service, which asks whom it is for."""

AWAITING_VALUES = ("", *CHILDREN_STEPS, "confirm")
"""Every value ``awaiting`` may take; empty means no booking is in progress."""

DAY = "_day"
"""A day the client named without a time (ISO date), waiting for the time."""

PROPOSED = "_proposed"
"""A start the dialogue proposed instead of the requested one (ISO 8601)."""

CHANGING = "_changing"
"""Set to ``"1"`` after the client declined the summary, while choosing what to change."""


def extract_slots(text: str, now: dt.datetime, dialogue: Dialogue) -> dict[str, str]:
    """Return the booking fields ``text`` gives outright, for an answerer's fallback.

    ``text`` is redacted; ``now`` is aware, in the business timezone. Returns any of
    ``service``, ``visit_at`` (only a named time that fits the opening hours, the slot
    grid and the booking horizon, never the first slot of «вечером» and the like),
    ``name`` and ``phone`` (the first token of each kind).
    An LLM answerer uses this when a model's reply is not valid JSON.
    """
    found: dict[str, str] = {}

    service = find_service(text, dialogue)
    if service is not None:
        found[SERVICE] = service.name

    when = parse_when(text, now)
    if when is not None:
        duration = service.duration if service else dt.timedelta(minutes=dialogue.slot_minutes)
        check = resolve(when, duration, now, dialogue)
        if check.start is not None and not check.from_window:
            found[VISIT_AT] = check.start.isoformat()

    for key, category in ((NAME, "NAME"), (PHONE, "PHONE")):
        values = tokens(text, category)
        if values:
            found[key] = values[0]
    return found


def clean_state(state: Mapping[str, str], now: dt.datetime, dialogue: Dialogue) -> dict[str, str]:
    """Return a copy of ``state`` without values the scripted dialogue cannot use.

    The state may come from another answerer (an LLM answerer before the client
    declined it) or from a bundle whose services changed since. These values are
    dropped: a service the bundle no longer lists, and a time that is not ISO 8601
    with an offset. So are a name or phone that is not a vault token, an unknown
    ``awaiting`` step, and a day without a time that has already passed. The
    dialogue then asks for the dropped field again.
    """
    cleaned = {str(key): str(value) for key, value in state.items()}
    checks = {
        SERVICE: lambda value: any(service.name == value for service in dialogue.services),
        VISIT_AT: _is_aware_iso,
        PROPOSED: _is_aware_iso,
        DAY: lambda value: _is_future_day(value, now),
        NAME: lambda value: TOKEN.fullmatch(value) is not None,
        PHONE: lambda value: TOKEN.fullmatch(value) is not None,
        AWAITING: lambda value: value in AWAITING_VALUES,
    }
    for key, is_valid in checks.items():
        if key in cleaned and not is_valid(cleaned[key]):
            # Only the key is logged: the value may be a token or free text.
            logger.info("dropped unusable booking slot %s", key)
            del cleaned[key]
    return cleaned


def _is_aware_iso(value: str) -> bool:
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_future_day(value: str, now: dt.datetime) -> bool:
    try:
        return dt.date.fromisoformat(value) >= now.date()
    except ValueError:
        return False
