"""The ``telegram`` channel section of a bundle: its schema and typed form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strictyaml import Bool, Enum, Float, Int, Map, Optional, Str

from leadgate.config.envrefs import Secret
from leadgate.errors import ConfigError
from leadgate.locales import text

DEFAULT_API_URL = "https://api.telegram.org"

SCHEMA = Map(
    {
        "bot_token": Secret(),
        Optional("webhook_secret"): Secret(),
        Optional("mode", default="webhook"): Enum(["webhook", "polling"]),
        Optional("allow_groups", default=False): Bool(),
        Optional("api_url", default=DEFAULT_API_URL): Str(),
        Optional("timeout", default=10.0): Float(),
        Optional("poll_timeout", default=30): Int(),
    }
)
"""Bundle section, for example::

    telegram:
      bot_token: ${TELEGRAM_BOT_TOKEN}
      webhook_secret: ${TELEGRAM_WEBHOOK_SECRET}
"""

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
"""The update types the channel handles; sent as ``allowed_updates`` to Telegram."""

GROUP_UPDATES = ("channel_post", "edited_channel_post")


@dataclass(frozen=True)
class TelegramSettings:
    """The validated ``telegram`` section.

    ``timeout`` is the HTTP timeout of one Bot API call in seconds; ``poll_timeout``
    is the long-polling wait of one ``getUpdates`` call in seconds.
    """

    bot_token: str
    webhook_secret: str = ""
    mode: str = "webhook"
    allow_groups: bool = False
    api_url: str = DEFAULT_API_URL
    timeout: float = 10.0
    poll_timeout: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TelegramSettings:
        """Build the settings from a validated section; raise ``ConfigError`` on gaps."""
        settings = cls(
            bot_token=str(config.get("bot_token", "")),
            webhook_secret=str(config.get("webhook_secret", "") or ""),
            mode=str(config.get("mode", "webhook")),
            allow_groups=bool(config.get("allow_groups", False)),
            api_url=str(config.get("api_url", DEFAULT_API_URL)).rstrip("/"),
            timeout=float(config.get("timeout", 10.0)),
            poll_timeout=int(config.get("poll_timeout", 30)),
        )
        if not settings.bot_token:
            raise ConfigError(
                text("channels.missing_key", None, channel="telegram", key="bot_token"),
                key="bot_token",
            )
        if settings.mode == "webhook" and not settings.webhook_secret:
            raise ConfigError(text("channels.telegram_missing_secret", None), key="webhook_secret")
        return settings

    @property
    def allowed_updates(self) -> list[str]:
        """The update types to request from Telegram for this section."""
        extra = GROUP_UPDATES if self.allow_groups else ()
        return [*ALLOWED_UPDATES, *extra]
