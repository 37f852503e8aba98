"""``leadgate keys rotate|reencrypt|retire|export|status BUNDLE``: manage the key ring.

``rotate`` adds a new current key and re-encrypts every encrypted column with it.
With keys from ``LEADGATE_ENCRYPTION_KEYS`` leadgate cannot store the new key, so
``rotate`` prints the new variable value (secret keys included) and stops. The
operator sets the variable and runs ``reencrypt``, which also resumes an
interrupted rotation. ``status`` counts the stored values under each key, and ``retire``
removes an old key from the ring once no value uses it. ``export`` prints the ring
in the variable's format, to move the keys from ``keys.json`` into a secret store.
"""

from __future__ import annotations

import argparse
import sys

from leadgate.config.settings import Settings
from leadgate.core.commands.migrate import add_bundle_argument, open_bundle_database
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.rekey import DEFAULT_BATCH_SIZE, count_by_key, reencrypt_all
from leadgate.errors import CryptoError, LeadgateError
from leadgate.locales import text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``keys`` command and its actions."""
    parser = subparsers.add_parser(
        "keys", help=text("storage.keys_help"), description=text("storage.keys_help")
    )
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", required=True)

    for name, handler, help_key in (
        ("rotate", run_rotate, "storage.keys_rotate_help"),
        ("reencrypt", run_reencrypt, "storage.keys_reencrypt_help"),
    ):
        action = actions.add_parser(name, help=text(help_key), description=text(help_key))
        add_bundle_argument(action)
        action.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=text("storage.batch_size_help"),
        )
        action.set_defaults(handler=handler)

    retire = actions.add_parser(
        "retire",
        help=text("storage.keys_retire_help"),
        description=text("storage.keys_retire_help"),
    )
    add_bundle_argument(retire)
    retire.add_argument("key_id", metavar="KEY_ID", help=text("storage.key_id_help"))
    retire.set_defaults(handler=run_retire)

    export = actions.add_parser(
        "export",
        help=text("storage.keys_export_help"),
        description=text("storage.keys_export_help"),
    )
    add_bundle_argument(export)
    export.set_defaults(handler=run_export)

    status = actions.add_parser(
        "status",
        help=text("storage.keys_status_help"),
        description=text("storage.keys_status_help"),
    )
    add_bundle_argument(status)
    status.set_defaults(handler=run_status)


def run_rotate(args: argparse.Namespace) -> int:
    """Add a key; re-encrypt with it, or print the new environment value."""
    keyring, database = _open(args)
    try:
        database.require_current()
        key_id = keyring.rotate()
        if keyring.source == "env":
            print(text("storage.keys_env_rotated", key_id=key_id))
            print(keyring.env_value())
            return 0

        print(text("storage.keys_rotated", key_id=key_id, path=keyring.path))
        return _reencrypt(keyring, database, args.batch_size)
    finally:
        database.dispose()


def run_reencrypt(args: argparse.Namespace) -> int:
    """Re-encrypt values still under old keys with the current key."""
    keyring, database = _open(args)
    try:
        database.require_current()
        return _reencrypt(keyring, database, args.batch_size)
    finally:
        database.dispose()


def run_retire(args: argparse.Namespace) -> int:
    """Remove an old key from the ring once no stored value uses it."""
    keyring, database = _open(args)
    try:
        database.require_current()
        remaining = count_by_key(database, keyring)[args.key_id]
    finally:
        database.dispose()

    if remaining:
        raise CryptoError(text("storage.key_still_used", key_id=args.key_id, count=remaining))

    keyring.remove(args.key_id)
    if keyring.source == "env":
        print(text("storage.keys_env_retired", key_id=args.key_id))
        print(keyring.env_value())
        return 0

    print(text("storage.keys_retired", key_id=args.key_id, path=keyring.path))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Print the ring as a ``LEADGATE_ENCRYPTION_KEYS`` value, for a secret store."""
    keyring, database = _open(args)
    database.dispose()

    print(text("storage.keys_exported"), file=sys.stderr)
    print(keyring.env_value())
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print the key source and the number of stored values under each key."""
    keyring, database = _open(args)
    try:
        database.require_current()
        counts = count_by_key(database, keyring)
    finally:
        database.dispose()

    print(text("storage.keys_status_source", source=keyring.path or keyring.source))
    for key_id in keyring.key_ids:
        marker = text("storage.keys_status_current") if key_id == keyring.current_id else ""
        print(text("storage.keys_status_line", key_id=key_id, marker=marker, count=counts[key_id]))
    for key_id in sorted(set(counts) - set(keyring.key_ids)):
        print(text("storage.keys_status_unknown", key_id=key_id, count=counts[key_id]))
    return 0


def _open(args: argparse.Namespace) -> tuple[KeyRing, Database]:
    settings = Settings()
    data_dir, database = open_bundle_database(args.bundle, settings)
    try:
        keyring = KeyRing.load(data_dir, settings)
    except LeadgateError:
        database.dispose()
        raise

    if keyring.created_path is not None:
        # On stderr, so that the output of "keys export" stays a clean variable value.
        print(text("storage.key_file_created", path=keyring.created_path), file=sys.stderr)
    return keyring, database


def _reencrypt(keyring: KeyRing, database: Database, batch_size: int) -> int:
    try:
        report = reencrypt_all(database, keyring, batch_size=batch_size)
    except (LeadgateError, KeyboardInterrupt):
        print(text("storage.keys_reencrypt_resume"), file=sys.stderr)
        raise

    print(
        text(
            "storage.keys_reencrypted",
            key_id=report.key_id,
            count=report.reencrypted,
            skipped=report.skipped,
        )
    )
    return 0
