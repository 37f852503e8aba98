"""Phone numbers, in every way Russian clients write them; canonical form E.164.

Two passes find numbers. The first walks runs of digit groups joined by the usual
separators (spaces, dashes, dots, brackets). It takes any window of whole groups
shaped like a Russian number: eleven digits after +7, 7 or 8, or ten national digits
that are a 9xx mobile or a valid region RU number for phonenumbers (Krasnoyarsk's
391, say). An eleven-digit +7/8 number counts even when phonenumbers' range
tables call it invalid, because the tables lag behind new ranges. Digits glued to
words («звоните89130000001») and numbers inside ``tel:`` and ``wa.me/`` links are
found too. The second pass is phonenumbers' own ``PhoneNumberMatcher`` for region RU,
which adds international numbers (+49, +998...).

Dates, times, prices and ranges never make ten or eleven digits in whole groups, so
they are not matched; a bare digit run right after an order or tracking word
(«заказ», «трек»...) is taken for that number, not for a phone.
"""

from __future__ import annotations

import re

import phonenumbers

import leadgate
from leadgate.core.components import PHONE, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register

_GROUP = re.compile(r"\+?\d+")
# Separators between two digit groups of one number: "8 (913) 000-00-01",
# "913.000.00.01", "8 - 913". A colon is none, so times stay apart.
_GAP = re.compile(r"[ \u00a0]{0,2}[\-–.]?[ \u00a0]{0,2}\(?\)?[ \u00a0]{0,2}")
_NOT_PHONE_CONTEXT = re.compile(
    r"(заказ|трек|накладн|артикул|отправлени|квитанц|договор|order|tracking|инн|снилс|"
    r"полис|паспорт)[^\d]{0,20}$",
    re.IGNORECASE,
)
_MIN_DIGITS = 7


class PhoneDetector(Detector):
    """Finds phone numbers; the canonical form is E.164 (``+79130000001``)."""

    name = "phones"
    categories = (PHONE,)

    def detect(self, text: str) -> list[Span]:
        """Return the phone numbers in ``text``."""
        if sum(map(str.isdigit, text)) < _MIN_DIGITS:
            return []

        spans = []
        for chain in _chains(text):
            spans.extend(_phones_in_chain(text, chain))
        # The first pass finds every Russian number the matcher would, so the matcher
        # (about 0.1 ms) runs only for what it adds: numbers written with "+" and
        # texts where the first pass found nothing.
        if spans and "+" not in text and "＋" not in text:
            return spans
        for match in phonenumbers.PhoneNumberMatcher(text, "RU"):
            span = _span_from_match(text, match)
            if span is not None and not any(_overlaps(span, other) for other in spans):
                spans.append(span)
        return spans


def _chains(text: str) -> list[list[re.Match[str]]]:
    """Split the digit groups of ``text`` into runs joined by phone separators."""
    chains: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for group in _GROUP.finditer(text):
        if current:
            gap = text[current[-1].end() : group.start()]
            joined = not group.group().startswith("+") and _GAP.fullmatch(gap) is not None
            if not joined:
                chains.append(current)
                current = []
        current.append(group)
    if current:
        chains.append(current)
    return chains


def _phones_in_chain(text: str, chain: list[re.Match[str]]) -> list[Span]:
    spans = []
    index = 0
    while index < len(chain):
        best: tuple[int, str] | None = None
        digits = ""
        for last in range(index, len(chain)):
            digits += chain[last].group().lstrip("+")
            if len(digits) > 15:
                break
            canonical = _canonical(chain[index].group().startswith("+"), digits)
            if canonical is not None:
                best = (last, canonical)
        if best is None or _after_other_number_word(text, chain[index].start()):
            index += 1
            continue

        last, canonical = best
        start, end = chain[index].start(), chain[last].end()
        if text[start - 1 : start] == "(" and ")" in text[start:end]:
            start -= 1
        spans.append(Span(start, end, PHONE, canonical, detector="phones"))
        index = last + 1
    return spans


def _canonical(international: bool, digits: str) -> str | None:
    """Return the E.164 form of a window of digits, or ``None`` if it is no phone."""
    if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and not international)):
        return "+7" + digits[1:]
    if international:
        return _parsed("+" + digits, None)
    if len(digits) == 10:
        if digits[0] == "9":
            return "+7" + digits
        return _parsed(digits, "RU")
    return None


def _parsed(number: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _after_other_number_word(text: str, start: int) -> bool:
    return _NOT_PHONE_CONTEXT.search(text[max(0, start - 40) : start]) is not None


def _span_from_match(text: str, match: phonenumbers.PhoneNumberMatch) -> Span | None:
    if _after_other_number_word(text, match.start):
        return None
    canonical = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return Span(match.start, match.end, PHONE, canonical, detector="phones", score=0.9)


def _overlaps(first: Span, second: Span) -> bool:
    return first.start < second.end and second.start < first.end


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``phones`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="phones",
            factory=_create,
            writes=frozenset({PHONE}),
            description="Phone numbers in Russian and international spellings (phonenumbers)",
            default=True,
        )
    )


def _create(context: ComponentContext) -> PhoneDetector:
    return PhoneDetector()
