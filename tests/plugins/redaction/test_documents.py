"""The documents detector: passport by context, SNILS, INN, OMS and accounts by checksum."""

from __future__ import annotations

import pytest

from leadgate.core.checksums import account_key_valid, inn_valid, snils_valid
from leadgate.plugins.redaction.documents import DocumentDetector

DETECTOR = DocumentDetector()

SNILS = "11223344595"
INN_COMPANY = "7707083893"
INN_PERSON = "291417776312"
OMS = "9000000000000001"
ACCOUNT = "40817810000000000002"
BIC = "044525225"


def found(text: str) -> list[tuple[str, str]]:
    return [(text[span.start : span.end], span.canonical) for span in DETECTOR.detect(text)]


def test_fixture_numbers_have_valid_checksums() -> None:
    assert snils_valid(SNILS)
    assert inn_valid(INN_COMPANY)
    assert inn_valid(INN_PERSON)
    assert account_key_valid(ACCOUNT, BIC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("паспорт 0412 345678", [("0412 345678", "passport:0412345678")]),
        ("паспорт: 04 12 345678 выдан", [("04 12 345678", "passport:0412345678")]),
        ("серия 0412 № 345678", [("0412 № 345678", "passport:0412345678")]),
        ("Паспорт РФ 0412345678", [("0412345678", "passport:0412345678")]),
        ("снилс 112-233-445 95", [("112-233-445 95", f"snils:{SNILS}")]),
        ("вот 112-233-445 95", [("112-233-445 95", f"snils:{SNILS}")]),
        ("СНИЛС 11223344595", [("11223344595", f"snils:{SNILS}")]),
        ("ИНН 7707083893", [("7707083893", f"inn:{INN_COMPANY}")]),
        ("мой инн: 291417776312", [("291417776312", f"inn:{INN_PERSON}")]),
        ("полис ОМС 9000 0000 0000 0001", [("9000 0000 0000 0001", f"oms:{OMS}")]),
        ("р/с 40817810000000000002", [("40817810000000000002", f"account:{ACCOUNT}")]),
        ("40817 810 0 0000 0000002", [("40817 810 0 0000 0000002", f"account:{ACCOUNT}")]),
        (f"счет {ACCOUNT} бик {BIC}", [(ACCOUNT, f"account:{ACCOUNT}")]),
    ],
    ids=[
        "passport-grouped",
        "passport-spaced",
        "passport-series-number-words",
        "passport-bare",
        "snils-with-word",
        "snils-formatted-no-word",
        "snils-bare-with-word",
        "inn-10",
        "inn-12",
        "oms",
        "account-with-word",
        "account-personal-prefix",
        "account-with-bic",
    ],
)
def test_documents_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0412 345678",
        "вот 112-233-445 96",
        "ИНН 7707083894",
        "СНИЛС 11223344596",
        "полис 9000 0000 0000 0002",
        f"{ACCOUNT[:-1]}3 бик {BIC}",
        "заказ 7707083893",
        "приду 15.12.2026 в 10:00",
        "серия 3 занятия по 1500",
    ],
    ids=[
        "passport-without-word",
        "snils-bad-control",
        "inn-bad-check-digit",
        "snils-word-bad-control",
        "oms-bad-check-digit",
        "account-bad-key-for-bic",
        "inn-without-word",
        "date",
        "series-of-classes",
    ],
)
def test_document_lookalikes_ignored(text: str) -> None:
    assert found(text) == []


def test_inn_word_does_not_reach_later_number() -> None:
    text = "ИНН 7707083893, телефон 3912345678"

    assert [canonical for _, canonical in found(text)] == [f"inn:{INN_COMPANY}"]
