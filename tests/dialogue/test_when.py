"""Russian date and time expressions, read and checked against the salon's hours.

The salon (see conftest) opens Mon–Fri 10:00–21:00 and Sat 10:00–18:00, and is closed
on Sunday. 4 December 2026 is a Friday.
"""

from __future__ import annotations

import datetime as dt

import pytest
from dialogue.salon_bundle import at, make_dialogue

from leadgate.dialogue.schedule import resolve
from leadgate.dialogue.when import AFTER_LUNCH, EVENING, MORNING, When, parse_when

FRIDAY_4PM = at(2026, 12, 4, 16, 0)
D = dt.date
T = dt.time
WEEKEND_DAYS = (D(2026, 12, 5), D(2026, 12, 6), D(2026, 12, 12), D(2026, 12, 13))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("завтра в 18:30", When(day=D(2026, 12, 5), time=T(18, 30))),
        ("18:30 завтра", When(day=D(2026, 12, 5), time=T(18, 30))),
        ("в пятницу после обеда", When(day=D(2026, 12, 11), window=AFTER_LUNCH)),
        ("15.12 в 10", When(day=D(2026, 12, 15), time=T(10, 0), hour_ambiguous=True)),
        ("послезавтра утром", When(day=D(2026, 12, 6), window=MORNING)),
        ("сегодня вечером", When(day=D(2026, 12, 4), window=EVENING)),
        ("в 7 вечера", When(time=T(19, 0))),
        ("в семь вечера", When(time=T(19, 0))),
        ("через неделю в 12", When(day=D(2026, 12, 11), time=T(12, 0))),
        ("в понедельник", When(day=D(2026, 12, 7))),
        ("15 декабря в 10:00", When(day=D(2026, 12, 15), time=T(10, 0))),
        ("в субботу в полдень", When(day=D(2026, 12, 5), time=T(12, 0))),
        ("в следующую среду в 9 утра", When(day=D(2026, 12, 9), time=T(9, 0))),
        ("в эту субботу", When(day=D(2026, 12, 5))),
        ("в час дня", When(time=T(13, 0))),
        ("в 3 дня", When(time=T(15, 0))),
        ("в 18.30", When(time=T(18, 30))),
        ("через 2 дня в 11:15", When(day=D(2026, 12, 6), time=T(11, 15))),
        ("через час", When(day=D(2026, 12, 4), time=T(17, 0))),
        ("завтра вечером в 7", When(day=D(2026, 12, 5), time=T(19, 0))),
        ("15-го в 11", When(day=D(2026, 12, 15), time=T(11, 0), hour_ambiguous=True)),
        ("3 числа", When(day=D(2027, 1, 3))),
        ("2 января", When(day=D(2027, 1, 2))),
        ("1 декабря", When(day=D(2027, 12, 1))),
        ("ЗАВТРА В 18:30", When(day=D(2026, 12, 5), time=T(18, 30))),
        ("в 10 часов", When(time=T(10, 0), hour_ambiguous=True)),
        ("в пт в 12", When(day=D(2026, 12, 11), time=T(12, 0))),
        ("в 19 30", When(time=T(19, 30))),
        ("через полчаса", When(day=D(2026, 12, 4), time=T(16, 30))),
        (
            "можно на вторник, часа в 4?",
            When(day=D(2026, 12, 8), time=T(4, 0), hour_ambiguous=True),
        ),
        ("на выходных", When(day_options=WEEKEND_DAYS)),
        ("в выходные после обеда", When(window=AFTER_LUNCH, day_options=WEEKEND_DAYS)),
        ("полседьмого", When(time=T(6, 30), hour_ambiguous=True)),
        (
            "завтра в половине седьмого",
            When(day=D(2026, 12, 5), time=T(6, 30), hour_ambiguous=True),
        ),
        ("в полвосьмого утра", When(time=T(7, 30))),
        ("полпервого", When(time=T(12, 30))),
        ("в 18-30", When(time=T(18, 30))),
        ("18.30", When(time=T(18, 30))),
        ("18.12", When(day=D(2026, 12, 18))),
        ("пн", When(day=D(2026, 12, 7))),
        ("вт в 12:00", When(day=D(2026, 12, 8), time=T(12, 0))),
        ("в пт.", When(day=D(2026, 12, 11))),
        ("в 10-12 часов", When(time=T(10, 0), hour_ambiguous=True)),
    ],
    ids=[
        "tomorrow at time",
        "time before day",
        "friday after lunch",
        "numeric date and hour",
        "day after tomorrow morning",
        "tonight",
        "seven pm",
        "seven pm in words",
        "in a week at noon hour",
        "weekday only",
        "month name and time",
        "saturday at noon",
        "next wednesday morning hour",
        "this saturday",
        "one pm",
        "three pm",
        "dotted time",
        "in two days",
        "in an hour",
        "tomorrow evening bare hour",
        "day of month",
        "day of month rolls over",
        "january next year",
        "passed date next year",
        "upper case",
        "hour with word hours",
        "weekday abbreviation",
        "time with space",
        "in half an hour",
        "approximate hour",
        "at the weekend",
        "weekend after lunch",
        "half past six in one word",
        "half past six in words",
        "half past seven in the morning",
        "half past twelve",
        "dashed time",
        "dotted time without preposition",
        "dotted date",
        "bare monday abbreviation",
        "bare tuesday abbreviation with time",
        "friday abbreviation with dot",
        "hour range is not dashed time",
    ],
)
def test_parse_when_reads_expression(message: str, expected: When) -> None:
    found = parse_when(message, FRIDAY_4PM)

    assert found == expected


