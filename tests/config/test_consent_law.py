"""The art. 9 part 4 heuristic: which consent elements a text lacks."""

from __future__ import annotations

import pytest

from leadgate.config.consent_law import Missing, asks_for_passport, missing_elements

OPERATOR = "ООО «Кедр-Здоровье»"
ADDRESS = "660077, г. Красноярск, пр-т Образцовый, д. 15, оф. 3"
INN = "2463987652"
COMPLETE = (
    "Я даю ООО «Кедр-Здоровье» (ИНН 2463987652, адрес: 660077, г. Красноярск, "
    "пр-т Образцовый, д. 15, оф. 3) согласие на обработку персональных данных в целях "
    "записи на приём. Перечень данных: имя, номер телефона. Действия: сбор, хранение, "
    "удаление. Данные третьим лицам не передаются. Согласие действует 1 год. "
    "Отозвать согласие можно в этом чате."
)


def check(text: str, processors: tuple[str, ...] = ()) -> list[Missing]:
    return missing_elements(
        text,
        operator=OPERATOR,
        address=ADDRESS,
        inn=INN,
        categories=["name", "phone"],
        processors=processors,
    )


def test_complete_text_passes() -> None:
    assert check(COMPLETE) == []


def test_matching_ignores_case_quotes_and_breaks() -> None:
    text = COMPLETE.replace("ООО «Кедр-Здоровье»", 'ооо "кедр-здоровье"').replace(
        "г. Красноярск, ", "г. Красноярск,\n   "
    )

    assert check(text) == []


@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        ("ООО «Кедр-Здоровье» ", "", Missing("operator", OPERATOR)),
        ("пр-т Образцовый, д. 15", "пр-т Образцовый, д. 16", Missing("address", ADDRESS)),
        ("ИНН 2463987652, ", "", Missing("inn", INN)),
        ("в целях записи", "для записи", Missing("purpose")),
        ("номер телефона", "номер", Missing("category", "phone")),
        ("сбор, хранение, удаление", "обработка", Missing("actions")),
        ("Данные третьим лицам не передаются. ", "", Missing("no_transfer")),
        ("Согласие действует 1 год. ", "", Missing("validity")),
        ("Отозвать согласие можно в этом чате.", "", Missing("withdrawal")),
    ],
    ids=[
        "operator",
        "address",
        "inn",
        "purpose",
        "category",
        "actions",
        "no-transfer",
        "validity",
        "withdrawal",
    ],
)
def test_missing_element_is_named(old: str, new: str, missing: Missing) -> None:
    assert old in COMPLETE

    result = check(COMPLETE.replace(old, new))

    assert result == [missing]


def test_processor_must_be_named() -> None:
    processor = "ООО «Облако», 660000, г. Красноярск, ул. Серверная, д. 2"
    text = COMPLETE.replace(
        "Данные третьим лицам не передаются.", f"Данные передаются {processor}."
    )

    assert check(text, processors=(processor,)) == []
    assert check(COMPLETE, processors=(processor,)) == [Missing("processor", processor)]


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Пришлите серию и номер паспорта.", True),
        ("Паспортные данные для записи не нужны.", False),
        ("Мы не запрашиваем паспорт. Назовите имя.", False),
        ("Запись без паспорта. Пришлите фото паспорта.", True),
        ("Имя и телефон.", False),
    ],
    ids=["asks", "negated-after", "negated-before", "second-sentence-asks", "no-mention"],
)
def test_passport_request_detected(text: str, asks: bool) -> None:
    assert asks_for_passport(text) is asks


def test_until_withdrawn_is_not_a_way_to_withdraw() -> None:
    text = COMPLETE.replace(
        "Согласие действует 1 год. ", "Согласие действует 1 год или до его отзыва. "
    )
    text = text.replace("Отозвать согласие можно в этом чате.", "")

    result = check(text)

    assert result == [Missing("withdrawal")]
