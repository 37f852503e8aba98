"""The ``amocrm`` CRM against a fake account on 127.0.0.1, with tokens in the database."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from crm_builders import make_context, make_lead
from sqlmodel import select

from leadgate.core.components import DeliveryReceipt
from leadgate.core.crypto import KeyRing
from leadgate.core.secrets import LOCK_SUFFIX, SECRET_CONTEXT
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import SecretEntry
from leadgate.errors import ConfigError, PermanentError, RetryableError
from leadgate.plugins.crm import amocrm

from fakes.amocrm import (
    AUTH_CODE,
    CLIENT_ID,
    CLIENT_SECRET,
    KEY_FIELD,
    REDIRECT_URI,
    SERVICE_FIELD,
    FakeAmoCRM,
    problem,
)
from fakes.crm_http import Response

FIELDS = ("name", "phone", "service")
PHONE_E164 = "+79131234567"


@pytest.fixture
def account() -> Iterator[FakeAmoCRM]:
    with FakeAmoCRM() as fake:
        yield fake


def section(base_url: str | None, **overrides: Any) -> dict[str, Any]:
    config = {
        "base_url": base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "auth_code": AUTH_CODE,
        "idempotency_field_id": KEY_FIELD,
        "lead_fields": {"service": SERVICE_FIELD},
        "title": "Запись: {service}",
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


def make_crm(database: Database, keyring: KeyRing, base_url: str, **overrides: Any) -> Any:
    context = make_context(
        "amocrm", FIELDS, section(base_url, **overrides), database=database, keyring=keyring
    )
    return amocrm.create(context)


def write(crm: Any, key: str = "crm:lead1", phone: str = PHONE_E164) -> DeliveryReceipt:
    lead = make_lead(name="Анна", phone=phone, service="Маникюр")
    return asyncio.run(crm.write_lead(lead, key))


def grants(account: FakeAmoCRM) -> list[str]:
    return [request["grant_type"] for request in account.token_requests]


# -- writing --------------------------------------------------------------------------


def test_write_creates_lead_with_embedded_contact(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)

    receipt = write(crm)

    lead = account.leads[int(receipt.details["lead_id"])]
    assert lead["name"] == "Запись: Маникюр"
    assert {"field_id": SERVICE_FIELD, "values": [{"value": "Маникюр"}]} in lead[
        "custom_fields_values"
    ]
    assert {"field_id": KEY_FIELD, "values": [{"value": "crm:lead1"}]} in lead[
        "custom_fields_values"
    ]
    contact = account.contacts[int(receipt.details["contact_id"])]
    assert contact["name"] == "Анна"
    assert contact["custom_fields_values"] == [
        {"field_code": "PHONE", "values": [{"value": PHONE_E164, "enum_code": "WORK"}]}
    ]
    assert receipt.details["contact_created"] == "yes"
    assert grants(account) == ["authorization_code"]


def test_consent_note_holds_references_only(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)

    receipt = write(crm)

    note = account.notes[int(receipt.details["note_id"])]
    assert note["entity_id"] == int(receipt.details["lead_id"])
    assert note["note_type"] == "common"
    assert "2026-09" in note["params"]["text"]
    assert "telegram" in note["params"]["text"]
    assert PHONE_E164 not in note["params"]["text"]
    assert "Анна" not in note["params"]["text"]


@pytest.mark.parametrize(
    "typed",
    ["8 (913) 123-45-67", "89131234567", "+7 913 123-45-67"],
    ids=["8-brackets", "8-digits", "plus7-dashes"],
)
def test_contact_typed_by_manager_is_linked(
    account: FakeAmoCRM, database: Database, keyring: KeyRing, typed: str
) -> None:
    existing = account.add_contact("Анна", typed)
    crm = make_crm(database, keyring, account.url)

    receipt = write(crm)

    assert receipt.details["contact_id"] == str(existing)
    assert receipt.details["contact_created"] == "no"
    assert len(account.contacts) == 1
    assert account.leads[int(receipt.external_id)]["contact_ids"] == [existing]


def test_same_client_in_two_spellings_is_one_contact(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)

    first_receipt = write(crm, "crm:a", phone="8 913 123-45-67")
    second_receipt = write(crm, "crm:b", phone=PHONE_E164)

    assert len(account.contacts) == 1
    assert len(account.leads) == 2
    assert first_receipt.details["contact_id"] == second_receipt.details["contact_id"]


def test_lost_complex_response_retry_is_idempotent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    account.fail_next("POST /api/v4/leads/complex", drop="after")

    with pytest.raises(RetryableError):
        write(crm)
    receipt = write(crm)

    assert len(account.leads) == 1
    assert len(account.contacts) == 1
    assert len(account.notes) == 1
    assert receipt.details["contact_created"] == "yes"


def test_lost_note_response_retry_is_idempotent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    account.fail_next("POST /api/v4/leads/{id}/notes", drop="after")

    with pytest.raises(RetryableError):
        write(crm)
    receipt = write(crm)

    assert len(account.notes) == 1
    assert receipt.details["note_id"] == str(next(iter(account.notes)))


# -- tokens -----------------------------------------------------------------------------


def test_tokens_are_stored_encrypted(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)

    write(crm)

    with database.session(readonly=True) as session:
        rows = session.exec(select(SecretEntry).order_by(SecretEntry.name)).all()
    name = f"amocrm:salon:{account.url}"
    assert [row.name for row in rows] == [name, name + LOCK_SUFFIX]
    assert rows[1].value_enc is None
    (access_token,) = account.access_tokens
    (refresh_token,) = account.refresh_tokens
    assert access_token.encode() not in rows[0].value_enc
    assert refresh_token.encode() not in rows[0].value_enc
    stored = json.loads(keyring.decrypt(rows[0].value_enc, context=SECRET_CONTEXT))
    assert stored["access_token"] == access_token
    assert stored["refresh_token"] == refresh_token


def test_used_auth_code_not_resent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    write(make_crm(database, keyring, account.url), "crm:a")

    write(make_crm(database, keyring, account.url), "crm:b")

    assert grants(account) == ["authorization_code"]


def test_new_auth_code_replaces_stored_pair(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    write(make_crm(database, keyring, account.url), "crm:a")
    account.codes.add("def502000secondcode")

    write(make_crm(database, keyring, account.url, auth_code="def502000secondcode"), "crm:b")

    assert grants(account) == ["authorization_code", "authorization_code"]


def test_configured_refresh_token_starts_the_pair(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    token = account.issue_refresh_token()
    crm = make_crm(database, keyring, account.url, auth_code=None, refresh_token=token)

    write(crm)

    assert grants(account) == ["refresh_token"]
    assert account.token_requests[0]["refresh_token"] == token


def test_expired_access_token_is_renewed_once(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    write(crm, "crm:a")
    account.expire_access_tokens()

    receipt = write(crm, "crm:b")

    assert grants(account) == ["authorization_code", "refresh_token"]
    assert receipt.details["lead_id"]


def test_second_401_after_renewal_is_permanent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    write(crm, "crm:a")
    account.fail_next("GET /api/v4/leads", problem(401, "Unauthorized"))
    account.fail_next("GET /api/v4/leads", problem(401, "Unauthorized"))

    with pytest.raises(PermanentError) as raised:
        write(crm, "crm:b")

    assert "AMOCRM_AUTH_CODE" in str(raised.value)
    assert grants(account) == ["authorization_code", "refresh_token"]


def test_revoked_refresh_token_is_permanent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    write(crm, "crm:a")
    account.expire_access_tokens()
    account.refresh_tokens.clear()

    with pytest.raises(PermanentError) as raised:
        write(crm, "crm:b")

    assert "AMOCRM_AUTH_CODE" in str(raised.value)
    assert "400" in str(raised.value)


def test_used_auth_code_is_permanent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    account.codes.clear()
    crm = make_crm(database, keyring, account.url)

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "AMOCRM_AUTH_CODE" in str(raised.value)


def test_token_endpoint_outage_is_retryable(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    account.fail_next("POST /oauth2/access_token", problem(503, "Service Unavailable"))

    with pytest.raises(RetryableError):
        write(crm)

    assert AUTH_CODE in account.codes


def run_in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_refresh_race_between_two_workers_refreshes_once(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    write(make_crm(database, keyring, account.url), "crm:warmup")
    account.expire_access_tokens()
    account.delays["POST /oauth2/access_token"] = 0.3
    # Each worker has its own engine and connection pool, as a separate process has.
    databases = [Database.from_url(database.engine.url) for _ in range(2)]
    receipts: list[DeliveryReceipt] = []
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            crm = make_crm(databases[index], keyring, account.url)
            receipts.append(write(crm, f"crm:w{index}"))
        except BaseException as failure:
            failures.append(failure)

    threads = [run_in_thread(lambda index=index: worker(index)) for index in range(2)]
    for thread in threads:
        thread.join(timeout=30)
    for worker_database in databases:
        worker_database.dispose()

    assert failures == []
    assert len(receipts) == 2
    assert grants(account) == ["authorization_code", "refresh_token"]
    assert len(account.leads) == 3


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "response, retry_after",
    [
        (Response(429, b"", headers={"Retry-After": "3"}), 3.0),
        (Response(429, b""), 1.0),
        (problem(503, "Service Unavailable"), None),
        (Response(502, b"<html>Bad Gateway</html>", "text/html"), None),
        (Response(200, b"<html>maintenance</html>", "text/html"), None),
    ],
    ids=["429-retry-after", "429-bare", "503", "502-html", "200-html"],
)
def test_outage_and_rate_limit_are_retryable(
    account: FakeAmoCRM,
    database: Database,
    keyring: KeyRing,
    response: Response,
    retry_after: float | None,
) -> None:
    crm = make_crm(database, keyring, account.url)
    account.fail_next("GET /api/v4/leads", response)

    with pytest.raises(RetryableError) as raised:
        write(crm)

    assert raised.value.retry_after == retry_after
    assert account.leads == {}


@pytest.mark.parametrize("status", [402, 403], ids=["unpaid", "forbidden"])
def test_blocked_account_is_permanent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing, status: int
) -> None:
    crm = make_crm(database, keyring, account.url)
    account.fail_next("GET /api/v4/leads", problem(status, "Payment Required"))

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert str(status) in str(raised.value)


def test_unknown_field_id_is_permanent_without_detail(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    account.known_fields.discard(SERVICE_FIELD)
    crm = make_crm(database, keyring, account.url)

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "leads/complex" in str(raised.value)
    assert "Маникюр" not in str(raised.value)


def test_connection_refused_is_retryable(database: Database, keyring: KeyRing) -> None:
    with FakeAmoCRM() as fake:
        base_url = fake.url
    crm = make_crm(database, keyring, base_url)

    with pytest.raises(RetryableError):
        write(crm)


def test_logs_hold_no_tokens_or_personal_data(
    account: FakeAmoCRM, database: Database, keyring: KeyRing, caplog: pytest.LogCaptureFixture
) -> None:
    crm = make_crm(database, keyring, account.url)
    caplog.set_level(logging.DEBUG)

    receipt = write(crm)
    account.expire_access_tokens()
    asyncio.run(crm.erase_subject([receipt]))

    assert "POST /api/v4/leads/complex" in caplog.text
    assert "9131234567" not in caplog.text
    assert "Анна" not in caplog.text
    assert AUTH_CODE not in caplog.text
    assert CLIENT_SECRET not in caplog.text
    for token in account.access_tokens | account.refresh_tokens:
        assert token not in caplog.text


# -- erasure ----------------------------------------------------------------------------


def test_erasure_anonymises_lead_and_own_contact(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    receipt = write(crm)

    records = asyncio.run(crm.erase_subject([receipt]))

    lead = account.leads[int(receipt.details["lead_id"])]
    assert lead["name"] == "Данные удалены по запросу клиента"
    assert lead["status_id"] == 143
    assert all(item["field_id"] != SERVICE_FIELD for item in lead["custom_fields_values"])
    contact = account.contacts[int(receipt.details["contact_id"])]
    assert contact["name"] == "Данные удалены по запросу клиента"
    assert contact["custom_fields_values"] == []
    assert [record.method for record in records] == [
        "anonymisation (amoCRM API v4 cannot delete)"
    ] * 2
    assert PHONE_E164 not in repr(records)


def test_erasure_keeps_contact_that_existed_before(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    existing = account.add_contact("Анна", "8 913 123-45-67")
    crm = make_crm(database, keyring, account.url)
    receipt = write(crm)

    records = asyncio.run(crm.erase_subject([receipt]))

    assert account.contacts[existing]["name"] == "Анна"
    assert [record.subject_ref for record in records] == [f"amocrm:lead:{receipt.external_id}"]


def test_erasure_of_missing_lead_records_already_absent(
    account: FakeAmoCRM, database: Database, keyring: KeyRing
) -> None:
    crm = make_crm(database, keyring, account.url)
    receipt = write(crm)
    account.leads.clear()
    account.contacts.clear()

    records = asyncio.run(crm.erase_subject([receipt]))

    assert [record.method for record in records] == ["anonymisation (already absent)"] * 2


# -- configuration ----------------------------------------------------------------------


def test_subdomain_builds_amocrm_address() -> None:
    context = make_context("amocrm", FIELDS, section(None, subdomain="salon"), with_services=False)

    crm = amocrm.create(context)

    assert crm.settings.base_url == "https://salon.amocrm.ru"


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"base_url": None}, "subdomain"),
        ({"auth_code": None}, "auth_code"),
        ({"base_url": "http://salon.amocrm.ru"}, "base_url"),
        ({"idempotency_field_id": None}, "idempotency_field_id"),
        ({"lead_fields": {"email": 1}}, "lead_fields"),
        ({"title": "{email}"}, "title"),
        ({"client_secret": ""}, "client_secret"),
    ],
    ids=["no-address", "no-grant", "plain-http", "no-key-field", "unlisted-field",
         "unlisted-title", "empty-secret"],
)  # fmt: skip
def test_bad_section_is_config_error(overrides: dict[str, Any], key: str) -> None:
    config = section("https://salon.amocrm.ru")
    config.update(overrides)
    config = {name: value for name, value in config.items() if value is not None}
    context = make_context("amocrm", FIELDS, config, with_services=False)

    with pytest.raises(ConfigError) as raised:
        amocrm.create(context)

    assert raised.value.key == key
    assert CLIENT_SECRET not in str(raised.value)
    assert AUTH_CODE not in str(raised.value)


def test_registration_declares_russia_and_rate() -> None:
    specs: list[Any] = []

    amocrm.leadgate_register_crms(register=specs.append)

    assert [spec.name for spec in specs] == ["amocrm"]
    assert specs[0].location == "ru"
    assert amocrm.AmoCRM.requests_per_second == 7.0
