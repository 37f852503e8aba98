"""``leadgate init``: copy a packaged template, refuse to overwrite, then check passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgate.core.cli import main
from leadgate.core.commands.init import template_files

TEMPLATES = ["salon", "clinic", "fitness"]


@pytest.fixture(autouse=True)
def default_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test from the default locale."""
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)


@pytest.mark.parametrize("template", TEMPLATES, ids=TEMPLATES)
def test_init_then_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str
) -> None:
    target = tmp_path / "new" / template

    init_status = main(["init", template, str(target)])
    init_output = capsys.readouterr().out
    check_status = main(["check", str(target)])

    assert init_status == 0
    assert check_status == 0
    assert sorted(path.name for path in target.iterdir()) == [".env.example", "leadgate.yaml"]
    assert (target / "leadgate.yaml").read_bytes() == (
        template_files(template).joinpath("leadgate.yaml").read_bytes()
    )
    assert f"Бандл по шаблону {template} создан в папке {target}." in init_output
    assert f"leadgate check {target}" in init_output
    assert f"leadgate run {target}" in init_output


def test_init_into_empty_folder(tmp_path: Path) -> None:
    status = main(["init", "salon", str(tmp_path)])

    assert status == 0
    assert (tmp_path / "leadgate.yaml").is_file()


def test_init_refuses_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("мои заметки", encoding="utf-8")

    status = main(["init", "salon", str(tmp_path)])
    errors = capsys.readouterr().err

    assert status == 1
    assert f"Папка {tmp_path} не пуста, а команда init не перезаписывает файлы." in errors
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_init_refuses_file_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "leadgate.yaml"
    target.write_text("", encoding="utf-8")

    status = main(["init", "clinic", str(target)])

    assert status == 1
    assert f"{target} — это файл, а не папка." in capsys.readouterr().err


def test_init_next_steps_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")

    status = main(["init", "fitness", str(tmp_path / "gym")])
    output = capsys.readouterr().out

    assert status == 0
    assert "Created a bundle from the fitness template" in output
    assert "Check the bundle:  leadgate check" in output


def test_init_rejects_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["init", "bakery", str(tmp_path / "x")])

    assert raised.value.code == 2
    assert not (tmp_path / "x").exists()


def test_examples_point_at_templates() -> None:
    examples = Path(__file__).resolve().parents[3] / "examples"

    for template in TEMPLATES:
        link = examples / template
        assert link.is_symlink()
        assert (link / "leadgate.yaml").read_bytes() == (
            template_files(template).joinpath("leadgate.yaml").read_bytes()
        )


def test_init_leaves_out_runtime_data_of_the_example(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from leadgate.core.commands import init as init_command

    source = tmp_path / "templates" / "salon"
    (source / "data").mkdir(parents=True)
    (source / "data" / "keys.json").write_text("{}", encoding="utf-8")
    (source / ".env").write_text("TOKEN=secret\n", encoding="utf-8")
    (source / "leadgate.yaml").write_text("template: salon\n", encoding="utf-8")
    monkeypatch.setattr(init_command, "template_files", lambda template: source)

    init_command.copy_template("salon", tmp_path / "new")

    assert (tmp_path / "new" / "leadgate.yaml").exists()
    assert not (tmp_path / "new" / "data").exists()
    assert not (tmp_path / "new" / ".env").exists()
