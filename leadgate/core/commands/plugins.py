"""``leadgate plugins``: list plugins, their versions, components and hooks."""

from __future__ import annotations

import argparse

from leadgate.config.settings import Settings
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager, describe_plugins
from leadgate.locales import text as t


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plugins`` command."""
    parser = subparsers.add_parser("plugins", help=t("cli.plugins_help"))
    parser.set_defaults(handler=show_plugins)


def show_plugins(args: argparse.Namespace) -> int:
    """Print every plugin with its hooks, then every component with its data and location."""
    manager = create_plugin_manager(Settings())
    print(t("cli.plugins_header"))
    for info in describe_plugins(manager):
        version = f" {info.version}" if info.version else ""
        print(f"  {info.name}{version} ({info.source})")
        print(f"      {', '.join(info.hooks)}")

    registry = ComponentRegistry(manager)
    print(t("cli.components_header"))
    for kind in ("channel", "answerer", "crm", "detector"):
        for spec in registry.specs(kind):
            data = ", ".join(sorted(spec.reads | spec.writes)) or "-"
            print(
                t(
                    "cli.component_line",
                    kind=kind,
                    name=spec.name,
                    plugin=spec.plugin,
                    data=data,
                    location=spec.location,
                )
            )
    return 0
