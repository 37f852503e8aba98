"""Property tests of redaction: exact round trips, no leaked values, no cross-talk."""

from __future__ import annotations

import importlib
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgate.config.bundle import RedactionPolicy
from leadgate.core.components import Detector
from leadgate.core.redaction import Redactor
from leadgate.core.vault import Vault
from leadgate.plugins import BUILTIN

DETECTOR_CLASSES = {
    "phones": "PhoneDetector",
    "emails": "EmailDetector",
    "documents": "DocumentDetector",
    "cards": "CardDetector",
    "names": "NameDetector",
    "addresses": "AddressDetector",
    "birth_dates": "BirthDateDetector",
    "health": "HealthDetector",
}

EMOJI = ["😀", "👍🏽", "💅🏻", "🙋🏼‍♀️", "👨‍👩‍👧", "❤️", "🔥", "🇷🇺", "\U0001f9d8"]
WORDS = [
    "здравствуйте",
    "хочу",
    "записаться",
    "на",
    "маникюр",
    "в",
    "субботу",
    "мой",
    "номер",
    "спасибо",
    "можно",
    "завтра",
    "в 10:00",
    "1 500 руб",
    "15.12",
    "пожалуйста",
    "почта",
    "ок",
    "!!!",
    ",",
    "?",
    "\n",
    "  ",
    "Привет",
]
# Values whose every spelling a detector must find anywhere, each with a distinct
# canonical form so that restoring through the vault gives back the same spelling.
VALUES = [
    "89130000001",
    "+7 (913) 000-00-02",
    "8 391 234-56-78",
    "anna.petrova@mail.ru",
    "ivan [at] yandex [dot] ru",
    "2200 1234 5678 9019",
    "4111111111111111",
    "СНИЛС 112-233-445 95",
    "Анна Петрова",
    "Екатерина",
    "Дмитрий Сергеевич Орлов",
    "аллергия на лидокаин",
]


@cache
def all_detectors() -> tuple[Detector, ...]:
    modules = {name.rpartition(".")[2]: name for name in BUILTIN if ".redaction." in name}
    return tuple(
        getattr(importlib.import_module(modules[short]), class_name)()
        for short, class_name in DETECTOR_CLASSES.items()
    )


@cache
def redactor() -> Redactor:
    engine = Redactor(list(all_detectors()), RedactionPolicy(actions={}))
    engine.redact("прогрев моделей: Анна 89130000001", Vault())
    return engine


# Any characters (emoji sequences with joiners and skin tones included) mixed with
# chat words and personal values, so that most examples contain spans to replace.
any_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8),
        st.sampled_from(EMOJI),
        st.sampled_from(WORDS),
        st.sampled_from(VALUES),
    ),
    max_size=16,
).map("".join)
chat_piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(EMOJI))
filler = st.lists(chat_piece, max_size=6).map(" ".join)


@st.composite
def chat_with_values(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A chat message with distinct personal values between ordinary words and emoji."""
    values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=4, unique=True))
    pieces = [draw(filler)]
    for value in values:
        pieces += [value, draw(filler)]
    return " ".join(pieces), values


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(text=any_text)
def test_unredact_gives_back_any_text(text: str) -> None:
    result = redactor().redact(text, Vault())

    assert result.unredact() == text


@PROPERTY_SETTINGS
@given(text=any_text)
def test_spans_are_sorted_disjoint_and_inside_text(text: str) -> None:
    spans = redactor().detect(text)

    assert all(0 <= span.start < span.end <= len(text) for span in spans)
    assert all(first.end <= second.start for first, second in itertools.pairwise(spans))


@PROPERTY_SETTINGS
@given(message=chat_with_values())
def test_no_inserted_value_survives_redaction(message: tuple[str, list[str]]) -> None:
    text, values = message

    result = redactor().redact(text, Vault())

    for value in values:
        assert value not in result.text


@PROPERTY_SETTINGS
@given(message=chat_with_values())
def test_restore_through_vault_gives_back_text(message: tuple[str, list[str]]) -> None:
    text, _ = message
    vault = Vault()

    result = redactor().redact(text, vault)
    restored = redactor().restore(result.text, Vault.from_dict(vault.to_dict()))

    assert restored.text == text


@PROPERTY_SETTINGS
@given(first=chat_with_values(), second=chat_with_values())
def test_tokens_never_resolve_in_other_conversation(
    first: tuple[str, list[str]], second: tuple[str, list[str]]
) -> None:
    first_vault, second_vault = Vault(), Vault()
    first_result = redactor().redact(first[0], first_vault)
    redactor().redact(second[0], second_vault)

    restored = redactor().restore(first_result.text, second_vault)

    for value in set(first[1]) - set(second[1]):
        assert value not in restored.text


def test_concurrent_conversations_keep_their_own_values() -> None:
    engine = redactor()
    conversations = {
        "first": [
            "Анна Петрова 89130000001",
            "почта anna.petrova@mail.ru",
            "карта 2200 1234 5678 9019",
        ],
        "second": [
            "Екатерина 8 391 234-56-78",
            "ivan [at] yandex [dot] ru",
            "СНИЛС 112-233-445 95",
        ],
    }
    vaults = {name: Vault() for name in conversations}
    locks = {name: threading.Lock() for name in conversations}
    results: dict[str, list[str]] = {name: [] for name in conversations}

    def process(name: str, text: str) -> None:
        # One conversation is processed by one task at a time, as the pipeline does.
        with locks[name]:
            result = engine.redact(text, vaults[name])
            results[name].append(engine.restore(result.text, vaults[name]).text)

    jobs = [
        (name, text) for _ in range(30) for name, texts in conversations.items() for text in texts
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: process(*job), jobs))

    for name, texts in conversations.items():
        other = "second" if name == "first" else "first"
        stored = {entry.original for entry in vaults[name]}
        assert stored <= {piece for text in texts for piece in _values_in(text)}
        assert not stored & {piece for text in conversations[other] for piece in _values_in(text)}
        assert set(results[name]) == set(texts)


def _values_in(text: str) -> list[str]:
    return [text[span.start : span.end] for span in redactor().detect(text)]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_every_property_value_is_detected_alone(value: str) -> None:
    spans = redactor().detect(value)

    assert spans, value
