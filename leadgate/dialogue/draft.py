"""The reply under construction for one client message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from leadgate.core.components import Answer, AnswerRequest, Button
from leadgate.dialogue import slots
from leadgate.locales import text

ANSWERED_BY = "scripted"
"""The ``Answer.answered_by`` value of every reply the scripted dialogue builds."""


@dataclass
class Draft:
    """The reply being built for one message, and the booking state it will return."""

    request: AnswerRequest
    state: dict[str, str]
    locale: str
    parts: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    request_contact: bool = False

    @property
    def now(self) -> dt.datetime:
        """The request's time, in the business timezone."""
        return self.request.now

    @property
    def awaiting(self) -> str:
        """The step the previous reply asked for, or ``""``."""
        return self.state.get(slots.AWAITING, "")

    @property
    def in_booking(self) -> bool:
        """Whether a booking is under way (any booking field or a pending step)."""
        keys = (slots.AWAITING, slots.SERVICE, slots.VISIT_AT, slots.DAY, slots.PROPOSED)
        return any(self.state.get(key) for key in keys)

    @property
    def after_booking(self) -> bool:
        """Whether a booking was confirmed and no new one has started.

        The dialogue leaves a contact without any booking field or pending step only
        when it confirms a booking.
        """
        has_contact = bool(self.state.get(slots.NAME) and self.state.get(slots.PHONE))
        return has_contact and not self.in_booking

    def say(self, message: str) -> None:
        """Append one paragraph to the reply."""
        self.parts.append(message)

    def t(self, key: str, **params: object) -> str:
        """Return the ``dialogue`` catalog message ``key`` in the reply's locale."""
        return text(f"dialogue.{key}", self.locale, **params)

    def answer(self, confirmed: bool = False) -> Answer:
        """Build the :class:`Answer`: paragraphs, buttons and the complete state."""
        self.state.setdefault(slots.AWAITING, "")
        return Answer(
            text="\n\n".join(part for part in self.parts if part),
            slots=dict(self.state),
            buttons=tuple(self.buttons),
            request_contact=self.request_contact,
            booking_confirmed=confirmed,
            answered_by=ANSWERED_BY,
        )
