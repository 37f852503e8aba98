"""The privacy gateway: an OpenAI-compatible endpoint that redacts before forwarding.

A bundle with a ``gateway`` section gets two routes, ``POST /v1/chat/completions`` and
``GET /v1/models``, that any OpenAI client can use with a key from
``gateway.api_keys``. Each request gets its own vault. Every personal value the
bundle's detectors find in the messages is replaced with a token, and the request goes
to ``gateway.upstream_url`` with ``gateway.upstream_key``. The tokens in the reply are
restored, in whole responses and in streams. When ``gateway.model`` is set, every
request is forwarded with that model and ``/v1/models`` lists only it.

The section's ``location`` (``local``, ``ru`` or ``abroad``) states where the upstream
is. Unless the bundle's ``data_locations`` allow it, building the routes raises
``PluginError`` and the service does not start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import leadgate
from leadgate.core.components import ComponentContext
from leadgate.core.redaction import Redactor
from leadgate.core.vault import Vault
from leadgate.errors import ConfigError, PluginError
from leadgate.locales import text
from leadgate.plugins.llm.gateway_payload import (
    RequestRejected,
    Restorers,
    StreamRewriter,
    redact_request,
    restore_response,
    rewrite_sse,
    sse_event,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
_REDACTOR_KEY = "gateway:redactor"


@dataclass(frozen=True)
class GatewaySettings:
    """The bundle's ``gateway`` section, checked."""

    upstream_url: str
    api_keys: tuple[str, ...]
    upstream_key: str = ""
    model: str = ""
    location: str = "local"
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> GatewaySettings:
        """Read the section; raise ``ConfigError`` naming a missing setting."""
        upstream_url = str(section.get("upstream_url") or "").strip().rstrip("/")
        if not upstream_url:
            raise ConfigError(text("llm.gateway_missing_setting", None, key="upstream_url"))
        keys = tuple(str(key) for key in section.get("api_keys") or () if str(key).strip())
        if not keys:
            raise ConfigError(text("llm.gateway_missing_setting", None, key="api_keys"))
        return cls(
            upstream_url=upstream_url,
            api_keys=keys,
            upstream_key=str(section.get("upstream_key") or ""),
            model=str(section.get("model") or ""),
            location=str(section.get("location") or "local"),
            timeout=float(section.get("timeout") or DEFAULT_TIMEOUT),
        )


def gateway_routes(bundle: Any) -> list[Route]:
    """Build the gateway routes of ``bundle``; raise ``PluginError`` on a refused location."""
    settings = GatewaySettings.from_section(bundle.gateway)
    if settings.location not in bundle.data_locations:
        allowed = ", ".join(sorted(bundle.data_locations)) or "-"
        raise PluginError(
            text("llm.gateway_location", None, location=settings.location, allowed=allowed)
        )
    gateway = Gateway(bundle, settings)
    return [
        Route("/v1/chat/completions", gateway.chat_completions, methods=["POST"]),
        Route("/v1/models", gateway.models, methods=["GET"]),
    ]


@leadgate.hookimpl
def leadgate_routes(bundle: Any) -> list[Route] | None:
    """Add the privacy gateway routes when the bundle has a ``gateway`` section."""
    if not getattr(bundle, "gateway", None):
        return None
    return gateway_routes(bundle)


