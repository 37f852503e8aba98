"""The ``scripted`` answerer: FAQ answers and a booking dialogue in Russian, no model.

It runs on this machine and sends text nowhere, so every bundle may use it, and it
serves clients who declined the consent to LLM processing. A third-party plugin can
replace it by registering another answerer named ``scripted``.
"""

from __future__ import annotations

import leadgate
from leadgate.config.bundle import Bundle
from leadgate.core.components import (
    MESSAGE_TEXT,
    Answer,
    Answerer,
    AnswerRequest,
    ComponentContext,
    ComponentSpec,
)
from leadgate.core.hookspecs import Register
from leadgate.dialogue.booking import BookingDialogue


class ScriptedAnswerer(Answerer):
    """An answerer that follows :class:`~leadgate.dialogue.booking.BookingDialogue`."""

    def __init__(self, bundle: Bundle) -> None:
        self._dialogue = BookingDialogue(bundle)

    async def answer(self, request: AnswerRequest) -> Answer:
        """Return the next reply, computed in place: the dialogue awaits no I/O."""
        return self._dialogue.reply(request)


def _build(context: ComponentContext) -> ScriptedAnswerer:
    return ScriptedAnswerer(context.bundle)


@leadgate.hookimpl
def leadgate_register_llms(register: Register) -> None:
    """Register the scripted answerer as a replaceable default."""
    register(
        ComponentSpec(
            kind="answerer",
            name="scripted",
            factory=_build,
            reads=frozenset({MESSAGE_TEXT}),
            location="local",
            description="FAQ and booking dialogue without a model (Russian and English)",
            default=True,
        )
    )
