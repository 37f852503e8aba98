"""The service-side commands as an owner runs them: run, chat, leads, plugins, outbox."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from leadgate.core.cli import main
from leadgate.core.store.tables import AccessEntry

from harness import Harness, copy_template
from livesrv import free_port

# Every day open, so that «завтра в 18:30» is bookable whatever day the test runs.
ALWAYS_OPEN = """dialogue:
  hours: {mon: "09:00-21:00", tue: "09:00-21:00", wed: "09:00-21:00", thu: "09:00-21:00",
          fri: "09:00-21:00", sat: "09:00-21:00", sun: "09:00-21:00"}
"""


def _leadgate(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadgate", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_chat_command_completes_booking(tmp_path: Path) -> None:
    bundle = copy_template(tmp_path, local_yaml=ALWAYS_OPEN)
    lines = [
        "Здравствуйте, хочу записаться на маникюр",
        "1",
        "завтра в 18:30",
        "Анна",
        "8 913 000-00-01",
        "1",
        "",
    ]

    result = _leadgate("chat", str(bundle), stdin="\n".join(lines) + "\n")

    assert result.returncode == 0, result.stderr
    assert "Согласен" in result.stdout
    assert "Вы записаны" in result.stdout
    listing = _leadgate("leads", str(bundle))
    assert "+7 *** ***-**-01" in listing.stdout
    assert "Анна" not in listing.stdout


def test_leads_reveal_writes_access_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = copy_template(tmp_path)
    harness = Harness(bundle)
    asyncio.run(harness.book())
    harness.close()
    os.environ["LEADGATE_DATA_DIR"] = str(bundle / "data")
    try:
        refused = main(["leads", str(bundle), "--reveal"])
        refused_output = capsys.readouterr().err
        shown = main(
            [
                "leads",
                str(bundle),
                "--reveal",
                "--reason",
                "перезвонить клиенту",
                "--actor",
                "Администратор",
            ]
        )
        shown_output = capsys.readouterr().out
    finally:
        del os.environ["LEADGATE_DATA_DIR"]

    assert refused == 1
    assert "--reason" in refused_output
    assert shown == 0
    assert "+79130000001" in shown_output
    harness = Harness(bundle)
    with harness.runtime.services.database.session() as session:
        entries = session.exec(select(AccessEntry)).all()
    harness.close()
    assert len(entries) == 1
    assert entries[0].actor == "Администратор"
    assert entries[0].reason == "перезвонить клиенту"
    assert entries[0].action == "reveal"
    assert "phone" in entries[0].fields


def test_run_prints_chat_address_and_serves(tmp_path: Path) -> None:
    bundle = copy_template(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "leadgate", "run", str(bundle), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        first_lines = _lines_until(process, "/chat")
        page = _get_when_up(f"http://127.0.0.1:{port}/chat")
        policy = httpx.get(f"http://127.0.0.1:{port}/policy")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)

    output = "".join(first_lines)
    assert f"http://127.0.0.1:{port}/chat" in output
    assert "keys.json" in output
    assert page.status_code == 200
    assert "Салон красоты «Ромашка»" in page.text
    assert "ИНН 246512345602" in policy.text


def _lines_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    lines: list[str] = []
    while len(lines) < 50:
        line = process.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        if not line or marker in line:
            break
    return lines


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_run_refuses_half_tls_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = copy_template(tmp_path)

    status = main(["run", str(bundle), "--ssl-certfile", str(tmp_path / "cert.pem")])

    assert status == 1
    assert "--ssl-keyfile" in capsys.readouterr().err


def test_plugins_lists_builtin_components(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["plugins"])

    output = capsys.readouterr().out
    assert status == 0
    assert "leadgate.plugins.channels.webchat" in output
    assert "leadgate_register_channels" in output
    for component in ("webchat", "scripted", "local"):
        assert component in output


def test_outbox_lists_and_retries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = copy_template(tmp_path)
    harness = Harness(bundle)
    asyncio.run(harness.say("привет"))
    harness.close()
    os.environ["LEADGATE_DATA_DIR"] = str(bundle / "data")
    try:
        empty = main(["outbox", str(bundle)])
        empty_output = capsys.readouterr().out
        no_target = main(["outbox", str(bundle), "retry"])
    finally:
        del os.environ["LEADGATE_DATA_DIR"]

    assert empty == 0
    assert "пуста" in empty_output
    assert no_target == 1


def test_run_refuses_busy_port_before_announcing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    bundle = copy_template(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        status = main(["run", str(bundle), "--port", str(port)])

    captured = capsys.readouterr()
    assert status == 1
    assert f"--port {port + 1}" in captured.err
    assert "/chat" not in captured.out


def test_leads_of_new_bundle_says_none_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = copy_template(tmp_path)

    status = main(["leads", str(bundle)])

    assert status == 0
    assert "Заявок пока нет" in capsys.readouterr().out


def test_outbox_retry_of_unknown_item_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = copy_template(tmp_path)
    harness = Harness(bundle)
    asyncio.run(harness.say("привет"))
    harness.close()
    os.environ["LEADGATE_DATA_DIR"] = str(bundle / "data")
    try:
        status = main(["outbox", str(bundle), "retry", "999"])
    finally:
        del os.environ["LEADGATE_DATA_DIR"]

    assert status == 1
    assert "999" in capsys.readouterr().err


def test_argparse_errors_are_russian(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["init", "barber", "/tmp/never-created"])

    error = capsys.readouterr().err
    assert "недопустимое значение 'barber'" in error
    assert "использование:" in error
