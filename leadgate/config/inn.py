"""Russian taxpayer numbers (INN): 10 digits for an organisation, 12 for a person.

The last digit (or the last two, for 12 digits) is a checksum: a weighted sum of the
preceding digits modulo 11, then modulo 10, with the weights the Federal Tax Service
publishes for the INN format.
"""

from __future__ import annotations

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_problem(inn: str) -> str | None:
    """Return ``"length"`` or ``"checksum"`` when ``inn`` is invalid, ``None`` when valid."""
    if not inn.isascii() or not inn.isdigit() or len(inn) not in (10, 12):
        return "length"
    digits = [int(char) for char in inn]
    if len(digits) == 10:
        valid = digits[9] == _check_digit(digits, _WEIGHTS_10)
    else:
        valid = digits[10] == _check_digit(digits, _WEIGHTS_11) and digits[11] == _check_digit(
            digits, _WEIGHTS_12
        )
    return None if valid else "checksum"
