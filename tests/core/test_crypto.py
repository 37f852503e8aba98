"""Tests of the key ring: AES-GCM field encryption, key files, env keys, blind indexes."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadgate.config.settings import Settings
from leadgate.core.crypto import KEY_FILE_NAME, KeyRing
from leadgate.errors import CryptoError

PHONE = "+79161234567"
NAME = "Анна Сергеевна Петрова"
MESSAGE = "Здравствуйте! Хочу записаться на маникюр в субботу, мой номер +7 916 123-45-67"


def file_settings(**overrides: object) -> Settings:
    return Settings(encryption_keys=None, **overrides)  # type: ignore[arg-type]


def random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_encrypt_round_trip_russian_text(keyring: KeyRing) -> None:
    blob = keyring.encrypt(MESSAGE, context="messages.text_enc")

    assert keyring.decrypt(blob, context="messages.text_enc") == MESSAGE
    assert MESSAGE.encode() not in blob
    assert keyring.key_id_of(blob) == keyring.current_id


def test_encrypt_json_round_trip(keyring: KeyRing) -> None:
    value = {"name": NAME, "phone": PHONE, "visits": [1, 2], "vip": True}

    blob = keyring.encrypt_json(value, context="leads.fields_enc")

    assert keyring.decrypt_json(blob, context="leads.fields_enc") == value
    assert NAME.encode() not in blob


def test_encrypt_uses_fresh_nonce(keyring: KeyRing) -> None:
    first = keyring.encrypt(PHONE, context="conversations.user_id_enc")
    second = keyring.encrypt(PHONE, context="conversations.user_id_enc")

    assert first != second


def test_decrypt_accepts_memoryview(keyring: KeyRing) -> None:
    blob = keyring.encrypt(NAME, context="secrets.value_enc")

    assert keyring.decrypt(memoryview(blob), context="secrets.value_enc") == NAME


def test_encrypt_rejects_bytes(keyring: KeyRing) -> None:
    with pytest.raises(TypeError):
        keyring.encrypt(b"raw", context="messages.text_enc")  # type: ignore[arg-type]


def test_ciphertext_moved_to_other_column_fails(keyring: KeyRing) -> None:
    blob = keyring.encrypt(MESSAGE, context="messages.text_enc")

    with pytest.raises(CryptoError) as raised:
        keyring.decrypt(blob, context="messages.redacted_enc")

    assert keyring.current_id in str(raised.value)
    assert "messages.redacted_enc" in str(raised.value)
    assert MESSAGE not in str(raised.value)


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),
        lambda blob: blob[:20],
        lambda blob: b"",
        lambda blob: bytes([9]) + blob[1:],
    ],
    ids=["flipped-tag-bit", "truncated", "empty", "unknown-version"],
)
def test_damaged_ciphertext_raises_crypto_error(keyring: KeyRing, damage) -> None:
    blob = damage(keyring.encrypt(MESSAGE, context="messages.text_enc"))

    with pytest.raises(CryptoError) as raised:
        keyring.decrypt(blob, context="messages.text_enc")

    assert MESSAGE not in str(raised.value)
    assert raised.value.__cause__ is None or not isinstance(raised.value.__cause__, CryptoError)


def test_edited_key_id_fails_authentication(keyring: KeyRing) -> None:
    old_blob = keyring.encrypt(NAME, context="secrets.value_enc")
    old_id = keyring.current_id
    new_id = keyring.rotate()
    # Swap the header's key id for the other key of the same length.
    forged = old_blob.replace(old_id.encode(), new_id.encode(), 1)

    with pytest.raises(CryptoError) as raised:
        keyring.decrypt(forged, context="secrets.value_enc")

    assert new_id in str(raised.value)


def test_unknown_key_id_names_key_and_fix(keyring: KeyRing) -> None:
    blob = keyring.encrypt(NAME, context="leads.fields_enc")
    other = KeyRing.generate()

    with pytest.raises(CryptoError) as raised:
        other.decrypt(blob, context="leads.fields_enc")

    message = str(raised.value)
    assert keyring.current_id in message
    assert "keys.json" in message
    assert "LEADGATE_ENCRYPTION_KEYS" in message
    assert NAME not in message


def test_wrong_key_under_same_id_fails(keyring: KeyRing) -> None:
    blob = keyring.encrypt(PHONE, context="conversations.user_id_enc")
    wrong = KeyRing.from_env_value(f"{keyring.current_id}:{random_key()},index:{random_key()}")

    with pytest.raises(CryptoError) as raised:
        wrong.decrypt(blob, context="conversations.user_id_enc")

    assert keyring.current_id in str(raised.value)
    assert PHONE not in str(raised.value)


def test_error_messages_switch_to_english(keyring: KeyRing, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    blob = keyring.encrypt(PHONE, context="conversations.user_id_enc")

    with pytest.raises(CryptoError) as raised:
        KeyRing.generate().decrypt(blob, context="conversations.user_id_enc")

    assert "is not in the key ring" in str(raised.value)


def test_load_creates_key_file_with_mode_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "missing" / "data"

    ring = KeyRing.load(data_dir, file_settings())

    path = data_dir / KEY_FILE_NAME
    assert ring.created_path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert ring.source == "file"
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]


def test_load_reads_existing_key_file(tmp_path: Path) -> None:
    first = KeyRing.load(tmp_path, file_settings())
    blob = first.encrypt(MESSAGE, context="messages.text_enc")

    second = KeyRing.load(tmp_path, file_settings())

    assert second.created_path is None
    assert second.key_ids == first.key_ids
    assert second.decrypt(blob, context="messages.text_enc") == MESSAGE
    assert second.blind_index(PHONE, purpose="phone") == first.blind_index(PHONE, purpose="phone")


def test_key_file_holds_data_keys_and_index_key(tmp_path: Path) -> None:
    ring = KeyRing.load(tmp_path, file_settings())

    document = json.loads((tmp_path / KEY_FILE_NAME).read_text())

    assert [item["id"] for item in document["keys"]] == [ring.current_id]
    assert len(base64.b64decode(document["keys"][0]["key"])) == 32
    assert len(base64.b64decode(document["index_key"])) == 32
    assert document["index_key"] != document["keys"][0]["key"]


def test_create_uses_file_written_meanwhile(tmp_path: Path) -> None:
    winner = KeyRing.load(tmp_path, file_settings())

    loser = KeyRing._create_file(tmp_path / KEY_FILE_NAME)

    assert loser.key_ids == winner.key_ids
    assert loser.created_path is None
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_rotate_persists_new_current_key(tmp_path: Path) -> None:
    ring = KeyRing.load(tmp_path, file_settings())
    old_id = ring.current_id
    old_blob = ring.encrypt(NAME, context="secrets.value_enc")
    index_before = ring.blind_index(PHONE, purpose="phone")

    new_id = ring.rotate()
    reloaded = KeyRing.load(tmp_path, file_settings())

    assert new_id != old_id
    assert reloaded.key_ids == (new_id, old_id)
    assert reloaded.current_id == new_id
    assert reloaded.decrypt(old_blob, context="secrets.value_enc") == NAME
    assert reloaded.key_id_of(reloaded.encrypt(NAME, context="x")) == new_id
    assert reloaded.blind_index(PHONE, purpose="phone") == index_before
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600


def test_reencrypt_moves_value_to_current_key(keyring: KeyRing) -> None:
    blob = keyring.encrypt_json({"phone": PHONE}, context="outbox.payload_enc")
    keyring.rotate()

    moved = keyring.reencrypt(blob, context="outbox.payload_enc")

    assert keyring.key_id_of(moved) == keyring.current_id
    assert keyring.decrypt_json(moved, context="outbox.payload_enc") == {"phone": PHONE}


def test_env_keys_override_key_file(tmp_path: Path) -> None:
    file_ring = KeyRing.load(tmp_path, file_settings())
    value = f"prod2:{random_key()},prod1:{random_key()},index:{random_key()}"

    ring = KeyRing.load(tmp_path, Settings(encryption_keys=value))

    assert ring.source == "env"
    assert ring.key_ids == ("prod2", "prod1")
    assert ring.current_id == "prod2"
    assert ring.key_ids != file_ring.key_ids


def test_env_keys_create_no_file(tmp_path: Path) -> None:
    value = f"k1:{random_key()},index:{random_key()}"

    KeyRing.load(tmp_path / "data", Settings(encryption_keys=value))

    assert not (tmp_path / "data").exists()


def test_env_rotate_changes_only_env_value(tmp_path: Path) -> None:
    ring = KeyRing.load(
        tmp_path, Settings(encryption_keys=f"k1:{random_key()},index:{random_key()}")
    )
    blob = ring.encrypt(NAME, context="secrets.value_enc")

    new_id = ring.rotate()
    restarted = KeyRing.from_env_value(ring.env_value())

    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert restarted.key_ids == (new_id, "k1")
    assert restarted.decrypt(blob, context="secrets.value_enc") == NAME
    assert restarted.blind_index(PHONE, purpose="phone") == ring.blind_index(PHONE, purpose="phone")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("k1:{key}", "index:"),
        ("k1{key},index:{key}", "1"),
        ("k1:c2hvcnQ=,index:{key}", "k1"),
        ("k1:not base64!,index:{key}", "k1"),
        ("k1:{key},k1:{key},index:{key}", "k1"),
        ("bad id:{key},index:{key}", "bad id"),
        ("index:{key}", "LEADGATE_ENCRYPTION_KEYS"),
    ],
    ids=[
        "no-index-key",
        "no-colon",
        "short-key",
        "not-base64",
        "duplicate-id",
        "invalid-id",
        "no-data-key",
    ],
)
def test_invalid_env_value_raises_clear_error(value: str, expected: str) -> None:
    key = random_key()

    with pytest.raises(CryptoError) as raised:
        KeyRing.from_env_value(value.format(key=key))

    assert expected in str(raised.value)
    assert key not in str(raised.value)


def test_damaged_key_file_names_path(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_text('{"keys": [')

    with pytest.raises(CryptoError) as raised:
        KeyRing.load(tmp_path, file_settings())

    assert str(path) in str(raised.value)


def test_readable_key_file_logs_warning(tmp_path: Path, caplog) -> None:
    KeyRing.load(tmp_path, file_settings())
    (tmp_path / KEY_FILE_NAME).chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="leadgate.core.crypto"):
        KeyRing.load(tmp_path, file_settings())

    assert "chmod 600" in caplog.text


def test_repr_hides_key_material(tmp_path: Path) -> None:
    ring = KeyRing.load(tmp_path, file_settings())
    document = json.loads((tmp_path / KEY_FILE_NAME).read_text())

    rendered = repr(ring) + repr(ring._keys)

    assert document["keys"][0]["key"] not in rendered
    assert ring.current_id in rendered


def test_blind_index_is_keyed_and_separated_by_purpose(keyring: KeyRing) -> None:
    index = keyring.blind_index(PHONE, purpose="phone")

    assert len(index) == 64
    assert int(index, 16) >= 0
    assert index == keyring.blind_index(PHONE, purpose="phone")
    assert index != keyring.blind_index(PHONE, purpose="channel_user")
    assert index != keyring.blind_index("+79161234568", purpose="phone")
    assert index != KeyRing.generate().blind_index(PHONE, purpose="phone")
    assert PHONE not in index


PROPERTY_RING = KeyRing.generate()


@given(plaintext=st.text(max_size=300), context=st.text(min_size=1, max_size=40))
def test_any_text_round_trips(plaintext: str, context: str) -> None:
    blob = PROPERTY_RING.encrypt(plaintext, context=context)

    assert PROPERTY_RING.decrypt(blob, context=context) == plaintext


@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_is_rejected(position: int, flip: int) -> None:
    blob = bytearray(PROPERTY_RING.encrypt(MESSAGE, context="messages.text_enc"))
    blob[position % len(blob)] ^= flip

    with pytest.raises(CryptoError):
        PROPERTY_RING.decrypt(bytes(blob), context="messages.text_enc")
