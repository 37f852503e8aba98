"""The ``whatsapp`` channel section: one schema for both transports.

``transport: cloud`` (the default) uses Meta's WhatsApp Cloud API;
``transport: greenapi`` uses the Green-API gateway. Each transport needs its own keys,
which :func:`cloud_settings` and :func:`greenapi_settings` check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strictyaml import Enum, Float, Map, Optional, Str

from leadgate.config.envrefs import Secret
from leadgate.errors import ConfigError
from leadgate.locales import text

GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "v21.0"
GREENAPI_URL = "https://api.green-api.com"

SCHEMA = Map(
    {
        Optional("transport", default="cloud"): Enum(["cloud", "greenapi"]),
        # Cloud API
        Optional("access_token"): Secret(),
        Optional("app_secret"): Secret(),
        Optional("verify_token"): Secret(),
        Optional("phone_number_id"): Str(),
        Optional("api_version", default=GRAPH_API_VERSION): Str(),
        Optional("template_language", default="ru"): Str(),
        # Green-API
        Optional("id_instance"): Str(),
        Optional("api_token"): Secret(),
        Optional("webhook_token"): Secret(),
        Optional("buttons", default="interactive"): Enum(["interactive", "text"]),
        # Both
        Optional("api_url"): Str(),
        Optional("timeout", default=10.0): Float(),
    }
)
"""Bundle section, for example::

    whatsapp:
      access_token: ${WHATSAPP_ACCESS_TOKEN}
      app_secret: ${WHATSAPP_APP_SECRET}
      verify_token: ${WHATSAPP_VERIFY_TOKEN}
      phone_number_id: "123456789012345"
"""


@dataclass(frozen=True)
class CloudSettings:
    """Cloud API keys: Graph token, app secret for signatures, verify token, sender."""

    access_token: str
    app_secret: str
    verify_token: str
    phone_number_id: str
    api_url: str = GRAPH_API_URL
    api_version: str = GRAPH_API_VERSION
    template_language: str = "ru"
    timeout: float = 10.0


@dataclass(frozen=True)
class GreenApiSettings:
    """Green-API keys: instance id, API token and the token its webhooks carry.

    ``buttons`` is ``interactive`` for reply buttons (Green-API's beta
    ``sendInteractiveButtonsReply``) or ``text`` for numbered lines.
    """

    id_instance: str
    api_token: str
    webhook_token: str
    api_url: str = GREENAPI_URL
    buttons: str = "interactive"
    timeout: float = 10.0


def transport(config: Mapping[str, Any]) -> str:
    """Return the configured transport name."""
    return str(config.get("transport", "cloud"))


def _required(config: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    values = {key: str(config.get(key) or "") for key in keys}
    for key, value in values.items():
        if not value:
            raise ConfigError(
                text("channels.missing_key", None, channel="whatsapp", key=key), key=key
            )
    return values


def cloud_settings(config: Mapping[str, Any]) -> CloudSettings:
    """Build Cloud API settings; raise ``ConfigError`` naming a missing key."""
    keys = _required(config, ("access_token", "app_secret", "verify_token", "phone_number_id"))
    return CloudSettings(
        **keys,
        api_url=str(config.get("api_url") or GRAPH_API_URL).rstrip("/"),
        api_version=str(config.get("api_version") or GRAPH_API_VERSION),
        template_language=str(config.get("template_language") or "ru"),
        timeout=float(config.get("timeout", 10.0)),
    )


def greenapi_settings(config: Mapping[str, Any]) -> GreenApiSettings:
    """Build Green-API settings; raise ``ConfigError`` naming a missing key."""
    keys = _required(config, ("id_instance", "api_token", "webhook_token"))
    return GreenApiSettings(
        **keys,
        api_url=str(config.get("api_url") or GREENAPI_URL).rstrip("/"),
        buttons=str(config.get("buttons", "interactive")),
        timeout=float(config.get("timeout", 10.0)),
    )
