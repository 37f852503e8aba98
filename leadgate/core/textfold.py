"""Text folding that keeps offsets into the exact original text.

Detectors match on a folded copy of a message (NFKC, look-alike letters, spelled-out
"at" and "dot") and must still report spans in the original's Python string indices.
:class:`FoldedText` carries, for every character of the folded copy, the range of
original characters it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Cyrillic and Greek letters that look like Latin ones, as used to disguise an
# address ("ivan@mаil.ru" with a Cyrillic "а"). Folding maps them to Latin only
# inside a word that already contains Latin letters, so "почта.рф" stays Cyrillic.
CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "ν": "v",
        "ρ": "p",
    }
)

_LATIN = re.compile(r"[A-Za-z]")
_MIXED_WORD = re.compile(r"[^\s@]+")


@dataclass(frozen=True)
class FoldedText:
    """A folded copy of a text and where each of its characters came from.

    ``starts[i]`` and ``ends[i]`` give the original range behind ``text[i]``; a
    replacement such as "собака" → "@" maps one folded character to several originals.
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_range(self, start: int, end: int) -> tuple[int, int]:
        """Map the folded range ``[start, end)`` back to a range of the original text."""
        return self.starts[start], self.ends[end - 1]


def nfkc(text: str) -> FoldedText:
    """Fold ``text`` with NFKC character by character, keeping offsets."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char) if ord(char) > 127 else char
        for piece in folded:
            chars.append(piece)
            starts.append(index)
            ends.append(index + 1)
    return FoldedText("".join(chars), tuple(starts), tuple(ends))


def substitute(folded: FoldedText, pattern: re.Pattern[str], replacement: str) -> FoldedText:
    """Replace every match of ``pattern`` with ``replacement``, keeping offsets.

    Each character of the replacement maps to the whole original range of the match.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for match in pattern.finditer(folded.text):
        if match.start() == match.end():
            continue
        chars.append(folded.text[cursor : match.start()])
        starts.extend(folded.starts[cursor : match.start()])
        ends.extend(folded.ends[cursor : match.start()])

        origin_start = folded.starts[match.start()]
        origin_end = folded.ends[match.end() - 1]
        chars.append(replacement)
        starts.extend([origin_start] * len(replacement))
        ends.extend([origin_end] * len(replacement))
        cursor = match.end()
    chars.append(folded.text[cursor:])
    starts.extend(folded.starts[cursor:])
    ends.extend(folded.ends[cursor:])
    return FoldedText("".join(chars), tuple(starts), tuple(ends))


def fold_confusables(text: str) -> str:
    """Map look-alike Cyrillic and Greek letters to Latin in words that mix scripts.

    The result has the same length as ``text``, so offsets do not change.
    """
    return _MIXED_WORD.sub(_fold_word, text)


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if not _LATIN.search(word):
        return word
    return word.translate(CONFUSABLES)
