"""Tests of the WhatsApp Cloud API channel against Meta's payloads and a fake Graph API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
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
from leadgate.plugins.channels.whatsapp import create_channel
from leadgate.plugins.channels.whatsapp.cloud import WhatsAppCloudChannel

from fakes.graph_api import GraphApiFake, graph_error, hub_signature

APP_SECRET = "wa-app-secret"
ACCESS_TOKEN = "graph-test-token"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "79001234567"
MESSAGES_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph() -> Iterator[GraphApiFake]:
    with GraphApiFake(access_token=ACCESS_TOKEN) as server:
        yield server


def make_channel(
    api_url: str = "http://127.0.0.1:9", templates: dict[str, str] | None = None, **config: Any
) -> WhatsAppCloudChannel:
    section = {
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": "verify-me",
        "phone_number_id": PHONE_NUMBER_ID,
        "api_url": api_url,
        **config,
    }
    bundle = make_bundle(templates=templates)
    channel = create_channel(ComponentContext("whatsapp", section, bundle, make_services(bundle)))
    assert isinstance(channel, WhatsAppCloudChannel)
    return channel


def delivery(*changes: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """A delivery shaped as Meta sends it; ``entries`` repeats the changes per entry."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": list(changes)} for _ in range(entries)],
    }


def change(
    messages: Sequence[dict[str, Any]] = (), statuses: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Анна"}, "wa_id": WA_ID}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"value": value, "field": "messages"}


def wa_message(wamid: str, kind: str, timestamp: int = 1733300000, **body: Any) -> dict[str, Any]:
    return {"from": WA_ID, "id": wamid, "timestamp": str(timestamp), "type": kind, **body}


def signed(body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw_request(raw, {"X-Hub-Signature-256": hub_signature(APP_SECRET, raw)})


def parse(body: dict[str, Any]) -> list[InboundEvent]:
    channel = make_channel()
    request = signed(body)
    channel.verify(request)
    return channel.parse(request)


# -- Configuration, handshake and signatures ----------------------------------------


def test_missing_phone_number_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_channel(phone_number_id="")

    assert caught.value.key == "phone_number_id"


def test_handshake_returns_challenge_for_verify_token() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }

    assert make_channel().handshake(raw_request(method="GET", query=query)) == (200, "1158201444")


def test_handshake_rejects_wrong_verify_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}

    assert make_channel().handshake(raw_request(method="GET", query=query))[0] == 403


def test_verify_rejects_body_signed_with_other_secret() -> None:
    raw = json.dumps(delivery(change([wa_message("wamid.A", "text", text={"body": "x"})]))).encode()
    request = raw_request(raw, {"X-Hub-Signature-256": hub_signature("other", raw)})

    with pytest.raises(SignatureError):
        make_channel().verify(request)


def test_verify_rejects_missing_signature() -> None:
    with pytest.raises(SignatureError):
        make_channel().verify(raw_request(b"{}"))


# -- Parsing ------------------------------------------------------------------------


def test_parse_text_message() -> None:
    body = delivery(
        change(
            [
                wa_message(
                    "wamid.HBgLNzkwMDEyMzQ1NjcVAgASGBQ", "text", text={"body": "Хочу на маникюр"}
                )
            ]
        )
    )

    (event,) = parse(body)

    assert event.kind == "text"
    assert event.external_id == "wamid.HBgLNzkwMDEyMzQ1NjcVAgASGBQ"
    assert event.user_id == WA_ID
    assert event.text == "Хочу на маникюр"
    assert event.meta["message_id"] == "wamid.HBgLNzkwMDEyMzQ1NjcVAgASGBQ"
    assert event.occurred_at == dt.datetime.fromtimestamp(1733300000, dt.UTC)
    assert "Анна" not in repr(event)


def test_parse_several_entries_and_messages_in_timestamp_order() -> None:
    first = change(
        [
            wa_message("wamid.3", "text", 1733300030, text={"body": "три"}),
            wa_message("wamid.1", "text", 1733300010, text={"body": "один"}),
        ]
    )
    second = change([wa_message("wamid.2", "text", 1733300020, text={"body": "два"})])
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [first]},
            {"id": "1", "changes": [second]},
        ],
    }

    events = parse(body)

    assert [event.text for event in events] == ["один", "два", "три"]


@pytest.mark.parametrize(
    ("reply_type", "reply"),
    [
        ("button_reply", {"id": "consent:booking:1:yes", "title": "Согласен"}),
        ("list_reply", {"id": "consent:booking:1:yes", "title": "Согласен", "description": ""}),
    ],
    ids=["button-reply", "list-reply"],
)
def test_parse_interactive_reply_is_button(reply_type: str, reply: dict[str, str]) -> None:
    interactive = {"type": reply_type, reply_type: reply}
    body = delivery(
        change(
            [
                wa_message(
                    "wamid.B",
                    "interactive",
                    interactive=interactive,
                    context={"from": "15550783881", "id": "wamid.OURS"},
                )
            ]
        )
    )

    (event,) = parse(body)

    assert (event.kind, event.payload) == ("button", "consent:booking:1:yes")


