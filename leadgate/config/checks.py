"""Checks that need more than a value's type: formats, checksums and the law's rules.

Each check reads the validated data of one section and the tree for locations, and
skips a section that already failed validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadgate.config import schema
from leadgate.config.component_sections import Chosen
from leadgate.config.consent_law import asks_for_passport, missing_elements
from leadgate.config.durations import parse_duration, parse_hours
from leadgate.config.inn import inn_problem
from leadgate.config.problems import Problems, Term
from leadgate.config.yamltree import Node, Path
from leadgate.core.components import ComponentSpec
from leadgate.core.plugins import ComponentRegistry

MIN_DESTRUCTION_DAYS = 3 * 365


class Checker:
    """Runs the semantic checks of one bundle, recording problems as it goes."""

    def __init__(self, tree: Node, data: dict[str, Any], problems: Problems) -> None:
        self.tree = tree
        self.data = data
        self.problems = problems

    def node(self, path: Path) -> Node:
        """Return the node at ``path``, or the root when the value came from a default."""
        return self.tree.find(path) or self.tree

    def report(self, message: str, path: Path, value: str | None = None, **params: Any) -> None:
        """Record ``config.<message>`` at the node of ``path``."""
        self.problems.add(message, self.node(path), path, value=value, **params)

    def duration(self, path: Path, text: str) -> None:
        """Check one duration value."""
        try:
            parse_duration(text)
        except ValueError:
            self.report("bad_duration", path, text)

    def run(self, registry: ComponentRegistry) -> None:
        """Run every check whose section is valid."""
        self.check_top_level()
        self.check_business()
        self.check_consents()
        self.check_redaction(registry)
        self.check_answerer_and_crm()
        self.check_retention()
        self.check_locations()
        self.check_dialogue()
        self.check_gateway()

    def check_top_level(self) -> None:
        """Check the bundle name and the template."""
        name = self.data.get("name")
        if name is not None and not schema.BUNDLE_NAME.match(name):
            self.report("bad_name", ("name",), name)
        template = self.data.get("template")
        if template is not None and template not in schema.TEMPLATES:
            self.report("bad_template", ("template",), template)

    def check_business(self) -> None:
        """Check the INN checksum, the time zone and the policy address."""
        business = self.data.get("business")
        if business is None:
            return
        for key in ("name", "operator", "address"):
            if not business[key].strip():
                self.report("empty_value", ("business", key))

        inn = business["inn"].strip()
        problem = inn_problem(inn)
        if problem is not None:
            message = "bad_inn" if problem == "length" else "bad_inn_checksum"
            self.report(message, ("business", "inn"), inn)

        try:
            ZoneInfo(business["timezone"].strip())
        except (ZoneInfoNotFoundError, ValueError):
            self.report("bad_timezone", ("business", "timezone"), business["timezone"])

        policy_url = business.get("policy_url", "").strip()
        if policy_url and not _is_http_url(policy_url):
            self.report("bad_url", ("business", "policy_url"), policy_url)

    def check_consents(self) -> None:
        """Check each consent's duration, categories, optionality and legal contents."""
        consents = self.data.get("consents")
        if consents is not None and not any(c.get("required", True) for c in consents.values()):
            # Without a required consent, messages would be processed on no legal basis.
            self.report("consent_none_required", ("consents",))
        for consent_type, consent in (consents or {}).items():
            path = ("consents", consent_type)
            self.duration((*path, "validity"), consent["validity"])
            if consent_type in schema.OPTIONAL_CONSENTS and consent.get("required", True):
                self.report("consent_optional", (*path, "required"), name=consent_type)
            if not consent["purposes"]:
                self.report("consent_no_purposes", (*path, "purposes"))
            for index, category in enumerate(consent["data"]):
                if category not in schema.CONSENT_CATEGORIES:
                    allowed = ", ".join(schema.CONSENT_CATEGORIES)
                    self.report(
                        "consent_category", (*path, "data", str(index)), category, allowed=allowed
                    )
            self.check_consent_text(path, consent)

    def check_consent_text(self, path: Path, consent: dict[str, Any]) -> None:
        """Check that a consent text contains each element 152-FZ art. 9 part 4 requires."""
        text_path = (*path, "text")
        if asks_for_passport(consent["text"]):
            self.report("consent_passport", text_path)
        business = self.data.get("business")
        if business is None:
            return
        missing = missing_elements(
            consent["text"],
            operator=business["operator"],
            address=business["address"],
            inn=business["inn"].strip(),
            categories=consent["data"],
            processors=consent.get("processors", []),
        )
        for item in missing:
            element = Term(f"config.element_{item.element}", (("value", item.value),))
            self.report("consent_element", text_path, element=element)

    def check_redaction(self, registry: ComponentRegistry) -> None:
        """Check detector names and the clinic's rule for health details."""
        redaction = self.data.get("redaction", {})
        known = registry.names("detector")
        for index, name in enumerate(redaction.get("disabled", [])):
            if name not in known:
                path = ("redaction", "disabled", str(index))
                self.report("unknown_detector", path, name, known=known or [Term("config.none")])
        actions = redaction.get("actions", {})
        if (
            self.data.get("template") == "clinic"
            and actions.get("health", "withhold") != "withhold"
        ):
            self.report("clinic_health", ("redaction", "actions", "health"))

    def check_answerer_and_crm(self) -> None:
        """Check the answerer timeout and the CRM field list."""
        answerer = self.data.get("answerer")
        if answerer is not None:
            self.duration(("answerer", "timeout"), answerer.get("timeout", "10s"))
        crm = self.data.get("crm")
        if crm is None:
            return
        for index, field_name in enumerate(crm.get("fields", [])):
            if field_name not in schema.CRM_FIELDS:
                allowed = ", ".join(schema.CRM_FIELDS)
                self.report("crm_field", ("crm", "fields", str(index)), field_name, allowed=allowed)

    def check_retention(self) -> None:
        """Check each retention period, and that destruction records last 3 years."""
        retention = self.data.get("retention", {})
        for name, text in retention.items():
            self.duration(("retention", name), text)
        destruction = retention.get("destruction")
        try:
            too_short = (
                destruction is not None and parse_duration(destruction).days < MIN_DESTRUCTION_DAYS
            )
        except ValueError:
            too_short = False
        if too_short:
            self.report("retention_destruction", ("retention", "destruction"), destruction)

    def check_locations(self) -> None:
        """Check data location names and the clinic's ban on processing abroad."""
        locations = self.data.get("data_locations")
        if locations is None:
            return
        for index, location in enumerate(locations):
            if location not in schema.LOCATIONS:
                self.report("bad_location", ("data_locations", str(index)), location)
        if self.data.get("template") == "clinic" and "abroad" in locations:
            index = locations.index("abroad")
            self.report("clinic_abroad", ("data_locations", str(index)), "abroad")

    def check_dialogue(self) -> None:
        """Check services, durations, opening hours and the booking step."""
        dialogue = self.data.get("dialogue")
        if dialogue is None:
            return
        if not self.tree.find(("dialogue", "services")) or not _has_items(
            self.node(("dialogue", "services"))
        ):
            self.report("no_services", ("dialogue", "services"))
        for index, service in enumerate(dialogue["services"]):
            self.duration(("dialogue", "services", str(index), "duration"), service["duration"])
        for key in ("slot_minutes", "booking_days_ahead"):
            if key in dialogue and dialogue[key] <= 0:
                self.report("not_positive", ("dialogue", key), str(dialogue[key]))
        for day, hours in dialogue["hours"].items():
            try:
                parse_hours(hours)
            except ValueError:
                self.report("bad_hours", ("dialogue", "hours", day), hours)

    def check_gateway(self) -> None:
        """Check the privacy gateway's upstream address and location name."""
        gateway = self.data.get("gateway")
        if gateway is None:
            return
        if not _is_http_url(gateway["upstream_url"]):
            self.report("bad_url", ("gateway", "upstream_url"), gateway["upstream_url"])
        if gateway["location"] not in schema.LOCATIONS:
            self.report("bad_location", ("gateway", "location"), gateway["location"])


