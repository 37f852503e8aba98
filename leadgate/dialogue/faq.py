"""Answer frequent questions: the bundle's FAQ and answers built from its own data.

Matching works on lemmas (pymorphy3) with rapidfuzz ratios, so typos, word order
and declensions («парковка», «припарковатся», «где парковаться») still match. The
built-in topics (prices, durations, hours, address, phone, list of services) answer
from the bundle's services, hours and business section, so an owner who fills those
gets sensible answers before writing any FAQ entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz

from leadgate.config.bundle import Bundle, Dialogue, FaqEntry
from leadgate.dialogue.phrases import (
    capitalise,
    format_address,
    format_day,
    format_duration,
    format_hours,
    format_price,
    format_rubles,
    format_time,
)
from leadgate.dialogue.schedule import opening_hours
from leadgate.dialogue.services import find_service
from leadgate.dialogue.when import parse_when
from leadgate.dialogue.words import content_lemmas, lemma, lemmas, similarity, words
from leadgate.locales import text

MIN_SCORE = 80.0
"""The lowest score (0..100) at which a message counts as asking a topic."""

_WORD_SCORE = 85  # rapidfuzz ratio for one keyword against one word
_SHORT_WORD = 4  # keywords shorter than this must match exactly («где» is not «когда»)
_BUNDLE_BONUS = 1.0  # an owner's own entry wins a tie with a built-in topic

# Keywords of the built-in topics, as lemmas; a phrase matches when all its words do.
# A keyword starting with "~" is weak, and so is any keyword shorter than four letters
# («где» in an owner's entry): it marks the topic but loses to a strong match
# elsewhere («где можно припарковаться» asks about parking, not the address).
_TOPICS: dict[str, tuple[str, ...]] = {
    "price": ("цена", "стоить", "стоимость", "прайс", "почем", "расценка", "прейскурант", "price", "cost"),
    "duration": ("долго", "длиться", "продолжительность", "сколько время", "how long"),
    "hours": (
        "работать", "открываться", "открыться", "закрываться", "график", "режим", "выходной",
        "часы работы", "во сколько", "hours", "~open",
    ),
    "address": ("адрес", "где", "находиться", "добраться", "проехать", "address", "~where"),
    "phone": ("телефон", "позвонить", "phone", "~call"),
    "services": ("услуга", "процедура", "services"),
}  # fmt: skip
_SERVICE_TOPICS = frozenset({"price", "duration"})
_SERVICE_BONUS = 5.0
_WEAK = "~"
_WEAK_SCORE = 85.0


@dataclass(frozen=True)
class FaqMatch:
    """The best topic for a message: a built-in topic name or ``"faq"`` with its entry."""

    topic: str
    score: float
    entry: FaqEntry | None = None


def match_faq(message: str, dialogue: Dialogue) -> FaqMatch | None:
    """Return the topic ``message`` asks about, or ``None`` below :data:`MIN_SCORE`."""
    surface = words(message)
    message_lemmas = lemmas(message)
    # A price question that names a service wants that service's price, even where
    # an owner's entry such as «Сколько стоит абонемент?» shares the words.
    service_bonus = _SERVICE_BONUS if find_service(message, dialogue) else 0.0
    candidates = [
        FaqMatch(
            topic,
            _keyword_score(keywords, surface, message_lemmas)
            + (service_bonus if topic in _SERVICE_TOPICS else 0.0),
        )
        for topic, keywords in _TOPICS.items()
    ]
    for entry in dialogue.faq:
        keyword_score = _keyword_score(entry.keywords, surface, message_lemmas)
        question_score = _question_score(message, entry.question)
        score = max(keyword_score, question_score) + _BUNDLE_BONUS
        candidates.append(FaqMatch("faq", score, entry))

    best = max(candidates, key=lambda match: match.score, default=None)
    if best is None or best.score < MIN_SCORE:
        return None
    return best


def _keyword_score(
    keywords: tuple[str, ...], surface: list[str], message_lemmas: list[str]
) -> float:
    # Each matched keyword beyond the first adds a little, so «адрес, где вы находитесь»
    # beats a message that shares one word with another topic.
    scores = [_phrase_score(keyword, surface, message_lemmas) for keyword in keywords]
    matched = sorted((score for score in scores if score >= _WORD_SCORE), reverse=True)
    if not matched:
        return 0.0
    return min(100.0, matched[0]) + 3.0 * (len(matched) - 1)


def _phrase_score(keyword: str, surface: list[str], message_lemmas: list[str]) -> float:
    bare = keyword.removeprefix(_WEAK)
    parts = [lemma(part) for part in words(bare)]
    if not parts:
        return 0.0
    score = min(_word_score(part, surface, message_lemmas) for part in parts)
    weak = keyword.startswith(_WEAK) or len(bare) < _SHORT_WORD
    return min(score, _WEAK_SCORE) if weak else score


def _word_score(part: str, surface: list[str], message_lemmas: list[str]) -> float:
    candidates = [*surface, *message_lemmas]
    if len(part) < _SHORT_WORD:
        return 100.0 if part in candidates else 0.0
    return max((similarity(part, word) for word in candidates), default=0.0)


def _question_score(message: str, question: str) -> float:
    message_text = " ".join(content_lemmas(message))
    question_text = " ".join(content_lemmas(question))
    if not message_text or not question_text:
        return 0.0
    # A message that contains the whole question in other words scores nearly as high
    # as the same question («как оплатить» and «можно ли оплатить картой»).
    return max(
        fuzz.token_sort_ratio(message_text, question_text),
        0.9 * fuzz.token_set_ratio(message_text, question_text),
    )


def faq_reply(match: FaqMatch, message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    """Build the answer to a matched topic from the bundle's data."""
    if match.entry is not None:
        return match.entry.answer

    builders = {
        "price": _price_reply,
        "duration": _duration_reply,
        "hours": _hours_reply,
        "address": _address_reply,
        "phone": _phone_reply,
        "services": _services_reply,
    }
    return builders[match.topic](message, now, bundle, locale)


