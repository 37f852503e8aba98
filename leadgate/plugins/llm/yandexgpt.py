"""An answerer for YandexGPT through the Yandex Cloud Foundation Models API.

The synchronous completion method is ``POST {base_url}/foundationModels/v1/completion``
with ``Authorization: Api-Key <key>`` (a service account API key) or ``Authorization:
Bearer <IAM token>``, the ``x-folder-id`` header, a ``modelUri`` such as
``gpt://<folder>/yandexgpt-lite/latest``, ``completionOptions`` and messages made of
``role`` and ``text``. The reply is in ``result.alternatives[0].message.text``.
Yandex Cloud processes data in Russia, so the component's location is ``ru``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from strictyaml import Bool, Float, Int, Map, Optional, Str

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
from leadgate.errors import ConfigError, RetryableError
from leadgate.locales import text
from leadgate.plugins.llm import options
from leadgate.plugins.llm.prompt import ChatMessage, build_messages
from leadgate.plugins.llm.provider_http import invalid_response, post_json
from leadgate.plugins.llm.slots import answer_from_model_text

logger = logging.getLogger(__name__)

NAME = "yandexgpt"
API = "Yandex Foundation Models completion"
DEFAULT_BASE_URL = "https://llm.api.cloud.yandex.net"
COMPLETION_PATH = "/foundationModels/v1/completion"
DEFAULT_MODEL = "yandexgpt-lite/latest"

# Alternatives with these statuses carry a usable text; CONTENT_FILTER carries a
# refusal, which is no reply to send to a client.
_USABLE_STATUSES = frozenset(
    {
        "ALTERNATIVE_STATUS_FINAL",
        "ALTERNATIVE_STATUS_TRUNCATED_FINAL",
        "ALTERNATIVE_STATUS_UNSPECIFIED",
    }
)

SCHEMA = Map(
    {
        "folder_id": Str(),
        Optional("api_key"): Secret(),
        Optional("iam_token"): Secret(),
        Optional("model"): Str(),
        Optional("model_uri"): Str(),
        Optional("base_url"): Str(),
        Optional("timeout"): Float(),
        Optional("temperature"): Float(),
        Optional("max_tokens"): Int(),
        Optional("json_mode"): Bool(),
    }
)


@dataclass(frozen=True)
class YandexGPTOptions:
    """The validated ``answerer`` section of a ``yandexgpt`` bundle."""

    folder_id: str
    authorization: str
    model_uri: str
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 10.0
    temperature: float = 0.3
    max_tokens: int = 1000
    json_mode: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any], default_timeout: float) -> YandexGPTOptions:
        """Read and check a settings section; raise ``ConfigError`` naming the fix."""
        folder_id = options.required_text(config, "folder_id", NAME, "llm.hint_folder_id")
        model = options.optional_text(config, "model", DEFAULT_MODEL)
        model_uri = options.optional_text(config, "model_uri") or f"gpt://{folder_id}/{model}"
        max_tokens = options.positive_number(config, "max_tokens", 1000, NAME)
        timeout = options.positive_number(config, "timeout", default_timeout, NAME)
        return cls(
            folder_id=folder_id,
            authorization=_authorization(config),
            model_uri=model_uri,
            base_url=options.optional_text(config, "base_url", DEFAULT_BASE_URL),
            timeout=timeout or default_timeout,
            temperature=options.temperature(config, NAME),
            max_tokens=int(max_tokens or 1000),
            json_mode=bool(config.get("json_mode", True)),
        )


def _authorization(config: Mapping[str, Any]) -> str:
    api_key = options.optional_text(config, "api_key")
    if api_key:
        return f"Api-Key {api_key}"
    iam_token = options.optional_text(config, "iam_token")
    if iam_token:
        return f"Bearer {iam_token}"
    raise ConfigError(
        text(
            "llm.missing_setting",
            None,
            component=NAME,
            key="api_key",
            hint=text("llm.hint_yandex_auth"),
        ),
        key="api_key",
    )


class YandexGPTAnswerer(Answerer):
    """An answerer that calls YandexGPT with redacted text only."""

    location = "ru"

    def __init__(self, settings: YandexGPTOptions, bundle: Any, services: Any = None) -> None:
        self.settings = settings
        self._bundle = bundle
        self._services = services
        self._client: httpx.AsyncClient | None = None

    async def answer(self, request: AnswerRequest) -> Answer:
        """Ask YandexGPT for the next reply and the booking slots."""
        messages = build_messages(request, self._bundle)
        body = await post_json(
            self._http(),
            COMPLETION_PATH,
            payload=self._payload(messages),
            headers={
                "Authorization": self.settings.authorization,
                "x-folder-id": self.settings.folder_id,
            },
            service=NAME,
            api=API,
            credentials_setting="api_key / iam_token",
        )
        return answer_from_model_text(self._text(body), request, self._bundle, NAME)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _payload(self, messages: list[ChatMessage]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "modelUri": self.settings.model_uri,
            "completionOptions": {
                "stream": False,
                "temperature": self.settings.temperature,
                # The API encodes int64 values as JSON strings.
                "maxTokens": str(self.settings.max_tokens),
            },
            "messages": [{"role": m.role, "text": m.content} for m in messages],
        }
        if self.settings.json_mode:
            payload["jsonObject"] = True
        return payload

    def _text(self, body: Mapping[str, Any]) -> str:
        try:
            alternative = body["result"]["alternatives"][0]
            status = alternative.get("status", "ALTERNATIVE_STATUS_UNSPECIFIED")
            reply = alternative["message"]["text"]
        except (KeyError, IndexError, TypeError, AttributeError):
            raise invalid_response(self._host(), service=NAME, api=API) from None

        if status not in _USABLE_STATUSES:
            logger.info("%s returned an alternative with status %s", NAME, status)
            raise RetryableError(text("llm.invalid_output", None, service=NAME))
        return reply if isinstance(reply, str) else ""

    def _host(self) -> str:
        return self._http().base_url.netloc.decode()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            base_url = self.settings.base_url.rstrip("/")
            if self._services is not None:
                self._client = self._services.http_client(
                    base_url=base_url, timeout=self.settings.timeout
                )
            else:
                self._client = httpx.AsyncClient(base_url=base_url, timeout=self.settings.timeout)
        return self._client


def create(context: ComponentContext) -> YandexGPTAnswerer:
    """Build the answerer from its bundle section."""
    default_timeout = float(getattr(context.bundle.answerer, "timeout", 10.0))
    settings = YandexGPTOptions.from_config(context.config, default_timeout)
    return YandexGPTAnswerer(settings, context.bundle, context.services)


@leadgate.hookimpl
def leadgate_register_llms(register: Register) -> None:
    """Register the ``yandexgpt`` answerer."""
    register(
        ComponentSpec(
            kind="answerer",
            name=NAME,
            factory=create,
            schema=SCHEMA,
            reads=frozenset({MESSAGE_TEXT}),
            location="ru",
            description="YandexGPT (Yandex Cloud Foundation Models), data processed in Russia",
        )
    )
