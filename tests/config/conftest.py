"""Fixtures for bundle tests: an inline component registry and editable bundle copies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pluggy
import pytest
from strictyaml import Enum, Map, Optional

import leadgate
from leadgate.config.envrefs import Secret
from leadgate.core import hookspecs
from leadgate.core.commands.init import copy_template
from leadgate.core.components import ComponentSpec
from leadgate.core.plugins import ComponentRegistry

TELEGRAM_SCHEMA = Map({"bot_token": Secret(), Optional("mode"): Enum(["webhook", "polling"])})


def _factory(context: object) -> object:
    return context


class InlineComponents:
    """Registers the components the templates name, plus a few for location tests."""

    @leadgate.hookimpl
    def leadgate_register_channels(self, register: hookspecs.Register) -> None:
        register(ComponentSpec(kind="channel", name="webchat", factory=_factory))
        register(
            ComponentSpec(kind="channel", name="telegram", factory=_factory, schema=TELEGRAM_SCHEMA)
        )

    @leadgate.hookimpl
    def leadgate_register_llms(self, register: hookspecs.Register) -> None:
        register(ComponentSpec(kind="answerer", name="scripted", factory=_factory))
        register(
            ComponentSpec(kind="answerer", name="cloudllm", factory=_factory, location="abroad")
        )
        register(ComponentSpec(kind="answerer", name="russianllm", factory=_factory, location="ru"))

    @leadgate.hookimpl
    def leadgate_register_crms(self, register: hookspecs.Register) -> None:
        register(ComponentSpec(kind="crm", name="local", factory=_factory))

    @leadgate.hookimpl
    def leadgate_register_detectors(self, register: hookspecs.Register) -> None:
        register(ComponentSpec(kind="detector", name="phones", factory=_factory))


@pytest.fixture
def registry() -> ComponentRegistry:
    """A registry built only from the inline plugin above, with no built-ins."""
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    manager.register(InlineComponents())
    return ComponentRegistry(manager)


@pytest.fixture(autouse=True)
def russian_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with the default locale unless it sets one itself."""
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a packaged template into a fresh folder and return the folder."""

    def make(template: str = "salon") -> Path:
        target = tmp_path / template
        copy_template(template, target)
        return target

    return make
