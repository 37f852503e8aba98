"""A small threaded HTTP server on 127.0.0.1 that the CRM fakes build on.

Each fake subclasses :class:`FakeServer` and implements :meth:`FakeServer.handle`.
``delays`` slows requests of one name down, to widen a race on purpose. The server records every request in ``calls`` and can be told to fail the next
matching request (``fail_next``): answer with a given status and body, drop the
connection before doing anything, or do the work and then drop the response, which
is how a client sees a response lost on the way back.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body or b"null")


@dataclass
class Response:
    """What the fake sends back."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, **headers: str) -> Response:
        """Build a JSON response."""
        return cls(status, json.dumps(payload, ensure_ascii=False).encode(), headers=headers)


@dataclass
class Fault:
    """A failure injected into the next request whose ``name`` matches.

    ``drop="before"`` closes the connection without doing the work; ``"after"`` does
    the work and then closes it, so the client never sees the answer.
    """

    name: str
    response: Response | None = None
    drop: str = ""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        response = self.server.fake.dispatch(request)
        if response is None:
            self.close_connection = True
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer


class FakeServer:
    """A fake HTTP service on 127.0.0.1 with a random port, run in a thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Request]] = []
        self.faults: list[Fault] = []
        self.delays: dict[str, float] = {}
        self.lock = threading.RLock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def fail_next(self, name: str, response: Response | None = None, drop: str = "") -> None:
        """Make the next request called ``name`` fail as described by :class:`Fault`."""
        with self.lock:
            self.faults.append(Fault(name, response, drop))

    def names(self) -> list[str]:
        """Return the names of the requests received so far, in order."""
        with self.lock:
            return [name for name, _ in self.calls]

    def dispatch(self, request: Request) -> Response | None:
        """Record the request, apply a pending fault, else let the fake handle it."""
        name = self.name_of(request)
        if name in self.delays:
            # Outside the lock, so concurrent requests overlap as they would for real.
            time.sleep(self.delays[name])
        with self.lock:
            self.calls.append((name, request))
            fault = next((item for item in self.faults if item.name == name), None)
            if fault is not None:
                self.faults.remove(fault)
            if fault is not None and fault.drop == "before":
                return None
            if fault is not None and fault.response is not None:
                return fault.response
            response = self.handle(name, request)
            if fault is not None and fault.drop == "after":
                return None
            return response

    def name_of(self, request: Request) -> str:
        """Return the name faults and ``names()`` use for a request."""
        return f"{request.method} {request.path}"

    def handle(self, name: str, request: Request) -> Response:
        """Serve one request; called with ``self.lock`` held."""
        raise NotImplementedError
