"""Personal data never appears in clear in the SQLite files; blind-index lookups work."""

from __future__ import annotations

from pathlib import Path

from conftest import PHONE, PLAINTEXTS, write_samples
from sqlmodel import select

from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import ENCRYPTED_COLUMNS, Lead, Subject


def database_files(database: Database) -> dict[str, bytes]:
    path = database.sqlite_path
    assert path is not None
    candidates = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return {
        candidate.name: candidate.read_bytes() for candidate in candidates if candidate.exists()
    }


def find_plaintexts(files: dict[str, bytes]) -> list[tuple[str, str]]:
    found = []
    for name, content in files.items():
        for value in PLAINTEXTS:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if value.encode(encoding) in content:
                    found.append((name, value))
    return found


def test_samples_cover_every_encrypted_column(sqlite_database: Database, keyring: KeyRing) -> None:
    cells = write_samples(sqlite_database, keyring)

    written = {(cell.table, cell.column) for cell in cells}

    expected = {
        (model.__tablename__, column)  # type: ignore[attr-defined]
        for model, columns in ENCRYPTED_COLUMNS.items()
        for column in columns
    }
    assert written == expected


def test_no_plaintext_in_sqlite_wal(sqlite_database: Database, keyring: KeyRing) -> None:
    write_samples(sqlite_database, keyring)

    files = database_files(sqlite_database)

    assert f"{sqlite_database.sqlite_path.name}-wal" in files  # type: ignore[union-attr]
    assert len(files[f"{sqlite_database.sqlite_path.name}-wal"]) > 0  # type: ignore[union-attr]
    assert find_plaintexts(files) == []


def test_no_plaintext_in_sqlite_file_after_checkpoint(
    sqlite_database: Database, keyring: KeyRing
) -> None:
    write_samples(sqlite_database, keyring)

    sqlite_database.checkpoint()
    files = database_files(sqlite_database)

    assert len(files.get(f"{sqlite_database.sqlite_path.name}-wal", b"")) == 0  # type: ignore[union-attr]
    assert len(files[sqlite_database.sqlite_path.name]) > 8192  # type: ignore[union-attr]
    assert find_plaintexts(files) == []


def test_scan_detects_plaintext_column(sqlite_database: Database) -> None:
    # The scan itself must be able to fail: a value stored in clear is found.
    with sqlite_database.session() as session:
        session.add(
            Lead(
                bundle="salon",
                idempotency_key="k",
                conversation_id="c",
                subject_id="s",
                channel="telegram",
                fields_enc=PLAINTEXTS[0].encode("utf-8"),
            )
        )

    assert find_plaintexts(database_files(sqlite_database)) == [
        (f"{sqlite_database.sqlite_path.name}-wal", PLAINTEXTS[0])  # type: ignore[union-attr]
    ]


def test_blind_index_finds_subject_and_lead_by_phone(database: Database, keyring: KeyRing) -> None:
    write_samples(database, keyring)
    write_samples(database, keyring, bundle="clinic")
    phone_index = keyring.blind_index(PHONE, purpose="phone")
    other = keyring.blind_index("+79035550123", purpose="phone")

    with database.session(readonly=True) as session:
        subjects = session.exec(
            select(Subject).where(Subject.phone_index == phone_index, Subject.bundle == "salon")
        ).all()
        leads = session.exec(select(Lead).where(Lead.phone_index == phone_index)).all()
        nobody = session.exec(select(Subject).where(Subject.phone_index == other)).all()

    assert len(subjects) == 1
    assert sorted(lead.bundle for lead in leads) == ["clinic", "salon"]
    assert keyring.decrypt_json(leads[0].fields_enc, context="leads.fields_enc")["phone"] == PHONE
    assert nobody == []
