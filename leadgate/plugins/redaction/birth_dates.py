"""Birth dates, taken only by context: «дата рождения 12.03.1990», «1990 г.р.».

A date counts after a cue such as «дата рождения», «д.р.», «д/р», «родилась»,
«день рождения», or when «г.р.» follows it. A full date without a cue counts when
its year is at least five years before the current one («Иванова Анна, 24/10/1996»),
so the result depends on the current year. Appointment dates and ages («мне 35
лет») are left alone. The canonical form is ISO 8601:
``1990-03-12``, ``1990`` for a year alone, ``--03-12`` for a day and month.
"""

from __future__ import annotations

import datetime as dt
import re

import leadgate
from leadgate.core.components import BIRTH_DATE, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register

_MONTHS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
_MONTH_WORD = (
    r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
)
_DATE = (
    r"(?P<day>\d{1,2})[./\-](?P<month>\d{1,2})(?:[./\-](?P<year>\d{4}|\d{2}))?"
    rf"|(?P<wday>\d{{1,2}})\s+(?P<wmonth>{_MONTH_WORD})(?:\s+(?P<wyear>\d{{4}}))?"
    r"|(?P<ayear>(?:19|20)\d{2})"
)
_CUE = (
    r"дат\w*\s+рождени\w*|д\.\s?р\.?|д/р|\bдр\b|родил(?:ась|ся|ись)|рожден\w*|"
    r"день\s+рождени\w*|год\s+рождени\w*|г\.\s?р\."
)
_AFTER_CUE = re.compile(
    rf"(?:{_CUE})[\s:\-–—,]*(?:в\s+|от\s+)?(?:{_DATE})(?:\s*(?:г\.?|года?)(?![а-яё]))?",
    re.IGNORECASE,
)
_BEFORE_MARK = re.compile(rf"(?:{_DATE})\s*(?:г\.?\s?р\.?|года\s+рождения)", re.IGNORECASE)
_QUICK = re.compile(r"рожд|родил|д\.\s?р|д/р|\bдр\b|г\.\s?р", re.IGNORECASE)
# A full date whose year lies this far back or more is no appointment date, and in a
# chat to a salon, clinic or gym it is nearly always someone's birth date.
_FULL_DATE = re.compile(
    rf"(?<![\d.])(?:(?P<day>\d{{1,2}})[./\-](?P<month>\d{{1,2}})[./\-](?P<year>(?:19|20)\d{{2}})"
    rf"|(?P<wday>\d{{1,2}})\s+(?P<wmonth>{_MONTH_WORD})\s+(?P<wyear>(?:19|20)\d{{2}}))(?![\d.]\d)",
    re.IGNORECASE,
)
_PAST_YEARS = 5
_CENTURY_PIVOT = 30


class BirthDateDetector(Detector):
    """Finds birth dates introduced or followed by a birth-date cue."""

    name = "birth_dates"
    categories = (BIRTH_DATE,)

    def detect(self, text: str) -> list[Span]:
        """Return the birth dates in ``text``."""
        spans: list[Span] = []
        patterns = (_AFTER_CUE, _BEFORE_MARK) if _QUICK.search(text) else ()
        for pattern in (*patterns, _FULL_DATE):
            for match in pattern.finditer(text):
                start, end = _date_range(match)
                if any(start < span.end and span.start < end for span in spans):
                    continue
                if pattern is _FULL_DATE and not _long_ago(match):
                    continue
                canonical = iso_date(match)
                if not _plausible(canonical):
                    continue
                spans.append(Span(start, end, BIRTH_DATE, canonical, detector="birth_dates"))
        return spans


def _plausible(canonical: str) -> bool:
    # "--MM-DD", "YYYY" or "YYYY-MM-DD"; a month of 13 or a day of 45 is no date.
    parts = canonical.lstrip("-").split("-")
    if len(parts) < 2:
        return True
    month, day = int(parts[-2]), int(parts[-1])
    return 1 <= month <= 12 and 1 <= day <= 31


def _long_ago(match: re.Match[str]) -> bool:
    year = int(match.group("year") or match.group("wyear"))
    return year <= dt.date.today().year - _PAST_YEARS


def _date_range(match: re.Match[str]) -> tuple[int, int]:
    names = match.re.groupindex
    groups = [name for name in ("day", "wday", "ayear") if name in names]
    start = min(match.start(name) for name in groups if match.group(name) is not None)
    ends = [name for name in ("year", "month", "wyear", "wmonth", "ayear") if name in names]
    end = max(match.end(name) for name in ends if match.group(name) is not None)
    return start, end


def iso_date(match: re.Match[str]) -> str:
    """Return the ISO 8601 form of a matched date, with as much as was written."""
    if "ayear" in match.re.groupindex and match.group("ayear"):
        return match.group("ayear")
    if match.group("wday"):
        day, month = int(match.group("wday")), _month_number(match.group("wmonth"))
        year = match.group("wyear")
    else:
        day, month = int(match.group("day")), int(match.group("month"))
        year = match.group("year")
    day_month = f"{month:02d}-{day:02d}"
    if not year:
        return f"--{day_month}"
    if len(year) == 2:
        year = ("20" if int(year) < _CENTURY_PIVOT else "19") + year
    return f"{year}-{day_month}"


def _month_number(word: str) -> int:
    lower = word.lower()
    return next(index for index, stem in enumerate(_MONTHS, start=1) if lower.startswith(stem))


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``birth_dates`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="birth_dates",
            factory=_create,
            writes=frozenset({BIRTH_DATE}),
            description="Birth dates after «дата рождения», «родилась» or before «г.р.»",
            default=True,
        )
    )


def _create(context: ComponentContext) -> BirthDateDetector:
    return BirthDateDetector()
