"""Health data, a special category: diagnoses, symptoms, medications, pregnancy, allergies.

Terms are matched by word stems so that declined forms and common typos of the
ending still match («аллергия», «аллергии», «аллергией»). A term that names what it
applies to takes the following phrase along: «аллергия на лидокаин», «боль в
колене», «болит спина». Words that are health data only in some phrases («давление»,
«температура») count only in those phrases. The canonical form is the matched
phrase in lower case with ё written as е; bundles normally withhold this category,
so it rarely reaches the vault.
"""

from __future__ import annotations

import re

import leadgate
from leadgate.core.components import HEALTH, ComponentContext, ComponentSpec, Detector, Span
from leadgate.core.hookspecs import Register
from leadgate.plugins.redaction._ranges import union_ranges

_W = r"[а-яё]*"
# Stems of single words that are health data wherever they appear.
_STEMS = (
    # allergies and intolerance
    *("аллерг непереносимост анафилак").split(),
    # pregnancy and breastfeeding
    *("беремен лактац токсикоз").split(),
    # diagnoses
    *(
        "диабет гипертони гипотони астм варикоз тромбоз тромбофлебит псориаз дерматит "
        "розацеа акне грибок грибк онихомикоз микоз герпес гепатит эпилепс онкологи "
        "опухол миом грыж остеохондроз сколиоз протрузи артроз артрит ревматизм цистит "
        "гастрит мигрен инсульт инфаркт аритми тахикарди гипотиреоз гипертиреоз "
        "щитовидк депресси бесплоди эндометриоз остеопороз подагр ковид коронавирус "
        "грипп простуд орви ангин отит синусит гайморит бронхит пневмони диагноз "
        "кардиостимулятор менструац молочниц геморро панкреатит холецистит лишай "
        "бородавк папиллом вальгус плоскостопи"
    ).split(),
    r"экзем(?:а|ы|у|ой|е)(?![а-яё])",
    # symptoms
    *(
        "кашл кашел насморк сыпь высыпани зуд чешет отек отёк отека кровотеч кровоточ "
        "тошнот тошнит рвот головокруж воспален онемени немеет бессонниц перелом "
        "растяжени ушиб вывих продуло защемлени защемил болезн"
    ).split(),
    # medications and treatment
    *(
        "антибиотик гормональн инсулин роаккутан изотретиноин варфарин антидепрессант "
        "аспирин ибупрофен парацетамол нурофен преднизолон химиотерап антикоагулянт "
        "антигистамин обезболивающ"
    ).split(),
)
_MEDICATIONS = (
    "антибиотик|инсулин|роаккутан|изотретиноин|варфарин|антидепрессант|аспирин|ибупрофен|"
    "парацетамол|нурофен|преднизолон|антикоагулянт|антигистамин|обезболивающ"
)
_SINGLE = r"(?<![а-яё])(?:" + "|".join(_STEMS) + rf"){_W}"
# Words that need a phrase around them to be health data.
_PHRASES = (
    r"(?<![а-яё])(?:бол(?:ит|ят|ела|ел|ели|еть|ею|еет|еем|ь|и|ью|ей|ях)|ноет|ноют)(?![а-яё])",
    rf"(?<![а-яё])рак(?:а|ом|е)?(?![а-яё])\s+(?:груди|кожи|легк{_W}|желуд{_W}|матки|крови)",
    rf"(?<![а-яё])(?:онкологи{_W}|рак(?:ом|а)?)\s+(?:боле{_W}|лечил{_W})",
    rf"(?:повышенн|высок|низк|пониженн|скач{_W}){_W}\s+давлени{_W}|давлени{_W}\s+(?:скач|повыш|высок|низк|160|150|140){_W}",
    rf"(?:с\s+|высокая\s+|поднялась\s+)?температур{_W}\s*(?:3[7-9](?:[.,]\d)?|4[01])|температур(?:ю|ит|ила)|с\s+температурой",
    rf"(?<![а-яё])(?:в\s+положении|жду\s+ребенка|жду\s+ребёнка|кормлю\s+грудью|на\s+гв(?![а-яё])|грудн{_W}\s+вскармливани{_W}|после\s+родов|после\s+кесарева)",
    rf"(?<![а-яё])(?:(?:после|перенесла|перенес)\s+операци{_W}(?:\s+на\s+[а-яё]+)?|операци{_W}\s+на\s+[а-яё]+)",
    r"(?<![а-яё])(?:вич|спид|впч)(?![а-яё])",
    r"(?<![а-яё])месячны(?:е|х|ми)(?!\s+абонемент)",
    rf"(?<![а-яё])(?:принимаю|принимала|пью|пропиваю|колю|назначили)\s+(?:таблетк{_W}|гормон{_W}|препарат{_W}|лекарств{_W}|(?:{_MEDICATIONS}){_W})",
)
_TERM = re.compile("|".join((_SINGLE, *_PHRASES)), re.IGNORECASE)
# Phrases a term takes along: "аллергия на лидокаин", "боль в колене", "отёк ног".
_OBJECTS = (
    re.compile(r"\s+(?:на|в|от|у|после)\s+[а-яё\-]+\s+[а-яё\-]+", re.IGNORECASE),
    re.compile(r"\s+(?:на|в|от|у|после)\s+[а-яё\-]+", re.IGNORECASE),
    re.compile(
        r"\s+(?!(?:и|а|но|в|на|с|к|по|от|до|за|для|у|нет|не|есть|можно|ли|уже)(?![а-яё]))"
        r"[а-яё]+(?=\s|$|[,.!?)])",
        re.IGNORECASE,
    ),
)
_BODY_PARTS = re.compile(
    rf"(?:спин|поясниц|ше[ия]|колен|голов|зуб|живот|горл|ног|рук|плеч|сустав|сердц|желуд|ухо|уш|глаз|кож|лиц|стоп|пятк|локт|бедр|грудь|груд){_W}",
    re.IGNORECASE,
)
# A cheap first pass: how every term starts (its first five letters at most). Verbs
# such as «принимаю» are left out because a term follows them anyway.
_QUICK_PREFIXES = frozenset(
    stem[:5]
    for stem in (
        *_STEMS,
        *("бол ноет ноют рак давлен темпер положен жду кормл грудн гв родов кесар").split(),
        *("операц вич спид впч месячн таблет гормон препар лекарс").split(),
    )
)
_QUICK = re.compile(
    r"(?<![а-яё])(?:" + "|".join(re.escape(prefix) for prefix in sorted(_QUICK_PREFIXES)) + ")"
)