def _has_items(node: Node) -> bool:
    return isinstance(node.value, list) and bool(node.value)


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def component_location(spec: ComponentSpec, config: Mapping[str, Any]) -> str:
    """Return where a chosen component sends data.

    A component whose place depends on its settings (an OpenAI-compatible server may
    be local or abroad) has a ``location`` key in its section, which then overrides
    the location its spec declares.
    """
    configured = config.get("location")
    return configured if configured in schema.LOCATIONS else spec.location


def check_locations_allowed(checker: Checker, answerer: Chosen | None, crm: Chosen | None) -> None:
    """Check that the answerer, the CRM and the gateway send data only where allowed.

    Sending text abroad is a cross-border transfer (152-FZ art. 12), so a location
    outside ``data_locations`` gets an error that explains the rule.
    """
    allowed = checker.data.get("data_locations", list(schema.DEFAULT_LOCATIONS))
    places: list[tuple[str, str, str, Path]] = []
    if answerer is not None:
        location = component_location(answerer.spec, answerer.config)
        places.append(("answerer", answerer.spec.name, location, ("answerer", "plugin")))
    if crm is not None:
        location = component_location(crm.spec, crm.config)
        places.append(("crm", crm.spec.name, location, ("crm", "plugin")))
    gateway = checker.data.get("gateway")
    if gateway is not None and gateway["location"] in schema.LOCATIONS:
        places.append(("gateway", "gateway", gateway["location"], ("gateway", "location")))

    for kind, name, location, path in places:
        if location in allowed:
            continue
        message = "location_abroad" if location == "abroad" else "location_not_allowed"
        checker.report(
            message,
            path,
            location,
            kind=Term(f"config.component_{kind}"),
            name=name,
            location=location,
            allowed=", ".join(allowed) or Term("config.none"),
        )
