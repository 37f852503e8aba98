"""Tests of the streaming token restorer: no half token ever leaves it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgate.config.bundle import RedactionPolicy
from leadgate.core.redaction import Redactor
from leadgate.core.vault import Vault
from leadgate.plugins.llm.stream_restore import StreamRestorer


def _vault() -> Vault:
    vault = Vault()
    vault.add("phone", "+79161234567", "+7 916 123-45-67")
    vault.add("name", "анна", "Анна")
    vault.add("email", "anna@example.ru", "anna@example.ru")
    vault.add("phone", "+79990001122", "8 999 000 11 22")
    return vault


REDACTOR = Redactor([], RedactionPolicy(actions={}))
VAULT = _vault()


def restore(text: str) -> str:
    return REDACTOR.restore(text, VAULT).text


def stream(pieces: list[str]) -> tuple[str, list[str]]:
    restorer = StreamRestorer(restore)
    outputs = [restorer.feed(piece) for piece in pieces]
    outputs.append(restorer.flush())
    return "".join(outputs), outputs


TEXTS = [
    "[NAME_1], ваш телефон [PHONE_1], верно?",
    "Записала [NAME_1] на завтра. Напишем на [EMAIL_1] и позвоним на [PHONE_2].",
    "[PHONE_1]",
    "Bare PHONE_1 and lower [phone 1] and braces {NAME-1}.",
    "Неизвестная метка [PHONE_9] удаляется, а [ссылка] и (скобки) остаются.",
    "Цена 1500 ₽ (со скидкой), [NAME_1]",
    " [PHONE_7][NAME_1] и [PHONE_9](PHONE_1) <NAME_1>",
]


@pytest.mark.parametrize("text", TEXTS, ids=[f"text{i}" for i in range(len(TEXTS))])
def test_split_at_every_position_restores_whole(text):
    expected = restore(text)

    for cut in range(len(text) + 1):
        result, _ = stream([text[:cut], text[cut:]])

        assert result == expected, f"split at {cut}"


@pytest.mark.parametrize("text", TEXTS, ids=[f"text{i}" for i in range(len(TEXTS))])
def test_one_character_pieces_restore_whole(text):
    result, _ = stream(list(text))

    assert result == restore(text)


def test_no_output_piece_holds_part_of_a_token():
    text = "Спасибо, [NAME_1]! Перезвоним на [PHONE_1]."
    partial = re.compile(r"\[[A-Z_]*\d*$|\[[A-Z_]+\d*\]?|NAME|PHONE")

    for cut in range(len(text) + 1):
        _, outputs = stream([text[:cut], text[cut:]])

        for output in outputs:
            assert not partial.search(output), f"split at {cut}: {output!r}"


def test_feed_releases_text_without_token_at_once():
    restorer = StreamRestorer(restore)

    released = restorer.feed("Добрый день, ждём вас ")

    assert released == "Добрый день, ждём вас"
    assert restorer.pending == " "


def test_feed_holds_only_the_possible_token_prefix():
    restorer = StreamRestorer(restore)

    released = restorer.feed("Позвоним на [PHO")

    assert released == "Позвоним на"
    assert restorer.pending == " [PHO"
    assert restorer.feed("NE_1] завтра") == " +7 916 123-45-67"
    assert restorer.flush() == " завтра"


PIECE = st.sampled_from(
    ["[NAME_1]", "[PHONE_1]", "[PHONE_2]", "[EMAIL_1]", "[PHONE_7]", "PHONE_1", " ", ", ", "Анна", "запись",
     "[", "]", "(", ")", "_", "1", "ok", "\n", "{NAME-1}", "[ phone 2 ]", "<", ">", "{", "NAME",
     "-", "(PHONE_1)"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(
    parts=st.lists(PIECE, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=6),
)
def test_any_chunking_matches_whole_restore(parts, cuts):
    text = "".join(parts)
    positions = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [
        text[start:end] for start, end in zip([0, *positions], [*positions, len(text)], strict=True)
    ]

    result, _ = stream(pieces)

    assert result == restore(text)