def unknown_reply(bundle: Bundle, locale: str) -> str:
    """Reply to a question no topic matches: offer booking and the business phone."""
    if bundle.business.phone:
        return text("dialogue.unknown", locale, phone=bundle.business.phone)
    return text("dialogue.unknown_no_phone", locale)


def _price_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    service = find_service(message, bundle.dialogue)
    if service is not None:
        return text(
            "dialogue.price_one",
            locale,
            service=service.name,
            price=format_rubles(service.price),
            duration=format_duration(service.duration, locale),
        )
    lines = "\n".join(format_price(service, locale) for service in bundle.dialogue.services)
    return text("dialogue.price_list", locale, lines=lines)


def _duration_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    service = find_service(message, bundle.dialogue)
    if service is None:
        return _price_reply(message, now, bundle, locale)
    duration = format_duration(service.duration, locale)
    return text("dialogue.duration_one", locale, service=service.name, duration=duration)


def _hours_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    when = parse_when(message, now)
    if when is None or when.day is None:
        return text("dialogue.hours_week", locale, hours=format_hours(bundle.dialogue, locale))

    day = capitalise(format_day(when.day, now.date(), locale))
    hours = opening_hours(when.day, bundle.dialogue)
    if hours is None:
        return text("dialogue.closed_day", locale, day=day)
    opens, closes = (format_time(moment) for moment in hours)
    return text("dialogue.hours_day", locale, day=day, opens=opens, closes=closes)


def _address_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    address = format_address(bundle.business.address)
    if not address:
        return unknown_reply(bundle, locale)
    return text("dialogue.address", locale, address=address)


def _phone_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    if not bundle.business.phone:
        return unknown_reply(bundle, locale)
    return text("dialogue.phone", locale, phone=bundle.business.phone)


def _services_reply(message: str, now: dt.datetime, bundle: Bundle, locale: str) -> str:
    return _price_reply("", now, bundle, locale)
