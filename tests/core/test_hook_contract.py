"""The plugin contract: discovery, registration rules, and one test per hook.

``test_every_hook_is_documented_and_tested`` fails when a hook spec is added without
a section in docs/plugins.md or without an inline plugin implementing it in a test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import re
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import leadgate
from leadgate.config.settings import Settings
from leadgate.core import hookspecs
from leadgate.core.app import create_app
from leadgate.core.cli import main
from leadgate.core.components import Button, ComponentSpec, DestructionRecord
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.core.retention import run_sweep
from leadgate.errors import PluginError

from harness import REPO, Harness, copy_template
from livesrv import serve

HOOKS = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("leadgate_")
)


def test_every_hook_is_documented_and_tested() -> None:
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    tests = "\n".join(
        path.read_text(encoding="utf-8") for path in (REPO / "tests").rglob("test_*.py")
    )

    undocumented = [hook for hook in HOOKS if f"## {hook}\n" not in docs]
    untested = [hook for hook in HOOKS if not re.search(rf"def {hook}\(", tests)]

    assert undocumented == []
    assert untested == []


def test_every_hook_spec_has_a_docstring() -> None:
    missing = [hook for hook in HOOKS if not (getattr(hookspecs, hook).__doc__ or "").strip()]

    assert missing == []


# -- Discovery ----------------------------------------------------------------------


def _example_installed() -> bool:
    try:
        metadata.distribution("leadgate-example-plugin")
    except metadata.PackageNotFoundError:
        return False
    return True


needs_example = pytest.mark.skipif(
    not _example_installed(),
    reason="install the example plugin: pip install ./examples/plugin (the README test command does)",
)


@needs_example
def test_entry_point_plugin_is_discovered() -> None:
    manager = create_plugin_manager(Settings())
    registry = ComponentRegistry(manager)

    assert manager.get_plugin("example") is not None
    assert registry.get("channel", "jsonhook").plugin == "example"
    assert registry.get("detector", "club_card").plugin == "example"


@needs_example
def test_autoload_off_skips_entry_points() -> None:
    manager = create_plugin_manager(Settings(plugins_autoload=False))

    assert manager.get_plugin("example") is None
    assert manager.get_plugin("leadgate.plugins.channels.webchat") is not None


@needs_example
def test_plugin_list_limits_entry_points() -> None:
    only_other = create_plugin_manager(Settings(plugins=["something-else"]))
    only_example = create_plugin_manager(Settings(plugins=["leadgate-example-plugin"]))

    assert only_other.get_plugin("example") is None
    assert only_example.get_plugin("example") is not None


def test_misspelt_hook_fails_at_start() -> None:
    class Misspelt:
        @leadgate.hookimpl
        def leadgate_register_chanels(self, register):  # type: ignore[no-untyped-def]
            return None

    with pytest.raises(PluginError, match="leadgate_register_chanels"):
        create_plugin_manager(Settings(plugins_autoload=False), extra=[Misspelt()])


# -- Registration hooks -------------------------------------------------------------


def _spec(kind: str, name: str, *, default: bool = False) -> ComponentSpec:
    return ComponentSpec(kind=kind, name=name, factory=lambda context: None, default=default)  # type: ignore[arg-type]


class Registrations:
    """An inline plugin that registers one component of every kind."""

    @leadgate.hookimpl
    def leadgate_register_channels(self, register):  # type: ignore[no-untyped-def]
        register(_spec("channel", "vk"))

    @leadgate.hookimpl
    def leadgate_register_crms(self, register):  # type: ignore[no-untyped-def]
        register(_spec("crm", "sheets"))

    @leadgate.hookimpl
    def leadgate_register_llms(self, register):  # type: ignore[no-untyped-def]
        register(_spec("answerer", "local_llm"))

    @leadgate.hookimpl
    def leadgate_register_detectors(self, register):  # type: ignore[no-untyped-def]
        register(_spec("detector", "loyalty"))


def test_registration_hooks_add_components() -> None:
    manager = create_plugin_manager(Settings(plugins_autoload=False), extra=[Registrations()])

    registry = ComponentRegistry(manager)

    assert "vk" in registry.names("channel")
    assert "sheets" in registry.names("crm")
    assert "local_llm" in registry.names("answerer")
    assert "loyalty" in registry.names("detector")
    assert registry.get("channel", "vk").plugin != ""


def test_plugin_replaces_default_component() -> None:
    class Replacement:
        @leadgate.hookimpl
        def leadgate_register_crms(self, register):  # type: ignore[no-untyped-def]
            register(_spec("crm", "local"))

    manager = create_plugin_manager(Settings(plugins_autoload=False), extra=[Replacement()])

    assert ComponentRegistry(manager).get("crm", "local").default is False


def test_duplicate_component_names_both_plugins() -> None:
    class First:
        @leadgate.hookimpl
        def leadgate_register_channels(self, register):  # type: ignore[no-untyped-def]
            register(_spec("channel", "max"))

    class Second:
        @leadgate.hookimpl
        def leadgate_register_channels(self, register):  # type: ignore[no-untyped-def]
            register(_spec("channel", "max"))

    manager = create_plugin_manager(Settings(plugins_autoload=False), extra=[First(), Second()])

    with pytest.raises(PluginError, match="two plugins register the channel 'max'"):
        ComponentRegistry(manager)


def test_unknown_component_lists_installed() -> None:
    registry = ComponentRegistry(create_plugin_manager(Settings(plugins_autoload=False)))

    with pytest.raises(PluginError, match="webchat"):
        registry.get("channel", "vk")


# -- Event hooks --------------------------------------------------------------------


class EventHooks:
    """An inline plugin that takes part in the flow and records what it saw."""

    def __init__(self) -> None:
        self.leads: list[str] = []
        self.erased: list[tuple[str, str]] = []
        self.sweeps: list[dt.datetime] = []

    @leadgate.hookimpl
    def leadgate_consent_prompt(self, consent, bundle, locale, policy_url):  # type: ignore[no-untyped-def]
        prefix = f"consent:{consent['type']}:{consent['version']}"
        text = f"Короткое согласие {consent['type']}. Политика: {policy_url}"
        return text, (Button("Да", f"{prefix}:yes"), Button("Нет", f"{prefix}:no"))

    @leadgate.hookimpl
    def leadgate_lead_created(self, lead, bundle):  # type: ignore[no-untyped-def]
        self.leads.append(lead.lead_id)

    @leadgate.hookimpl
    def leadgate_erase_subject(self, subject_id, basis, bundle):  # type: ignore[no-untyped-def]
        self.erased.append((subject_id, basis))
        return [
            DestructionRecord(
                subject_ref=subject_id, categories=("phone",), system="example-sms", reason=basis
            )
        ]

    @leadgate.hookimpl
    def leadgate_retention_sweep(self, now, policy, bundle):  # type: ignore[no-untyped-def]
        self.sweeps.append(now)
        return [
            DestructionRecord(
                subject_ref="s1", categories=("phone",), system="example-sms", reason="retention"
            )
        ]

    @leadgate.hookimpl
    def leadgate_routes(self, bundle):  # type: ignore[no-untyped-def]
        async def hello(request):  # type: ignore[no-untyped-def]
            return PlainTextResponse(f"привет от {bundle.name}")

        return [Route("/example/hello", hello)]


@pytest.fixture
def hooked(tmp_path: Path) -> tuple[Harness, EventHooks]:
    plugin = EventHooks()
    harness = Harness(copy_template(tmp_path), extra_plugins=[plugin])
    yield harness, plugin
    harness.close()


def test_consent_prompt_hook_replaces_prompt(hooked: tuple[Harness, EventHooks]) -> None:
    harness, _ = hooked

    replies = asyncio.run(harness.say("привет"))

    assert replies[-1].text.startswith("Короткое согласие booking")
    assert [button.label for button in replies[-1].buttons] == ["Да", "Нет"]


def test_lead_created_hook_sees_each_lead(hooked: tuple[Harness, EventHooks]) -> None:
    harness, plugin = hooked

    asyncio.run(harness.book())

    assert len(plugin.leads) == 1


def test_erase_subject_hook_runs_on_withdrawal(hooked: tuple[Harness, EventHooks]) -> None:
    harness, plugin = hooked

    asyncio.run(harness.book())
    asyncio.run(harness.say("отзываю согласие"))

    assert [basis for _, basis in plugin.erased] == ["consent_withdrawn"]


def test_retention_sweep_hook_records_destruction(hooked: tuple[Harness, EventHooks]) -> None:
    harness, plugin = hooked

    records = run_sweep(harness.runtime.services)

    assert len(plugin.sweeps) == 1
    assert [record.system for record in records] == ["example-sms"]


def test_routes_hook_adds_routes(tmp_path: Path) -> None:
    bundle = copy_template(tmp_path)
    app = create_app(
        bundle, settings=Settings(data_dir=bundle / "data"), extra_plugins=[EventHooks()]
    )

    with serve(app) as url:
        response = httpx.get(f"{url}/example/hello")

    assert response.text == "привет от salon"


def test_cli_commands_hook_adds_command(capsys: pytest.CaptureFixture[str]) -> None:
    class Greeter:
        @leadgate.hookimpl
        def leadgate_cli_commands(self, subparsers):  # type: ignore[no-untyped-def]
            parser = subparsers.add_parser("greet")
            parser.add_argument("who")
            parser.set_defaults(handler=lambda args: print(f"привет, {args.who}") or 0)

    status = main(["greet", "мир"], extra_plugins=[Greeter()])

    assert status == 0
    assert capsys.readouterr().out == "привет, мир\n"


@needs_example
def test_entry_point_plugin_adds_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b'{"id": "1"}')
    monkeypatch.setenv("JSONHOOK_SECRET", "s3cret")

    status = main(["example-sign", str(body)])

    assert status == 0
    assert capsys.readouterr().out.startswith("X-Signature: sha256=")
