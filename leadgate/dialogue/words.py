"""Text normalisation shared by the dialogue modules: case, ё, tokens and lemmas.

Russian inflects nouns and verbs, so «маникюра», «маникюр» and «маникюру» must
compare equal; pymorphy3 reduces each word to its dictionary form (lemma).
"""

from __future__ import annotations

import re
from functools import cache

import pymorphy3
from rapidfuzz import fuzz

TOKEN = re.compile(r"\[([A-Z][A-Z_]*?)_(\d+)\]")
"""The pattern of a vault token such as ``[PHONE_1]``, with category and number as groups."""

_WORD = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")


@cache
def _analyzer() -> pymorphy3.MorphAnalyzer:
    # Loading the dictionaries takes about 0.1 s, so it happens once, on first use.
    return pymorphy3.MorphAnalyzer()


def fold(text: str) -> str:
    """Lower-case ``text`` and fold ё to е, the way Russian writers use them interchangeably."""
    return text.lower().replace("ё", "е")


def mask_tokens(text: str) -> str:
    """Replace vault tokens with spaces so their digits never read as a date or a time."""
    return TOKEN.sub(lambda match: " " * len(match.group(0)), text)


def tokens(text: str, category: str) -> list[str]:
    """Return the vault tokens of ``category`` (``PHONE``, ``NAME``...) in text order."""
    return [match.group(0) for match in TOKEN.finditer(text) if match.group(1) == category]


def words(text: str) -> list[str]:
    """Split folded, token-free ``text`` into words (hyphenated words stay whole)."""
    return _WORD.findall(fold(mask_tokens(text)))


@cache
def lemma(word: str) -> str:
    """Return the dictionary form of one folded word; digits and Latin words stay as they are."""
    if not re.search("[а-я]", word):
        return word
    return fold(_analyzer().parse(word)[0].normal_form)


def lemmas(text: str) -> list[str]:
    """Return the lemmas of the words of ``text``, in order."""
    return [lemma(word) for word in words(text)]


STOPWORDS = frozenset(
    "а в во вы вас вам ваш и или к ко ли на о об от по с со у я мне меня мой моя мы нас "
    "есть можно ли бы же не ни то это этот как что так там тут да нет ну пожалуйста "
    "подсказать сказать скажите подскажите хотеть хочу здравствуйте добрый день".split()
)
"""Words that carry no topic, left out when comparing a message with an FAQ question."""


def content_lemmas(text: str) -> list[str]:
    """Return the lemmas of ``text`` without :data:`STOPWORDS`."""
    return [word for word in lemmas(text) if word not in STOPWORDS]


def similarity(first: str, second: str) -> float:
    """Return how alike two folded words or phrases are, from 0 to 100.

    A rapidfuzz ratio, raised to 90 when both share a stem of five letters or more:
    lemmas keep word families apart («оплата» and «оплатить», «маникюр» and
    «маникюрчик») that a client means as one.
    """
    stem = next(
        (index for index, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
        min(len(first), len(second)),
    )
    if stem >= 5 and stem >= 0.7 * min(len(first), len(second)):
        return max(90.0, fuzz.ratio(first, second))
    return fuzz.ratio(first, second)
