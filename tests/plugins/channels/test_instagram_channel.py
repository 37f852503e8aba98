"""Tests of the Instagram channel against Meta's payloads and a fake Graph API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from channel_builders import make_bundle, make_services, raw_request, run

from leadgate.core.components import Button, ComponentContext, InboundEvent, OutboundMessage
from leadgate.errors import (
    ConfigError,
    PayloadError,
    PermanentError,
    RetryableError,
    SignatureError,
    UnreachableError,
)
from leadgate.plugins.channels.instagram import create_channel
from leadgate.plugins.channels.instagram.channel import InstagramChannel

from fakes.graph_api import GraphApiFake, graph_error, hub_signature

APP_SECRET = "ig-app-secret"
ACCESS_TOKEN = "graph-test-token"
IG_ID = "17841400000000000"
IGSID = "1254459154682919"
MESSAGES_PATH = "/v21.0/me/messages"


@pytest.fixture
def graph() -> Iterator[GraphApiFake]:
    with GraphApiFake(access_token=ACCESS_TOKEN) as server:
        yield server


def make_channel(api_url: str = "http://127.0.0.1:9", **config: Any) -> InstagramChannel:
    section = {
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": "verify-me",
        "api_url": api_url,
        **config,
    }
    return create_channel(ComponentContext("instagram", section, make_bundle(), make_services()))


def delivery(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{"id": IG_ID, "time": 1733300001000, "messaging": list(items)}],
    }


def item(timestamp: int = 1733300000000, **body: Any) -> dict[str, Any]:
    return {"sender": {"id": IGSID}, "recipient": {"id": IG_ID}, "timestamp": timestamp, **body}


def parse(body: dict[str, Any]) -> list[InboundEvent]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    request = raw_request(raw, {"X-Hub-Signature-256": hub_signature(APP_SECRET, raw)})
    channel = make_channel()
    channel.verify(request)
    return channel.parse(request)


# -- Configuration, handshake and signatures ----------------------------------------


def test_missing_app_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_channel(app_secret="")

    assert caught.value.key == "app_secret"


def test_handshake_returns_challenge_for_verify_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "987654"}

    assert make_channel().handshake(raw_request(method="GET", query=query)) == (200, "987654")


def test_handshake_rejects_wrong_verify_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "987654"}

    assert make_channel().handshake(raw_request(method="GET", query=query)) == (403, "forbidden")


def test_verify_rejects_wrong_signature() -> None:
    raw = json.dumps(delivery(item(message={"mid": "m1", "text": "x"}))).encode()

    with pytest.raises(SignatureError):
        make_channel().verify(
            raw_request(raw, {"X-Hub-Signature-256": hub_signature("other", raw)})
        )


# -- Parsing ------------------------------------------------------------------------


def test_parse_text_message() -> None:
    (event,) = parse(
        delivery(
            item(
                message={
                    "mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3",
                    "text": "Сколько стоит стрижка?",
                }
            )
        )
    )

    assert event.kind == "text"
    assert event.external_id == "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3"
    assert event.user_id == IGSID
    assert event.text == "Сколько стоит стрижка?"
    assert event.occurred_at == dt.datetime.fromtimestamp(1733300000, dt.UTC)


def test_parse_quick_reply_is_button() -> None:
    message = {"mid": "m2", "text": "Согласен", "quick_reply": {"payload": "consent:booking:1:yes"}}

    (event,) = parse(delivery(item(message=message)))

    assert (event.kind, event.payload) == ("button", "consent:booking:1:yes")


def test_parse_postback_is_button() -> None:
    postback = {"mid": "m3", "title": "Записаться", "payload": "book"}

    (event,) = parse(delivery(item(postback=postback)))

    assert (event.kind, event.payload, event.external_id) == ("button", "book", "m3")


def test_parse_echo_names_client_as_user() -> None:
    echo = {
        "sender": {"id": IG_ID},
        "recipient": {"id": IGSID},
        "timestamp": 1733300000000,
        "message": {"mid": "m4", "text": "Ждём вас", "is_echo": True},
    }

    (event,) = parse(delivery(echo))

    assert (event.kind, event.user_id, event.text, event.external_id) == (
        "echo",
        IGSID,
        "Ждём вас",
        "m4",
    )


def test_parse_deleted_message() -> None:
    (event,) = parse(delivery(item(message={"mid": "m5", "is_deleted": True})))

    assert event.kind == "delete"
    assert event.external_id == "delete:m5"
    assert event.meta["target_external_id"] == "m5"


def test_parse_attachment_without_text_is_media() -> None:
    message = {
        "mid": "m6",
        "attachments": [{"type": "image", "payload": {"url": "https://lookaside.example/x"}}],
    }

    (event,) = parse(delivery(item(message=message)))

    assert (event.kind, event.meta["media_type"]) == ("media", "image")
    assert "lookaside" not in repr(event)


@pytest.mark.parametrize(
    "body",
    [
        {"reaction": {"mid": "m1", "action": "react", "reaction": "love", "emoji": "❤️"}},
        {"read": {"mid": "m1"}},
        {"referral": {"ref": "promo", "source": "ADS", "type": "OPEN_THREAD"}},
    ],
    ids=["reaction", "read", "referral"],
)
def test_parse_other_items_are_ignored(body: dict[str, Any]) -> None:
    (event,) = parse(delivery(item(**body)))

    assert event.kind == "ignored"
    assert event.external_id


def test_parse_items_in_timestamp_order() -> None:
    later = item(1733300002000, message={"mid": "b", "text": "второе"})
    earlier = item(1733300001000, message={"mid": "a", "text": "первое"})

    events = parse(delivery(later, earlier))

    assert [event.text for event in events] == ["первое", "второе"]


def test_parse_other_object_gives_no_events() -> None:
    assert parse({"object": "page", "entry": []}) == []


@pytest.mark.parametrize(
    "body",
    [
        {"object": "instagram"},
        delivery({"recipient": {"id": IG_ID}, "message": {"mid": "x", "text": "y"}}),
        delivery(item(message={"text": "no mid"})),
        delivery("not an object"),  # type: ignore[arg-type]
    ],
    ids=["no-entry", "no-sender", "no-mid", "item-not-object"],
)
def test_parse_malformed_delivery_is_payload_error(body: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        parse(body)


# -- Sending ------------------------------------------------------------------------


def outbound(text: str = "Записала вас на 12:00", **fields: Any) -> OutboundMessage:
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    values: dict[str, Any] = {"last_inbound_at": recent, **fields}
    return OutboundMessage(channel="instagram", user_id=IGSID, text=text, **values)


def test_send_text(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)

    receipt = run(channel, lambda: channel.send(outbound()))

    assert graph.names() == [MESSAGES_PATH]
    assert graph.bodies() == [
        {"recipient": {"id": IGSID}, "message": {"text": "Записала вас на 12:00"}}
    ]
    assert receipt.external_id == "aWdfZAG1FAKE000001"


def test_send_to_configured_account_id(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url, ig_user_id=IG_ID)

    run(channel, lambda: channel.send(outbound()))

    assert graph.names() == [f"/v21.0/{IG_ID}/messages"]


def test_send_buttons_as_quick_replies(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    buttons = (
        Button("Согласен", "consent:booking:1:yes"),
        Button("Не согласен", "consent:booking:1:no"),
    )

    run(channel, lambda: channel.send(outbound("Согласие", buttons=buttons)))

    assert graph.bodies()[0]["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Согласен", "payload": "consent:booking:1:yes"},
        {"content_type": "text", "title": "Не согласен", "payload": "consent:booking:1:no"},
    ]


def test_send_more_than_13_quick_replies_is_permanent(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    buttons = tuple(Button(str(number), str(number)) for number in range(14))

    with pytest.raises(PermanentError):
        run(channel, lambda: channel.send(outbound(buttons=buttons)))

    assert graph.calls == []


def test_send_splits_on_utf8_bytes(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    text = " ".join(["запись"] * 300)

    run(channel, lambda: channel.send(outbound(text, buttons=(Button("Ок", "ok"),))))

    bodies = graph.bodies()
    assert len(bodies) >= 4
    assert all(len(body["message"]["text"].encode()) <= 1000 for body in bodies)
    assert "quick_replies" in bodies[-1]["message"]
    assert all("quick_replies" not in body["message"] for body in bodies[:-1])


def test_send_outside_24h_window_is_permanent_without_call(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)

    with pytest.raises(PermanentError):
        run(channel, lambda: channel.send(outbound(last_inbound_at=stale)))

    assert graph.calls == []


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            graph_error(
                10, "(#10) This message is sent outside of allowed window.", subcode=2018278
            ),
            PermanentError,
        ),
        (
            graph_error(551, "This person isn't available right now.", subcode=1545041),
            UnreachableError,
        ),
        (graph_error(100, "No matching user found", subcode=2018001), UnreachableError),
        (graph_error(613, "Calls to this api have exceeded the rate limit."), RetryableError),
        (graph_error(2, "An unexpected error has occurred.", status=500), RetryableError),
        (graph_error(190, "Invalid OAuth access token.", status=401), PermanentError),
    ],
    ids=["window", "unavailable", "no-user", "rate-limit", "server", "token"],
)
def test_send_maps_graph_errors(
    graph: GraphApiFake, response: Any, expected: type[Exception]
) -> None:
    channel = make_channel(graph.url)
    graph.fail_next(MESSAGES_PATH, response)

    with pytest.raises(expected) as caught:
        run(channel, lambda: channel.send(outbound()))

    if expected is PermanentError:
        assert type(caught.value) is PermanentError
