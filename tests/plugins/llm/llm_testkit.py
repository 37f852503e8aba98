"""Bundles and answer requests for the LLM answerer and gateway tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any
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
from leadgate.core.components import AnswerRequest, Turn

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MOSCOW)  # a Tuesday


def salon_bundle(
    answerer: str = "openai_compat",
    settings: Mapping[str, Any] | None = None,
    gateway: Mapping[str, Any] | None = None,
    locations: frozenset[str] = frozenset({"local", "ru"}),
) -> Bundle:
    """Build a small salon bundle in code, with two services and a FAQ entry."""
    hours = {day: (dt.time(10), dt.time(20)) for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
    hours["sun"] = None  # type: ignore[assignment]
    dialogue = Dialogue(
        services=(
            Service("Стрижка женская", 1800, dt.timedelta(minutes=60), aliases=("стрижка",)),
            Service("Маникюр", 1500, dt.timedelta(minutes=90)),
        ),
        hours=hours,
        faq=(FaqEntry("Есть ли парковка?", "Да, бесплатная парковка во дворе."),),
        tone="дружелюбно, на «вы»",
    )
    return Bundle(
        name="salon",
        path=Path("/nonexistent/salon"),
        business=Business(
            name="Салон «Лаванда»",
            operator="ИП Иванова А. А.",
            address="Москва, ул. Садовая, 1",
            inn="500100732259",
            timezone=MOSCOW,
            phone="+7 495 000-00-00",
        ),
        channels=(),
        consents=(),
        redaction=RedactionPolicy(actions={}),
        answerer=AnswererChoice(name=answerer, config=dict(settings or {}), timeout=5.0),
        crm=CrmChoice(name="local"),
        retention={},
        data_locations=locations,
        dialogue=dialogue,
        gateway=gateway,
    )


def answer_request(
    text: str = "Хочу на маникюр завтра в 15:00, я [NAME_1], телефон [PHONE_1]",
    history: tuple[Turn, ...] = (),
    slots: Mapping[str, str] | None = None,
    special: frozenset[str] = frozenset(),
    contact_phone_token: str = "",
) -> AnswerRequest:
    """Build a redacted request as the pipeline would."""
    return AnswerRequest(
        conversation_id="c1",
        text=text,
        history=history,
        slots=dict(slots or {}),
        now=NOW,
        special=special,
        contact_phone_token=contact_phone_token,
    )
