"""``leadgate outbox BUNDLE``: list pending and dead deliveries; ``retry`` replays dead ones.

The listing shows ids, kinds, targets, attempts and error descriptions, which never
contain personal data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlmodel import col, select

from leadgate.config.settings import Settings
from leadgate.core.outbox import retry_dead
from leadgate.core.store.engine import Database, data_dir_for
from leadgate.core.store.tables import OutboxItem
from leadgate.errors import ConfigError
from leadgate.locales import text as t


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outbox`` command with its ``retry`` action."""
    parser = subparsers.add_parser("outbox", help=t("cli.outbox_help"))
    parser.add_argument("bundle", help=t("cli.bundle_help"))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    retry = actions.add_parser("retry", help=t("cli.outbox_retry_help"))
    retry.add_argument("item", nargs="?", type=int)
    retry.add_argument("--all", action="store_true")
    parser.set_defaults(handler=outbox)


def outbox(args: argparse.Namespace) -> int:
    """List or retry."""
    settings = Settings()
    database = Database.open(data_dir_for(Path(args.bundle).absolute(), settings), settings)
    database.require_current()
    try:
        if args.action == "retry":
            return _retry(database, args)
        return _list(database)
    finally:
        database.dispose()


def _list(database: Database) -> int:
    with database.session(readonly=True) as session:
        items = session.exec(
            select(OutboxItem)
            .where(col(OutboxItem.status).in_(("pending", "dead")))
            .order_by(col(OutboxItem.id))
        ).all()
    if not items:
        print(t("cli.outbox_empty"))
        return 0
    print(t("cli.outbox_header"))
    for item in items:
        next_at = (
            item.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") if item.status == "pending" else "-"
        )
        print(
            f"{item.id:<7} {item.kind:7} {item.target[:13]:13} {item.status:9} {item.attempts:<8} {next_at:20} {item.last_error[:80]}"
        )
    return 0


def _retry(database: Database, args: argparse.Namespace) -> int:
    if args.item is None and not args.all:
        raise ConfigError(t("cli.outbox_retry_target"))
    with database.session() as session:
        bundles = session.exec(select(OutboxItem.bundle).distinct()).all()
        count = sum(
            retry_dead(session, bundle, None if args.all else args.item) for bundle in bundles
        )
    if args.item is not None and not args.all and count == 0:
        raise ConfigError(t("cli.outbox_not_dead", item=args.item))
    print(t("cli.outbox_retried", count=count))
    return 0
