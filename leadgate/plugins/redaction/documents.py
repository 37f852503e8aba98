"""Identity and account numbers: passport, SNILS, INN, OMS policy, bank account.

All of them are category ``document``; the canonical form is the kind and the digits
(``snils:11223344595``). Numbers are taken by checksum where the identifier has one
and by context where a bare number could be anything else:

* passport series and number (10 digits, «0412 345678», «серия 04 12 № 345678»)
  after a word such as «паспорт» or «серия»;
* SNILS written as ``123-456-789 01`` with a valid control number, or 11 digits
  after «СНИЛС»;
* INN of 10 or 12 digits after «ИНН», with a valid check digit;
* OMS policy, 16 digits after «полис» or «ОМС», with a valid check digit;
* bank account, 20 digits after a word such as «счёт» or «р/с», or starting with a
  personal-account prefix (408, 423). When the text names a BIC, the account must
  match it by the control key unless a context word introduces it.
"""

from __future__ import annotations

import re

import leadgate
from leadgate.core.checksums import account_key_valid, inn_valid, oms_valid, snils_valid
from leadgate.core.components import DOCUMENT, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.plugins.redaction._digits import Window, context_pattern, find_windows, has_context

_PASSPORT_CONTEXT = context_pattern(r"паспорт|серия|серии|серию|passport")
_SNILS_CONTEXT = context_pattern(r"снилс|snils|страхов\w* свидетельств")
_INN_CONTEXT = context_pattern(r"инн|inn\b|налогов")
_OMS_CONTEXT = context_pattern(r"полис|омс|oms\b|енп|медицинск\w* страхов")
_ACCOUNT_CONTEXT = context_pattern(r"р/с|р/сч|расч[её]тн|сч[её]т|лицев|account")

_PASSPORT = re.compile(
    r"(?<!\d)(\d{2}[ \u00a0]?\d{2})[ \u00a0]*(?:(?:№|номер|н\.|#)[ \u00a0]*)?(\d{6})(?!\d)",
    re.IGNORECASE,
)
_SNILS_FORMATTED = re.compile(r"(?<!\d)\d{3}-\d{3}-\d{3}[ \-]\d{2}(?!\d)")
_BIC = re.compile(r"(?<!\d)04\d{7}(?!\d)")
_PERSONAL_ACCOUNT_PREFIXES = ("408", "423")
_MIN_DIGITS = 10


class DocumentDetector(Detector):
    """Finds passport, SNILS, INN, OMS policy and bank account numbers."""

    name = "documents"
    categories = (DOCUMENT,)

    def detect(self, text: str) -> list[Span]:
        """Return the identity and account numbers in ``text``."""
        if sum(map(str.isdigit, text)) < _MIN_DIGITS:
            return []

        spans: list[Span] = []
        for candidate in (
            *_passports(text),
            *_snils(text),
            *_inns(text),
            *_oms(text),
            *_accounts(text),
        ):
            if not any(candidate.start < span.end and span.start < candidate.end for span in spans):
                spans.append(candidate)
        return spans


def _span(window: Window, kind: str) -> Span:
    return Span(window.start, window.end, DOCUMENT, f"{kind}:{window.digits}", detector="documents")


def _passports(text: str) -> list[Span]:
    spans = []
    for match in _PASSPORT.finditer(text):
        if has_context(text, match.start(), _PASSPORT_CONTEXT):
            digits = re.sub(r"\D", "", match.group(1)) + match.group(2)
            spans.append(_span(Window(match.start(), match.end(), digits), "passport"))
    return spans


def _snils(text: str) -> list[Span]:
    spans = []
    for match in _SNILS_FORMATTED.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if snils_valid(digits):
            spans.append(_span(Window(match.start(), match.end(), digits), "snils"))

    def accept(window: Window) -> bool:
        return snils_valid(window.digits) and has_context(text, window.start, _SNILS_CONTEXT)

    spans += [_span(window, "snils") for window in find_windows(text, frozenset({11}), accept)]
    return spans


def _inns(text: str) -> list[Span]:
    def accept(window: Window) -> bool:
        return inn_valid(window.digits) and has_context(text, window.start, _INN_CONTEXT)

    return [_span(window, "inn") for window in find_windows(text, frozenset({10, 12}), accept)]


def _oms(text: str) -> list[Span]:
    def accept(window: Window) -> bool:
        return oms_valid(window.digits) and has_context(text, window.start, _OMS_CONTEXT)

    return [_span(window, "oms") for window in find_windows(text, frozenset({16}), accept)]


def _accounts(text: str) -> list[Span]:
    bics = [match.group() for match in _BIC.finditer(text)]

    def accept(window: Window) -> bool:
        introduced = has_context(text, window.start, _ACCOUNT_CONTEXT)
        if not introduced and not window.digits.startswith(_PERSONAL_ACCOUNT_PREFIXES):
            return False
        if bics and not introduced:
            return any(account_key_valid(window.digits, bic) for bic in bics)
        return True

    return [_span(window, "account") for window in find_windows(text, frozenset({20}), accept)]


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``documents`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="documents",
            factory=_create,
            writes=frozenset({DOCUMENT}),
            description="Passport, SNILS, INN, OMS policy and bank account numbers",
            default=True,
        )
    )


def _create(context: ComponentContext) -> DocumentDetector:
    return DocumentDetector()
