"""Redaction: merge detector spans, replace values with vault tokens, restore answers.

The pipeline uses one :class:`Redactor` per bundle and one
:class:`~leadgate.core.vault.Vault` per conversation::

    redactor = Redactor(detectors, bundle.redaction)
    result = redactor.redact(text, vault)      # mutates vault
    result.text        # "[NAME_1], мой номер [PHONE_1]"
    result.spans       # merged spans, sorted, non-overlapping (Python string indices)
    result.withheld    # categories withheld from the text, e.g. frozenset({"health"})
    result.tokens      # tokens used in this text, first appearance first
    result.unredact()  # the exact input text again, each occurrence in its own spelling
    restored = redactor.restore(answer_text, vault)
    restored.text, restored.keep_whole         # values restored in their first-seen spelling

What happens to a value depends on ``RedactionPolicy.action(category)``:

* ``tokenise`` (the default): replaced by a token; the vault stores the value.
* ``drop``: removed from the text; nothing is stored.
* ``withhold``: replaced by a placeholder such as ``[HEALTH]`` that has no vault entry,
  and the category is listed in ``result.withheld`` so the pipeline can answer with the
  bundle's ``health_reply``. Restoring removes the placeholder.

Spans from all detectors are merged by :func:`merge_spans` so that no character of any
span stays in clear. The policy's ``allow`` list names the business's own public
values (staff names, the salon's name and address), which stay in clear.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from leadgate.config.bundle import RedactionAction, RedactionPolicy
from leadgate.core import components
from leadgate.core.components import Detector, Span
from leadgate.core.vault import Vault, token_label
from leadgate.errors import LeadgateError

logger = logging.getLogger(__name__)

# Categories listed first claim their characters first when spans overlap: a
# structured value (an e-mail, a card) is kept whole, and a fuzzy one (a name, an
# address) around it is cut into the parts outside.
_PRIORITY = {
    components.EMAIL: 0,
    components.CARD: 1,
    components.DOCUMENT: 2,
    components.PHONE: 3,
    components.BIRTH_DATE: 4,
    components.ADDRESS: 5,
    components.HEALTH: 6,
    components.NAME: 7,
}
_DEFAULT_PRIORITY = 8

_KNOWN_LABELS = frozenset(token_label(category) for category in _PRIORITY)

_EDGE_TRIM = " \t\r\n.,;:!?()[]{}«»\"'-–—/"
_FRAGMENT = ":fragment"


class RedactionError(LeadgateError):
    """A detector failed or returned spans outside the text, so the text stays unprocessed."""


@dataclass(frozen=True)
class Occurrence:
    """One replaced value in a redacted text, kept in memory only.

    ``start`` and ``end`` locate the replacement in the redacted text; ``original`` is
    the exact spelling it replaced. ``token`` is empty for dropped and withheld values.
    """

    start: int
    end: int
    original: str
    category: str
    action: RedactionAction
    token: str = ""


@dataclass(frozen=True)
class RedactionResult:
    """The redacted form of one text and what was replaced in it."""

    text: str
    spans: tuple[Span, ...]
    withheld: frozenset[str]
    tokens: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]

    def unredact(self) -> str:
        """Return the exact original text, each occurrence in its own spelling."""
        pieces = []
        cursor = 0
        for occurrence in self.occurrences:
            pieces.append(self.text[cursor : occurrence.start])
            pieces.append(occurrence.original)
            cursor = occurrence.end
        pieces.append(self.text[cursor:])
        return "".join(pieces)


@dataclass(frozen=True)
class Restored:
    """An answer with its tokens replaced by values.

    ``keep_whole`` lists the ``(start, end)`` ranges of restored values in ``text``,
    which a channel splitting long messages must not cut.
    """

    text: str
    keep_whole: tuple[tuple[int, int], ...] = ()


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Resolve overlaps so every character of every span is covered exactly once.

    Spans claim characters in category priority order, then by score and length. A
    span that overlaps characters already claimed keeps only its unclaimed parts,
    trimmed of spaces and punctuation, with its own category and canonical form; a
    span wholly inside claimed characters disappears. The result is sorted by start.
    """
    ordered = sorted(
        spans,
        key=lambda span: (
            _PRIORITY.get(span.category, _DEFAULT_PRIORITY),
            -span.score,
            -(span.end - span.start),
            span.start,
        ),
    )
    claimed: list[tuple[int, int]] = []
    merged: list[Span] = []
    for span in ordered:
        for start, end in _unclaimed_parts(span.start, span.end, claimed):
            piece = span if (start, end) == (span.start, span.end) else _fragment(span, start, end)
            merged.append(piece)
            claimed.append((piece.start, piece.end))
    return sorted(merged, key=lambda span: span.start)


