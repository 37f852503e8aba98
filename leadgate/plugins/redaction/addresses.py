"""Postal addresses down to the house and flat: «ул. Ленина, д. 5, кв. 12».

An address starts with a street word («ул.», «улица», «проспект», «мкр»...) followed
by a street name and a house number, or by a capitalised street name alone. A house
and flat pair («дом 5 кв 12») is an address too, and so is a street and house after
«адрес», «живу» or «проживаю». The
canonical form is the lower-case words and numbers with street words shortened, so
«улица Ленина, дом 5» and «ул ленина 5» get one token.
"""

from __future__ import annotations

import re

import leadgate
from leadgate.core.components import ADDRESS, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.plugins.redaction._ranges import union_ranges

_STREET_WORDS = {
    "ул": r"ул\.?|улиц[аеуы]|улицей",
    "пр": r"пр-к?т|просп\.?|проспект[аеу]?|пр\.",
    "пер": r"пер\.?|переул(?:ок|ке|ка)",
    "бул": r"б-р|бульвар[аеу]?",
    "ш": r"ш\.|шоссе",
    "наб": r"наб\.?|набережн(?:ая|ой|ую)",
    "пл": r"пл\.|площад(?:ь|и)",
    "мкр": r"мкр(?:н)?\.?|микрорайон[аеу]?",
    "пр-д": r"проезд[аеу]?",
    "тр": r"тракт[аеу]?",
}
_STREET = "|".join(f"(?:{pattern})" for pattern in _STREET_WORDS.values())
_NAME_WORD = r"(?:\d{1,3}(?:-?(?:го|й|я|ой))?\s+)?[А-Яа-яЁё][А-Яа-яЁё\-]*\.?"
_HOUSE = r"(?:д\.?|дом)?\s*\d{1,4}(?:\s?[а-дА-Д](?![а-яё]))?(?:/\d{1,4})?"
_PARTS = (
    r"(?:[,\s]*(?:к\.?|корп\.?|корпус|стр\.?|строение)\s*\d{1,3})?"
    r"(?:[,\s]*(?:кв\.?|квартира|кв-ра|оф\.?|офис)\s*\d{1,4}|-\d{1,4}(?!\d))?"
)

_WITH_STREET_WORD = re.compile(
    rf"(?<![А-Яа-яЁё])(?:{_STREET})(?![а-яё])\s*(?:{_NAME_WORD})(?:\s+{_NAME_WORD}){{0,2}}?"
    rf"[,\s]+{_HOUSE}(?!\d){_PARTS}",
    re.IGNORECASE,
)
_CAPITALISED_STREET = re.compile(
    rf"(?<![А-Яа-яЁё])(?i:{_STREET})(?![а-яё])\s*[А-ЯЁ][а-яё\-]+(?:\s+[А-ЯЁ][а-яё\-]+){{0,2}}",
)
_HOUSE_AND_FLAT = re.compile(
    r"(?<![А-Яа-яЁё])(?:д\.|дом)\s*\d{1,4}[а-д]?(?:/\d{1,4})?"
    r"[,\s]*(?:(?:к\.?|корп\.?|корпус)\s*\d{1,3}[,\s]*)?(?:кв\.?|квартира)\s*\d{1,4}",
    re.IGNORECASE,
)
_AFTER_CUE = re.compile(
    r"(?:адрес\w*|живу|проживаю|доставк\w*)[:\s]+(?:на\s+|по\s+)?"
    r"(?P<address>[А-ЯЁа-яё][а-яё\-]+(?:\s+[А-ЯЁа-яё][а-яё\-]+)?[,\s]+\d{1,4}[а-д]?(?:/\d{1,4})?"
    + _PARTS
    + ")",
    re.IGNORECASE,
)
_QUICK = re.compile(rf"(?<![А-Яа-яЁё])(?:{_STREET}|дом|д\.|адрес|живу|проживаю)", re.IGNORECASE)
_WORD_PREFIXES = (
    ("улиц", "ул"),
    ("просп", "пр"),
    ("пр-", "пр"),
    ("переул", "пер"),
    ("бульв", "бул"),
    ("б-р", "бул"),
    ("набережн", "наб"),
    ("площад", "пл"),
    ("микрорайон", "мкр"),
    ("мкрн", "мкр"),
    ("проезд", "пр-д"),
    ("тракт", "тр"),
    ("квартир", "кв"),
    ("кв-р", "кв"),
    ("корпус", "корп"),
    ("строени", "стр"),
)


class AddressDetector(Detector):
    """Finds street addresses with house and flat numbers."""

    name = "addresses"
    categories = (ADDRESS,)

    def detect(self, text: str) -> list[Span]:
        """Return the addresses in ``text``."""
        if _QUICK.search(text) is None:
            return []

        ranges = [match.span() for match in _WITH_STREET_WORD.finditer(text)]
        ranges += [match.span() for match in _CAPITALISED_STREET.finditer(text)]
        ranges += [match.span() for match in _HOUSE_AND_FLAT.finditer(text)]
        ranges += [match.span("address") for match in _AFTER_CUE.finditer(text)]
        spans = []
        for start, end in union_ranges(ranges):
            value = text[start:end].rstrip(" ,.")
            spans.append(
                Span(start, start + len(value), ADDRESS, canonical_address(value), "addresses")
            )
        return spans


def canonical_address(value: str) -> str:
    """Return one spelling for every way of writing one address."""
    words = re.findall(r"[а-яa-z][а-яa-z\-]*|\d+", value.lower().replace("ё", "е"))
    normal = [_normal_word(word) for word in words]
    return " ".join(word for word in normal if word not in ("д", "дом"))


def _normal_word(word: str) -> str:
    for prefix, short in _WORD_PREFIXES:
        if word.startswith(prefix):
            return short
    return word


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``addresses`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="addresses",
            factory=_create,
            writes=frozenset({ADDRESS}),
            description="Street addresses with house and flat numbers",
            default=True,
        )
    )


def _create(context: ComponentContext) -> AddressDetector:
    return AddressDetector()