@pytest.mark.parametrize(
    "message",
    [
        "здравствуйте",
        "хочу на маникюр",
        "[PHONE_1]",
        "мой номер [PHONE_12]",
        "31.02",
        "",
        "стоит 1.500 ₽",
        "телефон 8 912 345-12-30",
        "лампа 100 вт",
        "какие у вас выходные",
    ],
    ids=[
        "greeting",
        "service only",
        "phone token",
        "token with digits",
        "invalid date",
        "empty",
        "price with dot",
        "phone number with dashes",
        "watts after a number",
        "days off question",
    ],
)
def test_parse_when_ignores_text_without_time(message: str) -> None:
    assert parse_when(message, FRIDAY_4PM) is None


def test_parse_when_skips_token_digits() -> None:
    found = parse_when("[NAME_1], [PHONE_2], завтра в 12:00", FRIDAY_4PM)

    assert found == When(day=D(2026, 12, 5), time=T(12, 0))


MINUTES_90 = dt.timedelta(minutes=90)
MINUTES_30 = dt.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("now", "message", "duration", "start"),
    [
        (FRIDAY_4PM, "завтра в 16:30", MINUTES_90, at(2026, 12, 5, 16, 30)),
        (FRIDAY_4PM, "в понедельник в 19:30", MINUTES_90, at(2026, 12, 7, 19, 30)),
        (FRIDAY_4PM, "в 7 вечера", MINUTES_90, at(2026, 12, 4, 19, 0)),
        (FRIDAY_4PM, "в 7", MINUTES_30, at(2026, 12, 4, 19, 0)),
        (FRIDAY_4PM, "в 18:30", MINUTES_30, at(2026, 12, 4, 18, 30)),
        (FRIDAY_4PM, "в 11:00", MINUTES_30, at(2026, 12, 5, 11, 0)),
        (FRIDAY_4PM, "в пятницу после обеда", MINUTES_90, at(2026, 12, 11, 14, 0)),
        (FRIDAY_4PM, "сегодня вечером", MINUTES_90, at(2026, 12, 4, 17, 0)),
        (at(2026, 12, 4, 17, 10), "сегодня вечером", MINUTES_90, at(2026, 12, 4, 17, 30)),
        (FRIDAY_4PM, "после обеда", MINUTES_30, at(2026, 12, 4, 16, 30)),
        (at(2026, 12, 7, 9, 0), "после обеда", MINUTES_30, at(2026, 12, 7, 14, 0)),
        (at(2026, 12, 7, 9, 0), "утром", MINUTES_30, at(2026, 12, 7, 10, 0)),
        (at(2026, 12, 30, 12, 0), "через неделю в 12", MINUTES_30, at(2027, 1, 6, 12, 0)),
        (at(2026, 12, 30, 12, 0), "2 января в 15:00", MINUTES_30, at(2027, 1, 2, 15, 0)),
        (at(2026, 11, 30, 12, 0), "завтра в 10", MINUTES_30, at(2026, 12, 1, 10, 0)),
        (FRIDAY_4PM, "15.12 в 10", MINUTES_30, at(2026, 12, 15, 10, 0)),
        (FRIDAY_4PM, "полседьмого", MINUTES_30, at(2026, 12, 4, 18, 30)),
        (FRIDAY_4PM, "в понедельник в половине седьмого", MINUTES_30, at(2026, 12, 7, 18, 30)),
        (FRIDAY_4PM, "на выходных в 12", MINUTES_30, at(2026, 12, 5, 12, 0)),
        (at(2026, 12, 5, 17, 40), "на выходных в 12", MINUTES_30, at(2026, 12, 12, 12, 0)),
        (FRIDAY_4PM, "в пн в 18-30", MINUTES_30, at(2026, 12, 7, 18, 30)),
    ],
    ids=[
        "saturday ends by closing",
        "monday late evening",
        "seven pm",
        "bare seven means evening",
        "time alone today",
        "passed time alone means tomorrow",
        "after lunch window",
        "evening window today",
        "evening window rounds up to grid",
        "after lunch window already started",
        "after lunch window later today",
        "morning window starts at opening",
        "week ahead crosses year",
        "january date next year",
        "month rollover",
        "numeric date",
        "half past six means evening",
        "half past six on monday evening",
        "weekend is saturday",
        "weekend skips closed sunday",
        "abbreviation and dashed time",
    ],
)
def test_resolve_accepts_bookable_start(
    now: dt.datetime, message: str, duration: dt.timedelta, start: dt.datetime
) -> None:
    when = parse_when(message, now)
    assert when is not None

    check = resolve(when, duration, now, make_dialogue())

    assert check.start == start
    assert check.problem == ""


