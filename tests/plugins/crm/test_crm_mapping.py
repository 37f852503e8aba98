"""Shared CRM helpers: phone spellings, titles, field filtering, URL checks."""

from __future__ import annotations

import pytest

from leadgate.plugins.crm.mapping import (
    allowed_fields,
    canonical_phone,
    categories_of,
    is_secure_url,
    phone_spellings,
    render_title,
)


def test_russian_phone_spellings_cover_common_forms() -> None:
    spellings = phone_spellings("8 913 123-45-67")

    assert spellings[0] == "+79131234567"
    for typed in ("79131234567", "89131234567", "9131234567", "+7 (913) 123-45-67",
                  "8 (913) 123-45-67", "+7 913 123-45-67", "8 913 123 45 67"):  # fmt: skip
        assert typed in spellings
    assert len(spellings) == len(set(spellings))
    assert len(spellings) <= 20


def test_foreign_phone_spellings_keep_country() -> None:
    spellings = phone_spellings("+44 20 7946 0958")

    assert spellings[0] == "+442079460958"
    assert "+44 20 7946 0958" in spellings
    assert not any(spelling.startswith("8") for spelling in spellings)


def test_unparsable_phone_is_searched_as_given() -> None:
    assert phone_spellings(" 12 ") == ["12"]
    assert phone_spellings("") == []
    assert canonical_phone("not a phone") == "not a phone"


def test_canonical_phone_is_e164() -> None:
    assert canonical_phone("8 (913) 123-45-67") == "+79131234567"


def test_title_drops_missing_fields() -> None:
    assert (
        render_title("Запись: {service}, {visit_at}", {"service": "Маникюр"}) == "Запись: Маникюр,"
    )
    assert render_title("{service} {visit_at}", {}) == "leadgate"


def test_allowed_fields_filters_unlisted_and_empty() -> None:
    fields = {"name": "Анна", "email": "a@example.org", "service": ""}

    assert allowed_fields(fields, ("name", "service")) == {"name": "Анна"}


def test_categories_group_booking_details() -> None:
    assert categories_of(("name", "phone", "service", "visit_at", "comment")) == (
        "name",
        "phone",
        "booking",
        "message_text",
    )


@pytest.mark.parametrize(
    "url, secure",
    [
        ("https://salon.bitrix24.ru/rest/1/x/", True),
        ("http://127.0.0.1:8080/rest/1/x/", True),
        ("http://localhost:8080/", True),
        ("http://salon.bitrix24.ru/rest/1/x/", False),
        ("ftp://salon.bitrix24.ru/", False),
    ],
    ids=["https", "loopback-ip", "localhost", "plain-http", "ftp"],
)
def test_secure_url_needs_https_off_loopback(url: str, secure: bool) -> None:
    assert is_secure_url(url) is secure
