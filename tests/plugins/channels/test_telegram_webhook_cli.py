"""Tests of ``leadgate webhook set|info|delete telegram`` against a fake Bot API."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values

from leadgate.core.cli import main

from fakes.telegram_api import TelegramApiFake, error

TOKEN = "123456:CLI-test-token"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "salon" / "leadgate.yaml"


@pytest.fixture
def fake() -> Iterator[TelegramApiFake]:
    with TelegramApiFake(token=TOKEN) as server:
        yield server


@pytest.fixture
def bundle(tmp_path: Path, fake: TelegramApiFake, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The salon example with a telegram section that talks to the fake."""
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    folder = tmp_path / "salon"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "leadgate.yaml")
    write_section(folder, fake.url, "webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}")
    (folder / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    return folder


def write_section(folder: Path, api_url: str, extra: str) -> None:
    (folder / "leadgate.local.yaml").write_text(
        "channels:\n"
        "  telegram:\n"
        "    bot_token: ${TELEGRAM_BOT_TOKEN}\n"
        f"    api_url: {api_url}\n"
        f"    {extra}\n",
        encoding="utf-8",
    )


def env_values(folder: Path) -> dict[str, str | None]:
    return dotenv_values(folder / ".env")


def test_set_generates_secret_and_registers_it(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["webhook", "set", "telegram", str(bundle), "--url", "https://bot.salon.example"])

    output = capsys.readouterr()
    secret = env_values(bundle)["TELEGRAM_WEBHOOK_SECRET"]
    (call,) = fake.sent("setWebhook")
    assert status == 0
    assert secret and len(secret) >= 32
    assert call["url"] == "https://bot.salon.example/webhooks/telegram/salon"
    assert call["secret_token"] == secret
    assert call["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert "TELEGRAM_WEBHOOK_SECRET" in output.out
    assert secret not in output.out + output.err
    assert TOKEN not in output.out + output.err


def test_set_reuses_existing_secret(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    with (bundle / ".env").open("a", encoding="utf-8") as env_file:
        env_file.write("TELEGRAM_WEBHOOK_SECRET=already-set_secret\n")

    status = main(
        ["webhook", "set", "telegram", str(bundle), "--url", "https://bot.salon.example/"]
    )

    assert status == 0
    assert fake.sent("setWebhook")[0]["secret_token"] == "already-set_secret"
    assert env_values(bundle)["TELEGRAM_WEBHOOK_SECRET"] == "already-set_secret"
    assert ".env" not in capsys.readouterr().out


def test_set_new_secret_replaces_existing(bundle: Path, fake: TelegramApiFake) -> None:
    with (bundle / ".env").open("a", encoding="utf-8") as env_file:
        env_file.write("TELEGRAM_WEBHOOK_SECRET=old-secret\n")

    status = main(
        [
            "webhook",
            "set",
            "telegram",
            str(bundle),
            "--url",
            "https://bot.salon.example",
            "--new-secret",
        ]
    )

    new_secret = env_values(bundle)["TELEGRAM_WEBHOOK_SECRET"]
    assert status == 0
    assert new_secret != "old-secret"
    assert fake.sent("setWebhook")[0]["secret_token"] == new_secret
    assert env_values(bundle)["TELEGRAM_BOT_TOKEN"] == TOKEN


def test_set_keeps_full_webhook_url(bundle: Path, fake: TelegramApiFake) -> None:
    url = "https://bot.salon.example/webhooks/telegram/salon"

    main(["webhook", "set", "telegram", str(bundle), "--url", url])

    assert fake.sent("setWebhook")[0]["url"] == url


def test_set_asks_for_group_updates_when_allowed(bundle: Path, fake: TelegramApiFake) -> None:
    write_section(
        bundle, fake.url, "webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}\n    allow_groups: yes"
    )

    main(["webhook", "set", "telegram", str(bundle), "--url", "https://bot.salon.example"])

    assert "channel_post" in fake.sent("setWebhook")[0]["allowed_updates"]


def test_set_rejects_plain_http_url(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["webhook", "set", "telegram", str(bundle), "--url", "http://bot.salon.example"])

    assert status == 1
    assert "https://" in capsys.readouterr().err
    assert fake.calls == []


def test_set_without_secret_reference_says_what_to_add(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    write_section(bundle, fake.url, "mode: polling")

    status = main(["webhook", "set", "telegram", str(bundle), "--url", "https://bot.salon.example"])

    assert status == 1
    assert "webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}" in capsys.readouterr().err
    assert fake.calls == []


def test_set_refuses_to_shadow_process_environment(
    bundle: Path,
    fake: TelegramApiFake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "from-environment")

    status = main(
        [
            "webhook",
            "set",
            "telegram",
            str(bundle),
            "--url",
            "https://bot.salon.example",
            "--new-secret",
        ]
    )

    assert status == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err
    assert fake.calls == []


def test_set_reports_telegram_error_without_token(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next("setWebhook", error(400, "Bad Request: bad webhook: Failed to resolve host"))

    status = main(["webhook", "set", "telegram", str(bundle), "--url", "https://bot.salon.example"])

    output = capsys.readouterr()
    assert status == 1
    assert "Failed to resolve host" in output.err
    assert TOKEN not in output.out + output.err


def test_info_prints_current_webhook(
    bundle: Path, fake: TelegramApiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    write_section(bundle, fake.url, "mode: polling")
    fake.webhook = {"url": "https://bot.salon.example/webhooks/telegram/salon"}

    status = main(["webhook", "info", "telegram", str(bundle)])

    assert status == 0
    assert "https://bot.salon.example/webhooks/telegram/salon" in capsys.readouterr().out


def test_delete_removes_webhook(bundle: Path, fake: TelegramApiFake) -> None:
    write_section(bundle, fake.url, "mode: polling")
    fake.webhook = {"url": "https://bot.salon.example/webhooks/telegram/salon"}

    status = main(["webhook", "delete", "telegram", str(bundle)])

    assert status == 0
    assert fake.names() == ["deleteWebhook"]
    assert fake.webhook == {"url": ""}
