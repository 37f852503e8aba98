"""The ``bitrix24`` CRM against a fake portal on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from crm_builders import make_context, make_lead

from leadgate.core.components import DeliveryReceipt
from leadgate.errors import ConfigError, PermanentError, PluginError, RetryableError
from leadgate.plugins.crm import bitrix24

from fakes.bitrix24 import HTML_404, FakeBitrix24, error, outage
from fakes.crm_http import Response

FIELDS = ("name", "phone", "service", "visit_at")
PHONE_E164 = "+79131234567"


@pytest.fixture
def portal() -> Iterator[FakeBitrix24]:
    with FakeBitrix24() as fake:
        yield fake


def make_crm(webhook_url: str, fields: tuple[str, ...] = FIELDS, **settings: Any) -> Any:
    config = {"webhook_url": webhook_url, **settings}
    return bitrix24.create(make_context("bitrix24", fields, config))


def write(crm: Any, key: str = "crm:lead1", **fields: str) -> DeliveryReceipt:
    values = fields or {"name": "Анна", "phone": PHONE_E164, "service": "Маникюр"}
    return asyncio.run(crm.write_lead(make_lead(**values), key))


# -- writing --------------------------------------------------------------------------


def test_write_creates_contact_lead_and_consent_comment(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url, lead_fields={"service": "UF_CRM_SERVICE"})

    receipt = write(
        crm, name="Анна", phone=PHONE_E164, service="Маникюр", visit_at="2026-12-05T11:00"
    )

    assert portal.methods() == [
        "crm.lead.list",
        "crm.contact.list",
        "crm.duplicate.findbycomm",
        "crm.contact.add",
        "crm.lead.add",
        "crm.timeline.comment.add",
    ]
    contact = portal.contacts[int(receipt.details["contact_id"])]
    assert contact["NAME"] == "Анна"
    assert contact["PHONE"] == [{"VALUE": PHONE_E164, "VALUE_TYPE": "WORK"}]
    lead = portal.leads[int(receipt.details["lead_id"])]
    assert lead["CONTACT_ID"] == receipt.details["contact_id"]
    assert lead["UF_CRM_SERVICE"] == "Маникюр"
    assert lead["TITLE"] == "Маникюр 2026-12-05T11:00"
    assert lead["ORIGINATOR_ID"] == "leadgate"
    assert lead["ORIGIN_ID"] == "crm:lead1"
    assert "PHONE" not in lead
    assert receipt.external_id == receipt.details["lead_id"]
    assert receipt.details["contact_created"] == "yes"


def test_consent_comment_holds_references_only(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)

    receipt = write(crm)

    comment = portal.comments[int(receipt.details["comment_id"])]
    assert comment["ENTITY_TYPE"] == "lead"
    assert comment["ENTITY_ID"] == int(receipt.details["lead_id"])
    assert "booking" in comment["COMMENT"]
    assert "2026-09" in comment["COMMENT"]
    assert "2026-12-04T10:15:00+00:00" in comment["COMMENT"]
    assert "telegram" in comment["COMMENT"]
    assert "Анна" not in comment["COMMENT"]
    assert PHONE_E164 not in comment["COMMENT"]


def test_unlisted_fields_never_leave(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url, fields=("phone", "service"))

    write(crm, name="Анна", phone=PHONE_E164, service="Маникюр", email="anna@example.org")

    sent = " ".join(json.dumps(request.json(), ensure_ascii=False) for _, request in portal.calls)
    assert "anna@example.org" not in sent
    assert "Анна" not in sent
    assert "Маникюр" in sent


@pytest.mark.parametrize(
    "first, second",
    [("8 913 123-45-67", PHONE_E164), (PHONE_E164, "8 (913) 123-45-67")],
    ids=["8-then-plus7", "plus7-then-8"],
)
def test_same_client_in_two_spellings_is_one_contact(
    portal: FakeBitrix24, first: str, second: str
) -> None:
    crm = make_crm(portal.webhook_url)

    first_receipt = write(crm, "crm:a", name="Анна", phone=first, service="Маникюр")
    second_receipt = write(crm, "crm:b", name="Анна", phone=second, service="Педикюр")

    assert len(portal.contacts) == 1
    assert len(portal.leads) == 2
    assert first_receipt.details["contact_id"] == second_receipt.details["contact_id"]
    assert second_receipt.details["contact_created"] == "no"


@pytest.mark.parametrize(
    "typed",
    ["8 (913) 123-45-67", "89131234567", "9131234567", "+7 913 123 45 67", "8-913-123-45-67"],
    ids=["8-brackets", "8-digits", "ten-digits", "plus7-spaces", "8-dashes"],
)
def test_contact_typed_by_manager_is_found(portal: FakeBitrix24, typed: str) -> None:
    existing = portal.add_contact("Анна", typed)
    crm = make_crm(portal.webhook_url)

    receipt = write(crm)

    assert receipt.details["contact_id"] == str(existing)
    assert receipt.details["contact_created"] == "no"
    assert "crm.contact.add" not in portal.methods()
    assert len(portal.contacts) == 1


def test_lead_without_phone_carries_name_itself(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url, fields=("name", "service"))

    receipt = write(crm, name="Анна", service="Маникюр")

    lead = portal.leads[int(receipt.details["lead_id"])]
    assert lead["NAME"] == "Анна"
    assert "CONTACT_ID" not in lead
    assert portal.contacts == {}


def test_constants_and_title_template_are_applied(portal: FakeBitrix24) -> None:
    crm = make_crm(
        portal.webhook_url,
        constants={"SOURCE_ID": "WEB", "ASSIGNED_BY_ID": "7"},
        title="Запись: {service}",
    )

    receipt = write(crm)

    lead = portal.leads[int(receipt.details["lead_id"])]
    assert lead["SOURCE_ID"] == "WEB"
    assert lead["ASSIGNED_BY_ID"] == "7"
    assert lead["TITLE"] == "Запись: Маникюр"


# -- idempotency ------------------------------------------------------------------------


def test_lost_lead_response_retry_is_idempotent(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.lead.add", drop="after")

    with pytest.raises(RetryableError):
        write(crm)
    receipt = write(crm)

    assert len(portal.leads) == 1
    assert len(portal.contacts) == 1
    assert len(portal.comments) == 1
    assert receipt.details["lead_id"] == str(next(iter(portal.leads)))
    assert receipt.details["contact_created"] == "yes"


def test_lost_contact_response_reuses_contact(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.contact.add", drop="after")

    with pytest.raises(RetryableError):
        write(crm)
    receipt = write(crm)

    assert len(portal.contacts) == 1
    assert receipt.details["contact_created"] == "yes"
    assert portal.methods().count("crm.contact.add") == 1


def test_lost_comment_response_retry_is_idempotent(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.timeline.comment.add", drop="after")

    with pytest.raises(RetryableError):
        write(crm)
    receipt = write(crm)

    assert len(portal.comments) == 1
    assert receipt.details["comment_id"] == str(next(iter(portal.comments)))


def test_second_write_with_same_key_changes_nothing(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)

    first = write(crm)
    second = write(crm)

    assert first == second
    assert (len(portal.leads), len(portal.contacts), len(portal.comments)) == (1, 1, 1)


# -- errors -----------------------------------------------------------------------------

RETRYABLE = [
    (error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503), 1.0),
    (error("INTERNAL_SERVER_ERROR", "Internal server error", 500), None),
    (error("OVERLOAD_LIMIT", "REST API is blocked due to overload.", 503), 600.0),
    (Response.json({"error": "TOO_MANY"}, status=429), 1.0),
    (outage(503), None),
    (outage(502), None),
    (Response(200, b"<html>maintenance</html>", "text/html"), None),
]


@pytest.mark.parametrize(
    "response, retry_after",
    RETRYABLE,
    ids=[
        "query-limit",
        "internal-error",
        "overload",
        "http-429",
        "html-503",
        "html-502",
        "html-200",
    ],
)
def test_outage_and_rate_limit_are_retryable(
    portal: FakeBitrix24, response: Response, retry_after: float | None
) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.lead.list", response)

    with pytest.raises(RetryableError) as raised:
        write(crm)

    assert raised.value.retry_after == retry_after
    assert portal.leads == {}


PERMANENT = [
    error("expired_token", "The access token provided has expired.", 401),
    error("INVALID_CREDENTIALS", "Invalid request credentials", 401),
    error("NO_AUTH_FOUND", "Wrong authorization data", 401),
    error("insufficient_scope", "The request requires higher privileges", 401),
    error("ACCESS_DENIED", "REST API is available only on commercial plans", 403),
    error("ERROR_METHOD_NOT_FOUND", "Method not found!", 404),
]


@pytest.mark.parametrize(
    "response",
    PERMANENT,
    ids=["expired", "invalid-credentials", "no-auth", "scope", "access-denied", "no-method"],
)
def test_bad_webhook_is_permanent_and_names_setting(
    portal: FakeBitrix24, response: Response
) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.lead.list", response)

    with pytest.raises(PermanentError) as raised:
        write(crm)

    message = str(raised.value)
    assert "BITRIX24_WEBHOOK_URL" in message
    assert portal.code not in message


def test_wrong_webhook_code_is_permanent(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url.replace(portal.code, "wrongcode"))

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "INVALID_CREDENTIALS" in str(raised.value)
    assert "wrongcode" not in str(raised.value)


def test_expired_webhook_is_permanent(portal: FakeBitrix24) -> None:
    portal.expired = True
    crm = make_crm(portal.webhook_url)

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "expired_token" in str(raised.value)


def test_wrong_portal_page_is_permanent(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.lead.list", Response(404, HTML_404, "text/html; charset=UTF-8"))

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "404" in str(raised.value)


def test_rejected_field_is_permanent_without_description(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    portal.fail_next("crm.lead.add", error("", "Field PHONE value +79131234567 is invalid", 400))

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "crm.lead.add" in str(raised.value)
    assert PHONE_E164 not in str(raised.value)


def test_connection_refused_is_retryable() -> None:
    with FakeBitrix24() as fake:
        webhook_url = fake.webhook_url
    crm = make_crm(webhook_url)

    with pytest.raises(RetryableError):
        write(crm)


def test_messages_follow_locale(portal: FakeBitrix24, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    crm = make_crm(portal.webhook_url)
    portal.expired = True

    with pytest.raises(PermanentError) as raised:
        write(crm)

    assert "Bitrix24 rejected the inbound webhook" in str(raised.value)


def test_logs_hold_no_webhook_code_or_personal_data(
    portal: FakeBitrix24, caplog: pytest.LogCaptureFixture
) -> None:
    crm = make_crm(portal.webhook_url)
    caplog.set_level(logging.DEBUG)

    receipt = write(crm)
    asyncio.run(crm.erase_subject([receipt]))

    assert "crm.lead.add" in caplog.text
    assert portal.code not in caplog.text
    assert PHONE_E164 not in caplog.text
    assert "Анна" not in caplog.text


# -- erasure ----------------------------------------------------------------------------


def test_erasure_deletes_lead_and_own_contact(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    receipt = write(crm)

    records = asyncio.run(crm.erase_subject([receipt]))

    assert portal.leads == {}
    assert portal.contacts == {}
    assert portal.comments == {}
    assert [record.subject_ref.split(":")[1] for record in records] == ["lead", "contact"]
    assert set(records[1].categories) == {"name", "phone"}
    assert all(record.destroyed_at is not None for record in records)
    assert "Анна" not in repr(records)
    assert PHONE_E164 not in repr(records)


def test_erasure_keeps_contact_that_existed_before(portal: FakeBitrix24) -> None:
    existing = portal.add_contact("Анна", "8 913 123-45-67")
    crm = make_crm(portal.webhook_url)
    receipt = write(crm)

    records = asyncio.run(crm.erase_subject([receipt]))

    assert portal.leads == {}
    assert list(portal.contacts) == [existing]
    assert [record.subject_ref for record in records] == [f"bitrix24:lead:{receipt.external_id}"]


def test_erasure_of_two_leads_deletes_shared_contact_once(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    receipts = [write(crm, "crm:a"), write(crm, "crm:b")]

    records = asyncio.run(crm.erase_subject(receipts))

    assert portal.leads == {}
    assert portal.contacts == {}
    assert portal.methods().count("crm.contact.delete") == 1
    assert len(records) == 3


def test_repeated_erasure_records_already_absent(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    receipt = write(crm)
    asyncio.run(crm.erase_subject([receipt]))

    records = asyncio.run(crm.erase_subject([receipt]))

    assert [record.method for record in records] == ["deletion (already absent)"] * 2


def test_erasure_during_outage_is_retryable(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url)
    receipt = write(crm)
    portal.fail_next("crm.lead.delete", error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503))

    with pytest.raises(RetryableError):
        asyncio.run(crm.erase_subject([receipt]))

    assert len(portal.leads) == 1


# -- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "webhook_url",
    [
        "https://salon.bitrix24.ru/",
        "https://salon.bitrix24.ru/rest/1/",
        "https://salon.bitrix24.ru/rest/one/s3cr3tc0de/",
        "salon.bitrix24.ru/rest/1/s3cr3tc0de/",
    ],
    ids=["no-path", "no-code", "user-not-number", "no-scheme"],
)
def test_malformed_webhook_url_is_config_error(webhook_url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        make_crm(webhook_url)

    assert raised.value.key == "webhook_url"
    assert "s3cr3tc0de" not in str(raised.value)


def test_plain_http_webhook_is_rejected_off_loopback() -> None:
    with pytest.raises(ConfigError) as raised:
        make_crm("http://salon.bitrix24.ru/rest/1/s3cr3tc0de/")

    assert "https://" in str(raised.value)
    assert "s3cr3tc0de" not in str(raised.value)


def test_mapping_of_unlisted_field_is_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        make_crm("https://salon.bitrix24.ru/rest/1/abc/", lead_fields={"email": "UF_CRM_MAIL"})

    assert raised.value.value == "email"


def test_title_with_unlisted_field_is_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        make_crm("https://salon.bitrix24.ru/rest/1/abc/", title="{name} {email}")

    assert raised.value.key == "title"
    assert raised.value.value == "email"


def test_webhook_without_trailing_slash_is_accepted(portal: FakeBitrix24) -> None:
    crm = make_crm(portal.webhook_url.rstrip("/"))

    receipt = write(crm)

    assert receipt.details["lead_id"]


def test_write_without_services_names_the_command() -> None:
    context = make_context(
        "bitrix24",
        FIELDS,
        {"webhook_url": "https://salon.bitrix24.ru/rest/1/abc/"},
        with_services=False,
    )
    crm = bitrix24.create(context)

    with pytest.raises(PluginError) as raised:
        asyncio.run(crm.write_lead(make_lead(phone=PHONE_E164), "crm:x"))

    assert "leadgate run" in str(raised.value)


def test_schema_rejects_unknown_lead_field_and_pasted_secret() -> None:
    import strictyaml

    valid = "webhook_url: ${BITRIX24_WEBHOOK_URL}\nlead_fields:\n  service: UF_CRM_1\n"
    unknown = "webhook_url: ${BITRIX24_WEBHOOK_URL}\nlead_fields:\n  passport: UF_CRM_1\n"
    pasted = "webhook_url: https://salon.bitrix24.ru/rest/1/abc/\n"

    assert strictyaml.load(valid, bitrix24.SCHEMA).data["lead_fields"] == {"service": "UF_CRM_1"}
    with pytest.raises(strictyaml.YAMLValidationError):
        strictyaml.load(unknown, bitrix24.SCHEMA)
    with pytest.raises(strictyaml.YAMLValidationError):
        strictyaml.load(pasted, bitrix24.SCHEMA)


def test_registration_declares_russia_and_rate() -> None:
    specs: list[Any] = []

    bitrix24.leadgate_register_crms(register=specs.append)

    assert [spec.name for spec in specs] == ["bitrix24"]
    assert specs[0].location == "ru"
    assert specs[0].schema is bitrix24.SCHEMA
    assert bitrix24.Bitrix24CRM.requests_per_second == 2.0
