"""Reading an answerer's settings section into typed values, with localised errors.

The bundle loader validates each section with the component's strictyaml schema and
reports line numbers. These helpers check the values again when a factory runs, so a
section built in code (a test, a plugin) gets the same clear errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leadgate.errors import ConfigError
from leadgate.locales import text


def required_text(config: Mapping[str, Any], key: str, component: str, hint: str) -> str:
    """Return the non-empty string at ``key``; raise ``ConfigError`` naming the fix."""
    value = config.get(key)
    if value is None or not str(value).strip():
        raise ConfigError(
            text("llm.missing_setting", None, component=component, key=key, hint=text(hint)),
            key=key,
        )
    return str(value).strip()


def optional_text(config: Mapping[str, Any], key: str, default: str = "") -> str:
    """Return the string at ``key`` with surrounding blanks removed, or ``default``."""
    value = config.get(key)
    if value is None:
        return default
    return str(value).strip()


def choice(
    config: Mapping[str, Any],
    key: str,
    allowed: Sequence[str],
    default: str,
    component: str,
    hint: str,
) -> str:
    """Return the value at ``key`` when it is one of ``allowed``, else ``default``."""
    value = optional_text(config, key, default)
    if value not in allowed:
        raise ConfigError(
            text(
                "llm.invalid_setting",
                None,
                component=component,
                key=key,
                value=value,
                hint=text(hint),
            ),
            key=key,
            value=value,
        )
    return value


def positive_number(
    config: Mapping[str, Any], key: str, default: float | None, component: str
) -> float | None:
    """Return the number at ``key`` (above zero), or ``default`` when it is absent."""
    value = config.get(key)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number <= 0:
        raise ConfigError(
            text(
                "llm.invalid_setting",
                None,
                component=component,
                key=key,
                value=value,
                hint=text("llm.hint_positive_number"),
            ),
            key=key,
            value=str(value),
        )
    return number


def temperature(config: Mapping[str, Any], component: str, default: float = 0.3) -> float:
    """Return the sampling temperature; zero is allowed, a negative value is not."""
    value = config.get("temperature")
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0:
        raise ConfigError(
            text(
                "llm.invalid_setting",
                None,
                component=component,
                key="temperature",
                value=value,
                hint=text("llm.hint_positive_number"),
            ),
            key="temperature",
            value=str(value),
        )
    return number
