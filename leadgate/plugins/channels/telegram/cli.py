"""``leadgate webhook set|info|delete telegram BUNDLE``: manage the bot's webhook.

``set`` points Telegram at ``<url>/webhooks/telegram/<bundle>`` with a secret token,
so that :meth:`TelegramChannel.verify` can tell Telegram's requests from anyone
else's. The secret lives in the variable the bundle's ``webhook_secret`` refers to
(``${TELEGRAM_WEBHOOK_SECRET}``, say). When that variable is not set yet, or with
``--new-secret``, the command generates a secret and writes it into the bundle's
``.env`` before calling Telegram. The bot token is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

import httpx
from dotenv import set_key

from leadgate.config.envrefs import ONLY_REFERENCE, load_environment, referenced_names
from leadgate.config.loader import BUNDLE_FILE, LOCAL_FILE, load_bundle
from leadgate.config.yamltree import Node, merge, parse
from leadgate.errors import ConfigError
from leadgate.locales import text
from leadgate.plugins.channels.telegram.api import BotApi
from leadgate.plugins.channels.telegram.settings import ALLOWED_UPDATES, GROUP_UPDATES

CHANNELS = ("telegram",)
DEFAULT_SECRET_VARIABLE = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 (a variable name)
SECRET_BYTES = 32  # token_urlsafe output uses only A-Z, a-z, 0-9, "_" and "-", as Telegram requires


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``webhook`` with its ``set``, ``info`` and ``delete`` actions."""
    parser = subparsers.add_parser("webhook", help=text("channels.cli_webhook_help"))
    actions = parser.add_subparsers(dest="webhook_action", metavar="ACTION", required=True)

    set_parser = actions.add_parser("set", help=text("channels.cli_set_help"))
    _add_common(set_parser)
    set_parser.add_argument("--url", required=True, help=text("channels.cli_url_help"))
    set_parser.add_argument(
        "--new-secret", action="store_true", help=text("channels.cli_new_secret_help")
    )
    set_parser.set_defaults(handler=set_webhook)

    info_parser = actions.add_parser("info", help=text("channels.cli_info_help"))
    _add_common(info_parser)
    info_parser.set_defaults(handler=webhook_info)

    delete_parser = actions.add_parser("delete", help=text("channels.cli_delete_help"))
    _add_common(delete_parser)
    delete_parser.set_defaults(handler=delete_webhook)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("channel", choices=CHANNELS, help=text("channels.cli_channel_help"))
    parser.add_argument("bundle", help=text("channels.cli_bundle_help"))


# -- Actions ------------------------------------------------------------------------


def set_webhook(args: argparse.Namespace) -> int:
    """Store or reuse the secret, then call ``setWebhook``; print what was done."""
    bundle_dir = _bundle_dir(args.bundle)
    variable = secret_variable(bundle_dir)
    secret, saved_to = _ensure_secret(bundle_dir, variable, renew=args.new_secret)

    bundle = load_bundle(bundle_dir)
    section = _telegram_section(bundle)
    url = webhook_url(args.url, bundle.name)
    allowed = [*ALLOWED_UPDATES, *(GROUP_UPDATES if section.get("allow_groups") else ())]
    payload = {
        "url": url,
        "secret_token": secret,
        "allowed_updates": allowed,
        "drop_pending_updates": False,
    }
    _run(section, "setWebhook", payload)

    print(text("channels.cli_webhook_set", None, url=url, variable=variable))
    if saved_to is not None:
        print(text("channels.cli_secret_saved", None, variable=variable, path=saved_to))
    return 0


def webhook_info(args: argparse.Namespace) -> int:
    """Print the webhook Telegram has for the bot, its backlog and last error."""
    bundle = load_bundle(_bundle_dir(args.bundle))
    info = _run(_telegram_section(bundle), "getWebhookInfo", {}) or {}
    print(
        text(
            "channels.cli_webhook_info",
            None,
            url=info.get("url") or "—",
            pending=info.get("pending_update_count", 0),
            error=info.get("last_error_message") or "—",
        )
    )
    return 0


def delete_webhook(args: argparse.Namespace) -> int:
    """Remove the webhook, for example before switching the section to ``mode: polling``."""
    bundle = load_bundle(_bundle_dir(args.bundle))
    _run(_telegram_section(bundle), "deleteWebhook", {"drop_pending_updates": False})
    print(text("channels.cli_webhook_deleted", None))
    return 0


# -- Steps --------------------------------------------------------------------------


def _bundle_dir(argument: str) -> Path:
    path = Path(argument)
    return path.parent if path.name == BUNDLE_FILE else path


def secret_variable(bundle_dir: Path) -> str:
    """Return the variable that ``channels.telegram.webhook_secret`` refers to.

    Raise ``ConfigError`` when the key is missing or is not one ``${NAME}`` reference.
    """
    tree = _read_tree(bundle_dir)
    node = tree.find(("channels", "telegram", "webhook_secret")) if tree else None
    value = node.value if node is not None else None
    if not isinstance(value, str) or not ONLY_REFERENCE.match(value.strip()):
        raise ConfigError(
            text("channels.cli_no_secret_reference", None, example=DEFAULT_SECRET_VARIABLE),
            file=str(bundle_dir / BUNDLE_FILE),
            line=node.line if node is not None else None,
            key="channels.telegram.webhook_secret",
        )
    return referenced_names(value.strip())[0]


def _read_tree(bundle_dir: Path) -> Node | None:
    tree: Node | None = None
    for name in (BUNDLE_FILE, LOCAL_FILE):
        file = bundle_dir / name
        if file.is_file():
            part = parse(file.read_text(encoding="utf-8"), str(file))
            tree = part if tree is None else merge(tree, part)
    return tree


def _ensure_secret(bundle_dir: Path, variable: str, *, renew: bool) -> tuple[str, Path | None]:
    """Return the secret and the ``.env`` it was written to (``None`` when reused)."""
    current = load_environment(bundle_dir).get(variable, "")
    if current and not renew:
        return current, None
    if variable in os.environ:
        # The process environment wins over .env, so a new value there would be ignored.
        raise ConfigError(text("channels.cli_secret_in_environment", None, variable=variable))

    secret = secrets.token_urlsafe(SECRET_BYTES)
    env_file = bundle_dir / ".env"
    env_file.touch(mode=0o600, exist_ok=True)
    set_key(str(env_file), variable, secret, quote_mode="never")
    return secret, env_file


def _telegram_section(bundle: Any) -> dict[str, Any]:
    choice = bundle.channel("telegram")
    if choice is None:
        raise ConfigError(text("channels.cli_telegram_not_enabled", None, bundle=bundle.name))
    return dict(choice.config)


def webhook_url(base: str, bundle_name: str) -> str:
    """Return the webhook address for ``base``, the service's public HTTPS address."""
    if not base.startswith("https://"):
        raise ConfigError(text("channels.cli_url_not_https", None, url=base), value=base)
    path = f"/webhooks/telegram/{bundle_name}"
    return base if base.rstrip("/").endswith(path) else base.rstrip("/") + path


def _run(section: dict[str, Any], method: str, payload: dict[str, Any]) -> Any:
    api_url = str(section.get("api_url") or "https://api.telegram.org")
    timeout = float(section.get("timeout", 10.0))

    async def call() -> Any:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await BotApi(client, api_url, str(section.get("bot_token", ""))).call(
                method, payload
            )

    return asyncio.run(call())
