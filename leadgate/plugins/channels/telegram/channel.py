"""The Telegram channel: webhook checks, update parsing, sending and long polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from leadgate.core.components import (
    Channel,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.errors import (
    DeliveryError,
    PayloadError,
    PermanentError,
    PluginError,
    RetryableError,
)
from leadgate.locales import text
from leadgate.plugins.channels.common import (
    check_shared_secret,
    parse_json_object,
    send_parts,
    split_text,
)
from leadgate.plugins.channels.telegram.api import BotApi
from leadgate.plugins.channels.telegram.settings import TelegramSettings
from leadgate.plugins.channels.telegram.updates import parse_update

logger = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 (a header name)
MAX_TEXT_UNITS = 4096  # sendMessage limit, counted in UTF-16 code units
MAX_CALLBACK_DATA_BYTES = 64
POLL_ERROR_PAUSE = 5.0  # seconds before the next getUpdates after a first failure
MAX_POLL_ERROR_PAUSE = 300.0  # the pause doubles on each further failure up to this


class TelegramChannel(Channel):
    """A Telegram bot, fed by the webhook or by ``getUpdates`` long polling.

    Replies are plain text without ``parse_mode``, so client-visible text needs no
    escaping and restored values cannot break the markup.
    """

    # Telegram's Bot FAQ limits bulk sends to about 30 messages per second to different chats.
    requests_per_second = 25.0

    def __init__(self, settings: TelegramSettings, services: Any, locale: str = "ru") -> None:
        self.settings = settings
        self.webhook = settings.mode == "webhook"
        self._services = services
        self._locale = locale
        self._api: BotApi | None = None

    @property
    def api(self) -> BotApi:
        """The Bot API client, created on first use."""
        if self._api is None:
            if self._services is None:
                raise PluginError("the telegram channel cannot call Telegram without services")
            client = self._services.http_client(timeout=self.settings.timeout)
            self._api = BotApi(client, self.settings.api_url, self.settings.bot_token)
        return self._api

    # -- Inbound --------------------------------------------------------------------

    def verify(self, request: RawRequest) -> None:
        """Check ``X-Telegram-Bot-Api-Secret-Token`` against ``webhook_secret``."""
        check_shared_secret(
            self.settings.webhook_secret,
            request.headers.get(SECRET_HEADER),
            "X-Telegram-Bot-Api-Secret-Token",
        )

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Parse one webhook update into one event."""
        update = parse_json_object(request.body)
        return [parse_update(update, self.settings.allow_groups)]

    # -- Outbound -------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Send ``message`` as one or more ``sendMessage`` calls.

        Long texts are split under 4096 UTF-16 code units. Buttons go on the last
        part as an inline keyboard. ``request_contact`` adds a one-time reply
        keyboard with a contact button.
        """
        for button in message.buttons:
            if len(button.payload.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise PermanentError(
                    text(
                        "channels.telegram_callback_too_long",
                        None,
                        size=len(button.payload.encode("utf-8")),
                    )
                )

        parts = split_text(message.text, MAX_TEXT_UNITS, message.keep_whole, units="utf16")
        if not parts:
            parts = [text("channels.empty_reply", self._locale)]
        markups = self._markups(message, len(parts))

        payloads: list[dict[str, Any]] = []
        for part, markup in zip(parts, markups, strict=True):
            payload: dict[str, Any] = {"chat_id": message.user_id, "text": part}
            if markup is not None:
                payload["reply_markup"] = markup
            payloads.append(payload)
        if message.request_contact and message.buttons:
            payloads.append(self._contact_prompt(message.user_id))
        return await send_parts(self._send_message, payloads)

    async def _send_message(self, payload: dict[str, Any]) -> str:
        result = await self.api.call("sendMessage", payload)
        return str((result or {}).get("message_id", ""))

    def _markups(self, message: OutboundMessage, count: int) -> list[dict[str, Any] | None]:
        """Return the reply markup of each part: keyboards go on the last one."""
        markups: list[dict[str, Any] | None] = [None] * count
        if message.buttons:
            markups[-1] = {
                "inline_keyboard": [
                    [{"text": button.label, "callback_data": button.payload}]
                    for button in message.buttons
                ]
            }
        elif message.request_contact:
            markups[-1] = self._contact_keyboard()
        return markups

    def _contact_keyboard(self) -> dict[str, Any]:
        label = text("channels.share_phone_button", self._locale)
        return {
            "keyboard": [[{"text": label, "request_contact": True}]],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }

    def _contact_prompt(self, chat_id: str) -> dict[str, Any]:
        # A message carries one keyboard, so the contact button follows the buttons.
        return {
            "chat_id": chat_id,
            "text": text("channels.share_phone_prompt", self._locale),
            "reply_markup": self._contact_keyboard(),
        }

    async def acknowledge(self, event_meta: Mapping[str, str]) -> None:
        """Confirm the button press with answerCallbackQuery, so its spinner stops."""
        query_id = event_meta.get("callback_query_id")
        if not query_id:
            return
        try:
            await self.api.call("answerCallbackQuery", {"callback_query_id": query_id})
        except PermanentError as error:
            # Telegram rejects a late confirmation of an old query, and a retry cannot fix that.
            logger.warning("telegram answerCallbackQuery not accepted: %s", error)

    # -- Long polling ---------------------------------------------------------------

    async def poll(self, submit: Callable[[list[InboundEvent]], Awaitable[None]]) -> None:
        """Run ``getUpdates`` until cancelled when the section sets ``mode: polling``.

        The webhook is deleted first, because Telegram refuses ``getUpdates`` while a
        webhook is set. The offset advances only after ``submit`` stored the events,
        so a crash redelivers rather than loses them.
        """
        if self.settings.mode != "polling":
            return
        await self.api.call("deleteWebhook", {"drop_pending_updates": False})
        logger.info("telegram long polling started")

        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self._get_updates(offset)
            except DeliveryError as error:
                failures += 1
                await asyncio.sleep(_pause_after(error, failures))
                continue
            failures = 0
            if not updates:
                continue
            await submit(self._parse_polled(updates))
            offset = max(int(update["update_id"]) for update in updates) + 1

    def _parse_polled(self, updates: list[dict[str, Any]]) -> list[InboundEvent]:
        events = []
        for update in updates:
            try:
                events.append(parse_update(update, self.settings.allow_groups))
            except PayloadError as error:
                logger.warning("telegram update %s skipped: %s", update.get("update_id"), error)
        return events

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {
            "timeout": self.settings.poll_timeout,
            "allowed_updates": self.settings.allowed_updates,
        }
        if offset is not None:
            payload["offset"] = offset
        # The HTTP timeout must outlast Telegram's long-poll wait.
        timeout = self.settings.poll_timeout + self.settings.timeout
        result = await self.api.call("getUpdates", payload, timeout=timeout)
        if not isinstance(result, list):
            return []
        return [update for update in result if isinstance(update, dict) and "update_id" in update]

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._api is not None:
            await self._api.aclose()
            self._api = None


def _pause_after(error: DeliveryError, failures: int) -> float:
    """Return the seconds to wait after the ``failures``-th failure in a row."""
    pause = min(POLL_ERROR_PAUSE * 2 ** (failures - 1), MAX_POLL_ERROR_PAUSE)
    if isinstance(error, RetryableError) and error.retry_after:
        pause = max(pause, error.retry_after)
    logger.warning(
        "telegram getUpdates failed (%d in a row), next try in %.0f s: %s", failures, pause, error
    )
    return pause
