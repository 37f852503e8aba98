"""Calls to the Bitrix24 REST API through an incoming webhook, with error translation.

A webhook URL has the form ``https://<portal>/rest/<user id>/<code>/``; a method is
called by POSTing JSON to ``<webhook URL><method>.json``. Bitrix24 returns
``{"result": ..., "time": {...}}`` on success and ``{"error": CODE,
"error_description": TEXT}`` on failure, with an HTTP status that depends on the
error (REST API reference, "Error codes" and "Limits" pages, apidocs.bitrix24.com).

The code in the URL is a password, so it never appears in a log line or an error
message: leadgate's own lines name the method only, and
``leadgate.plugins.crm.logmask`` masks it in the request lines that httpx logs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from leadgate.errors import PermanentError, RetryableError
from leadgate.locales import text

logger = logging.getLogger(__name__)

WEBHOOK_PATH = re.compile(r"^/rest/(?P<user>\d+)/(?P<code>[A-Za-z0-9_-]+)/$")

SERVICE = "Bitrix24"

RETRYABLE_CODES = frozenset(
    {
        "QUERY_LIMIT_EXCEEDED",  # the leaky bucket is full: about 2 requests per second
        "OVERLOAD_LIMIT",  # REST blocked for overload; lifted by Bitrix24 support
        "INTERNAL_SERVER_ERROR",
        "ERROR_UNEXPECTED_ANSWER",
        "OPERATION_TIME_LIMIT",
    }
)
WEBHOOK_CODES = frozenset(
    {
        "expired_token",
        "invalid_token",
        "INVALID_CREDENTIALS",
        "NO_AUTH_FOUND",
        "insufficient_scope",
        "WRONG_AUTH_TYPE",
        "ACCESS_DENIED",
        "PORTAL_DELETED",
        "INVALID_REQUEST",
        "ERROR_METHOD_NOT_FOUND",
    }
)

QUERY_LIMIT_WAIT = 1.0
"""Seconds to wait after QUERY_LIMIT_EXCEEDED: the bucket drains 2 requests a second."""

OVERLOAD_WAIT = 600.0
"""Seconds to wait after OVERLOAD_LIMIT, which lasts until support lifts the block."""


class EntityNotFound(PermanentError):
    """The record a ``get``, ``update`` or ``delete`` named does not exist (any more)."""


class Bitrix24Client:
    """Calls REST methods on one portal; every failure becomes a ``DeliveryError``.

    ``http`` must have the webhook URL as its ``base_url``; ``locale`` selects the
    language of error messages.
    """

    def __init__(self, http: httpx.AsyncClient, locale: str) -> None:
        self.http = http
        self.locale = locale

    async def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """Call ``method`` with ``params`` and return its ``result``."""
        started = time.monotonic()
        try:
            response = await self.http.post(f"{method}.json", json=dict(params))
        except httpx.HTTPError as error:
            logger.info("bitrix24 %s failed: %s", method, type(error).__name__)
            raise RetryableError(
                text("crm.transport_failed", self.locale, crm=SERVICE, reason=type(error).__name__)
            ) from error

        logger.info(
            "bitrix24 %s: HTTP %d in %.2fs",
            method,
            response.status_code,
            time.monotonic() - started,
        )
        return self._result(method, response)

    def _result(self, method: str, response: httpx.Response) -> Any:
        status = response.status_code
        body = _json_body(response)
        if not isinstance(body, dict):
            self._raise_for_page(status)
            raise RetryableError(text("crm.not_json", self.locale, crm=SERVICE, status=status))

        code = str(body.get("error") or "")
        if code or "error_description" in body or status >= 400:
            self._raise_for_error(method, status, code, str(body.get("error_description") or ""))
        return body.get("result")

    def _raise_for_page(self, status: int) -> None:
        """Raise the error that a non-JSON response's status alone identifies, if any."""
        if status == 404:
            raise PermanentError(text("crm.bitrix24_webhook_not_found", self.locale, code=""))
        if status in (401, 403):
            raise PermanentError(
                text("crm.bitrix24_webhook_rejected", self.locale, status=status, code="")
            )

    def _raise_for_error(self, method: str, status: int, code: str, description: str) -> None:
        # The description is free text that may quote a submitted value, so only the
        # code and status reach messages and logs.
        code_suffix = f", {code}" if code else ""
        if code == "QUERY_LIMIT_EXCEEDED" or status == 429:
            raise RetryableError(
                text("crm.rate_limited", self.locale, crm=SERVICE, status=status, code=code_suffix),
                retry_after=QUERY_LIMIT_WAIT,
            )
        if code in RETRYABLE_CODES or status >= 500:
            wait = OVERLOAD_WAIT if code == "OVERLOAD_LIMIT" else None
            raise RetryableError(
                text("crm.outage", self.locale, crm=SERVICE, status=status, code=code_suffix),
                retry_after=wait,
            )
        if code == "ERROR_METHOD_NOT_FOUND" or (status == 404 and not code):
            raise PermanentError(
                text("crm.bitrix24_webhook_not_found", self.locale, code=code_suffix)
            )
        if code in WEBHOOK_CODES or status in (401, 403):
            raise PermanentError(
                text("crm.bitrix24_webhook_rejected", self.locale, status=status, code=code_suffix)
            )
        if code == "NOT_FOUND" or description.strip().lower() == "not found":
            raise EntityNotFound(
                text(
                    "crm.rejected",
                    self.locale,
                    crm=SERVICE,
                    method=method,
                    status=status,
                    code=code_suffix,
                )
            )
        raise PermanentError(
            text(
                "crm.rejected",
                self.locale,
                crm=SERVICE,
                method=method,
                status=status,
                code=code_suffix,
            )
        )


def _json_body(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", "") and not response.content.startswith(
        b"{"
    ):
        return None
    try:
        return response.json()
    except ValueError:
        return None
