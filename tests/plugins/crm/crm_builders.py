"""Builders shared by the CRM plugin tests: a minimal bundle and its services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leadgate.config.bundle import (
    AnswererChoice,
    Bundle,
    Business,
    CrmChoice,
    Dialogue,
    RedactionPolicy,
)
from leadgate.config.settings import Settings
from leadgate.core.components import ComponentContext, LeadRecord
from leadgate.core.runtime import Services


def make_bundle(crm: str, fields: tuple[str, ...], settings: dict[str, Any]) -> Bundle:
    """Return a bundle named ``salon`` whose CRM section is ``crm`` with ``settings``."""
    return Bundle(
        name="salon",
        path=Path("/nonexistent/salon"),
        business=Business(
            name="Салон «Лаванда»",
            operator="ИП Иванова А. А.",
            address="Новосибирск, ул. Ленина, 1",
            inn="540123456789",
            timezone=ZoneInfo("Asia/Novosibirsk"),
        ),
        channels=(),
        consents=(),
        redaction=RedactionPolicy(actions={}),
        answerer=AnswererChoice(name="scripted"),
        crm=CrmChoice(name=crm, config=settings, fields=fields),
        retention={},
        data_locations=frozenset({"local", "ru"}),
        dialogue=Dialogue(services=(), hours={}),
    )


def make_context(
    crm: str,
    fields: tuple[str, ...],
    settings: dict[str, Any],
    database: Any = None,
    keyring: Any = None,
    with_services: bool = True,
) -> ComponentContext:
    """Return what leadgate hands a CRM factory, with real services when asked."""
    bundle = make_bundle(crm, fields, settings)
    services = None
    if with_services:
        services = Services(
            settings=Settings(),
            bundle=bundle,
            database=database,
            keyring=keyring,
            registry=None,  # type: ignore[arg-type]
            plugin_manager=None,  # type: ignore[arg-type]
        )
    return ComponentContext(name=crm, config=settings, bundle=bundle, services=services)


def make_lead(lead_id: str = "lead1", **fields: str) -> LeadRecord:
    """Return a lead with a booking consent reference."""
    return LeadRecord(
        lead_id=lead_id,
        bundle="salon",
        fields=fields,
        consents=(
            {
                "type": "booking",
                "version": "2026-09",
                "recorded_at": "2026-12-04T10:15:00+00:00",
                "channel": "telegram",
            },
        ),
        created_at=dt.datetime(2026, 12, 4, 10, 16, tzinfo=dt.UTC),
    )
