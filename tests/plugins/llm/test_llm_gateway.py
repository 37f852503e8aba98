"""Tests of the privacy gateway against a fake OpenAI-compatible upstream on 127.0.0.1.

The upstream records every request. The tests check that no personal value the
bundle's detectors find ever reaches it, whole or streamed, and that the client gets
its values back.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pluggy
import pytest
from llm_testkit import salon_bundle
from starlette.applications import Starlette

from leadgate.config.settings import Settings
from leadgate.core import hookspecs
from leadgate.core.app import create_app
from leadgate.core.plugins import ComponentRegistry
from leadgate.core.redaction import Redactor
from leadgate.core.runtime import Services
from leadgate.errors import ConfigError, PluginError
from leadgate.plugins import BUILTIN
from leadgate.plugins.llm import gateway

from fakes.llm_server import ThreadedServer
from fakes.openai_api import FakeOpenAI, Reply
from harness import copy_template

CLIENT_KEY = "lg-client-key"
UPSTREAM_KEY = "sk-upstream"
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}

CORPUS = [
    "Здравствуйте! Мой номер +7 916 123-45-67, перезвоните.",
    "Запишите на завтра, телефон 8 (903) 765-43-21, почта anna.petrova@mail.ru",
    "Звоните89130000001 или пишите на ivan_ivanov@yandex.ru",
    "мой телефон 9161112233, а второй +7(495)123-45-67",
    "Карта 4276 3800 0000 0008, e-mail: olga@example.org",
    "Паспорт 4509 123456, номер 8-916-555-44-33",
]


CORPUS_FILE = Path(__file__).resolve().parents[2] / "data" / "redaction_corpus.jsonl"


def corpus_texts() -> list[str]:
    """Return the texts of the shared redaction corpus."""
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def detector_registry() -> tuple[pluggy.PluginManager, ComponentRegistry]:
    """Register the built-in detector plugins only: the gateway needs no other."""
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    for name in BUILTIN:
        if name.startswith("leadgate.plugins.redaction"):
            manager.register(importlib.import_module(name), name=name)
    return manager, ComponentRegistry(manager)


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=UPSTREAM_KEY) as fake:
        yield fake


def gateway_section(upstream: FakeOpenAI, **extra) -> dict:
    return {
        "upstream_url": f"{upstream.url}/v1",
        "upstream_key": UPSTREAM_KEY,
        "api_keys": ["other-key", CLIENT_KEY],
        "location": "local",
        **extra,
    }


def make_app(upstream: FakeOpenAI, with_services: bool = True, **extra) -> Starlette:
    bundle = salon_bundle(gateway=gateway_section(upstream, **extra))
    manager, registry = detector_registry()
    app = Starlette(routes=gateway.leadgate_routes(bundle))
    if with_services:
        services = Services(
            settings=Settings(), bundle=bundle, database=None, keyring=None,  # type: ignore[arg-type]
            registry=registry, plugin_manager=manager,
        )  # fmt: skip
        app.state.services = {bundle.name: services}
    return app


@contextlib.contextmanager
def serve(app: Starlette) -> Iterator[httpx.Client]:
    """Serve the gateway app over real HTTP on 127.0.0.1 and return a client for it."""
    with ThreadedServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


@pytest.fixture
def client(upstream) -> Iterator[httpx.Client]:
    with serve(make_app(upstream)) as http:
        yield http


def detected_values(texts: list[str]) -> list[str]:
    _, registry = detector_registry()
    detectors = [spec.factory(None) for spec in registry.specs("detector")]
    redactor = Redactor(detectors)
    return [text[span.start : span.end] for text in texts for span in redactor.detect(text)]


def chat(text: str, **extra) -> dict:
    return {"model": "qwen2.5:7b", "messages": [{"role": "system", "content": "Ты администратор."},
                                                 {"role": "user", "content": text}], **extra}  # fmt: skip


def upstream_bodies(upstream: FakeOpenAI) -> str:
    """Return every forwarded body as JSON text with non-ASCII characters unescaped."""
    bodies = (json.dumps(request.json(), ensure_ascii=False) for request in upstream.completions())
    return "\n".join(bodies)


def streamed_content(client: httpx.Client, body: dict) -> tuple[str, list[str]]:
    with client.stream("POST", "/v1/chat/completions", json=body, headers=AUTH) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    pieces = []
    for line in lines:
        if line.startswith("data: ") and line != "data: [DONE]":
            for choice in json.loads(line[len("data: ") :])["choices"]:
                pieces.append(choice["delta"].get("content") or "")
    assert lines[-1] == "data: [DONE]" or "data: [DONE]" in lines
    return "".join(pieces), pieces


def test_corpus_has_detected_values():
    values = detected_values(CORPUS)

    assert "+7 916 123-45-67" in values
    assert "anna.petrova@mail.ru" in values
    assert len(values) >= 10


@pytest.mark.parametrize("text", CORPUS, ids=[f"corpus{i}" for i in range(len(CORPUS))])
def test_no_detected_value_reaches_upstream(client, upstream, text):
    values = detected_values([text])

    whole = client.post("/v1/chat/completions", json=chat(text), headers=AUTH)
    streamed, _ = streamed_content(client, chat(text, stream=True))

    sent = upstream_bodies(upstream)
    assert len(upstream.completions()) == 2
    for value in values:
        assert value not in sent
    assert whole.json()["choices"][0]["message"]["content"] == text
    assert streamed == text


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_no_corpus_value_reaches_upstream(client, upstream, stream):
    texts = corpus_texts()
    batches = [texts[start : start + 40] for start in range(0, len(texts), 40)]

    for batch in batches:
        body = {
            "model": "m",
            "stream": stream,
            "messages": [{"role": "user", "content": t} for t in batch],
        }
        response = client.post("/v1/chat/completions", json=body, headers=AUTH)
        assert response.status_code == 200

    sent = upstream_bodies(upstream)
    values = detected_values(texts)
    assert len(upstream.completions()) == len(batches)
    assert len(values) > 300
    assert "Здравствуйте" in sent
    leaked = sorted({value for value in values if value in sent})
    assert leaked == []


def test_reply_tokens_are_restored_in_whole_response(client, upstream):
    text = "Перезвоните на +7 916 123-45-67 или напишите anna.petrova@mail.ru"

    response = client.post("/v1/chat/completions", json=chat(text), headers=AUTH)

    forwarded = upstream.completions()[0].json()["messages"][-1]["content"]
    assert forwarded == "Перезвоните на [PHONE_1] или напишите [EMAIL_1]"
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == text
    assert upstream.completions()[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"


@pytest.mark.parametrize("piece_size", [1, 2, 3, 4, 5, 7, 11], ids=lambda size: f"pieces-of-{size}")
def test_stream_restores_tokens_split_across_chunks(client, upstream, piece_size):
    text = "Телефон +7 916 123-45-67, почта anna.petrova@mail.ru, ещё 8 903 765 43 21."
    upstream.queue(Reply(echo=True, piece_size=piece_size))

    streamed, pieces = streamed_content(client, chat(text, stream=True))

    assert streamed == text
    for piece in pieces:
        assert not re.search(r"\[[A-Z_]*\d*\]?$|^[A-Z_]*\d*\]", piece), piece
    assert "[PHONE_1]" in upstream_bodies(upstream)


def test_stream_releases_held_text_at_finish(client, upstream):
    upstream.queue(Reply(chunks=["Ваш номер [PHO", "NE_1]"]))

    streamed, _ = streamed_content(client, chat("Мой номер +7 916 123-45-67", stream=True))

    assert streamed == "Ваш номер +7 916 123-45-67"


def test_broken_upstream_stream_ends_cleanly(client, upstream, caplog):
    upstream.queue(Reply(chunks=["Ваш номер ", "[PHONE_1]", " записан"], break_after=2))

    with client.stream(
        "POST",
        "/v1/chat/completions",
        json=chat("Номер +7 916 123-45-67", stream=True),
        headers=AUTH,
    ) as response:
        lines = list(response.iter_lines())

    text = "".join(
        json.loads(line[len("data: ") :])["choices"][0]["delta"].get("content") or ""
        for line in lines
        if line.startswith("data: {")
    )
    assert text == "Ваш номер +7 916 123-45-67"
    assert "data: [DONE]" not in lines
    assert "gateway upstream stream broke off" in caplog.text


def test_each_request_gets_its_own_vault(client, upstream):
    client.post("/v1/chat/completions", json=chat("Номер +7 916 123-45-67"), headers=AUTH)
    client.post("/v1/chat/completions", json=chat("Номер 8 903 765-43-21"), headers=AUTH)

    first, second = (
        request.json()["messages"][-1]["content"] for request in upstream.completions()
    )
    assert first == second == "Номер [PHONE_1]"


def test_other_request_token_not_restored(client, upstream):
    client.post("/v1/chat/completions", json=chat("Номер +7 916 123-45-67"), headers=AUTH)
    upstream.queue(Reply(content="Ваш номер [PHONE_1]"))

    response = client.post("/v1/chat/completions", json=chat("Здравствуйте"), headers=AUTH)

    assert "916" not in response.json()["choices"][0]["message"]["content"]


def test_tool_call_arguments_are_restored_as_json(client, upstream):
    upstream.queue(
        Reply(tool_arguments='{"phone": "[PHONE_1]", "email": "[EMAIL_1]"}', tool_name="book")
    )

    response = client.post(
        "/v1/chat/completions",
        json=chat('Телефон +7 916 123-45-67, почта "anna.petrova@mail.ru"'),
        headers=AUTH,
    )

    arguments = response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"phone": "+7 916 123-45-67", "email": "anna.petrova@mail.ru"}


def test_text_parts_redacted_identifiers_dropped(client, upstream):
    body = {
        "model": "m",
        "user": "client-79161234567",
        "messages": [
            {
                "role": "user",
                "name": "anna",
                "content": [{"type": "text", "text": "Номер +7 916 123-45-67"}],
            }
        ],
    }

    client.post("/v1/chat/completions", json=body, headers=AUTH)

    forwarded = upstream.completions()[0].json()
    assert forwarded["messages"][0]["content"] == [{"type": "text", "text": "Номер [PHONE_1]"}]
    assert "user" not in forwarded
    assert "name" not in forwarded["messages"][0]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": CLIENT_KEY},
        {"Authorization": f"Basic {CLIENT_KEY}"},
    ],
    ids=["missing", "wrong-key", "no-scheme", "basic-scheme"],
)
def test_requests_without_valid_key_are_rejected(client, upstream, headers):
    response = client.post(
        "/v1/chat/completions", json=chat("Номер +7 916 123-45-67"), headers=headers
    )
    models = client.get("/v1/models", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert models.status_code == 401
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "JSON"),
        (b"[]", "JSON"),
        (json.dumps({"model": "m", "messages": []}).encode(), "messages"),
        (
            json.dumps(
                {
                    "model": "m",
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {
                                    "type": "image_url",
                                    "image_url": {"url": "data:image/png;base64,AAAA"},
                                }
                            ],
                        }
                    ],
                }
            ).encode(),
            "text",
        ),
    ],
    ids=["not-json", "not-object", "no-messages", "image-part"],
)
def test_invalid_requests_are_rejected_before_upstream(client, upstream, body, reason):
    response = client.post(
        "/v1/chat/completions", content=body, headers={**AUTH, "Accept-Language": "en"}
    )

    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]
    assert upstream.requests == []


def test_upstream_error_status_is_passed_on(client, upstream):
    upstream.queue(
        Reply(status=429, error_body={"error": {"message": "slow down", "type": "rate_limit"}})
    )

    response = client.post("/v1/chat/completions", json=chat("Привет"), headers=AUTH)

    assert response.status_code == 429
    assert response.json()["error"]["message"] == "slow down"


def test_stream_upstream_error_status_is_passed_on(client, upstream):
    upstream.queue(Reply(status=500))

    response = client.post("/v1/chat/completions", json=chat("Привет", stream=True), headers=AUTH)

    assert response.status_code == 500


def test_unreachable_upstream_gives_502():
    with FakeOpenAI() as stopped:
        app = make_app(stopped)
    with serve(app) as test_client:
        whole = test_client.post(
            "/v1/chat/completions", json=chat("Номер +7 916 123-45-67"), headers=AUTH
        )
        streamed = test_client.post(
            "/v1/chat/completions", json=chat("Привет", stream=True), headers=AUTH
        )

    assert whole.status_code == 502
    assert streamed.status_code == 502
    assert "916" not in whole.text


def test_missing_services_refuse_to_forward(upstream):
    with serve(make_app(upstream, with_services=False)) as test_client:
        response = test_client.post(
            "/v1/chat/completions", json=chat("Номер +7 916 123-45-67"), headers=AUTH
        )

    assert response.status_code == 503
    assert upstream.requests == []


def test_models_are_listed_from_upstream(client, upstream):
    response = client.get("/v1/models", headers=AUTH)

    assert response.status_code == 200
    assert [model["id"] for model in response.json()["data"]] == ["qwen2.5:7b"]
    assert upstream.recorded("/v1/models")[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"


def test_pinned_model_is_forced_and_listed(upstream):
    with serve(make_app(upstream, model="llama3.1:8b")) as test_client:
        models = test_client.get("/v1/models", headers=AUTH)
        test_client.post("/v1/chat/completions", json=chat("Привет"), headers=AUTH)

    assert [model["id"] for model in models.json()["data"]] == ["llama3.1:8b"]
    assert upstream.completions()[0].json()["model"] == "llama3.1:8b"
    assert upstream.recorded("/v1/models") == []


def test_routes_absent_without_gateway_section():
    assert gateway.leadgate_routes(salon_bundle()) is None


def test_location_outside_bundle_allowance_is_refused(upstream):
    bundle = salon_bundle(gateway=gateway_section(upstream, location="abroad"))

    with pytest.raises(PluginError) as raised:
        gateway.leadgate_routes(bundle)

    assert "abroad" in str(raised.value)


@pytest.mark.parametrize("missing", ["upstream_url", "api_keys"], ids=["no-upstream", "no-keys"])
def test_missing_gateway_setting_raises_config_error(upstream, missing):
    section = gateway_section(upstream)
    del section[missing]

    with pytest.raises(ConfigError) as raised:
        gateway.leadgate_routes(salon_bundle(gateway=section))

    assert missing in str(raised.value)


def test_key_matches_only_bearer_with_listed_key():
    assert gateway.key_matches("Bearer b", ["a", "b"])
    assert gateway.key_matches("bearer  b ", ["a", "b"])
    assert not gateway.key_matches("Bearer c", ["a", "b"])
    assert not gateway.key_matches("Bearer ", ["a", ""])
    assert not gateway.key_matches("", ["a"])


def test_logs_hold_no_personal_data_or_keys(client, upstream, caplog):
    text = "Номер +7 916 123-45-67, почта anna.petrova@mail.ru"
    caplog.set_level(logging.DEBUG)

    client.post("/v1/chat/completions", json=chat(text), headers=AUTH)
    streamed_content(client, chat(text, stream=True))
    client.post("/v1/chat/completions", json=chat(text), headers={"Authorization": "Bearer wrong"})

    for secret in ("916", "anna.petrova", "Номер", CLIENT_KEY, UPSTREAM_KEY, "wrong"):
        assert secret not in caplog.text
    assert "gateway POST upstream -> 200" in caplog.text


def test_service_app_serves_gateway(tmp_path, upstream):
    local = (
        "gateway:\n"
        f"  upstream_url: {upstream.url}/v1\n"
        "  upstream_key: ${UPSTREAM_KEY}\n"
        "  api_keys:\n"
        "    - ${GATEWAY_KEY}\n"
        "  location: local\n"
    )
    bundle = copy_template(tmp_path, "salon", local)
    (bundle / ".env").write_text(f"GATEWAY_KEY={CLIENT_KEY}\nUPSTREAM_KEY={UPSTREAM_KEY}\n")
    app = create_app(bundle, settings=Settings(data_dir=bundle / "data", database_url=None))
    text = "Меня зовут Анна Петрова, номер +7 916 123-45-67"

    try:
        with serve(app) as http:
            response = http.post("/v1/chat/completions", json=chat(text), headers=AUTH)
    finally:
        app.state.runtime.services.database.dispose()

    forwarded = upstream.completions()[0].json()["messages"][-1]["content"]
    assert forwarded == "Меня зовут [NAME_1], номер [PHONE_1]"
    assert response.json()["choices"][0]["message"]["content"] == text
