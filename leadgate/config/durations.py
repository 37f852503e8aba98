"""Durations and opening hours as bundles write them.

A duration is an integer and one unit letter, such as ``30d``.

Units: ``s`` seconds, ``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks and ``y``
years of 365 days. Retention periods are counted this way, so ``3y`` is 1095 days.
"""

from __future__ import annotations

import datetime as dt
import re

_HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
CLOSED = ("closed", "выходной")

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdwy])\s*$")

_UNIT_SECONDS = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}


def parse_duration(text: str) -> dt.timedelta:
    """Parse ``text`` such as ``90m`` or ``3y``; raise ``ValueError`` if it does not match."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"invalid duration {text!r}: write an integer and one of s, m, h, d, w, y")
    amount, unit = match.groups()
    return dt.timedelta(seconds=int(amount) * _UNIT_SECONDS[unit])


def format_duration(value: dt.timedelta) -> str:
    """Write ``value`` back in the largest unit that divides it exactly (``1095 days`` -> ``3y``)."""
    seconds = int(value.total_seconds())
    for unit in ("y", "w", "d", "h", "m"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def parse_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """Parse opening hours ``10:00-20:00``; return ``None`` for ``closed``.

    Raise ``ValueError`` unless the text is a range within one day whose start comes
    before its end.
    """
    if text.strip().lower() in CLOSED:
        return None
    match = _HOURS.match(text)
    if match is None:
        raise ValueError(f"invalid opening hours {text!r}: write 10:00-20:00 or closed")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    start, end = dt.time(start_hour, start_minute), dt.time(end_hour, end_minute)
    if start >= end:
        raise ValueError(f"invalid opening hours {text!r}: the start must come before the end")
    return start, end
