"""Checks on ``${VAR}`` references and secrets written into a bundle in clear."""

from __future__ import annotations

from collections.abc import Mapping

from leadgate.config.envrefs import ONLY_REFERENCE, looks_secret, referenced_names
from leadgate.config.problems import Problems, variable_name_for
from leadgate.config.yamltree import Node, Path, walk

COMPONENT_SECTIONS: tuple[Path, ...] = (
    ("channels",),
    ("answerer", "settings"),
    ("crm", "settings"),
    ("gateway",),
)
"""Sections handed to components, where keys named like secrets must be references."""


def check_references(tree: Node, variables: Mapping[str, str], problems: Problems) -> None:
    """Record every reference to a variable that is set neither in the process nor in .env."""
    for path, node in walk(tree):
        if not isinstance(node.value, str):
            continue
        for name in referenced_names(node.value):
            if name not in variables:
                problems.add("env_unset", node, path, name=name)


def check_literal_secrets(tree: Node, problems: Problems) -> set[Path]:
    """Record secret-named keys in component sections whose value is not a reference.

    Return the paths reported, so that a component schema's own ``Secret`` check does
    not report the same value twice. The value itself never appears in the error.
    """
    reported: set[Path] = set()
    for section_path in COMPONENT_SECTIONS:
        section = tree.find(section_path)
        if section is None:
            continue
        for path, node in walk(section, section_path):
            if not _is_literal_secret(path, node):
                continue
            problems.add("secret_literal", node, path, example=variable_name_for(path))
            reported.add(path)
    return reported


def _is_literal_secret(path: Path, node: Node) -> bool:
    if not path or not looks_secret(path[-1]) or not isinstance(node.value, str):
        return False
    return bool(node.value.strip()) and not ONLY_REFERENCE.match(node.value.strip())
