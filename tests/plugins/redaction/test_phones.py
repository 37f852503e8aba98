"""The phones detector: Russian spellings, international numbers and look-alikes that are not phones."""

from __future__ import annotations

import pytest

from leadgate.core.components import PHONE
from leadgate.plugins.redaction.phones import PhoneDetector

DETECTOR = PhoneDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("мой номер 89130000001", [("89130000001", "+79130000001")]),
        ("+7 913 000-00-01", [("+7 913 000-00-01", "+79130000001")]),
        ("8 (913) 000-00-01 звоните", [("8 (913) 000-00-01", "+79130000001")]),
        ("8-913-000-00-01", [("8-913-000-00-01", "+79130000001")]),
        ("8.913.000.00.01", [("8.913.000.00.01", "+79130000001")]),
        ("тел 913 000 00 01", [("913 000 00 01", "+79130000001")]),
        ("звоните89130000001", [("89130000001", "+79130000001")]),
        ("89130000001звоните", [("89130000001", "+79130000001")]),
        ("tel:+79130000001", [("+79130000001", "+79130000001")]),
        ("https://wa.me/79130000001?text=hi", [("79130000001", "+79130000001")]),
        ("8 (391) 234-56-78", [("8 (391) 234-56-78", "+73912345678")]),
        ("(391) 234-56-78", [("(391) 234-56-78", "+73912345678")]),
        ("+7 391 2345678", [("+7 391 2345678", "+73912345678")]),
        ("3912345678", [("3912345678", "+73912345678")]),
        ("8 800 555-35-35", [("8 800 555-35-35", "+78005553535")]),
        ("+49 151 23456789", [("+49 151 23456789", "+4915123456789")]),
        ("+998 90 123 45 67", [("+998 90 123 45 67", "+998901234567")]),
        ("+44 20 7946 0958", [("+44 20 7946 0958", "+442079460958")]),
        ("стоит 1500 89130000001", [("89130000001", "+79130000001")]),
        ("8 - 913 - 000 - 00 - 01", [("8 - 913 - 000 - 00 - 01", "+79130000001")]),
        (
            "8\u00a0913\u00a0000\u00a000\u00a001",
            [("8\u00a0913\u00a0000\u00a000\u00a001", "+79130000001")],
        ),
        ("+7 (999) 000-00-00", [("+7 (999) 000-00-00", "+79990000000")]),
    ],
    ids=[
        "eight-bare",
        "plus-seven-spaced",
        "brackets",
        "dashes",
        "dots",
        "ten-digit-mobile",
        "glued-after-word",
        "glued-before-word",
        "tel-link",
        "whatsapp-link",
        "krasnoyarsk-with-eight",
        "krasnoyarsk-bracketed-code",
        "krasnoyarsk-plus-seven",
        "krasnoyarsk-bare",
        "toll-free",
        "germany",
        "uzbekistan",
        "uk",
        "after-price",
        "spaced-dashes",
        "non-breaking-spaces",
        "invalid-range-still-phone-shaped",
    ],
)
def test_phone_spellings_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "приду 15.12.2026",
        "работаем 10:00-20:00",
        "стоимость 1 500 руб",
        "акция 12.12–15.12",
        "с 10 до 18",
        "заказ 89130000001",
        "трек-номер 80081234567890",
        "маникюр 2 500 - 3 000 р",
        "15.12.2026 10:00",
        "12.12.2026-15.12.2026",
        "мне 35 лет, рост 170, вес 60",
        "абонемент на 12 занятий 9 900 руб",
        "ИНН 7707083893",
    ],
    ids=[
        "date",
        "hours",
        "price",
        "date-range",
        "spoken-hours",
        "order-number",
        "tracking-number",
        "price-range",
        "date-time",
        "full-date-range",
        "age-height-weight",
        "membership-price",
        "inn-context",
    ],
)
def test_phone_lookalikes_ignored(text: str) -> None:
    assert found(text) == []


def test_phone_two_numbers_in_one_message_found_apart() -> None:
    text = "8 913 000 00 01 или 8 913 000 00 02"

    spans = DETECTOR.detect(text)

    assert [span.canonical for span in spans] == ["+79130000001", "+79130000002"]
    assert all(span.category == PHONE for span in spans)


def test_phone_offsets_after_emoji_are_string_indices() -> None:
    text = "😀👍🏽 звоните 89130000001"

    spans = DETECTOR.detect(text)

    assert text[spans[0].start : spans[0].end] == "89130000001"
