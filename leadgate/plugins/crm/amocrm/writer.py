"""The amoCRM CRM writer: a lead with its contact through ``POST /api/v4/leads/complex``.

A write runs these steps, each safe to repeat after a lost response:

1. ``GET /api/v4/leads?query=<key>`` looks for a lead whose idempotency field contains
   the key; if one exists, only the missing consent note is added.
2. ``GET /api/v4/contacts?query=<phone>`` looks for the client's contact under a few
   spellings of the phone, and keeps only a contact whose phone digits match.
3. ``POST /api/v4/leads/complex`` creates the lead, linked to the found contact or
   with a new embedded contact (name, ``PHONE`` and ``EMAIL`` multi-fields).
4. ``POST /api/v4/leads/{id}/notes`` adds the consent references as a note.

amoCRM's API v4 has no call that deletes a lead or a contact, so erasure anonymises
instead: the lead loses its name, price and mapped fields and is closed as lost; a
contact that leadgate created loses its name, phones and e-mails. The destruction
records say "anonymisation", and the records themselves stay in amoCRM, where an
account administrator can delete them by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadgate.core.components import CRM, DeliveryReceipt, DestructionRecord, LeadRecord
from leadgate.errors import PluginError
from leadgate.locales import text
from leadgate.plugins.crm import logmask
from leadgate.plugins.crm.amocrm.client import AmoClient, NotFound
from leadgate.plugins.crm.amocrm.tokens import TokenManager
from leadgate.plugins.crm.mapping import (
    allowed_fields,
    canonical_phone,
    categories_of,
    consent_note,
    phone_spellings,
    render_title,
)

logger = logging.getLogger(__name__)

CONTACT_FIELDS = ("name", "phone", "email")
DEFAULT_TITLE = "{service} {visit_at}"
CLOSED_LOST = 143
"""amoCRM's fixed id of the "closed, not realised" status present in every pipeline."""

SAME_MOMENT_SECONDS = 2
"""Creation times closer than this mean ``leads/complex`` created the contact too."""

_NOTE_MARKER = "leadgate-key: "


@dataclass(frozen=True)
class AmoSettings:
    """The validated ``amocrm`` section, with defaults filled in."""

    base_url: str
    bundle_fields: tuple[str, ...]
    idempotency_field_id: int
    lead_fields: Mapping[str, int] = field(default_factory=dict)
    constants: Mapping[str, int] = field(default_factory=dict)
    title: str = DEFAULT_TITLE
    erased_status_id: int = CLOSED_LOST
    timeout: float = 10.0
    locale: str = "ru"


