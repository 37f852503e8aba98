"""The CRM plugins register through the plugin manager like any third-party plugin."""

from __future__ import annotations

import pluggy

from leadgate.core import hookspecs
from leadgate.core.plugins import ComponentRegistry
from leadgate.plugins import BUILTIN
from leadgate.plugins.crm import amocrm, bitrix24


def test_crm_plugins_are_builtin() -> None:
    assert "leadgate.plugins.crm.bitrix24" in BUILTIN
    assert "leadgate.plugins.crm.amocrm" in BUILTIN


def test_registry_lists_both_crms_in_russia() -> None:
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    manager.register(bitrix24, name="leadgate.plugins.crm.bitrix24")
    manager.register(amocrm, name="leadgate.plugins.crm.amocrm")
    manager.check_pending()

    registry = ComponentRegistry(manager)

    assert registry.names("crm") == ["amocrm", "bitrix24"]
    assert {spec.location for spec in registry.specs("crm")} == {"ru"}
    assert registry.get("crm", "bitrix24").plugin == "leadgate.plugins.crm.bitrix24"
