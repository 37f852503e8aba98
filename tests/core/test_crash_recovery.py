"""The real service killed with SIGKILL while deliveries are pending, then restarted."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from sqlmodel import select

from leadgate.config.settings import Settings
from leadgate.core.store.engine import Database
from leadgate.core.store.tables import Message, OutboxItem

from harness import copy_template
from livesrv import free_port

SECRET = "crash-test-secret"
CLIENTS = 25

pytestmark = pytest.mark.slow


def _example_installed() -> bool:
    try:
        metadata.distribution("leadgate-example-plugin")
    except metadata.PackageNotFoundError:
        return False
    return True


class _SlowReceiver(BaseHTTPRequestHandler):
    """A reply endpoint that takes a while, so the outbox has work pending at the kill."""

    raw: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        # One request at a time, like a rate-limited provider, so that most replies
        # are still pending when the service is killed.
        with self.lock:
            time.sleep(0.15)
            self.raw[body["id"]] += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    _SlowReceiver.raw = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/replies"
    server.shutdown()
    server.server_close()


def _start(bundle: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "leadgate", "run", str(bundle), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "LEADGATE_DATA_DIR": str(bundle / "data")},
    )  # fmt: skip


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the service did not start")


def _post(url: str, number: int) -> int:
    body = json.dumps({"id": f"m{number}", "user": f"client-{number}", "text": "Здравствуйте"}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = httpx.post(f"{url}/webhooks/jsonhook/salon", content=body, headers={"x-signature": signature})
    return response.status_code


@pytest.mark.skipif(not _example_installed(), reason="install ./examples/plugin (the README test command does)")
def test_sigkill_with_pending_deliveries_loses_and_doubles_nothing(tmp_path: Path, receiver: str) -> None:
    local = f"channels:\n  jsonhook:\n    secret: ${{JSONHOOK_SECRET}}\n    reply_url: {receiver}\n"
    bundle = copy_template(tmp_path, local_yaml=local)
    (bundle / ".env").write_text(f"JSONHOOK_SECRET={SECRET}\n", encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    first = _start(bundle, port)
    _wait_up(url)
    statuses = [_post(url, number) for number in range(CLIENTS)]
    while sum(_SlowReceiver.raw.values()) < 5:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    delivered_before_restart = sum(_SlowReceiver.raw.values())

    second = _start(bundle, port)
    try:
        _wait_up(url)
        database = Database.open(bundle / "data", Settings(data_dir=bundle / "data"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with database.session() as session:
                pending = session.exec(select(OutboxItem).where(OutboxItem.status != "delivered")).all()
                received = session.exec(
                    select(Message).where(Message.direction == "in", Message.status == "received")
                ).all()
            if not pending and not received:
                break
            time.sleep(0.2)
        with database.session() as session:
            outbound = session.exec(select(Message).where(Message.direction == "out")).all()
            items = session.exec(select(OutboxItem)).all()
        database.dispose()
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)

    assert statuses == [200] * CLIENTS
    assert delivered_before_restart < len(outbound)
    assert {item.status for item in items} == {"delivered"}
    assert len(outbound) == 2 * CLIENTS  # a greeting and a consent prompt each
    assert set(_SlowReceiver.raw) == {str(message.id) for message in outbound}
    repeated = [key for key, count in _SlowReceiver.raw.items() if count > 1]
    # Only a reply in flight at the kill may arrive twice, and the receiver can drop
    # it by its id; the outbox delivers at most its claimed batch concurrently.
    assert len(repeated) <= len(outbound) // 2
