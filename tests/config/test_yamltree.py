"""Located YAML trees: lines survive merging, and strictyaml errors map back to them."""

from __future__ import annotations

import pytest
import strictyaml

from leadgate.config.yamltree import YamlProblem, merge, parse, validate

BASE = """\
business:
  name: Ромашка
  hours:
    - a: 1
      b: 2
channels: {webchat: {}}
"""
LOCAL = """\
business:
  name: Ромашка Плюс
  phone: "+7"
"""


def test_merge_keeps_origin_of_each_value() -> None:
    merged = merge(parse(BASE, "main.yaml"), parse(LOCAL, "local.yaml"))

    name = merged.find(("business", "name"))
    phone = merged.find(("business", "phone"))
    second = merged.find(("business", "hours", "0", "b"))

    assert name is not None and (name.value, name.file, name.line) == (
        "Ромашка Плюс",
        "local.yaml",
        2,
    )
    assert phone is not None and (phone.file, phone.line) == ("local.yaml", 3)
    assert second is not None and (second.file, second.line) == ("main.yaml", 5)


def test_merge_replaces_lists() -> None:
    merged = merge(parse(BASE, "main.yaml"), parse("business:\n  hours: []\n", "local.yaml"))

    hours = merged.find(("business", "hours"))

    assert hours is not None and hours.value == []


def test_validate_locates_error_after_long_value() -> None:
    long_text = "слово " * 60
    tree = parse(f'section:\n  text: "{long_text}"\n  count: many\n', "main.yaml")
    schema = strictyaml.Map({"text": strictyaml.Str(), "count": strictyaml.Int()})

    data, problem = validate(tree.get("section"), schema, ("section",))  # type: ignore[arg-type]

    assert data is None
    assert problem is not None
    assert (problem.kind, problem.path, problem.line) == ("wrong_type", ("section", "count"), 3)


def test_validate_missing_key_points_at_mapping() -> None:
    tree = parse("outer:\n  items:\n    - a: 1\n    - b: 2\n", "main.yaml")
    schema = strictyaml.Map(
        {
            "items": strictyaml.Seq(
                strictyaml.Map({"a": strictyaml.Int(), strictyaml.Optional("b"): strictyaml.Int()})
            )
        }
    )

    _, problem = validate(tree.get("outer"), schema, ("outer",))  # type: ignore[arg-type]

    assert problem is not None
    assert (problem.kind, problem.name, problem.path, problem.line) == (
        "missing_key",
        "a",
        ("outer", "items", "1"),
        4,
    )


@pytest.mark.parametrize(
    ("source", "kind", "line"),
    [("a: 1\nb: [\n", "syntax", 3), ("a:\n  x: 1\n  x: 2\n", "duplicate", 3)],
    ids=["syntax", "duplicate"],
)
def test_parse_reports_problem_line(source: str, kind: str, line: int) -> None:
    with pytest.raises(YamlProblem) as raised:
        parse(source, "main.yaml")

    assert (raised.value.kind, raised.value.line) == (kind, line)
