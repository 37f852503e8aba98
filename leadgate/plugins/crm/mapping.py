"""Helpers shared by the CRM plugins: phone spellings, lead titles, field categories.

Nothing here sends anything. The plugins call these to turn a ``LeadRecord`` into the
fields a CRM stores and to check their configuration before the first write.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import phonenumbers

from leadgate.core.components import EMAIL, MESSAGE_TEXT, NAME, PHONE, LeadRecord
from leadgate.errors import ConfigError
from leadgate.locales import text

LEAD_FIELDS = ("name", "phone", "email", "service", "visit_at", "price", "channel", "comment")
"""The keys a ``LeadRecord.fields`` may hold; a bundle lists a subset in ``crm.fields``."""

BOOKING = "booking"
"""Destruction-record category for the booking details (service, time, price, channel)."""

_CATEGORIES = {
    "name": NAME,
    "phone": PHONE,
    "email": EMAIL,
    "comment": MESSAGE_TEXT,
}

ORIGINATOR = "leadgate"
"""The value leadgate writes into a CRM's "created by" marker of its own records."""


def phone_spellings(phone: str, region: str = "RU") -> list[str]:
    """Return the spellings under which a CRM may have stored ``phone``, E.164 first.

    People type one Russian number as ``+7 913 …``, ``8 913 …`` or ``913 …``, and a
    CRM that matches stored strings finds only the spelling it was given. An
    value that is not a possible number is returned alone, stripped, so the caller still searches for it.
    """
    number = _parse_phone(phone, region)
    if number is None:
        return [phone.strip()] if phone.strip() else []

    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    national_digits = str(number.national_number)
    spellings = [e164, e164[1:], international, national]

    if number.country_code == 7 and len(national_digits) == 10:
        # Russia's trunk prefix is 8, and people write the ten-digit number in every
        # grouping: 8 (913) 123-45-67, +7 (913) 123-45-67, 8 913 123 45 67 ...
        area, rest = national_digits[:3], national_digits[3:]
        groups = f"{rest[:3]}-{rest[3:5]}-{rest[5:]}"
        spaced = f"{rest[:3]} {rest[3:5]} {rest[5:]}"
        spellings += [
            f"8{national_digits}",
            national_digits,
            f"+7 ({area}) {groups}",
            f"8 ({area}) {groups}",
            f"+7 {area} {spaced}",
            f"8 {area} {spaced}",
            f"8 {area} {groups}",
            f"8-{area}-{groups}",
            f"+7-{area}-{groups}",
        ]
    else:
        spellings.append(national_digits)

    return list(dict.fromkeys(spellings))


def canonical_phone(phone: str, region: str = "RU") -> str:
    """Return ``phone`` in E.164, or stripped as given when it is not a possible number."""
    number = _parse_phone(phone, region)
    if number is None:
        return phone.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(phone: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def allowed_fields(lead_fields: Mapping[str, str], bundle_fields: Iterable[str]) -> dict[str, str]:
    """Keep only the non-empty lead fields the bundle lists, whatever the caller passed.

    The pipeline already builds a ``LeadRecord`` from the bundle's fields. This second
    filter keeps a plugin from sending more, even if a caller gets that wrong.
    """
    listed = set(bundle_fields)
    return {key: value for key, value in lead_fields.items() if key in listed and value}


def template_fields(template: str) -> list[str]:
    """Return the ``{placeholder}`` names in a title template, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def render_title(template: str, fields: Mapping[str, str]) -> str:
    """Fill a title template; a field the lead lacks becomes empty text."""
    values = {name: fields.get(name, "") for name in template_fields(template)}
    title = template.format(**values)
    return " ".join(title.split()).strip(" -—:") or "leadgate"


def categories_of(fields: Iterable[str]) -> tuple[str, ...]:
    """Map lead field names to destruction-record categories, without duplicates."""
    return tuple(dict.fromkeys(_CATEGORIES.get(field, BOOKING) for field in fields))


def is_loopback_url(url: str) -> bool:
    """Tell whether ``url`` points at this machine (a fake server in tests, say)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_secure_url(url: str) -> bool:
    """Tell whether ``url`` may carry personal data: HTTPS, or plain HTTP to loopback."""
    scheme = urlsplit(url).scheme
    return scheme == "https" or (scheme == "http" and is_loopback_url(url))


def consent_note(heading: str, lead: LeadRecord, marker: str, locale: str) -> str:
    """Write the consent references of a lead as a CRM note: never any conversation text.

    ``heading`` opens the note; ``marker`` (the idempotency key with its prefix) closes
    it, so that a retried write can find a note it already made.
    """
    lines = [heading]
    for ref in lead.consents:
        lines.append(
            text(
                "crm.bitrix24_consent_line",
                locale,
                type=ref.get("type", ""),
                version=ref.get("version", ""),
                time=ref.get("recorded_at", ""),
                channel=ref.get("channel", ""),
            )
        )
    if not lead.consents:
        lines.append(text("crm.bitrix24_no_consents", locale))
    lines.append(marker)
    return "\n".join(lines)


def check_listed(
    crm: str, names: Iterable[str], bundle_fields: tuple[str, ...], locale: str, key: str
) -> None:
    """Raise ``ConfigError`` for a mapped field the bundle does not send to the CRM.

    Only ``crm.fields`` may leave leadgate, so a mapping of any other field is a
    configuration mistake rather than something to skip silently.
    """
    for name in names:
        if name not in bundle_fields:
            raise ConfigError(
                text("crm.field_not_listed", locale, crm=crm, key=key, field=name),
                key=key,
                value=name,
            )
