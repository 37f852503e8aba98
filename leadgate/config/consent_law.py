"""Checks that a consent text contains what 152-FZ art. 9 part 4 requires.

A consent to processing must name the operator (name, address, INN), the purpose,
the personal data, the actions with it, the processors who receive it (or say that
nobody does), how long the consent lasts and how to withdraw it. A chat consent must
not ask for passport details.

The check is a heuristic over Russian wording. Values from the bundle (operator,
address, INN, each processor) must appear in the text as written, ignoring case,
``ё``/``е``, quote style and line breaks. The other elements are found by word stems:

- purpose: a word starting with ``цел`` (цель, целях);
- each data category by its Russian name (``имя``/``ФИО``, ``телефон``, ``почт``...);
- actions: at least two action stems (сбор, запись, хранение, использование...);
- no processors: a negated form of ``передавать`` (``не передаются``);
- validity: ``срок``, ``действует`` or ``до отзыва``;
- withdrawal: ``отзыв`` or ``отозвать``, not counting ``до отзыва``, which states validity;
- passport: ``паспорт`` is rejected unless its sentence has ``не`` or ``без``.

A text in another language fails the stem checks: a lawyer-approved Russian text is
expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "ё": "е"})

_CATEGORY_STEMS = {
    "name": r"\bим(я|ени)\b|\bфио\b|фамили",
    "phone": r"телефон",
    "email": r"почт|e-?mail",
    "birth_date": r"дат\w*\s+рождени",
    "address": r"адрес",
    "channel_id": r"идентификатор|аккаунт|учетн\w*\s+запис",
    "message_text": r"сообщени|переписк",
}
_ACTION_STEMS = (
    "сбор",
    "запис",
    "систематизац",
    "накоплен",
    "хранен",
    "уточнен",
    "извлечен",
    "использован",
    "передач",
    "обезличиван",
    "блокирован",
    "удален",
    "уничтожен",
)
_MIN_ACTIONS = 2
_PURPOSE = re.compile(r"\bцел")
_NO_TRANSFER = re.compile(r"\bне\s+(\w+\s+){0,2}переда")
_VALIDITY = re.compile(r"срок|действует|действительн|до\s+отзыва")
_WITHDRAWAL = re.compile(r"отзыв|отозва")
# «действует до его отзыва» states the validity, not how to withdraw, so it is taken out
# before the withdrawal element is looked for.
_UNTIL_WITHDRAWN = re.compile(r"до\s+(его\s+|её\s+|ее\s+)?отзыва")
_PASSPORT = re.compile(r"паспорт")
_NEGATION = re.compile(r"\b(не|без)\b")
_SENTENCE_END = re.compile(r"[.!?;]")


@dataclass(frozen=True)
class Missing:
    """One required element absent from a consent text; ``value`` names which one."""

    element: str
    value: str = ""


def normalise(text: str) -> str:
    """Fold case, ``ё``, quote style and runs of whitespace, for substring matching."""
    return re.sub(r"\s+", " ", text.lower().translate(_QUOTES)).strip()


def missing_elements(
    text: str,
    *,
    operator: str,
    address: str,
    inn: str,
    categories: Sequence[str],
    processors: Sequence[str],
) -> list[Missing]:
    """Return the art. 9 part 4 elements that ``text`` lacks, in the law's order."""
    body = normalise(text)
    missing = [
        Missing(element, value)
        for element, value in (("operator", operator), ("address", address), ("inn", inn))
        if normalise(value) not in body
    ]
    if not _PURPOSE.search(body):
        missing.append(Missing("purpose"))
    missing.extend(
        Missing("category", category)
        for category in categories
        if category in _CATEGORY_STEMS and not re.search(_CATEGORY_STEMS[category], body)
    )
    if sum(1 for stem in _ACTION_STEMS if stem in body) < _MIN_ACTIONS:
        missing.append(Missing("actions"))
    missing.extend(_missing_processors(body, processors))
    if not _VALIDITY.search(body):
        missing.append(Missing("validity"))
    if not _WITHDRAWAL.search(_UNTIL_WITHDRAWN.sub(" ", body)):
        missing.append(Missing("withdrawal"))
    return missing


def _missing_processors(body: str, processors: Sequence[str]) -> list[Missing]:
    if not processors:
        return [] if _NO_TRANSFER.search(body) else [Missing("no_transfer")]
    return [Missing("processor", name) for name in processors if normalise(name) not in body]


def asks_for_passport(text: str) -> bool:
    """Return whether ``text`` mentions a passport in a sentence that does not negate it."""
    body = normalise(text)
    for match in _PASSPORT.finditer(body):
        start = 0
        for end in _SENTENCE_END.finditer(body, 0, match.start()):
            start = end.end()
        following = _SENTENCE_END.search(body, match.end())
        stop = following.start() if following else len(body)
        sentence = body[start:stop]
        if not _NEGATION.search(sentence):
            return True
    return False
