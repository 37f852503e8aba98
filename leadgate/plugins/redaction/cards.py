"""Payment card numbers: Luhn-valid, 13 to 19 digits; canonical form the digits.

A number counts without context when its first digits belong to a card scheme used
in Russia (Mir 2200–2204, Visa, Mastercard including 2221–2720, Maestro, UnionPay,
JCB, American Express). After a word such as «карта» or «card», any Luhn-valid
number of card length counts.
"""

from __future__ import annotations

import leadgate
from leadgate.core.checksums import luhn_valid
from leadgate.core.components import CARD, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.plugins.redaction._digits import Window, context_pattern, find_windows, has_context

_LENGTHS = frozenset(range(13, 20))
_CONTEXT = context_pattern(r"карт|card|visa|виза|мир\b|mastercard|мастеркард|maestro|оплат")
# A Luhn-valid number after these words is another identifier: an OMS policy uses
# the same check digit, and barcodes and order numbers may pass it by chance.
_OTHER_NUMBER = context_pattern(
    r"полис|омс|енп|снилс|инн|сч[её]т|р/с|артикул|штрих|заказ|трек|накладн|отправлени"
)
_MIN_DIGITS = 13


def card_scheme_prefix(digits: str) -> bool:
    """Return whether ``digits`` start with the issuer range of a known card scheme."""
    first_two, first_four = int(digits[:2]), int(digits[:4])
    return (
        2200 <= first_four <= 2204  # Mir
        or digits[0] == "4"  # Visa
        or 51 <= first_two <= 55  # Mastercard
        or 2221 <= first_four <= 2720  # Mastercard 2-series
        or first_two in (34, 37)  # American Express
        or first_two in (50, 56, 57, 58, 63, 67)  # Maestro
        or first_two == 62  # UnionPay
        or 3528 <= first_four <= 3589  # JCB
    )


class CardDetector(Detector):
    """Finds payment card numbers by Luhn check and issuer range or context."""

    name = "cards"
    categories = (CARD,)

    def detect(self, text: str) -> list[Span]:
        """Return the card numbers in ``text``."""
        if sum(map(str.isdigit, text)) < _MIN_DIGITS:
            return []

        def accept(window: Window) -> bool:
            if not luhn_valid(window.digits) or has_context(text, window.start, _OTHER_NUMBER):
                return False
            return card_scheme_prefix(window.digits) or has_context(text, window.start, _CONTEXT)

        return [
            Span(window.start, window.end, CARD, window.digits, detector="cards")
            for window in find_windows(text, _LENGTHS, accept)
        ]


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``cards`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="cards",
            factory=_create,
            writes=frozenset({CARD}),
            description="Payment card numbers (Luhn; Mir, Visa, Mastercard and others)",
            default=True,
        )
    )


def _create(context: ComponentContext) -> CardDetector:
    return CardDetector()
