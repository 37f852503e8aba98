"""The health detector: diagnoses, symptoms, medications, pregnancy and allergies."""

from __future__ import annotations

import pytest

from leadgate.plugins.redaction.health import HealthDetector

DETECTOR = HealthDetector()


def found(text: str) -> list[str]:
    return [text[span.start : span.end] for span in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("у меня аллергия на лидокаин", ["аллергия на лидокаин"]),
        ("непереносимость лактозы", ["непереносимость лактозы"]),
        ("аллергии нет", ["аллергии"]),
        ("болит спина второй день", ["болит спина"]),
        ("спина болит", ["спина болит"]),
        ("боль в колене после тренировки", ["боль в колене"]),
        ("я беременна, 20 недель", ["беременна"]),
        ("кормлю грудью можно ли ламинирование", ["кормлю грудью"]),
        ("у меня диабет 2 типа", ["диабет"]),
        ("принимаю роаккутан", ["принимаю роаккутан"]),
        ("колю инсулин", ["колю инсулин"]),
        ("давление высокое", ["давление высокое"]),
        ("температура 38,5", ["температура 38,5"]),
        ("после операции на колене", ["после операции на колене"]),
        ("ЭКЗЕМА на руках", ["ЭКЗЕМА"]),
    ],
    ids=[
        "allergy-with-substance",
        "intolerance",
        "allergy-denied",
        "symptom-verb-first",
        "symptom-body-part-first",
        "pain-with-place",
        "pregnancy",
        "breastfeeding",
        "diagnosis",
        "medication",
        "injection",
        "blood-pressure",
        "fever",
        "surgery",
        "all-caps",
    ],
)
def test_health_terms_found(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "месячный абонемент сколько?",
        "экземпляр договора пришлите",
        "запись к онкологу на консультацию",
        "массаж спины 60 минут",
        "температура воды в бассейне?",
        "сколько стоит УЗИ щитовидной железы?",
        "у вас больше нет скидок?",
    ],
    ids=[
        "monthly-membership",
        "copy-of-contract",
        "doctor-specialty",
        "massage-service",
        "water-temperature",
        "exam-service",
        "word-starting-with-bol",
    ],
)
def test_health_lookalikes_ignored(text: str) -> None:
    assert found(text) == []
