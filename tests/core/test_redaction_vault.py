"""The per-conversation vault: consistent tokens, serialisation and damaged input."""

from __future__ import annotations

import json

import pytest

from leadgate.core.vault import Vault, VaultError


def test_vault_same_canonical_gets_same_token() -> None:
    vault = Vault()

    first = vault.add("phone", "+79130000001", "8 913 000-00-01")
    second = vault.add("phone", "+79130000001", "+7 (913) 000 00 01")

    assert first == second == "[PHONE_1]"
    assert vault.value(first) == "8 913 000-00-01"


def test_vault_numbers_tokens_per_category() -> None:
    vault = Vault()

    tokens = [
        vault.add("phone", "+79130000001", "89130000001"),
        vault.add("name", "анна", "Анна"),
        vault.add("phone", "+79130000002", "89130000002"),
        vault.add("birth_date", "1990-01-02", "02.01.1990"),
    ]

    assert tokens == ["[PHONE_1]", "[NAME_1]", "[PHONE_2]", "[BIRTH_DATE_1]"]


def test_vault_same_canonical_other_category_gets_other_token() -> None:
    vault = Vault()

    phone = vault.add("phone", "123", "123")
    document = vault.add("document", "123", "123")

    assert phone != document


def test_vault_lookups_of_unknown_token_return_none() -> None:
    vault = Vault()
    vault.add("name", "анна", "Анна")

    assert vault.value("[NAME_2]") is None
    assert vault.canonical("[NAME_2]") is None
    assert vault.token_for("name", "ольга") is None
    assert "[NAME_2]" not in vault


def test_vault_round_trips_through_json() -> None:
    vault = Vault()
    vault.add("phone", "+79130000001", "8 913 000-00-01")
    vault.add("name", "елена", "Алёна")
    vault.add("email", "a@b.ru", "a@b.ru")

    copy = Vault.from_dict(json.loads(json.dumps(vault.to_dict(), ensure_ascii=False)))

    assert copy.to_dict() == vault.to_dict()
    assert copy.value("[NAME_1]") == "Алёна"
    assert copy.canonical("[PHONE_1]") == "+79130000001"
    assert copy.add("phone", "+79130000001", "other spelling") == "[PHONE_1]"
    assert copy.add("phone", "+79130000002", "89130000002") == "[PHONE_2]"


def test_vault_rejects_unknown_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")

    with pytest.raises(VaultError, match="Unsupported vault format 99"):
        Vault.from_dict({"format": 99, "entries": []})


def test_vault_rejects_entry_without_field_and_hides_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)
    damaged = {
        "format": 1,
        "entries": [{"token": "[PHONE_1]", "category": "phone", "original": "89130000001"}],
    }

    with pytest.raises(VaultError, match=r"В записи 0 .* нет поля 'canonical'") as raised:
        Vault.from_dict(damaged)

    assert "89130000001" not in str(raised.value)


@pytest.mark.parametrize(
    "token",
    ["PHONE_1", "[phone_1]", "[PHONE]", "[PHONE_x]"],
    ids=["no-brackets", "lower-case", "no-number", "letter-number"],
)
def test_vault_rejects_invalid_token(token: str) -> None:
    damaged = {
        "format": 1,
        "entries": [{"token": token, "category": "phone", "canonical": "+7", "original": "8"}],
    }

    with pytest.raises(VaultError, match="неверную или повторную метку"):
        Vault.from_dict(damaged)


def test_vault_rejects_repeated_token() -> None:
    entry = {"token": "[NAME_1]", "category": "name", "canonical": "анна", "original": "Анна"}

    with pytest.raises(VaultError, match="неверную или повторную метку"):
        Vault.from_dict({"format": 1, "entries": [entry, entry]})
