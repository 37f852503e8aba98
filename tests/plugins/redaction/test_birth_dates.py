"""The birth_dates detector: dates after a birth cue or long in the past."""

from __future__ import annotations

import datetime as dt

import pytest

from leadgate.plugins.redaction.birth_dates import BirthDateDetector

DETECTOR = BirthDateDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("дата рождения 12.03.1990", [("12.03.1990", "1990-03-12")]),
        ("д.р. 12.03.90", [("12.03.90", "1990-03-12")]),
        ("др 01.02.05", [("01.02.05", "2005-02-01")]),
        ("родилась 5 мая 1988", [("5 мая 1988", "1988-05-05")]),
        ("ребенку 2015 г. р.", [("2015", "2015")]),
        ("Дата рождения: 1985", [("1985", "1985")]),
        ("день рождения 12 марта, скидка будет?", [("12 марта", "--03-12")]),
        ("д/р 24/10/1996", [("24/10/1996", "1996-10-24")]),
        ("Комарова Татьяна, 24/10/1996", [("24/10/1996", "1996-10-24")]),
        ("Иванова Анна 28 апреля 1975", [("28 апреля 1975", "1975-04-28")]),
    ],
    ids=[
        "full-date-after-cue",
        "short-year",
        "short-year-this-century",
        "month-word",
        "year-before-mark",
        "year-after-cue",
        "birthday-without-year",
        "slashes",
        "long-ago-date-without-cue",
        "long-ago-month-word-without-cue",
    ],
)
def test_birth_dates_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_appointment_dates_and_ages_ignored() -> None:
    this_year = dt.date.today().year
    texts = [
        f"приду 12.03.{this_year}",
        f"запись на 5 мая {this_year + 1}",
        "мне 35 лет",
        "акция 12.12–15.12",
        "в 10:00",
    ]

    assert [found(text) for text in texts] == [[]] * len(texts)


def test_impossible_dates_ignored() -> None:
    assert found("дата рождения 45.13.1990") == []
    assert found("д.р. 12.00.1990") == []