def test_parse_template_quick_reply_is_button() -> None:
    body = delivery(
        change(
            [wa_message("wamid.T", "button", button={"text": "Продолжить", "payload": "resume"})]
        )
    )

    (event,) = parse(body)

    assert (event.kind, event.payload) == ("button", "resume")


def test_parse_shared_contact() -> None:
    contacts = [
        {
            "name": {"formatted_name": "Анна", "first_name": "Анна"},
            "phones": [{"phone": "+7 900 123-45-67", "wa_id": WA_ID, "type": "CELL"}],
        }
    ]

    (event,) = parse(delivery(change([wa_message("wamid.C", "contacts", contacts=contacts)])))

    assert (event.kind, event.contact_phone) == ("contact", "+7 900 123-45-67")
    assert event.meta["own_contact"] == "yes"


def test_parse_location_keeps_no_coordinates() -> None:
    location = {
        "latitude": 55.7558,
        "longitude": 37.6173,
        "name": "Салон",
        "address": "Тверская, 1",
    }

    (event,) = parse(delivery(change([wa_message("wamid.L", "location", location=location)])))

    assert event.kind == "location"
    assert "55.7558" not in repr(event)
    assert "Тверская" not in repr(event)


@pytest.mark.parametrize(
    ("kind", "body", "expected_kind"),
    [
        ("image", {"image": {"id": "1", "mime_type": "image/jpeg", "sha256": "x"}}, "media"),
        (
            "image",
            {"image": {"id": "1", "mime_type": "image/jpeg", "caption": "Такой цвет"}},
            "text",
        ),
        (
            "audio",
            {"audio": {"id": "2", "mime_type": "audio/ogg; codecs=opus", "voice": True}},
            "media",
        ),
        ("reaction", {"reaction": {"message_id": "wamid.X", "emoji": "👍"}}, "ignored"),
        ("unsupported", {"errors": [{"code": 131051, "title": "Message type unknown"}]}, "ignored"),
    ],
    ids=["image", "image-caption", "voice", "reaction", "unsupported"],
)
def test_parse_other_message_types(kind: str, body: dict[str, Any], expected_kind: str) -> None:
    (event,) = parse(delivery(change([wa_message("wamid.M", kind, **body)])))

    assert event.kind == expected_kind


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"], ids=str)
def test_parse_status_is_never_a_message(status: str) -> None:
    item: dict[str, Any] = {
        "id": "wamid.OURS",
        "status": status,
        "timestamp": "1733300100",
        "recipient_id": WA_ID,
    }
    if status == "failed":
        item["errors"] = [{"code": 131047, "title": "Re-engagement message"}]

    (event,) = parse(delivery(change(statuses=[item])))

    assert event.kind == "status"
    assert event.payload == status
    assert event.external_id == f"status:wamid.OURS:{status}"
    assert event.meta["message_id"] == "wamid.OURS"
    assert event.text == ""
    if status == "failed":
        assert event.meta["error_code"] == "131047"


def test_parse_messages_and_statuses_together() -> None:
    status = {
        "id": "wamid.OURS",
        "status": "read",
        "timestamp": "1733300005",
        "recipient_id": WA_ID,
    }
    body = delivery(
        change([wa_message("wamid.N", "text", 1733300009, text={"body": "ещё"})], [status])
    )

    events = parse(body)

    assert [event.kind for event in events] == ["status", "text"]


def test_parse_other_object_gives_no_events() -> None:
    assert parse({"object": "page", "entry": []}) == []


def test_parse_other_field_gives_no_events() -> None:
    assert parse(delivery({"field": "account_update", "value": {"event": "x"}})) == []


@pytest.mark.parametrize(
    "body",
    [
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": ["x"]},
        delivery({"field": "messages"}),
        delivery(change([{"id": "wamid.X", "type": "text"}])),
        delivery(change(statuses=[{"id": "wamid.X"}])),
    ],
    ids=["no-entry", "entry-not-object", "no-value", "message-no-from", "status-no-status"],
)
def test_parse_malformed_delivery_is_payload_error(body: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        parse(body)


# -- Sending ------------------------------------------------------------------------


def outbound(text: str = "Записала вас на 12:00", **fields: Any) -> OutboundMessage:
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    values: dict[str, Any] = {"last_inbound_at": recent, **fields}
    return OutboundMessage(channel="whatsapp", user_id=WA_ID, text=text, **values)


def test_send_text(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)

    receipt = run(channel, lambda: channel.send(outbound()))

    assert graph.names() == [MESSAGES_PATH]
    assert graph.bodies() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "text",
            "text": {"body": "Записала вас на 12:00"},
        }
    ]
    assert receipt.external_id == "wamid.FAKE000001"


