"""Instagram Direct through Meta's Instagram Messaging (Graph API Send API)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from strictyaml import Float, Map, Optional, Str

from leadgate.config.envrefs import Secret
from leadgate.core.components import (
    Channel,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.errors import (
    ConfigError,
    DeliveryError,
    PermanentError,
    PluginError,
    RetryableError,
    UnreachableError,
)
from leadgate.locales import text
from leadgate.plugins.channels.common import (
    check_hub_signature,
    graph_error,
    meta_handshake,
    parse_json_object,
    response_json,
    retry_after_header,
    send_parts,
    send_request,
    split_text,
)
from leadgate.plugins.channels.instagram.events import parse_delivery

logger = logging.getLogger(__name__)

SERVICE = "instagram"
GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "v21.0"
MAX_TEXT_BYTES = 1000  # Send API text limit, in UTF-8 bytes
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MESSAGING_WINDOW = dt.timedelta(hours=24)

# Graph error codes and subcodes, from Meta's Messenger Platform error reference.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TEMPORARY_CODES = frozenset({1, 2})
UNREACHABLE_CODES = frozenset({551})
UNREACHABLE_SUBCODES = frozenset({1545041, 2018001})
WINDOW_SUBCODE = 2018278

SCHEMA = Map(
    {
        "access_token": Secret(),
        "app_secret": Secret(),
        "verify_token": Secret(),
        Optional("ig_user_id", default="me"): Str(),
        Optional("api_url", default=GRAPH_API_URL): Str(),
        Optional("api_version", default=GRAPH_API_VERSION): Str(),
        Optional("timeout", default=10.0): Float(),
    }
)
"""Bundle section, for example::

    instagram:
      access_token: ${INSTAGRAM_ACCESS_TOKEN}
      app_secret: ${INSTAGRAM_APP_SECRET}
      verify_token: ${INSTAGRAM_VERIFY_TOKEN}
"""


@dataclass(frozen=True)
class InstagramSettings:
    """The validated ``instagram`` section; ``ig_user_id`` ``me`` means the token's account."""

    access_token: str
    app_secret: str
    verify_token: str
    ig_user_id: str = "me"
    api_url: str = GRAPH_API_URL
    api_version: str = GRAPH_API_VERSION
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InstagramSettings:
        """Build the settings; raise ``ConfigError`` naming a missing key."""
        for key in ("access_token", "app_secret", "verify_token"):
            if not config.get(key):
                raise ConfigError(
                    text("channels.missing_key", None, channel="instagram", key=key), key=key
                )
        return cls(
            access_token=str(config["access_token"]),
            app_secret=str(config["app_secret"]),
            verify_token=str(config["verify_token"]),
            ig_user_id=str(config.get("ig_user_id") or "me"),
            api_url=str(config.get("api_url") or GRAPH_API_URL).rstrip("/"),
            api_version=str(config.get("api_version") or GRAPH_API_VERSION),
            timeout=float(config.get("timeout", 10.0)),
        )


class InstagramChannel(Channel):
    """An Instagram professional account that replies to Direct messages.

    Instagram allows replies only within 24 hours of the client's last message;
    later sends fail at once with a ``PermanentError`` and make no call.
    """

    def __init__(self, settings: InstagramSettings, services: Any, locale: str = "ru") -> None:
        self.settings = settings
        self._services = services
        self._locale = locale
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The Graph API HTTP client, created on first use."""
        if self._client is None:
            if self._services is None:
                raise PluginError(
                    "the instagram channel cannot call the Graph API without services"
                )
            self._client = self._services.http_client(
                base_url=self.settings.api_url,
                timeout=self.settings.timeout,
                headers={"Authorization": f"Bearer {self.settings.access_token}"},
            )
        return self._client

    def handshake(self, request: RawRequest) -> tuple[int, str]:
        """Respond to Meta's subscription check with the configured ``verify_token``."""
        return meta_handshake(request, self.settings.verify_token)

    def verify(self, request: RawRequest) -> None:
        """Check ``X-Hub-Signature-256`` with the app secret."""
        check_hub_signature(self.settings.app_secret, request)

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Parse every messaging item of a delivery, oldest first."""
        return parse_delivery(parse_json_object(request.body))

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Send text parts of at most 1000 bytes; buttons become quick replies."""
        if _outside_window(message.last_inbound_at):
            raise PermanentError(text("channels.instagram_window_closed", None))
        if len(message.buttons) > MAX_QUICK_REPLIES:
            raise PermanentError(
                text(
                    "channels.too_many_buttons",
                    None,
                    count=len(message.buttons),
                    limit=MAX_QUICK_REPLIES,
                )
            )
        parts = split_text(message.text, MAX_TEXT_BYTES, message.keep_whole, units="utf8") or [
            text("channels.empty_reply", self._locale)
        ]

        bodies: list[dict[str, Any]] = [{"text": part} for part in parts]
        if message.buttons:
            bodies[-1]["quick_replies"] = [
                {"content_type": "text", "title": _title(b.label), "payload": b.payload}
                for b in message.buttons
            ]
        payloads = [{"recipient": {"id": message.user_id}, "message": body} for body in bodies]
        return await send_parts(self._post, payloads)

    async def _post(self, payload: dict[str, Any]) -> str:
        path = f"/{self.settings.api_version}/{self.settings.ig_user_id}/messages"
        response = await send_request(
            self.client, "POST", path, service=SERVICE, operation="messages", json=payload
        )
        if not response.is_success:
            raise _delivery_error(response)
        return str(response_json(response).get("message_id", ""))

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _title(label: str) -> str:
    if len(label) <= MAX_QUICK_REPLY_TITLE:
        return label
    logger.warning("instagram quick reply title of %d characters shortened", len(label))
    return label[: MAX_QUICK_REPLY_TITLE - 1] + "…"


def _outside_window(last_inbound_at: dt.datetime | None) -> bool:
    if last_inbound_at is None:
        return False
    return dt.datetime.now(dt.UTC) - last_inbound_at > MESSAGING_WINDOW


def _delivery_error(response: httpx.Response) -> DeliveryError:
    code, subcode, detail = graph_error(response)
    summary = (
        f"instagram messages failed with HTTP {response.status_code}, Graph code {code}"
        f"/{subcode}: {detail}"
    )
    if subcode == WINDOW_SUBCODE:
        return PermanentError(text("channels.instagram_window_closed", None))
    if code in UNREACHABLE_CODES or subcode in UNREACHABLE_SUBCODES:
        return UnreachableError(summary)
    if code in RATE_LIMIT_CODES or code in TEMPORARY_CODES or response.status_code >= 500:
        return RetryableError(summary, retry_after=retry_after_header(response))
    return PermanentError(summary)
