"""A filter that keeps secrets and personal data out of the request lines httpx logs.

httpx logs every request at INFO as ``HTTP Request: POST <url> "HTTP/1.1 200 OK"``.
A Bitrix24 webhook URL holds the webhook code, a password, in its path, and an
amoCRM search puts the client's phone number into the query string, so the filter
replaces both with ``***`` before any handler sees the line.
"""

from __future__ import annotations

import logging
import re

import httpx

_WEBHOOK_CODE = re.compile(r"(/rest/\d+/)[A-Za-z0-9_-]+(/)")
_QUERY = re.compile(r"\?[^\s\"']*")


class MaskRequestLines(logging.Filter):
    """Masks webhook codes and query strings in the arguments of httpx log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(mask(argument) for argument in record.args)
        return True


def mask(argument: object) -> object:
    """Return ``argument`` with a webhook code and a query string masked, if it is a URL."""
    if isinstance(argument, (str, httpx.URL)):
        masked = _WEBHOOK_CODE.sub(r"\1***\2", str(argument))
        return _QUERY.sub("?***", masked)
    return argument


def install() -> None:
    """Add the mask to the ``httpx`` logger, once per process."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(item, MaskRequestLines) for item in httpx_logger.filters):
        httpx_logger.addFilter(MaskRequestLines())