@pytest.mark.parametrize(
    ("now", "message", "duration", "problem", "proposal"),
    [
        (FRIDAY_4PM, "в воскресенье в 12", MINUTES_30, "closed_day", at(2026, 12, 7, 10, 0)),
        (FRIDAY_4PM, "завтра в 18:30", MINUTES_90, "out_of_hours", at(2026, 12, 5, 16, 30)),
        (FRIDAY_4PM, "завтра в 17:00", MINUTES_90, "ends_late", at(2026, 12, 5, 16, 30)),
        (FRIDAY_4PM, "сегодня в 8:00", MINUTES_30, "past", at(2026, 12, 4, 16, 30)),
        (FRIDAY_4PM, "в понедельник в 9:00", MINUTES_30, "out_of_hours", at(2026, 12, 7, 10, 0)),
        (FRIDAY_4PM, "в понедельник в 18:10", MINUTES_30, "off_grid", at(2026, 12, 7, 18, 0)),
        (at(2026, 12, 4, 20, 45), "сегодня вечером", MINUTES_30, "past", at(2026, 12, 5, 10, 0)),
        (at(2026, 12, 5, 17, 40), "сегодня", MINUTES_30, "out_of_hours", at(2026, 12, 7, 10, 0)),
        (FRIDAY_4PM, "в воскресенье утром", MINUTES_30, "closed_day", at(2026, 12, 7, 10, 0)),
        (FRIDAY_4PM, "в воскресенье", MINUTES_30, "closed_day", at(2026, 12, 7, 10, 0)),
    ],
    ids=[
        "sunday closed",
        "saturday after closing",
        "service ends after closing",
        "past time today",
        "before opening",
        "off the slot grid",
        "evening over near closing",
        "saturday over",
        "sunday morning",
        "sunday without time",
    ],
)
def test_resolve_proposes_nearest_start(
    now: dt.datetime,
    message: str,
    duration: dt.timedelta,
    problem: str,
    proposal: dt.datetime,
) -> None:
    when = parse_when(message, now)
    assert when is not None

    check = resolve(when, duration, now, make_dialogue())

    assert check.start is None
    assert check.problem == problem
    assert check.proposal == proposal


def test_resolve_rejects_date_past_horizon() -> None:
    when = parse_when("15 марта в 12:00", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, make_dialogue(booking_days_ahead=60))

    assert check.problem == "too_far"
    assert check.proposal is None


def test_resolve_asks_time_for_day_only() -> None:
    when = parse_when("в понедельник", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, make_dialogue())

    assert check.problem == "need_time"
    assert check.day == D(2026, 12, 7)


def test_resolve_uses_known_day_for_time_only() -> None:
    when = parse_when("в 12:30", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, make_dialogue(), known_day=D(2026, 12, 7))

    assert check.start == at(2026, 12, 7, 12, 30)


def test_resolved_start_keeps_krasnoyarsk_offset() -> None:
    when = parse_when("завтра в 12:00", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, make_dialogue())

    assert check.start is not None
    assert check.start.isoformat() == "2026-12-05T12:00:00+07:00"


def test_resolve_proposes_nothing_when_always_closed() -> None:
    closed = make_dialogue(
        hours={day: None for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    when = parse_when("завтра в 12:00", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, closed)

    assert check.problem == "closed_day"
    assert check.proposal is None


def test_resolve_weekend_day_only_asks_time() -> None:
    when = parse_when("на выходных", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, make_dialogue())

    assert check.problem == "need_time"
    assert check.day == D(2026, 12, 5)


def test_resolve_weekend_always_closed_proposes_weekday() -> None:
    dialogue = make_dialogue(hours={"mon": (T(10, 0), T(21, 0))})
    when = parse_when("на выходных", FRIDAY_4PM)
    assert when is not None

    check = resolve(when, MINUTES_30, FRIDAY_4PM, dialogue)

    assert check.problem == "closed_day"
    assert check.day == D(2026, 12, 5)
    assert check.proposal == at(2026, 12, 7, 10, 0)
