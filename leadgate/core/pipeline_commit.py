"""Loading one event's context and committing what processing decided, atomically."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from leadgate.core import consent as consents
from leadgate.core.components import (
    CHANNEL_ID,
    MESSAGE_TEXT,
    NAME,
    PHONE,
    DestructionRecord,
    LeadRecord,
)
from leadgate.core.conversation import load_state, save_state, user_id_of
from leadgate.core.outbox import enqueue
from leadgate.core.retention import (
    crm_receipts,
    erase_conversation,
    erase_messages,
    record_destruction,
)
from leadgate.core.store.tables import Conversation, Lead, Message, utcnow

if TYPE_CHECKING:
    from leadgate.core.pipeline import Pipeline, Reply, Work

logger = logging.getLogger(__name__)

TEXT_CONTEXT = "messages.text_enc"
REDACTED_CONTEXT = "messages.redacted_enc"
META_CONTEXT = "messages.meta_enc"
LEAD_CONTEXT = "leads.fields_enc"


def load_work(pipeline: Pipeline, message_id: int) -> Work | None:
    """Read and decrypt what processing one message needs; ``None`` if already done."""
    from leadgate.core.pipeline import Work

    keyring = pipeline.services.keyring
    with pipeline.services.database.session() as session:
        message = session.get(Message, message_id)
        if message is None or message.status != "received":
            return None
        conversation = session.get(Conversation, message.conversation_id)
        if conversation is None:
            return None
        held = session.exec(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.status == "held")
            .order_by(col(Message.id))
        ).all()
        return Work(
            message=message,
            conversation=conversation,
            state=load_state(keyring, conversation),
            decisions=consents.latest_decisions(
                session, pipeline.bundle.name, conversation.subject_id
            ),
            text=_decrypt(keyring, message.text_enc, TEXT_CONTEXT),
            meta=json.loads(_decrypt(keyring, message.meta_enc, META_CONTEXT) or "{}"),
            user_id=user_id_of(keyring, conversation),
            held=[(row, _decrypt(keyring, row.text_enc, TEXT_CONTEXT)) for row in held],
        )


def _decrypt(keyring: Any, blob: bytes | None, context: str) -> str:
    return keyring.decrypt(blob, context=context) if blob else ""


def commit_turn(pipeline: Pipeline, work: Work) -> None:
    """Write everything one event decided in a single transaction."""
    with pipeline.services.database.session() as session:
        # On PostgreSQL another process may have processed this message meanwhile. The
        # row lock makes the "still received?" check and the writes one atomic step.
        # Each process takes the oldest received message, so the loser starts again
        # from the winner's state. On SQLite, BEGIN IMMEDIATE serialises writers anyway.
        message = session.get(Message, work.message.id, with_for_update=True)
        conversation = session.get(Conversation, work.conversation.id)
        if conversation is None or message is None or message.status != "received":
            return  # another worker finished this message first
        _update_messages(pipeline, session, work, message)
        _record_consents(pipeline, session, work, conversation)
        _apply_erasures(pipeline, session, work, conversation, message)
        _apply_delivery_update(session, work, conversation)
        _update_conversation(pipeline, work, conversation)
        for index, reply in enumerate(work.replies):
            _queue_reply(pipeline, session, work, conversation, message, index, reply)
        _queue_acknowledgement(pipeline, session, work, message)
        if work.lead is not None:
            work.lead_record = _store_lead(pipeline, session, work, conversation)
        session.add(conversation)


def _update_messages(pipeline: Pipeline, session: Session, work: Work, message: Message) -> None:
    keyring = pipeline.services.keyring
    now = utcnow()
    for processed in work.processed:
        row = session.get(Message, processed.id)
        if row is not None:
            row.status = "processed"
            row.processed_at = now
            session.add(row)
    for message_id, (redacted, special) in work.redacted.items():
        row = session.get(Message, message_id)
        if row is None:
            continue
        row.redacted_enc = keyring.encrypt(redacted, context=REDACTED_CONTEXT)
        if special:
            # Special-category data (health) is kept only in redacted form.
            row.text_enc = keyring.encrypt(redacted, context=TEXT_CONTEXT)
        session.add(row)
    if work.hold:
        message.status = "held"
    elif message.status == "received":
        message.status = "processed"
        message.processed_at = now
    session.add(message)


def _record_consents(
    pipeline: Pipeline, session: Session, work: Work, conversation: Conversation
) -> None:
    proof = consents.ConsentProof(
        channel=conversation.channel,
        channel_user_id=work.user_id,
        message_ref=work.meta.get("message_id")
        or work.meta.get("callback_query_id")
        or work.message.external_id,
        ip=work.meta.get("ip", ""),
        user_agent=work.meta.get("user_agent", ""),
    )
    for spec, decision, shown in work.consent_decisions:
        consents.record_decision(
            session,
            pipeline.services.keyring,
            bundle=pipeline.bundle,
            spec=spec,
            shown_text=shown,
            decision=decision,  # type: ignore[arg-type]
            subject_id=conversation.subject_id,
            conversation_id=conversation.id,
            proof=proof,
        )


def _apply_erasures(
    pipeline: Pipeline, session: Session, work: Work, conversation: Conversation, message: Message
) -> None:
    bundle = pipeline.bundle.name
    if work.erase_held_reason:
        held = [row for row, _ in work.held] + [message]
        rows = [session.get(Message, row.id) for row in held]
        erase_messages(
            session, bundle, conversation.subject_id, [r for r in rows if r], work.erase_held_reason
        )
    if work.erase_target:
        target = session.exec(
            select(Message).where(
                Message.bundle == bundle,
                Message.channel == conversation.channel,
                Message.external_id == work.erase_target,
            )
        ).first()
        if target is not None:
            erase_messages(session, bundle, conversation.subject_id, [target], "deleted_by_client")
    if work.erase_all_reason:
        _erase_subject(pipeline, session, work, conversation)


def _erase_subject(
    pipeline: Pipeline, session: Session, work: Work, conversation: Conversation
) -> None:
    keyring = pipeline.services.keyring
    receipts = crm_receipts(session, conversation.bundle, conversation.id)
    if receipts:
        enqueue(
            session, keyring, bundle=conversation.bundle, kind="erase", target=pipeline.bundle.crm.name,
            idempotency_key=f"erase:{work.message.id}", payload={"receipts": receipts,
            "subject_id": conversation.subject_id, "reason": work.erase_all_reason},
        )  # fmt: skip
    erase_conversation(
        session, conversation, (MESSAGE_TEXT, CHANNEL_ID, NAME, PHONE), work.erase_all_reason
    )
    for record in _plugin_erasures(pipeline, conversation.subject_id, work.erase_all_reason):
        record_destruction(session, conversation.bundle, record)
    work.state.slots.clear()
    work.state.vault.clear()
    work.state.history.clear()


def _plugin_erasures(pipeline: Pipeline, subject_id: str, basis: str) -> list[DestructionRecord]:
    results = pipeline.services.plugin_manager.hook.leadgate_erase_subject(
        subject_id=subject_id, basis=basis, bundle=pipeline.bundle
    )
    return [record for result in results if result for record in result]


# A late "delivered" must not overwrite "read": platforms do not keep status order.
_DELIVERY_RANK = {"": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


def _apply_delivery_update(session: Session, work: Work, conversation: Conversation) -> None:
    """Record a platform's delivery status on the outbound message it names."""
    if work.delivery_update is None:
        return
    provider_id, status = work.delivery_update
    if not provider_id:
        return
    outbound = session.exec(
        select(Message).where(
            Message.conversation_id == conversation.id,
            Message.direction == "out",
            Message.payload == provider_id[:200],
        )
    ).first()
    if outbound is None:
        return
    if _DELIVERY_RANK.get(status, 0) > _DELIVERY_RANK.get(outbound.delivery, 0):
        outbound.delivery = status[:20]
        session.add(outbound)


