"""Read Russian date and time expressions: «завтра в 18:30», «в пятницу после обеда».

:func:`parse_when` only reads what the client wrote; ``schedule.py`` checks it against
opening hours. Each pattern runs on folded text and blanks out its match, so in
«15 декабря в 10» the 15 is read as a day and the 10 as an hour, never the reverse.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from leadgate.dialogue.words import fold, mask_tokens

Window = tuple[dt.time, dt.time]

# Parts of the day as clients mean them; schedule.py intersects them with opening hours.
MORNING: Window = (dt.time(0, 0), dt.time(12, 0))
BEFORE_LUNCH: Window = (dt.time(0, 0), dt.time(13, 0))
LUNCH: Window = (dt.time(12, 0), dt.time(14, 0))
AFTER_LUNCH: Window = (dt.time(14, 0), dt.time(18, 0))
AFTERNOON: Window = (dt.time(12, 0), dt.time(17, 0))
EVENING: Window = (dt.time(17, 0), dt.time(23, 59))

_NUMBER_WORDS = {
    "один": 1, "одну": 1, "час": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12,
}  # fmt: skip
_NUMBER = r"(\d{1,2}|" + "|".join(word for word in _NUMBER_WORDS if word != "час") + ")"

_MONTHS = (
    "январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр",
    "ноябр", "декабр",
)  # fmt: skip
_MONTH = r"(январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья])"

_WEEKDAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_WEEKDAY_ABBREVIATIONS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_WEEKDAY = r"(понедельник|вторник|сред[ау]|четверг|пятниц[ау]|суббот[ау]|воскресень[ея])"

_COLON_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_SPACED_TIME = re.compile(r"\b(?:в|к|на)\s+(\d{1,2})\s+(\d{2})\b")  # «в 19 30»
# «в 18-30»; the preposition keeps phone fragments («345-12-30») out.
_DASHED_TIME = re.compile(r"\b(?:в|к|на)\s+(\d{1,2})-(\d{2})\b(?!-\d)")
_ORDINAL_HOURS = {
    "первого": 1, "второго": 2, "третьего": 3, "четвертого": 4, "пятого": 5, "шестого": 6,
    "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11,
    "двенадцатого": 12,
}  # fmt: skip
# «полседьмого», «пол-седьмого», «в половине седьмого»: half an hour before seven.
_HALF_PAST = re.compile(
    r"(?:\b(?:в|к|на)\s+)?\b(?:пол-?\s?|половин[еау]\s+)("
    + "|".join(_ORDINAL_HOURS)
    + r")(?:\s+(утра|дня|вечера|ночи))?\b"
)
_WEEKEND = re.compile(r"\b(?:на|в)\s+(?:эт\w*\s+|ближайш\w*\s+)?выходн(?:ых|ые)\b")
_DOTTED = re.compile(r"(?:\b(в|во|к|на)\s+)?\b(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?\b")
_MONTH_DATE = re.compile(r"\b(\d{1,2})(?:-?го)?\s+" + _MONTH + r"\b(?:\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"\b(\d{1,2})(?:-?го|\s+числа)\b")
_IN_DAYS = re.compile(r"\bчерез\s+(?:" + _NUMBER + r"\s+)?(день|дня|дней|неделю|недели|недель)\b")
_IN_HOURS = re.compile(r"\bчерез\s+(?:(полчаса)|(?:" + _NUMBER + r"\s+)?(час|часа|часов))\b")
# «пн», «в пт», «сб.», but not right after a number, where «вт» means watts.
_WEEKDAY_SHORT = re.compile(r"(?:\bв[о]?\s+)?(?<![\d.,]\s)(?<![\d.,])\b(пн|вт|ср|чт|пт|сб|вс)\b")
_WEEKDAY_PHRASE = re.compile(
    r"(?:\bв[о]?\s+)?(?:\b(эт[уоа]|следующ\w*|ближайш\w*)\s+)?\b" + _WEEKDAY + r"\b"
)
_RELATIVE_DAYS = tuple(
    (re.compile(rf"\b{word}\b"), offset)
    for word, offset in (("послезавтра", 2), ("завтра", 1), ("сегодня", 0))
)
_NOON = re.compile(r"(?:\bв\s+)?\bполдень\b")
_ONE_OCLOCK = re.compile(r"\b(?:в|к)\s+час\s+(дня|ночи)\b")
_HOUR_WITH_PART = re.compile(
    r"(?:\b(?:в|к|на|с)\s+)?\b" + _NUMBER + r"(?:\s+час\w*)?\s+(утра|дня|вечера|ночи)\b"
)
_BARE_HOUR = re.compile(
    r"\b(?:в|к|с)\s+" + _NUMBER + r"(?:\s+час\w*)?\b(?!\s*(?:минут|дн|недел|числ|челов|-?го))"
)
_WINDOWS = (
    (re.compile(r"\bдо\s+обеда\b"), BEFORE_LUNCH),
    (re.compile(r"\bпосле\s+обеда\b"), AFTER_LUNCH),
    (re.compile(r"\b(?:в\s+)?обед\w*"), LUNCH),
    (re.compile(r"\b(?:с\s+)?утр(?:ом|а)\b"), MORNING),
    (re.compile(r"\bдн[её]м\b"), AFTERNOON),
    (re.compile(r"\b(?:ближе\s+к\s+)?вечер(?:ом|у|а)?\b"), EVENING),
)


@dataclass(frozen=True)
class When:
    """The visit time a client wrote, before any check against opening hours.

    ``window`` is a vague part of the day («после обеда»). ``hour_ambiguous`` marks a
    bare hour from 1 to 11 without «утра» or «вечера»: «в 7» may mean 19:00.
    ``day_options`` lists candidate days, nearest first, when the client named a
    span such as «на выходных» instead of one day; ``day`` is then ``None``.
    """

    day: dt.date | None = None
    time: dt.time | None = None
    window: Window | None = None
    hour_ambiguous: bool = False
    day_options: tuple[dt.date, ...] = ()


class _Scanner:
    """Folded text from which each read expression is blanked out."""

    def __init__(self, text: str) -> None:
        self.text = fold(mask_tokens(text))

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.search(self.text)
        if match is not None:
            self.blank(match)
        return match

    def blank(self, match: re.Match[str]) -> None:
        start, end = match.span()
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]


def parse_when(text: str, now: dt.datetime) -> When | None:
    """Read the day, time or part of day in ``text``; ``None`` when it names none.

    Relative words («завтра», «в пятницу», «через неделю») count from ``now``, which
    must be in the business timezone. A date without a year that already passed
    means next year.
    """
    scanner = _Scanner(text)
    today = now.date()

    when = _read_exact_times(scanner, today)
    when = _read_days(scanner, now, when)
    when = _read_hours(scanner, when)
    when = _read_window(scanner, when)

    if when == When():
        return None
    return when


def _read_exact_times(scanner: _Scanner, today: dt.date) -> When:
    when = When()
    match = scanner.take(_COLON_TIME) or scanner.take(_SPACED_TIME)
    if match is not None:
        when = replace(when, time=_time(int(match.group(1)), int(match.group(2))))
    when = _read_dashed_time(scanner, when)
    when = _read_half_past(scanner, when)

    for match in list(_DOTTED.finditer(scanner.text)):
        preposition, first, second, year = match.groups()
        as_time = _time(int(first), int(second))
        if preposition in ("в", "во", "к") and year is None and as_time and not when.time:
            when = replace(when, time=as_time)
            scanner.blank(match)
            continue
        as_date = _date(today, int(first), int(second), _year(year))
        if as_date is not None and when.day is None:
            when = replace(when, day=as_date)
            scanner.blank(match)
        elif as_date is None and year is None and len(second) == 2 and as_time and not when.time:
            # «18.30» cannot be a date (no 30th month), so it is a time.
            when = replace(when, time=as_time)
            scanner.blank(match)
    return when


def _read_dashed_time(scanner: _Scanner, when: When) -> When:
    if when.time is not None:
        return when
    for match in list(_DASHED_TIME.finditer(scanner.text)):
        hour, minute = int(match.group(1)), int(match.group(2))
        # «в 10-12» is a range of hours, so a second number above the hour and up to 23
        # is not read as minutes.
        if minute <= 23 and minute > hour:
            continue
        moment = _time(hour, minute)
        if moment is not None:
            scanner.blank(match)
            return replace(when, time=moment)
    return when


def _read_half_past(scanner: _Scanner, when: When) -> When:
    if when.time is not None:
        return when
    match = scanner.take(_HALF_PAST)
    if match is None:
        return when

    # «полпервого» is 12:30, and like a bare «в 7» an hour from 1 to 11 may mean evening.
    hour = _ORDINAL_HOURS[match.group(1)] - 1 or 12
    part = match.group(2)
    if part:
        return replace(when, time=_time(_hour_of_part(hour, part), 30))
    return replace(when, time=_time(hour, 30), hour_ambiguous=1 <= hour <= 11)


def _read_days(scanner: _Scanner, now: dt.datetime, when: When) -> When:
    today = now.date()

    match = scanner.take(_MONTH_DATE)
    if match is not None and when.day is None:
        month = _month_number(match.group(2))
        year = int(match.group(3)) if match.group(3) else None
        when = replace(when, day=_date(today, int(match.group(1)), month, year))

    match = scanner.take(_IN_HOURS)
    if match is not None:
        minutes = 30 if match.group(1) else 60 * _number(match.group(2) or "1")
        moment = now + dt.timedelta(minutes=minutes)
        when = replace(when, day=moment.date(), time=moment.time().replace(second=0, microsecond=0))

    if when.day is None:
        when = replace(when, day=_relative_day(scanner, today))
    if when.day is None and scanner.take(_WEEKEND) is not None:
        when = replace(when, day_options=_weekend_days(today))
    return when


def _relative_day(scanner: _Scanner, today: dt.date) -> dt.date | None:
    for pattern, offset in _RELATIVE_DAYS:
        if scanner.take(pattern) is not None:
            return today + dt.timedelta(days=offset)

    match = scanner.take(_IN_DAYS)
    if match is not None:
        count = _number(match.group(1) or "1")
        unit_days = 7 if match.group(2).startswith("недел") else 1
        return today + dt.timedelta(days=count * unit_days)

    match = scanner.take(_WEEKDAY_PHRASE)
    if match is not None:
        weekday = next(i for i, stem in enumerate(_WEEKDAYS) if match.group(2).startswith(stem))
        return _weekday_date(today, weekday, match.group(1) or "")

    match = scanner.take(_WEEKDAY_SHORT)
    if match is not None:
        return _weekday_date(today, _WEEKDAY_ABBREVIATIONS.index(match.group(1)), "")

    match = scanner.take(_MONTH_DAY)
    if match is not None:
        return _month_day(today, int(match.group(1)))
    return None


def _read_hours(scanner: _Scanner, when: When) -> When:
    if when.time is not None:
        return when

    if scanner.take(_NOON) is not None:
        return replace(when, time=dt.time(12, 0))

    match = scanner.take(_ONE_OCLOCK)
    if match is not None:
        return replace(when, time=dt.time(13 if match.group(1) == "дня" else 1, 0))

    match = scanner.take(_HOUR_WITH_PART)
    if match is not None:
        hour = _hour_of_part(_number(match.group(1)), match.group(2))
        return replace(when, time=_time(hour, 0))

    match = scanner.take(_BARE_HOUR)
    if match is not None:
        hour = _number(match.group(1))
        return replace(when, time=_time(hour, 0), hour_ambiguous=1 <= hour <= 11)
    return when


def _read_window(scanner: _Scanner, when: When) -> When:
    window = next((window for pattern, window in _WINDOWS if scanner.take(pattern)), None)
    if window is None:
        return when
    if when.time is None:
        return replace(when, window=window)

    # «вечером в 7» means 19:00; a time given outright makes the window redundant.
    if when.hour_ambiguous:
        later = when.time.replace(hour=when.time.hour + 12)
        if window[0] <= later <= window[1]:
            return replace(when, time=later, hour_ambiguous=False)
    return when


def _hour_of_part(hour: int, part: str) -> int:
    if part == "утра":
        return 0 if hour == 12 else hour
    if part == "ночи":
        return 0 if hour == 12 else hour
    if part == "дня":
        return hour + 12 if hour < 6 else hour
    return hour + 12 if hour < 12 else hour


def _weekday_date(today: dt.date, weekday: int, qualifier: str) -> dt.date:
    monday = today - dt.timedelta(days=today.weekday())
    if qualifier.startswith("следующ"):
        return monday + dt.timedelta(days=7 + weekday)
    if qualifier.startswith("эт"):
        day = monday + dt.timedelta(days=weekday)
        return day if day >= today else day + dt.timedelta(days=7)

    # «в пятницу» written on a Friday means next Friday: «сегодня» would name today.
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def _weekend_days(today: dt.date) -> tuple[dt.date, ...]:
    # The rest of this weekend and the whole next one; schedule.py picks the first open day.
    days = (today + dt.timedelta(days=offset) for offset in range(14))
    return tuple(day for day in days if day.weekday() >= 5)[:4]


def _month_day(today: dt.date, day: int) -> dt.date | None:
    found = _date(today, day, today.month, today.year)
    if found is not None and found >= today:
        return found
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _date(today, day, month, year)


def _date(today: dt.date, day: int, month: int, year: int | None) -> dt.date | None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or today.year, month)[1]:
        return None
    if year is not None:
        return dt.date(year, month, day)

    found = dt.date(today.year, month, day)
    if found >= today:
        return found
    return _date(today, day, month, today.year + 1)


def _time(hour: int, minute: int) -> dt.time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return dt.time(hour, minute)
    return None


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month_number(text: str) -> int:
    return next(i for i, stem in enumerate(_MONTHS, start=1) if text.startswith(stem))


def _number(text: str) -> int:
    return int(text) if text.isdecimal() else _NUMBER_WORDS[text]
