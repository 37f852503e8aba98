"""The processing policy page generated from a bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgate.config.loader import load_bundle
from leadgate.core.policy import render_policy

TEMPLATES = Path(__file__).resolve().parents[2] / "leadgate" / "templates"


@pytest.mark.parametrize(
    "template", ["salon", "clinic", "fitness"], ids=["salon", "clinic", "fitness"]
)
def test_policy_names_operator_purposes_and_rights(template: str) -> None:
    bundle = load_bundle(TEMPLATES / template)

    page = render_policy(bundle, "ru")

    assert bundle.business.inn in page
    assert "Ваши права" in page
    assert "отозвать согласие" in page
    for consent in bundle.consents:
        assert consent.purposes[0] in page


def test_policy_uses_readable_names_and_plurals() -> None:
    bundle = load_bundle(TEMPLATES / "salon")

    page = render_policy(bundle, "ru")

    assert "номер телефона" in page
    assert "channel_id" not in page
    assert "3 года" in page
    assert "30 дней" in page
    assert "г.." not in page
