"""Build ``redaction_corpus.jsonl``: labelled Russian chat messages for the redaction tests.

Run ``python tests/data/redaction_corpus.py`` to rewrite the JSONL file; the output
is deterministic. Every person, number and address here is invented. Identifiers
that have a checksum get a valid one, so the corpus tests the detectors and not
their checksum rejection.

Each JSONL line is one message::

    {"id": "salon-012-1", "vertical": "salon", "text": "...", "negative": false,
     "spans": [{"start": 10, "end": 21, "category": "phone"}], "allow": [...]}

``spans`` are Python string indices into ``text``. ``negative`` messages contain no
personal data of the client: prices, times, dates, order numbers, ages, service
names and the business's own staff and address, which ``allow`` lists.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUTPUT = Path(__file__).with_suffix(".jsonl")
SEED = 2026
FILLS_PER_TEMPLATE = 3

ALLOW = {
    "salon": ["Ольга", "Эльвира", "Бьюти Лаб", "ул. Весны, 3А", "8 (391) 205-00-00"],
    "clinic": ["Марк Аркадьевич", "Инна Викторовна", "Клиника Здоровье+", "пр. Мира, 10"],
    "fitness": ["Дмитрий Сергеевич", "Кристина", "Фитнес Парк", "ул. Авиаторов, 19"],
}

# First names with the forms nominative, genitive, dative, accusative, instrumental.
FEMALE = [
    "Анна Анны Анне Анну Анной",
    "Мария Марии Марии Марию Марией",
    "Екатерина Екатерины Екатерине Екатерину Екатериной",
    "Светлана Светланы Светлане Светлану Светланой",
    "Наталья Натальи Наталье Наталью Натальей",
    "Ирина Ирины Ирине Ирину Ириной",
    "Юлия Юлии Юлии Юлию Юлией",
    "Дарья Дарьи Дарье Дарью Дарьей",
    "Ксения Ксении Ксении Ксению Ксенией",
    "Алёна Алёны Алёне Алёну Алёной",
    "Алена Алены Алене Алену Аленой",
    "Елена Елены Елене Елену Еленой",
    "Татьяна Татьяны Татьяне Татьяну Татьяной",
    "Марина Марины Марине Марину Мариной",
    "Полина Полины Полине Полину Полиной",
    "Алина Алины Алине Алину Алиной",
    "Анастасия Анастасии Анастасии Анастасию Анастасией",
    "Людмила Людмилы Людмиле Людмилу Людмилой",
    "Галина Галины Галине Галину Галиной",
    "Вероника Вероники Веронике Веронику Вероникой",
    "Гульнара Гульнары Гульнаре Гульнару Гульнарой",
    "Зарина Зарины Зарине Зарину Зариной",
    "Софья Софьи Софье Софью Софьей",
    "Валентина Валентины Валентине Валентину Валентиной",
]
FEMALE_SHORT = [
    "Маша Маши Маше Машу Машей",
    "Катя Кати Кате Катю Катей",
    "Катюша Катюши Катюше Катюшу Катюшей",
    "Света Светы Свете Свету Светой",
    "Наташа Наташи Наташе Наташу Наташей",
    "Иришка Иришки Иришке Иришку Иришкой",
    "Юля Юли Юле Юлю Юлей",
    "Даша Даши Даше Дашу Дашей",
    "Ксюша Ксюши Ксюше Ксюшу Ксюшей",
    "Лена Лены Лене Лену Леной",
    "Таня Тани Тане Таню Таней",
    "Настя Насти Насте Настю Настей",
    "Наташенька Наташеньки Наташеньке Наташеньку Наташенькой",
    "Сашенька Сашеньки Сашеньке Сашеньку Сашенькой",
    "Викуля Викули Викуле Викулю Викулей",
]
FEMALE_AMBIGUOUS = [
    "Вера Веры Вере Веру Верой",
    "Надежда Надежды Надежде Надежду Надеждой",
    "Любовь Любови Любови Любовь Любовью",
    "Роза Розы Розе Розу Розой",
]
MALE = [
    "Александр Александра Александру Александра Александром",
    "Дмитрий Дмитрия Дмитрию Дмитрия Дмитрием",
    "Сергей Сергея Сергею Сергея Сергеем",
    "Андрей Андрея Андрею Андрея Андреем",
    "Алексей Алексея Алексею Алексея Алексеем",
    "Максим Максима Максиму Максима Максимом",
    "Иван Ивана Ивану Ивана Иваном",
    "Артём Артёма Артёму Артёма Артёмом",
    "Никита Никиты Никите Никиту Никитой",
    "Михаил Михаила Михаилу Михаила Михаилом",
    "Павел Павла Павлу Павла Павлом",
    "Игорь Игоря Игорю Игоря Игорем",
    "Тимур Тимура Тимуру Тимура Тимуром",
    "Руслан Руслана Руслану Руслана Русланом",
    "Денис Дениса Денису Дениса Денисом",
    "Саша Саши Саше Сашу Сашей",
    "Дима Димы Диме Диму Димой",
]
SURNAME_STEMS = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Виноградов",
    "Богданов",
    "Фёдоров",
    "Михайлов",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселёв",
    "Макаров",
    "Андреев",
    "Ковалёв",
    "Ильин",
    "Гусев",
    "Титов",
    "Кудрявцев",
    "Баранов",
    "Куликов",
    "Никитин",
    "Сорокин",
    "Тестов",
]
SURNAME_SKY = ["Ковальск", "Заречн", "Высоцк", "Луговск"]
SURNAME_FIXED = ["Коваленко", "Шевченко", "Ким", "Цой", "Полищук"]
SURNAME_COMMON_WORDS = ["Зима", "Кузнец", "Мороз", "Сова"]
PATRONYMICS = [
    ("Сергеев", "Сергеевич"),
    ("Александров", "Александрович"),
    ("Иванов", "Иванович"),
    ("Петров", "Петрович"),
    ("Викторов", "Викторович"),
    ("Андреев", "Андреевич"),
    ("Николаев", "Николаевич"),
    ("Владимиров", "Владимирович"),
]
CASES = {"nomn": 0, "gent": 1, "datv": 2, "accs": 3, "ablt": 4}


def surname(stem: str, female: bool, case: str) -> str:
    """Decline a surname by the usual Russian rules."""
    index = CASES[case]
    if stem in SURNAME_FIXED:
        if female or stem in ("Коваленко", "Шевченко", "Ким", "Цой"):
            return stem
        return [stem, stem + "а", stem + "у", stem + "а", stem + "ом"][index]
    if stem in SURNAME_SKY:
        forms = ["ая", "ой", "ой", "ую", "ой"] if female else ["ий", "ого", "ому", "ого", "им"]
        return stem + forms[index]
    if female:
        return stem + ["а", "ой", "ой", "у", "ой"][index]
    return stem + ["", "а", "у", "а", "ым"][index]


def patronymic(pair: tuple[str, str], female: bool, case: str) -> str:
    index = CASES[case]
    if female:
        return pair[0] + ["на", "ны", "не", "ну", "ной"][index]
    return pair[1] + ["", "а", "у", "а", "ем"][index]


class Filler:
    """Random values for template slots, each returned with its category."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # -- names -----------------------------------------------------------------

    def _first(self, case: str, pool: list[str] | None = None) -> tuple[str, bool]:
        female_pool = FEMALE + FEMALE_SHORT
        if pool is None:
            female = self.rng.random() < 0.75
            pool = female_pool if female else MALE
        else:
            female = pool is not MALE
        forms = self.rng.choice(pool).split()
        return forms[CASES[case]], female

    def _surname_stem(self) -> str:
        roll = self.rng.random()
        if roll < 0.75:
            return self.rng.choice(SURNAME_STEMS)
        if roll < 0.88:
            return self.rng.choice(SURNAME_SKY)
        return self.rng.choice(SURNAME_FIXED)

    def name(self, case: str = "nomn") -> str:
        """A client name in one of the ways people write it."""
        roll = self.rng.random()
        first, female = self._first(case)
        if roll < 0.4:
            value = first
        elif roll < 0.65:
            value = f"{first} {surname(self._surname_stem(), female, case)}"
        elif roll < 0.8:
            value = f"{surname(self._surname_stem(), female, case)} {first}"
        else:
            first, female = self._first(case, FEMALE if self.rng.random() < 0.7 else MALE)
            value = f"{first} {patronymic(self.rng.choice(PATRONYMICS), female, case)}"
        return self._case_style(value)

    def fio(self, case: str = "nomn") -> str:
        first, female = self._first(case, FEMALE if self.rng.random() < 0.7 else MALE)
        last = surname(self._surname_stem(), female, case)
        middle = patronymic(self.rng.choice(PATRONYMICS), female, case)
        return self._case_style(f"{last} {first} {middle}")

    def initials(self, case: str = "nomn") -> str:
        female = self.rng.random() < 0.7
        last = surname(self._surname_stem(), female, case)
        letters = self.rng.sample("АВГДЕИКЛМНОПРСТЮЯ", 2)
        spacing = self.rng.choice(["", " "])
        if self.rng.random() < 0.7:
            return f"{last} {letters[0]}.{spacing}{letters[1]}."
        return f"{letters[0]}.{spacing}{letters[1]}. {last}"

    def ambiguous(self, case: str = "nomn") -> str:
        return self.rng.choice(FEMALE_AMBIGUOUS).split()[CASES[case]]

    def common_surname(self) -> str:
        first, _ = self._first("nomn", FEMALE)
        last = self.rng.choice(SURNAME_COMMON_WORDS)
        return f"{first} {last}" if self.rng.random() < 0.5 else f"{last} {first}"

    def _case_style(self, value: str) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return value.lower()
        if roll < 0.18:
            return value.upper()
        return value

    # -- contacts --------------------------------------------------------------

    def _mobile(self) -> str:
        return "9" + "".join(self.rng.choice("0123456789") for _ in range(9))

    def phone(self) -> str:
        digits = self._mobile()
        a, b, c, d = digits[:3], digits[3:6], digits[6:8], digits[8:]
        city = (
            "391" + self.rng.choice("2") + "".join(self.rng.choice("0123456789") for _ in range(6))
        )
        ca, cb, cc, cd = city[:3], city[3:6], city[6:8], city[8:]
        formats = [
            f"8{digits}",
            f"+7{digits}",
            f"+7 {a} {b}-{c}-{d}",
            f"8 ({a}) {b}-{c}-{d}",
            f"8-{a}-{b}-{c}-{d}",
            f"8 {a} {b} {c} {d}",
            f"+7({a}){b}{c}{d}",
            f"{a} {b} {c} {d}",
            f"8{a}{b}-{c}-{d}",
            f"8.{a}.{b}.{c}.{d}",
            f"8 ({ca}) {cb}-{cc}-{cd}",
            f"+7 {ca} {cb}{cc}{cd}",
            f"({ca}) {cb}-{cc}-{cd}",
            self.rng.choice(
                [
                    "+998 90 123 45 67",
                    "+375 29 123-45-67",
                    "+996 555 123 456",
                    "+992 93 123 4567",
                    "+7 701 123 45 67",
                    "+994 50 123 45 67",
                    "+49 151 23456789",
                ]
            ),
        ]
        return self.rng.choice(formats)

    def email(self) -> str:
        local = self.rng.choice(
            [
                "anna.petrova",
                "kate_1990",
                "ivanova.m",
                "sveta.krsk",
                "dasha2005",
                "m.kuznetsova",
                "olga-smirnova",
                "alex.popov",
                "nata.v",
                "juliya24",
                "ksu.sha",
                "irina.v",
            ]
        )
        domain = self.rng.choice(
            [
                "mail.ru",
                "yandex.ru",
                "gmail.com",
                "bk.ru",
                "inbox.ru",
                "list.ru",
                "rambler.ru",
                "ya.ru",
            ]
        )
        name, _, tld = domain.rpartition(".")
        styles = [
            f"{local}@{domain}",
            f"{local}@{domain}",
            f"{local.upper()}@{domain.upper()}",
            f"{local} [at] {name} [dot] {tld}",
            f"{local}(at){domain}",
            f"{local} собака {domain}",
            f"{local}＠{domain}",
            f"{local}@{domain.replace('a', 'а', 1)}",
            "почта@пример.рф",
            "анна@почта.рф",
            "info@xn--80a1acny.xn--p1ai",
            f"{local}{self.rng.randint(10, 99)}@{domain}",
        ]
        return self.rng.choice(styles)

    # -- numbers ---------------------------------------------------------------

    def _luhn_complete(self, body: str) -> str:
        for digit in "0123456789":
            candidate = body + digit
            total = 0
            for position, char in enumerate(reversed(candidate)):
                value = int(char) * (2 if position % 2 else 1)
                total += value - 9 if value > 9 else value
            if total % 10 == 0:
                return candidate
        raise AssertionError("unreachable")

    def _random_digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def card(self) -> str:
        prefix = self.rng.choice(
            ["2200", "2201", "2202", "2204", "4276", "4279", "5469", "5536", "2221", "2720"]
        )
        digits = self._luhn_complete(prefix + self._random_digits(11))
        style = self.rng.random()
        if style < 0.5:
            return " ".join(digits[index : index + 4] for index in range(0, 16, 4))
        if style < 0.8:
            return digits
        return "-".join(digits[index : index + 4] for index in range(0, 16, 4))

    def passport(self) -> str:
        series = f"{self.rng.randint(1, 99):02d}{self.rng.randint(0, 25):02d}"
        number = self._random_digits(6)
        return self.rng.choice(
            [
                f"{series} {number}",
                f"{series[:2]} {series[2:]} {number}",
                f"{series}{number}",
                f"{series} № {number}",
            ]
        )

    def snils(self, formatted: bool = True) -> str:
        base = f"{self.rng.randint(100, 999)}{self._random_digits(6)}"
        total = sum(int(char) * weight for char, weight in zip(base, range(9, 0, -1), strict=True))
        control = total % 101
        control = 0 if control == 100 else control
        digits = f"{base}{control:02d}"
        if formatted:
            return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"
        return digits

    def inn(self) -> str:
        weights_first = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
        weights_second = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
        base = f"24{self._random_digits(8)}"
        first = sum(int(c) * w for c, w in zip(base, weights_first, strict=True)) % 11 % 10
        second = (
            sum(int(c) * w for c, w in zip(base + str(first), weights_second, strict=True))
            % 11
            % 10
        )
        return f"{base}{first}{second}"

    def oms(self) -> str:
        digits = self._luhn_complete("24" + self._random_digits(13))
        return (
            digits
            if self.rng.random() < 0.6
            else " ".join(digits[i : i + 4] for i in range(0, 16, 4))
        )

    def account(self) -> str:
        bic = "044525225"
        weights = (7, 1, 3) * 7 + (7, 1)
        body = "40817810" + self._random_digits(3)
        tail = self._random_digits(8)
        for key in "0123456789":
            account = body[:8] + key + body[8:] + tail
            combined = bic[6:9] + account
            if sum((int(c) * w) % 10 for c, w in zip(combined, weights, strict=True)) % 10 == 0:
                return account
        raise AssertionError("unreachable")

    def address(self) -> str:
        street = self.rng.choice(
            [
                "ул. Ленина",
                "ул Ленина",
                "улица Карла Маркса",
                "пр-т Мира",
                "проспект Свободный",
                "ул. Взлётная",
                "ул. Партизана Железняка",
                "мкр Солнечный",
                "ул. 9 Мая",
                "пер. Медицинский",
                "ул. Молокова",
                "ул. Алексеева",
                "ул Навигационная",
            ]
        )
        house = f"{self.rng.randint(1, 120)}{self.rng.choice(['', '', '', 'а', 'Б'])}"
        flat = self.rng.randint(1, 240)
        return self.rng.choice(
            [
                f"{street}, д. {house}, кв. {flat}",
                f"{street} {house}-{flat}",
                f"{street} {house} кв {flat}",
                f"{street}, {house}",
                f"{street} дом {house} квартира {flat}",
            ]
        )

    def bdate(self) -> str:
        day, month, year = (
            self.rng.randint(1, 28),
            self.rng.randint(1, 12),
            self.rng.randint(1960, 2008),
        )
        words = [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ]
        return self.rng.choice(
            [
                f"{day:02d}.{month:02d}.{year}",
                f"{day}.{month:02d}.{year % 100:02d}",
                f"{day} {words[month - 1]} {year}",
                f"{day:02d}/{month:02d}/{year}",
            ]
        )

    def birth_year(self) -> str:
        return str(self.rng.randint(1960, 2010))

    def health(self, kind: str = "any") -> str:
        pools = {
            "allergy": [
                "аллергия на лидокаин",
                "аллергия на латекс",
                "аллергия на краску",
                "аллергию на пыльцу",
                "аллергия на орехи",
                "непереносимость лактозы",
            ],
            "pregnancy": ["беременна", "беременная", "кормлю грудью", "на ГВ", "в положении"],
            "diagnosis": [
                "диабет",
                "варикоз",
                "псориаз",
                "остеохондроз",
                "гипертония",
                "астма",
                "грыжа",
                "грибок",
                "герпес",
                "мигрени",
                "гастрит",
                "сколиоз",
                "артроз",
                "эпилепсия",
                "протрузия",
            ],
            "symptom": [
                "болит спина",
                "болит колено",
                "спина болит",
                "боль в пояснице",
                "температура 38",
                "отёк ног",
                "сыпь",
                "зуд",
                "кашель",
                "головокружение",
            ],
            "surgery": [
                "после операции на колене",
                "после операции на позвоночнике",
                "перенесла операцию на сердце",
            ],
            "medication": [
                "принимаю антибиотики",
                "пью гормональные",
                "принимаю роаккутан",
                "колю инсулин",
                "антидепрессанты",
                "варфарин",
            ],
        }
        if kind == "any":
            kind = self.rng.choice(list(pools))
        return self.rng.choice(pools[kind])

    def fill(self, slot: str) -> tuple[str, str]:
        kind, _, variant = slot.partition(":")
        producers = {
            "name": ("name", lambda: self.name(variant or "nomn")),
            "fio": ("name", lambda: self.fio(variant or "nomn")),
            "initials": ("name", lambda: self.initials(variant or "nomn")),
            "ambiguous": ("name", lambda: self.ambiguous(variant or "nomn")),
            "common_surname": ("name", self.common_surname),
            "phone": ("phone", self.phone),
            "wa": ("phone", lambda: "7" + self._mobile()),
            "email": ("email", self.email),
            "card": ("card", self.card),
            "passport": ("document", self.passport),
            "snils": ("document", lambda: self.snils(variant != "bare")),
            "inn": ("document", self.inn),
            "oms": ("document", self.oms),
            "account": ("document", self.account),
            "address": ("address", self.address),
            "bdate": ("birth_date", self.bdate),
            "byear": ("birth_date", self.birth_year),
            "health": ("health", lambda: self.health(variant or "any")),
        }
        category, produce = producers[kind]
        return produce(), category


