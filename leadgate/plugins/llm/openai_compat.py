"""An answerer for any OpenAI-compatible chat-completions server.

Ollama, vLLM, the llama.cpp server and LM Studio all serve ``POST
{base_url}/chat/completions``. The component is registered with location ``local``;
the section's ``location`` setting (``local``, ``ru`` or ``abroad``) states where the
configured server really is and is exposed as the instance's ``location`` attribute,
which the start-up check reads in preference to the spec's.

``json_mode`` picks how the structured reply is requested: ``response_format`` sends
``{"type": "json_object"}``, ``tools`` forces a call of one function whose parameters
are the reply's JSON schema, and ``prompt`` relies on the system prompt alone, for
servers that support neither.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
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
from leadgate.plugins.llm import options
from leadgate.plugins.llm.prompt import ChatMessage, build_messages
from leadgate.plugins.llm.provider_http import invalid_response, post_json
from leadgate.plugins.llm.slots import answer_from_model_text, output_json_schema

logger = logging.getLogger(__name__)

NAME = "openai_compat"
JSON_MODES = ("response_format", "tools", "prompt")
LOCATIONS = ("local", "ru", "abroad")
REPLY_FUNCTION = "reply_to_client"
API = "OpenAI chat completions"

SCHEMA = Map(
    {
        "base_url": Str(),
        "model": Str(),
        Optional("api_key"): Secret(),
        Optional("timeout"): Float(),
        Optional("temperature"): Float(),
        Optional("max_tokens"): Int(),
        Optional("json_mode"): Enum(list(JSON_MODES)),
        Optional("location"): Enum(list(LOCATIONS)),
    }
)


@dataclass(frozen=True)
class OpenAICompatOptions:
    """The validated ``answerer`` section of an ``openai_compat`` bundle."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 10.0
    temperature: float = 0.3
    max_tokens: int | None = None
    json_mode: str = "response_format"
    location: str = "local"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], default_timeout: float) -> OpenAICompatOptions:
        """Read and check a settings section; raise ``ConfigError`` naming the fix."""
        max_tokens = options.positive_number(config, "max_tokens", None, NAME)
        timeout = options.positive_number(config, "timeout", default_timeout, NAME)
        return cls(
            base_url=options.required_text(config, "base_url", NAME, "llm.hint_base_url"),
            model=options.required_text(config, "model", NAME, "llm.hint_model"),
            api_key=options.optional_text(config, "api_key"),
            timeout=timeout or default_timeout,
            temperature=options.temperature(config, NAME),
            max_tokens=int(max_tokens) if max_tokens else None,
            json_mode=options.choice(
                config, "json_mode", JSON_MODES, "response_format", NAME, "llm.hint_json_mode"
            ),
            location=options.choice(
                config, "location", LOCATIONS, "local", NAME, "llm.hint_location"
            ),
        )


class OpenAICompatAnswerer(Answerer):
    """An answerer that calls an OpenAI-compatible server with redacted text only."""

    def __init__(self, settings: OpenAICompatOptions, bundle: Any, services: Any = None) -> None:
        self.settings = settings
        self.location = settings.location
        self._bundle = bundle
        self._services = services
        self._client: httpx.AsyncClient | None = None

    async def answer(self, request: AnswerRequest) -> Answer:
        """Ask the model for the next reply and the booking slots."""
        json_in_prompt = self.settings.json_mode != "tools"
        messages = build_messages(request, self._bundle, json_in_prompt=json_in_prompt)
        body = await post_json(
            self._http(),
            "chat/completions",
            payload=self._payload(messages),
            headers=self._headers(),
            service=NAME,
            api=API,
            credentials_setting="api_key",
        )
        return answer_from_model_text(self._content(body), request, self._bundle, NAME)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _payload(self, messages: list[ChatMessage]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": self.settings.temperature,
            "stream": False,
        }
        if self.settings.max_tokens:
            payload["max_tokens"] = self.settings.max_tokens
        if self.settings.json_mode == "response_format":
            payload["response_format"] = {"type": "json_object"}
        elif self.settings.json_mode == "tools":
            payload["tools"] = [_reply_tool()]
            payload["tool_choice"] = {"type": "function", "function": {"name": REPLY_FUNCTION}}
        return payload

    def _headers(self) -> dict[str, str]:
        if not self.settings.api_key:
            return {}
        return {"Authorization": f"Bearer {self.settings.api_key}"}

    def _content(self, body: Mapping[str, Any]) -> str:
        try:
            message = body["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise self._invalid() from None
        if not isinstance(message, dict):
            raise self._invalid()

        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if function and function.get("name") == REPLY_FUNCTION:
                arguments = function.get("arguments")
                # The OpenAI format sends arguments as a JSON string; a few servers
                # send the object itself.
                return arguments if isinstance(arguments, str) else json.dumps(arguments)
        content = message.get("content")
        return content if isinstance(content, str) else ""

    def _invalid(self) -> Exception:
        host = self._http().base_url.netloc.decode()
        return invalid_response(host, service=NAME, api=API)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            base_url = self.settings.base_url.rstrip("/") + "/"
            if self._services is not None:
                self._client = self._services.http_client(
                    base_url=base_url, timeout=self.settings.timeout
                )
            else:
                self._client = httpx.AsyncClient(base_url=base_url, timeout=self.settings.timeout)
        return self._client


def _reply_tool() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": REPLY_FUNCTION,
            "description": "Send the reply to the client and report the booking details.",
            "parameters": output_json_schema(),
        },
    }


def create(context: ComponentContext) -> OpenAICompatAnswerer:
    """Build the answerer from its bundle section."""
    default_timeout = float(getattr(context.bundle.answerer, "timeout", 10.0))
    settings = OpenAICompatOptions.from_config(context.config, default_timeout)
    return OpenAICompatAnswerer(settings, context.bundle, context.services)


@leadgate.hookimpl
def leadgate_register_llms(register: Register) -> None:
    """Register the ``openai_compat`` answerer."""
    register(
        ComponentSpec(
            kind="answerer",
            name=NAME,
            factory=create,
            schema=SCHEMA,
            reads=frozenset({MESSAGE_TEXT}),
            location="local",
            description="OpenAI-compatible chat completions (Ollama, vLLM, llama.cpp, LM Studio)",
        )
    )
