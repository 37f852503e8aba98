"""Read one client message for the booking dialogue: payloads, fields and intents.

Button presses arrive as their payload text (``service:2``, ``confirm:yes``,
``time:<ISO start>``, ``change:name``), so each field is read from a payload first
and from free text second.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from leadgate.config.bundle import Dialogue, Service
from leadgate.dialogue.services import SERVICE_PAYLOAD, find_service, service_from_payload
from leadgate.dialogue.when import When, parse_when
from leadgate.dialogue.words import fold, lemmas, tokens, words

CONFIRM_YES = "confirm:yes"
CONFIRM_NO = "confirm:no"
TIME_PAYLOAD = "time:"
CHANGE_PAYLOAD = "change:"

_YES = frozenset(
    "да ок окей ok okay yes верно подтверждаю записывайте записать давайте хорошо "
    "подходит устраивает конечно ага угу отлично согласен согласна".split()
)
_NO = frozenset("нет неверно изменить поменять исправить изменение другое no change".split())
_NEGATED = re.compile(r"\bне\s+(?:так|верно|подходит|устраивает|то)\b")
_INTENT = frozenset(
    "записаться записать запись записывать записываться забронировать бронь book".split()
)
_GREETING = frozenset("здравствуйте здравствуй привет добрый hello hi".split())
_THANKS = frozenset("спасибо благодарю спс thanks thank".split())
_QUESTION = frozenset("сколько где когда как какой почем ли можно есть".split())
_CHANGE_WORDS = {
    "service": frozenset({"услуга", "процедура", "service"}),
    "datetime": frozenset({"время", "дата", "день", "число", "date", "time"}),
    "name": frozenset({"имя", "name"}),
    "phone": frozenset({"телефон", "номер", "phone", "number"}),
    "for_whom": frozenset({"кто", "whom"}),
}


@dataclass(frozen=True)
class Reading:
    """The fields, intents and payload in one message, before any check against the schedule."""

    service: Service | None = None
    when: When | None = None
    proposal_start: dt.datetime | None = None
    name: str = ""
    phone: str = ""
    yes: bool = False
    no: bool = False
    change: str = ""
    intent: bool = False
    greeting: bool = False
    thanks: bool = False
    question: bool = False
    button: bool = False

    @property
    def has_booking_data(self) -> bool:
        """Whether the message gives a booking field (service, time, name or phone)."""
        return bool(self.service or self.when or self.proposal_start or self.name or self.phone)


def read_message(text: str, now: dt.datetime, dialogue: Dialogue) -> Reading:
    """Read ``text`` (redacted, or a button payload) against the bundle's services."""
    stripped = text.strip()
    if stripped in (CONFIRM_YES, CONFIRM_NO):
        return Reading(yes=stripped == CONFIRM_YES, no=stripped == CONFIRM_NO, button=True)
    if stripped.startswith(CHANGE_PAYLOAD):
        return Reading(change=stripped.removeprefix(CHANGE_PAYLOAD), button=True)
    if stripped.startswith(TIME_PAYLOAD):
        start = _parse_start(stripped.removeprefix(TIME_PAYLOAD), now)
        return Reading(proposal_start=start, button=True)
    if stripped.startswith(SERVICE_PAYLOAD):
        return Reading(service=service_from_payload(stripped, dialogue), button=True)

    word_set = set(words(text))
    lemma_set = set(lemmas(text))
    no = bool(word_set & _NO) or bool(_NEGATED.search(fold(text)))
    return Reading(
        service=find_service(stripped, dialogue),
        when=parse_when(text, now),
        name=next(iter(tokens(text, "NAME")), ""),
        phone=next(iter(tokens(text, "PHONE")), ""),
        yes=bool(word_set & _YES) and not no,
        no=no,
        change=_change_field(lemma_set),
        intent=bool(lemma_set & _INTENT),
        greeting=bool(word_set & _GREETING),
        thanks=bool(word_set & _THANKS),
        question="?" in text or bool(word_set & _QUESTION),
    )


def _change_field(lemma_set: set[str]) -> str:
    return next((field for field, names in _CHANGE_WORDS.items() if lemma_set & names), "")


def _parse_start(value: str, now: dt.datetime) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if start.tzinfo is None:
        return None
    return start.astimezone(now.tzinfo)
