"""Helpers shared by the chat channel plugins.

Webhook checks (shared secrets and Meta's ``X-Hub-Signature-256``) run on the raw
bytes and compare in constant time. A malformed JSON body raises
:class:`~leadgate.errors.PayloadError`. Long replies are split at line or word
boundaries. Outbound HTTP calls translate httpx failures into the delivery errors
the outbox acts on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import httpx

from leadgate.core.components import DeliveryReceipt, RawRequest
from leadgate.errors import PayloadError, PermanentError, RetryableError, SignatureError
from leadgate.locales import text

logger = logging.getLogger(__name__)

Units = Literal["chars", "utf16", "utf8"]
"""The unit of a platform's message length limit: code points, UTF-16 code units or UTF-8 bytes."""

HUB_SIGNATURE_HEADER = "x-hub-signature-256"
MAX_IN_PLACE_WAIT = 5.0  # seconds a later part of a reply may wait out a rate limit
IN_PLACE_ATTEMPTS = 3

Payload = TypeVar("Payload")

# Tokens that providers put into the URL path: Telegram's /bot<token>/ and Green-API's
# /waInstance<id>/<method>/<token>.
_PATH_TOKENS = (
    (re.compile(r"(/bot)[^/\s\"']+(/)"), r"\1***\2"),
    (re.compile(r"(/waInstance\d+/\w+/)[^/?\s\"']+"), r"\1***"),
)


# -- Inbound checks -----------------------------------------------------------------


def check_shared_secret(expected: str, received: str | None, header: str) -> None:
    """Raise ``SignatureError`` unless ``received`` equals the configured secret.

    An empty configured secret fails closed: a webhook without a secret would accept
    anyone's requests.
    """
    if not expected:
        raise SignatureError(f"no secret is configured for the {header} check; request rejected")
    if received is None:
        raise SignatureError(f"the {header} header is missing")
    if not hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8")):
        raise SignatureError(f"the {header} header does not match the configured secret")


def check_hub_signature(app_secret: str, request: RawRequest) -> None:
    """Check Meta's ``X-Hub-Signature-256: sha256=<hex>`` on the raw request body.

    The signature is the HMAC-SHA256 of the exact bytes received, keyed with the app
    secret, so it is computed before any parsing.
    """
    if not app_secret:
        raise SignatureError("no app_secret is configured; the request cannot be verified")
    header = request.headers.get(HUB_SIGNATURE_HEADER)
    if not header:
        raise SignatureError("the X-Hub-Signature-256 header is missing")

    scheme, _, received = header.partition("=")
    if scheme != "sha256" or not received:
        raise SignatureError("the X-Hub-Signature-256 header is not of the form sha256=<hex>")

    expected = hmac.new(app_secret.encode("utf-8"), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.strip().lower()):
        raise SignatureError("the X-Hub-Signature-256 signature does not match the body")


def meta_handshake(request: RawRequest, verify_token: str) -> tuple[int, str]:
    """Respond to Meta's subscription check: echo ``hub.challenge`` for the right token.

    Meta sends ``hub.mode=subscribe``, ``hub.verify_token`` and ``hub.challenge`` as
    query parameters when a webhook URL is saved; the GET carries no signature.
    """
    mode = request.query.get("hub.mode", "")
    token = request.query.get("hub.verify_token", "")
    challenge = request.query.get("hub.challenge", "")

    if mode != "subscribe" or not challenge or not verify_token:
        return 403, "forbidden"
    if not hmac.compare_digest(verify_token.encode("utf-8"), token.encode("utf-8")):
        return 403, "forbidden"
    return 200, challenge


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Parse a webhook body that must be a JSON object; raise ``PayloadError`` otherwise."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadError(
            f"the request body is not valid JSON: {error.__class__.__name__}"
        ) from error
    if not isinstance(document, dict):
        raise PayloadError(
            f"the request body is a JSON {type(document).__name__}, expected an object"
        )
    return document


