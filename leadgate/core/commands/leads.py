"""``leadgate leads BUNDLE``: list leads of the built-in CRM, masked unless revealed.

``--reveal`` shows names and phones in full and writes one access-journal entry per
lead shown (who, when, whose data, which fields, why), as 152-FZ art. 19 measures ask
for every read of personal data by a person.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from sqlmodel import col, select

from leadgate.config.settings import Settings
from leadgate.core.audit import record_access
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database, data_dir_for
from leadgate.core.store.tables import Lead
from leadgate.errors import ConfigError
from leadgate.locales import text as t


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``leads`` command."""
    parser = subparsers.add_parser("leads", help=t("cli.leads_help"))
    parser.add_argument("bundle", help=t("cli.bundle_help"))
    parser.add_argument("--reveal", action="store_true", help=t("cli.reveal_help"))
    parser.add_argument("--reason", default="", help=t("cli.reason_help"))
    parser.add_argument("--actor", default="", help=t("cli.actor_help"))
    parser.set_defaults(handler=list_leads)


def list_leads(args: argparse.Namespace) -> int:
    """Print the leads table."""
    if args.reveal and not args.reason.strip():
        raise ConfigError(t("cli.reveal_needs_reason"))
    settings = Settings()
    bundle_path = Path(args.bundle).absolute()
    data_dir = data_dir_for(bundle_path, settings)
    database = Database.open(data_dir, settings)
    if database.current_revision() is None:
        # A bundle that never ran has no tables yet, and so no leads.
        print(t("cli.no_leads"))
        database.dispose()
        return 0
    database.require_current()
    keyring = KeyRing.load(data_dir, settings)
    actor = args.actor or settings.actor or os.environ.get("USER") or getpass.getuser()

    with database.session() as session:
        leads = session.exec(select(Lead).order_by(col(Lead.created_at))).all()
        if not leads:
            print(t("cli.no_leads"))
            return 0
        print(t("cli.leads_header"))
        for lead in leads:
            fields = (
                keyring.decrypt_json(lead.fields_enc, context="leads.fields_enc")
                if lead.fields_enc
                else None
            )
            print(_row(lead, fields, reveal=args.reveal))
            if args.reveal and fields:
                record_access(
                    session, bundle=lead.bundle, actor=actor, action="reveal", subject_id=lead.subject_id,
                    fields=",".join(sorted(fields)), reason=args.reason.strip(),
                )  # fmt: skip
    if args.reveal:
        print(t("cli.revealed", count=sum(1 for lead in leads if lead.fields_enc)))
    database.dispose()
    return 0


def _row(lead: Lead, fields: dict[str, str] | None, *, reveal: bool) -> str:
    created = lead.created_at.strftime("%Y-%m-%d %H:%M")
    visit = fields.get("visit_at", "")[:16].replace("T", " ") if fields else ""
    if fields is None:
        return f"{created:17} {'':17} {t('cli.erased')}"
    name = fields.get("name", "")
    phone = fields.get("phone", "")
    if not reveal:
        name, phone = mask_name(name), mask_phone(phone)
    service = fields.get("service", "")
    return f"{created:17} {visit:17} {service[:21]:21} {lead.channel[:9]:9} {name:20} {phone}"


def mask_phone(phone: str) -> str:
    """Keep the country code and the last two digits: ``+7 *** ***-**-01``."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return "***"
    return f"+{digits[0]} *** ***-**-{digits[-2:]}"


def mask_name(name: str) -> str:
    """Keep the first letter of each word: ``А***``."""
    return " ".join(f"{word[0]}***" for word in name.split() if word)
