"""Message catalogs for everything a person reads: Russian first, English available.

Each ``<domain>.yaml`` file beside this module maps keys to a ``ru`` and an ``en``
text, written with ``{name}`` placeholders. A key is addressed as ``domain.key``, so
a plugin's messages live in its own file and never collide with another's.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

import strictyaml
from strictyaml import Map, MapPattern, Str

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"

_CATALOG_SCHEMA = MapPattern(Str(), Map({"ru": Str(), "en": Str()}))


def resolve_locale(preferred: str | None = None) -> str:
    """Pick the locale: ``LEADGATE_LOCALE`` first, then ``preferred``, then Russian."""
    for candidate in (os.environ.get("LEADGATE_LOCALE"), preferred):
        if candidate and candidate.lower()[:2] in LOCALES:
            return candidate.lower()[:2]
    return DEFAULT_LOCALE


@cache
def _catalog(domain: str) -> dict[str, dict[str, str]]:
    source = resources.files(__name__).joinpath(f"{domain}.yaml").read_text(encoding="utf-8")
    return strictyaml.load(source, _CATALOG_SCHEMA).data


def text(key: str, locale: str | None = None, /, **params: object) -> str:
    """Return the message ``domain.key`` in ``locale`` with ``params`` filled in.

    A missing locale falls back to Russian; a missing key raises ``KeyError``, since
    that is a bug in leadgate, not in a bundle.
    """
    domain, _, name = key.partition(".")
    entry = _catalog(domain)[name]
    template = entry.get(resolve_locale(locale) if locale is None else locale) or entry["ru"]
    return template.format(**params) if params else template
