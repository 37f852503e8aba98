"""Each built-in detector registers itself through the detector hook, replaceably."""

from __future__ import annotations

import importlib

import pluggy
import pytest

import leadgate
from leadgate.core import hookspecs
from leadgate.core.components import ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.plugins import ComponentRegistry
from leadgate.plugins import BUILTIN

EXPECTED = {
    "phones": "phone",
    "emails": "email",
    "documents": "document",
    "cards": "card",
    "names": "name",
    "addresses": "address",
    "birth_dates": "birth_date",
    "health": "health",
}


def registry_with(*plugins: object) -> ComponentRegistry:
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    for name in BUILTIN:
        if name.startswith("leadgate.plugins.redaction."):
            manager.register(importlib.import_module(name), name=name)
    for plugin in plugins:
        manager.register(plugin)
    return ComponentRegistry(manager)


@pytest.mark.parametrize(("name", "category"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_detector_registers_spec_and_factory(name: str, category: str) -> None:
    registry = registry_with()

    spec = registry.get("detector", name)
    detector = spec.factory(ComponentContext(name=name, config={}, bundle=None))

    assert spec.writes == frozenset({category})
    assert spec.location == "local"
    assert spec.default is True
    assert isinstance(detector, Detector)
    assert detector.categories == (category,)
    assert getattr(detector, "name") == name


def test_every_redaction_module_is_listed_in_builtins() -> None:
    registry = registry_with()

    assert registry.names("detector") == sorted(EXPECTED)


class QuietPhones(Detector):
    name = "phones"
    categories = ("phone",)

    def detect(self, text: str) -> list[Span]:
        return []


class ReplacingPlugin:
    @leadgate.hookimpl
    def leadgate_register_detectors(self, register: hookspecs.Register) -> None:
        register(
            ComponentSpec(kind="detector", name="phones", factory=lambda context: QuietPhones())
        )


def test_third_party_detector_replaces_builtin_of_same_name() -> None:
    registry = registry_with(ReplacingPlugin())

    detector = registry.get("detector", "phones").factory(
        ComponentContext(name="phones", config={}, bundle=None)
    )

    assert isinstance(detector, QuietPhones)