class AmoCRM(CRM):
    """Writes leads to one amoCRM account and anonymises them on erasure."""

    requests_per_second = 7.0
    """amoCRM allows about 7 requests per second per integration; a write makes 3-4."""

    def __init__(self, settings: AmoSettings, tokens: TokenManager | None, services: Any) -> None:
        self.settings = settings
        self.tokens = tokens
        self.services = services
        logmask.install()

    def _client(self) -> Any:
        if self.services is None or self.tokens is None:
            raise PluginError(text("crm.needs_services", self.settings.locale, crm="amocrm"))
        return self.services.http_client(
            base_url=self.settings.base_url, timeout=self.settings.timeout
        )

    async def write_lead(self, lead: LeadRecord, idempotency_key: str) -> DeliveryReceipt:
        """Create (once per ``idempotency_key``) the lead, its contact and the consent note."""
        fields = allowed_fields(lead.fields, self.settings.bundle_fields)
        async with self._client() as http:
            api = AmoClient(http, self.tokens, self.settings.locale)  # type: ignore[arg-type]
            found = await self._find_lead(api, idempotency_key)
            if found is not None:
                lead_id, contact_id, created = await self._recover(api, found)
            else:
                existing = await self._find_contact(api, fields.get("phone", ""))
                lead_id, contact_id = await self._add_lead(api, fields, existing, idempotency_key)
                created = bool(contact_id) and not existing
            note_id = await self._ensure_note(api, lead_id, lead, idempotency_key, found)

        logger.info("amocrm lead %s written (contact %s, ours: %s)", lead_id, contact_id, created)
        return DeliveryReceipt(
            external_id=lead_id,
            details={
                "lead_id": lead_id,
                "contact_id": contact_id,
                "contact_created": "yes" if created else "no",
                "note_id": note_id,
            },
        )

    async def _find_lead(self, api: AmoClient, key: str) -> dict[str, Any] | None:
        body = await api.request("GET", "/api/v4/leads", params={"query": key, "with": "contacts"})
        for candidate in _embedded(body, "leads"):
            if _field_text(candidate, self.settings.idempotency_field_id) == key:
                return candidate
        return None

    async def _recover(self, api: AmoClient, lead: dict[str, Any]) -> tuple[str, str, bool]:
        """Rebuild the ids of a write whose response was lost.

        ``leads/complex`` creates an embedded contact in the same moment as the lead,
        so a linked contact created within ``SAME_MOMENT_SECONDS`` of it is ours.
        """
        lead_id = str(lead["id"])
        contacts = lead.get("_embedded", {}).get("contacts") or []
        if not contacts:
            return lead_id, "", False
        contact_id = str(contacts[0]["id"])
        contact = await api.request("GET", f"/api/v4/contacts/{contact_id}")
        # NOTE: a contact someone else created in the same two seconds as the lead
        # would count as ours; leadgate then anonymises it on erasure.
        gap = abs(int(contact.get("created_at") or 0) - int(lead.get("created_at") or 0))
        return lead_id, contact_id, gap < SAME_MOMENT_SECONDS

    async def _find_contact(self, api: AmoClient, phone: str) -> str:
        """Return the id of an existing contact with this phone, or ``""``."""
        if not phone:
            return ""
        digits = re.sub(r"\D", "", canonical_phone(phone))
        spellings = phone_spellings(phone)
        # The ten national digits match however a manager grouped them, if the
        # search ignores punctuation; two formatted spellings cover it if not.
        queries = list(dict.fromkeys([digits[-10:], *spellings[2:4]]))
        for query in queries:
            body = await api.request("GET", "/api/v4/contacts", params={"query": query})
            matches = [
                int(contact["id"])
                for contact in _embedded(body, "contacts")
                if any(_same_phone(value, digits) for value in _phones(contact))
            ]
            if matches:
                return str(min(matches))
        return ""

    async def _add_lead(
        self, api: AmoClient, fields: Mapping[str, str], contact_id: str, key: str
    ) -> tuple[str, str]:
        lead: dict[str, Any] = {"name": render_title(self.settings.title, fields)}
        lead.update(self.settings.constants)
        if "price" in fields and "price" not in self.settings.lead_fields:
            lead["price"] = _price(fields["price"])

        values = [
            {"field_id": field_id, "values": [{"value": fields[name]}]}
            for name, field_id in self.settings.lead_fields.items()
            if name in fields
        ]
        values.append({"field_id": self.settings.idempotency_field_id, "values": [{"value": key}]})
        lead["custom_fields_values"] = values

        contact = {"id": int(contact_id)} if contact_id else _new_contact(fields)
        if contact is not None:
            lead["_embedded"] = {"contacts": [contact]}

        result = await api.request("POST", "/api/v4/leads/complex", json=[lead])
        created = result[0]
        return str(created["id"]), str(created.get("contact_id") or contact_id or "")

    async def _ensure_note(
        self,
        api: AmoClient,
        lead_id: str,
        lead: LeadRecord,
        key: str,
        found: dict[str, Any] | None,
    ) -> str:
        if found is not None:
            body = await api.request(
                "GET", f"/api/v4/leads/{lead_id}/notes", params={"filter[note_type]": "common"}
            )
            for note in _embedded(body, "notes"):
                if _NOTE_MARKER + key in str((note.get("params") or {}).get("text", "")):
                    return str(note["id"])

        note = {"note_type": "common", "params": {"text": self._consent_text(lead, key)}}
        body = await api.request("POST", f"/api/v4/leads/{lead_id}/notes", json=[note])
        notes = _embedded(body, "notes")
        return str(notes[0]["id"]) if notes else ""

    def _consent_text(self, lead: LeadRecord, key: str) -> str:
        locale = self.settings.locale
        return consent_note(
            text("crm.amocrm_consent_note", locale), lead, _NOTE_MARKER + key, locale
        )

    async def erase_subject(self, receipts: list[DeliveryReceipt]) -> list[DestructionRecord]:
        """Anonymise the leads, and the contacts leadgate created; amoCRM cannot delete.

        A lead or contact already gone counts as destroyed, so a repeated erasure
        succeeds. Returns one destruction record per lead and contact.
        """
        records: list[DestructionRecord] = []
        contacts: list[str] = []
        async with self._client() as http:
            api = AmoClient(http, self.tokens, self.settings.locale)  # type: ignore[arg-type]
            for receipt in receipts:
                lead_id = receipt.details.get("lead_id") or receipt.external_id
                if lead_id:
                    records.append(await self._anonymise(api, "lead", lead_id))
                contact_id = receipt.details.get("contact_id", "")
                if receipt.details.get("contact_created") == "yes" and contact_id:
                    contacts.append(contact_id)
            for contact_id in dict.fromkeys(contacts):
                records.append(await self._anonymise(api, "contact", contact_id))
        return records

    async def _anonymise(self, api: AmoClient, entity: str, entity_id: str) -> DestructionRecord:
        erased = text("crm.amocrm_erased_name", self.settings.locale)
        cleared: list[dict[str, Any]]
        if entity == "lead":
            cleared = [
                {"field_id": field_id, "values": None}
                for field_id in self.settings.lead_fields.values()
            ]
            body: dict[str, Any] = {
                "name": erased,
                "price": 0,
                "status_id": self.settings.erased_status_id,
            }
            fields = self.settings.bundle_fields
        else:
            cleared = [{"field_code": code, "values": None} for code in ("PHONE", "EMAIL")]
            body = {"name": erased, "first_name": "", "last_name": ""}
            fields = tuple(name for name in self.settings.bundle_fields if name in CONTACT_FIELDS)
        if cleared:
            body["custom_fields_values"] = cleared

        method = "anonymisation (amoCRM API v4 cannot delete)"
        try:
            await api.request("PATCH", f"/api/v4/{entity}s/{entity_id}", json=body)
        except NotFound:
            method = "anonymisation (already absent)"
        logger.info("amocrm %s %s erased: %s", entity, entity_id, method)
        return DestructionRecord(
            subject_ref=f"amocrm:{entity}:{entity_id}",
            categories=categories_of(fields),
            system=f"amoCRM {self.settings.base_url.split('//')[-1]}",
            reason="subject erasure",
            method=method,
            destroyed_at=dt.datetime.now(dt.UTC),
        )