def require(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """Return ``mapping[key]`` or raise ``PayloadError`` naming the missing or wrong field."""
    value = mapping.get(key)
    if value is None or not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise PayloadError(f"{where}.{key} is missing or has the wrong type")
    return value


def list_field(mapping: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """Return ``mapping[key]`` as a list: ``[]`` when absent, ``PayloadError`` when not a list."""
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}.{key} must be a list")
    return value


def from_unix(value: Any) -> dt.datetime | None:
    """Convert a Unix timestamp (a number, or digits as a string) to aware UTC."""
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        # A missing or absurd timestamp: the core then uses its own clock.
        return None


# -- Text -------------------------------------------------------------------------


def _unit_size(units: Units) -> Callable[[str], int]:
    if units == "utf16":
        return lambda char: 2 if ord(char) > 0xFFFF else 1
    if units == "utf8":
        return lambda char: len(char.encode("utf-8"))
    return lambda char: 1


def measure(value: str, units: Units = "chars") -> int:
    """Return the length of ``value`` in ``units``."""
    if units == "chars":
        return len(value)
    size = _unit_size(units)
    return sum(size(char) for char in value)


def utf16_to_index(value: str, offset: int) -> int:
    """Convert an offset in UTF-16 code units (Telegram entities) to a Python index.

    Characters outside the Basic Multilingual Plane (most emoji) take two UTF-16 code
    units but one Python index. An offset inside such a pair maps to the character's
    end; an offset past the end maps to ``len(value)``.
    """
    units = 0
    for index, char in enumerate(value):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(value)


def split_text(
    value: str,
    limit: int,
    keep_whole: Sequence[tuple[int, int]] = (),
    units: Units = "chars",
) -> list[str]:
    """Split ``value`` into parts of at most ``limit`` units, at line or word boundaries.

    A break never falls inside one of the ``keep_whole`` ranges (restored personal
    values), unless one range alone is longer than ``limit``. Whitespace at a break
    is dropped; empty parts are left out.
    """
    if limit <= 0:
        raise ValueError(f"limit must be positive, not {limit}")
    size = _unit_size(units)
    parts: list[str] = []
    start = _skip_space(value, 0)

    while start < len(value):
        end = _fit_end(value, start, limit, size)
        if end < len(value):
            end = _best_break(value, start, end, keep_whole)
        part = value[start:end].rstrip()
        if part:
            parts.append(part)
        start = _skip_space(value, end)
    return parts


def _skip_space(value: str, index: int) -> int:
    while index < len(value) and value[index].isspace():
        index += 1
    return index


def _fit_end(value: str, start: int, limit: int, size: Callable[[str], int]) -> int:
    """Return the largest end such that ``value[start:end]`` fits in ``limit`` units."""
    used = 0
    for index in range(start, len(value)):
        used += size(value[index])
        if used > limit:
            return max(index, start + 1)
    return len(value)


def _best_break(value: str, start: int, end: int, keep_whole: Sequence[tuple[int, int]]) -> int:
    """Pick a break in ``(start, end]``: after a newline, else after a space, else hard."""

    def allowed(position: int) -> bool:
        return not any(low < position < high for low, high in keep_whole)

    for accept in (lambda char: char == "\n", str.isspace, lambda char: True):
        for position in range(end, start, -1):
            if accept(value[position - 1]) and allowed(position):
                return position
    # NOTE: a kept range longer than one whole message is cut where the limit falls.
    return end


# -- Outbound HTTP ----------------------------------------------------------------


class MaskPathTokens(logging.Filter):
    """Masks API tokens in the request URLs that httpx logs at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace tokens in the record's arguments; keep every record."""
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(mask_path_tokens(argument) for argument in record.args)
        return True


def mask_path_tokens(argument: object) -> object:
    """Return ``argument`` with path tokens replaced by ``***`` when it is a URL."""
    if not isinstance(argument, str | httpx.URL):
        return argument
    masked = str(argument)
    for pattern, replacement in _PATH_TOKENS:
        masked = pattern.sub(replacement, masked)
    return masked


def install_token_mask() -> None:
    """Add :class:`MaskPathTokens` to the ``httpx`` logger, once per process.

    httpx logs ``HTTP Request: POST <url> ...`` for every call, and Telegram and
    Green-API URLs carry the API token in the path.
    """
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(item, MaskPathTokens) for item in httpx_logger.filters):
        httpx_logger.addFilter(MaskPathTokens())


