"""``leadgate migrate BUNDLE``: create or upgrade the bundle's database schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from leadgate.config.settings import Settings
from leadgate.core.store.engine import Database, data_dir_for
from leadgate.errors import ConfigError
from leadgate.locales import text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``migrate`` command."""
    parser = subparsers.add_parser(
        "migrate", help=text("storage.migrate_help"), description=text("storage.migrate_help")
    )
    add_bundle_argument(parser)
    parser.set_defaults(handler=run)


def add_bundle_argument(parser: argparse.ArgumentParser) -> None:
    """Add the positional ``BUNDLE`` path argument."""
    parser.add_argument("bundle", metavar="BUNDLE", type=Path, help=text("storage.bundle_help"))


def open_bundle_database(bundle: Path, settings: Settings) -> tuple[Path, Database]:
    """Return the bundle's data directory and its opened database.

    Raises ``ConfigError`` when the bundle path does not exist and no data directory
    is set, so a mistyped path does not create an empty database somewhere new.
    """
    if settings.data_dir is None and not bundle.exists():
        raise ConfigError(text("storage.bundle_not_found", path=bundle))

    data_dir = data_dir_for(bundle, settings)
    return data_dir, Database.open(data_dir, settings)


def run(args: argparse.Namespace) -> int:
    """Upgrade the schema to the newest revision and print it."""
    _, database = open_bundle_database(args.bundle, Settings())
    try:
        revision = database.migrate()
    finally:
        database.dispose()

    print(text("storage.migrate_done", url=database.url, revision=revision))
    return 0
