"""A Starlette app served by uvicorn in a thread on 127.0.0.1, for the LLM fakes.

Unlike the ``http.server`` base of the CRM fakes, uvicorn streams responses, so a
fake can send server-sent events chunk by chunk, and it serves TLS for the tests of
a custom CA bundle. Every request is recorded in ``requests`` before it is handled.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body or b"null")


class ThreadedServer:
    """Serves an ASGI app on a free port of 127.0.0.1 until :meth:`stop`.

    ``ssl_certfile`` and ``ssl_keyfile`` switch the server to HTTPS.
    """

    def __init__(
        self, app: Any, ssl_certfile: str | None = None, ssl_keyfile: str | None = None
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.scheme = "https" if ssl_certfile else "http"

        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            ws="none",
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]})

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start serving and wait until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ThreadedFake(ThreadedServer):
    """A fake service: records every request, then calls :meth:`handle`.

    Subclasses implement ``handle(recorded, request)`` and return a Starlette
    response.
    """

    def __init__(self, ssl_certfile: str | None = None, ssl_keyfile: str | None = None) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["GET", "POST"])])
        super().__init__(app, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)

    def recorded(self, path: str) -> list[Recorded]:
        """Return the requests received on ``path``, oldest first."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    async def _endpoint(self, request: Request) -> Response:
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            headers={key.lower(): value for key, value in request.headers.items()},
            body=await request.body(),
        )
        with self._lock:
            self.requests.append(recorded)
        return await self.handle(recorded, request)

    async def handle(self, recorded: Recorded, request: Request) -> Response:
        """Return the response to one request."""
        raise NotImplementedError
