"""The consent-gated pipeline, end to end in one process with the salon template."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

import pytest
from sqlmodel import select

from leadgate.core.consent import verify_consent_chain
from leadgate.core.store.tables import (
    ConsentRecord,
    ConsentText,
    Conversation,
    DestructionEntry,
    Lead,
    Message,
    OutboxItem,
)

from harness import Harness, copy_template


def _rows(harness: Harness, table: type) -> list:
    with harness.runtime.services.database.session() as session:
        return list(session.exec(select(table)).all())


def _lead_fields(harness: Harness, lead: Lead) -> dict:
    return harness.runtime.services.keyring.decrypt_json(
        lead.fields_enc, context="leads.fields_enc"
    )


@pytest.fixture
def salon(tmp_path: Path) -> Harness:
    harness = Harness(copy_template(tmp_path))
    yield harness
    harness.close()


def test_first_message_is_held_until_consent(salon: Harness) -> None:
    replies = asyncio.run(salon.say("Здравствуйте, хочу на маникюр"))

    prompt = replies[-1]
    assert "согласие" in prompt.text.lower()
    assert "/policy" in prompt.text
    assert [button.label for button in prompt.buttons] == ["Согласен", "Не согласен"]
    assert [row.status for row in _rows(salon, Message) if row.direction == "in"] == ["held"]


def test_accepting_consent_records_proof_and_processes_held_message(salon: Harness) -> None:
    async def scenario() -> list:
        prompt = (await salon.say("хочу на маникюр"))[-1]
        return [prompt, await salon.consent()]

    prompt, after = asyncio.run(scenario())

    record = _rows(salon, ConsentRecord)[0]
    assert record.decision == "accepted"
    assert record.consent_type == "booking"
    assert record.text_sha256 == hashlib.sha256(prompt.text.encode()).hexdigest()
    assert _rows(salon, ConsentText)[0].text == prompt.text
    assert json.loads(record.purposes) == ["запись на услуги", "напоминание о визите"]
    assert record.channel == "test"
    assert record.channel_user_enc is not None
    assert any("день" in reply.text for reply in after)
    assert all(row.status != "held" for row in _rows(salon, Message))


def test_free_text_yes_accepts_consent(salon: Harness) -> None:
    async def scenario() -> list:
        await salon.say("хочу на маникюр")
        return await salon.say("да")

    replies = asyncio.run(scenario())

    assert _rows(salon, ConsentRecord)[0].decision == "accepted"
    assert any("день" in reply.text for reply in replies)


def test_booking_creates_one_minimal_lead(salon: Harness) -> None:
    replies = asyncio.run(salon.book())

    leads = _rows(salon, Lead)
    assert len(leads) == 1
    fields = _lead_fields(salon, leads[0])
    assert fields["phone"] == "+79130000001"
    assert fields["name"] == "Анна"
    assert fields["service"] == "Маникюр с покрытием"
    assert fields["visit_at"].startswith("2026-12-10T18:30")
    assert set(fields) <= set(salon.runtime.bundle.crm.fields)
    crm_items = [item for item in _rows(salon, OutboxItem) if item.kind == "crm"]
    assert [item.status for item in crm_items] == ["delivered"]
    assert "Анна" in replies[-2].text or "Анна" in replies[-1].text


def test_lead_stores_no_plaintext(salon: Harness) -> None:
    asyncio.run(salon.book(name="Ксения"))

    raw = (salon.bundle_path / "data" / "leadgate.db").read_bytes()
    wal = salon.bundle_path / "data" / "leadgate.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""

    assert "Ксения".encode() not in raw
    assert b"9130000001" not in raw
    assert b"913 000" not in raw
    assert "хочу записаться".encode() not in raw


def test_duplicate_event_is_stored_and_answered_once(salon: Harness) -> None:
    async def scenario() -> list:
        first = salon.event("хочу на маникюр", external_id="same")
        await asyncio.gather(
            salon.runtime.pipeline.ingest([first]), salon.runtime.pipeline.ingest([first])
        )
        await salon.settle()
        return await salon.deliver(salon.event("хочу на маникюр", external_id="same"))

    late = asyncio.run(scenario())

    assert late == []
    assert len([row for row in _rows(salon, Message) if row.direction == "in"]) == 1
    assert len(salon.channel.sent) == 2  # greeting and consent prompt, once


def test_duplicate_booking_events_give_one_lead(salon: Harness) -> None:
    async def scenario() -> None:
        await salon.book()
        confirm = salon.event("да", external_id="confirm-again")
        await asyncio.gather(*(salon.runtime.pipeline.ingest([confirm]) for _ in range(3)))
        await salon.settle()

    asyncio.run(scenario())

    assert len(_rows(salon, Lead)) == 1


def test_declining_consent_erases_held_message(salon: Harness) -> None:
    async def scenario() -> tuple[list, list]:
        await salon.say("хочу на маникюр, мой телефон 8 913 000-00-01")
        spec = salon.runtime.bundle.consent("booking")
        declined = await salon.press(f"consent:booking:{spec.version}:no")
        later = await salon.say("ну пожалуйста")
        return declined, later

    declined, later = asyncio.run(scenario())

    assert "+7 391 000-00-01" in declined[0].text
    assert later == []
    assert all(row.text_enc is None for row in _rows(salon, Message) if row.direction == "in")
    records = _rows(salon, DestructionEntry)
    assert {record.reason for record in records} >= {"consent_declined"}
    assert all("913" not in record.categories for record in records)
    assert _rows(salon, ConsentRecord)[0].decision == "declined"


def test_withdrawal_stops_processing_and_erases(salon: Harness) -> None:
    async def scenario() -> tuple[list, list]:
        await salon.book()
        confirmation = await salon.say("Отзываю согласие")
        later = await salon.say("хочу ещё раз записаться")
        return confirmation, later

    confirmation, later = asyncio.run(scenario())

    assert len(confirmation) == 1
    assert "отозвано" in confirmation[0].text
    assert later == []
    decisions = [record.decision for record in _rows(salon, ConsentRecord)]
    assert decisions[-1] == "withdrawn"
    assert _rows(salon, Lead)[0].fields_enc is None
    reasons = {record.reason for record in _rows(salon, DestructionEntry)}
    assert "consent_withdrawn" in reasons
    inbound = [row for row in _rows(salon, Message) if row.direction == "in"]
    assert all(row.text_enc is None for row in inbound)


@pytest.mark.parametrize(
    "phrase", ["стоп", "/stop", "Удалите мои данные"], ids=["stop", "command", "delete"]
)
def test_withdrawal_phrases(salon: Harness, phrase: str) -> None:
    async def scenario() -> list:
        await salon.say("привет")
        await salon.consent()
        return await salon.say(phrase)

    replies = asyncio.run(scenario())

    assert "отозвано" in replies[0].text


def test_new_consent_version_asks_again(tmp_path: Path) -> None:
    bundle = copy_template(tmp_path)
    first = Harness(bundle)
    asyncio.run(first.book())
    first.close()
    (bundle / "leadgate.local.yaml").write_text(
        'consents:\n  booking:\n    version: "2027-01-01"\n', encoding="utf-8"
    )

    second = Harness(bundle)
    replies = asyncio.run(second.say("хочу ещё на педикюр"))
    second.close()

    assert replies[-1].buttons[0].payload == "consent:booking:2027-01-01:yes"


def test_declining_optional_consent_keeps_booking(tmp_path: Path) -> None:
    bundle = copy_template(tmp_path)
    harness = Harness(bundle)

    async def scenario() -> None:
        await harness.say("хочу на маникюр")
        await harness.consent()
        marketing = harness.runtime.bundle.consent("marketing")
        await harness.press(f"consent:marketing:{marketing.version}:no")
        for line in ("завтра в 18:30", "Анна", "8 913 000-00-01", "да"):
            await harness.say(line)

    asyncio.run(scenario())

    assert len(_rows(harness, Lead)) == 1
    decisions = {record.consent_type: record.decision for record in _rows(harness, ConsentRecord)}
    assert decisions == {"booking": "accepted", "marketing": "declined"}
    harness.close()


def test_consent_chain_is_verifiable(salon: Harness) -> None:
    asyncio.run(salon.book())
    asyncio.run(salon.say("отзываю согласие"))

    with salon.runtime.services.database.session() as session:
        intact = verify_consent_chain(session, "salon")
        record = session.exec(select(ConsentRecord)).first()
        forged_id = record.id
        record.version = "forged"
        session.add(record)
        session.flush()
        broken = verify_consent_chain(session, "salon")
        session.rollback()

    assert intact is None
    assert broken == forged_id


def test_logs_hold_no_personal_data(salon: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    asyncio.run(salon.book())

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "Анна" not in text
    assert "913" not in text
    assert "000-00-01" not in text


def test_conversations_are_processed_independently(salon: Harness) -> None:
    async def scenario() -> None:
        await salon.deliver(salon.event("привет", user="a"), salon.event("привет", user="b"))
        await salon.consent(user="a")

    asyncio.run(scenario())

    statuses = {}
    for row in _rows(salon, Message):
        if row.direction == "in":
            statuses.setdefault(row.conversation_id, []).append(row.status)
    assert sorted(statuses.values()) == [["held"], ["processed", "processed"]]


@pytest.mark.postgres
def test_two_processes_share_one_conversation_on_postgres(
    tmp_path: Path, create_postgres_database
) -> None:  # type: ignore[no-untyped-def]
    from leadgate.config.settings import Settings

    url = create_postgres_database()
    bundle = copy_template(tmp_path)
    keys_dir = bundle / "data"
    first = Harness(bundle, settings=Settings(data_dir=keys_dir, database_url=url))
    second = Harness(bundle, settings=Settings(data_dir=keys_dir, database_url=url))

    async def scenario() -> None:
        events = [
            first.event(text, external_id=f"e{number}")
            for number, text in enumerate(["привет", "да", "хочу на маникюр"])
        ]
        await asyncio.gather(
            first.runtime.pipeline.ingest(events), second.runtime.pipeline.ingest(events)
        )
        await asyncio.gather(first.settle(), second.settle())
        await asyncio.gather(first.settle(), second.settle())

    asyncio.run(scenario())

    inbound = [row for row in _rows(first, Message) if row.direction == "in"]
    assert len(inbound) == 3
    assert {row.status for row in inbound} == {"processed"}
    assert [record.decision for record in _rows(first, ConsentRecord)] == ["accepted"]
    replies = first.channel.sent + second.channel.sent
    booking_prompts = [
        reply
        for reply in replies
        if reply.buttons and reply.buttons[0].payload.startswith("consent:booking")
    ]
    assert len(booking_prompts) == 1
    first.close()
    second.close()


def test_clinic_keeps_health_data_out_of_answerer_and_storage(tmp_path: Path) -> None:
    harness = Harness(copy_template(tmp_path, "clinic"))

    async def scenario() -> list:
        await harness.say("Здравствуйте, хочу на массаж спины")
        await harness.consent()
        return await harness.say("у меня грыжа позвоночника и я пью ибупрофен, можно на массаж?")

    replies = asyncio.run(scenario())

    assert any("не присылайте в чат сведения о здоровье" in reply.text for reply in replies)
    keyring = harness.runtime.services.keyring
    stored = [
        keyring.decrypt(row.text_enc, context="messages.text_enc")
        for row in _rows(harness, Message)
        if row.direction == "in" and row.text_enc is not None
    ]
    assert not any("грыжа" in text or "ибупрофен" in text for text in stored)
    history = json.dumps(
        keyring.decrypt_json(
            _rows(harness, Conversation)[0].state_enc, context="conversations.state_enc"
        ),
        ensure_ascii=False,
    )
    assert "грыжа" not in history
    assert "ибупрофен" not in history
    harness.close()


def test_delivery_status_updates_outbound_message(salon: Harness) -> None:
    async def scenario() -> None:
        await salon.say("привет")
        provider_id = "sent-2"  # the capturing channel's receipt of the consent prompt
        for status in ("delivered", "read", "delivered"):
            await salon.deliver(
                salon.event(kind="status", payload=status, meta={"message_id": provider_id})
            )

    asyncio.run(scenario())

    outbound = [row for row in _rows(salon, Message) if row.direction == "out"]
    assert [row.delivery for row in outbound] == ["", "read"]
    assert len(salon.channel.sent) == 2
