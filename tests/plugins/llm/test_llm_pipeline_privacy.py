"""The openai_compat answerer inside the real pipeline, with each vertical template.

A fake OpenAI-compatible server on 127.0.0.1 records every request. No personal value
the bundle's detectors find in the client's messages may appear in any of them, and
the client still sees the values restored in the replies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.openai_api import FakeOpenAI, Reply
from harness import Harness, copy_template

CLIENT_LINES = [
    "Здравствуйте, хочу записаться, мой телефон +7 913 555-44-33",
    "Почта для чека anna.petrova@mail.ru, запасной номер 8 (903) 765-43-21",
    "завтра в 18:30",
    "Анна Петрова",
    "8 913 000-00-01",
]


CORPUS_FILE = Path(__file__).resolve().parents[2] / "data" / "redaction_corpus.jsonl"


def corpus_sample(vertical: str, count: int = 12) -> list[str]:
    """Return the first ``count`` corpus messages of ``vertical`` that hold personal data."""
    rows = [json.loads(line) for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines()]
    texts = [row["text"] for row in rows if row["vertical"] == vertical and not row["negative"]]
    return texts[:count]


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def local_yaml(upstream: FakeOpenAI) -> str:
    return (
        "answerer:\n"
        "  plugin: openai_compat\n"
        "  settings:\n"
        f"    base_url: {upstream.url}/v1\n"
        "    model: qwen2.5:7b\n"
        "    json_mode: response_format\n"
    )


async def converse(harness: Harness, extra_lines: list[str]) -> list[str]:
    replies = await harness.say(CLIENT_LINES[0])
    replies += await harness.consent()
    ai = harness.runtime.bundle.consent("ai")
    if ai is not None:
        replies += await harness.press(f"consent:ai:{ai.version}:yes")
    for line in CLIENT_LINES[1:] + extra_lines:
        replies += await harness.say(line)
    await close_answerer(harness)
    return [reply.text for reply in replies]


async def close_answerer(harness: Harness) -> None:
    # Runtime.stop does not close components, so the test closes the
    # answerer's connection pool before its event loop ends.
    await harness.runtime.services.components["answerer"].aclose()


@pytest.mark.parametrize(
    "template", ["salon", "clinic", "fitness"], ids=["salon", "clinic", "fitness"]
)
def test_no_detected_value_reaches_model_through_pipeline(tmp_path: Path, upstream, template):
    lines = CLIENT_LINES + corpus_sample(template)
    harness = Harness(copy_template(tmp_path, template, local_yaml(upstream)))
    try:
        replies = asyncio.run(converse(harness, lines[len(CLIENT_LINES) :]))
        redactor = harness.runtime.pipeline.redactor
        values = [line[s.start : s.end] for line in lines for s in redactor.detect(line)]
    finally:
        harness.close()

    sent = "\n".join(json.dumps(r.json(), ensure_ascii=False) for r in upstream.completions())
    assert len(upstream.completions()) >= len(lines) - 1, "the model was not asked each time"
    assert len(values) > 15
    assert "+7 913 555-44-33" in values
    assert "anna.petrova@mail.ru" in values
    for value in values:
        assert value not in sent
    assert "Петрова" not in sent
    assert "[EMAIL_1]" in sent
    assert any("anna.petrova@mail.ru" in reply for reply in replies)


def test_model_failure_falls_back_to_scripted_reply(tmp_path: Path, upstream):
    harness = Harness(copy_template(tmp_path, "salon", local_yaml(upstream)))
    upstream.queue(*[Reply(status=503) for _ in range(10)])
    try:

        async def scenario() -> list[str]:
            await harness.say("Здравствуйте")
            await harness.consent()
            ai = harness.runtime.bundle.consent("ai")
            if ai is not None:
                await harness.press(f"consent:ai:{ai.version}:yes")
            replies = await harness.say("Сколько стоит маникюр?")
            await close_answerer(harness)
            return [reply.text for reply in replies]

        replies = asyncio.run(scenario())
    finally:
        harness.close()

    assert upstream.completions()
    assert replies
    assert any("₽" in reply or "руб" in reply for reply in replies)
