"""The addresses detector: street, house and flat in the ways clients write them."""

from __future__ import annotations

import pytest

from leadgate.plugins.redaction.addresses import AddressDetector

DETECTOR = AddressDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("живу ул. Ленина, д. 5, кв. 12", [("ул. Ленина, д. 5, кв. 12", "ул ленина 5 кв 12")]),
        ("улица Карла Маркса 48-15", [("улица Карла Маркса 48-15", "ул карла маркса 48 15")]),
        ("пр-т Мира 10", [("пр-т Мира 10", "пр мира 10")]),
        ("проспект Свободный, 28 кв 3", [("проспект Свободный, 28 кв 3", "пр свободный 28 кв 3")]),
        ("ул ленина 5 кв 12 приду в 10", [("ул ленина 5 кв 12", "ул ленина 5 кв 12")]),
        ("дом 5 квартира 12", [("дом 5 квартира 12", "5 кв 12")]),
        ("адрес: Ленина 5-12", [("Ленина 5-12", "ленина 5 12")]),
        ("ул. 9 Мая 12", [("ул. 9 Мая 12", "ул 9 мая 12")]),
        ("мкр Солнечный, 5.", [("мкр Солнечный, 5", "мкр солнечный 5")]),
    ],
    ids=[
        "abbreviated",
        "two-word-street-flat-dash",
        "prospekt-abbreviation",
        "prospekt-with-flat",
        "lower-case",
        "house-and-flat-only",
        "after-address-word",
        "numbered-street",
        "district-trailing-dot",
    ],
)
def test_addresses_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "перенесите приём с 12.01 на 14.01",
        "Вы где находитесь? на какой улице?",
        "в доме 5 этаж 2",
        "пересчитайте пожалуйста 3 раза",
    ],
    ids=[
        "verb-starting-with-per",
        "question-about-street",
        "house-without-flat",
        "another-per-word",
    ],
)
def test_address_lookalikes_ignored(text: str) -> None:
    assert found(text) == []


def test_address_spellings_share_canonical_form() -> None:
    spellings = ["улица Ленина, дом 5, квартира 12", "ул. Ленина д. 5 кв. 12", "ул ленина 5 кв 12"]

    canonicals = {DETECTOR.detect(text)[0].canonical for text in spellings}

    assert canonicals == {"ул ленина 5 кв 12"}
