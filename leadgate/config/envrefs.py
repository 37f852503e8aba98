"""``${VAR}`` references: how secrets reach a bundle without being written in it.

Any string value may contain ``${NAME}`` references, resolved from the process
environment and then from a ``.env`` file next to the bundle (the process
environment wins). ``$${`` writes a literal ``${``. References are resolved after
schema validation, so they work in string values only, not in numbers or yes/no.

A component marks its secret keys with :class:`Secret` in its schema: the value must
then be exactly one reference, so a token pasted into the YAML is rejected. Keys
named like a secret (``token``, ``secret``, ``password``, ``api_key``...) in any
component section get the same check, whatever their schema declares.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import strictyaml
from dotenv import dotenv_values

REFERENCE = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}")
ONLY_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
SECRET_KEY = re.compile(
    r"(^|_)(token|secret|password|passwd|api_?key|access_key|private_key|app_secret)$",
    re.IGNORECASE,
)

SECRET_EXPECTATION = "a ${VARIABLE} reference to a secret"  # noqa: S105 - a message, not a secret


class Secret(strictyaml.Str):
    """A strictyaml validator for a secret: only a ``${VAR}`` reference is accepted."""

    @property
    def rule_description(self) -> str:
        """The expectation strictyaml puts in its error; the loader recognises it."""
        return SECRET_EXPECTATION

    def validate_scalar(self, chunk: Any) -> Any:
        """Accept ``${NAME}`` and nothing else."""
        if not ONLY_REFERENCE.match(chunk.contents):
            chunk.expecting_but_found(f"when expecting {SECRET_EXPECTATION}")
        return chunk.contents


def load_environment(bundle_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the variables references may use: ``.env`` beside the bundle, then the process."""
    values: dict[str, str] = {}
    env_file = bundle_dir / ".env"
    if env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def referenced_names(text: str) -> list[str]:
    """Return the variable names ``text`` refers to, skipping ``$${...}`` escapes."""
    return [name for escape, name in REFERENCE.findall(text) if not escape]


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Replace references in ``text``; an unset variable becomes an empty string."""

    def replace(match: re.Match[str]) -> str:
        escape, name = match.groups()
        if escape:
            return "${" + name + "}"
        return variables.get(name, "")

    return REFERENCE.sub(replace, text)


def resolve(data: Any, variables: Mapping[str, str]) -> Any:
    """Return ``data`` (validated YAML data) with references in every string resolved."""
    if isinstance(data, str):
        return substitute(data, variables)
    if isinstance(data, dict):
        return {key: resolve(value, variables) for key, value in data.items()}
    if isinstance(data, list):
        return [resolve(item, variables) for item in data]
    return data


def looks_secret(key: str) -> bool:
    """Return whether a key's name marks it as a secret (``bot_token``, ``api_key``...)."""
    return bool(SECRET_KEY.search(key))