class Gateway:
    """The request handlers of one bundle's gateway."""

    def __init__(self, bundle: Any, settings: GatewaySettings) -> None:
        self.bundle = bundle
        self.settings = settings

    async def models(self, request: Request) -> Response:
        """List the upstream's models, or only the pinned ``gateway.model``."""
        if not self._authorised(request):
            return _unauthorised(request)
        if self.settings.model:
            entry = {"id": self.settings.model, "object": "model", "owned_by": "leadgate"}
            return JSONResponse({"object": "list", "data": [entry]})

        services = services_for(request, self.bundle)
        async with self._client(services) as client:
            try:
                upstream = await client.get(f"{self.settings.upstream_url}/models")
            except httpx.HTTPError as error:
                return _upstream_failed(request, error)
        return _passthrough(upstream)

    async def chat_completions(self, request: Request) -> Response:
        """Redact the request, forward it and restore the reply."""
        if not self._authorised(request):
            return _unauthorised(request)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _bad_request(request, "llm.gateway_reason_json")
        if not isinstance(body, dict):
            return _bad_request(request, "llm.gateway_reason_json")

        services = services_for(request, self.bundle)
        if services is None:
            # Without the bundle's detectors nothing can be redacted, so nothing is sent.
            logger.warning("gateway has no running services for bundle %s", self.bundle.name)
            message = text("llm.gateway_not_ready", _locale(request))
            return _error(503, message, "server_error", "gateway_not_ready")
        redactor = redactor_for(services)
        vault = Vault()  # one per request: tokens never outlive the exchange
        try:
            forwarded = redact_request(body, redactor, vault)
        except RequestRejected as rejected:
            return _bad_request(request, rejected.reason)
        if self.settings.model:
            forwarded["model"] = self.settings.model

        restorers = Restorers(redactor, vault)
        if forwarded.get("stream"):
            return await self._stream(request, services, forwarded, restorers)
        return await self._complete(request, services, forwarded, restorers)

    async def _complete(
        self, request: Request, services: Any, body: dict[str, Any], restorers: Restorers
    ) -> Response:
        started = time.monotonic()
        async with self._client(services) as client:
            try:
                upstream = await client.post(self._completions_url, json=body)
            except httpx.HTTPError as error:
                return _upstream_failed(request, error)
        _log_call("POST", upstream.status_code, started)

        if upstream.status_code != 200:
            return _passthrough(upstream)
        try:
            reply = upstream.json()
        except ValueError as error:
            return _upstream_failed(request, error)
        if not isinstance(reply, dict):
            return _passthrough(upstream)
        return JSONResponse(restore_response(reply, restorers))

    async def _stream(
        self, request: Request, services: Any, body: dict[str, Any], restorers: Restorers
    ) -> Response:
        started = time.monotonic()
        client = self._client(services)
        try:
            upstream = await client.send(
                client.build_request("POST", self._completions_url, json=body), stream=True
            )
        except httpx.HTTPError as error:
            await client.aclose()
            return _upstream_failed(request, error)
        _log_call("POST stream", upstream.status_code, started)

        if upstream.status_code != 200:
            await upstream.aread()
            await upstream.aclose()
            await client.aclose()
            return _passthrough(upstream)

        async def events() -> AsyncIterator[bytes]:
            # The finally block also runs when the client disconnects mid-stream, so
            # the upstream connection never outlives the exchange.
            rewriter = StreamRewriter(restorers)
            try:
                async for event in rewrite_sse(_lines(upstream), rewriter):
                    yield event
            except httpx.HTTPError as error:
                logger.warning("gateway upstream stream broke off: %s", type(error).__name__)
                last = rewriter.finish()
                if last is not None:
                    yield sse_event(last)
            finally:
                await upstream.aclose()
                await client.aclose()

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @property
    def _completions_url(self) -> str:
        return f"{self.settings.upstream_url}/chat/completions"

    def _authorised(self, request: Request) -> bool:
        return key_matches(request.headers.get("authorization", ""), self.settings.api_keys)

    def _client(self, services: Any) -> httpx.AsyncClient:
        # NOTE: a client per request opens a new upstream connection each time; a
        # pooled client would need closing at shutdown, which routes cannot hook yet.
        headers = {}
        if self.settings.upstream_key:
            headers["Authorization"] = f"Bearer {self.settings.upstream_key}"
        if services is not None:
            client: httpx.AsyncClient = services.http_client(
                timeout=self.settings.timeout, headers=headers
            )
            return client
        return httpx.AsyncClient(timeout=self.settings.timeout, headers=headers)


def key_matches(authorization: str, keys: Sequence[str]) -> bool:
    """Tell whether ``Authorization: Bearer <key>`` carries one of ``keys``.

    Both sides are hashed to SHA-256 and every key is compared in constant time, so
    the response time reveals neither which key matched nor the length of any key.
    """
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return False
    candidate = hashlib.sha256(presented.strip().encode()).digest()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, hashlib.sha256(key.encode()).digest())
    return matched


def services_for(request: Request, bundle: Any) -> Any:
    """Return the running bundle's ``Services`` from the app, or ``None`` when absent."""
    services = getattr(request.app.state, "services", None)
    if isinstance(services, Mapping):
        return services.get(bundle.name)
    return None


def redactor_for(services: Any) -> Redactor:
    """Return the bundle's redactor: the pipeline's, or one built from the registry once."""
    pipeline = getattr(services, "pipeline", None)
    redactor = getattr(pipeline, "redactor", None)
    if isinstance(redactor, Redactor):
        return redactor

    cached = services.components.get(_REDACTOR_KEY)
    if isinstance(cached, Redactor):
        return cached
    bundle = services.bundle
    detectors = [
        spec.factory(ComponentContext(name=spec.name, config={}, bundle=bundle, services=services))
        for spec in services.registry.specs("detector")
    ]
    built = Redactor(detectors, bundle.redaction)
    services.components[_REDACTOR_KEY] = built
    return built


async def _lines(response: httpx.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        yield line


def _log_call(method: str, status: int, started: float) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info("gateway %s upstream -> %s in %.0f ms", method, status, elapsed_ms)


def _passthrough(upstream: httpx.Response) -> Response:
    # An upstream error body contains at most redacted text, so it is passed on as is.
    media_type = upstream.headers.get("content-type", "application/json")
    return Response(upstream.content, status_code=upstream.status_code, media_type=media_type)


def _locale(request: Request) -> str:
    accepted = request.headers.get("accept-language", "")
    return "en" if accepted.lower().startswith("en") else "ru"


def _error(status: int, message: str, kind: str, code: str) -> JSONResponse:
    payload = {"error": {"message": message, "type": kind, "code": code}}
    return JSONResponse(payload, status_code=status)


def _unauthorised(request: Request) -> JSONResponse:
    logger.info("gateway rejected a request to %s: missing or invalid API key", request.url.path)
    message = text("llm.gateway_unauthorized", _locale(request))
    response = _error(401, message, "invalid_request_error", "invalid_api_key")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _bad_request(request: Request, reason: str) -> JSONResponse:
    logger.info("gateway rejected a request to %s: %s", request.url.path, reason)
    locale = _locale(request)
    message = text("llm.gateway_bad_request", locale, reason=text(reason, locale))
    return _error(400, message, "invalid_request_error", "invalid_request")


def _upstream_failed(request: Request, error: Exception) -> JSONResponse:
    logger.warning("gateway upstream call failed: %s", type(error).__name__)
    status = 504 if isinstance(error, httpx.TimeoutException) else 502
    message = text("llm.gateway_upstream_failed", _locale(request))
    return _error(status, message, "upstream_error", "upstream_unavailable")
