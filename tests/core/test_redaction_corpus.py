"""Detection quality on the labelled corpus of chat messages in ``tests/data``.

The corpus covers beauty salons, clinics and fitness clubs, with every category of
personal data and with negative messages (prices, times, dates, order numbers, ages,
service names and the business's own staff and address). A labelled value counts as
found when spans of its category cover all of its letters and digits.
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pluggy
import pytest

from leadgate.config.bundle import RedactionPolicy
from leadgate.core import hookspecs
from leadgate.core.components import ComponentContext, Detector
from leadgate.core.plugins import ComponentRegistry
from leadgate.core.redaction import Redactor
from leadgate.plugins import BUILTIN

CORPUS = Path(__file__).parents[1] / "data" / "redaction_corpus.jsonl"
GENERATOR = CORPUS.with_suffix(".py")
REDACTION_PLUGINS = [name for name in BUILTIN if name.startswith("leadgate.plugins.redaction.")]

MIN_RECALL = {
    "phone": 0.99,
    "email": 0.99,
    "document": 0.99,
    "card": 0.99,
    "name": 0.95,
    "health": 0.95,
    "address": 0.95,
    "birth_date": 0.95,
}
MAX_NEGATIVE_SHARE = 0.02


@cache
def records() -> tuple[dict[str, Any], ...]:
    with CORPUS.open(encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle)


@cache
def detectors() -> tuple[Detector, ...]:
    """The built-in detectors, created through the registration hook like the pipeline does."""
    manager = pluggy.PluginManager("leadgate")
    manager.add_hookspecs(hookspecs)
    for module_name in REDACTION_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    registry = ComponentRegistry(manager)
    return tuple(
        spec.factory(ComponentContext(name=spec.name, config={}, bundle=None))
        for spec in registry.specs("detector")
    )


def redactor_for(record: dict[str, Any]) -> Redactor:
    return Redactor(list(detectors()), RedactionPolicy(actions={}, allow=tuple(record["allow"])))


def test_corpus_is_large_and_varied() -> None:
    corpus = records()

    verticals = Counter(record["vertical"] for record in corpus)
    categories = Counter(span["category"] for record in corpus for span in record["spans"])
    negatives = sum(record["negative"] for record in corpus)

    assert len(corpus) >= 300
    assert set(verticals) == {"salon", "clinic", "fitness"}
    assert set(categories) == set(MIN_RECALL)
    assert negatives >= 100


def test_corpus_file_matches_its_generator() -> None:
    spec = importlib.util.spec_from_file_location("redaction_corpus", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)

    rebuilt = generator.build(random.Random(generator.SEED))

    assert tuple(rebuilt) == records()


def test_corpus_labels_lie_inside_their_texts() -> None:
    for record in records():
        for span in record["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(record["text"]), record["id"]


def test_corpus_recall_per_category() -> None:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for record in records():
        if record["negative"]:
            continue
        spans = redactor_for(record).detect(record["text"])
        for label in record["spans"]:
            category = label["category"]
            total[category] += 1
            needed = {
                index
                for index in range(label["start"], label["end"])
                if record["text"][index].isalnum()
            }
            covered = {
                index
                for span in spans
                if span.category == category
                for index in range(span.start, span.end)
            }
            found[category] += needed <= covered

    recall = {category: found[category] / total[category] for category in total}

    for category, minimum in MIN_RECALL.items():
        assert recall[category] >= minimum, f"{category}: {recall[category]:.3f} < {minimum}"


def test_corpus_negative_messages_stay_clear() -> None:
    negatives = [record for record in records() if record["negative"]]

    flagged = [record["id"] for record in negatives if redactor_for(record).detect(record["text"])]

    assert len(flagged) <= MAX_NEGATIVE_SHARE * len(negatives), flagged


@pytest.mark.parametrize(
    "vertical", ["salon", "clinic", "fitness"], ids=["salon", "clinic", "fitness"]
)
def test_corpus_redacted_text_holds_no_labelled_value(vertical: str) -> None:
    from leadgate.core.vault import Vault

    for record in records():
        if record["vertical"] != vertical or record["negative"]:
            continue
        result = redactor_for(record).redact(record["text"], Vault())
        for label in record["spans"]:
            value = record["text"][label["start"] : label["end"]]
            assert value not in result.text, record["id"]
