"""The built-in ``instagram`` channel plugin (Instagram Messaging through the Graph API)."""

from __future__ import annotations

from leadgate import hookimpl
from leadgate.core.components import CHANNEL_ID, MESSAGE_TEXT, ComponentContext, ComponentSpec
from leadgate.core.hookspecs import Register
from leadgate.plugins.channels.instagram.channel import SCHEMA, InstagramChannel, InstagramSettings


def create_channel(context: ComponentContext) -> InstagramChannel:
    """Build the channel from its bundle section."""
    locale = getattr(getattr(context.bundle, "business", None), "locale", "ru")
    return InstagramChannel(InstagramSettings.from_config(context.config), context.services, locale)


@hookimpl
def leadgate_register_channels(register: Register) -> None:
    """Register the ``instagram`` channel."""
    register(
        ComponentSpec(
            kind="channel",
            name="instagram",
            factory=create_channel,
            schema=SCHEMA,
            reads=frozenset({CHANNEL_ID, MESSAGE_TEXT}),
            writes=frozenset({CHANNEL_ID, MESSAGE_TEXT}),
            # Meta's servers are abroad, but the client chose this messenger to write to
            # the business. Data-location rules govern what leadgate chooses (the
            # answerer and the CRM), not the client's own channel.
            location="local",
            description="Instagram Direct (Instagram Messaging, Graph API)",
        )
    )
