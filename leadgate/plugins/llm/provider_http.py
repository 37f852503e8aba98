"""One HTTP call to a model provider, with its failures translated to leadgate errors.

Timeouts, connection failures, HTTP 408, 425, 429 and 5xx become ``RetryableError``,
and so does a body that is not a JSON object. Rejected credentials and other 4xx
become ``PermanentError``. No message carries the request or response body, because
both contain conversation text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from leadgate.errors import PermanentError, RetryableError
from leadgate.locales import text

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 425})


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    payload: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str],
    service: str,
    api: str,
    credentials_setting: str,
) -> dict[str, Any]:
    """POST ``payload`` as JSON (or ``data`` as a form) and return the JSON object reply.

    ``api`` names the expected format and ``credentials_setting`` the setting an
    owner fixes when the provider rejects the credentials, both for error messages.
    """
    response = await send(client, url, payload=payload, data=data, headers=headers, service=service)
    raise_for_status(response, service=service, credentials_setting=credentials_setting)
    return json_object(response, service=service, api=api)


async def send(
    client: httpx.AsyncClient,
    url: str,
    *,
    payload: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str],
    service: str,
) -> httpx.Response:
    """POST and return the response whatever its status; raise only on transport failures."""
    started = time.monotonic()
    try:
        response = await client.post(url, json=payload, data=data, headers=dict(headers))
    except httpx.TimeoutException as error:
        logger.info("%s POST %s timed out", service, _path(client, url))
        raise RetryableError(
            text(
                "llm.timeout",
                None,
                service=service,
                host=_host(client, url),
                seconds=_seconds(client),
            )
        ) from error
    except httpx.TransportError as error:
        logger.info("%s POST %s failed: %s", service, _path(client, url), type(error).__name__)
        raise RetryableError(
            text("llm.unreachable", None, service=service, host=_host(client, url))
        ) from error

    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "%s POST %s -> %s in %.0f ms",
        service,
        _path(client, url),
        response.status_code,
        elapsed_ms,
    )
    return response


def raise_for_status(response: httpx.Response, *, service: str, credentials_setting: str) -> None:
    """Raise the leadgate error that matches a failed HTTP status; return on 2xx."""
    status = response.status_code
    if status < 400:
        return

    host = host_of(response)
    if status == 429:
        raise RetryableError(
            text("llm.rate_limited", None, service=service, host=host),
            retry_after=retry_after(response),
        )
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise RetryableError(
            text("llm.server_error", None, service=service, host=host, status=status),
            retry_after=retry_after(response),
        )
    if status in (401, 403):
        raise PermanentError(
            text(
                "llm.unauthorized",
                None,
                service=service,
                host=host,
                status=status,
                setting=credentials_setting,
            )
        )
    raise PermanentError(text("llm.client_error", None, service=service, host=host, status=status))


def json_object(response: httpx.Response, *, service: str, api: str) -> dict[str, Any]:
    """Return the response body as a JSON object; raise ``RetryableError`` otherwise."""
    try:
        body = response.json()
    except ValueError as error:
        raise invalid_response(host_of(response), service=service, api=api) from error
    if not isinstance(body, dict):
        raise invalid_response(host_of(response), service=service, api=api)
    return body


def invalid_response(host: str, *, service: str, api: str) -> RetryableError:
    """Build the error for a reply whose shape does not match the provider's API."""
    return RetryableError(text("llm.invalid_response", None, service=service, host=host, api=api))


def host_of(response: httpx.Response) -> str:
    """Return ``host:port`` of the request that produced ``response``."""
    return response.request.url.netloc.decode()


def retry_after(response: httpx.Response) -> float | None:
    """Return the ``Retry-After`` header in seconds, when it is a number."""
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _host(client: httpx.AsyncClient, url: str) -> str:
    return _resolve(client, url).netloc.decode()


def _path(client: httpx.AsyncClient, url: str) -> str:
    return _resolve(client, url).path


def _resolve(client: httpx.AsyncClient, url: str) -> httpx.URL:
    # build_request merges ``url`` with the base URL exactly as the call does.
    return client.build_request("POST", url).url


def _seconds(client: httpx.AsyncClient) -> str:
    read = client.timeout.read
    return f"{read:g}" if read is not None else "?"
