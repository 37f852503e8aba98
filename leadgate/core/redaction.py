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
    redactor.detect(text)                      # the merged spans alone, nothing replaced
    redactor.warm_up()                         # load detector models now, not on first use

What happens to a value depends on ``RedactionPolicy.action(category)``:

* ``tokenise`` (the default): replaced by a token; the vault stores the value.
* ``drop``: removed from the text; nothing is stored.
* ``withhold``: replaced by a placeholder such as ``[HEALTH]`` that has no vault entry,
  and the category is listed in ``result.withheld`` so the pipeline can answer with the
  bundle's ``health_reply``. Restoring removes the placeholder.

Spans from all detectors are merged by :func:`merge_spans` so that no letter or digit
of any span stays in clear. The policy's ``allow`` list names the business's own
public values (staff names, the salon's name and address), which stay in clear. The
pipeline adds values it learns outside the text, such as a phone from a shared
contact, with ``vault.add(category, canonical, original)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from leadgate import locales
from leadgate.config.bundle import RedactionAction, RedactionPolicy
from leadgate.core import components
from leadgate.core.allowlist import AllowList
from leadgate.core.components import Detector, Span
from leadgate.core.restore import Restored, restore_tokens
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


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Resolve overlaps so that every character of every span is in exactly one result span.

    Spans claim characters in category priority order, then by score and length. A
    span that overlaps characters already claimed keeps only its unclaimed parts, with
    its own category and canonical form. A span wholly inside claimed characters
    disappears. The result is sorted by start. ``Redactor.detect`` later trims spaces
    and punctuation from the edges of the cut parts, so those few characters stay.
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
    ``policy.disabled_detectors`` is skipped. A redactor keeps no per-conversation
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
        self._allow = AllowList(self.policy.allow, self._raw_spans)

    def warm_up(self) -> None:
        """Load every detector's models now (those with a ``warm_up`` method), not on first use.

        Call it when the service starts, so that the first client does not wait for
        the name model to load (about a second).
        """
        for detector in self.detectors:
            warm_up = getattr(detector, "warm_up", None)
            if callable(warm_up):
                warm_up()

    def detect(self, text: str) -> list[Span]:
        """Return the merged spans of ``text`` that the allow list does not keep in clear."""
        spans = self._allow.remove_allowed(text, self._raw_spans(text))
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

        Slightly rewritten tokens are recognised and tokens missing from this vault
        are removed, as :func:`leadgate.core.restore.restore_tokens` describes.
        """
        return restore_tokens(text, vault)

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
                    locales.text("redaction.detector_failed", name=name, error=type(error).__name__)
                ) from error
            for span in found:
                if span.end > len(text):
                    raise RedactionError(
                        locales.text(
                            "redaction.span_out_of_text", name=name, end=span.end, length=len(text)
                        )
                    )
            spans.extend(found)
        return spans


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
