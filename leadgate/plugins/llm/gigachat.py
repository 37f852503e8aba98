"""An answerer for Sber's GigaChat API.

GigaChat authorises calls with a short-lived access token. The token comes from
``POST {auth_url}`` (``/api/v2/oauth``) with ``Authorization: Basic <authorization
key>``, a fresh ``RqUID`` (a UUID4) and the form field ``scope``
(``GIGACHAT_API_PERS`` for individuals, ``GIGACHAT_API_B2B`` or ``GIGACHAT_API_CORP``
for businesses). The reply contains ``access_token`` and ``expires_at`` in milliseconds
since the epoch. The answerer keeps the token until shortly before ``expires_at``
and fetches a new one then, or when a chat call returns 401.

Chat goes to ``POST {base_url}/chat/completions`` in an OpenAI-like format. Sber's
servers present certificates of the Russian Trusted Root CA, which most systems do
not trust, so ``ca_bundle`` names a PEM file with that root. GigaChat processes
data in Russia, so the component's location is ``ru``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from strictyaml import Enum, Float, Int, Map, Optional, Str

import leadgate
from leadgate.config.envrefs import Secret
from leadgate.core.components import (
    MESSAGE_TEXT,
    Answer,
    Answerer,
    AnswerRequest,
    ComponentContext,
    ComponentSpec,
)
from leadgate.core.hookspecs import Register
from leadgate.errors import ConfigError
from leadgate.locales import text
from leadgate.plugins.llm import options
from leadgate.plugins.llm.prompt import ChatMessage, build_messages
from leadgate.plugins.llm.provider_http import (
    invalid_response,
    json_object,
    post_json,
    raise_for_status,
    send,
)
from leadgate.plugins.llm.slots import answer_from_model_text

logger = logging.getLogger(__name__)

NAME = "gigachat"
API = "GigaChat"
DEFAULT_AUTH_URL = "https://ngw.devices.sberbank.ru:9443/api/v2/oauth"
DEFAULT_BASE_URL = "https://gigachat.devices.sberbank.ru/api/v1"
DEFAULT_MODEL = "GigaChat"
SCOPES = ("GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP")

# A token is renewed this long before its expiry, so that a call started just before
# the expiry does not reach the server with a dead token.
RENEW_BEFORE_MS = 60_000

SCHEMA = Map(
    {
        "credentials": Secret(),
        Optional("scope"): Enum(list(SCOPES)),
        Optional("model"): Str(),
        Optional("auth_url"): Str(),
        Optional("base_url"): Str(),
        Optional("ca_bundle"): Str(),
        Optional("timeout"): Float(),
        Optional("temperature"): Float(),
        Optional("max_tokens"): Int(),
    }
)


@dataclass(frozen=True)
class GigaChatOptions:
    """The validated ``answerer`` section of a ``gigachat`` bundle."""

    credentials: str
    scope: str = "GIGACHAT_API_PERS"
    model: str = DEFAULT_MODEL
    auth_url: str = DEFAULT_AUTH_URL
    base_url: str = DEFAULT_BASE_URL
    ca_bundle: str = ""
    timeout: float = 10.0
    temperature: float = 0.3
    max_tokens: int = 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any], default_timeout: float) -> GigaChatOptions:
        """Read and check a settings section; raise ``ConfigError`` naming the fix."""
        max_tokens = options.positive_number(config, "max_tokens", 1000, NAME)
        timeout = options.positive_number(config, "timeout", default_timeout, NAME)
        return cls(
            credentials=options.required_text(
                config, "credentials", NAME, "llm.hint_gigachat_credentials"
            ),
            scope=options.choice(
                config, "scope", SCOPES, "GIGACHAT_API_PERS", NAME, "llm.hint_scope"
            ),
            model=options.optional_text(config, "model", DEFAULT_MODEL),
            auth_url=options.optional_text(config, "auth_url", DEFAULT_AUTH_URL),
            base_url=options.optional_text(config, "base_url", DEFAULT_BASE_URL).rstrip("/"),
            ca_bundle=options.optional_text(config, "ca_bundle"),
            timeout=timeout or default_timeout,
            temperature=options.temperature(config, NAME),
            max_tokens=int(max_tokens or 1000),
        )


def tls_verification(ca_bundle: str) -> ssl.SSLContext | bool:
    """Return the TLS verification for httpx: the system roots, or those in ``ca_bundle``."""
    if not ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(
            text(
                "llm.invalid_setting",
                None,
                component=NAME,
                key="ca_bundle",
                value=ca_bundle,
                hint=text("llm.hint_ca_bundle"),
            ),
            key="ca_bundle",
            value=ca_bundle,
        ) from error


class GigaChatAnswerer(Answerer):
    """An answerer that calls GigaChat with redacted text only.

    ``clock`` returns the current time in seconds since the epoch; tests replace it
    to move past a token's expiry.
    """

    location = "ru"

    def __init__(
        self,
        settings: GigaChatOptions,
        bundle: Any,
        services: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._bundle = bundle
        self._services = services
        self._clock = clock
        self._verify = tls_verification(settings.ca_bundle)
        self._client: httpx.AsyncClient | None = None
        self._token = ""
        self._expires_at_ms = 0
        self._token_lock = asyncio.Lock()

    async def answer(self, request: AnswerRequest) -> Answer:
        """Ask GigaChat for the next reply and the booking slots."""
        payload = self._payload(build_messages(request, self._bundle))
        response = await self._chat(payload, await self._access_token())
        if response.status_code == 401:
            # The server revoked or expired the token before ``expires_at``; one new
            # token is worth a retry, a second 401 is a real credentials problem.
            logger.info("%s rejected the access token; fetching a new one", NAME)
            self._token = ""
            response = await self._chat(payload, await self._access_token())

        raise_for_status(response, service=NAME, credentials_setting="credentials")
        body = json_object(response, service=NAME, api=API)
        return answer_from_model_text(self._content(body), request, self._bundle, NAME)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _chat(self, payload: Mapping[str, Any], token: str) -> httpx.Response:
        return await send(
            self._http(),
            f"{self.settings.base_url}/chat/completions",
            payload=payload,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            service=NAME,
        )

    async def _access_token(self) -> str:
        async with self._token_lock:
            now_ms = int(self._clock() * 1000)
            if self._token and now_ms < self._expires_at_ms - RENEW_BEFORE_MS:
                return self._token
            body = await post_json(
                self._http(),
                self.settings.auth_url,
                data={"scope": self.settings.scope},
                headers={
                    "Authorization": f"Basic {self.settings.credentials}",
                    "RqUID": str(uuid.uuid4()),
                    "Accept": "application/json",
                },
                service=NAME,
                api="GigaChat OAuth",
                credentials_setting="credentials",
            )
            self._token, self._expires_at_ms = self._read_token(body)
            return self._token

    def _read_token(self, body: Mapping[str, Any]) -> tuple[str, int]:
        token = body.get("access_token")
        expires_at = body.get("expires_at")
        if not isinstance(token, str) or not token or not isinstance(expires_at, int):
            host = httpx.URL(self.settings.auth_url).netloc.decode()
            raise invalid_response(host, service=NAME, api="GigaChat OAuth")
        return token, expires_at

    def _payload(self, messages: list[ChatMessage]) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "stream": False,
        }

    def _content(self, body: Mapping[str, Any]) -> str:
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            host = httpx.URL(self.settings.base_url).netloc.decode()
            raise invalid_response(host, service=NAME, api=API) from None
        return content if isinstance(content, str) else ""

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            if self._services is not None:
                self._client = self._services.http_client(
                    timeout=self.settings.timeout, verify=self._verify
                )
            else:
                self._client = httpx.AsyncClient(timeout=self.settings.timeout, verify=self._verify)
        return self._client


def create(context: ComponentContext) -> GigaChatAnswerer:
    """Build the answerer from its bundle section."""
    default_timeout = float(getattr(context.bundle.answerer, "timeout", 10.0))
    settings = GigaChatOptions.from_config(context.config, default_timeout)
    return GigaChatAnswerer(settings, context.bundle, context.services)


@leadgate.hookimpl
def leadgate_register_llms(register: Register) -> None:
    """Register the ``gigachat`` answerer."""
    register(
        ComponentSpec(
            kind="answerer",
            name=NAME,
            factory=create,
            schema=SCHEMA,
            reads=frozenset({MESSAGE_TEXT}),
            location="ru",
            description="GigaChat (Sber), data processed in Russia",
        )
    )
