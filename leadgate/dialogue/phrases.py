"""Format dates, times, hours, prices and durations for replies, in Russian or English."""

from __future__ import annotations

import datetime as dt
import re

from leadgate.config.bundle import WEEKDAYS, Dialogue, Service
from leadgate.locales import text

# A Russian postal code opens a full address («660049, г. Красноярск, …»).
_POSTAL_CODE = re.compile(r"^\s*\d{6}\b\s*,?\s*")


def capitalise(phrase: str) -> str:
    """Upper-case the first letter of ``phrase`` so it can start a sentence."""
    return phrase[:1].upper() + phrase[1:]


def format_address(address: str) -> str:
    """Drop a leading six-digit postal code, which clients do not need in a reply."""
    return _POSTAL_CODE.sub("", address).strip()


def format_day(day: dt.date, today: dt.date, locale: str) -> str:
    """Return «завтра, 5 декабря» or «в понедельник, 7 декабря» («tomorrow, 5 December»)."""
    offset = (day - today).days
    relative = {0: "today", 1: "tomorrow", 2: "day_after_tomorrow"}.get(offset)
    named = text(f"dialogue.{relative}", locale) if relative else _on_weekday(day, locale)
    date = text(
        "dialogue.date", locale, day=day.day, month=text(f"dialogue.month_{day.month}", locale)
    )
    return f"{named}, {date}"


def format_when(start: dt.datetime, today: dt.date, locale: str) -> str:
    """Return «завтра, 5 декабря, в 18:30» («tomorrow, 5 December, at 18:30»)."""
    return text(
        "dialogue.when",
        locale,
        day=format_day(start.date(), today, locale),
        time=format_time(start),
    )


def format_time(moment: dt.time | dt.datetime) -> str:
    """Return the 24-hour time, as both languages write it in Russia: «18:30»."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_duration(duration: dt.timedelta, locale: str) -> str:
    """Return «1 ч 30 мин» («1 h 30 min»)."""
    hours, minutes = divmod(int(duration.total_seconds()) // 60, 60)
    if hours and minutes:
        return text("dialogue.duration_hours_minutes", locale, hours=hours, minutes=minutes)
    if hours:
        return text("dialogue.duration_hours", locale, hours=hours)
    return text("dialogue.duration_minutes", locale, minutes=minutes)


def format_price(service: Service, locale: str) -> str:
    """Return «Маникюр — 1 500 ₽, 1 ч 30 мин»."""
    return text(
        "dialogue.price_line",
        locale,
        service=service.name,
        price=format_rubles(service.price),
        duration=format_duration(service.duration, locale),
    )


def format_rubles(amount: int) -> str:
    """Group thousands with a no-break space, as Russian typography does: «1 500»."""
    return f"{amount:,}".replace(",", "\u00a0")


def format_hours(dialogue: Dialogue, locale: str) -> str:
    """Return the weekly hours with equal neighbouring days grouped: «пн–пт 10:00–21:00, ...»."""
    groups: list[tuple[list[str], tuple[dt.time, dt.time] | None]] = []
    for weekday in WEEKDAYS:
        hours = dialogue.hours.get(weekday)
        if groups and groups[-1][1] == hours:
            groups[-1][0].append(weekday)
        else:
            groups.append(([weekday], hours))
    return ", ".join(_format_group(days, hours, locale) for days, hours in groups)


def _format_group(days: list[str], hours: tuple[dt.time, dt.time] | None, locale: str) -> str:
    first = text(f"dialogue.short_{days[0]}", locale)
    label = first if len(days) == 1 else f"{first}–{text(f'dialogue.short_{days[-1]}', locale)}"
    if hours is None:
        return text("dialogue.hours_closed", locale, days=label)
    return f"{label} {format_time(hours[0])}–{format_time(hours[1])}"


def _on_weekday(day: dt.date, locale: str) -> str:
    return text(f"dialogue.on_{WEEKDAYS[day.weekday()]}", locale)