SLOT = re.compile(r"\{([a-z_]+(?::[a-z]+)?)\}")


def render(template: str, filler: Filler) -> tuple[str, list[dict[str, object]]]:
    """Fill every slot of ``template`` and return the text with its labelled spans."""
    pieces: list[str] = []
    spans: list[dict[str, object]] = []
    length = 0
    cursor = 0
    for match in SLOT.finditer(template):
        before = template[cursor : match.start()]
        pieces.append(before)
        length += len(before)
        value, category = filler.fill(match.group(1))
        spans.append({"start": length, "end": length + len(value), "category": category})
        pieces.append(value)
        length += len(value)
        cursor = match.end()
    pieces.append(template[cursor:])
    return "".join(pieces), spans


# Messages with personal data. Slots: {name:case}, {fio:case}, {initials}, {ambiguous:case}
# (a name that is also a word, always with a cue), {common_surname}, {phone}, {wa} (the
# number of a wa.me link), {email},
# {card}, {passport}, {snils} / {snils:bare}, {inn}, {oms}, {account}, {address},
# {bdate}, {byear}, {health} / {health:kind}.
POSITIVE = {
    "salon": [
        "Здравствуйте! Меня зовут {name:nomn}, хочу записаться на маникюр в субботу",
        "добрый день, запишите пожалуйста {name:accs} на стрижку, мой номер {phone}",
        "Можно на завтра к Ольге на покрытие? {name:nomn}, тел {phone}",
        "здравствуйте это {name:nomn} 💅 можно перенести запись на 18:00?",
        "Запишите {name:accs} на брови и ресницы, {phone}",
        "хочу на окрашивание, мой номер {phone} перезвоните пожалуйста",
        "{name:nomn}, {phone}, на педикюр в пятницу после 17",
        "Девочки, я записывалась на 12 к Эльвире, это {name:nomn}, можно на час позже?",
        "звоните{phone} я не могу писать",
        "вот мой ватсап wa.me/{wa}",
        "почта для чека {email}",
        "пришлите сертификат на {email} пожалуйста 🙏",
        "Подарочный сертификат на имя {name:gent}, оплачу картой {card}",
        "номер карты для возврата {card}",
        "у меня {health:allergy}, можно ли делать наращивание?",
        "я {health:pregnancy}, можно ли мне ламинирование ресниц?",
        "здравствуйте, у меня {health:diagnosis} на ногах, педикюр делаете?",
        "Хочу записать дочь, {name:accs}, ей 14, на стрижку. Мой тел {phone}",
        "{fio:nomn} запись на маникюр 20.12 в 15:00",
        "это снова {initials}, подтверждаю запись",
        "меня зовут {ambiguous:nomn}, можно к вам на шугаринг?",
        "запишите {ambiguous:accs} на маникюр пожалуйста",
        "Привет) это {name:nomn}, скинь прайс на {email} плиз",
        "{name:nomn} {phone} {email}",
        "МЕНЯ ЗОВУТ {name:nomn} ЗАПИШИТЕ НА СТРИЖКУ {phone}",
        "для {name:gent} сертификат на 3000, тел получателя {phone}",
        "буду не одна а с подругой, ее зовут {name:nomn}",
        "{common_surname} записана на 14:00? проверьте плз",
        "Мой адрес для доставки косметики: {address}",
        "скидка именинникам есть? у меня др {bdate}",
        "дата рождения {bdate}, оформите карту постоянного клиента",
        "здравствуйте, вы мне звонили с номера {phone}, это {name:nomn}",
        "маникюр + покрытие на сб, я {name:nomn} 🙂 номер {phone}",
        "можно оплатить на карту {card} или только наличка?",
        "я {health:pregnancy}, какие процедуры можно?",
        "перезвоните {name:datv} по номеру {phone}",
        "запись на имя {name:gent}, номер тот же {phone}",
        "здраствуйте хочу записатся на маник {name:nomn} {phone}",
        "пожалуста перезвоните {phone} насчет записи",
        "напишите на почту {email} свободные окошки на неделю",
        "моя почта {email} а телефон {phone}",
    ],
    "clinic": [
        "Здравствуйте, хочу записаться к неврологу, {health:symptom} уже неделю",
        "Запишите на массаж, {fio:nomn}, {bdate}",
        "Добрый день! {name:nomn}, {phone}. Нужна консультация, у меня {health:diagnosis}",
        "полис ОМС {oms}, можно по нему?",
        "мой полис {oms}",
        "СНИЛС {snils}",
        "снилс {snils:bare} паспорт {passport}",
        "паспорт {passport}, выдан в 2015",
        "ИНН {inn} для налогового вычета",
        "справку для вычета на {fio:accs}, инн {inn}",
        "дата рождения {bdate}, {fio:nomn}",
        "пациентка {fio:nomn}, д.р. {bdate}",
        "у меня {health:allergy}, это важно перед процедурой",
        "{health:medication}, можно ли массаж?",
        "{health:surgery}, можно ли ЛФК? я {name:nomn}",
        "{health:symptom}, запишите к мануальщику на завтра, {phone}",
        "здравствуйте у ребенка {health:symptom}, можно к педиатру сегодня?",
        "Хочу вернуть деньги за прием, р/с {account} бик 044525225",
        "реквизиты для возврата: счет {account}",
        "запись на УЗИ для {name:gent}, {byear} г.р.",
        "{fio:nomn}, {byear} года рождения, запись к терапевту",
        "я {health:pregnancy}, срок 20 недель, можно на массаж?",
        "результаты анализов пришлите на {email}",
        "адрес для выезда медсестры {address}",
        "живу {address}, выезд на дом возможен?",
        "записывалась к Инне Викторовне, это {initials}, приду на 10 минут позже",
        "у меня {health:diagnosis}, массаж шейного отдела можно?",
        "мама {name:nomn}, ей 70, {health:diagnosis}, нужен массаж",
        "Направление на имя {fio:gent}, полис {oms}",
        "здравствуйте {health:symptom} после тренировки, к кому записаться?",
        "{name:nomn} тел {phone} хочу на консультацию к гинекологу",
        "Перезвоните мне {phone} по поводу {health:diagnosis}",
        "мой номер {phone}, я {name:nomn}, {health:medication}",
        "у мужа {health:allergy}, {name:nomn}, {phone}",
        "{name:nomn} {phone} перенесите прием пожалуйста",
        "Меня зовут {ambiguous:nomn}, у меня {health:diagnosis}",
        "здраствуйте записатся к терапевту можно? {name:nomn} {phone}",
        "выписку пришлите на {email}, пациент {fio:nomn}",
        "карта для оплаты {card}, списание не прошло",
    ],
    "fitness": [
        "Хочу абонемент на 3 месяца, {name:nomn}, {phone}",
        "запишите на пробное {name:accs}, номер {phone}",
        "здравствуйте! можно заморозить абонемент? я {name:nomn}, у меня {health:symptom}",
        "тренер сказал написать сюда, я {name:nomn}, {phone}",
        "Дмитрий Сергеевич, это {name:nomn}, я сегодня не приду, {health:symptom}",
        "ребенка записать на плавание, {name:nomn}, {byear} г.р., мой номер {phone}",
        "я {health:pregnancy}, можно ли на йогу?",
        "{health:diagnosis}, подойдут ли мне групповые?",
        "оплатил картой {card} а абонемент не активирован",
        "пришлите договор на {email}",
        "{fio:nomn}, дата рождения {bdate}, абонемент на год",
        "{name:nomn} на пилатес в 19:00, тел. {phone}",
        "привет это {name:nomn} 😊 можно к Кристине на персоналку?",
        "ЗАПИШИТЕ {name:accs} НА КРОССФИТ {phone}",
        "у меня {health:diagnosis}, тренировки с весом можно?",
        "{health:medication}, можно ли в сауну?",
        "для корпоративного договора ИНН {inn}",
        "привязать карту {card} к автоплатежу",
        "муж {name:nomn} тоже хочет, его номер {phone}",
        "записать {name:accs} и {name:accs} на аквааэробику",
        "{name:nomn} {email} хочу получать расписание",
        "живу рядом, {address}, есть ли парковка?",
        "моя фамилия {common_surname}, не могу найти себя в приложении",
        "д/р {bdate} по акции скидка будет?",
        "Здравствуйте, {fio:nomn}, продлите абонемент, оплата картой {card}",
        "вы звонили, я {name:nomn}, перезвоните {phone}",
        "{health:allergy} есть, в бассейн с хлоркой можно?",
        "хочу к тренеру на персональные, я {name:nomn}, {health:symptom}",
        "номер {phone} {name:nomn} пробная тренировка",
        "{initials} абонемент 4512 продлить",
        "привет хочу на бокс вечером {name:nomn} {phone}",
        "доставка протеина на адрес {address}",
        "почта {email}, чек за абонемент не пришел",
    ],
}

