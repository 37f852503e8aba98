"""Tests of the gigachat answerer: token exchange, expiry, renewal and its CA bundle."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from llm_testkit import answer_request, salon_bundle

from leadgate.core.components import ComponentContext
from leadgate.errors import ConfigError, PermanentError, RetryableError
from leadgate.plugins.llm import gigachat

from fakes.gigachat import CHAT, OAUTH, FakeGigaChat, GigaReply

CREDENTIALS = base64.b64encode(b"client-id:client-secret").decode()


class Clock:
    """A settable clock for the answerer, in seconds since the epoch."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[FakeGigaChat]:
    with FakeGigaChat(credentials=CREDENTIALS) as fake:
        yield fake


def build(
    server: FakeGigaChat, clock: Clock | None = None, **settings
) -> gigachat.GigaChatAnswerer:
    config = {
        "credentials": CREDENTIALS,
        "auth_url": f"{server.url}{OAUTH}",
        "base_url": f"{server.url}/api/v1",
        **settings,
    }
    options = gigachat.GigaChatOptions.from_config(config, 5.0)
    return gigachat.GigaChatAnswerer(
        options, salon_bundle("gigachat", config), clock=clock or Clock()
    )


def model_json() -> str:
    return json.dumps(
        {"reply": "Ждём вас, [NAME_1]!", "slots": {"service": "Маникюр"}}, ensure_ascii=False
    )


@pytest.mark.asyncio
async def test_answer_fetches_token_then_chats(server):
    server.queue(GigaReply(content=model_json()))
    answerer = build(server)

    answer = await answerer.answer(answer_request())
    await answerer.aclose()

    oauth = server.recorded(OAUTH)[0]
    chat = server.recorded(CHAT)[0]
    assert oauth.headers["authorization"] == f"Basic {CREDENTIALS}"
    assert oauth.body == b"scope=GIGACHAT_API_PERS"
    assert chat.headers["authorization"] == f"Bearer {next(iter(server.tokens))}"
    assert chat.json()["model"] == "GigaChat"
    assert chat.json()["messages"][0]["role"] == "system"
    assert chat.json()["messages"][-1] == {"role": "user", "content": answer_request().text}
    assert answer.text == "Ждём вас, [NAME_1]!"
    assert answer.slots == {"service": "Маникюр"}
    assert answerer.location == "ru"


@pytest.mark.asyncio
async def test_token_is_reused_until_expiry(server):
    clock = Clock()
    answerer = build(server, clock)

    await answerer.answer(answer_request(text="Здравствуйте"))
    clock.now += 20 * 60
    await answerer.answer(answer_request(text="Здравствуйте"))

    assert len(server.recorded(OAUTH)) == 1
    assert len(server.recorded(CHAT)) == 2
    await answerer.aclose()


@pytest.mark.asyncio
async def test_token_is_renewed_before_expires_at(server):
    clock = Clock()
    answerer = build(server, clock)
    await answerer.answer(answer_request(text="Здравствуйте"))

    clock.now += 30 * 60 - 30  # inside the renewal margin before the 30-minute expiry
    server.clock_offset = 30 * 60 + 1  # and the server considers the old token dead
    await answerer.answer(answer_request(text="Здравствуйте"))
    await answerer.aclose()

    assert len(server.recorded(OAUTH)) == 2
    chats = server.recorded(CHAT)
    assert chats[0].headers["authorization"] != chats[1].headers["authorization"]
    assert [c.path for c in server.requests] == [OAUTH, CHAT, OAUTH, CHAT]


@pytest.mark.asyncio
async def test_revoked_token_is_renewed_on_401(server):
    answerer = build(server)
    await answerer.answer(answer_request(text="Здравствуйте"))
    server.revoke_tokens()

    answer = await answerer.answer(answer_request(text="Здравствуйте"))
    await answerer.aclose()

    assert answer.text == "Здравствуйте!"
    assert [c.path for c in server.requests] == [OAUTH, CHAT, CHAT, OAUTH, CHAT]


@pytest.mark.asyncio
async def test_second_401_raises_permanent(server):
    server.token_ttl = 0  # every issued token is already expired on the server
    answerer = build(server)

    with pytest.raises(PermanentError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert "credentials" in str(raised.value)
    assert len(server.recorded(OAUTH)) == 2


@pytest.mark.asyncio
async def test_wrong_credentials_raise_permanent_without_secret(server):
    wrong = base64.b64encode(b"client-id:wrong").decode()
    answerer = build(server, credentials=wrong)

    with pytest.raises(PermanentError) as raised:
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert wrong not in str(raised.value)
    assert server.recorded(CHAT) == []


@pytest.mark.asyncio
async def test_scope_setting_is_sent(server):
    server.scope = "GIGACHAT_API_CORP"
    answerer = build(server, scope="GIGACHAT_API_CORP")

    await answerer.answer(answer_request(text="Здравствуйте"))
    await answerer.aclose()

    assert server.recorded(OAUTH)[0].body == b"scope=GIGACHAT_API_CORP"


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, RetryableError), (429, RetryableError), (422, PermanentError)],
    ids=["500", "429", "422"],
)
@pytest.mark.asyncio
async def test_chat_failures_raise_delivery_errors(server, status, error):
    server.queue(GigaReply(status=status))
    answerer = build(server)

    with pytest.raises(error):
        await answerer.answer(answer_request())
    await answerer.aclose()


@pytest.mark.parametrize(
    "body",
    [{"access_token": "tok"}, {"expires_at": 1}, {"access_token": "", "expires_at": 1}],
    ids=["no-expiry", "no-token", "empty-token"],
)
@pytest.mark.asyncio
async def test_malformed_token_reply_raises_retryable(server, body):
    server.oauth_body = body
    answerer = build(server)

    with pytest.raises(RetryableError):
        await answerer.answer(answer_request())
    await answerer.aclose()

    assert server.recorded(CHAT) == []


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@pytest.mark.asyncio
async def test_ca_bundle_verifies_tls_server(tmp_path):
    ca_path, cert_path, key_path = _certificates(tmp_path)

    with FakeGigaChat(
        credentials=CREDENTIALS, ssl_certfile=str(cert_path), ssl_keyfile=str(key_path)
    ) as server:
        trusted = build(server, ca_bundle=str(ca_path))
        untrusted = build(server)

        answer = await trusted.answer(answer_request(text="Здравствуйте"))
        with pytest.raises(RetryableError):
            await untrusted.answer(answer_request(text="Здравствуйте"))
        await trusted.aclose()
        await untrusted.aclose()

    assert server.scheme == "https"
    assert answer.text == "Здравствуйте!"
    assert len(server.recorded(OAUTH)) == 1


def test_missing_ca_bundle_raises_config_error(tmp_path):
    config = {"credentials": CREDENTIALS, "ca_bundle": str(tmp_path / "missing.pem")}

    with pytest.raises(ConfigError) as raised:
        gigachat.create(ComponentContext("gigachat", config, salon_bundle("gigachat", config)))

    assert raised.value.key == "ca_bundle"


@pytest.mark.parametrize(
    ("settings", "key"),
    [({}, "credentials"), ({"credentials": CREDENTIALS, "scope": "GIGACHAT_API_ALL"}, "scope")],
    ids=["no-credentials", "bad-scope"],
)
def test_invalid_settings_raise_config_error(settings, key):
    with pytest.raises(ConfigError) as raised:
        gigachat.create(ComponentContext("gigachat", settings, salon_bundle("gigachat", settings)))

    assert raised.value.key == key
