"""Restoring vault tokens in an answer, including tokens an LLM rewrote slightly."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from leadgate.core import components
from leadgate.core.vault import Vault, token_label

logger = logging.getLogger(__name__)

KNOWN_LABELS = frozenset(
    token_label(category)
    for category in (
        components.PHONE,
        components.EMAIL,
        components.NAME,
        components.DOCUMENT,
        components.CARD,
        components.ADDRESS,
        components.BIRTH_DATE,
        components.HEALTH,
    )
)
"""Token labels recognised in every answer, whether or not the vault uses them."""

# A token as written, or as an LLM may rewrite it: bracketed with any case, spaces,
# dashes or underscores ("[ phone 1 ]", "{PHONE-1}"), or bare with an underscore
# ("PHONE_1"). A bracketed label without a number is a withheld placeholder.
_TOKEN_LIKE = re.compile(
    r"[\[{<(]\s*(?P<blabel>[A-Za-z]+(?:_[A-Za-z]+)*)(?:[\s_\-]*(?P<bnumber>\d+))?\s*[\]}>)]"
    r"|(?<![\w\[])(?P<label>[A-Za-z]+(?:_[A-Za-z]+)*)_(?P<number>\d+)(?![\w\]])"
)


@dataclass(frozen=True)
class Restored:
    """An answer with its tokens replaced by values.

    ``keep_whole`` lists the ``(start, end)`` ranges of restored values in ``text``,
    which a channel splitting long messages must not cut.
    """

    text: str
    keep_whole: tuple[tuple[int, int], ...] = ()


def restore_tokens(text: str, vault: Vault) -> Restored:
    """Replace the tokens in ``text`` with their first-seen values from ``vault``.

    Tokens an LLM rewrote slightly (``PHONE_1``, ``[phone 1]``, ``[ PHONE_1 ]``) are
    recognised. A token that is not in this vault, and any withheld placeholder, is
    removed from the text rather than shown.
    """
    # NOTE: a token that a client typed into a message («[PHONE_1]») is restored like
    # one the redactor wrote, though only from the client's own conversation.
    labels = KNOWN_LABELS | {token_label(entry.category) for entry in vault}
    pieces: list[str] = []
    keep_whole: list[tuple[int, int]] = []
    length = 0
    cursor = 0
    for match in _TOKEN_LIKE.finditer(text):
        label, number = _token_parts(match)
        if label.upper() not in labels:
            continue
        value = vault.value(f"[{label.upper()}_{number}]") if number else None
        before = text[cursor : match.start()]
        if value is None:
            before = _drop_double_space(before, text, match.end())
        pieces.append(before)
        length += len(before)
        if value is not None:
            pieces.append(value)
            keep_whole.append((length, length + len(value)))
            length += len(value)
        else:
            logger.info("removed a token that is not in this conversation's vault")
        cursor = match.end()
    pieces.append(text[cursor:])
    return Restored("".join(pieces), tuple(keep_whole))


def _token_parts(match: re.Match[str]) -> tuple[str, str]:
    if match.group("blabel") is not None:
        return match.group("blabel"), match.group("bnumber") or ""
    return match.group("label"), match.group("number")


def _drop_double_space(before: str, text: str, after_index: int) -> str:
    # "звоните на [PHONE_9] завтра" loses the token; keep one space, not two.
    if before.endswith(" ") and text[after_index : after_index + 1] in (" ", ""):
        return before[:-1]
    return before
