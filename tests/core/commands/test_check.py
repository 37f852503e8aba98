"""``leadgate check``: every error as file:line: message, or a summary and exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgate.core.cli import main
from leadgate.core.commands.init import copy_template


@pytest.fixture(autouse=True)
def default_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test from the default locale."""
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)


def test_check_valid_bundle_prints_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "salon"
    copy_template("salon", bundle)

    status = main(["check", str(bundle)])
    output = capsys.readouterr().out.splitlines()

    assert status == 0
    assert output == [
        "Бандл «salon» в порядке: Салон красоты «Ромашка» (шаблон salon).",
        "Каналы: webchat",
        "Ответчик: scripted (на этом сервере), ожидание ответа до 10 с",
        "CRM: local (на этом сервере); передаваемые поля: name, phone, service, visit_at, channel",
        "Согласия: booking версии 2026-12-01 (обязательное), ai версии 2026-12-01 (по желанию), "
        "marketing версии 2026-12-01 (по желанию)",
        "Разрешённые места обработки: local, ru",
    ]


def test_check_summary_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    bundle = tmp_path / "clinic"
    copy_template("clinic", bundle)

    status = main(["check", str(bundle)])
    output = capsys.readouterr().out

    assert status == 0
    assert (
        "Bundle 'clinic' is valid: Центр массажа и восстановления «Кедр» (template clinic)."
        in output
    )
    assert (
        "Consents: booking version 2026-12-01 (required), ai version 2026-12-01 (optional)"
        in output
    )


def test_check_prints_each_error_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "salon"
    copy_template("salon", bundle)
    file = bundle / "leadgate.yaml"
    source = file.read_text(encoding="utf-8")
    source = source.replace("timezone: Asia/Krasnoyarsk", "timezone: Krasnoyarsk")
    source = source.replace("retention: {enquiry: 30d,", "retention: {enquiry: month,")
    file.write_text(source, encoding="utf-8")
    lines = source.splitlines()
    timezone_line = next(n for n, line in enumerate(lines, 1) if "timezone:" in line)
    retention_line = next(n for n, line in enumerate(lines, 1) if line.startswith("retention:"))

    status = main(["check", str(bundle)])
    errors = capsys.readouterr().err.splitlines()

    assert status == 1
    assert errors[0].startswith(
        f"{file}:{timezone_line}: business.timezone: неизвестный часовой пояс"
    )
    assert errors[1].startswith(
        f"{file}:{retention_line}: retention.enquiry: неверная длительность «month»"
    )
    assert errors[2] == "Ошибок в бандле: 2. Исправьте их и запустите проверку снова."
    assert "Traceback" not in "\n".join(errors)


def test_check_missing_folder_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", str(tmp_path / "nowhere")])
    errors = capsys.readouterr().err

    assert status == 1
    assert f"{tmp_path / 'nowhere'}: в папке нет файла leadgate.yaml" in errors
