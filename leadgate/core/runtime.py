"""The shared engine parts a running bundle hands to its components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import pluggy

    from leadgate.config.bundle import Bundle
    from leadgate.config.settings import Settings
    from leadgate.core.crypto import KeyRing
    from leadgate.core.plugins import ComponentRegistry
    from leadgate.core.store.engine import Database


@dataclass
class Services:
    """Everything a component may use at run time, for one bundle.

    ``http_transport`` is ``None`` in production; tests inject an
    ``httpx.MockTransport`` or leave it and point base URLs at local fake servers.
    ``public_url`` is the service's own external address (for policy links and
    webhooks), without a trailing slash. ``pipeline`` and ``outbox`` are set once
    the service has built them.
    """

    settings: Settings
    bundle: Bundle
    database: Database
    keyring: KeyRing
    registry: ComponentRegistry
    plugin_manager: pluggy.PluginManager
    http_transport: httpx.AsyncBaseTransport | None = None
    public_url: str = "http://127.0.0.1:8000"
    pipeline: Any = None
    outbox: Any = None
    components: dict[str, Any] = field(default_factory=dict)

    def http_client(
        self, *, base_url: str = "", timeout: float = 10.0, **kwargs: Any
    ) -> httpx.AsyncClient:
        """Return an httpx client with timeouts and the injected transport, if any."""
        return httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=self.http_transport,
            **kwargs,
        )
