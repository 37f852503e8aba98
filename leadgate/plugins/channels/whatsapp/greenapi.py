"""WhatsApp through the Green-API gateway: token-checked webhooks, REST sending.

Green-API drives a WhatsApp account linked by QR code, so there is no 24-hour
window and no template. Its methods live at
``{api_url}/waInstance{id_instance}/{method}/{api_token}``; the token is in the
path, so URLs are never logged.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import httpx

from leadgate.core.components import (
    Channel,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.errors import (
    DeliveryError,
    PermanentError,
    PluginError,
    RetryableError,
    SignatureError,
)
from leadgate.locales import text
from leadgate.plugins.channels.common import (
    install_token_mask,
    parse_json_object,
    response_json,
    retry_after_header,
    send_parts,
    send_request,
    split_text,
)
from leadgate.plugins.channels.whatsapp.greenapi_events import PERSONAL_SUFFIX, parse_notification
from leadgate.plugins.channels.whatsapp.settings import GreenApiSettings

logger = logging.getLogger(__name__)

SERVICE = "green-api"
MAX_TEXT = 4096  # characters per part; Green-API itself accepts up to 20000
MAX_INTERACTIVE_BUTTONS = 3
MAX_BUTTON_TEXT = 25
QUOTA_EXCEEDED = 466  # Green-API's status for an exhausted tariff quota


class GreenApiChannel(Channel):
    """A WhatsApp account connected through a Green-API instance."""

    def __init__(self, settings: GreenApiSettings, services: Any, locale: str = "ru") -> None:
        self.settings = settings
        self._services = services
        self._locale = locale
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The Green-API HTTP client, created on first use."""
        if self._client is None:
            if self._services is None:
                raise PluginError("the whatsapp channel cannot call Green-API without services")
            install_token_mask()
            self._client = self._services.http_client(timeout=self.settings.timeout)
        return self._client

    def verify(self, request: RawRequest) -> None:
        """Check ``Authorization: Bearer <webhook_token>`` (Green-API's webhookUrlToken).

        A ``webhook_token`` that already names a scheme (``Basic ...``) is compared
        with the whole header.
        """
        token = self.settings.webhook_token
        if not token:
            raise SignatureError("no webhook_token is configured; request rejected")
        expected = token if " " in token else f"Bearer {token}"
        received = request.headers.get("authorization")
        if received is None:
            raise SignatureError("the Authorization header is missing")
        if not hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8")):
            raise SignatureError("the Authorization header does not match webhook_token")

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Parse one notification."""
        return parse_notification(parse_json_object(request.body))

    # -- Outbound -------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Send text parts; buttons as reply buttons or as numbered lines."""
        chat_id = message.user_id + PERSONAL_SUFFIX
        interactive = self._interactive_fits(message)
        body = message.text if interactive else _with_numbered_buttons(message, self._locale)
        parts = split_text(body, MAX_TEXT, message.keep_whole) or [
            text("channels.empty_reply", self._locale)
        ]

        calls: list[tuple[str, dict[str, Any]]] = [
            ("sendMessage", {"chatId": chat_id, "message": part}) for part in parts[:-1]
        ]
        if interactive:
            buttons = [
                {"buttonId": button.payload, "buttonText": button.label[:MAX_BUTTON_TEXT]}
                for button in message.buttons
            ]
            last = {"chatId": chat_id, "body": parts[-1], "buttons": buttons}
            calls.append(("sendInteractiveButtonsReply", last))
        else:
            calls.append(("sendMessage", {"chatId": chat_id, "message": parts[-1]}))
        return await send_parts(self._call, calls)

    def _interactive_fits(self, message: OutboundMessage) -> bool:
        return (
            self.settings.buttons == "interactive"
            and 0 < len(message.buttons) <= MAX_INTERACTIVE_BUTTONS
        )

    async def _call(self, call: tuple[str, dict[str, Any]]) -> str:
        method, payload = call
        url = (
            f"{self.settings.api_url}/waInstance{self.settings.id_instance}/"
            f"{method}/{self.settings.api_token}"
        )
        response = await send_request(
            self.client, "POST", url, service=SERVICE, operation=method, json=payload
        )
        if not response.is_success:
            raise _delivery_error(method, response)
        return str(response_json(response).get("idMessage", ""))

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _with_numbered_buttons(message: OutboundMessage, locale: str) -> str:
    """Append the buttons as numbered lines for gateways that cannot show buttons."""
    if not message.buttons:
        return message.text
    lines = [f"{number}. {button.label}" for number, button in enumerate(message.buttons, 1)]
    hint = text("channels.numbered_hint", locale)
    # NOTE: a reply with a number arrives as plain text. Mapping it back to the
    # button's payload is left to the dialogue, which has the offered options.
    return "\n".join([message.text, "", *lines, "", hint])


def _delivery_error(method: str, response: httpx.Response) -> DeliveryError:
    status = response.status_code
    summary = f"green-api {method} failed with HTTP {status}"
    if status == 429 or status >= 500:
        return RetryableError(summary, retry_after=retry_after_header(response))
    if status == QUOTA_EXCEEDED:
        return PermanentError(text("channels.greenapi_quota", None))
    if status in (401, 403):
        return PermanentError(text("channels.greenapi_unauthorized", None, status=status))
    return PermanentError(summary)
