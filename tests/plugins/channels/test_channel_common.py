"""Tests of the helpers the chat channels share: checks, splitting, HTTP error mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket

import httpx
import pytest
from channel_builders import raw_request
from hypothesis import given
from hypothesis import strategies as st

from leadgate.errors import PayloadError, PermanentError, RetryableError, SignatureError
from leadgate.plugins.channels.common import (
    Units,
    check_hub_signature,
    check_shared_secret,
    from_unix,
    mask_path_tokens,
    measure,
    meta_handshake,
    parse_json_object,
    send_parts,
    send_request,
    split_text,
    utf16_to_index,
)

from fakes.crm_http import FakeServer, Request, Response
from fakes.graph_api import hub_signature

APP_SECRET = "app-secret-for-tests"


# -- Shared secrets and signatures --------------------------------------------------


def test_shared_secret_accepts_exact_match() -> None:
    check_shared_secret("s3cret", "s3cret", "X-Test")


@pytest.mark.parametrize(
    ("expected", "received"),
    [("s3cret", "wrong"), ("s3cret", None), ("s3cret", ""), ("", ""), ("", "anything")],
    ids=["wrong", "missing", "empty", "none-configured", "none-configured-sent"],
)
def test_shared_secret_rejects(expected: str, received: str | None) -> None:
    with pytest.raises(SignatureError):
        check_shared_secret(expected, received, "X-Test")


def test_hub_signature_accepts_signed_raw_body() -> None:
    body = '{"object":"instagram","entry":[{"text":"Привет"}]}'.encode()

    check_hub_signature(
        APP_SECRET, raw_request(body, {"X-Hub-Signature-256": hub_signature(APP_SECRET, body)})
    )


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 64,
        hub_signature("another-secret", b'{"a":1}'),
    ],
    ids=["missing", "empty", "no-digest", "wrong-scheme", "zeros", "other-secret"],
)
def test_hub_signature_rejects(header: str | None) -> None:
    headers = {} if header is None else {"X-Hub-Signature-256": header}

    with pytest.raises(SignatureError):
        check_hub_signature(APP_SECRET, raw_request(b'{"a":1}', headers))


def test_hub_signature_uses_raw_bytes() -> None:
    signed = b'{"text": "\\u043f\\u0440\\u0438\\u0432\\u0435\\u0442"}'
    same_json_other_bytes = '{"text":"привет"}'.encode()
    header = {"X-Hub-Signature-256": hub_signature(APP_SECRET, signed)}

    check_hub_signature(APP_SECRET, raw_request(signed, header))
    with pytest.raises(SignatureError):
        check_hub_signature(APP_SECRET, raw_request(same_json_other_bytes, header))


def test_hub_signature_without_app_secret_fails_closed() -> None:
    body = b"{}"

    with pytest.raises(SignatureError):
        check_hub_signature("", raw_request(body, {"X-Hub-Signature-256": hub_signature("", body)}))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"},
            (200, "1158201444"),
        ),
        (
            {"hub.mode": "subscribe", "hub.verify_token": "other", "hub.challenge": "1"},
            (403, "forbidden"),
        ),
        (
            {"hub.mode": "unsubscribe", "hub.verify_token": "vt", "hub.challenge": "1"},
            (403, "forbidden"),
        ),
        ({"hub.mode": "subscribe", "hub.verify_token": "vt"}, (403, "forbidden")),
        ({}, (403, "forbidden")),
    ],
    ids=["right-token", "wrong-token", "wrong-mode", "no-challenge", "no-query"],
)
def test_meta_handshake(query: dict[str, str], expected: tuple[int, str]) -> None:
    request = raw_request(method="GET", query=query)

    assert meta_handshake(request, "vt") == expected


def test_meta_handshake_without_configured_token_is_forbidden() -> None:
    request = raw_request(
        method="GET", query={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )

    assert meta_handshake(request, "") == (403, "forbidden")


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"a": '],
    ids=["empty", "text", "array", "string", "bad-utf8", "truncated"],
)
def test_parse_json_object_rejects(body: bytes) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_json_object(body)

    assert caught.value.status_code == 400


# -- UTF-16 offsets -----------------------------------------------------------------


def test_utf16_to_index_counts_emoji_as_two_units() -> None:
    value = "😀 /start 👍🏽x"

    assert utf16_to_index(value, 0) == 0
    assert utf16_to_index(value, 2) == 1
    assert value[utf16_to_index(value, 3) : utf16_to_index(value, 9)] == "/start"
    assert value[utf16_to_index(value, 10) :] == "👍🏽x"
    assert utf16_to_index(value, 1000) == len(value)


def test_utf16_to_index_inside_surrogate_pair() -> None:
    assert utf16_to_index("😀a", 1) == 1


@given(st.text(max_size=40))
def test_utf16_to_index_matches_encoded_prefix(value: str) -> None:
    for index in range(len(value) + 1):
        units = len(value[:index].encode("utf-16-le")) // 2

        assert utf16_to_index(value, units) == index


# -- Splitting ----------------------------------------------------------------------


def test_split_text_short_text_is_one_part() -> None:
    assert split_text("Здравствуйте!", 4096) == ["Здравствуйте!"]


def test_split_text_prefers_line_breaks() -> None:
    value = "первая строка\nвторая строка\nтретья"

    assert split_text(value, 28) == ["первая строка\nвторая строка", "третья"]


def test_split_text_falls_back_to_spaces() -> None:
    assert split_text("один два три четыре", 9) == ["один два", "три", "четыре"]


def test_split_text_cuts_a_long_word_hard() -> None:
    assert split_text("a" * 10, 4) == ["aaaa", "aaaa", "aa"]


def test_split_text_never_cuts_a_kept_range() -> None:
    value = "Ваш номер +7 900 123-45-67 записан"
    start = value.index("+7")
    end = start + len("+7 900 123-45-67")

    parts = split_text(value, 20, keep_whole=[(start, end)])

    assert "+7 900 123-45-67" in parts
    assert all(len(part) <= 20 for part in parts)


def test_split_text_counts_utf16_units() -> None:
    value = "😀" * 5

    parts = split_text(value, 4, units="utf16")

    assert parts == ["😀😀", "😀😀", "😀"]


def test_split_text_counts_utf8_bytes() -> None:
    parts = split_text("я" * 10, 6, units="utf8")

    assert parts == ["яяя", "яяя", "яяя", "я"]


def test_split_text_rejects_non_positive_limit() -> None:
    with pytest.raises(ValueError):
        split_text("x", 0)


@given(
    st.text(alphabet=st.sampled_from("ab я😀\n"), max_size=300),
    st.integers(min_value=4, max_value=40),
    st.sampled_from(["chars", "utf16", "utf8"]),
)
def test_split_text_parts_fit_and_keep_every_word(value: str, limit: int, units: Units) -> None:
    parts = split_text(value, limit, units=units)

    assert all(0 < measure(part, units) <= limit for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == value.replace(" ", "").replace(
        "\n", ""
    )


# -- HTTP error mapping -------------------------------------------------------------


class _EchoFake(FakeServer):
    def handle(self, name: str, request: Request) -> Response:
        return Response.json({"ok": True})


def _call(url: str, timeout: float = 5.0) -> httpx.Response:
    async def scenario() -> httpx.Response:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await send_request(
                client, "POST", url, service="test", operation="call", json={}
            )

    return asyncio.run(scenario())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_send_request_returns_response() -> None:
    with _EchoFake() as fake:
        response = _call(fake.url + "/x")

    assert response.status_code == 200


def test_send_request_connection_refused_is_retryable() -> None:
    with pytest.raises(RetryableError):
        _call(f"http://127.0.0.1:{_closed_port()}/x")


def test_send_request_lost_response_is_not_retried() -> None:
    with _EchoFake() as fake:
        fake.fail_next("POST /x", drop="after")

        with pytest.raises(PermanentError) as caught:
            _call(fake.url + "/x")

    assert type(caught.value) is PermanentError
    assert len(fake.calls) == 1


def test_send_request_read_timeout_is_not_retried() -> None:
    with _EchoFake() as fake:
        fake.delays["POST /slow"] = 0.5

        with pytest.raises(PermanentError):
            _call(fake.url + "/slow", timeout=0.1)


def test_send_request_never_logs_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="leadgate")

    with _EchoFake() as fake:
        _call(fake.url + "/bot123:SECRET-TOKEN/sendMessage")

    assert "SECRET-TOKEN" not in caplog.text
    assert "test POST call -> 200" in caplog.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1733300000, dt.datetime(2024, 12, 4, 8, 13, 20, tzinfo=dt.UTC)),
        ("1733300000", dt.datetime(2024, 12, 4, 8, 13, 20, tzinfo=dt.UTC)),
        (None, None),
        ("soon", None),
        (1e20, None),
        (float("inf"), None),
    ],
    ids=["int", "digits", "none", "text", "far-future", "infinity"],
)
def test_from_unix(value: object, expected: dt.datetime | None) -> None:
    assert from_unix(value) == expected


# -- Multi-part replies -------------------------------------------------------------


class _Provider:
    """A send function that fails chosen calls, recording every payload it receives."""

    def __init__(self, failures: dict[int, Exception]) -> None:
        self.failures = failures
        self.received: list[str] = []

    async def post(self, payload: str) -> str:
        self.received.append(payload)
        failure = self.failures.pop(len(self.received), None)
        if failure is not None:
            raise failure
        return f"id-{payload}"


def test_send_parts_returns_every_message_id() -> None:
    provider = _Provider({})

    receipt = asyncio.run(send_parts(provider.post, ["a", "b", "c"]))

    assert receipt.external_id == "id-c"
    assert receipt.details["message_ids"] == "id-a,id-b,id-c"


def test_send_parts_waits_out_short_limit_on_later_part() -> None:
    provider = _Provider({2: RetryableError("429", retry_after=0.05)})

    receipt = asyncio.run(send_parts(provider.post, ["a", "b"]))

    assert provider.received == ["a", "b", "b"]
    assert receipt.details["message_ids"] == "id-a,id-b"


def test_send_parts_first_part_failure_goes_to_outbox() -> None:
    provider = _Provider({1: RetryableError("429", retry_after=0.05)})

    with pytest.raises(RetryableError):
        asyncio.run(send_parts(provider.post, ["a", "b"]))

    assert provider.received == ["a"]


def test_send_parts_long_limit_on_later_part_goes_to_outbox() -> None:
    provider = _Provider({2: RetryableError("429", retry_after=30)})

    with pytest.raises(RetryableError) as caught:
        asyncio.run(send_parts(provider.post, ["a", "b"]))

    assert caught.value.retry_after == 30
    assert provider.received == ["a", "b"]


def test_send_parts_gives_up_after_three_attempts() -> None:
    failures: dict[int, Exception] = {n: RetryableError("503", retry_after=0.01) for n in (2, 3, 4)}
    provider = _Provider(failures)

    with pytest.raises(RetryableError):
        asyncio.run(send_parts(provider.post, ["a", "b"]))

    assert provider.received == ["a", "b", "b", "b"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.telegram.org/bot123456:AA-secret_x/sendMessage",
            "https://api.telegram.org/bot***/sendMessage",
        ),
        (
            "https://api.green-api.com/waInstance1101000001/sendMessage/d75b3a66374942c5b3c019c698abc2067e151558acbd412345",
            "https://api.green-api.com/waInstance1101000001/sendMessage/***",
        ),
        (
            "https://graph.facebook.com/v21.0/me/messages",
            "https://graph.facebook.com/v21.0/me/messages",
        ),
    ],
    ids=["telegram", "green-api", "graph-unchanged"],
)
def test_mask_path_tokens(url: str, expected: str) -> None:
    assert mask_path_tokens(url) == expected
    assert mask_path_tokens(httpx.URL(url)) == expected
