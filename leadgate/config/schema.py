"""The strictyaml schema of a bundle's own sections, and the values they allow.

Only structure and types live here. Checks that need more than one value or a
registry (durations, INN checksum, time zones, data locations, consent contents) run
in ``leadgate.config.checks`` and ``leadgate.config.consent_law`` afterwards, with
their own messages. Component sections (``channels.*``, ``answerer.settings``,
``crm.settings``) are validated by each component's own schema.
"""

from __future__ import annotations

import re

from strictyaml import Any, Bool, Enum, Float, Int, Map, MapPattern, Optional, Seq, Str

from leadgate.config.envrefs import Secret

BUNDLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
"""A bundle name: it appears in URLs and database rows, hence the narrow alphabet."""

TEMPLATES = ("salon", "clinic", "fitness")
LOCATIONS = ("local", "ru", "abroad")
CRM_FIELDS = ("name", "phone", "email", "service", "visit_at", "price", "channel", "comment")
CONSENT_CATEGORIES = (
    "name",
    "phone",
    "email",
    "birth_date",
    "address",
    "channel_id",
    "message_text",
)
REDACTION_CATEGORIES = (
    "phone",
    "email",
    "name",
    "document",
    "card",
    "address",
    "birth_date",
    "health",
)
REDACTION_ACTIONS = ("tokenise", "drop", "withhold")
OPTIONAL_CONSENTS = ("ai", "marketing")
"""Consent types a client must be free to decline without losing the booking."""

RETENTION_DEFAULTS = {
    "enquiry": "30d",
    "transcript": "90d",
    "client": "3y",
    "consent": "3y",
    "destruction": "3y",
}
DEFAULT_LOCATIONS = ("local",)
DEFAULT_CRM_FIELDS = ("name", "phone", "service", "visit_at", "channel")

BUSINESS = Map(
    {
        "name": Str(),
        "operator": Str(),
        "address": Str(),
        "inn": Str(),
        Optional("phone"): Str(),
        "timezone": Str(),
        Optional("locale"): Enum(["ru", "en"]),
        Optional("policy_url"): Str(),
    }
)

CONSENT = Map(
    {
        "version": Str(),
        Optional("required"): Bool(),
        "title": Str(),
        "text": Str(),
        "purposes": Seq(Str()),
        "data": Seq(Str()),
        Optional("processors"): Seq(Str()),
        "validity": Str(),
        "withdrawal": Str(),
    }
)

REDACTION = Map(
    {
        Optional("actions"): Map(
            {Optional(category): Enum(list(REDACTION_ACTIONS)) for category in REDACTION_CATEGORIES}
        ),
        Optional("allow"): Seq(Str()),
        Optional("disabled"): Seq(Str()),
    }
)

ANSWERER = Map(
    {
        "plugin": Str(),
        Optional("timeout"): Str(),
        Optional("settings"): Any(),
    }
)

CRM = Map(
    {
        "plugin": Str(),
        Optional("fields"): Seq(Str()),
        Optional("settings"): Any(),
    }
)

RETENTION = Map({Optional(name): Str() for name in RETENTION_DEFAULTS})

DATA_LOCATIONS = Seq(Str())

SERVICE = Map(
    {
        "name": Str(),
        "price": Int(),
        "duration": Str(),
        Optional("aliases"): Seq(Str()),
        Optional("children"): Bool(),
    }
)

FAQ = Map(
    {
        "question": Str(),
        "answer": Str(),
        Optional("keywords"): Seq(Str()),
    }
)

DIALOGUE = Map(
    {
        Optional("greeting"): Str(),
        Optional("tone"): Str(),
        Optional("slot_minutes"): Int(),
        Optional("booking_days_ahead"): Int(),
        Optional("health_reply"): Str(),
        Optional("for_whom"): Str(),
        # Services and FAQ entries are validated one by one, to report each bad entry.
        "services": Seq(Any()),
        "hours": Map({day: Str() for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}),
        Optional("faq"): Seq(Any()),
    }
)

GATEWAY = Map(
    {
        "upstream_url": Str(),
        Optional("upstream_key"): Secret(),
        "api_keys": Seq(Secret()),
        Optional("model"): Str(),
        Optional("timeout"): Float(),
        "location": Str(),
    }
)

WHATSAPP_TEMPLATES = MapPattern(Str(), Str())

SECTIONS = {
    "name": (Str(), False),
    "template": (Str(), False),
    "business": (BUSINESS, True),
    "channels": (MapPattern(Str(), Any()), True),
    "consents": (MapPattern(Str(), Any()), True),
    "redaction": (REDACTION, False),
    "answerer": (ANSWERER, True),
    "crm": (CRM, True),
    "retention": (RETENTION, False),
    "data_locations": (DATA_LOCATIONS, False),
    "dialogue": (DIALOGUE, True),
    "gateway": (GATEWAY, False),
    "whatsapp_templates": (WHATSAPP_TEMPLATES, False),
}
"""Top-level sections: their schema and whether the section is required."""