def _update_conversation(pipeline: Pipeline, work: Work, conversation: Conversation) -> None:
    now = utcnow()
    conversation.last_activity_at = now
    if work.message.direction == "in":
        conversation.last_inbound_at = now
    conversation.reachable = work.conversation.reachable
    if work.status:
        conversation.status = work.status
    if work.erase_all_reason:
        return  # the state was destroyed with the rest of the conversation
    save_state(pipeline.services.keyring, conversation, work.state)


def _queue_reply(
    pipeline: Pipeline, session: Session, work: Work, conversation: Conversation,
    message: Message, index: int, reply: Reply,
) -> None:  # fmt: skip
    keyring = pipeline.services.keyring
    outbound = Message(
        bundle=pipeline.bundle.name,
        channel=conversation.channel,
        external_id=f"out:{message.id}:{index}",
        conversation_id=conversation.id,
        direction="out",
        text_enc=keyring.encrypt(reply.text, context=TEXT_CONTEXT),
        meta_enc=keyring.encrypt(
            json.dumps(_reply_meta(reply), ensure_ascii=False), context=META_CONTEXT
        ),
        status="queued",
    )
    session.add(outbound)
    session.flush()
    last_inbound = conversation.last_inbound_at or utcnow()
    payload = {
        "channel": conversation.channel,
        "user_id": work.user_id,
        "text": reply.text,
        "buttons": [[button.label, button.payload] for button in reply.buttons],
        "request_contact": reply.request_contact,
        "keep_whole": [list(pair) for pair in reply.keep_whole],
        "last_inbound_at": last_inbound.replace(tzinfo=dt.UTC).isoformat(),
        "message_row": outbound.id,
    }
    enqueue(
        session, keyring, bundle=pipeline.bundle.name, kind="reply", target=conversation.channel,
        idempotency_key=f"reply:{message.id}:{index}", payload=payload, conversation_id=conversation.id,
    )  # fmt: skip


