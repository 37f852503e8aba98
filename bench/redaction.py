"""Benchmark leadgate's redaction against Microsoft Presidio on the labelled chat corpus.

Usage::

    pip install -e '.[bench]'
    python bench/redaction.py [--passes 5] [--cpu 0]

Both systems run in this process, one after the other, on the same messages from
``tests/data/redaction_corpus.jsonl``. The script prints, as Markdown, precision and
recall per category, messages per CPU second of one thread, and the resident memory
of a fresh process that has loaded each system.

Presidio is set up for Russian as a user without a Russian spaCy model would set it
up. No such model installs from the package index here, so its ``SpacyNlpEngine``
gets a blank ``ru`` spaCy pipeline, which only tokenizes. Its generic recognizers are
registered for ``ru``: e-mail, phone (region RU), credit card, IBAN, date, and the
spaCy NER recognizer, which finds nothing without a model.
Presidio's e-mail recognizer calls tldextract, which would download the public
suffix list; the script points tldextract at its bundled snapshot instead, so the
benchmark sends nothing over the network.

Scoring: a labelled value is found when predicted spans of its category cover all of
its letters and digits. A predicted span is correct when it overlaps a labelled value
of its category; spans on negative messages count against precision.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "data" / "redaction_corpus.jsonl"
CATEGORIES = ("phone", "email", "card", "document", "name", "address", "birth_date", "health")

# Presidio entity types and the leadgate categories they correspond to.
PRESIDIO_CATEGORIES = {
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "document",
    "PERSON": "name",
    "LOCATION": "address",
    "DATE_TIME": "birth_date",
}

Predicted = list[tuple[int, int, str]]


@dataclass
class Score:
    """Counts for precision and recall of one category."""

    labelled: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


def load_corpus() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


# -- the two systems ------------------------------------------------------------------


def leadgate_system() -> Callable[[dict[str, Any]], Predicted]:
    """Return a function that runs leadgate's full redaction on one corpus record."""
    from leadgate.config.bundle import RedactionPolicy
    from leadgate.config.settings import Settings
    from leadgate.core.components import ComponentContext
    from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
    from leadgate.core.redaction import Redactor
    from leadgate.core.vault import Vault

    registry = ComponentRegistry(create_plugin_manager(Settings(plugins_autoload=False)))
    detectors = [
        spec.factory(ComponentContext(name=spec.name, config={}, bundle=None))
        for spec in registry.specs("detector")
    ]
    redactors: dict[tuple[str, ...], Redactor] = {}
    Redactor(detectors).warm_up()

    def run(record: dict[str, Any]) -> Predicted:
        allow = tuple(record["allow"])
        if allow not in redactors:
            redactors[allow] = Redactor(detectors, RedactionPolicy(actions={}, allow=allow))
        result = redactors[allow].redact(record["text"], Vault())
        return [(span.start, span.end, span.category) for span in result.spans]

    run({"text": "прогрев: Анна Петрова 89130000001", "allow": []})
    return run


