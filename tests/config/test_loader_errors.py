"""Broken bundles: each error names the file, the line, the key and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bundle_edits import edit, line_of

from leadgate.config.loader import load_bundle
from leadgate.core.plugins import ComponentRegistry
from leadgate.errors import ConfigError, ConfigErrors

MakeBundle = Callable[[str], Path]


def load_errors(
    bundle: Path, registry: ComponentRegistry, locale: str | None = None
) -> list[ConfigError]:
    """Load ``bundle`` expecting failure and return the errors."""
    with pytest.raises(ConfigErrors) as raised:
        load_bundle(bundle, registry=registry, locale=locale)
    return raised.value.errors


def only_error(bundle: Path, registry: ComponentRegistry, locale: str | None = None) -> ConfigError:
    """Load ``bundle`` expecting exactly one error and return it."""
    errors = load_errors(bundle, registry, locale)
    assert len(errors) == 1, [str(error) for error in errors]
    return errors[0]


def test_yaml_syntax_error_names_line(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  timezone: Asia/Krasnoyarsk", "  timezone: [Asia/Krasnoyarsk")

    error = only_error(bundle, registry)

    assert "ошибка синтаксиса YAML" in error.message
    assert error.file == str(file)
    assert error.line is not None and error.line >= line_of(file, "timezone:")


def test_missing_key_names_its_section(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  timezone: Asia/Krasnoyarsk\n", "")

    error = only_error(bundle, registry)

    assert error.message.startswith("business: нет обязательного ключа «timezone»")
    assert error.file == str(file)
    assert error.line == line_of(file, "business:")


def test_wrong_type_shows_value(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "slot_minutes: 30", "slot_minutes: полчаса")

    error = only_error(bundle, registry)

    assert error.message == (
        "dialogue.slot_minutes: ожидается целое число, а указано «полчаса». Исправьте значение."
    )
    assert error.line == line_of(file, "slot_minutes:")
    assert error.key == "dialogue.slot_minutes"


def test_unknown_key_is_reported(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  locale: ru\n", "  locale: ru\n  colour: розовый\n")

    error = only_error(bundle, registry)

    assert error.message.startswith("business.colour: неизвестный ключ «colour»")
    assert error.line == line_of(file, "colour:")


def test_unknown_section_lists_allowed(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "data_locations: [local, ru]", "data_locations: [local, ru]\nlocations: [ru]")

    error = only_error(bundle, registry)

    assert "неизвестный раздел «locations»" in error.message
    assert "data_locations" in error.message
    assert error.line == line_of(file, "locations: [ru]")


def test_unknown_plugin_lists_installed(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "plugin: scripted", "plugin: gpt9")

    error = only_error(bundle, registry)

    assert error.message.startswith("answerer.plugin: плагин «gpt9» не установлен")
    assert "cloudllm, russianllm, scripted" in error.message
    assert error.line == line_of(file, "plugin: gpt9")


def test_unknown_channel_is_reported(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  webchat: {}\n", "  webchat: {}\n  vk: {}\n")

    error = only_error(bundle, registry)

    assert "плагин «vk» не установлен (установлены каналы: telegram, webchat)" in error.message
    assert error.line == line_of(file, "vk: {}")


def test_bad_timezone_is_reported(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "timezone: Asia/Krasnoyarsk", "timezone: Krasnoyarsk")

    error = only_error(bundle, registry)

    assert "неизвестный часовой пояс «Krasnoyarsk»" in error.message
    assert error.line == line_of(file, "timezone:")


def test_unset_env_var_names_variable(
    make_bundle: MakeBundle, registry: ComponentRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADGATE_TEST_BOT_TOKEN", raising=False)
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(
        file,
        "  webchat: {}\n",
        "  webchat: {}\n  telegram:\n    bot_token: ${LEADGATE_TEST_BOT_TOKEN}\n",
    )

    error = only_error(bundle, registry)

    assert "переменная окружения LEADGATE_TEST_BOT_TOKEN не задана" in error.message
    assert error.key == "channels.telegram.bot_token"
    assert error.line == line_of(file, "bot_token: ${LEADGATE")


def test_duplicate_channel_is_reported(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  webchat: {}\n", "  webchat: {}\n  webchat:\n    max_chars: 100\n")

    error = only_error(bundle, registry)

    assert error.message.startswith("channels.webchat: канал «webchat» указан дважды")
    assert error.line == line_of(file, "    max_chars: 100") - 1


def test_invalid_duration_is_reported(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "retention: {enquiry: 30d,", "retention: {enquiry: 30 дней,")

    error = only_error(bundle, registry)

    assert error.message.startswith("retention.enquiry: неверная длительность «30 дней»")
    assert "30d, 3y, 90m" in error.message
    assert error.line == line_of(file, "retention:")


def test_inn_checksum_is_checked(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("clinic")
    file = bundle / "leadgate.yaml"
    source = file.read_text(encoding="utf-8").replace("2463987652", "2463987653")
    file.write_text(source, encoding="utf-8")

    error = only_error(bundle, registry)

    assert error.message.startswith("business.inn: ИНН «2463987653» не проходит проверку")
    assert error.line == line_of(file, "inn:")


def test_inn_length_is_checked(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, 'inn: "246512345602"', 'inn: "24651234"')

    errors = load_errors(bundle, registry)

    assert "нужно 10 цифр для организации или 12 для ИП" in errors[0].message
    assert errors[0].line == line_of(file, "inn:")


def test_crm_field_outside_list(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "fields: [name, phone, service,", "fields: [name, phone, birthday, service,")

    error = only_error(bundle, registry)

    assert error.message.startswith("crm.fields.2: поле «birthday» нельзя передавать в CRM")
    assert error.line == line_of(file, "fields:")


def test_data_location_outside_list(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "data_locations: [local, ru]", "data_locations: [local, eu]")

    error = only_error(bundle, registry)

    assert "неизвестное место обработки «eu»" in error.message
    assert error.line == line_of(file, "data_locations:")


def test_answerer_abroad_explains_transfer(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "plugin: scripted", "plugin: cloudllm")

    error = only_error(bundle, registry)

    assert error.message.startswith(
        "answerer.plugin: ответчик «cloudllm» отправляет текст за рубеж"
    )
    assert "трансграничная передача" in error.message
    assert "уведомить Роскомнадзор" in error.message
    assert error.line == line_of(file, "plugin: cloudllm")


def test_answerer_in_russia_needs_ru(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "plugin: scripted", "plugin: russianllm")
    edit(file, "data_locations: [local, ru]", "data_locations: [local]")

    error = only_error(bundle, registry)

    assert "ответчик «russianllm» обрабатывает данные в месте «ru»" in error.message


def test_abroad_allowed_when_listed(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "plugin: scripted", "plugin: cloudllm")
    edit(file, "data_locations: [local, ru]", "data_locations: [local, ru, abroad]")

    loaded = load_bundle(bundle, registry=registry)

    assert loaded.answerer.name == "cloudllm"
    assert loaded.data_locations == frozenset({"local", "ru", "abroad"})


def test_clinic_refuses_abroad(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("clinic")
    file = bundle / "leadgate.yaml"
    edit(file, "data_locations: [local, ru]", "data_locations: [local, ru, abroad]")

    error = only_error(bundle, registry)

    assert error.message.startswith(
        "data_locations.2: шаблон clinic не допускает обработку за рубежом"
    )
    assert error.line == line_of(file, "data_locations:")


def test_clinic_requires_health_withheld(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("clinic")
    file = bundle / "leadgate.yaml"
    edit(file, "health: withhold}", "health: drop}")

    error = only_error(bundle, registry)

    assert "укажите health: withhold" in error.message


def test_consent_text_missing_withdrawal(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    local = bundle / "leadgate.local.yaml"
    local.write_text(
        "consents:\n"
        "  ai:\n"
        "    text: >-\n"
        "      ИП Соколова Анна Викторовна, ИНН 246512345602, адрес: 660049,\n"
        "      г. Красноярск, ул. Примерная, д. 1, пом. 12. Цель: ответы на вопросы.\n"
        "      Перечень данных: текст сообщений. Действия: запись, хранение, удаление.\n"
        "      Данные третьим лицам не передаются. Срок действия 3 года.\n",
        encoding="utf-8",
    )

    error = only_error(bundle, registry)

    assert error.message == (
        "consents.ai.text: в тексте согласия нет обязательного сведения (ч. 4 ст. 9 152-ФЗ): "
        "способ отзыва согласия. Добавьте его в text."
    )
    assert error.file == str(local)
    assert error.line == 3


def test_consent_text_asking_passport(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(
        file,
        "обработку моих персональных данных в целях записи",
        "обработку паспорта в целях записи",
    )

    error = only_error(bundle, registry)

    assert error.message.startswith("consents.booking.text: текст согласия упоминает паспорт")
    assert (
        error.line
        == line_of(file, "title: Согласие на обработку персональных данных для записи") + 1
    )


def test_optional_consent_cannot_be_required(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("fitness")
    (bundle / "leadgate.local.yaml").write_text(
        "consents:\n  marketing:\n    required: yes\n", encoding="utf-8"
    )

    error = only_error(bundle, registry)

    assert "согласие «marketing» должно быть необязательным" in error.message
    assert error.file == str(bundle / "leadgate.local.yaml")
    assert error.line == 3


def test_literal_secret_is_rejected_without_echo(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  webchat: {}\n", "  webchat: {}\n  telegram:\n    bot_token: 12345:SECRETVALUE\n")

    error = only_error(bundle, registry)

    assert "секрет записан прямо в файл" in error.message
    assert "${TELEGRAM_BOT_TOKEN}" in error.message
    assert "SECRETVALUE" not in str(error)
    assert error.value is None
    assert error.line == line_of(file, "bot_token: 12345")


def test_component_schema_error_keeps_line(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(
        file,
        "  webchat: {}\n",
        "  webchat: {}\n  telegram:\n    bot_token: ${HOME}\n    mode: sometimes\n",
    )

    error = only_error(bundle, registry)

    assert error.message.startswith(
        "channels.telegram.mode: ожидается одно из значений: webhook, polling"
    )
    assert error.line == line_of(file, "mode: sometimes")


def test_section_without_schema_must_be_empty(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  webchat: {}\n", "  webchat:\n    colour: blue\n")

    error = only_error(bundle, registry)

    assert "плагин «webchat» не принимает настроек" in error.message


def test_every_error_reported_in_one_pass(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "timezone: Asia/Krasnoyarsk", "timezone: Krasnoyarsk")
    edit(file, "plugin: scripted", "plugin: gpt9")
    edit(file, "data_locations: [local, ru]", "data_locations: [local, eu]")
    edit(file, "sun: closed", "sun: 20:00-10:00")

    errors = load_errors(bundle, registry)

    assert [error.key for error in errors] == [
        "business.timezone",
        "answerer.plugin",
        "data_locations.1",
        "dialogue.hours.sun",
    ]
    assert [error.line for error in errors] == sorted(error.line or 0 for error in errors)


def test_missing_bundle_file(tmp_path: Path, registry: ComponentRegistry) -> None:
    error = only_error(tmp_path, registry)

    assert error.message.startswith("в папке нет файла leadgate.yaml")
    assert error.file == str(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'inn: "246512345602"',
            'inn: "246512345603"',
            "business.inn: INN '246512345603' fails the checksum",
        ),
        (
            "plugin: scripted",
            "plugin: cloudllm",
            "answerer.plugin: answerer 'cloudllm' sends text abroad",
        ),
        ("slot_minutes: 30", "slot_minutes: many", "dialogue.slot_minutes: expected an integer"),
    ],
    ids=["inn", "abroad", "wrong-type"],
)
def test_english_messages_with_locale_variable(
    make_bundle: MakeBundle,
    registry: ComponentRegistry,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    expected: str,
) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    bundle = make_bundle("salon")
    edit(bundle / "leadgate.yaml", old, new)

    errors = load_errors(bundle, registry)

    assert errors[0].message.startswith(expected)


def test_bundle_locale_sets_message_language(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "locale: ru", "locale: en")
    edit(file, "timezone: Asia/Krasnoyarsk", "timezone: Krasnoyarsk")

    error = only_error(bundle, registry)

    assert "unknown time zone 'Krasnoyarsk'" in error.message


def test_bundle_needs_required_consent(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("clinic")
    local = bundle / "leadgate.local.yaml"
    local.write_text("consents:\n  booking:\n    required: no\n", encoding="utf-8")

    error = only_error(bundle, registry)

    assert error.message.startswith("consents: нет ни одного обязательного согласия")
    assert error.file == str(bundle / "leadgate.yaml")
    assert error.line == line_of(bundle / "leadgate.yaml", "consents:")


def test_missing_settings_key_located_at_plugin(
    make_bundle: MakeBundle, registry: ComponentRegistry
) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "  webchat: {}\n", "  webchat: {}\n  telegram:\n")

    error = only_error(bundle, registry)

    assert error.message.startswith("channels.telegram: нет обязательного ключа «bot_token»")
    assert error.file == str(file)
    assert error.line == line_of(file, "  telegram:")


def test_bundle_name_must_be_slug(make_bundle: MakeBundle, registry: ComponentRegistry) -> None:
    bundle = make_bundle("salon")
    file = bundle / "leadgate.yaml"
    edit(file, "template: salon\n", "name: Салон Ромашка\ntemplate: salon\n")

    error = only_error(bundle, registry)

    assert error.message.startswith("name: имя бандла «Салон Ромашка» недопустимо")
    assert error.line == line_of(file, "name: Салон Ромашка")
