"""INN checksums for organisations (10 digits) and individuals (12 digits)."""

from __future__ import annotations

import pytest

from leadgate.config.inn import inn_problem


@pytest.mark.parametrize(
    "inn",
    ["7707083893", "500100732259", "2463987652", "246512345602", "2466048178"],
    ids=["organisation", "individual", "clinic-template", "salon-template", "fitness-template"],
)
def test_valid_inn(inn: str) -> None:
    assert inn_problem(inn) is None


@pytest.mark.parametrize(
    ("inn", "problem"),
    [
        ("7707083894", "checksum"),
        ("500100732258", "checksum"),
        ("500100732269", "checksum"),
        ("770708389", "length"),
        ("77070838931", "length"),
        ("77070838ab", "length"),
        ("７７０７０８３８９３", "length"),
    ],
    ids=[
        "ten-last-digit",
        "twelve-last-digit",
        "twelve-eleventh-digit",
        "nine",
        "eleven",
        "letters",
        "fullwidth",
    ],
)
def test_invalid_inn(inn: str, problem: str) -> None:
    assert inn_problem(inn) == problem
