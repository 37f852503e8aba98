"""Calls to the amoCRM REST API v4 with a bearer token, and their error translation.

amoCRM returns errors as ``application/problem+json`` (``title``, ``status``,
``detail``, and ``validation-errors`` for a rejected field), an empty list as HTTP
204 and rejects more than about 7 requests per second per account with HTTP 429. A 401
means the access token expired or was replaced: the caller renews it once through
:class:`~leadgate.plugins.crm.amocrm.tokens.TokenManager` and repeats the request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from leadgate.errors import PermanentError, RetryableError
from leadgate.locales import text
from leadgate.plugins.crm.amocrm.tokens import TokenManager

logger = logging.getLogger(__name__)

SERVICE = "amoCRM"
RATE_LIMIT_WAIT = 1.0
"""Seconds to wait after a 429 without a Retry-After header."""


class NotFound(PermanentError):
    """The lead or contact a request named does not exist."""


class AmoClient:
    """Sends authorised requests to one amoCRM account."""

    def __init__(self, http: httpx.AsyncClient, tokens: TokenManager, locale: str) -> None:
        self.http = http
        self.tokens = tokens
        self.locale = locale

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return its parsed JSON (``None`` for 204).

        A 401 renews the token pair once and repeats the request; a second 401 is a
        ``PermanentError`` whose message asks the owner to authorise the integration again.
        """
        token, version = await self.tokens.access_token(self.http)
        response = await self._send(method, path, token, json, params)
        if response.status_code == 401:
            logger.info("amocrm %s %s: access token rejected, renewing it once", method, path)
            token, version = await self.tokens.renew(self.http, version)
            response = await self._send(method, path, token, json, params)
            if response.status_code == 401:
                raise PermanentError(text("crm.amocrm_unauthorised", self.locale))
        return self._result(method, path, response)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        json: Any,
        params: Mapping[str, str] | None,
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await self.http.request(
                method,
                path,
                json=json,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as error:
            logger.info("amocrm %s %s failed: %s", method, _path_shape(path), type(error).__name__)
            raise RetryableError(
                text("crm.transport_failed", self.locale, crm=SERVICE, reason=type(error).__name__)
            ) from error
        logger.info(
            "amocrm %s %s: HTTP %d in %.2fs",
            method,
            _path_shape(path),
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _result(self, method: str, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 204:
            return None
        if status == 429:
            raise RetryableError(
                text("crm.rate_limited", self.locale, crm=SERVICE, status=status, code=""),
                retry_after=_retry_after(response) or RATE_LIMIT_WAIT,
            )
        if status >= 500:
            raise RetryableError(
                text("crm.outage", self.locale, crm=SERVICE, status=status, code=""),
                retry_after=_retry_after(response),
            )
        if status in (402, 403):
            raise PermanentError(text("crm.amocrm_account_blocked", self.locale, status=status))
        # The problem's detail may quote a submitted value, so only the status and
        # the request shape reach the message.
        rejected = text(
            "crm.rejected",
            self.locale,
            crm=SERVICE,
            method=f"{method} {_path_shape(path)}",
            status=status,
            code="",
        )
        if status == 404:
            raise NotFound(rejected)
        if status >= 400:
            raise PermanentError(rejected)

        body = _json_body(response)
        if body is None:
            raise RetryableError(text("crm.not_json", self.locale, crm=SERVICE, status=status))
        return body


def _path_shape(path: str) -> str:
    """Return the path with ids replaced by ``{id}``, for logs and messages."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("?")[0].split("/"))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _json_body(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None
