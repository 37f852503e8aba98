"""Finding the service a client means."""

from __future__ import annotations

import pytest
from dialogue.salon_bundle import make_dialogue

from leadgate.dialogue.services import find_service, service_from_payload, service_payload


@pytest.mark.parametrize(
    ("message", "service"),
    [
        ("маникюр", "Маникюр"),
        ("хочу на маникюр", "Маникюр"),
        ("запишите на маникюрчик", "Маникюр"),
        ("маникур", "Маникюр"),
        ("МАНИКЮРА", "Маникюр"),
        ("ногти сделать", "Маникюр"),
        ("педикюра", "Педикюр"),
        ("женскую стрижку", "Стрижка женская"),
        ("стрижку", "Стрижка женская"),
        ("детскую стрижку", "Детская стрижка"),
        ("покраску волос", "Окрашивание волос"),
        ("окрашивание", "Окрашивание волос"),
        ("service:2", "Педикюр"),
    ],
    ids=[
        "name",
        "name in sentence",
        "diminutive",
        "typo",
        "declined upper case",
        "alias",
        "declined",
        "reversed words",
        "alias declined",
        "longer name wins tie",
        "alias with extra word",
        "other form",
        "button payload",
    ],
)
def test_find_service_matches_name(message: str, service: str) -> None:
    found = find_service(message, make_dialogue())

    assert found is not None
    assert found.name == service


@pytest.mark.parametrize(
    "message",
    ["массаж", "здравствуйте", "[NAME_1]", "service:99", "service:0", "service:x", ""],
    ids=[
        "unknown service",
        "greeting",
        "token",
        "payload out of range",
        "payload zero",
        "payload junk",
        "empty",
    ],
)
def test_find_service_ignores_unknown(message: str) -> None:
    assert find_service(message, make_dialogue()) is None


def test_service_payload_round_trips() -> None:
    dialogue = make_dialogue()

    payloads = [service_payload(index) for index in range(len(dialogue.services))]

    assert [service_from_payload(payload, dialogue) for payload in payloads] == list(
        dialogue.services
    )
