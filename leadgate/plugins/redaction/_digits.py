"""Digit groups and the windows of whole groups that identifiers are matched on.

Clients write identifiers in groups ("2200 1234 5678 9019", "112-233-445 95") and
sometimes run two numbers together with one space between. Detectors therefore try
every window of consecutive whole groups, not the whole run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_GROUP = re.compile(r"\d+")
_JOINER = re.compile(r"[ \u00a0\-–]?")


@dataclass(frozen=True)
class Window:
    """Consecutive digit groups: their range in the text and their digits."""

    start: int
    end: int
    digits: str


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    run: list[re.Match[str]] = []
    for group in _GROUP.finditer(text):
        if run and _JOINER.fullmatch(text[run[-1].end() : group.start()]) is None:
            yield run
            run = []
        run.append(group)
    if run:
        yield run


def find_windows(
    text: str, lengths: frozenset[int], accept: Callable[[Window], bool]
) -> list[Window]:
    """Return non-overlapping windows whose digit count is in ``lengths`` and that ``accept`` takes.

    From each group the longest accepted window wins; the search goes on after it.
    """
    found: list[Window] = []
    longest = max(lengths)
    for run in _runs(text):
        index = 0
        while index < len(run):
            best = _best_window(run, index, lengths, longest, accept)
            if best is None:
                index += 1
                continue
            window, last = best
            found.append(window)
            index = last + 1
    return found


def _best_window(
    run: list[re.Match[str]],
    index: int,
    lengths: frozenset[int],
    longest: int,
    accept: Callable[[Window], bool],
) -> tuple[Window, int] | None:
    best = None
    digits = ""
    for last in range(index, len(run)):
        digits += run[last].group()
        if len(digits) > longest:
            break
        if len(digits) in lengths:
            window = Window(run[index].start(), run[last].end(), digits)
            if accept(window):
                best = (window, last)
    return best


def context_pattern(words: str, reach: int = 30) -> re.Pattern[str]:
    """Compile a pattern for ``words`` followed by up to ``reach`` characters that are not digits.

    Used with :func:`has_context`, it finds a keyword that introduces the number right
    after it, and not one that belongs to an earlier number.
    """
    return re.compile(rf"(?:{words})[^\d]{{0,{reach}}}$", re.IGNORECASE)


def has_context(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    """Return whether ``pattern`` (from :func:`context_pattern`) ends right at ``start``."""
    return pattern.search(text[max(0, start - 80) : start]) is not None
