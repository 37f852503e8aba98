"""Building the :class:`~leadgate.config.bundle.Bundle` from validated, checked data.

Runs only after every check passed, so values here are known to parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leadgate.config import schema
from leadgate.config.bundle import (
    AnswererChoice,
    Business,
    ComponentChoice,
    ConsentSpec,
    CrmChoice,
    Dialogue,
    FaqEntry,
    RedactionPolicy,
    Service,
)
from leadgate.config.component_sections import Chosen, Components
from leadgate.config.durations import parse_duration, parse_hours
from leadgate.config.envrefs import resolve
from leadgate.config.yamltree import Node


def build_business(data: Mapping[str, Any]) -> Business:
    """Build the operator's details."""
    return Business(
        name=data["name"].strip(),
        operator=data["operator"].strip(),
        address=data["address"].strip(),
        inn=data["inn"].strip(),
        timezone=ZoneInfo(data["timezone"].strip()),
        locale=data.get("locale", "ru"),
        phone=data.get("phone", "").strip(),
        policy_url=data.get("policy_url", "").strip(),
    )


def build_consents(data: Mapping[str, Any], tree: Node) -> tuple[ConsentSpec, ...]:
    """Build the consents in bundle order, each with the line it starts on."""
    consents = []
    for consent_type, consent in data.items():
        node = tree.find(("consents", consent_type))
        consents.append(
            ConsentSpec(
                type=consent_type,
                version=consent["version"].strip(),
                title=consent["title"].strip(),
                text=consent["text"].strip(),
                purposes=tuple(consent["purposes"]),
                data=tuple(consent["data"]),
                processors=tuple(consent.get("processors", [])),
                validity=parse_duration(consent["validity"]),
                withdrawal=consent["withdrawal"].strip(),
                required=consent.get("required", True),
                line=node.key_line if node is not None else None,
            )
        )
    return tuple(consents)


def build_redaction(data: Mapping[str, Any]) -> RedactionPolicy:
    """Build the redaction policy."""
    return RedactionPolicy(
        actions=dict(data.get("actions", {})),
        allow=tuple(data.get("allow", [])),
        disabled_detectors=tuple(data.get("disabled", [])),
    )


def build_dialogue(data: Mapping[str, Any]) -> Dialogue:
    """Build services, opening hours, FAQ and the dialogue texts."""
    services = tuple(
        Service(
            name=service["name"].strip(),
            price=service["price"],
            duration=parse_duration(service["duration"]),
            aliases=tuple(service.get("aliases", [])),
            children=service.get("children", False),
        )
        for service in data["services"]
    )
    faq = tuple(
        FaqEntry(
            question=entry["question"].strip(),
            answer=entry["answer"].strip(),
            keywords=tuple(entry.get("keywords", [])),
        )
        for entry in data.get("faq", [])
    )
    return Dialogue(
        services=services,
        hours={day: parse_hours(text) for day, text in data["hours"].items()},
        faq=faq,
        greeting=data.get("greeting", "").strip(),
        tone=data.get("tone", "").strip(),
        slot_minutes=data.get("slot_minutes", 30),
        health_reply=data.get("health_reply", "").strip(),
        booking_days_ahead=data.get("booking_days_ahead", 60),
        for_whom=data.get("for_whom", "").strip(),
    )


def build_choice(chosen: Chosen, variables: Mapping[str, str]) -> ComponentChoice:
    """Build a channel choice with references in its section resolved."""
    return ComponentChoice(chosen.spec.name, resolve(chosen.config, variables), chosen.line)


def build_answerer(
    data: Mapping[str, Any], chosen: Chosen, variables: Mapping[str, str]
) -> AnswererChoice:
    """Build the answerer choice; the timeout is in seconds."""
    timeout = parse_duration(data.get("timeout", "10s")).total_seconds()
    return AnswererChoice(
        chosen.spec.name, resolve(chosen.config, variables), chosen.line, timeout=timeout
    )


def build_crm(data: Mapping[str, Any], chosen: Chosen, variables: Mapping[str, str]) -> CrmChoice:
    """Build the CRM choice with the lead fields allowed to leave."""
    fields = tuple(data.get("fields", schema.DEFAULT_CRM_FIELDS))
    return CrmChoice(
        chosen.spec.name, resolve(chosen.config, variables), chosen.line, fields=fields
    )


def build_retention(data: Mapping[str, str]) -> dict[str, Any]:
    """Build the retention periods, defaults filled in."""
    periods = {**schema.RETENTION_DEFAULTS, **data}
    return {name: parse_duration(text) for name, text in periods.items()}


def bundle_name(data: Mapping[str, Any], bundle_dir: Path) -> str:
    """Return the bundle's name: the ``name`` key, else the folder name in lower case."""
    return str(data.get("name") or bundle_dir.resolve().name.lower())


def channel_choices(
    components: Components, variables: Mapping[str, str]
) -> tuple[ComponentChoice, ...]:
    """Build the enabled channels in bundle order."""
    return tuple(build_choice(chosen, variables) for chosen in components.channels.values())