class HealthDetector(Detector):
    """Finds health data: diagnoses, symptoms, medications, pregnancy and allergies."""

    name = "health"
    categories = (HEALTH,)

    def detect(self, text: str) -> list[Span]:
        """Return the health terms in ``text``."""
        if _QUICK.search(text.lower()) is None:
            return []

        ranges = []
        for match in _TERM.finditer(text):
            start, end = match.span()
            start, end = _with_neighbours(text, start, end)
            ranges.append((start, end))
        return [
            Span(start, end, HEALTH, _canonical(text[start:end]), detector="health")
            for start, end in union_ranges(ranges)
        ]


def _with_neighbours(text: str, start: int, end: int) -> tuple[int, int]:
    term = text[start:end].lower()
    takes_object = term.startswith(("аллерг", "непереносим", "бол", "ноет", "ноют", "отек", "отёк"))
    if takes_object:
        for pattern in _OBJECTS:
            following = pattern.match(text, end)
            if following is not None and _worth_taking(term, following.group()):
                end = following.end()
                break
    if term.startswith(("бол", "ноет", "ноют")):
        before = re.search(r"([а-яё]+)\s+$", text[max(0, start - 30) : start], re.IGNORECASE)
        if before is not None and _BODY_PARTS.fullmatch(before.group(1)):
            start -= len(before.group(0))
    return start, end


def _worth_taking(term: str, phrase: str) -> bool:
    words = phrase.split()
    if term.startswith(("аллерг", "непереносим")):
        # "аллергия на лидокаин", "непереносимость лактозы": the substance is health data too.
        return len(words) == 1 or words[0].lower() in ("на", "к")
    if words[0].lower() in ("на", "от", "после"):
        return False
    return _BODY_PARTS.fullmatch(words[-1]) is not None


def _canonical(value: str) -> str:
    return re.sub(r"\s+", " ", value.lower().replace("ё", "е"))


@leadgate.hookimpl
def leadgate_register_detectors(register: Register) -> None:
    """Register the ``health`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="health",
            factory=_create,
            writes=frozenset({HEALTH}),
            description="Health data: diagnoses, symptoms, medications, pregnancy, allergies",
            default=True,
        )
    )


def _create(context: ComponentContext) -> HealthDetector:
    return HealthDetector()
