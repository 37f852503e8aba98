"""Destruction of personal data: erasure of a person or of single messages, and sweeps.

Every destruction leaves a ``destruction_log`` row naming the pseudonymous subject,
the categories destroyed, the information system, the reason, the method and the
time, as the event-log export of a destruction act requires (Roskomnadzor order
No. 179 of 28.10.2022). The rows never contain the destroyed values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from leadgate.core.components import CHANNEL_ID, MESSAGE_TEXT, NAME, PHONE, DestructionRecord
from leadgate.core.store.engine import try_lock_transaction
from leadgate.core.store.tables import (
    Conversation,
    DestructionEntry,
    Lead,
    Message,
    OutboxItem,
    utcnow,
)

logger = logging.getLogger(__name__)

SYSTEM = "leadgate"


def record_destruction(
    session: Session, bundle: str, record: DestructionRecord
) -> DestructionEntry:
    """Store one destruction record."""
    entry = DestructionEntry(
        bundle=bundle,
        subject_ref=record.subject_ref,
        categories=",".join(record.categories),
        system=record.system,
        reason=record.reason,
        method=record.method,
        count=record.count,
        destroyed_at=(record.destroyed_at or dt.datetime.now(dt.UTC)).replace(tzinfo=None),
    )
    session.add(entry)
    return entry


def erase_messages(
    session: Session, bundle: str, subject_id: str, messages: Iterable[Message], reason: str
) -> DestructionRecord | None:
    """Destroy the texts of ``messages`` and record it; ``None`` when there was nothing."""
    count = 0
    for message in messages:
        if message.text_enc is None and message.redacted_enc is None and message.meta_enc is None:
            continue
        message.text_enc = None
        message.redacted_enc = None
        message.meta_enc = None
        message.status = "erased"
        session.add(message)
        count += 1
    if not count:
        return None
    record = DestructionRecord(
        subject_ref=subject_id,
        categories=(MESSAGE_TEXT,),
        system=SYSTEM,
        reason=reason,
        count=count,
    )
    record_destruction(session, bundle, record)
    return record


def erase_conversation(
    session: Session, conversation: Conversation, categories: tuple[str, ...], reason: str
) -> list[DestructionRecord]:
    """Destroy a conversation's messages, state (with its vault) and leads.

    The conversation row stays with its blind index only, so that a person who
    withdrew is recognised if they write again. Consent records stay: they are the
    operator's proof and have their own retention period.
    """
    records: list[DestructionRecord] = []
    messages = session.exec(select(Message).where(Message.conversation_id == conversation.id)).all()
    message_record = erase_messages(
        session, conversation.bundle, conversation.subject_id, messages, reason
    )
    if message_record is not None:
        records.append(message_record)

    leads = session.exec(select(Lead).where(Lead.conversation_id == conversation.id)).all()
    for lead in leads:
        lead.fields_enc = None
        lead.phone_index = None
        lead.status = "erased"
        session.add(lead)

    conversation.state_enc = None
    conversation.user_id_enc = None
    session.add(conversation)
    state_record = DestructionRecord(
        subject_ref=conversation.subject_id,
        categories=categories,
        system=SYSTEM,
        reason=reason,
        count=1 + len(leads),
    )
    record_destruction(session, conversation.bundle, state_record)
    records.append(state_record)
    return records


def crm_receipts(session: Session, bundle: str, conversation_id: str) -> list[dict[str, str]]:
    """Return the receipts of CRM writes made for a conversation's leads, for erasure."""
    lead_ids = session.exec(select(Lead.id).where(Lead.conversation_id == conversation_id)).all()
    keys = [f"crm:{lead_id}" for lead_id in lead_ids]
    if not keys:
        return []
    items = session.exec(
        select(OutboxItem).where(
            OutboxItem.bundle == bundle,
            col(OutboxItem.idempotency_key).in_(keys),
            OutboxItem.status == "delivered",
        )
    ).all()
    return [json.loads(item.receipt) for item in items if item.receipt]


def sweep_expired_messages(session: Session, bundle: str, older_than: dt.timedelta) -> int:
    """Erase message texts older than ``older_than``; return how many were erased."""
    cutoff = utcnow() - older_than
    messages = session.exec(
        select(Message).where(
            Message.bundle == bundle,
            col(Message.created_at) < cutoff,
            Message.status != "erased",
        )
    ).all()
    by_subject: dict[str, list[Message]] = {}
    for message in messages:
        conversation = session.get(Conversation, message.conversation_id)
        subject = conversation.subject_id if conversation else "unknown"
        by_subject.setdefault(subject, []).append(message)
    erased = 0
    for subject, subject_messages in by_subject.items():
        record = erase_messages(session, bundle, subject, subject_messages, "retention")
        erased += record.count if record else 0
    if erased:
        logger.info("retention sweep erased %d message texts in bundle %s", erased, bundle)
    return erased


