"""Opening hours, the slot grid and the booking horizon."""

from __future__ import annotations

import datetime as dt

import pytest
from dialogue.salon_bundle import at, make_dialogue

from leadgate.dialogue.phrases import format_day, format_duration, format_hours, format_when
from leadgate.dialogue.schedule import check_start, day_starts, nearest_start

FRIDAY_4PM = at(2026, 12, 4, 16, 0)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (at(2026, 12, 7, 10, 0), ""),
        (at(2026, 12, 7, 20, 0), ""),
        (at(2026, 12, 7, 20, 30), "ends_late"),
        (at(2026, 12, 7, 21, 0), "out_of_hours"),
        (at(2026, 12, 7, 9, 30), "out_of_hours"),
        (at(2026, 12, 7, 10, 15), "off_grid"),
        (at(2026, 12, 6, 12, 0), "closed_day"),
        (at(2026, 12, 4, 15, 30), "past"),
        (at(2026, 12, 4, 16, 0), "past"),
        (at(2027, 2, 2, 12, 0), ""),
        (at(2027, 2, 3, 12, 0), "too_far"),
    ],
    ids=[
        "opening",
        "last start for an hour",
        "ends after closing",
        "at closing",
        "before opening",
        "off grid",
        "sunday",
        "earlier today",
        "exactly now",
        "last day of horizon",
        "beyond horizon",
    ],
)
def test_check_start_reports_problem(start: dt.datetime, problem: str) -> None:
    assert check_start(start, HOUR, FRIDAY_4PM, make_dialogue()) == problem


def test_day_starts_follow_grid_from_opening() -> None:
    dialogue = make_dialogue(hours={"mon": (dt.time(9, 15), dt.time(11, 0))}, slot_minutes=30)

    starts = day_starts(dt.date(2026, 12, 7), HOUR, FRIDAY_4PM, dialogue)

    assert [start.time() for start in starts] == [dt.time(9, 15), dt.time(9, 45)]


def test_day_starts_skip_past_slots_today() -> None:
    starts = day_starts(dt.date(2026, 12, 4), HOUR, FRIDAY_4PM, make_dialogue())

    assert starts[0] == at(2026, 12, 4, 16, 30)
    assert starts[-1] == at(2026, 12, 4, 20, 0)


def test_nearest_start_prefers_same_day() -> None:
    found = nearest_start(at(2026, 12, 7, 20, 45), HOUR, FRIDAY_4PM, make_dialogue())

    assert found == at(2026, 12, 7, 20, 0)


def test_nearest_start_skips_closed_days() -> None:
    found = nearest_start(at(2026, 12, 6, 12, 0), HOUR, FRIDAY_4PM, make_dialogue())

    assert found == at(2026, 12, 7, 10, 0)


def test_format_hours_groups_equal_days() -> None:
    assert format_hours(make_dialogue(), "ru") == (
        "пн–пт 10:00–21:00, сб 10:00–18:00, вс — выходной"
    )
    assert format_hours(make_dialogue(), "en") == (
        "Mon–Fri 10:00–21:00, Sat 10:00–18:00, Sun closed"
    )


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 12, 4, 18, 30), "сегодня, 4 декабря, в 18:30"),
        (at(2026, 12, 5, 18, 30), "завтра, 5 декабря, в 18:30"),
        (at(2026, 12, 6, 9, 0), "послезавтра, 6 декабря, в 09:00"),
        (at(2026, 12, 8, 12, 0), "во вторник, 8 декабря, в 12:00"),
        (at(2027, 1, 1, 12, 0), "в пятницу, 1 января, в 12:00"),
    ],
    ids=["today", "tomorrow", "day after", "weekday", "next year"],
)
def test_format_when_names_day(start: dt.datetime, expected: str) -> None:
    assert format_when(start, dt.date(2026, 12, 4), "ru") == expected


def test_format_day_in_english() -> None:
    assert (
        format_day(dt.date(2026, 12, 9), dt.date(2026, 12, 4), "en") == "on Wednesday, 9 December"
    )


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(30, "30 мин"), (60, "1 ч"), (90, "1 ч 30 мин"), (180, "3 ч")],
    ids=["half hour", "hour", "hour and a half", "three hours"],
)
def test_format_duration_in_russian(minutes: int, expected: str) -> None:
    assert format_duration(dt.timedelta(minutes=minutes), "ru") == expected
