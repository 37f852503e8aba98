"""Durations and opening hours as bundles write them."""

from __future__ import annotations

import datetime as dt

import pytest

from leadgate.config.durations import format_duration, parse_duration, parse_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", dt.timedelta(seconds=45)),
        ("90m", dt.timedelta(minutes=90)),
        ("3h", dt.timedelta(hours=3)),
        ("30d", dt.timedelta(days=30)),
        ("2w", dt.timedelta(days=14)),
        ("3y", dt.timedelta(days=1095)),
        (" 10s ", dt.timedelta(seconds=10)),
    ],
    ids=["seconds", "minutes", "hours", "days", "weeks", "years", "spaces"],
)
def test_duration_parses(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "30", "d30", "1.5h", "-3d", "3 года", "3Y", "3mo"],
    ids=[
        "empty",
        "no-unit",
        "unit-first",
        "fraction",
        "negative",
        "russian",
        "capital",
        "two-letters",
    ],
)
def test_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.timedelta(days=1095), "3y"),
        (dt.timedelta(days=14), "2w"),
        (dt.timedelta(seconds=90), "90s"),
    ],
    ids=["years", "weeks", "seconds"],
)
def test_duration_formats(value: dt.timedelta, expected: str) -> None:
    assert format_duration(value) == expected


def test_hours_parse_range_and_closed() -> None:
    assert parse_hours("9:30-18:00") == (dt.time(9, 30), dt.time(18))
    assert parse_hours("closed") is None
    assert parse_hours("Выходной") is None


@pytest.mark.parametrize(
    "text",
    ["18:00-09:00", "10:00-10:00", "10-18", "24:00-25:00", "10:00"],
    ids=["reversed", "empty-range", "no-minutes", "past-midnight", "no-end"],
)
def test_hours_reject(text: str) -> None:
    with pytest.raises(ValueError, match="invalid opening hours"):
        parse_hours(text)
