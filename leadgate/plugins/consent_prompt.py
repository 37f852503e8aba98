"""The built-in consent prompt: the bundle's text, the policy link and two buttons.

A plugin that wants another layout implements ``leadgate_consent_prompt`` too; its
result wins, since entry-point plugins run before built-ins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import leadgate
from leadgate.core.components import Button
from leadgate.locales import text


@leadgate.hookimpl(trylast=True)
def leadgate_consent_prompt(
    consent: Mapping[str, Any], bundle: Any, locale: str, policy_url: str
) -> tuple[str, tuple[Button, ...]]:
    """Return the consent text followed by the policy link, with accept and decline."""
    payload = f"consent:{consent['type']}:{consent['version']}"
    body = f"{unwrap(consent['text'])}\n\n{text('consent.policy_link', locale, url=policy_url)}"
    buttons = (
        Button(label=text("consent.accept", locale), payload=f"{payload}:yes"),
        Button(label=text("consent.decline", locale), payload=f"{payload}:no"),
    )
    return body, buttons


# A line ends a paragraph when it ends a sentence or a heading («Перечень данных:»).
_PARAGRAPH_END = re.compile(r"[.!?:;»]\s*$")


def unwrap(consent_text: str) -> str:
    """Join the lines a YAML block wrapped for width, keeping paragraph breaks.

    Chat windows wrap text themselves; a consent text kept at 80 columns in YAML
    would otherwise show ragged line breaks on a phone.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    for line in consent_text.strip().splitlines():
        stripped = line.strip()
        if not stripped:
            paragraphs.extend([" ".join(current)] if current else [])
            current = []
            continue
        current.append(stripped)
        if _PARAGRAPH_END.search(stripped):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)
