"""The emails detector: plain, internationalised and disguised addresses."""

from __future__ import annotations

import pytest

from leadgate.plugins.redaction.emails import EmailDetector

DETECTOR = EmailDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пишите ivan.petrov@mail.ru", [("ivan.petrov@mail.ru", "ivan.petrov@mail.ru")]),
        ("Ivan.Petrov@Mail.RU!", [("Ivan.Petrov@Mail.RU", "ivan.petrov@mail.ru")]),
        ("почта анна@пример.рф", [("анна@пример.рф", "анна@пример.рф")]),
        ("anna@xn--e1afmkfd.xn--p1ai", [("anna@xn--e1afmkfd.xn--p1ai", "anna@пример.рф")]),
        ("ivan [at] mail [dot] ru", [("ivan [at] mail [dot] ru", "ivan@mail.ru")]),
        ("ivan(at)mail.ru", [("ivan(at)mail.ru", "ivan@mail.ru")]),
        ("ivan собака mail.ru", [("ivan собака mail.ru", "ivan@mail.ru")]),
        ("ivan собака mail точка ru", [("ivan собака mail точка ru", "ivan@mail.ru")]),
        ("ivan＠mail.ru", [("ivan＠mail.ru", "ivan@mail.ru")]),
        ("ivan@mаil.ru", [("ivan@mаil.ru", "ivan@mail.ru")]),
        ("ｉｖａｎ@mail.ru", [("ｉｖａｎ@mail.ru", "ivan@mail.ru")]),
        ("ivan @ mail.ru", [("ivan @ mail.ru", "ivan@mail.ru")]),
        ("ivan+salon@gmail.com.", [("ivan+salon@gmail.com", "ivan+salon@gmail.com")]),
        (
            "почта:ivan_89130000001@yandex.ru",
            [("ivan_89130000001@yandex.ru", "ivan_89130000001@yandex.ru")],
        ),
    ],
    ids=[
        "plain",
        "mixed-case",
        "cyrillic-domain",
        "punycode",
        "bracketed-at-dot",
        "parenthesised-at",
        "sobaka",
        "sobaka-tochka",
        "full-width-at",
        "cyrillic-look-alike",
        "full-width-letters",
        "spaces-around-at",
        "plus-tag",
        "phone-inside-local-part",
    ],
)
def test_email_spellings_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "встретимся @ 10",
        "инстаграм @salon_krsk",
        "собака у меня аллергик",
        "скидка 20% на маникюр",
        "ivan@localhost",
    ],
    ids=["at-time", "instagram-handle", "dog", "percent", "no-top-level-domain"],
)
def test_email_lookalikes_ignored(text: str) -> None:
    assert found(text) == []


def test_email_offsets_after_emoji_are_string_indices() -> None:
    text = "💅🏻💅🏻 пишите на ivan@mail.ru"

    spans = DETECTOR.detect(text)

    assert text[spans[0].start : spans[0].end] == "ivan@mail.ru"
