"""Shared language models for the detectors, loaded once per process on first use.

pymorphy3's analyser (about 15 MB of dictionaries) and natasha's news NER model
(navec embeddings and a slovnet tagger, about 30 MB) load lazily and are cached.
Word analyses are cached as well, since chat messages reuse a small vocabulary.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

_NAME, _SURNAME, _PATRONYMIC = "Name", "Surn", "Patr"
_ROLE_TAGS = (_NAME, _SURNAME, _PATRONYMIC)

_load_lock = threading.Lock()
_ner_lock = threading.Lock()


@cache
def morph() -> Any:
    """Return the process-wide pymorphy3 analyser."""
    with _load_lock:
        import pymorphy3

        return pymorphy3.MorphAnalyzer()


@dataclass(frozen=True)
class WordInfo:
    """What the name detector needs to know about one lower-case word.

    ``name``, ``surname`` and ``patronymic`` are the summed probabilities of the
    parses with that tag. ``lemmas`` contains ``(tag, gender, nominative, weight)`` for
    each of those parses, weighted to prefer the nominative reading. ``pos`` is the
    part of speech of the best parse.
    """

    name: float
    surname: float
    patronymic: float
    known: bool
    pos: str
    lemmas: tuple[tuple[str, str, str, float], ...]

    def lemma(self, role: str, gender: str = "") -> str | None:
        """Return the most probable nominative of the word in ``role``, preferring ``gender``."""
        matching = [item for item in self.lemmas if item[0] == role]
        preferred = [item for item in matching if item[1] == gender] or matching
        if not preferred:
            return None
        return max(preferred, key=lambda item: item[3])[2]

    def gender_score(self, role: str, gender: str) -> float:
        """Return the summed probability of the parses in ``role`` with ``gender``."""
        return sum(item[3] for item in self.lemmas if item[0] == role and item[1] == gender)


@lru_cache(maxsize=200_000)
def word_info(word: str) -> WordInfo:
    """Analyse one lower-case word (cached)."""
    analyser = morph()
    parses = analyser.parse(word)
    scores = dict.fromkeys(_ROLE_TAGS, 0.0)
    lemmas: dict[tuple[str, str, str], float] = {}
    for parse in parses:
        for role in _ROLE_TAGS:
            if role not in parse.tag:
                continue
            scores[role] += parse.score
            gender = str(parse.tag.gender or "")
            nominative = parse.inflect({"nomn", "sing"}) if "Pltm" not in parse.tag else None
            form = (nominative.word if nominative else parse.normal_form).replace("ё", "е")
            key = (role, gender, form)
            lemmas[key] = lemmas.get(key, 0.0) + parse.score * _weight(parse)
    best = parses[0] if parses else None
    return WordInfo(
        name=scores[_NAME],
        surname=scores[_SURNAME],
        patronymic=scores[_PATRONYMIC],
        known=analyser.word_is_known(word),
        pos=str(best.tag.POS or "") if best else "",
        lemmas=tuple((*key, score) for key, score in lemmas.items()),
    )


@lru_cache(maxsize=50_000)
def nominative(word: str, gender: str = "") -> str:
    """Return the nominative of an adjective-shaped surname («Заречного» → «заречный»).

    ``gender`` («femn», «masc») picks the form. Any other word is returned as it is,
    because its dictionary reading is not a surname («Тестова» is a place name's
    genitive there).
    """
    for parse in morph().parse(word):
        if parse.tag.POS != "ADJF":
            continue
        grammemes = {"nomn", "sing"} | ({gender} if gender in ("femn", "masc") else set())
        inflected = parse.inflect(grammemes)
        if inflected is not None:
            return str(inflected.word).replace("ё", "е")
    return word


def _weight(parse: Any) -> float:
    # A name written alone in a chat is most often in the nominative («Алена» is far
    # more often Алёна than the genitive of Ален), and pymorphy3's indeclinable
    # guesses («Анне» as a French name) are rarely right for Russian clients.
    weight = 3.0 if parse.tag.case == "nomn" else 1.0
    if "Fixd" in parse.tag:
        weight *= 0.2
    return weight


@cache
def first_names() -> frozenset[str]:
    """Return the first names shipped in ``first_names.txt``."""
    source = resources.files(__package__).joinpath("first_names.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in source.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def _ner() -> tuple[Any, Any]:
    with _load_lock:
        from natasha import NewsEmbedding, NewsNERTagger, Segmenter
        from threadpoolctl import threadpool_limits

        # slovnet multiplies small matrices, one message at a time. OpenBLAS threads
        # only add overhead to that, and on a busy 2-core machine they made a tagger
        # call about 50 times slower (1 ms against 55 ms). The limit applies to the
        # whole process, which runs no other BLAS work.
        threadpool_limits(limits=1, user_api="blas")
        return Segmenter(), NewsNERTagger(NewsEmbedding())


def load_models() -> None:
    """Load the analyser, the first-name list and the NER model, if not loaded yet."""
    morph()
    first_names()
    _ner()


def person_spans(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, stop)`` ranges natasha's NER tags as persons (PER)."""
    from natasha import Doc

    segmenter, tagger = _ner()
    document = Doc(text)
    # The tagger is shared by every thread of the process; one call at a time keeps
    # it safe without relying on slovnet's internals.
    with _ner_lock:
        document.segment(segmenter)
        document.tag_ner(tagger)
    return [(span.start, span.stop) for span in document.spans if span.type == "PER"]
