"""Restoring vault tokens in text that arrives in pieces, such as an SSE stream.

A model streams its reply in chunks, and a token may be split between them:
``"[PHO"`` in one chunk, ``"NE_1] ждёт"`` in the next. :class:`StreamRestorer`
passes text through as soon as it cannot be part of a token. It holds back only a
tail that still might be one, such as an opening bracket followed by what could
become a token, or a trailing word that could become a bare ``PHONE_1``. So a client
never receives half a token, and the whole output equals restoring the whole text at
once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The tail of the text that later characters could still turn into a token, in any
# form ``Redactor.restore`` recognises: bracketed with any case, spaces, dashes or
# underscores (``[ phone 1 ]``, ``{PHONE-1}``), or a bare word (``PHONE_1``). A
# complete bracketed token at the very end is held too, because whether a space
# before it is dropped (when the token is not in the vault) depends on the next
# character. Trailing spaces are held, alone or before such a tail, for the same reason.
_OPEN_TAIL = re.compile(
    r" *(?:"
    r"\[?\w+"
    r"|[\[{<(]\s*(?:[A-Za-z]+(?:_[A-Za-z]*)*)?(?:[\s_\-]*\d*)?\s*[\]}>)]?"
    r")?\Z"
)


class StreamRestorer:
    """A token restorer for one stream of text that arrives piece by piece.

    ``restore`` turns a complete text with tokens into the text with values, such as
    ``lambda text: redactor.restore(text, vault).text``.
    """

    def __init__(self, restore: Callable[[str], str]) -> None:
        self._restore = restore
        self._pending = ""

    @property
    def pending(self) -> str:
        """The text held back because it may be the start of a token."""
        return self._pending

    def feed(self, piece: str) -> str:
        """Add ``piece`` and return the restored text that is now safe to send."""
        text = self._pending + piece
        cut = _safe_end(text)
        self._pending = text[cut:]
        return self._restore(text[:cut]) if cut else ""

    def flush(self) -> str:
        """Return the restored rest at the end of the stream."""
        text, self._pending = self._pending, ""
        return self._restore(text) if text else ""


# A complete token, or a word that may be a bare one, at the end of the released part.
_TOKEN_END = re.compile(
    r" *(?:[\[{<(]\s*[A-Za-z]+(?:_[A-Za-z]+)*(?:[\s_\-]*\d+)?\s*[\]}>)]|\[?\w+)\Z"
)


def _safe_end(text: str) -> int:
    # The earliest start of a tail that may still grow into a token. Everything
    # before it can be restored now without changing the result.
    match = _OPEN_TAIL.search(text)
    cut = match.start() if match else len(text)

    # Restoring drops the space before a token that is not in the vault only when a
    # space or the end follows it. So a token right before a held bracket is held
    # too, until the character after it is known for certain.
    while 0 < cut < len(text) and text[cut] != " ":
        before = _TOKEN_END.search(text, 0, cut)
        if before is None:
            break
        cut = before.start()
    return cut
