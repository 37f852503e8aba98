"""Valid bundles: templates, local overrides, secrets from .env, optional sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from bundle_edits import edit, line_of

from leadgate.config.loader import load_bundle
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.errors import ConfigErrors

MakeBundle = Callable[[str], Path]
TEMPLATES = ["salon", "clinic", "fitness"]
TELEGRAM = "  webchat: {}\n  telegram:\n    bot_token: ${LEADGATE_TEST_TOKEN}\n"


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATES)
def test_template_loads(
    make_bundle: MakeBundle, registry: ComponentRegistry, template: str
) -> None:
    bundle = make_bundle(template)

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.template == template
    assert loaded.name == template
    assert [channel.name for channel in loaded.channels] == ["webchat"]
    assert loaded.answerer.name == "scripted"
    assert loaded.crm.name == "local"
    assert loaded.data_locations == frozenset({"local", "ru"})
    assert loaded.consent("booking") is not None
    assert loaded.consent("ai") is not None
    assert [spec.type for spec in loaded.required_consents] == ["booking"]
    assert loaded.redaction.action("health") == "withhold"
    assert loaded.business.timezone.key == "Asia/Krasnoyarsk"
    assert loaded.files == (bundle / "leadgate.yaml",)


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATES)
def test_template_loads_with_builtin_plugins(make_bundle: MakeBundle, template: str) -> None:
    bundle = make_bundle(template)

    loaded = load_bundle(bundle, registry=ComponentRegistry(create_plugin_manager()))

    assert loaded.template == template


@pytest.mark.parametrize(
    ("template", "consents"),
    [
        ("salon", ["booking", "ai", "marketing"]),
        ("clinic", ["booking", "ai"]),
        ("fitness", ["booking", "ai", "marketing"]),
    ],
    ids=TEMPLATES,
)
def test_template_consents(
    make_bundle: MakeBundle, registry: ComponentRegistry, template: str, consents: list[str]
) -> None:
    loaded = load_bundle(make_bundle(template), registry=registry)

    assert [spec.type for spec in loaded.consents] == consents
    assert all("паспорт" not in spec.text or "не нужны" in spec.text for spec in loaded.consents)


def test_fitness_asks_for_whom(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    loaded = load_bundle(make_bundle("fitness"), registry=registry)

    children = [service.name for service in loaded.dialogue.services if service.children]
    booking = loaded.consent("booking")

    assert children == ["Детская секция (7–12 лет)"]
    assert "законный представитель" in loaded.dialogue.for_whom
    assert booking is not None and "законным представителем" in booking.text


def test_clinic_sends_minimal_fields(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    loaded = load_bundle(make_bundle("clinic"), registry=registry)

    assert loaded.crm.fields == ("name", "phone", "service", "visit_at", "channel")
    assert loaded.dialogue.health_reply.startswith(
        "Пожалуйста, не присылайте в чат сведения о здоровье"
    )


def test_values_are_converted(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")

    loaded = load_bundle(bundle, registry=registry)
    booking = loaded.consent("booking")

    assert booking is not None
    assert booking.validity == dt.timedelta(days=3 * 365)
    assert booking.line == line_of(bundle / "leadgate.yaml", "  booking:")
    assert booking.processors == ()
    assert loaded.retention["transcript"] == dt.timedelta(days=90)
    assert loaded.answerer.timeout == 10.0
    assert loaded.dialogue.hours["mon"] == (dt.time(10), dt.time(20))
    assert loaded.dialogue.hours["sun"] is None
    assert loaded.dialogue.services[0].duration == dt.timedelta(minutes=90)
    assert loaded.dialogue.faq[0].keywords[0] == "адрес"


def test_local_file_overrides_consent_text(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    text = (
        "ИП Соколова Анна Викторовна (ИНН 246512345602, адрес: 660049, г. Красноярск, "
        "ул. Примерная, д. 1, пом. 12) обрабатывает текст сообщений в целях ответов. "
        "Действия: запись, хранение, удаление. Данные третьим лицам не передаются. "
        "Согласие действует 3 года, отозвать его можно в этом чате."
    )
    (bundle / "leadgate.local.yaml").write_text(
        f'consents:\n  ai:\n    version: "2027-01-15"\n    text: >-\n      {text}\n',
        encoding="utf-8",
    )

    loaded = load_bundle(bundle, registry=registry)
    ai = loaded.consent("ai")

    assert ai is not None
    assert ai.text == text
    assert ai.version == "2027-01-15"
    assert ai.title == "Согласие на ответы с помощью языковой модели"
    assert loaded.files == (bundle / "leadgate.yaml", bundle / "leadgate.local.yaml")


def test_local_file_replaces_lists(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    (bundle / "leadgate.local.yaml").write_text("crm:\n  fields: [name, phone]\n", encoding="utf-8")

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.crm.fields == ("name", "phone")
    assert loaded.crm.name == "local"


def test_local_file_error_names_local_line(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    local = bundle / "leadgate.local.yaml"
    local.write_text(
        '# мои правки\nbusiness:\n  timezone: Asia/Krasnoyarsk\n  inn: "246512345600"\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry)

    errors = [error for error in raised.value.errors if error.key == "business.inn"]
    assert len(errors) == 1
    assert errors[0].file == str(local)
    assert errors[0].line == 4


def test_local_syntax_error_names_local_file(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    local = bundle / "leadgate.local.yaml"
    local.write_text("business:\n  name: [Ромашка\n", encoding="utf-8")

    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry)

    assert raised.value.errors[0].file == str(local)
    assert "ошибка синтаксиса YAML" in raised.value.errors[0].message


def test_secret_from_env_file(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADGATE_TEST_TOKEN", raising=False)
    bundle = make_bundle("salon")
    edit(bundle / "leadgate.yaml", "  webchat: {}\n", TELEGRAM)
    (bundle / ".env").write_text("LEADGATE_TEST_TOKEN=123456:from-dotenv\n", encoding="utf-8")

    loaded = load_bundle(bundle, registry=registry)
    telegram = loaded.channel("telegram")

    assert telegram is not None
    assert telegram.config["bot_token"] == "123456:from-dotenv"


def test_process_environment_beats_env_file(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_TEST_TOKEN", "123456:from-process")
    bundle = make_bundle("salon")
    edit(bundle / "leadgate.yaml", "  webchat: {}\n", TELEGRAM)
    (bundle / ".env").write_text("LEADGATE_TEST_TOKEN=123456:from-dotenv\n", encoding="utf-8")

    loaded = load_bundle(bundle, registry=registry)
    telegram = loaded.channel("telegram")

    assert telegram is not None
    assert telegram.config["bot_token"] == "123456:from-process"


def test_reference_inside_text_and_escape(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_TEST_SITE", "romashka.example")
    bundle = make_bundle("salon")
    edit(
        bundle / "leadgate.yaml",
        'policy_url: ""',
        'policy_url: "https://${LEADGATE_TEST_SITE}/policy?$${raw}"',
    )

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.business.policy_url == "https://romashka.example/policy?${raw}"


def test_gateway_section_is_loaded(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_TEST_UPSTREAM_KEY", "upstream-secret")
    monkeypatch.setenv("LEADGATE_TEST_CLIENT_KEY", "client-secret")
    bundle = make_bundle("salon")
    (bundle / "leadgate.local.yaml").write_text(
        "gateway:\n"
        "  upstream_url: http://127.0.0.1:11434/v1\n"
        "  upstream_key: ${LEADGATE_TEST_UPSTREAM_KEY}\n"
        "  api_keys:\n"
        "    - ${LEADGATE_TEST_CLIENT_KEY}\n"
        "  model: qwen2.5:7b\n"
        "  location: local\n"
        "whatsapp_templates:\n"
        "  reminder: visit_reminder_ru\n",
        encoding="utf-8",
    )

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.gateway == {
        "upstream_url": "http://127.0.0.1:11434/v1",
        "upstream_key": "upstream-secret",
        "api_keys": ["client-secret"],
        "model": "qwen2.5:7b",
        "location": "local",
    }
    assert loaded.whatsapp_templates == {"reminder": "visit_reminder_ru"}


def test_gateway_rejects_literal_api_key(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    local = bundle / "leadgate.local.yaml"
    local.write_text(
        "gateway:\n"
        "  upstream_url: http://127.0.0.1:9/v1\n"
        "  api_keys: [plain-client-key]\n"
        "  location: abroad\n",
        encoding="utf-8",
    )

    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry)

    errors = raised.value.errors
    assert [error.key for error in errors] == ["gateway.api_keys.0"]
    assert "секрет записан прямо в файл" in errors[0].message
    assert "plain-client-key" not in str(errors[0])
    assert errors[0].line == 3


def test_gateway_abroad_needs_permission(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_TEST_CLIENT_KEY", "client-secret")
    bundle = make_bundle("salon")
    (bundle / "leadgate.local.yaml").write_text(
        "gateway:\n"
        "  upstream_url: http://127.0.0.1:9/v1\n"
        "  api_keys:\n"
        "    - ${LEADGATE_TEST_CLIENT_KEY}\n"
        "  location: abroad\n",
        encoding="utf-8",
    )

    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry)

    assert len(raised.value.errors) == 1
    assert "шлюз «gateway» отправляет текст за рубеж" in raised.value.errors[0].message
    assert raised.value.errors[0].line == 5


def test_name_defaults_to_folder(tmp_path: Path, registry: ComponentRegistry) -> None:
    from leadgate.core.commands.init import copy_template

    bundle = tmp_path / "Salon-Romashka"
    copy_template("salon", bundle)

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.name == "salon-romashka"


def test_folder_name_must_be_usable(tmp_path: Path, registry: ComponentRegistry) -> None:
    from leadgate.core.commands.init import copy_template

    bundle = tmp_path / "Мой салон"
    copy_template("salon", bundle)

    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry)

    assert "имя бандла «мой салон» недопустимо" in raised.value.errors[0].message


def test_explicit_name_wins(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    edit(bundle / "leadgate.yaml", "template: salon\n", "name: romashka-center\ntemplate: salon\n")

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.name == "romashka-center"


def test_accepts_path_of_yaml_file(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")

    loaded = load_bundle(bundle / "leadgate.yaml", registry=registry)

    assert loaded.path == bundle
