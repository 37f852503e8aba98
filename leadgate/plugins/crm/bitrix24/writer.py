"""The Bitrix24 CRM writer: one contact per client, one lead per booking.

A write runs these steps, each safe to repeat after a lost response:

1. ``crm.lead.list`` looks for a lead whose ``ORIGINATOR_ID`` is ``leadgate`` and
   whose ``ORIGIN_ID`` is the idempotency key; if one exists, only the missing
   timeline comment is added.
2. The contact: one leadgate created for this key (``crm.contact.list`` on the same
   origin fields), else an existing one found by ``crm.duplicate.findbycomm`` under
   every spelling of the phone (or the e-mail), else a new one (``crm.contact.add``,
   marked with the origin fields so erasure can tell it was ours).
3. ``crm.lead.add`` with the bundle's mapped fields, the constants and ``CONTACT_ID``.
4. ``crm.timeline.comment.add`` with the consent references, never the conversation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from leadgate.core.components import CRM, DeliveryReceipt, DestructionRecord, LeadRecord
from leadgate.errors import PluginError
from leadgate.locales import text
from leadgate.plugins.crm import logmask
from leadgate.plugins.crm.bitrix24.client import Bitrix24Client, EntityNotFound
from leadgate.plugins.crm.mapping import (
    ORIGINATOR,
    allowed_fields,
    canonical_phone,
    categories_of,
    consent_note,
    phone_spellings,
    render_title,
)

logger = logging.getLogger(__name__)

CONTACT_FIELDS = {"name": "NAME", "phone": "PHONE", "email": "EMAIL"}
"""Our fields that identify a person, and their Bitrix24 contact (and lead) fields."""

DEFAULT_LEAD_FIELDS = {"price": "OPPORTUNITY", "comment": "COMMENTS"}
DEFAULT_TITLE = "{service} {visit_at}"
MULTI_FIELDS = frozenset({"PHONE", "EMAIL"})
MAX_DUPLICATE_VALUES = 20
"""``crm.duplicate.findbycomm`` takes at most 20 values per call."""

_KEY_MARKER = "leadgate-key: "


@dataclass(frozen=True)
class Bitrix24Settings:
    """The validated ``bitrix24`` section, with defaults filled in."""

    webhook_url: str
    bundle_fields: tuple[str, ...]
    lead_fields: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    title: str = DEFAULT_TITLE
    timeout: float = 10.0
    locale: str = "ru"

    @property
    def portal(self) -> str:
        """The portal host, which names the system in destruction records."""
        return urlsplit(self.webhook_url).hostname or ""


class Bitrix24CRM(CRM):
    """Writes leads to one Bitrix24 portal and erases what it wrote."""

    requests_per_second = 2.0
    """Bitrix24 cloud allows about 2 REST requests per second per portal, with bursts
    up to 50; a write makes up to five requests."""

    def __init__(self, settings: Bitrix24Settings, services: Any) -> None:
        self.settings = settings
        self.services = services
        logmask.install()

    def _client(self) -> Any:
        if self.services is None:
            raise PluginError(text("crm.needs_services", self.settings.locale, crm="bitrix24"))
        return self.services.http_client(
            base_url=self.settings.webhook_url, timeout=self.settings.timeout
        )

    async def write_lead(self, lead: LeadRecord, idempotency_key: str) -> DeliveryReceipt:
        """Create (once per ``idempotency_key``) the lead, its contact and the consent note."""
        fields = allowed_fields(lead.fields, self.settings.bundle_fields)
        async with self._client() as http:
            api = Bitrix24Client(http, self.settings.locale)
            found = await self._find_lead(api, idempotency_key)
            if found is not None:
                lead_id, contact_id = found
                created = bool(contact_id) and await self._is_ours(api, contact_id, idempotency_key)
            else:
                contact_id, created = await self._resolve_contact(api, fields, idempotency_key)
                lead_id = await self._add_lead(api, fields, contact_id, idempotency_key)
            comment_id = await self._ensure_comment(api, lead_id, lead, idempotency_key, found)

        logger.info("bitrix24 lead %s written (contact %s, ours: %s)", lead_id, contact_id, created)
        return DeliveryReceipt(
            external_id=lead_id,
            details={
                "lead_id": lead_id,
                "contact_id": contact_id,
                "contact_created": "yes" if created else "no",
                "comment_id": comment_id,
            },
        )

    async def _find_lead(self, api: Bitrix24Client, key: str) -> tuple[str, str] | None:
        result = await api.call(
            "crm.lead.list",
            {
                "filter": {"=ORIGINATOR_ID": ORIGINATOR, "=ORIGIN_ID": key},
                "select": ["ID", "CONTACT_ID"],
            },
        )
        for row in result or []:
            return str(row["ID"]), str(row.get("CONTACT_ID") or "")
        return None

    async def _is_ours(self, api: Bitrix24Client, contact_id: str, key: str) -> bool:
        ours = await self._find_own_contact(api, key)
        return ours == contact_id

    async def _find_own_contact(self, api: Bitrix24Client, key: str) -> str:
        result = await api.call(
            "crm.contact.list",
            {"filter": {"=ORIGINATOR_ID": ORIGINATOR, "=ORIGIN_ID": key}, "select": ["ID"]},
        )
        for row in result or []:
            return str(row["ID"])
        return ""

    async def _resolve_contact(
        self, api: Bitrix24Client, fields: Mapping[str, str], key: str
    ) -> tuple[str, bool]:
        """Return the contact id for this lead and whether leadgate created it."""
        phone, email = fields.get("phone", ""), fields.get("email", "")
        if not phone and not email:
            return "", False

        own = await self._find_own_contact(api, key)
        if own:
            return own, True

        existing = await self._find_by_phone_or_email(api, phone, email)
        if existing:
            return existing, False

        contact = {
            CONTACT_FIELDS[name]: _field_value(CONTACT_FIELDS[name], value)
            for name, value in fields.items()
            if name in CONTACT_FIELDS
        }
        contact.update({"ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key})
        if "SOURCE_ID" in self.settings.constants:
            contact["SOURCE_ID"] = self.settings.constants["SOURCE_ID"]
        contact_id = await api.call("crm.contact.add", {"fields": contact})
        return str(contact_id), True

    async def _find_by_phone_or_email(self, api: Bitrix24Client, phone: str, email: str) -> str:
        searches = []
        if phone:
            searches.append(("PHONE", phone_spellings(phone)[:MAX_DUPLICATE_VALUES]))
        if email:
            searches.append(("EMAIL", [email.strip()]))

        for kind, values in searches:
            result = await api.call(
                "crm.duplicate.findbycomm",
                {"type": kind, "values": values, "entity_type": "CONTACT"},
            )
            # An empty result comes back as a list, a match as {"CONTACT": [ids]}.
            ids = result.get("CONTACT", []) if isinstance(result, dict) else []
            if ids:
                # The oldest contact is the one managers have worked with.
                return str(min(int(item) for item in ids))
        return ""

    async def _add_lead(
        self, api: Bitrix24Client, fields: Mapping[str, str], contact_id: str, key: str
    ) -> str:
        lead: dict[str, Any] = dict(self.settings.constants)
        mapping = dict(self.settings.lead_fields)
        if not contact_id:
            # Without a contact the person's own fields stay on the lead itself.
            mapping = {**CONTACT_FIELDS, **mapping}
        for name, target in mapping.items():
            if name in fields:
                lead[target] = _field_value(target, fields[name])

        lead["TITLE"] = render_title(self.settings.title, fields)
        lead.update({"ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key})
        if contact_id:
            lead["CONTACT_ID"] = contact_id
        lead_id = await api.call(
            "crm.lead.add", {"fields": lead, "params": {"REGISTER_SONET_EVENT": "Y"}}
        )
        return str(lead_id)

    async def _ensure_comment(
        self,
        api: Bitrix24Client,
        lead_id: str,
        lead: LeadRecord,
        key: str,
        found: tuple[str, str] | None,
    ) -> str:
        if found is not None:
            existing = await self._find_comment(api, lead_id, key)
            if existing:
                return existing
        comment = self._consent_comment(lead, key)
        comment_id = await api.call(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": int(lead_id), "ENTITY_TYPE": "lead", "COMMENT": comment}},
        )
        return str(comment_id)

    async def _find_comment(self, api: Bitrix24Client, lead_id: str, key: str) -> str:
        result = await api.call(
            "crm.timeline.comment.list",
            {
                "filter": {"ENTITY_ID": int(lead_id), "ENTITY_TYPE": "lead"},
                "select": ["ID", "COMMENT"],
            },
        )
        for row in result or []:
            if _KEY_MARKER + key in str(row.get("COMMENT", "")):
                return str(row["ID"])
        return ""

    def _consent_comment(self, lead: LeadRecord, key: str) -> str:
        locale = self.settings.locale
        return consent_note(
            text("crm.bitrix24_consent_heading", locale), lead, _KEY_MARKER + key, locale
        )

    async def erase_subject(self, receipts: list[DeliveryReceipt]) -> list[DestructionRecord]:
        """Delete the leads and the contacts leadgate created; keep contacts it found.

        A record that is already gone counts as destroyed, so a repeated erasure
        succeeds. Returns one destruction record per deleted lead and contact.
        """
        records: list[DestructionRecord] = []
        contacts: list[str] = []
        async with self._client() as http:
            api = Bitrix24Client(http, self.settings.locale)
            for receipt in receipts:
                lead_id = receipt.details.get("lead_id") or receipt.external_id
                if lead_id:
                    records.append(await self._delete(api, "lead", lead_id))
                contact_id = receipt.details.get("contact_id", "")
                if receipt.details.get("contact_created") == "yes" and contact_id:
                    contacts.append(contact_id)
            for contact_id in dict.fromkeys(contacts):
                records.append(await self._delete(api, "contact", contact_id))
        return records

    async def _delete(self, api: Bitrix24Client, entity: str, entity_id: str) -> DestructionRecord:
        method = "deletion"
        try:
            await api.call(f"crm.{entity}.delete", {"id": int(entity_id)})
        except EntityNotFound:
            method = "deletion (already absent)"
        logger.info("bitrix24 %s %s erased: %s", entity, entity_id, method)

        fields = self.settings.bundle_fields
        if entity == "contact":
            fields = tuple(name for name in fields if name in CONTACT_FIELDS)
        return DestructionRecord(
            subject_ref=f"bitrix24:{entity}:{entity_id}",
            categories=categories_of(fields),
            system=f"Bitrix24 {self.settings.portal}",
            reason="subject erasure",
            method=method,
            destroyed_at=dt.datetime.now(dt.UTC),
        )


def _field_value(target: str, value: str) -> Any:
    """Shape a value for a Bitrix24 field; phones and e-mails are multi-fields."""
    if target in MULTI_FIELDS:
        shown = canonical_phone(value) if target == "PHONE" else value.strip()
        return [{"VALUE": shown, "VALUE_TYPE": "WORK"}]
    return value
