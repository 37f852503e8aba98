"""The built-in consent prompt: the bundle's text, the policy link and two buttons.

A plugin that wants another layout implements ``leadgate_consent_prompt`` too; its
result wins, since entry-point plugins run before built-ins.
"""

from __future__ import annotations

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
    body = f"{consent['text'].strip()}\n\n{text('consent.policy_link', locale, url=policy_url)}"
    buttons = (
        Button(label=text("consent.accept", locale), payload=f"{payload}:yes"),
        Button(label=text("consent.decline", locale), payload=f"{payload}:no"),
    )
    return body, buttons
