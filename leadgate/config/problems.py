"""Collecting bundle errors in one pass and rendering them in the reader's language.

Errors are gathered before the locale is known (it may come from the bundle itself),
so each is kept as a message key with parameters and localised at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadgate.config.yamltree import Node, Path, SchemaProblem
from leadgate.errors import ConfigError
from leadgate.locales import text

_MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Term:
    """A parameter that is itself a catalog message, localised with the error."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Problem:
    """One error before localisation; ``message_key`` names it in ``config.yaml``."""

    message_key: str
    file: str | None
    line: int | None
    key: str
    value: str | None
    params: dict[str, Any]


def dotted(path: Path) -> str:
    """Write a tree path the way the docs name keys: ``consents.booking.text``."""
    return ".".join(path)


def shorten(value: str) -> str:
    """Cut a long value (a consent text, say) for display in an error."""
    flat = " ".join(value.split())
    return flat if len(flat) <= _MAX_VALUE_CHARS else flat[: _MAX_VALUE_CHARS - 1] + "…"


@dataclass
class Problems:
    """The errors found so far in one bundle."""

    items: list[Problem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(
        self,
        message: str,
        where: Node | tuple[str, int | None] | None,
        path: Path = (),
        *,
        value: str | None = None,
        use_key_line: bool = False,
        **params: Any,
    ) -> None:
        """Record the catalog message ``config.<message>`` at a node or a (file, line)."""
        if isinstance(where, Node):
            # A mapping or list is reported at the key that introduces it.
            at_key = use_key_line or not isinstance(where.value, str)
            file, line = where.file, where.key_line if at_key else where.line
        elif where is None:
            file, line = None, None
        else:
            file, line = where
        display_value = None if value is None else shorten(value)
        params = {"key": dotted(path), "value": display_value, **params}
        self.items.append(Problem(message, file, line, dotted(path), display_value, params))

    def add_schema(self, problem: SchemaProblem) -> None:
        """Record a strictyaml validation problem with a message of its kind."""
        where = (problem.node.file, problem.line)
        if problem.kind in ("missing_key", "unknown_key"):
            self.add(problem.kind, where, problem.path, name=problem.name)
        elif problem.kind == "secret":
            self.add("secret_literal", where, problem.path, example=variable_name_for(problem.path))
        elif problem.kind in ("wrong_type", "blank"):
            value = problem.node.value if isinstance(problem.node.value, str) else None
            expected = _expected_term(problem.expected)
            self.add(problem.kind, where, problem.path, value=value, expected=expected)
        else:
            self.add("invalid", where, problem.path, detail=problem.detail)

    def errors(self, locale: str) -> list[ConfigError]:
        """Return the localised errors, ordered by file and line."""
        ordered = sorted(self.items, key=lambda item: (item.file or "", item.line or 0))
        return [_localise(item, locale) for item in ordered]


def variable_name_for(path: Path) -> str:
    """Suggest an environment variable name for a secret at ``path``: ``TELEGRAM_TOKEN``."""
    words = [part for part in path if not part.isdigit()]
    return "_".join(words[-2:]).upper().replace("-", "_") or "SECRET"


def _expected_term(expected: str) -> Term:
    for prefix, key in (
        ("an integer", "expected_integer"),
        ("a boolean", "expected_boolean"),
        ("a mapping", "expected_mapping"),
        ("a sequence", "expected_sequence"),
        ("a str", "expected_string"),
    ):
        if expected.startswith(prefix):
            return Term(f"config.{key}")
    if expected.startswith("one of"):
        return Term(
            "config.expected_one_of", (("options", expected.removeprefix("one of:").strip()),)
        )
    return Term("config.expected_other", (("expected", expected),))


def _localise(item: Problem, locale: str) -> ConfigError:
    params = {name: _render(value, locale) for name, value in item.params.items()}
    message = text(f"config.{item.message_key}", locale, **params)
    if item.key:
        message = f"{item.key}: {message}"
    return ConfigError(
        message, file=item.file, line=item.line, key=item.key or None, value=item.value
    )


def _render(value: Any, locale: str) -> Any:
    if isinstance(value, Term):
        return text(value.key, locale, **{k: _render(v, locale) for k, v in value.params})
    if isinstance(value, list | tuple):
        return ", ".join(str(_render(part, locale)) for part in value)
    return value
