"""Check a requested visit time against opening hours, the slot grid and the horizon.

A start is bookable when the business is open that day and the service ends by
closing time. The start must also lie on the ``slot_minutes`` grid counted from
opening time, be still ahead of now, and be at most ``booking_days_ahead`` days away. Nothing here
knows which slots are already taken: that lives in the CRM, not in the bundle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from leadgate.config.bundle import WEEKDAYS, Dialogue
from leadgate.dialogue.when import When, Window

Problem = Literal[
    "", "closed_day", "out_of_hours", "ends_late", "off_grid", "past", "too_far", "need_time"
]


@dataclass(frozen=True)
class SlotCheck:
    """The outcome of checking a :class:`When` against the schedule.

    ``start`` is set when the request names a bookable start (``from_window`` when it
    was the first slot of a part of the day). Otherwise ``problem`` names the reason and
    ``proposal`` is the nearest bookable start, if any. ``day`` is the day the request
    refers to; with ``problem == "need_time"`` the client named it without a time.
    """

    start: dt.datetime | None = None
    problem: Problem = ""
    proposal: dt.datetime | None = None
    day: dt.date | None = None
    from_window: bool = False


def opening_hours(day: dt.date, dialogue: Dialogue) -> Window | None:
    """Return the opening and closing time of ``day``, or ``None`` on a closed day."""
    return dialogue.hours.get(WEEKDAYS[day.weekday()])


def check_start(
    start: dt.datetime, duration: dt.timedelta, now: dt.datetime, dialogue: Dialogue
) -> Problem:
    """Return why a visit from ``start`` lasting ``duration`` cannot be booked, or ``""``."""
    if start <= now:
        return "past"
    if start.date() > _horizon(now, dialogue):
        return "too_far"

    hours = opening_hours(start.date(), dialogue)
    if hours is None:
        return "closed_day"
    opens, closes = (_at(start.date(), moment, now) for moment in hours)
    if start < opens or start >= closes:
        return "out_of_hours"
    if start + duration > closes:
        return "ends_late"
    if (start - opens) % dt.timedelta(minutes=dialogue.slot_minutes):
        return "off_grid"
    return ""


def day_starts(
    day: dt.date, duration: dt.timedelta, now: dt.datetime, dialogue: Dialogue
) -> list[dt.datetime]:
    """Return every bookable start on ``day``, in order."""
    hours = opening_hours(day, dialogue)
    if hours is None or day > _horizon(now, dialogue):
        return []

    step = dt.timedelta(minutes=dialogue.slot_minutes)
    start, closes = (_at(day, moment, now) for moment in hours)
    starts = []
    while start + duration <= closes:
        if start > now:
            starts.append(start)
        start += step
    return starts


def nearest_start(
    target: dt.datetime, duration: dt.timedelta, now: dt.datetime, dialogue: Dialogue
) -> dt.datetime | None:
    """Return the bookable start closest to ``target`` on its day, else the first one after.

    ``None`` means nothing is bookable up to the horizon (every day closed, say).
    """
    first_day = max(target.date(), now.date())
    same_day = day_starts(first_day, duration, now, dialogue)
    if same_day:
        return min(same_day, key=lambda start: abs(start - target))

    day = first_day + dt.timedelta(days=1)
    while day <= _horizon(now, dialogue):
        starts = day_starts(day, duration, now, dialogue)
        if starts:
            return starts[0]
        day += dt.timedelta(days=1)
    return None


def resolve(
    when: When,
    duration: dt.timedelta,
    now: dt.datetime,
    dialogue: Dialogue,
    known_day: dt.date | None = None,
) -> SlotCheck:
    """Turn a parsed :class:`When` into a bookable start, or a problem and a proposal.

    ``known_day`` is a day named in an earlier message, used when this one gives only
    a time («в 18:30» after «в понедельник»). Of ``when.day_options`` («на выходных»)
    the first day with a bookable start is taken, else the first option.
    """
    day = when.day or _first_open_day(when.day_options, duration, now, dialogue) or known_day
    if when.time is not None:
        return _resolve_time(when.time, when.hour_ambiguous, day, duration, now, dialogue)
    if when.window is not None:
        return _resolve_window(when.window, day, duration, now, dialogue)
    if day is None:
        return SlotCheck(problem="need_time")
    return _resolve_day(day, duration, now, dialogue)


def _first_open_day(
    days: tuple[dt.date, ...], duration: dt.timedelta, now: dt.datetime, dialogue: Dialogue
) -> dt.date | None:
    open_day = (day for day in days if day_starts(day, duration, now, dialogue))
    return next(open_day, days[0] if days else None)


def _resolve_time(
    moment: dt.time,
    hour_ambiguous: bool,
    day: dt.date | None,
    duration: dt.timedelta,
    now: dt.datetime,
    dialogue: Dialogue,
) -> SlotCheck:
    # A time alone means today while it is still ahead, else tomorrow; a bare «в 7»
    # may also mean 19:00. The first bookable reading wins.
    days = [day] if day is not None else [now.date(), now.date() + dt.timedelta(days=1)]
    shifts = (0, 12) if hour_ambiguous else (0,)
    readings = [
        _at(candidate, moment, now) + dt.timedelta(hours=shift)
        for candidate in days
        for shift in shifts
    ]
    for start in readings:
        if not check_start(start, duration, now, dialogue):
            return SlotCheck(start=start, day=start.date())

    # Nothing fits: report on the literal reading that is still ahead, if any.
    start = next((start for start in readings if start > now), readings[0])
    problem = check_start(start, duration, now, dialogue)
    if problem == "too_far":
        return SlotCheck(problem=problem, day=start.date())
    proposal = nearest_start(start, duration, now, dialogue)
    return SlotCheck(problem=problem, proposal=proposal, day=start.date())


def _resolve_window(
    window: Window,
    day: dt.date | None,
    duration: dt.timedelta,
    now: dt.datetime,
    dialogue: Dialogue,
) -> SlotCheck:
    days = [day] if day is not None else [now.date(), now.date() + dt.timedelta(days=1)]
    for candidate in days:
        starts = [
            start
            for start in day_starts(candidate, duration, now, dialogue)
            if window[0] <= start.time() < window[1]
        ]
        if starts:
            return SlotCheck(start=starts[0], from_window=True, day=candidate)

    target = _at(days[-1], window[0], now)
    problem = check_start(target, duration, now, dialogue) or "out_of_hours"
    if problem == "too_far":
        return SlotCheck(problem=problem, day=days[-1])
    proposal = nearest_start(target, duration, now, dialogue)
    return SlotCheck(problem=problem, proposal=proposal, day=days[-1])


def _resolve_day(
    day: dt.date, duration: dt.timedelta, now: dt.datetime, dialogue: Dialogue
) -> SlotCheck:
    if day > _horizon(now, dialogue):
        return SlotCheck(problem="too_far", day=day)
    if day < now.date():
        proposal = nearest_start(now, duration, now, dialogue)
        return SlotCheck(problem="past", proposal=proposal, day=day)
    if day_starts(day, duration, now, dialogue):
        return SlotCheck(problem="need_time", day=day)

    # An open day without a bookable start left is today after (or near) closing time.
    problem: Problem = "closed_day" if opening_hours(day, dialogue) is None else "out_of_hours"
    target = _at(day, dt.time(0, 0), now)
    proposal = nearest_start(target, duration, now, dialogue)
    return SlotCheck(problem=problem, proposal=proposal, day=day)


def _horizon(now: dt.datetime, dialogue: Dialogue) -> dt.date:
    return now.date() + dt.timedelta(days=dialogue.booking_days_ahead)


def _at(day: dt.date, moment: dt.time, now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=now.tzinfo)
