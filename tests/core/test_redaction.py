"""Redactor: span merging, policy actions, the allow list and token restore."""

from __future__ import annotations

import itertools
import re
import time

import pytest

from leadgate.config.bundle import RedactionPolicy
from leadgate.core.components import Detector, Span
from leadgate.core.redaction import RedactionError, Redactor, merge_spans
from leadgate.core.vault import Vault
from leadgate.plugins.redaction.addresses import AddressDetector
from leadgate.plugins.redaction.birth_dates import BirthDateDetector
from leadgate.plugins.redaction.cards import CardDetector
from leadgate.plugins.redaction.documents import DocumentDetector
from leadgate.plugins.redaction.emails import EmailDetector
from leadgate.plugins.redaction.health import HealthDetector
from leadgate.plugins.redaction.names import NameDetector
from leadgate.plugins.redaction.phones import PhoneDetector


class RegexDetector(Detector):
    """A test detector: every match of ``pattern`` is a span of ``category``."""

    def __init__(self, name: str, category: str, pattern: str) -> None:
        self.name = name
        self.categories = (category,)
        self.category = category
        self.pattern = re.compile(pattern)

    def detect(self, text: str) -> list[Span]:
        return [
            Span(
                match.start(), match.end(), self.category, self.canonical(match.group()), self.name
            )
            for match in self.pattern.finditer(text)
        ]

    def canonical(self, value: str) -> str:
        # A crude lemma: the first three letters, so "Ольге" and "Ольга" agree.
        return value.lower().replace("ё", "е")[:3]


class FailingDetector(Detector):
    name = "failing"

    def detect(self, text: str) -> list[Span]:
        raise ValueError(f"cannot read {text}")


class CountingDetector(Detector):
    """A test detector that counts how often its models were loaded."""

    name = "counting"

    def __init__(self) -> None:
        self.loads = 0

    def warm_up(self) -> None:
        self.loads += 1

    def detect(self, text: str) -> list[Span]:
        return []


class OverrunDetector(Detector):
    name = "overrun"

    def detect(self, text: str) -> list[Span]:
        return [Span(0, len(text) + 5, "name", "x", self.name)]


NAMES = RegexDetector("names", "name", r"Анн[аеуы]|Алена|Алёна|Ольг[аеи]")
HEALTH = RegexDetector("health", "health", r"аллерги[яиюей]")


def redactor(*extra: Detector, policy: RedactionPolicy | None = None) -> Redactor:
    return Redactor([PhoneDetector(), EmailDetector(), *extra], policy)


def test_redact_replaces_values_with_tokens() -> None:
    text = "Я Анна, мой номер 8 913 000-00-01, почта anna@mail.ru"

    result = redactor(NAMES).redact(text, Vault())

    assert result.text == "Я [NAME_1], мой номер [PHONE_1], почта [EMAIL_1]"
    assert result.tokens == ("[NAME_1]", "[PHONE_1]", "[EMAIL_1]")
    assert [span.category for span in result.spans] == ["name", "phone", "email"]
    assert result.withheld == frozenset()


def test_redact_gives_every_spelling_one_token() -> None:
    vault = Vault()
    engine = redactor(NAMES)

    first = engine.redact("Алёна, 8 913 000-00-01", vault)
    second = engine.redact("Алена +79130000001", vault)

    assert first.text == "[NAME_1], [PHONE_1]"
    assert second.text == "[NAME_1] [PHONE_1]"
    assert vault.value("[PHONE_1]") == "8 913 000-00-01"
    assert second.unredact() == "Алена +79130000001"


def test_unredact_keeps_each_occurrence_spelling() -> None:
    text = "89130000001 или +7 913 000 00 01 😀"

    result = redactor().redact(text, Vault())

    assert result.text == "[PHONE_1] или [PHONE_1] 😀"
    assert result.unredact() == text


def test_phone_inside_name_span_gets_own_token() -> None:
    wide_name = RegexDetector("wide", "name", r"Анна \S+ Петрова")
    text = "запишите Анна 89130000001 Петрова"

    result = redactor(wide_name).redact(text, Vault())

    assert result.text == "запишите [NAME_1] [PHONE_1] [NAME_1]"
    assert result.unredact() == text


def test_email_with_phone_shaped_run_stays_one_token() -> None:
    text = "пишите 89130000001@mail.ru"

    result = redactor().redact(text, Vault())

    assert result.text == "пишите [EMAIL_1]"
    assert [span.category for span in result.spans] == ["email"]


def test_merge_leaves_no_character_of_any_span_uncovered() -> None:
    spans = [
        Span(0, 10, "name", "a"),
        Span(5, 15, "address", "b"),
        Span(12, 20, "phone", "c"),
        Span(18, 25, "name", "d"),
    ]

    merged = merge_spans(spans)

    covered = {index for span in merged for index in range(span.start, span.end)}
    assert covered == set(range(25))
    assert all(first.end <= second.start for first, second in itertools.pairwise(merged))


def test_merge_drops_span_inside_higher_priority_span() -> None:
    spans = [Span(0, 20, "email", "a@b.ru"), Span(2, 13, "phone", "+79130000001")]

    merged = merge_spans(spans)

    assert merged == [Span(0, 20, "email", "a@b.ru")]


def test_policy_drop_removes_value_without_vault_entry() -> None:
    policy = RedactionPolicy(actions={"email": "drop"})
    vault = Vault()

    result = redactor(policy=policy).redact("почта anna@mail.ru спасибо", vault)

    assert result.text == "почта  спасибо"
    assert result.tokens == ()
    assert len(vault) == 0
    assert result.unredact() == "почта anna@mail.ru спасибо"


