"""A salon bundle in Krasnoyarsk for the dialogue tests, built from the dataclasses.

Imported as ``dialogue.salon_bundle``: ``tests/`` is on ``sys.path`` because its
``conftest.py`` is loaded first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from leadgate.config.bundle import (
    AnswererChoice,
    Bundle,
    Business,
    CrmChoice,
    Dialogue,
    FaqEntry,
    RedactionPolicy,
    Service,
)

KRASNOYARSK = ZoneInfo("Asia/Krasnoyarsk")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """Return an aware moment in the salon's timezone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=KRASNOYARSK)


def make_dialogue(**overrides: object) -> Dialogue:
    """Build the salon's dialogue: Mon–Fri 10–21, Sat 10–18, Sunday closed."""
    weekday_hours = (dt.time(10, 0), dt.time(21, 0))
    values: dict[str, object] = {
        "services": (
            Service("Маникюр", 1500, dt.timedelta(minutes=90), aliases=("ногти", "маник")),
            Service("Педикюр", 2000, dt.timedelta(minutes=60)),
            Service("Стрижка женская", 1800, dt.timedelta(minutes=60), aliases=("стрижка",)),
            Service("Окрашивание волос", 4500, dt.timedelta(hours=3), aliases=("покраска",)),
            Service("Детская стрижка", 900, dt.timedelta(minutes=30), children=True),
        ),
        "hours": {
            "mon": weekday_hours,
            "tue": weekday_hours,
            "wed": weekday_hours,
            "thu": weekday_hours,
            "fri": weekday_hours,
            "sat": (dt.time(10, 0), dt.time(18, 0)),
            "sun": None,
        },
        "faq": (
            FaqEntry(
                "Есть ли парковка?",
                "Да, бесплатная парковка во дворе.",
                keywords=("парковка", "припарковаться", "машина"),
            ),
            FaqEntry(
                "Можно ли оплатить картой?",
                "Да, принимаем карты и СБП.",
                keywords=("карта", "оплата"),
            ),
        ),
        "health_reply": "Пожалуйста, расскажите о самочувствии мастеру на приёме.",
        "slot_minutes": 30,
        "booking_days_ahead": 60,
    }
    values.update(overrides)
    return Dialogue(**values)  # type: ignore[arg-type]


def make_bundle(dialogue: Dialogue | None = None, **business: object) -> Bundle:
    """Build a salon bundle around ``dialogue``."""
    business_values: dict[str, object] = {
        "name": "Салон «Лотос»",
        "operator": "ИП Иванова А. А.",
        "address": "Красноярск, ул. Мира, 10",
        "inn": "246500000000",
        "timezone": KRASNOYARSK,
        "phone": "+7 391 200-00-00",
    }
    business_values.update(business)
    return Bundle(
        name="salon",
        path=Path("/nonexistent/salon"),
        business=Business(**business_values),  # type: ignore[arg-type]
        channels=(),
        consents=(),
        redaction=RedactionPolicy(actions={}),
        answerer=AnswererChoice("scripted"),
        crm=CrmChoice("local"),
        retention={},
        data_locations=frozenset({"local"}),
        dialogue=dialogue or make_dialogue(),
    )
