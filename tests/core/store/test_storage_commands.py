"""Tests of ``leadgate migrate`` and ``leadgate keys``, run as an operator would."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from conftest import write_samples

from leadgate.config.settings import Settings
from leadgate.core.commands import keys, migrate
from leadgate.core.crypto import KEY_FILE_NAME, KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.rekey import count_by_key
from leadgate.errors import ConfigError, CryptoError, StorageError


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="leadgate")
    subparsers = parser.add_subparsers(dest="command")
    migrate.add_parser(subparsers)
    keys.add_parser(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch) -> Path:
    for name in ("LEADGATE_DATA_DIR", "LEADGATE_DATABASE_URL", "LEADGATE_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)
    path = tmp_path / "salon"
    path.mkdir()
    (path / "leadgate.yaml").write_text("name: salon\n", encoding="utf-8")
    return path


def open_data(bundle: Path) -> tuple[KeyRing, Database]:
    settings = Settings()
    data_dir = bundle / "data"
    return KeyRing.load(data_dir, settings), Database.open(data_dir, settings)


def test_migrate_creates_schema_in_russian(bundle: Path, capsys) -> None:
    status = run_command("migrate", str(bundle))

    output = capsys.readouterr().out
    database = Database.open(bundle / "data", Settings())
    assert status == 0
    assert "обновлена до версии схемы 0001" in output
    assert database.current_revision() == Database.head_revision()
    database.dispose()


def test_migrate_prints_english(bundle: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")

    run_command("migrate", str(bundle / "leadgate.yaml"))

    assert "is at schema revision 0001" in capsys.readouterr().out
    assert (bundle / "data" / "leadgate.db").exists()


def test_migrate_missing_bundle_creates_nothing(tmp_path: Path, bundle: Path) -> None:
    missing = tmp_path / "salonn"

    with pytest.raises(ConfigError) as raised:
        run_command("migrate", str(missing))

    assert str(missing) in str(raised.value)
    assert not missing.exists()


def test_keys_rotate_reencrypts_everything(bundle: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    cells = write_samples(database, ring)
    old_id = ring.current_id

    status = run_command("keys", "rotate", str(bundle), "--batch-size", "2")

    output = capsys.readouterr().out
    reloaded = KeyRing.load(bundle / "data", Settings())
    assert status == 0
    assert reloaded.key_ids[1] == old_id
    assert f"Re-encrypted {len(cells)} values with key '{reloaded.current_id}'" in output
    assert count_by_key(database, reloaded) == {reloaded.current_id: len(cells)}
    database.dispose()


@pytest.mark.postgres
def test_keys_rotate_on_postgres(
    bundle: Path, postgres_database: Database, capsys, monkeypatch
) -> None:
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("LEADGATE_DATABASE_URL", url)
    ring = KeyRing.load(bundle / "data", Settings())
    cells = write_samples(postgres_database, ring)

    run_command("keys", "rotate", str(bundle))

    reloaded = KeyRing.load(bundle / "data", Settings())
    assert count_by_key(postgres_database, reloaded) == {reloaded.current_id: len(cells)}
    assert "Перешифровано значений" in capsys.readouterr().out


def test_keys_rotate_with_env_keys_prints_new_value(bundle: Path, capsys, monkeypatch) -> None:
    run_command("migrate", str(bundle))
    env_ring = KeyRing.generate()
    monkeypatch.setenv("LEADGATE_ENCRYPTION_KEYS", env_ring.env_value())
    _, database = open_data(bundle)
    cells = write_samples(database, env_ring)

    run_command("keys", "rotate", str(bundle))
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    untouched = count_by_key(database, env_ring)
    monkeypatch.setenv("LEADGATE_ENCRYPTION_KEYS", printed)
    run_command("keys", "reencrypt", str(bundle))

    new_ring = KeyRing.from_env_value(printed)
    assert untouched == {env_ring.current_id: len(cells)}
    assert new_ring.key_ids[1] == env_ring.current_id
    assert count_by_key(database, new_ring) == {new_ring.current_id: len(cells)}
    assert not (bundle / "data" / KEY_FILE_NAME).exists()
    database.dispose()


def test_keys_status_counts_values_per_key(bundle: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    cells = write_samples(database, ring)
    capsys.readouterr()

    run_command("keys", "status", str(bundle))

    output = capsys.readouterr().out
    assert f"{ring.current_id} (current): {len(cells)} values" in output
    assert str(bundle / "data" / KEY_FILE_NAME) in output
    database.dispose()


def test_keys_status_flags_key_missing_from_ring(bundle: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    run_command("migrate", str(bundle))
    _, database = open_data(bundle)
    stranger = KeyRing.generate()
    write_samples(database, stranger)
    capsys.readouterr()

    run_command("keys", "status", str(bundle))

    assert f"{stranger.current_id} (not in the key ring!)" in capsys.readouterr().out
    database.dispose()


def test_keys_first_run_prints_backup_notice(bundle: Path, capsys) -> None:
    run_command("migrate", str(bundle))

    run_command("keys", "status", str(bundle))

    notice = capsys.readouterr().err
    assert "Сделайте его резервную копию" in notice
    assert str(bundle / "data" / KEY_FILE_NAME) in notice


def test_keys_rotate_requires_migrated_database(bundle: Path) -> None:
    with pytest.raises(StorageError) as raised:
        run_command("keys", "rotate", str(bundle))

    assert "leadgate migrate" in str(raised.value)


def test_keys_reencrypt_with_wrong_key_file_fails_clearly(bundle: Path, capsys) -> None:
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    write_samples(database, ring)
    (bundle / "data" / KEY_FILE_NAME).unlink()
    KeyRing.load(bundle / "data", Settings())  # an empty replacement, as after a lost file

    with pytest.raises(CryptoError) as raised:
        run_command("keys", "reencrypt", str(bundle))

    assert ring.current_id in str(raised.value)
    assert "keys.json" in str(raised.value)
    assert "leadgate keys reencrypt" in capsys.readouterr().err
    database.dispose()


def test_keys_retire_removes_unused_key(bundle: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    cells = write_samples(database, ring)
    old_id = ring.current_id
    run_command("keys", "rotate", str(bundle))

    status = run_command("keys", "retire", str(bundle), old_id)

    reloaded = KeyRing.load(bundle / "data", Settings())
    assert status == 0
    assert old_id not in reloaded.key_ids
    assert f"Removed key '{old_id}'" in capsys.readouterr().out
    assert count_by_key(database, reloaded) == {reloaded.current_id: len(cells)}
    database.dispose()


def test_keys_retire_rejects_key_in_use(bundle: Path) -> None:
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    cells = write_samples(database, ring)
    old_id = ring.current_id
    ring.rotate()  # a new key, but nothing re-encrypted yet

    with pytest.raises(CryptoError) as raised:
        run_command("keys", "retire", str(bundle), old_id)

    assert str(len(cells)) in str(raised.value)
    assert "leadgate keys reencrypt" in str(raised.value)
    assert old_id in KeyRing.load(bundle / "data", Settings()).key_ids
    database.dispose()


@pytest.mark.parametrize("which", ["current", "unknown"], ids=["current-key", "unknown-key"])
def test_keys_retire_rejects_current_or_unknown(bundle: Path, which: str) -> None:
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    database.dispose()
    key_id = ring.current_id if which == "current" else "k19990101-000000"

    with pytest.raises(CryptoError) as raised:
        run_command("keys", "retire", str(bundle), key_id)

    assert key_id in str(raised.value)
    assert KeyRing.load(bundle / "data", Settings()).key_ids == ring.key_ids


def test_keys_retire_with_env_keys_prints_new_value(bundle: Path, capsys, monkeypatch) -> None:
    run_command("migrate", str(bundle))
    ring = KeyRing.generate()
    old_id = ring.current_id
    ring.rotate()
    monkeypatch.setenv("LEADGATE_ENCRYPTION_KEYS", ring.env_value())

    run_command("keys", "retire", str(bundle), old_id)

    printed = KeyRing.from_env_value(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed.key_ids == (ring.current_id,)
    assert printed.blind_index("+79161234567", purpose="phone") == ring.blind_index(
        "+79161234567", purpose="phone"
    )


def test_keys_export_prints_env_value(bundle: Path, capsys) -> None:
    run_command("migrate", str(bundle))
    ring, database = open_data(bundle)
    blob = ring.encrypt("Анна Петрова", context="secrets.value_enc")
    database.dispose()
    capsys.readouterr()

    run_command("keys", "export", str(bundle))

    captured = capsys.readouterr()
    exported = KeyRing.from_env_value(captured.out.strip())
    assert exported.key_ids == ring.key_ids
    assert exported.decrypt(blob, context="secrets.value_enc") == "Анна Петрова"
    assert "LEADGATE_ENCRYPTION_KEYS" in captured.err
