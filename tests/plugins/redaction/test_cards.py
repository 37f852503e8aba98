"""The cards detector: Luhn-valid numbers of known schemes, or after a card word."""

from __future__ import annotations

import pytest

from leadgate.core.checksums import luhn_valid
from leadgate.plugins.redaction.cards import CardDetector

DETECTOR = CardDetector()


def with_check_digit(body: str) -> str:
    """Append the digit that makes ``body`` Luhn-valid."""
    return next(body + digit for digit in "0123456789" if luhn_valid(body + digit))


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


MIR = with_check_digit("220012345678901")
MIR_2204 = with_check_digit("220412345678901")
MASTERCARD_2_SERIES = with_check_digit("272012345678901")
MASTERCARD = with_check_digit("510012345678901")
VISA = with_check_digit("411111111111111")
UNKNOWN_SCHEME = with_check_digit("990012345678901")


def grouped(digits: str) -> str:
    return " ".join(digits[index : index + 4] for index in range(0, len(digits), 4))


@pytest.mark.parametrize(
    "digits",
    [MIR, MIR_2204, MASTERCARD_2_SERIES, MASTERCARD, VISA],
    ids=["mir-2200", "mir-2204", "mastercard-2720", "mastercard-51", "visa"],
)
def test_card_schemes_found_grouped_and_bare(digits: str) -> None:
    assert found(f"оплачу картой {grouped(digits)} завтра") == [(grouped(digits), digits)]
    assert found(f"вот {digits}") == [(digits, digits)]


def test_card_with_dashes_found() -> None:
    text = "номер " + MIR[:4] + "-" + MIR[4:8] + "-" + MIR[8:12] + "-" + MIR[12:]

    assert found(text) == [(text[6:], MIR)]


def test_card_of_unknown_scheme_needs_card_word() -> None:
    assert found(f"номер {UNKNOWN_SCHEME}") == []
    assert found(f"моя карта {UNKNOWN_SCHEME}") == [(UNKNOWN_SCHEME, UNKNOWN_SCHEME)]


def test_card_failing_luhn_ignored() -> None:
    broken = MIR[:-1] + str((int(MIR[-1]) + 1) % 10)

    assert found(f"карта {grouped(broken)}") == []


def test_card_next_to_phone_found_alone() -> None:
    text = f"{grouped(MIR)} 89130000001"

    assert found(text) == [(grouped(MIR), MIR)]


@pytest.mark.parametrize(
    "text",
    ["трек 80081234567890", "заказ 1234567890123", "сумма 15 000 руб", "2200 **** **** 9019"],
    ids=["tracking-number", "order-number", "price", "masked-card"],
)
def test_card_lookalikes_ignored(text: str) -> None:
    assert found(text) == []
