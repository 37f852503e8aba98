"""WhatsApp through Meta's Cloud API: signed webhooks in, Graph API messages out."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import httpx

from leadgate.core.components import (
    Button,
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
from leadgate.plugins.channels.whatsapp.cloud_events import parse_delivery
from leadgate.plugins.channels.whatsapp.settings import CloudSettings

logger = logging.getLogger(__name__)

SERVICE = "whatsapp-cloud"
SERVICE_WINDOW = dt.timedelta(hours=24)
DEFAULT_TEMPLATE_KEY = "reengage"
MAX_TEXT = 4096  # characters of a text message body
MAX_INTERACTIVE_BODY = 1024  # characters of an interactive message body
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
MAX_BUTTON_TITLE = 20
MAX_ROW_TITLE = 24

# Graph error codes of the Cloud API: 130429 throughput and 131056 pair rate limits,
# 131047 closed 24-hour window, 131026 undeliverable number, 131000/131016 outages.
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
TEMPORARY_CODES = frozenset({1, 2, 131000, 131016, 133004})
UNREACHABLE_CODES = frozenset({131026})
REENGAGEMENT_CODE = 131047


class WhatsAppCloudChannel(Channel):
    """A WhatsApp Business number on the Cloud API.

    Free text is sent only inside the 24-hour customer-service window that opens
    with each client message; outside it, the bundle's approved template is sent.
    """

    # Meta allows 80 messages per second per business number, inbound included, and 20
    # for a number shared with the WhatsApp Business app; replies stay well below both.
    requests_per_second = 15.0

    def __init__(self, settings: CloudSettings, services: Any, bundle: Any = None) -> None:
        self.settings = settings
        self._services = services
        self._bundle = bundle
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The Graph API HTTP client, created on first use."""
        if self._client is None:
            if self._services is None:
                raise PluginError("the whatsapp channel cannot call the Graph API without services")
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
        """Parse every message and status of a delivery, oldest first."""
        return parse_delivery(parse_json_object(request.body))

    # -- Outbound -------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Send ``message`` as text, interactive buttons, or a template.

        A template goes out when the message names one or when the last client
        message is more than 24 hours old.
        """
        if message.template or _outside_window(message.last_inbound_at):
            return await send_parts(self._post, [self._template_payload(message)])
        return await send_parts(self._post, self._payloads(message))

    def _payloads(self, message: OutboundMessage) -> list[dict[str, Any]]:
        limit = MAX_INTERACTIVE_BODY if message.buttons else MAX_TEXT
        parts = split_text(message.text, limit, message.keep_whole) or [
            text("channels.empty_reply", self._locale())
        ]
        payloads = [self._base(message.user_id, "text", {"body": part}) for part in parts[:-1]]
        if message.buttons:
            interactive = self._interactive(parts[-1], message.buttons)
            payloads.append(self._base(message.user_id, "interactive", interactive))
        else:
            payloads.append(self._base(message.user_id, "text", {"body": parts[-1]}))
        return payloads

    @staticmethod
    def _base(to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": kind,
            kind: body,
        }

    def _interactive(self, body: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
        """Reply buttons for up to three choices, a list message for up to ten."""
        if len(buttons) <= MAX_REPLY_BUTTONS:
            return {
                "type": "button",
                "body": {"text": body},
                "action": {
                    "buttons": [
                        {
                            "type": "reply",
                            "reply": {"id": b.payload, "title": _title(b, MAX_BUTTON_TITLE)},
                        }
                        for b in buttons
                    ]
                },
            }
        if len(buttons) > MAX_LIST_ROWS:
            raise PermanentError(
                text("channels.too_many_buttons", None, count=len(buttons), limit=MAX_LIST_ROWS)
            )
        rows = [{"id": b.payload, "title": _title(b, MAX_ROW_TITLE)} for b in buttons]
        return {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": text("channels.list_button", self._locale())[:MAX_BUTTON_TITLE],
                "sections": [{"rows": rows}],
            },
        }

    def _template_payload(self, message: OutboundMessage) -> dict[str, Any]:
        key = message.template or DEFAULT_TEMPLATE_KEY
        templates = getattr(self._bundle, "whatsapp_templates", None) or {}
        value = str(templates.get(key, ""))
        if not value:
            raise PermanentError(text("channels.whatsapp_no_template", None, key=key))
        # A value may carry its language after a colon: "reengage_v2:ru".
        name, _, language = value.partition(":")
        return self._base(
            message.user_id,
            "template",
            {"name": name, "language": {"code": language or self.settings.template_language}},
        )

    async def _post(self, payload: dict[str, Any]) -> str:
        path = f"/{self.settings.api_version}/{self.settings.phone_number_id}/messages"
        response = await send_request(
            self.client, "POST", path, service=SERVICE, operation="messages", json=payload
        )
        if not response.is_success:
            raise _delivery_error(response)
        messages = response_json(response).get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        return str(first.get("id", "")) if isinstance(first, dict) else ""

    def _locale(self) -> str:
        return str(getattr(getattr(self._bundle, "business", None), "locale", "ru"))

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _title(button: Button, limit: int) -> str:
    if len(button.label) <= limit:
        return button.label
    logger.warning(
        "whatsapp button label of %d characters shortened to %d", len(button.label), limit
    )
    return button.label[: limit - 1] + "…"


def _outside_window(last_inbound_at: dt.datetime | None) -> bool:
    # NOTE: an unknown last inbound time counts as inside the window. When it is not,
    # Meta rejects the text with 131047 and the message goes dead.
    if last_inbound_at is None:
        return False
    return dt.datetime.now(dt.UTC) - last_inbound_at > SERVICE_WINDOW


def _delivery_error(response: httpx.Response) -> DeliveryError:
    """Map a failed Graph call to retry, unreachable contact or dead message."""
    code, _subcode, detail = graph_error(response)
    summary = (
        f"whatsapp messages failed with HTTP {response.status_code}, Graph code {code}: {detail}"
    )

    if code == REENGAGEMENT_CODE:
        return PermanentError(text("channels.whatsapp_window_closed", None))
    if code in UNREACHABLE_CODES:
        return UnreachableError(summary)
    if code in RATE_LIMIT_CODES or response.status_code == 429:
        return RetryableError(summary, retry_after=retry_after_header(response))
    if code in TEMPORARY_CODES or response.status_code >= 500:
        return RetryableError(summary, retry_after=retry_after_header(response))
    return PermanentError(summary)
