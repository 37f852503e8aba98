"""Component sections: find each chosen plugin and validate its section by its schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadgate.config.problems import Problems, Term
from leadgate.config.yamltree import Node, Path, validate
from leadgate.core.components import ComponentKind, ComponentSpec
from leadgate.core.plugins import ComponentRegistry
from leadgate.errors import PluginError


@dataclass(frozen=True)
class Chosen:
    """A component the bundle chose, with its validated (not yet resolved) section."""

    spec: ComponentSpec
    config: dict[str, Any]
    line: int


@dataclass
class Components:
    """The components found and validated; a failed lookup leaves its entry empty."""

    channels: dict[str, Chosen]
    answerer: Chosen | None = None
    crm: Chosen | None = None


def validate_components(
    tree: Node,
    data: dict[str, Any],
    registry: ComponentRegistry,
    problems: Problems,
    reported_secrets: set[Path],
) -> Components:
    """Look up the chosen channels, answerer and CRM and validate their sections."""
    found = Components(channels={})
    channels = tree.get("channels")
    if "channels" in data and channels is not None and isinstance(channels.value, dict):
        if not channels.value:
            problems.add("no_channels", channels, ("channels",), use_key_line=True)
        for name, section in channels.value.items():
            chosen = _choose(
                registry, "channel", name, section, ("channels", name), problems, reported_secrets
            )
            if chosen is not None:
                found.channels[name] = chosen

    kinds: tuple[ComponentKind, ...] = ("answerer", "crm")
    for kind in kinds:
        plugin = tree.find((kind, "plugin"))
        if kind not in data or plugin is None:
            continue
        settings = tree.find((kind, "settings"))
        chosen = _choose(
            registry,
            kind,
            data[kind]["plugin"],
            settings,
            (kind, "settings"),
            problems,
            reported_secrets,
            name_node=plugin,
        )
        if kind == "answerer":
            found.answerer = chosen
        else:
            found.crm = chosen
    return found


def _choose(
    registry: ComponentRegistry,
    kind: ComponentKind,
    name: str,
    section: Node | None,
    path: Path,
    problems: Problems,
    reported_secrets: set[Path],
    name_node: Node | None = None,
) -> Chosen | None:
    # A channel is named by its section's key; an answerer or CRM by its plugin key.
    where = name_node or section
    if where is None:
        return None
    try:
        spec = registry.get(kind, name)
    except PluginError:
        known: list[str | Term] = [*registry.names(kind)] or [Term("config.none")]
        name_path = (*path[:-1], "plugin") if name_node is not None else path
        problems.add(
            "unknown_plugin",
            where,
            name_path,
            value=name,
            use_key_line=True,
            name=name,
            kind=Term(f"config.kind_{kind}"),
            known=known,
        )
        return None

    if section is None or section.is_blank:
        # An absent or empty section is validated as an empty mapping, located where
        # the component is named.
        anchor = section or where
        section = Node({}, anchor.file, anchor.line, anchor.key_line)
    config = _validate_section(spec, section, path, problems, reported_secrets)
    return None if config is None else Chosen(spec, config, where.key_line)


def _validate_section(
    spec: ComponentSpec,
    section: Node,
    path: Path,
    problems: Problems,
    reported_secrets: set[Path],
) -> dict[str, Any] | None:
    if spec.schema is None:
        if section.value == {}:
            return {}
        problems.add("section_not_empty", section, path, use_key_line=True, name=spec.name)
        return None

    data, problem = validate(section, spec.schema, path)
    if problem is None:
        return dict(data) if isinstance(data, dict) else {"value": data}
    if not (problem.kind == "secret" and problem.path in reported_secrets):
        problems.add_schema(problem)
    return None
