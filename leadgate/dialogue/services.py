"""Find the service a client means: a button payload, a name, an alias or a near spelling."""

from __future__ import annotations

from leadgate.config.bundle import Dialogue, Service
from leadgate.dialogue.words import content_lemmas, lemmas, similarity, words

SERVICE_PAYLOAD = "service:"
"""Prefix of a service button payload; the number after it counts services from 1."""

_MIN_SCORE = 85  # rapidfuzz ratio: «маникур» or «маникюра» still read as «маникюр»
_MIN_WORD = 4  # shorter words («на», «для») never pick a service on their own


def service_payload(index: int) -> str:
    """Return the button payload for the service at ``index`` (0-based) of the bundle."""
    return f"{SERVICE_PAYLOAD}{index + 1}"


def service_from_payload(text: str, dialogue: Dialogue) -> Service | None:
    """Return the service a ``service:<n>`` payload names, or ``None`` for anything else."""
    if not text.startswith(SERVICE_PAYLOAD):
        return None
    number = text.removeprefix(SERVICE_PAYLOAD).strip()
    # isdecimal, not isdigit: «²» is a digit that int() rejects.
    if not number.isdecimal() or not 1 <= int(number) <= len(dialogue.services):
        return None
    return dialogue.services[int(number) - 1]


def find_service(text: str, dialogue: Dialogue) -> Service | None:
    """Return the service ``text`` names by its name or an alias, tolerating typos.

    A whole name or alias compared with every run of as many words of ``text`` wins
    first. Failing that, a word that appears in exactly one service name picks that
    service («стрижку» finds «Стрижка женская» unless «Стрижка мужская» exists too).
    """
    found = service_from_payload(text.strip(), dialogue)
    if found is not None:
        return found

    text_lemmas = lemmas(text)
    variants = (text_lemmas, words(text))
    best: tuple[float, int, Service] | None = None
    for service in dialogue.services:
        for name in (service.name, *service.aliases):
            score, size = max(_phrase_score(variant, name) for variant in variants)
            # On a tie the longer name wins: «детскую стрижку» is «Детская стрижка»
            # even when another service has the alias «стрижка».
            if score >= _MIN_SCORE and (best is None or (score, size) > best[:2]):
                best = (score, size, service)
    if best is not None:
        return best[2]
    return _single_word_match(text_lemmas, dialogue)


def _phrase_score(text_words: list[str], name: str) -> tuple[float, int]:
    name_lemmas = lemmas(name)
    if not text_words or not name_lemmas:
        return 0.0, 0
    size = len(name_lemmas)
    runs = [text_words[i : i + size] for i in range(max(1, len(text_words) - size + 1))]
    score = max(similarity(" ".join(run), " ".join(name_lemmas)) for run in runs)
    return score, size


def _single_word_match(text_lemmas: list[str], dialogue: Dialogue) -> Service | None:
    text_words = {word for word in text_lemmas if len(word) >= _MIN_WORD}
    matches = []
    for service in dialogue.services:
        name_words = {
            word for name in (service.name, *service.aliases) for word in content_lemmas(name)
        }
        if text_words & name_words:
            matches.append(service)
    return matches[0] if len(matches) == 1 else None
