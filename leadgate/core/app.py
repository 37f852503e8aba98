"""The Starlette application: one factory, explicit routes, a lifespan.

``create_app`` builds the runtime of one bundle (see ``leadgate.core.service``) and
serves: the channels' own routes (the web chat at ``/chat``), the generic webhooks,
the processing policy at ``/policy``, a health check, and routes that plugins add
through ``leadgate_routes``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from leadgate.core.policy import policy_page
from leadgate.core.service import Runtime, build_runtime
from leadgate.core.webhooks import webhook


def create_app(bundle_path: Path | str, **options: Any) -> Starlette:
    """Build the service for one bundle; ``options`` go to ``build_runtime``.

    ``start_outbox=False`` leaves the outbox worker off (tests that drive it by hand).
    """
    start_outbox = options.pop("start_outbox", True)
    runtime = build_runtime(Path(bundle_path), **options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.start(outbox=start_outbox)
        try:
            yield
        finally:
            await runtime.stop()

    app = Starlette(routes=_routes(runtime), lifespan=lifespan)
    app.state.runtime = runtime
    app.state.services = {runtime.bundle.name: runtime.services}
    return app


def _routes(runtime: Runtime) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", _home, methods=["GET"]),
        Route("/healthz", _health, methods=["GET"]),
        Route("/policy", policy_page, methods=["GET"]),
        Route("/webhooks/{channel}/{bundle}", webhook, methods=["GET", "POST"]),
    ]
    for channel in runtime.channels.values():
        routes.extend(channel.routes())
    hook = runtime.services.plugin_manager.hook.leadgate_routes
    for extra in hook(bundle=runtime.bundle):
        routes.extend(extra or [])
    return routes


async def _home(request: Request) -> Response:
    runtime = request.app.state.runtime
    if "webchat" in runtime.channels:
        return RedirectResponse("/chat")
    return JSONResponse({"service": "leadgate", "bundle": runtime.bundle.name})


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "bundle": request.app.state.runtime.bundle.name})


def app_from_environment() -> Starlette:
    """Build the app named by ``LEADGATE_BUNDLE``: the uvicorn factory ``leadgate run`` uses."""
    import os

    from leadgate.core.commands.run import BUNDLE_ENV, PUBLIC_URL_ENV

    return create_app(
        os.environ[BUNDLE_ENV], public_url=os.environ.get(PUBLIC_URL_ENV, "http://127.0.0.1:8000")
    )
