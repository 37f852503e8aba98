"""Realistic Russian personal data written into every encrypted column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import (
    ConsentRecord,
    Conversation,
    Lead,
    Message,
    OutboxItem,
    SecretEntry,
    Subject,
)

PHONE = "+79161234567"
PHONE_DISPLAY = "+7 916 123-45-67"
NAME = "Анна Сергеевна Петрова"
EMAIL = "anna.petrova@mail.ru"
TELEGRAM_ID = "583920174"
IP_ADDRESS = "95.165.23.117"
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
TEXTS = (
    f"Здравствуйте! Хочу записаться на маникюр в субботу к 11:00. {NAME}, {PHONE_DISPLAY}",
    "Добрый вечер, можно перенести визит на вторник? Пишите на anna.petrova@mail.ru",
    "Спасибо, Ольга Викторовна, всё отлично!",
    "У меня аллергия на лак, это важно для мастера",
    "Паспорт 4510 123456 не нужен?",
    "Буду с дочерью Машей, ей 7 лет",
    "Оплачу картой 4276 3800 1234 5678",
)

PLAINTEXTS = (NAME, PHONE, PHONE_DISPLAY, EMAIL, TELEGRAM_ID, IP_ADDRESS, USER_AGENT, *TEXTS)
"""Every personal value the samples store, for scans of the database's bytes."""


@dataclass(frozen=True)
class StoredValue:
    """One encrypted cell and the plaintext it must decrypt to."""

    table: str
    column: str
    key: Any
    plaintext: Any
    is_json: bool = False


def _encrypt(
    ring: KeyRing, cells: list[StoredValue], table: str, column: str, key: Any, value: Any
) -> bytes:
    is_json = not isinstance(value, str)
    cells.append(StoredValue(table, column, key, value, is_json))
    context = f"{table}.{column}"
    return (
        ring.encrypt_json(value, context=context)
        if is_json
        else ring.encrypt(value, context=context)
    )


def write_samples(database: Database, ring: KeyRing, bundle: str = "salon") -> list[StoredValue]:
    """Write one client's subject, conversation, messages, consent, lead, outbox item
    and a secret, and return every encrypted cell with its plaintext."""
    cells: list[StoredValue] = []
    with database.session() as session:
        subject = Subject(bundle=bundle, phone_index=ring.blind_index(PHONE, purpose="phone"))
        session.add(subject)
        conversation = Conversation(
            bundle=bundle,
            channel="telegram",
            user_index=ring.blind_index(TELEGRAM_ID, purpose="channel_user"),
            subject_id=subject.id,
        )
        conversation.user_id_enc = _encrypt(
            ring, cells, "conversations", "user_id_enc", conversation.id, TELEGRAM_ID
        )
        state = {"slots": {"name": NAME, "phone": PHONE}, "vault": {"[PHONE_1]": PHONE_DISPLAY}}
        conversation.state_enc = _encrypt(
            ring, cells, "conversations", "state_enc", conversation.id, state
        )
        session.add(conversation)

        for number, message_text in enumerate(TEXTS, start=1):
            message = Message(
                bundle=bundle,
                channel="telegram",
                external_id=f"update-{number}",
                conversation_id=conversation.id,
                direction="in",
            )
            session.add(message)
            session.flush()  # assigns the id that identifies the encrypted cells
            message.text_enc = _encrypt(
                ring, cells, "messages", "text_enc", message.id, message_text
            )
            message.meta_enc = _encrypt(
                ring, cells, "messages", "meta_enc", message.id, {"from": TELEGRAM_ID}
            )
            if number % 2:
                message.redacted_enc = _encrypt(
                    ring,
                    cells,
                    "messages",
                    "redacted_enc",
                    message.id,
                    "Хочу записаться, [NAME_1], [PHONE_1]",
                )

        consent = ConsentRecord(
            bundle=bundle,
            subject_id=subject.id,
            conversation_id=conversation.id,
            consent_type="processing",
            version="1",
            text_sha256="0" * 64,
            purposes="booking",
            data_categories="name,phone",
            decision="accepted",
            channel="webchat",
        )
        session.add(consent)
        session.flush()
        consent.channel_user_enc = _encrypt(
            ring, cells, "consent_records", "channel_user_enc", consent.id, TELEGRAM_ID
        )
        consent.ip_enc = _encrypt(ring, cells, "consent_records", "ip_enc", consent.id, IP_ADDRESS)
        consent.user_agent_enc = _encrypt(
            ring, cells, "consent_records", "user_agent_enc", consent.id, USER_AGENT
        )

        lead = Lead(
            bundle=bundle,
            idempotency_key="lead-1",
            conversation_id=conversation.id,
            subject_id=subject.id,
            channel="telegram",
            phone_index=ring.blind_index(PHONE, purpose="phone"),
        )
        lead.fields_enc = _encrypt(
            ring,
            cells,
            "leads",
            "fields_enc",
            lead.id,
            {"name": NAME, "phone": PHONE, "email": EMAIL},
        )
        session.add(lead)

        outbox = OutboxItem(bundle=bundle, kind="crm", target="bitrix24", idempotency_key="crm-1")
        session.add(outbox)
        session.flush()
        outbox.payload_enc = _encrypt(
            ring,
            cells,
            "outbox",
            "payload_enc",
            outbox.id,
            {"NAME": NAME, "PHONE": [{"VALUE": PHONE}]},
        )

        secret = SecretEntry(name=f"{bundle}.amocrm.token")
        secret.value_enc = _encrypt(
            ring, cells, "secrets", "value_enc", secret.name, '{"access_token": "t0ken-value"}'
        )
        session.add(secret)
    return cells


@pytest.fixture
def samples() -> Callable[[Database, KeyRing], list[StoredValue]]:
    """The :func:`write_samples` function, for tests in this directory."""
    return write_samples
