"""The built-in CRM ``local``: the encrypted ``leads`` table in leadgate's own database.

The pipeline stores each confirmed booking in ``leads`` (only the bundle's listed
fields, encrypted) in the transaction that confirms it, and queues a CRM write like
for any other CRM. For ``local`` that write checks the row and returns its id, so the
built-in CRM goes through the same outbox and listings as an external one.
"""

from __future__ import annotations

import asyncio

import leadgate
from leadgate.core.components import (
    CRM,
    EMAIL,
    NAME,
    PHONE,
    ComponentContext,
    ComponentSpec,
    DeliveryReceipt,
    DestructionRecord,
    LeadRecord,
)
from leadgate.core.hookspecs import Register
from leadgate.core.store.tables import Lead
from leadgate.errors import PermanentError


class LocalCRM(CRM):
    """Confirms leads stored in the local ``leads`` table."""

    def __init__(self, context: ComponentContext) -> None:
        self.services = context.services

    async def write_lead(self, lead: LeadRecord, idempotency_key: str) -> DeliveryReceipt:
        """Confirm that the lead row exists; writing it twice is a no-op by design."""
        exists = await asyncio.to_thread(self._exists, lead.lead_id)
        if not exists:
            raise PermanentError(
                f"lead {lead.lead_id} is not in the leads table; it was erased before delivery"
            )
        return DeliveryReceipt(external_id=lead.lead_id, details={"crm": "local"})

    def _exists(self, lead_id: str) -> bool:
        with self.services.database.session(readonly=True) as session:
            return session.get(Lead, lead_id) is not None

    async def erase_subject(self, receipts: list[DeliveryReceipt]) -> list[DestructionRecord]:
        """Return no records: the core erases the ``leads`` rows together with the conversation."""
        return []


@leadgate.hookimpl
def leadgate_register_crms(register: Register) -> None:
    """Register the built-in CRM as the default ``local``."""
    register(
        ComponentSpec(
            kind="crm",
            name="local",
            factory=LocalCRM,
            schema=None,
            reads=frozenset({NAME, PHONE, EMAIL}),
            writes=frozenset({NAME, PHONE, EMAIL}),
            location="local",
            description="Leads in leadgate's own encrypted database",
            default=True,
        )
    )