def test_policy_withhold_hides_health_and_flags_it() -> None:
    policy = RedactionPolicy(actions={"health": "withhold"})
    vault = Vault()

    result = redactor(HEALTH, policy=policy).redact("у меня аллергия, звоните 89130000001", vault)

    assert result.text == "у меня [HEALTH], звоните [PHONE_1]"
    assert result.withheld == frozenset({"health"})
    assert [entry.category for entry in vault] == ["phone"]
    assert "аллерги" not in str(vault.to_dict())


def test_allow_list_keeps_business_values_in_clear() -> None:
    policy = RedactionPolicy(actions={}, allow=("Ольга", "8 (391) 200-00-00"))
    text = "хочу к Ольге, ваш номер +7 391 200 00 00, мой 89130000001"

    result = redactor(NAMES, policy=policy).redact(text, Vault())

    assert result.text == "хочу к Ольге, ваш номер +7 391 200 00 00, мой [PHONE_1]"


def test_allow_list_phrase_covers_span_inside_it() -> None:
    policy = RedactionPolicy(actions={}, allow=("салон Анна и Ко",))

    result = redactor(NAMES, policy=policy).redact("Салон АННА и ко, а я Анна", Vault())

    assert result.text == "Салон АННА и ко, а я [NAME_1]"


def test_disabled_detector_is_skipped() -> None:
    policy = RedactionPolicy(actions={}, disabled_detectors=("emails",))

    result = redactor(policy=policy).redact("anna@mail.ru 89130000001", Vault())

    assert result.text == "anna@mail.ru [PHONE_1]"


def test_failing_detector_raises_without_message_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGATE_LOCALE", "en")
    engine = Redactor([FailingDetector()])

    with pytest.raises(RedactionError, match="detector 'failing' failed with ValueError") as raised:
        engine.redact("Анна 89130000001", Vault())

    assert "89130000001" not in str(raised.value)


def test_span_past_end_raises_in_russian(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEADGATE_LOCALE", raising=False)

    with pytest.raises(RedactionError, match=r"«overrun».*позиции 9.*длиной 4 символов"):
        Redactor([OverrunDetector()]).redact("Анна", Vault())


@pytest.mark.parametrize(
    "written",
    ["[PHONE_1]", "PHONE_1", "[phone 1]", "[ PHONE_1 ]", "[Phone-1]", "{PHONE_1}", "<PHONE_1>"],
    ids=["exact", "bare", "lower-spaced", "padded", "dash", "braces", "angle"],
)
def test_restore_accepts_rewritten_tokens(written: str) -> None:
    vault = Vault()
    vault.add("phone", "+79130000001", "8 913 000-00-01")

    restored = Redactor([]).restore(f"Перезвоним на {written}.", vault)

    assert restored.text == "Перезвоним на 8 913 000-00-01."
    assert restored.keep_whole == ((14, 29),)


def test_restore_removes_token_missing_from_vault() -> None:
    vault = Vault()
    vault.add("name", "анна", "Анна")

    restored = Redactor([]).restore("[NAME_1], позвоним на [PHONE_1] завтра", vault)

    assert restored.text == "Анна, позвоним на завтра"


def test_restore_never_uses_another_conversation_vault() -> None:
    engine = redactor(NAMES)
    first, second = Vault(), Vault()
    engine.redact("Анна 89130000001", first)
    engine.redact("Ольга", second)

    restored = engine.restore("[NAME_1] [PHONE_1]", second)

    assert restored.text == "Ольга"
    assert "89130000001" not in restored.text


def test_restore_removes_withheld_placeholder() -> None:
    restored = Redactor([]).restore("Про [HEALTH] расскажите врачу на приёме", Vault())

    assert restored.text == "Про расскажите врачу на приёме"


def test_restore_keeps_ordinary_brackets() -> None:
    text = "Шаг [1]: выберите услугу (маникюр 2), [SALE_10] и (шаг 2)"

    restored = Redactor([]).restore(text, Vault())

    assert restored.text == text


def test_restore_uses_first_seen_spelling() -> None:
    engine = redactor()
    vault = Vault()
    engine.redact("8 (913) 000-00-01", vault)
    engine.redact("+79130000001", vault)

    restored = engine.restore("Ваш номер [PHONE_1]?", vault)

    assert restored.text == "Ваш номер 8 (913) 000-00-01?"


def test_warm_up_loads_detector_models_once_per_call() -> None:
    counting = CountingDetector()

    Redactor([counting, PhoneDetector()]).warm_up()

    assert counting.loads == 1


def test_restore_keeps_token_typed_literally_when_unknown_label() -> None:
    restored = Redactor([]).restore("код [ABC_1] и ABC_2", Vault())

    assert restored.text == "код [ABC_1] и ABC_2"


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, меня зовут Анна, хочу на маникюр 89130000001. " * 80,
        "a@" + "b" * 20_000,
        "1 " * 3_000,
    ],
    ids=["long-chat", "at-then-long-word", "many-digit-groups"],
)
def test_redact_stays_fast_on_long_messages(text: str) -> None:
    engine = Redactor(
        [
            PhoneDetector(),
            EmailDetector(),
            DocumentDetector(),
            CardDetector(),
            NameDetector(),
            AddressDetector(),
            BirthDateDetector(),
            HealthDetector(),
        ]
    )
    engine.warm_up()
    started = time.perf_counter()

    result = engine.redact(text, Vault())

    assert time.perf_counter() - started < 5.0
    assert result.unredact() == text
