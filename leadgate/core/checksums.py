"""Check digits of Russian identifiers and payment cards.

Each function takes a string of digits only and returns whether its check digits are
valid. Cards use Luhn (ISO/IEC 7812). SNILS, INN and the mandatory medical insurance
(OMS) policy use the rules of the Pension Fund, the Federal Tax Service and the OMS
funds. A bank account is tied to its bank's BIC by the Bank of Russia's control key.
"""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """Return whether ``digits`` pass the Luhn check (payment cards, OMS policies)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def snils_valid(digits: str) -> bool:
    """Return whether an 11-digit SNILS has a valid two-digit control number.

    Numbers up to 001-001-998 were issued before the control number existed and are
    accepted as they are.
    """
    if len(digits) != 11 or not digits.isdigit():
        return False
    number, control = digits[:9], int(digits[9:])
    if int(number) <= 1001998:
        return True
    total = sum(int(char) * weight for char, weight in zip(number, range(9, 0, -1), strict=True))
    expected = total % 101
    if expected == 100:
        expected = 0
    return control == expected


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(char) * weight for char, weight in zip(digits, weights, strict=False)) % 11 % 10


def inn_valid(digits: str) -> bool:
    """Return whether a 10-digit (company) or 12-digit (person) INN is valid."""
    if not digits.isdigit():
        return False
    if len(digits) == 10:
        return _inn_digit(digits, _INN10) == int(digits[9])
    if len(digits) == 12:
        return _inn_digit(digits, _INN12_FIRST) == int(digits[10]) and _inn_digit(
            digits, _INN12_SECOND
        ) == int(digits[11])
    return False


def oms_valid(digits: str) -> bool:
    """Return whether a 16-digit single-format OMS policy number has a valid check digit.

    The control digit of the policies issued since 2011 doubles the digits in odd
    places from the right as one number, which gives the same digit sum as Luhn.
    """
    # NOTE: derived from the published description of the control digit; not checked
    # against real policies, which the tests cannot use.
    return len(digits) == 16 and luhn_valid(digits)


_ACCOUNT_WEIGHTS = (7, 1, 3) * 7 + (7, 1)


def account_key_valid(account: str, bic: str) -> bool:
    """Return whether a 20-digit account number matches a 9-digit BIC (control key).

    For an account at a bank, the last three digits of the BIC come first. For an
    account at a Bank of Russia branch (a BIC ending in 000), a zero and the fifth and
    sixth digits of the BIC come first instead.
    """
    if len(account) != 20 or len(bic) != 9 or not (account + bic).isdigit():
        return False
    prefix = "0" + bic[4:6] if bic[6:9] == "000" else bic[6:9]
    combined = prefix + account
    total = sum(
        (int(char) * weight) % 10 for char, weight in zip(combined, _ACCOUNT_WEIGHTS, strict=True)
    )
    return total % 10 == 0