def run_sweep(services: Any, now: dt.datetime | None = None) -> list[DestructionRecord]:
    """Enforce the bundle's retention periods once; return the destruction records made.

    Periods (see the bundle's ``retention``): ``enquiry`` for conversations that led
    to no booking, ``transcript`` for the messages of conversations with a booking
    (counted from the last activity), ``client`` for lead fields (from the visit or,
    without one, from creation), ``destruction`` for the destruction log itself.
    Plugins then destroy their own data through ``leadgate_retention_sweep``. On
    PostgreSQL an advisory lock makes one process run the sweep.
    """
    now = now or dt.datetime.now(dt.UTC)
    bundle = services.bundle
    policy = bundle.retention
    records: list[DestructionRecord] = []
    with services.database.session() as session:
        if not try_lock_transaction(session, f"retention:{bundle.name}"):
            return []
        cutoff = now.astimezone(dt.UTC).replace(tzinfo=None)
        records.extend(_sweep_conversations(session, bundle.name, cutoff, policy))
        records.extend(_sweep_leads(session, bundle.name, cutoff, policy))
        _sweep_destruction_log(session, bundle.name, cutoff, policy)
        plugin_results = services.plugin_manager.hook.leadgate_retention_sweep(
            now=now, policy=dict(policy), bundle=bundle
        )
        for result in plugin_results:
            for record in result or []:
                record_destruction(session, bundle.name, record)
                records.append(record)
    if records:
        logger.info(
            "retention sweep of bundle %s made %d destruction records", bundle.name, len(records)
        )
    return records


def _sweep_conversations(
    session: Session, bundle: str, cutoff: dt.datetime, policy: Mapping[str, dt.timedelta]
) -> list[DestructionRecord]:
    records: list[DestructionRecord] = []
    with_leads = set(session.exec(select(Lead.conversation_id).where(Lead.bundle == bundle)).all())
    for conversation in session.exec(
        select(Conversation).where(
            Conversation.bundle == bundle, col(Conversation.state_enc).is_not(None)
        )
    ).all():
        booked = conversation.id in with_leads
        period = policy.get("transcript" if booked else "enquiry")
        if period is None or conversation.last_activity_at > cutoff - period:
            continue
        if booked:
            messages = session.exec(
                select(Message).where(Message.conversation_id == conversation.id)
            ).all()
            record = erase_messages(
                session, bundle, conversation.subject_id, messages, "retention_transcript"
            )
            conversation.state_enc = None
            session.add(conversation)
            records.extend([record] if record else [])
        else:
            records.extend(
                erase_conversation(
                    session,
                    conversation,
                    (MESSAGE_TEXT, CHANNEL_ID, NAME, PHONE),
                    "retention_enquiry",
                )
            )
    return records


def _sweep_leads(
    session: Session, bundle: str, cutoff: dt.datetime, policy: Mapping[str, dt.timedelta]
) -> list[DestructionRecord]:
    period = policy.get("client")
    if period is None:
        return []
    records = []
    for lead in session.exec(
        select(Lead).where(Lead.bundle == bundle, col(Lead.fields_enc).is_not(None))
    ).all():
        reference = lead.visit_at or lead.created_at
        if reference > cutoff - period:
            continue
        lead.fields_enc = None
        lead.phone_index = None
        lead.status = "erased"
        session.add(lead)
        record = DestructionRecord(
            subject_ref=lead.subject_id,
            categories=(NAME, PHONE),
            system=SYSTEM,
            reason="retention_client",
        )
        record_destruction(session, bundle, record)
        records.append(record)
    return records


def _sweep_destruction_log(
    session: Session, bundle: str, cutoff: dt.datetime, policy: Mapping[str, dt.timedelta]
) -> None:
    period = policy.get("destruction")
    if period is None:
        return
    for entry in session.exec(
        select(DestructionEntry).where(
            DestructionEntry.bundle == bundle, col(DestructionEntry.destroyed_at) < cutoff - period
        )
    ).all():
        session.delete(entry)


async def sweep_periodically(services: Any, interval_seconds: float = 3600.0) -> None:
    """Run :func:`run_sweep` every ``interval_seconds`` until cancelled."""
    import asyncio

    while True:
        try:
            await asyncio.to_thread(run_sweep, services)
        except Exception:
            logger.exception("retention sweep of bundle %s failed", services.bundle.name)
        await asyncio.sleep(interval_seconds)
