"""E-mail addresses, disguised ones included; canonical form lower-case with a Unicode domain.

Before matching, a copy of the text is folded: NFKC (a full-width ＠ becomes @),
spelled-out separators («собака», ``[at]``, ``(dot)``, «точка» in brackets) become
``@`` and ``.``. Spans are mapped back to the exact original text. Cyrillic domains
(``почта.рф``) and punycode (``xn--80a1acny.xn--p1ai``) are both found; the canonical
form decodes punycode and maps Cyrillic look-alike letters in Latin words to Latin, so
every spelling of one address gets one token.
"""

from __future__ import annotations

import re

import leadgate
from leadgate.core.components import EMAIL, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.core.textfold import FoldedText, fold_confusables, nfkc, substitute

_OPEN = r"[\[({<]"
_CLOSE = r"[\])}>]"
_AT_WORDS = r"(?:at|собака|собачка|эт)"
_DOT_WORDS = r"(?:dot|точка|тчк)"

_SUBSTITUTIONS = (
    (re.compile(rf"\s*{_OPEN}\s*{_AT_WORDS}\s*{_CLOSE}\s*", re.IGNORECASE), "@"),
    (re.compile(r"(?<=\w)\s+(?:собака|собачка)\s+(?=\w)", re.IGNORECASE), "@"),
    (re.compile(r"(?<=\w)[ \t]*@[ \t]*(?=\w)"), "@"),
    (re.compile(rf"\s*{_OPEN}\s*{_DOT_WORDS}\s*{_CLOSE}\s*", re.IGNORECASE), "."),
    (re.compile(r"(?<=\w)\s+(?:точка|dot)\s+(?=\w)", re.IGNORECASE), "."),
)

_QUICK = re.compile(r"[@＠﹫]|собак|" + _AT_WORDS + r"\s*" + _CLOSE, re.IGNORECASE)

_ADDRESS = re.compile(
    r"(?<![\w.+\-%'])"
    r"[\w+\-%'](?:[\w.+\-%']*[\w+\-%'])?"
    r"@"
    r"(?:[\w](?:[\w\-]*\w)?\.)+"
    r"(?:xn--[\w\-]+|[^\W\d_]{2,})"
    r"(?![\w\-])"
)


class EmailDetector(Detector):
    """Finds e-mail addresses, including disguised and internationalised ones."""

    name = "emails"
    categories = (EMAIL,)

    def detect(self, text: str) -> list[Span]:
        """Return the e-mail addresses in ``text``."""
        if _QUICK.search(text) is None:
            return []

        folded = fold_separators(text)
        spans = []
        for match in _ADDRESS.finditer(folded.text):
            start, end = folded.original_range(match.start(), match.end())
            spans.append(
                Span(start, end, EMAIL, canonical_address(match.group()), detector="emails")
            )
        return spans


def fold_separators(text: str) -> FoldedText:
    """Fold ``text`` with NFKC and turn spelled-out ``@`` and ``.`` into symbols."""
    folded = nfkc(text)
    for pattern, replacement in _SUBSTITUTIONS:
        folded = substitute(folded, pattern, replacement)
    return folded


def canonical_address(address: str) -> str:
    """Return one spelling for every way of writing ``address``."""
    local, _, domain = fold_confusables(address).lower().rpartition("@")
    labels = [_decode_label(label) for label in domain.split(".")]
    return f"{local}@{'.'.join(labels)}"


def _decode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return label


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``emails`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="emails",
            factory=_create,
            writes=frozenset({EMAIL}),
            description="E-mail addresses, including Cyrillic, punycode and disguised spellings",
            default=True,
        )
    )


def _create(context: ComponentContext) -> EmailDetector:
    return EmailDetector()