NEGATIVE = {
    "salon": [
        "Здравствуйте! Сколько стоит маникюр с покрытием?",
        "маникюр 1 500 руб, а с дизайном?",
        "работаете 31 декабря?",
        "а вы с 10 до 20 работаете?",
        "Можно записаться на 15.12 в 14:30?",
        "есть окошко на завтра после 18?",
        "к Ольге можно на субботу?",
        "Эльвира сегодня работает?",
        "вы на ул. Весны, 3А находитесь?",
        "Бьюти Лаб это вы? 😊",
        "а парковка у вас есть",
        "сколько по времени ламинирование?",
        "спасибо большое, всё понравилось!!! 🔥🔥🔥",
        "ок",
        "👍",
        "а шеллак держится 3 недели?",
        "у вас есть сертификаты на 3000 и 5000?",
        "стрижка + укладка сколько?",
        "акция 12.12–15.12 ещё действует?",
        "наращивание ресниц 2d от 2 500",
        "Мне 35 лет, подойдет ли мне эта процедура?",
        "дочке 14 лет можно без мамы?",
        "номер заказа 458712, когда придет косметика?",
        "трек RA123456789RU не отслеживается",
        "хочу розовый френч как на фото",
        "слава богу успела, спасибо",
        "8 марта работаете?",
        "в мае будут скидки?",
        "можно оплатить картой?",
        "а перевод по номеру телефона можно?",
        "до 1 мая действует сертификат?",
        "педикюр аппаратный или классика?",
        "вера в чудо есть, ногти отрастут 😂",
        "опоздаю минут на 10, извините",
        "с 10 до 18 в субботу?",
        "покрытие гель лак 1200, снятие 300",
        "ногти 2 длины, миндаль",
        "окрашивание в блонд сколько по времени 3-4 часа?",
        "любовь к вашему салону навсегда ❤️",
        "Ольге спасибо за маникюр!",
        "Запись к Эльвире на 12:00 подтверждаю",
        "у вас есть мастер по бровям в воскресенье?",
        "а какой лак используете? Kodi или Luxio?",
        "сколько стоит коррекция 10-12 дней?",
    ],
    "clinic": [
        "Здравствуйте, сколько стоит приём невролога?",
        "массаж спины 60 минут сколько стоит?",
        "вы принимаете по ОМС?",
        "есть запись к гинекологу на пятницу?",
        "Марк Аркадьевич принимает в субботу?",
        "к Инне Викторовне можно на 10:30?",
        "Клиника Здоровье+ на пр. Мира, 10?",
        "сколько стоит УЗИ щитовидной железы?",
        "запись к онкологу на консультацию платно?",
        "курс массажа 10 сеансов сколько?",
        "во сколько открываетесь?",
        "можно ли прийти с 8:00 на анализы?",
        "анализы готовы через сколько дней?",
        "справка для бассейна сколько стоит?",
        "вы работаете 2 января?",
        "мне 45, нужен ли чекап?",
        "приём 1 800, повторный 1 200?",
        "лечебный массаж и ЛФК в одном абонементе можно?",
        "талон №15 на 11:20",
        "у вас есть парковка у входа?",
        "заказ 100234567 на анализы оплачен",
        "перенесите приём с 12.01 на 14.01",
        "спасибо доктору, очень внимательный",
        "Инна Викторовна, спасибо!",
        "консультация по результатам платная?",
        "стоматолог детский есть?",
        "сколько длится приём 30 или 60 минут?",
        "записаться на 20.12.2026 в 9:00",
        "лазерная эпиляция подмышек 1500?",
        "ребенку 7 лет, педиатр принимает?",
        "пропуск на 3 этаж где получить?",
        "вход со двора?",
        "по какому номеру звонить в регистратуру?",
        "есть ли скидки пенсионерам?",
        "кабинет 305 это где?",
        "перенос записи возможен за 24 часа?",
        "чек пробили 4 500 а должно быть 4 000",
        "а УЗИ брюшной полости натощак?",
        "массаж 30 мин 1 500 руб, 60 мин 2 500 руб",
        "можно ли оплатить через СБП?",
    ],
    "fitness": [
        "сколько стоит абонемент на месяц?",
        "месячный абонемент безлимит есть?",
        "абонемент на 12 занятий 9 900 руб?",
        "расписание групповых на неделю скиньте",
        "йога по вторникам в 19:00?",
        "Дмитрий Сергеевич ведет сегодня?",
        "к Кристине на персоналку можно?",
        "Фитнес Парк на ул. Авиаторов, 19 это вы?",
        "бассейн с 7 до 23?",
        "заморозка абонемента на 14 дней бесплатно?",
        "можно прийти на пробное в субботу?",
        "пилатес или стретчинг лучше для новичка?",
        "шкафчик 125 сломан",
        "мне 16 лет, можно в тренажерку?",
        "вес 80 кг рост 175 с чего начать?",
        "сколько человек в группе?",
        "сауна включена в абонемент?",
        "семейный абонемент на 2 человек?",
        "детское плавание с 5 лет?",
        "кроссфит 3 раза в неделю, 4 500 в месяц?",
        "парковка бесплатная?",
        "полотенца выдаете?",
        "оплата частями есть?",
        "акция до 31.12 действует?",
        "тренировка 10:00-11:00 отменена?",
        "клубная карта №4512 не работает",
        "Кристина лучший тренер 💪",
        "ок, спасибо!",
        "🔥🔥🔥",
        "зал работает 1 января?",
        "абонемент утренний до 16:00?",
        "номер заказа в приложении 77812345",
        "хочу заниматься зимой, скидки будут?",
        "надежда только на вас, хочу похудеть к лету",
        "зумба в 20:00 есть места?",
        "можно ли с ребенком 3 лет?",
        "приложение не показывает мои тренировки",
        "сколько стоит разовое посещение 800?",
        "тренер Дмитрий Сергеевич свободен завтра?",
        "групповые на 12.12 и 15.12",
    ],
}


def build(rng: random.Random) -> list[dict[str, object]]:
    """Build every corpus record."""
    filler = Filler(rng)
    records: list[dict[str, object]] = []
    for vertical, templates in POSITIVE.items():
        for number, template in enumerate(templates, start=1):
            for fill in range(1, FILLS_PER_TEMPLATE + 1):
                text, spans = render(template, filler)
                records.append(
                    {
                        "id": f"{vertical}-{number:03d}-{fill}",
                        "vertical": vertical,
                        "text": text,
                        "negative": False,
                        "spans": spans,
                        "allow": ALLOW[vertical],
                    }
                )
    for vertical, messages in NEGATIVE.items():
        for number, text in enumerate(messages, start=1):
            records.append(
                {
                    "id": f"{vertical}-neg-{number:03d}",
                    "vertical": vertical,
                    "text": text,
                    "negative": True,
                    "spans": [],
                    "allow": ALLOW[vertical],
                }
            )
    return records


def main() -> None:
    """Write the corpus as JSON lines."""
    records = build(random.Random(SEED))
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
