"""Person names: first names, surnames, patronymics, diminutives and initials.

Two layers find names. pymorphy3's Name, Surn and Patr tags work in any case
(«анна», «АННА»), on declined forms («Анне», «Сидоровой») and on surname-first order;
a shipped list of first names adds names the dictionary lacks and recognises
diminutives («Иришка», «Наташенька») by their base. natasha's news NER model then
runs, only on messages where the first layer found a candidate, and adds persons it
tags (surnames the dictionary lacks, «Тестова Т.Т.»).

Some words are names only sometimes: «Вера», «Роза», «Любовь», or a surname that is
also a common word, like «Кузнец» or «Зима». They count only in a name context: next
to another name, after a cue such as «зовут» or «фамилия», or tagged a person by
natasha.

Adjacent name words form one span. Its canonical form is each word's nominative in
lower case with ё written as е («Сидоровой Анне» → «сидорова анна»); initials keep
their letters and dots.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import leadgate
from leadgate.core.components import NAME, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.plugins.redaction._morph import (
    WordInfo,
    first_names,
    load_models,
    nominative,
    person_spans,
    word_info,
)
from leadgate.plugins.redaction._ranges import union_ranges

_TOKEN = re.compile(r"[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.?)?(?![а-яё])|[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_SENTENCE_END = re.compile(r"[.!?…\n]\s*$|^\s*$")

STRONG = 0.5
"""Minimum summed parse probability of a Name, Surn or Patr tag to count without context."""

_OTHER_READING = 0.25

# Words pymorphy3 tags as names that in chats to salons, clinics and gyms are far more
# often ordinary words or months.
_AMBIGUOUS = frozenset(
    (
        "роза лилия мила лев слава вера надежда любовь марта май мая ян ким ника кира "
        "рома мир август августа юла гуля лада зоя ася дина тома роман лина"
    ).split()
)
# Words pymorphy3 can read as names that are almost always something else in chats:
# a particle and the abbreviations of Russian identifiers and company forms.
_NEVER_NAMES = frozenset(("ли ну же инн омс снилс ип ооо мрт кт узи лфк").split())
# Names that pymorphy3 gives a low probability but that are almost never anything else.
_ALWAYS_NAMES = frozenset(("софия милана злата майя ева яна инна нина").split())
_MONTHS = frozenset(
    ("января февраля марта апреля мая июня июля августа сентября октября ноября декабря").split()
)
_CUES = frozenset(
    (
        "зовут звать имя имени фамилия фамилии отчество фио я это запишите записать запиши "
        "записала записывала клиентка клиент дочь дочка сын муж жена мама подруга для от "
        "мастер мастеру мастера врач врачу доктор тренер тренеру к у с спросите позовите"
    ).split()
)
_DIMINUTIVE_SUFFIXES = tuple(
    ("енька онька ечка очка ушка юшка уля юля уся юся уша юша шка нька ик ка").split()
)
_SURNAME_ENDINGS = tuple(
    (
        "ова ева ина ына ов ев ин ын ская ский цкая цкий енко ук юк ич ой ову еву иной овой "
        "евой ину ого ому ую ий ым ая"
    ).split()
)


class _Token(NamedTuple):
    start: int
    end: int
    text: str
    role: str  # "first", "surname", "patronymic", "initials", "weak" or ""
    capitalised: bool
    sentence_start: bool


class NameDetector(Detector):
    """Finds person names with pymorphy3 tags, a first-name list and natasha NER."""

    name = "names"
    categories = (NAME,)

    def warm_up(self) -> None:
        """Load the pymorphy3 dictionaries and the natasha model now."""
        load_models()

    def detect(self, text: str) -> list[Span]:
        """Return the person names in ``text``."""
        if _CYRILLIC.search(text) is None:
            return []
        tokens = _tokens(text)
        if not any(token.role or _maybe_unknown_name(token) for token in tokens):
            return []

        ranges = _chains(text, tokens)
        # The NER model costs about a millisecond; it runs only where the dictionary
        # layer left a word undecided.
        if any(_undecided(token) for token in tokens):
            ranges += _confirmed_persons(text, tokens)
        return [_span(text, tokens, start, end) for start, end in union_ranges(ranges)]


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        start = match.start()
        capitalised = word[0].isupper() and not (len(word) > 1 and word.isupper())
        # Only a capitalised word needs to know whether a sentence starts with it.
        sentence_start = capitalised and (
            _SENTENCE_END.search(text[max(0, start - 3) : start]) is not None
        )
        tokens.append(
            _Token(start, match.end(), word, _role(word, text, start), capitalised, sentence_start)
        )
    return tokens


def _role(word: str, text: str, start: int) -> str:
    if "." in word:
        return "initials"
    lower = word.lower().replace("ё", "е")
    if lower in _MONTHS and re.search(r"\d\s*$", text[max(0, start - 4) : start]):
        return ""
    return _word_role(word)


@lru_cache(maxsize=100_000)
def _word_role(word: str) -> str:
    lower = word.lower().replace("ё", "е")
    if lower in _NEVER_NAMES:
        return ""
    if lower in _ALWAYS_NAMES:
        return "first"
    info = word_info(lower)
    listed = lower in first_names() or _is_diminutive(lower, info)
    if not info.known and not listed:
        # pymorphy3 guesses tags for words it does not know («чекап» as a name);
        # such words count only through natasha or next to a name.
        return ""
    if lower in _AMBIGUOUS:
        return "weak" if info.name or info.surname or listed else ""
    role = _strong_role(info, listed)
    if not role:
        return (
            "weak" if (info.name or info.surname or info.patronymic) and info.pos == "NOUN" else ""
        )
    # A lower-case word that is often something else («колю», «юля» as a verb form)
    # needs a name context; a capitalised one does not.
    other = 1.0 - info.name - info.surname - info.patronymic
    if not word[0].isupper() and other >= _OTHER_READING and not listed:
        return "weak"
    return role


def _strong_role(info: WordInfo, listed: bool) -> str:
    if info.patronymic >= STRONG:
        return "patronymic"
    if info.name >= STRONG or listed:
        return "first"
    if info.surname >= STRONG:
        return "surname"
    return ""


def _is_diminutive(lower: str, info: WordInfo) -> bool:
    if info.pos not in ("NOUN", "ADJS", ""):
        return False
    for suffix in _DIMINUTIVE_SUFFIXES:
        stem = lower[: -len(suffix)]
        if lower.endswith(suffix) and len(stem) >= 3:
            return any(name.startswith(stem) for name in first_names())
    return False


def _maybe_unknown_name(token: _Token) -> bool:
    return (
        not token.role
        and token.capitalised
        and not token.sentence_start
        and not word_info(token.text.lower()).known
    )


def _undecided(token: _Token) -> bool:
    # natasha finds persons mostly by capitalisation, so a call pays off only for a
    # capitalised word that may be a name.
    return (token.role == "weak" and token.capitalised) or _maybe_unknown_name(token)


def _chains(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """Group adjacent name words and keep the groups with enough evidence."""
    ranges = []
    index = 0
    while index < len(tokens):
        if not tokens[index].role:
            index += 1
            continue
        last = index
        while last + 1 < len(tokens) and _joined(text, tokens[last], tokens[last + 1]):
            last += 1
        first, last = _extend_with_surnames(text, tokens, index, last)
        chain = tokens[first : last + 1]
        if _accepted(chain, tokens[first - 1] if first > 0 else None):
            ranges.append((chain[0].start, chain[-1].end))
        index = last + 1
    return ranges


def _joined(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end : right.start]
    return right.role != "" and gap.strip() == "" and "\n" not in gap and len(gap) <= 2


def _extend_with_surnames(
    text: str, tokens: list[_Token], first: int, last: int
) -> tuple[int, int]:
    # A capitalised noun right next to a first name or initials is a surname even when
    # it is also a common word: «Анна Зима», «Кузнец И.И.».
    anchors = {"first", "initials", "patronymic"}
    if tokens[last].role in anchors and last + 1 < len(tokens):
        candidate = tokens[last + 1]
        if _surname_like(text, tokens[last], candidate):
            last += 1
    if tokens[first].role in anchors and first > 0:
        candidate = tokens[first - 1]
        if _surname_like(text, candidate, tokens[first], before=True):
            first -= 1
    return first, last


def _surname_like(text: str, left: _Token, right: _Token, before: bool = False) -> bool:
    candidate = left if before else right
    gap = text[left.end : right.start]
    if gap.strip() or "\n" in gap or candidate.role:
        return False
    if not candidate.capitalised or (candidate.sentence_start and not before):
        return False
    info = word_info(candidate.text.lower())
    return info.pos == "NOUN" or not info.known or candidate.text.lower().endswith(_SURNAME_ENDINGS)


def _accepted(chain: list[_Token], previous: _Token | None) -> bool:
    roles = {token.role for token in chain}
    if roles & {"first", "patronymic", "surname"}:
        return True
    if "initials" in roles and len(chain) > 1:
        return True
    if roles == {"initials"}:
        return False
    cue = previous is not None and previous.text.lower() in _CUES
    return cue or len(chain) > 1


def _confirmed_persons(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """Return natasha's persons that contain some sign of a name of their own."""
    ranges = []
    for start, end in person_spans(text):
        inside = [token for token in tokens if start <= token.start and token.end <= end]
        if any(token.role or _maybe_unknown_name(token) for token in inside):
            ranges.append((start, end))
    return ranges