def test_send_consent_buttons_as_reply_buttons(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    buttons = (
        Button("Согласен", "consent:booking:1:yes"),
        Button("Не согласен", "consent:booking:1:no"),
    )

    run(channel, lambda: channel.send(outbound("Согласие на обработку", buttons=buttons)))

    interactive = graph.bodies()[0]["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Согласие на обработку"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "consent:booking:1:yes", "title": "Согласен"}},
        {"type": "reply", "reply": {"id": "consent:booking:1:no", "title": "Не согласен"}},
    ]


def test_send_long_button_title_is_shortened_to_20(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    button = Button("Согласен на обработку данных", "yes")

    run(channel, lambda: channel.send(outbound(buttons=(button,))))

    title = graph.bodies()[0]["interactive"]["action"]["buttons"][0]["reply"]["title"]
    assert len(title) == 20
    assert title.endswith("…")


def test_send_four_to_ten_buttons_as_list(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    buttons = tuple(Button(f"Мастер {number}", f"master:{number}") for number in range(5))

    run(channel, lambda: channel.send(outbound("К кому записать?", buttons=buttons)))

    interactive = graph.bodies()[0]["interactive"]
    assert interactive["type"] == "list"
    assert [row["id"] for row in interactive["action"]["sections"][0]["rows"]] == [
        b.payload for b in buttons
    ]
    assert interactive["action"]["button"] == "Выбрать"


def test_send_more_than_ten_buttons_is_permanent(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    buttons = tuple(Button(str(number), str(number)) for number in range(11))

    with pytest.raises(PermanentError):
        run(channel, lambda: channel.send(outbound(buttons=buttons)))

    assert graph.calls == []


def test_send_long_text_with_buttons(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    text = "\n".join(["Строка условий обработки данных."] * 100)

    run(channel, lambda: channel.send(outbound(text, buttons=(Button("Да", "yes"),))))

    bodies = graph.bodies()
    assert [body["type"] for body in bodies[:-1]] == ["text"] * (len(bodies) - 1)
    assert bodies[-1]["type"] == "interactive"
    assert len(bodies[-1]["interactive"]["body"]["text"]) <= 1024


def test_send_outside_24h_window_uses_template(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url, templates={"reengage": "salon_reengage"})
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)

    run(channel, lambda: channel.send(outbound("Свободно окно в 15:00", last_inbound_at=stale)))

    (body,) = graph.bodies()
    assert body["type"] == "template"
    assert body["template"] == {"name": "salon_reengage", "language": {"code": "ru"}}
    assert "Свободно" not in json.dumps(body, ensure_ascii=False)


def test_send_named_template_with_language(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url, templates={"reminder": "visit_reminder:en"})

    run(channel, lambda: channel.send(outbound(template="reminder")))

    assert graph.bodies()[0]["template"] == {"name": "visit_reminder", "language": {"code": "en"}}


def test_send_outside_window_without_template_is_permanent(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound(last_inbound_at=stale)))

    assert "whatsapp_templates" in str(caught.value)
    assert graph.calls == []


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (graph_error(131047, "(#131047) Re-engagement message"), PermanentError),
        (graph_error(130429, "(#130429) Rate limit hit", status=400), RetryableError),
        (graph_error(131056, "(#131056) Pair rate limit hit"), RetryableError),
        (graph_error(131026, "(#131026) Message undeliverable"), UnreachableError),
        (graph_error(131000, "(#131000) Something went wrong", status=500), RetryableError),
        (graph_error(190, "Invalid OAuth access token.", status=401), PermanentError),
        (graph_error(131009, "(#131009) Parameter value is not valid"), PermanentError),
    ],
    ids=[
        "re-engagement",
        "rate-limit",
        "pair-rate-limit",
        "undeliverable",
        "server",
        "token",
        "invalid",
    ],
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


def test_send_re_engagement_error_says_what_to_do(graph: GraphApiFake) -> None:
    channel = make_channel(graph.url)
    graph.fail_next(MESSAGES_PATH, graph_error(131047, "(#131047) Re-engagement message"))

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound()))

    assert "131047" in str(caught.value)
    assert "шаблон" in str(caught.value)


def test_send_uses_bearer_token_and_hides_it(
    graph: GraphApiFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="leadgate")
    channel = make_channel(graph.url, access_token="wrong-token")

    with pytest.raises(PermanentError) as caught:
        run(channel, lambda: channel.send(outbound("Мой номер +79001234567")))

    assert "wrong-token" not in str(caught.value) + caplog.text
    assert "+79001234567" not in str(caught.value) + caplog.text
