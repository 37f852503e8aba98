"""The ``amocrm`` CRM: leads with embedded contacts in amoCRM, through API v4 and OAuth 2.0.

Bundle section (``crm.settings``)::

    subdomain: salon                         # salon.amocrm.ru; or base_url: https://...
    client_id: ${AMOCRM_CLIENT_ID}           # the integration's id
    client_secret: ${AMOCRM_CLIENT_SECRET}
    redirect_uri: https://salon.example.ru/amocrm
    auth_code: ${AMOCRM_AUTH_CODE}           # or refresh_token: ${AMOCRM_REFRESH_TOKEN}
    idempotency_field_id: 1234567            # a text field of leads, for the lead key
    lead_fields:                             # our field -> custom field id of leads
      service: 1234568
      visit_at: 1234569
    pipeline_id: 7000000                     # optional, like status_id and
    status_id: 7000001                       # responsible_user_id
    title: "Запись: {service}"
    erased_status_id: 143                    # where erasure moves a lead
    timeout: 10

amoCRM keeps accounts on amocrm.ru in Russia, so the spec declares ``location="ru"``
(the international Kommo service at kommo.com does not; such a ``base_url`` must be
recorded as abroad in the processing register by the operator).
"""

from __future__ import annotations

from typing import Any

from strictyaml import Float, Int, Map, Optional, Regex, Str

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
from leadgate.core.secrets import SecretStore
from leadgate.errors import ConfigError
from leadgate.locales import resolve_locale, text
from leadgate.plugins.crm.amocrm.tokens import OAuthSettings, TokenManager
from leadgate.plugins.crm.amocrm.writer import DEFAULT_TITLE, AmoCRM, AmoSettings
from leadgate.plugins.crm.mapping import LEAD_FIELDS, check_listed, is_secure_url, template_fields

__all__ = ["SCHEMA", "AmoCRM", "create", "leadgate_register_crms"]

CONSTANT_KEYS = ("pipeline_id", "status_id", "responsible_user_id")

SCHEMA = Map(
    {
        Optional("subdomain"): Regex(r"[a-z0-9][a-z0-9-]{0,62}"),
        Optional("base_url"): Str(),
        "client_id": Str(),
        "client_secret": Secret(),
        "redirect_uri": Str(),
        Optional("auth_code"): Secret(),
        Optional("refresh_token"): Secret(),
        "idempotency_field_id": Int(),
        Optional("lead_fields"): Map({Optional(name): Int() for name in LEAD_FIELDS}),
        **{Optional(key): Int() for key in CONSTANT_KEYS},
        Optional("title"): Str(),
        Optional("erased_status_id"): Int(),
        Optional("timeout"): Float(),
    }
)
"""The strictyaml schema of the ``amocrm`` settings section."""


def create(context: ComponentContext) -> AmoCRM:
    """Build the CRM from its validated section; raise ``ConfigError`` on a bad value."""
    settings = settings_from(context)
    oauth = oauth_from(context, settings.locale)
    tokens = None
    services = context.services
    if services is not None:
        store = SecretStore(services.database, services.keyring)
        tokens = TokenManager(store, f"amocrm:{context.bundle.name}:{settings.base_url}", oauth)
    return AmoCRM(settings, tokens, services)


def settings_from(context: ComponentContext) -> AmoSettings:
    """Check the section against the bundle and fill in the defaults."""
    config = context.config
    locale = resolve_locale(getattr(context.bundle.business, "locale", None))
    bundle_fields = tuple(context.bundle.crm.fields)

    base_url = _base_url(config, locale)
    if not config.get("idempotency_field_id"):
        raise ConfigError(
            text("crm.amocrm_idempotency_field_missing", locale), key="idempotency_field_id"
        )

    lead_fields = {name: int(value) for name, value in (config.get("lead_fields") or {}).items()}
    check_listed("amocrm", lead_fields, bundle_fields, locale, "lead_fields")
    title = str(config.get("title") or DEFAULT_TITLE)
    if "title" in config:
        check_listed("amocrm", template_fields(title), bundle_fields, locale, "title")

    return AmoSettings(
        base_url=base_url,
        bundle_fields=bundle_fields,
        idempotency_field_id=int(config["idempotency_field_id"]),
        lead_fields=lead_fields,
        constants={key: int(config[key]) for key in CONSTANT_KEYS if config.get(key)},
        title=title,
        erased_status_id=int(config.get("erased_status_id") or 143),
        timeout=float(config.get("timeout") or 10.0),
        locale=locale,
    )


def oauth_from(context: ComponentContext, locale: str) -> OAuthSettings:
    """Read the integration's credentials; at least one grant must be present."""
    config = context.config
    auth_code = str(config.get("auth_code") or "").strip()
    refresh_token = str(config.get("refresh_token") or "").strip()
    if not auth_code and not refresh_token:
        raise ConfigError(text("crm.amocrm_credentials_missing", locale), key="auth_code")
    for key in ("client_id", "client_secret", "redirect_uri"):
        if not str(config.get(key) or "").strip():
            raise ConfigError(
                text("crm.setting_missing", locale, crm="amocrm", key=key, hint=""), key=key
            )
    return OAuthSettings(
        client_id=str(config["client_id"]).strip(),
        client_secret=str(config["client_secret"]).strip(),
        redirect_uri=str(config["redirect_uri"]).strip(),
        auth_code=auth_code,
        refresh_token=refresh_token,
        locale=locale,
    )


def _base_url(config: Any, locale: str) -> str:
    if config.get("base_url"):
        base_url = str(config["base_url"]).strip().rstrip("/")
        if not is_secure_url(base_url):
            raise ConfigError(
                text("crm.setting_insecure", locale, crm="amocrm", key="base_url"),
                key="base_url",
                value=base_url,
            )
        return base_url
    if config.get("subdomain"):
        return f"https://{config['subdomain']}.amocrm.ru"
    raise ConfigError(text("crm.amocrm_address_missing", locale), key="subdomain")


@leadgate.hookimpl
def leadgate_register_crms(register: Register) -> None:
    """Register the ``amocrm`` CRM."""
    register(
        ComponentSpec(
            kind="crm",
            name="amocrm",
            factory=create,
            schema=SCHEMA,
            reads=frozenset(),
            writes=frozenset({NAME, PHONE, EMAIL, MESSAGE_TEXT}),
            location="ru",
            description="amoCRM leads and contacts through API v4 with OAuth 2.0",
        )
    )
