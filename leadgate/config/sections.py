"""Validation of a bundle's own sections against ``leadgate.config.schema``.

Each top-level section is validated on its own, and so is each consent, service and
FAQ entry, so that one pass reports an error in every place that has one.
"""

from __future__ import annotations

import re
from typing import Any

from leadgate.config import schema
from leadgate.config.problems import Problems
from leadgate.config.yamltree import Node, Path, validate

_CONSENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


def validate_sections(tree: Node, problems: Problems) -> dict[str, Any]:
    """Return the validated data of every valid section; record problems for the rest.

    A section that fails validation is left out of the result, so later checks skip
    it instead of reporting follow-on errors.
    """
    if not isinstance(tree.value, dict):
        problems.add("not_a_mapping", tree)
        return {}

    for key, node in tree.value.items():
        if key not in schema.SECTIONS:
            allowed = ", ".join(schema.SECTIONS)
            problems.add(
                "unknown_section", node, (key,), use_key_line=True, name=key, allowed=allowed
            )

    data: dict[str, Any] = {}
    for name, (validator, required) in schema.SECTIONS.items():
        section = tree.get(name)
        if section is None:
            if required:
                problems.add("missing_key", (tree.file, 1), (), name=name)
            continue
        validated = _validate(section, validator, (name,), problems)
        if validated is not None:
            data[name] = validated

    _validate_entries(tree, data, problems)
    return data


def _validate(node: Node, validator: Any, path: Path, problems: Problems) -> Any:
    result, problem = validate(node, validator, path)
    if problem is not None:
        problems.add_schema(problem)
        return None
    return result


def _validate_entries(tree: Node, data: dict[str, Any], problems: Problems) -> None:
    if "consents" in data:
        data["consents"] = _validate_consents(tree.get("consents"), problems)
    dialogue = data.get("dialogue")
    if dialogue is None:
        return
    for key, validator in (("services", schema.SERVICE), ("faq", schema.FAQ)):
        entries = tree.find(("dialogue", key))
        if entries is None or not isinstance(entries.value, list):
            continue
        valid = [
            _validate(entry, validator, ("dialogue", key, str(index)), problems)
            for index, entry in enumerate(entries.value)
        ]
        dialogue[key] = [entry for entry in valid if entry is not None]


def _validate_consents(node: Node | None, problems: Problems) -> dict[str, Any]:
    consents: dict[str, Any] = {}
    if node is None or not isinstance(node.value, dict):
        return consents
    for consent_type, entry in node.value.items():
        path = ("consents", consent_type)
        if not _CONSENT_TYPE.match(consent_type):
            problems.add("consent_type", entry, path, use_key_line=True, name=consent_type)
            continue
        validated = _validate(entry, schema.CONSENT, path, problems)
        if validated is not None:
            consents[consent_type] = validated
    return consents