def _embedded(body: Any, name: str) -> list[dict[str, Any]]:
    """Return ``body["_embedded"][name]``; a 204 response (``None``) is an empty list."""
    if not isinstance(body, dict):
        return []
    return list((body.get("_embedded") or {}).get(name) or [])


def _field_text(entity: Mapping[str, Any], field_id: int) -> str:
    for item in entity.get("custom_fields_values") or []:
        if int(item.get("field_id") or 0) == field_id:
            values = item.get("values") or []
            return str(values[0].get("value", "")) if values else ""
    return ""


def _phones(contact: Mapping[str, Any]) -> list[str]:
    return [
        str(value.get("value", ""))
        for item in contact.get("custom_fields_values") or []
        if item.get("field_code") == "PHONE"
        for value in item.get("values") or []
    ]


def _same_phone(value: str, digits: str) -> bool:
    """Compare phones by their last ten digits, so 8 913 … equals +7 913 …."""
    theirs = re.sub(r"\D", "", value)
    return len(theirs) >= 10 and theirs[-10:] == digits[-10:]


def _new_contact(fields: Mapping[str, str]) -> dict[str, Any] | None:
    values = []
    if "phone" in fields:
        phone = canonical_phone(fields["phone"])
        values.append({"field_code": "PHONE", "values": [{"value": phone, "enum_code": "WORK"}]})
    if "email" in fields:
        email = fields["email"].strip()
        values.append({"field_code": "EMAIL", "values": [{"value": email, "enum_code": "WORK"}]})
    if not values and "name" not in fields:
        return None

    contact: dict[str, Any] = {"custom_fields_values": values} if values else {}
    if "name" in fields:
        contact["name"] = fields["name"]
    return contact


def _price(value: str) -> int:
    try:
        return round(float(value.replace(",", ".").replace(" ", "")))
    except ValueError:
        return 0