def _reply_meta(reply: Reply) -> dict[str, Any]:
    return {
        "buttons": [[button.label, button.payload] for button in reply.buttons],
        "request_contact": reply.request_contact,
    }


def _queue_acknowledgement(
    pipeline: Pipeline, session: Session, work: Work, message: Message
) -> None:
    callback_id = work.meta.get("callback_query_id")
    if message.kind != "button" or not callback_id:
        return
    enqueue(
        session, pipeline.services.keyring, bundle=pipeline.bundle.name, kind="ack",
        target=message.channel, idempotency_key=f"ack:{message.id}", payload={"meta": work.meta},
    )  # fmt: skip


def _store_lead(
    pipeline: Pipeline, session: Session, work: Work, conversation: Conversation
) -> LeadRecord:
    keyring = pipeline.services.keyring
    fields = work.lead or {}
    phone = fields.get("phone") or ""
    lead = Lead(
        bundle=pipeline.bundle.name,
        idempotency_key=f"{conversation.id}:{work.state.booking_seq}",
        conversation_id=conversation.id,
        subject_id=conversation.subject_id,
        channel=conversation.channel,
        fields_enc=keyring.encrypt_json(fields, context=LEAD_CONTEXT),
        phone_index=keyring.blind_index(phone, purpose="phone") if phone else None,
        visit_at=_visit_at(fields.get("visit_at", "")),
    )
    session.add(lead)
    session.flush()
    record = LeadRecord(
        lead_id=lead.id,
        bundle=lead.bundle,
        fields=fields,
        consents=_consent_refs(session, pipeline, conversation),
        created_at=lead.created_at.replace(tzinfo=dt.UTC),
    )
    enqueue(
        session, keyring, bundle=lead.bundle, kind="crm", target=pipeline.bundle.crm.name,
        idempotency_key=f"crm:{lead.id}", payload=lead_payload(record),
    )  # fmt: skip
    return record


def _visit_at(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _consent_refs(
    session: Session, pipeline: Pipeline, conversation: Conversation
) -> tuple[dict[str, str], ...]:
    decisions = consents.latest_decisions(session, pipeline.bundle.name, conversation.subject_id)
    return tuple(
        {
            "type": record.consent_type,
            "version": record.version,
            "recorded_at": record.recorded_at.replace(tzinfo=dt.UTC).isoformat(),
            "channel": record.channel,
        }
        for record in decisions.values()
        if record.decision == "accepted"
    )


def lead_payload(record: LeadRecord) -> dict[str, Any]:
    """Serialise a lead for the outbox."""
    return {
        "lead_id": record.lead_id,
        "bundle": record.bundle,
        "fields": dict(record.fields),
        "consents": [dict(ref) for ref in record.consents],
        "created_at": record.created_at.isoformat() if record.created_at else "",
    }


def lead_from_payload(payload: dict[str, Any]) -> LeadRecord:
    """Rebuild a lead serialised by :func:`lead_payload`."""
    created = payload.get("created_at") or ""
    return LeadRecord(
        lead_id=payload["lead_id"],
        bundle=payload["bundle"],
        fields=dict(payload["fields"]),
        consents=tuple(dict(ref) for ref in payload.get("consents", [])),
        created_at=dt.datetime.fromisoformat(created) if created else None,
    )
