"""Bitrix24 behind the real pipeline: an outage delays only the CRM write."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from leadgate.core.outbox import RetryPolicy
from leadgate.core.store.tables import OutboxItem, utcnow

from fakes.bitrix24 import FakeBitrix24, outage
from harness import Harness, copy_template

LOCAL = """crm:
  plugin: bitrix24
  fields: [name, phone, service, visit_at, channel]
  settings:
    webhook_url: ${BITRIX24_WEBHOOK_URL}
"""


@pytest.fixture
def portal() -> Iterator[FakeBitrix24]:
    with FakeBitrix24() as fake:
        yield fake


def _harness(tmp_path: Path, portal: FakeBitrix24) -> Harness:
    bundle = copy_template(tmp_path, local_yaml=LOCAL)
    (bundle / ".env").write_text(f"BITRIX24_WEBHOOK_URL={portal.webhook_url}\n", encoding="utf-8")
    harness = Harness(bundle)
    # A long backoff, so an item that failed stays pending until the test moves time on.
    harness.runtime.worker.policy = RetryPolicy(base_delay=600, max_delay=600)
    return harness


def _crm_items(harness: Harness) -> list[OutboxItem]:
    with harness.runtime.services.database.session() as session:
        return list(session.exec(select(OutboxItem).where(OutboxItem.kind == "crm")).all())


def _make_due(harness: Harness) -> None:
    with harness.runtime.services.database.session() as session:
        for item in session.exec(select(OutboxItem).where(OutboxItem.status == "pending")).all():
            item.next_attempt_at = utcnow()
            session.add(item)


def test_crm_outage_delays_only_the_lead(tmp_path: Path, portal: FakeBitrix24) -> None:
    harness = _harness(tmp_path, portal)
    for _ in range(2):
        portal.fail_next("crm.duplicate.findbycomm", outage(503))

    replies = asyncio.run(harness.book())

    assert "Вы записаны" in replies[-1].text
    assert [item.status for item in _crm_items(harness)] == ["pending"]
    assert portal.leads == {}

    for _ in range(3):
        _make_due(harness)
        asyncio.run(harness.settle())

    items = _crm_items(harness)
    assert [item.status for item in items] == ["delivered"]
    assert items[0].attempts == 3
    assert len(portal.leads) == 1
    assert portal.methods().count("crm.lead.add") == 1
    harness.close()


def test_two_spellings_of_one_phone_make_one_contact(tmp_path: Path, portal: FakeBitrix24) -> None:
    harness = _harness(tmp_path, portal)

    async def scenario() -> None:
        await harness.book(user="telegram-like")
        await harness.say("Здравствуйте, хочу записаться на маникюр", user="second")
        await harness.consent(user="second")
        for line in ("послезавтра в 12:00", "Анна", "+7 (913) 000-00-01", "да"):
            await harness.say(line, user="second")

    asyncio.run(scenario())

    assert len(portal.leads) == 2
    assert len(portal.contacts) == 1
    harness.close()