def _span(text: str, tokens: list[_Token], start: int, end: int) -> Span:
    words = tuple(
        (token.text.lower().replace("ё", "е"), token.role)
        for token in tokens
        if start <= token.start and token.end <= end
    )
    return Span(start, end, NAME, canonical_name(words), detector="names")


_ROLE_TAGS = {"first": "Name", "surname": "Surn", "patronymic": "Patr", "weak": "Name"}


@lru_cache(maxsize=50_000)
def canonical_name(words: tuple[tuple[str, str], ...]) -> str:
    """Return the canonical form of a name from its lower-case words and their roles."""
    gender = _chain_gender(words)
    return " ".join(_canonical_word(word, role, gender) for word, role in words)


def _chain_gender(words: tuple[tuple[str, str], ...]) -> str:
    """Pick the gender the words of one name agree on, by summed parse probability."""
    scores = {"femn": 0.0, "masc": 0.0}
    for word, _ in words:
        info = word_info(word)
        for gender in scores:
            scores[gender] += max(
                info.gender_score(tag, gender) for tag in ("Name", "Surn", "Patr")
            )
    return max(scores, key=lambda gender: scores[gender])


def _canonical_word(word: str, role: str, gender: str) -> str:
    if role == "initials":
        return re.sub(r"\s", "", word)
    info = word_info(word)
    for tag in (_ROLE_TAGS.get(role), "Name", "Surn", "Patr"):
        if tag is None:
            continue
        lemma = info.lemma(tag, gender)
        if lemma is not None:
            return lemma
    return nominative(word, gender)


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``names`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="names",
            factory=_create,
            writes=frozenset({NAME}),
            description="Person names (pymorphy3 tags, a first-name list, natasha NER)",
            default=True,
        )
    )


def _create(context: ComponentContext) -> NameDetector:
    return NameDetector()
