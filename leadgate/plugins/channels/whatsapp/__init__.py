"""The built-in ``whatsapp`` channel plugin: Meta's Cloud API or the Green-API gateway.

The bundle section's ``transport`` picks the implementation; both store the
client's WhatsApp number (without ``+``) as the user id.
"""

from __future__ import annotations

from leadgate import hookimpl
from leadgate.core.components import (
    CHANNEL_ID,
    MESSAGE_TEXT,
    PHONE,
    Channel,
    ComponentContext,
    ComponentSpec,
)
from leadgate.core.hookspecs import Register
from leadgate.plugins.channels.whatsapp.cloud import WhatsAppCloudChannel
from leadgate.plugins.channels.whatsapp.greenapi import GreenApiChannel
from leadgate.plugins.channels.whatsapp.settings import (
    SCHEMA,
    cloud_settings,
    greenapi_settings,
    transport,
)


def create_channel(context: ComponentContext) -> Channel:
    """Build the channel of the configured transport."""
    if transport(context.config) == "greenapi":
        locale = getattr(getattr(context.bundle, "business", None), "locale", "ru")
        return GreenApiChannel(greenapi_settings(context.config), context.services, locale)
    return WhatsAppCloudChannel(cloud_settings(context.config), context.services, context.bundle)


@hookimpl
def leadgate_register_channels(register: Register) -> None:
    """Register the ``whatsapp`` channel."""
    register(
        ComponentSpec(
            kind="channel",
            name="whatsapp",
            factory=create_channel,
            schema=SCHEMA,
            # The user id is the client's phone number.
            reads=frozenset({CHANNEL_ID, MESSAGE_TEXT, PHONE}),
            writes=frozenset({CHANNEL_ID, MESSAGE_TEXT, PHONE}),
            # Meta's and Green-API's servers are abroad, but the client chose this
            # messenger to write to the business. Data-location rules govern what
            # leadgate chooses (the answerer and the CRM), not the client's channel.
            location="local",
            description="WhatsApp: Meta Cloud API (transport: cloud) or Green-API (greenapi)",
        )
    )
