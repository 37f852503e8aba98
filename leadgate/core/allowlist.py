"""The business's own public values (staff names, its name and address), kept in clear."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from leadgate.core.components import Span

_FOLD_TABLE = str.maketrans({"ё": "е", "Ё": "е"})


def fold_case(text: str) -> str:
    """Lower-case ``text`` and fold ё to е without changing its length."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters lower-case to two ("İ"); keep those as they are so that
        # offsets into the folded text stay offsets into the original.
        lowered = "".join(low if len(low := char.lower()) == 1 else char for char in text)
    return lowered.translate(_FOLD_TABLE)


class AllowList:
    """The business's own public values, kept in clear wherever they appear."""

    def __init__(self, phrases: Sequence[str], detect: Callable[[str], list[Span]]) -> None:
        # Longer phrases come first, so "Ольга Смирнова" wins over "Ольга" at one position.
        alternatives = [
            re.escape(fold_case(phrase.strip()))
            for phrase in sorted(phrases, key=len, reverse=True)
            if phrase.strip()
        ]
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
            if alternatives
            else None
        )
        self._values: set[tuple[str, str]] = set()
        for phrase in phrases:
            phrase = phrase.strip()
            for span in detect(phrase):
                # Only a value that is the whole entry is allowed in every spelling:
                # a salon called "Анна и Ко" must not keep every client Анна in clear.
                if (span.start, span.end) != (0, len(phrase)):
                    continue
                self._values.add((span.category, span.canonical))

    def remove_allowed(self, text: str, spans: list[Span]) -> list[Span]:
        """Return the spans that are not allowed values and lie inside no allowed phrase."""
        spans = [span for span in spans if (span.category, span.canonical) not in self._values]
        if not spans or self._pattern is None:
            return spans
        allowed = [match.span() for match in self._pattern.finditer(fold_case(text))]
        return [
            span
            for span in spans
            if not any(start <= span.start and span.end <= end for start, end in allowed)
        ]
