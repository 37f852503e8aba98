"""Builders shared by the Telegram, WhatsApp and Instagram channel tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from types import SimpleNamespace
from typing import Any, TypeVar

from leadgate.core.components import Channel, RawRequest
from leadgate.core.runtime import Services

T = TypeVar("T")


def make_bundle(locale: str = "ru", templates: Mapping[str, str] | None = None) -> Any:
    """Return the parts of a bundle that channels read: its name, locale and templates."""
    return SimpleNamespace(
        name="salon",
        business=SimpleNamespace(locale=locale),
        whatsapp_templates=dict(templates or {}),
    )


def make_services(bundle: Any = None) -> Services:
    """Return real ``Services`` whose HTTP clients reach the fakes on 127.0.0.1."""
    return Services(
        settings=None,  # type: ignore[arg-type]
        bundle=bundle or make_bundle(),
        database=None,  # type: ignore[arg-type]
        keyring=None,  # type: ignore[arg-type]
        registry=None,  # type: ignore[arg-type]
        plugin_manager=None,  # type: ignore[arg-type]
    )


def raw_request(
    body: bytes | Mapping[str, Any] | list[Any] = b"",
    headers: Mapping[str, str] | None = None,
    method: str = "POST",
    query: Mapping[str, str] | None = None,
) -> RawRequest:
    """Build a raw webhook request; a mapping body is encoded as compact JSON."""
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return RawRequest(
        method=method,
        path="/webhooks/test/salon",
        query=dict(query or {}),
        headers={key.lower(): value for key, value in (headers or {}).items()},
        body=body,
    )


def run(channel: Channel, call: Callable[[], Awaitable[T]]) -> T:
    """Run one async channel call in a fresh event loop and close its HTTP client."""

    async def scenario() -> T:
        try:
            return await call()
        finally:
            await channel.aclose()  # type: ignore[attr-defined]

    return asyncio.run(scenario())
