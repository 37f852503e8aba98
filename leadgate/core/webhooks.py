"""The generic webhook endpoint ``/webhooks/<channel>/<bundle>``.

The order of checks is the contract a channel relies on: the body size first (413),
then the channel's signature check on the raw bytes (401 or 403), then parsing (400),
and only then storage. A request rejected at any of these steps stores nothing. The
200 is sent once the events are committed, never later: answering and CRM writes
happen afterwards.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from leadgate.core.components import RawRequest
from leadgate.errors import ChannelError

logger = logging.getLogger(__name__)


async def webhook(request: Request) -> Response:
    """Verify, parse and store one webhook delivery."""
    runtime = request.app.state.runtime
    channel_name = request.path_params["channel"]
    channel = runtime.channels.get(channel_name)
    if (
        request.path_params["bundle"] != runtime.bundle.name
        or channel is None
        or not channel.webhook
    ):
        return JSONResponse({"error": "not found"}, status_code=404)

    body = await _read_limited(request, channel.max_body_bytes)
    if body is None:
        return JSONResponse({"error": "request body too large"}, status_code=413)
    raw = RawRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=body,
        client_ip=request.client.host if request.client else "",
    )
    if request.method == "GET":
        status, text = channel.handshake(raw)
        return PlainTextResponse(text, status_code=status)

    try:
        channel.verify(raw)
        events = channel.parse(raw)
    except ChannelError as error:
        logger.info(
            "%s webhook rejected with %s: %s", channel_name, error.status_code, type(error).__name__
        )
        return JSONResponse({"error": str(error)}, status_code=error.status_code)

    kept = [event for event in events if event.kind != "ignored"]
    if len(kept) < len(events):
        logger.info(
            "%s webhook: %d update(s) of unhandled types ignored",
            channel_name,
            len(events) - len(kept),
        )
    if kept:
        await runtime.pipeline.ingest(kept)
    return JSONResponse({"ok": True})


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)