def _unclaimed_parts(start: int, end: int, claimed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    parts = [(start, end)]
    for taken_start, taken_end in claimed:
        next_parts = []
        for part_start, part_end in parts:
            if taken_end <= part_start or part_end <= taken_start:
                next_parts.append((part_start, part_end))
                continue
            if part_start < taken_start:
                next_parts.append((part_start, taken_start))
            if taken_end < part_end:
                next_parts.append((taken_end, part_end))
        parts = next_parts
    return parts


def _fragment(span: Span, start: int, end: int) -> Span:
    # The detector name marks the piece as cut, so Redactor.detect trims the spaces
    # and punctuation the cut left at its edges.
    return Span(
        start, end, span.category, span.canonical, f"{span.detector}{_FRAGMENT}", span.score
    )


class Redactor:
    """Runs detectors over a text and replaces what they find, following a policy.

    ``detectors`` are instances from the registry; one whose ``name`` attribute is in
    ``policy.disabled_detectors`` is skipped. A redactor holds no per-conversation
    state, so one instance serves every conversation and thread of a bundle.
    """

    def __init__(
        self, detectors: Sequence[Detector], policy: RedactionPolicy | None = None
    ) -> None:
        self.policy = policy or RedactionPolicy(actions={})
        disabled = set(self.policy.disabled_detectors)
        self.detectors = [
            detector
            for detector in detectors
            if getattr(detector, "name", type(detector).__name__) not in disabled
        ]
        self._allow = _AllowList(self.policy.allow, self._raw_spans)

    def detect(self, text: str) -> list[Span]:
        """Return the merged spans of ``text`` that the allow list does not keep in clear."""
        spans = [span for span in self._raw_spans(text) if not self._allow.covers(text, span)]
        merged = merge_spans(spans)
        return [trimmed for span in merged if (trimmed := _trim(text, span)) is not None]

    def redact(self, text: str, vault: Vault) -> RedactionResult:
        """Replace the personal values in ``text``; new tokenised values go into ``vault``."""
        spans = self.detect(text)
        pieces: list[str] = []
        occurrences: list[Occurrence] = []
        tokens: list[str] = []
        withheld: set[str] = set()
        length = 0
        cursor = 0
        for span in spans:
            before = text[cursor : span.start]
            pieces.append(before)
            length += len(before)

            original = text[span.start : span.end]
            action = self.policy.action(span.category)
            replacement, token = self._replace(span, original, action, vault)
            if token and token not in tokens:
                tokens.append(token)
            if action == "withhold":
                withheld.add(span.category)

            occurrences.append(
                Occurrence(
                    length, length + len(replacement), original, span.category, action, token
                )
            )
            pieces.append(replacement)
            length += len(replacement)
            cursor = span.end
        pieces.append(text[cursor:])

        if spans:
            logger.debug("redacted %d values, withheld %s", len(spans), sorted(withheld))
        return RedactionResult(
            text="".join(pieces),
            spans=tuple(spans),
            withheld=frozenset(withheld),
            tokens=tuple(tokens),
            occurrences=tuple(occurrences),
        )

    def restore(self, text: str, vault: Vault) -> Restored:
        """Replace the tokens in an answer with their first-seen values from ``vault``.

        Tokens an LLM rewrote slightly (``PHONE_1``, ``[phone 1]``, ``[ PHONE_1 ]``) are
        recognised. A token that is not in this vault, and any withheld placeholder,
        is removed from the text rather than shown.
        """
        labels = _KNOWN_LABELS | {token_label(entry.category) for entry in vault}
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

    def _replace(
        self, span: Span, original: str, action: RedactionAction, vault: Vault
    ) -> tuple[str, str]:
        if action == "drop":
            return "", ""
        if action == "withhold":
            return f"[{token_label(span.category)}]", ""
        token = vault.add(span.category, span.canonical, original)
        return token, token

    def _raw_spans(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for detector in self.detectors:
            name = getattr(detector, "name", type(detector).__name__)
            try:
                found = detector.detect(text)
            except Exception as error:
                # The message names the detector and the error type only: the
                # exception text of a third-party detector may quote the message.
                raise RedactionError(
                    f"detector {name!r} failed with {type(error).__name__}; the message "
                    "was not processed. Fix or disable that detector in the bundle's "
                    "redaction section."
                ) from error
            for span in found:
                if span.end > len(text):
                    raise RedactionError(
                        f"detector {name!r} returned a span ending at {span.end}, past the "
                        f"end of a {len(text)}-character text. Fix that detector."
                    )
            spans.extend(found)
        return spans


# A token as written, or as an LLM may rewrite it: bracketed with any case, spaces,
# dashes or underscores ("[ phone 1 ]", "{PHONE-1}"), or bare in capitals with an
# underscore ("PHONE_1"). A bracketed label without a number is a withheld placeholder.
_TOKEN_LIKE = re.compile(
    r"[\[{<(]\s*(?P<blabel>[A-Za-z]+(?:_[A-Za-z]+)*)(?:[\s_\-]*(?P<bnumber>\d+))?\s*[\]}>)]"
    r"|(?<![\w\[])(?P<label>[A-Za-z]+(?:_[A-Za-z]+)*)_(?P<number>\d+)(?![\w\]])"
)


def _token_parts(match: re.Match[str]) -> tuple[str, str]:
    if match.group("blabel") is not None:
        return match.group("blabel"), match.group("bnumber") or ""
    return match.group("label"), match.group("number")


def _drop_double_space(before: str, text: str, after_index: int) -> str:
    # "звоните на [PHONE_9] завтра" loses the token; keep one space, not two.
    if before.endswith(" ") and text[after_index : after_index + 1] in (" ", ""):
        return before[:-1]
    return before


def _trim(text: str, span: Span) -> Span | None:
    if not span.detector.endswith(_FRAGMENT):
        return span
    start, end = span.start, span.end
    while start < end and text[start] in _EDGE_TRIM:
        start += 1
    while end > start and text[end - 1] in _EDGE_TRIM:
        end -= 1
    if start == end:
        return None
    return Span(start, end, span.category, span.canonical, span.detector, span.score)


_FOLD_TABLE = str.maketrans({"ё": "е", "Ё": "е"})


def fold_case(text: str) -> str:
    """Lower-case ``text`` and fold ё to е without changing its length."""
    return "".join(
        lowered if len(lowered := char.lower()) == 1 else char for char in text
    ).translate(_FOLD_TABLE)


class _AllowList:
    """The business's own public values, kept in clear wherever they appear."""

    def __init__(self, phrases: Sequence[str], detect: Callable[[str], list[Span]]) -> None:
        self._patterns = [
            re.compile(r"(?<!\w)" + re.escape(fold_case(phrase.strip())) + r"(?!\w)")
            for phrase in phrases
            if phrase.strip()
        ]
        self._values: set[tuple[str, str]] = set()
        for phrase in phrases:
            phrase = phrase.strip()
            for span in detect(phrase):
                # Only a value that is the whole entry is allowed in every spelling:
                # a salon called "Анна и Ко" must not keep every client Анна in clear.
                if (span.start, span.end) != (0, len(phrase)):
                    continue
                self._values.add((span.category, span.canonical))

    def covers(self, text: str, span: Span) -> bool:
        """Return true when ``span`` is one of the allowed values or lies inside one."""
        if (span.category, span.canonical) in self._values:
            return True
        if not self._patterns:
            return False
        folded = fold_case(text)
        return any(
            match.start() <= span.start and span.end <= match.end()
            for pattern in self._patterns
            for match in pattern.finditer(folded)
        )
