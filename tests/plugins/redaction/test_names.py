"""The names detector: spellings, cases, diminutives, initials and words that only look like names."""

from __future__ import annotations

import pytest

from leadgate.plugins.redaction.names import NameDetector

DETECTOR = NameDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Меня зовут Анна", [("Анна", "анна")]),
        ("меня зовут катя иванова", [("катя иванова", "катя иванова")]),
        ("ЗАПИШИТЕ МАРИНУ СИДОРОВУ НА ЗАВТРА", [("МАРИНУ СИДОРОВУ", "марина сидорова")]),
        ("Запишите Сидоровой Анне на маникюр", [("Сидоровой Анне", "сидорова анна")]),
        (
            "справка на Петрову Анну Сергеевну",
            [("Петрову Анну Сергеевну", "петрова анна сергеевна")],
        ),
        ("Катюша придет в 5", [("Катюша", "катюша")]),
        ("Сашенька будет на стрижке", [("Сашенька", "сашенька")]),
        ("это Иришка, подтверждаю", [("Иришка", "иришка")]),
        ("Тестова Т.Т. придет в 10", [("Тестова Т.Т.", "тестова т.т.")]),
        ("записан И. С. Петров", [("И. С. Петров", "и.с. петров")]),
        ("Алёна", [("Алёна", "алена")]),
        ("Алена", [("Алена", "алена")]),
        ("я Анна Зима", [("Анна Зима", "анна зима")]),
        ("Кузнец Иван Петрович записан", [("Кузнец Иван Петрович", "кузнец иван петрович")]),
        ("к Вере на маникюр", [("Вере", "вера")]),
        ("Любовь Петровна придет", [("Любовь Петровна", "любовь петровна")]),
        (
            "Направление на имя Заречного Дмитрия Александровича",
            [("Заречного Дмитрия Александровича", "заречный дмитрий александрович")],
        ),
        ("моя дочь София записана", [("София", "софия")]),
    ],
    ids=[
        "first-name",
        "lower-case-full-name",
        "all-caps-accusative",
        "surname-first-dative",
        "full-name-accusative",
        "diminutive-katyusha",
        "diminutive-sashenka",
        "diminutive-from-list",
        "surname-with-initials",
        "initials-first",
        "yo-spelling",
        "e-spelling",
        "common-word-surname-after-name",
        "common-word-surname-first",
        "ambiguous-name-after-cue",
        "ambiguous-name-with-patronymic",
        "adjective-surname-genitive",
        "name-missing-from-dictionary",
    ],
)
def test_names_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте! Можно записаться на шеллак в субботу?",
        "вера в лучшее не покидает",
        "надежда только на вас",
        "любовь к спорту",
        "приду 8 марта",
        "зима наступила, хочу к кузнецу",
        "масло розы в составе?",
        "у вас есть мастер по бровям?",
        "мне 45, нужен ли чекап?",
        "колю гиалуронку в губы можно?",
        "слава богу успела",
    ],
    ids=[
        "greeting",
        "faith",
        "hope",
        "love",
        "month-after-number",
        "common-words-lower-case",
        "rose-oil",
        "preposition",
        "particle-and-unknown-word",
        "verb-like-name-lower-case",
        "idiom",
    ],
)
def test_name_lookalikes_ignored(text: str) -> None:
    assert found(text) == []


def test_name_spellings_share_canonical_form() -> None:
    spellings = ["Алёна Петрова", "алена петрова", "АЛЁНЫ ПЕТРОВОЙ", "Алене Петровой"]

    canonicals = {DETECTOR.detect(text)[0].canonical for text in spellings}

    assert canonicals == {"алена петрова"}


def test_name_offsets_after_emoji_are_string_indices() -> None:
    text = "🙋🏼‍♀️ это Ксюша"

    spans = DETECTOR.detect(text)

    assert text[spans[0].start : spans[0].end] == "Ксюша"
