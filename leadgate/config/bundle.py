"""The loaded, validated form of a bundle, as the rest of leadgate uses it.

``leadgate.config.loader`` builds a :class:`Bundle` from ``leadgate.yaml`` (and an
optional ``leadgate.local.yaml`` merged on top); nothing else reads the YAML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

RedactionAction = Literal["tokenise", "drop", "withhold"]
"""The treatment of a detected value: replaced by a restorable token, removed, or, for
special categories, kept away from answerers and CRMs altogether."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Business:
    """The operator: the business that decides why and how data is processed."""

    name: str
    operator: str
    address: str
    inn: str
    timezone: ZoneInfo
    locale: str = "ru"
    phone: str = ""
    policy_url: str = ""


@dataclass(frozen=True)
class ConsentSpec:
    """One consent type: asked in its own message, recorded with its exact text."""

    type: str
    version: str
    title: str
    text: str
    purposes: tuple[str, ...]
    data: tuple[str, ...]
    processors: tuple[str, ...]
    validity: dt.timedelta
    withdrawal: str
    required: bool = True
    line: int | None = None


@dataclass(frozen=True)
class ComponentChoice:
    """A plugin component chosen by the bundle with its own validated section."""

    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class Service:
    """A bookable service from the price list.

    ``children`` marks a children's service: the dialogue asks whom the booking is
    for, since a legal representative consents for a minor (152-FZ art. 9 part 6).
    """

    name: str
    price: int
    duration: dt.timedelta
    aliases: tuple[str, ...] = ()
    children: bool = False


@dataclass(frozen=True)
class FaqEntry:
    """A frequently asked question, matched by its question and keywords."""

    question: str
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dialogue:
    """The facts answerers may tell clients and book from: services, hours, FAQ, tone."""

    services: tuple[Service, ...]
    hours: Mapping[str, tuple[dt.time, dt.time] | None]
    faq: tuple[FaqEntry, ...] = ()
    greeting: str = ""
    tone: str = ""
    slot_minutes: int = 30
    health_reply: str = ""
    booking_days_ahead: int = 60
    for_whom: str = ""
    """The question asked when a children's service is booked ("Для кого запись?")."""


@dataclass(frozen=True)
class RedactionPolicy:
    """Per-category actions and the business's own public names kept in clear."""

    actions: Mapping[str, RedactionAction]
    allow: tuple[str, ...] = ()
    disabled_detectors: tuple[str, ...] = ()

    def action(self, category: str) -> RedactionAction:
        """Return the action for ``category``; tokenise unless the bundle says otherwise."""
        return self.actions.get(category, "tokenise")


@dataclass(frozen=True)
class CrmChoice(ComponentChoice):
    """The CRM component and the lead fields that may leave for it."""

    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswererChoice(ComponentChoice):
    """The answerer component and how long a client may wait for it, in seconds."""

    timeout: float = 10.0


@dataclass(frozen=True)
class Bundle:
    """A validated bundle: one business, its channels, consents and plugins."""

    name: str
    path: Path
    business: Business
    channels: tuple[ComponentChoice, ...]
    consents: tuple[ConsentSpec, ...]
    redaction: RedactionPolicy
    answerer: AnswererChoice
    crm: CrmChoice
    retention: Mapping[str, dt.timedelta]
    data_locations: frozenset[str]
    dialogue: Dialogue
    files: tuple[Path, ...] = ()
    template: str = ""
    gateway: Mapping[str, Any] | None = None
    whatsapp_templates: Mapping[str, str] = field(default_factory=dict)

    def channel(self, name: str) -> ComponentChoice | None:
        """Return the channel section named ``name``, or ``None`` when not enabled."""
        return next((choice for choice in self.channels if choice.name == name), None)

    def consent(self, consent_type: str) -> ConsentSpec | None:
        """Return the consent of ``consent_type``, or ``None``."""
        return next((spec for spec in self.consents if spec.type == consent_type), None)

    @property
    def required_consents(self) -> tuple[ConsentSpec, ...]:
        """The consents that gate the conversation, in bundle order."""
        return tuple(spec for spec in self.consents if spec.required)
