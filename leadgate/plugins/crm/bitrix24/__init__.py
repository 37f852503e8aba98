"""The ``bitrix24`` CRM: leads and contacts in a Bitrix24 portal, through a webhook.

Bundle section (``crm.settings``)::

    webhook_url: ${BITRIX24_WEBHOOK_URL}   # https://<portal>/rest/<user>/<code>/
    lead_fields:                           # our field -> Bitrix24 lead field
      service: UF_CRM_1700000000
      visit_at: UF_CRM_1700000001
      price: OPPORTUNITY
    constants:                             # written into every lead as they are
      SOURCE_ID: WEB
      ASSIGNED_BY_ID: "1"
    title: "Запись: {service}, {visit_at}"  # placeholders: fields from crm.fields
    timeout: 10                            # seconds per request

The portal of Bitrix24 cloud keeps its data in Russia, so the spec declares
``location="ru"``. An on-premise Bitrix24 (the "box" edition) keeps it wherever it is
installed. The spec is static, so an operator of a foreign installation records that
in the processing register.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from strictyaml import Float, Map, MapPattern, Optional, Regex, Str

import leadgate
from leadgate.config.envrefs import Secret
from leadgate.core.components import (
    EMAIL,
    MESSAGE_TEXT,
    NAME,
    PHONE,
    ComponentContext,
    ComponentSpec,
)
from leadgate.core.hookspecs import Register
from leadgate.errors import ConfigError
from leadgate.locales import resolve_locale, text
from leadgate.plugins.crm.bitrix24.client import WEBHOOK_PATH
from leadgate.plugins.crm.bitrix24.writer import (
    DEFAULT_LEAD_FIELDS,
    DEFAULT_TITLE,
    Bitrix24CRM,
    Bitrix24Settings,
)
from leadgate.plugins.crm.mapping import LEAD_FIELDS, check_listed, is_secure_url, template_fields

__all__ = ["SCHEMA", "Bitrix24CRM", "create", "leadgate_register_crms"]

_BITRIX_FIELD = Regex(r"[A-Z][A-Z0-9_]*")

SCHEMA = Map(
    {
        "webhook_url": Secret(),
        Optional("lead_fields"): Map({Optional(name): _BITRIX_FIELD for name in LEAD_FIELDS}),
        Optional("constants"): MapPattern(_BITRIX_FIELD, Str()),
        Optional("title"): Str(),
        Optional("timeout"): Float(),
    }
)
"""The strictyaml schema of the ``bitrix24`` settings section."""


def create(context: ComponentContext) -> Bitrix24CRM:
    """Build the CRM from its validated section; raise ``ConfigError`` on a bad value."""
    return Bitrix24CRM(settings_from(context), context.services)


def settings_from(context: ComponentContext) -> Bitrix24Settings:
    """Check the section against the bundle and fill in the defaults."""
    config = context.config
    bundle_fields = tuple(context.bundle.crm.fields)
    locale = resolve_locale(getattr(context.bundle.business, "locale", None))

    webhook_url = str(config.get("webhook_url") or "").strip()
    if not webhook_url:
        raise ConfigError(
            text("crm.setting_missing", locale, crm="bitrix24", key="webhook_url", hint=""),
            key="webhook_url",
        )
    if not webhook_url.endswith("/"):
        webhook_url += "/"
    # The URL contains the webhook code, a password, so errors name the key, not the value.
    if not WEBHOOK_PATH.match(urlsplit(webhook_url).path):
        raise ConfigError(text("crm.bitrix24_webhook_invalid", locale), key="webhook_url")
    if not is_secure_url(webhook_url):
        raise ConfigError(
            text("crm.setting_insecure", locale, crm="bitrix24", key="webhook_url"),
            key="webhook_url",
        )

    explicit = dict(config.get("lead_fields") or {})
    check_listed("bitrix24", explicit, bundle_fields, locale, key="lead_fields")
    title = str(config.get("title") or DEFAULT_TITLE)
    if "title" in config:
        check_listed(
            "bitrix24",
            template_fields(title),
            bundle_fields,
            locale,
            "title",
        )

    return Bitrix24Settings(
        webhook_url=webhook_url,
        bundle_fields=bundle_fields,
        lead_fields={**DEFAULT_LEAD_FIELDS, **explicit},
        constants={key: str(value) for key, value in (config.get("constants") or {}).items()},
        title=title,
        timeout=float(config.get("timeout") or 10.0),
        locale=locale,
    )


@leadgate.hookimpl
def leadgate_register_crms(register: Register) -> None:
    """Register the ``bitrix24`` CRM."""
    register(
        ComponentSpec(
            kind="crm",
            name="bitrix24",
            factory=create,
            schema=SCHEMA,
            reads=frozenset(),
            writes=frozenset({NAME, PHONE, EMAIL, MESSAGE_TEXT}),
            location="ru",
            description="Bitrix24 leads and contacts through an inbound webhook",
        )
    )
