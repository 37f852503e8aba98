"""A small Telegram Bot API client that maps API errors to delivery errors."""

from __future__ import annotations

from typing import Any

import httpx

from leadgate.errors import PermanentError, RetryableError, UnreachableError
from leadgate.locales import text
from leadgate.plugins.channels.common import (
    install_token_mask,
    response_json,
    retry_after_header,
    send_request,
)

SERVICE = "telegram"
MAX_DESCRIPTION = 200


class BotApi:
    """Calls Bot API methods as ``POST {api_url}/bot{token}/{method}`` with a JSON body.

    The token is part of the URL, so URLs are never logged or put into errors.
    """

    def __init__(self, client: httpx.AsyncClient, api_url: str, bot_token: str) -> None:
        install_token_mask()
        self._client = client
        self._prefix = f"{api_url.rstrip('/')}/bot{bot_token}/"

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """Call ``method`` and return its ``result``; raise a ``DeliveryError`` on failure."""
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = await send_request(
            self._client,
            "POST",
            self._prefix + method,
            service=SERVICE,
            operation=method,
            json=payload or {},
            **extra,
        )
        document = response_json(response)
        if response.is_success and document.get("ok") is True:
            return document.get("result")
        raise api_error(method, response, document)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def api_error(method: str, response: httpx.Response, document: dict[str, Any]) -> Exception:
    """Translate a failed Bot API response into the matching delivery error."""
    code = int(document.get("error_code") or response.status_code)
    description = str(document.get("description", ""))[:MAX_DESCRIPTION]
    parameters = document.get("parameters") or {}
    summary = f"telegram {method} failed with {code}: {description or 'no description'}"

    if code == 429:
        retry_after = parameters.get("retry_after")
        seconds = float(retry_after) if isinstance(retry_after, int | float) else None
        return RetryableError(summary, retry_after=seconds or retry_after_header(response))
    if code == 403 or (code == 400 and "chat not found" in description.lower()):
        return UnreachableError(text("channels.telegram_blocked", None, detail=description))
    if code >= 500:
        return RetryableError(summary, retry_after=retry_after_header(response))
    if code in (401, 404):
        return PermanentError(text("channels.telegram_bad_token", None, code=code))
    return PermanentError(summary)
