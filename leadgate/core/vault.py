"""The per-conversation vault: which token stands for which personal value.

A :class:`Vault` belongs to one conversation. It maps tokens such as ``[PHONE_1]`` to
the value they replace. Every spelling of one value gets the same token, because the
detectors report a spelling-independent ``canonical`` form (E.164 for a phone, a
lower-case nominative lemma for a name). The vault keeps the first spelling it saw of
each value, which is what a restored answer shows.

The vault is plain data: :meth:`Vault.to_dict` gives a JSON-serialisable mapping that
the pipeline stores encrypted, and :meth:`Vault.from_dict` reads it back. A vault is
not shared between conversations and is not thread-safe; one conversation is
processed by one task at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from leadgate import locales
from leadgate.errors import LeadgateError

VAULT_FORMAT = 1
"""Version of the :meth:`Vault.to_dict` layout; bumped when the layout changes."""

_TOKEN = re.compile(r"\[([A-Z][A-Z_]*?)_(\d+)\]")


class VaultError(LeadgateError):
    """A stored vault cannot be read: unknown format version or malformed entries."""


@dataclass(frozen=True)
class VaultEntry:
    """One value in the vault: its category, canonical form and first-seen spelling."""

    token: str
    category: str
    canonical: str
    original: str


def token_label(category: str) -> str:
    """Return the upper-case label a category uses in tokens (``birth_date`` → ``BIRTH_DATE``)."""
    return re.sub(r"[^A-Z0-9]+", "_", category.upper()).strip("_") or "VALUE"


class Vault:
    """Tokens and the personal values they replace, for one conversation."""

    def __init__(self) -> None:
        self._entries: dict[str, VaultEntry] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._counters: dict[str, int] = {}

    def add(self, category: str, canonical: str, original: str) -> str:
        """Return the token for a value, creating it on first sight.

        A value already in the vault (same category and canonical form) keeps its
        token and its first-seen ``original`` spelling.
        """
        key = (category, canonical)
        existing = self._by_value.get(key)
        if existing is not None:
            return existing

        label = token_label(category)
        number = self._counters.get(label, 0) + 1
        self._counters[label] = number
        token = f"[{label}_{number}]"
        self._entries[token] = VaultEntry(token, category, canonical, original)
        self._by_value[key] = token
        return token

    def token_for(self, category: str, canonical: str) -> str | None:
        """Return the token of a value already in the vault, or ``None``."""
        return self._by_value.get((category, canonical))

    def value(self, token: str) -> str | None:
        """Return the first-seen spelling behind ``token``, or ``None`` if it is not here."""
        entry = self._entries.get(token)
        return entry.original if entry else None

    def canonical(self, token: str) -> str | None:
        """Return the canonical form behind ``token``, or ``None`` if it is not here."""
        entry = self._entries.get(token)
        return entry.canonical if entry else None

    def entry(self, token: str) -> VaultEntry | None:
        """Return the whole entry behind ``token``, or ``None``."""
        return self._entries.get(token)

    def __contains__(self, token: object) -> bool:
        return token in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[VaultEntry]:
        return iter(list(self._entries.values()))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable copy; the caller encrypts it before storing."""
        return {
            "format": VAULT_FORMAT,
            "entries": [
                {
                    "token": entry.token,
                    "category": entry.category,
                    "canonical": entry.canonical,
                    "original": entry.original,
                }
                for entry in self._entries.values()
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vault:
        """Rebuild a vault from :meth:`to_dict` output; raise ``VaultError`` if malformed."""
        if data.get("format") != VAULT_FORMAT:
            raise VaultError(
                locales.text(
                    "redaction.vault_format", found=repr(data.get("format")), expected=VAULT_FORMAT
                )
            )
        vault = cls()
        for position, item in enumerate(data.get("entries", [])):
            vault._load_entry(position, item)
        return vault

    def _load_entry(self, position: int, item: Any) -> None:
        # Error messages name the position and the broken field, never the stored values.
        try:
            entry = VaultEntry(
                token=str(item["token"]),
                category=str(item["category"]),
                canonical=str(item["canonical"]),
                original=str(item["original"]),
            )
        except (KeyError, TypeError) as error:
            raise VaultError(
                locales.text("redaction.vault_entry_missing_field", position=position, field=error)
            ) from error

        match = _TOKEN.fullmatch(entry.token)
        if match is None or entry.token in self._entries:
            raise VaultError(locales.text("redaction.vault_entry_bad_token", position=position))
        label, number = match.group(1), int(match.group(2))
        self._entries[entry.token] = entry
        self._by_value[(entry.category, entry.canonical)] = entry.token
        self._counters[label] = max(self._counters.get(label, 0), number)