async def send_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    service: str,
    operation: str,
    **kwargs: Any,
) -> httpx.Response:
    """Make one API call and translate transport failures into delivery errors.

    Failures before the request reached the provider (connection refused, connect or
    pool timeout, an incomplete upload) are retryable. A read timeout or a dropped
    connection after the request was sent is a ``PermanentError``: the provider may
    have delivered the message already, and a retry could send it twice. The URL is
    never logged because some providers put the API token in the path.
    """
    started = time.monotonic()
    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        logger.warning("%s %s failed to connect: %s", service, operation, type(error).__name__)
        raise RetryableError(
            f"{service} {operation}: could not connect ({type(error).__name__}); will retry"
        ) from error
    except (httpx.WriteTimeout, httpx.WriteError) as error:
        logger.warning("%s %s failed while sending: %s", service, operation, type(error).__name__)
        raise RetryableError(
            f"{service} {operation}: the request could not be sent ({type(error).__name__}); "
            "will retry"
        ) from error
    except (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError) as error:
        logger.warning("%s %s got no response: %s", service, operation, type(error).__name__)
        raise PermanentError(
            text("channels.maybe_delivered", None, service=service, operation=operation)
        ) from error
    except httpx.HTTPError as error:
        logger.warning("%s %s failed: %s", service, operation, type(error).__name__)
        raise PermanentError(
            f"{service} {operation} failed: {type(error).__name__}. Check the channel's api_url."
        ) from error

    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "%s %s %s -> %d in %.0f ms", service, method, operation, response.status_code, elapsed_ms
    )
    return response


async def send_parts(
    post: Callable[[Payload], Awaitable[str]], payloads: Sequence[Payload]
) -> DeliveryReceipt:
    """Send the parts of one reply in order; return a receipt naming every message id.

    A part after the first that hits a short rate limit (at most
    ``MAX_IN_PLACE_WAIT`` seconds) waits and is sent again in place, because a retry
    of the whole reply by the outbox would resend the parts already delivered.
    """
    ids = []
    for index, payload in enumerate(payloads):
        ids.append(await _send_part(post, payload, in_place=index > 0))
    return DeliveryReceipt(external_id=ids[-1], details={"message_ids": ",".join(ids)})


async def _send_part(
    post: Callable[[Payload], Awaitable[str]], payload: Payload, *, in_place: bool
) -> str:
    attempt = 1
    while True:
        try:
            return await post(payload)
        except RetryableError as error:
            wait = error.retry_after if error.retry_after is not None else 1.0
            # NOTE: a later part that still fails leaves the retry to the outbox,
            # which then resends the earlier parts of the reply as well.
            if not in_place or attempt >= IN_PLACE_ATTEMPTS or wait > MAX_IN_PLACE_WAIT:
                raise
            logger.info("reply part rate-limited, attempt %d; waiting %.1f s", attempt, wait)
            await asyncio.sleep(wait)
            attempt += 1


def response_json(response: httpx.Response) -> dict[str, Any]:
    """Return the response body as a JSON object, or an empty dict when it is not one."""
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def retry_after_header(response: httpx.Response) -> float | None:
    """Return the ``Retry-After`` header in seconds, when it is a number."""
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def graph_error(response: httpx.Response) -> tuple[int, int, str]:
    """Return ``(code, error_subcode, message)`` of a Meta Graph API error response.

    Graph errors look like ``{"error": {"message": ..., "code": 131047,
    "error_subcode": ..., "fbtrace_id": ...}}``; a missing field reads as 0 or "".
    """
    error = response_json(response).get("error")
    if not isinstance(error, dict):
        return 0, 0, ""
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message", ""))[:200]
    return (
        code if isinstance(code, int) else 0,
        subcode if isinstance(subcode, int) else 0,
        message,
    )
