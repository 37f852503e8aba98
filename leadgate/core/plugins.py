"""Plugin discovery and the component registry.

One function, :func:`create_plugin_manager`, owns discovery: built-in plugins first,
then the ``leadgate`` entry-point group (unless autoload is off, and limited to the
names in ``LEADGATE_PLUGINS`` when that is set), then ``check_pending()`` so that a
misspelt hook name fails at start rather than being silently ignored.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any

import pluggy

from leadgate.config.settings import Settings
from leadgate.core import hookspecs
from leadgate.core.components import ComponentKind, ComponentSpec
from leadgate.errors import PluginError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "leadgate"

_REGISTRATION_HOOKS: dict[ComponentKind, str] = {
    "channel": "leadgate_register_channels",
    "crm": "leadgate_register_crms",
    "answerer": "leadgate_register_llms",
    "detector": "leadgate_register_detectors",
}


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin as ``leadgate plugins`` shows it."""

    name: str
    version: str
    source: str
    hooks: tuple[str, ...]


def create_plugin_manager(
    settings: Settings | None = None, extra: Iterable[object] = ()
) -> pluggy.PluginManager:
    """Build a plugin manager with built-ins, entry points and ``extra`` plugins.

    ``extra`` plugins (objects or modules) are registered last, so they run first;
    tests use it to add a small inline plugin.
    """
    settings = settings or Settings()
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)

    _register_builtins(manager)
    if settings.plugins_autoload:
        _register_entry_points(manager, settings.plugins)
    for plugin in extra:
        manager.register(plugin)

    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(
            f"plugin {_plugin_label(manager, error.plugin)} implements a hook that does not exist: "
            f"{error}. Check the spelling against docs/plugins.md."
        ) from error
    return manager


def _register_builtins(manager: pluggy.PluginManager) -> None:
    from leadgate.plugins import BUILTIN

    for module_name in BUILTIN:
        module = importlib.import_module(module_name)
        manager.register(module, name=module_name)


def _register_entry_points(manager: pluggy.PluginManager, only: list[str]) -> None:
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist_name = entry_point.dist.name if entry_point.dist else ""
        if only and entry_point.name not in only and dist_name not in only:
            continue
        if manager.get_plugin(entry_point.name) is not None:
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:
            raise PluginError(
                f"plugin {entry_point.name!r} from package {dist_name or '?'} failed to import: "
                f"{error}. Fix or uninstall that package, or set LEADGATE_PLUGINS to the "
                "plugins you need."
            ) from error
        manager.register(plugin, name=entry_point.name)
        logger.debug("loaded plugin %s from %s", entry_point.name, dist_name)


def _plugin_label(manager: pluggy.PluginManager, plugin: object) -> str:
    name = manager.get_name(plugin) if plugin is not None else None
    return repr(name or plugin)


def describe_plugins(manager: pluggy.PluginManager) -> list[PluginInfo]:
    """List the registered plugins with their package versions and hooks."""
    from leadgate import __version__

    distributions = {
        entry_point.name: entry_point.dist
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if entry_point.dist is not None
    }
    infos = []
    for name, plugin in manager.list_name_plugin():
        hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or []))
        dist = distributions.get(name)
        if name.startswith("leadgate."):
            version, source = __version__, "built-in"
        elif dist is not None:
            version, source = dist.version, dist.name
        else:
            version, source = "", "registered in code"
        infos.append(PluginInfo(name=name, version=version, source=source, hooks=hooks))
    return infos


class ComponentRegistry:
    """Named components of every kind, collected once from the registration hooks."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self._specs: dict[ComponentKind, dict[str, ComponentSpec]] = {
            kind: {} for kind in _REGISTRATION_HOOKS
        }
        for kind, hook_name in _REGISTRATION_HOOKS.items():
            for implementation in getattr(manager.hook, hook_name).get_hookimpls():
                plugin_name = implementation.plugin_name
                implementation.function(register=self._registrar(kind, plugin_name))

    def _registrar(self, kind: ComponentKind, plugin_name: str) -> Any:
        def register(spec: ComponentSpec) -> None:
            self._add(kind, replace(spec, plugin=spec.plugin or plugin_name))

        return register

    def _add(self, kind: ComponentKind, spec: ComponentSpec) -> None:
        if spec.kind != kind:
            raise PluginError(
                f"plugin {spec.plugin!r} registered {spec.kind} {spec.name!r} through the "
                f"{kind} hook. Register it through {_REGISTRATION_HOOKS[spec.kind]}."
            )
        existing = self._specs[kind].get(spec.name)
        if existing is not None and not existing.default and not spec.default:
            raise PluginError(
                f"two plugins register the {kind} {spec.name!r}: {existing.plugin!r} and "
                f"{spec.plugin!r}. Uninstall one, or limit LEADGATE_PLUGINS to one of them."
            )
        # Implementations run newest first, so a built-in default arrives after the
        # plugin that replaces it and must not overwrite it.
        if existing is not None and spec.default and not existing.default:
            return
        self._specs[kind][spec.name] = spec

    def names(self, kind: ComponentKind) -> list[str]:
        """Return the registered names of one kind, sorted."""
        return sorted(self._specs[kind])

    def specs(self, kind: ComponentKind) -> list[ComponentSpec]:
        """Return the registered specs of one kind, sorted by name."""
        return [self._specs[kind][name] for name in self.names(kind)]

    def get(self, kind: ComponentKind, name: str) -> ComponentSpec:
        """Return one component spec; raise ``PluginError`` naming the known ones."""
        try:
            return self._specs[kind][name]
        except KeyError:
            known = ", ".join(self.names(kind)) or "none"
            raise PluginError(
                f"no {kind} named {name!r} is installed (installed: {known})"
            ) from None
