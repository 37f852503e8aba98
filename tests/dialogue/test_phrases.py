"""Formatting helpers for the dialogue's replies."""

from __future__ import annotations

import pytest

from leadgate.dialogue.phrases import format_address


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("660049, г. Красноярск, ул. Мира, 10", "г. Красноярск, ул. Мира, 10"),
        ("660049 г. Красноярск, ул. Мира, 10", "г. Красноярск, ул. Мира, 10"),
        ("Красноярск, ул. Мира, 10", "Красноярск, ул. Мира, 10"),
        ("г. Красноярск, ул. Мира, 10, 660049", "г. Красноярск, ул. Мира, 10, 660049"),
        ("1234567, ул. Мира, 10", "1234567, ул. Мира, 10"),
        ("", ""),
    ],
    ids=[
        "postal code with comma",
        "postal code without comma",
        "no postal code",
        "postal code at the end stays",
        "seven digits stay",
        "empty",
    ],
)
def test_format_address_drops_leading_postal_code(address: str, expected: str) -> None:
    assert format_address(address) == expected