def presidio_system() -> Callable[[dict[str, Any]], Predicted]:
    """Return a function that runs Presidio's analyzer, set up for Russian, on one record."""
    _offline_tldextract()
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        DateRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
    )

    class BlankRussianNlpEngine(SpacyNlpEngine):
        """A spaCy engine with a blank Russian pipeline: tokens, no model, no download."""

        def load(self) -> None:
            self.nlp = {"ru": spacy.blank("ru")}  # type: ignore[assignment]

    engine = BlankRussianNlpEngine(models=[{"lang_code": "ru", "model_name": "blank:ru"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["ru"])
    for recognizer in (
        EmailRecognizer(supported_language="ru"),
        PhoneRecognizer(supported_language="ru", supported_regions=("RU",)),
        CreditCardRecognizer(supported_language="ru"),
        IbanRecognizer(supported_language="ru"),
        DateRecognizer(supported_language="ru"),
        SpacyRecognizer(supported_language="ru"),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["ru"])

    def run(record: dict[str, Any]) -> Predicted:
        results = analyzer.analyze(text=record["text"], language="ru", allow_list=record["allow"])
        return [
            (result.start, result.end, PRESIDIO_CATEGORIES[result.entity_type])
            for result in results
            if result.entity_type in PRESIDIO_CATEGORIES
        ]

    run({"text": "прогрев 89130000001", "allow": []})
    return run


def _offline_tldextract() -> None:
    import tldextract
    import tldextract.tldextract as implementation

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    implementation.TLD_EXTRACTOR = offline
    tldextract.extract = offline  # type: ignore[assignment]


# -- measurement ----------------------------------------------------------------------


def score(
    corpus: list[dict[str, Any]], run: Callable[[dict[str, Any]], Predicted]
) -> dict[str, Score]:
    """Score one system on the corpus, per category."""
    scores = {category: Score() for category in CATEGORIES}
    for record in corpus:
        predicted = run(record)
        labels = record["spans"]
        for label in labels:
            entry = scores[label["category"]]
            entry.labelled += 1
            entry.found += _covered(record["text"], label, predicted)
        for start, end, category in predicted:
            entry = scores.setdefault(category, Score())
            entry.predicted += 1
            entry.correct += any(
                label["category"] == category and start < label["end"] and label["start"] < end
                for label in labels
            )
    return scores


def _covered(text: str, label: dict[str, Any], predicted: Predicted) -> bool:
    needed = {index for index in range(label["start"], label["end"]) if text[index].isalnum()}
    covered = {
        index
        for start, end, category in predicted
        if category == label["category"]
        for index in range(start, end)
    }
    return needed <= covered


def throughput(
    corpus: list[dict[str, Any]],
    systems: dict[str, Callable[[dict[str, Any]], Predicted]],
    passes: int,
) -> dict[str, float]:
    """Return messages per CPU second of each system over ``passes`` runs through the corpus.

    Passes of the systems alternate, and time is this process's CPU time, so that
    other load on the machine slows neither system more than the other.
    """
    spent = dict.fromkeys(systems, 0.0)
    for _ in range(passes):
        for name, run in systems.items():
            started = time.process_time()
            for record in corpus:
                run(record)
            spent[name] += time.process_time() - started
    return {name: passes * len(corpus) / seconds for name, seconds in spent.items()}


def resident_memory_mb(system: str) -> float:
    """Return the resident memory (VmRSS) of a fresh process that loaded ``system``."""
    output = subprocess.run(
        [sys.executable, __file__, "--memory-of", system],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(output.stdout.strip().splitlines()[-1]) / 1024


def _print_own_memory(system: str) -> None:
    loaders = {"leadgate": leadgate_system, "presidio": presidio_system}
    loaders[system]()
    with open("/proc/self/status", encoding="utf-8") as handle:
        print(next(line.split()[1] for line in handle if line.startswith("VmRSS")))


# -- report ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return next(
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def report(
    corpus: list[dict[str, Any]],
    scores: dict[str, dict[str, Score]],
    speed: dict[str, float],
    memory: dict[str, float],
    passes: int,
) -> Iterable[str]:
    """Yield the Markdown report lines."""
    negatives = sum(record["negative"] for record in corpus)
    yield f"Corpus: {len(corpus)} messages ({negatives} negative), {passes} timed passes each."
    yield f"Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}."
    yield ""
    yield "| category | labelled | leadgate recall % | leadgate precision % | Presidio recall % | Presidio precision % |"
    yield "|---|---|---|---|---|---|"
    for category in CATEGORIES:
        ours, theirs = scores["leadgate"][category], scores["presidio"][category]
        yield (
            f"| {category} | {ours.labelled} | {_percent(ours.recall())} | {_percent(ours.precision())} "
            f"| {_percent(theirs.recall())} | {_percent(theirs.precision())} |"
        )
    yield ""
    yield "| | leadgate | Presidio | leadgate / Presidio |"
    yield "|---|---|---|---|"
    yield (
        f"| messages per CPU second | {speed['leadgate']:.0f} | {speed['presidio']:.0f} "
        f"| {speed['leadgate'] / speed['presidio']:.2f} |"
    )
    yield (
        f"| resident memory, MB | {memory['leadgate']:.0f} | {memory['presidio']:.0f} "
        f"| {memory['leadgate'] / memory['presidio']:.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the corpus")
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this CPU number")
    parser.add_argument("--memory-of", choices=("leadgate", "presidio"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_of:
        _print_own_memory(args.memory_of)
        return 0
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})

    corpus = load_corpus()
    systems = {"leadgate": leadgate_system(), "presidio": presidio_system()}
    scores = {name: score(corpus, run) for name, run in systems.items()}
    speed = throughput(corpus, systems, args.passes)
    memory = {name: resident_memory_mb(name) for name in systems}
    for line in report(corpus, scores, speed, memory, args.passes):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
