"""The built-in ``telegram`` channel plugin (Telegram Bot API).

It registers the channel and adds ``leadgate webhook set telegram BUNDLE --url URL``,
which points the bot's webhook at the service with a fresh secret token.
"""

from __future__ import annotations

import argparse

from leadgate import hookimpl
from leadgate.core.components import (
    CHANNEL_ID,
    MESSAGE_TEXT,
    PHONE,
    ComponentContext,
    ComponentSpec,
)
from leadgate.core.hookspecs import Register
from leadgate.plugins.channels.telegram.channel import TelegramChannel
from leadgate.plugins.channels.telegram.settings import SCHEMA, TelegramSettings


def create_channel(context: ComponentContext) -> TelegramChannel:
    """Build the channel from its bundle section."""
    settings = TelegramSettings.from_config(context.config)
    locale = getattr(getattr(context.bundle, "business", None), "locale", "ru")
    return TelegramChannel(settings, context.services, locale=locale)


@hookimpl
def leadgate_register_channels(register: Register) -> None:
    """Register the ``telegram`` channel."""
    register(
        ComponentSpec(
            kind="channel",
            name="telegram",
            factory=create_channel,
            schema=SCHEMA,
            reads=frozenset({CHANNEL_ID, MESSAGE_TEXT, PHONE}),
            writes=frozenset({CHANNEL_ID, MESSAGE_TEXT}),
            # Telegram's servers are abroad, but the client chose this messenger to
            # write to the business. Data-location rules govern what leadgate
            # chooses (the answerer and the CRM), not the client's own channel.
            location="local",
            description="Telegram bot (Bot API): webhook or long polling",
        )
    )


@hookimpl
def leadgate_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``leadgate webhook``."""
    from leadgate.plugins.channels.telegram.cli import add_parser

    add_parser(subparsers)
