"""Key rotation: re-encryption of every column, resumable and idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PHONE, StoredValue, write_samples
from sqlalchemy import column, select, table
from sqlmodel import select as select_model

from leadgate.config.settings import Settings
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.rekey import count_by_key, reencrypt_all
from leadgate.core.store.tables import ENCRYPTED_COLUMNS, Subject
from leadgate.errors import CryptoError


def read_cell(database: Database, cell: StoredValue) -> bytes:
    model = next(m for m in ENCRYPTED_COLUMNS if m.__tablename__ == cell.table)  # type: ignore[attr-defined]
    key = next(iter(model.__table__.primary_key.columns)).name  # type: ignore[attr-defined]
    query = (
        select(column(cell.column)).select_from(table(cell.table)).where(column(key) == cell.key)
    )
    with database.engine.connect() as connection:
        return bytes(connection.execute(query).scalar_one())


def decrypt_cell(ring: KeyRing, blob: bytes, cell: StoredValue) -> object:
    context = f"{cell.table}.{cell.column}"
    return (
        ring.decrypt_json(blob, context=context)
        if cell.is_json
        else ring.decrypt(blob, context=context)
    )


@pytest.fixture
def file_ring(tmp_path: Path) -> KeyRing:
    return KeyRing.load(tmp_path / "keys", Settings(encryption_keys=None))


def test_rotation_reencrypts_every_column(
    database: Database, file_ring: KeyRing, tmp_path: Path
) -> None:
    cells = write_samples(database, file_ring)
    old_id = file_ring.current_id

    new_id = file_ring.rotate()
    report = reencrypt_all(database, file_ring, batch_size=3)
    reloaded = KeyRing.load(tmp_path / "keys", Settings(encryption_keys=None))

    assert report.key_id == new_id
    assert report.reencrypted == len(cells)
    assert report.skipped == 0
    for cell in cells:
        blob = read_cell(database, cell)
        assert reloaded.key_id_of(blob) == new_id, cell
        assert old_id.encode() not in blob, cell
        assert decrypt_cell(reloaded, blob, cell) == cell.plaintext, cell
    assert count_by_key(database, reloaded) == {new_id: len(cells)}


def test_rotation_keeps_blind_index_lookups(database: Database, file_ring: KeyRing) -> None:
    write_samples(database, file_ring)

    file_ring.rotate()
    reencrypt_all(database, file_ring)

    with database.session(readonly=True) as session:
        found = session.exec(
            select_model(Subject).where(
                Subject.phone_index == file_ring.blind_index(PHONE, purpose="phone")
            )
        ).all()
    assert len(found) == 1


def test_second_run_skips_current_values(database: Database, file_ring: KeyRing) -> None:
    cells = write_samples(database, file_ring)
    file_ring.rotate()
    reencrypt_all(database, file_ring)

    again = reencrypt_all(database, file_ring)

    assert again.reencrypted == 0
    assert again.skipped == len(cells)


def test_interrupted_run_resumes(database: Database, file_ring: KeyRing, monkeypatch) -> None:
    cells = write_samples(database, file_ring)
    old_id = file_ring.current_id
    new_id = file_ring.rotate()
    original = KeyRing.reencrypt
    calls = {"count": 0}

    def failing_reencrypt(self: KeyRing, blob: bytes, *, context: str) -> bytes:
        calls["count"] += 1
        if calls["count"] > 4:
            raise CryptoError("simulated crash")
        return original(self, blob, context=context)

    monkeypatch.setattr(KeyRing, "reencrypt", failing_reencrypt)
    with pytest.raises(CryptoError):
        reencrypt_all(database, file_ring, batch_size=1)
    monkeypatch.setattr(KeyRing, "reencrypt", original)
    partial = count_by_key(database, file_ring)
    report = reencrypt_all(database, file_ring, batch_size=1)

    # The conversation row (2 values) commits; the first message row (3 values) fails
    # on its third value, so its batch rolls back.
    assert partial == {new_id: 2, old_id: len(cells) - 2}
    assert report.reencrypted == len(cells) - 2
    assert report.skipped == 2
    assert count_by_key(database, file_ring) == {new_id: len(cells)}


def test_reencrypt_with_wrong_key_stops_with_clear_error(
    database: Database, keyring: KeyRing
) -> None:
    write_samples(database, keyring)
    stranger = KeyRing.generate()

    with pytest.raises(CryptoError) as raised:
        reencrypt_all(database, stranger)

    assert keyring.current_id in str(raised.value)


def test_batch_size_must_be_positive(database: Database, keyring: KeyRing) -> None:
    with pytest.raises(ValueError):
        reencrypt_all(database, keyring, batch_size=0)
