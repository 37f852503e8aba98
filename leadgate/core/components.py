"""The value types and component interfaces that plugins implement.

A plugin adds a component (a channel, a CRM, an answerer or a personal-data detector)
by handing a :class:`ComponentSpec` to the ``register`` callback of a registration
hook. The bundle chooses components by name; leadgate then calls the spec's
``factory`` with a :class:`ComponentContext` that carries the component's own
validated YAML section.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Location = Literal["local", "ru", "abroad"]
"""The place a component sends text to: this machine, data centres in Russia, or abroad."""

ComponentKind = Literal["channel", "crm", "answerer", "detector"]

# Personal-data categories used across plugins, bundles and destruction records.
PHONE = "phone"
EMAIL = "email"
NAME = "name"
DOCUMENT = "document"
CARD = "card"
ADDRESS = "address"
BIRTH_DATE = "birth_date"
HEALTH = "health"
CHANNEL_ID = "channel_id"
MESSAGE_TEXT = "message_text"


@dataclass(frozen=True)
class ComponentContext:
    """What a component factory receives.

    ``config`` is the component's own YAML section after its schema validated it, with
    ``${ENV}`` references resolved. ``bundle`` is the loaded bundle
    (``leadgate.config.bundle.Bundle``). ``services`` gives access to shared engine
    parts (database, key ring, outbox, HTTP transport). It is ``None`` in ``leadgate
    check``, because nothing may be opened there.
    """

    name: str
    config: Mapping[str, Any]
    bundle: Any
    services: Any = None


@dataclass(frozen=True)
class ComponentSpec:
    """A named component a plugin offers.

    ``schema`` is a strictyaml validator for the component's YAML section (``None``
    means the section must be empty or absent). ``reads`` and ``writes`` list the
    personal-data categories the component handles, so ``leadgate plugins`` and the
    processing register can show where data goes. ``location`` states where the
    component sends text (see :data:`Location`). A ``default`` component may be
    replaced by a later registration under the same name; any other duplicate name is
    an error.
    """

    kind: ComponentKind
    name: str
    factory: Callable[[ComponentContext], Any]
    schema: Any = None
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    location: Location = "local"
    description: str = ""
    default: bool = False
    plugin: str = ""


@dataclass(frozen=True)
class Span:
    """A personal value found in a text, in Python string indices (``text[start:end]``).

    ``canonical`` is the spelling-independent form used to give every spelling of one
    value the same token: E.164 for a phone, lower-case with ё folded to е for a name.
    """

    start: int
    end: int
    category: str
    canonical: str
    detector: str = ""
    score: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(
                f"invalid span bounds {self.start}..{self.end}: start must be below end"
            )


@dataclass(frozen=True)
class Button:
    """A reply button: ``label`` is shown to the client, ``payload`` comes back when pressed."""

    label: str
    payload: str


EventKind = Literal[
    "text",  # a message with text (a caption counts)
    "button",  # a press of one of our buttons; ``payload`` contains its payload
    "contact",  # a shared contact card; ``contact_phone`` contains the number
    "location",  # a shared location, kept only as the fact that one was sent
    "media",  # a photo, voice note or file without text
    "edit",  # a correction of an earlier message
    "delete",  # the client deleted an earlier message; erase our copy
    "echo",  # our own outbound message reported back by the platform
    "status",  # a delivery status of one of our messages
    "reachability",  # the client blocked (``payload`` "blocked") or unblocked the bot
    "ignored",  # an update type we acknowledge and drop
]


@dataclass(frozen=True)
class InboundEvent:
    """One thing a client did, parsed from a channel request.

    ``external_id`` is the channel's own id of the event (Telegram's update_id, a
    WhatsApp message id) and, with ``channel``, the deduplication key. ``user_id`` is
    the client's id in that channel. ``meta`` carries channel facts needed as consent
    proof (``message_id``, ``ip``, ``user_agent``) and never goes to an answerer.
    """

    channel: str
    external_id: str
    user_id: str
    kind: EventKind = "text"
    text: str = ""
    payload: str = ""
    contact_phone: str = ""
    occurred_at: dt.datetime | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    """A reply to send through a channel, already restored (it may hold personal data).

    ``keep_whole`` lists ``(start, end)`` ranges of restored personal values, which a
    channel that splits long messages must not cut. ``last_inbound_at`` (aware UTC)
    lets a channel with a customer-service window choose a template instead.
    ``template`` names a bundle template to send instead of free text, when set.
    """

    channel: str
    user_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    request_contact: bool = False
    template: str | None = None
    keep_whole: tuple[tuple[int, int], ...] = ()
    last_inbound_at: dt.datetime | None = None
    message_id: str = ""


@dataclass(frozen=True)
class DeliveryReceipt:
    """The ids a channel or CRM returns after a successful send or write."""

    external_id: str = ""
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One redacted line of conversation history for an answerer."""

    role: Literal["client", "assistant"]
    text: str


@dataclass(frozen=True)
class AnswerRequest:
    """Everything an answerer may see: redacted text only.

    ``text`` and ``history`` went through redaction, so personal values appear as vault
    tokens such as ``[PHONE_1]``. ``slots`` is the booking state so far (values are
    tokens for personal data). ``now`` is aware and in the business timezone.
    ``special`` lists special-category kinds that were found and withheld (``health``).
    """

    conversation_id: str
    text: str
    history: tuple[Turn, ...]
    slots: Mapping[str, str]
    now: dt.datetime
    locale: str = "ru"
    special: frozenset[str] = frozenset()
    contact_phone_token: str = ""


@dataclass(frozen=True)
class Answer:
    """An answerer's reply and the booking state after it.

    ``text`` may contain vault tokens; leadgate restores them before sending.
    ``slots`` replaces the conversation's booking state. ``booking_confirmed`` is set
    once the client confirmed every required field; leadgate then creates the lead.
    """

    text: str
    slots: Mapping[str, str] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    request_contact: bool = False
    booking_confirmed: bool = False
    answered_by: str = ""


@dataclass(frozen=True)
class LeadRecord:
    """The minimal lead handed to a CRM: only the bundle's listed fields, restored.

    ``consents`` holds references (type, version, UTC time, channel), never texts.
    """

    lead_id: str
    bundle: str
    fields: Mapping[str, str]
    consents: tuple[Mapping[str, str], ...] = ()
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class DestructionRecord:
    """Proof that data was destroyed, without the destroyed values.

    The fields follow the event-log export that a destruction act needs: a
    pseudonymous subject id, the categories destroyed, the information system, the
    reason, the method and the time.
    """

    subject_ref: str
    categories: tuple[str, ...]
    system: str
    reason: str
    method: str = "deletion"
    destroyed_at: dt.datetime | None = None
    count: int = 1


class Detector(ABC):
    """Finds personal values of some categories in a text.

    ``detect`` must be pure and fast: it runs on every inbound message and on every
    message a privacy gateway forwards. Overlapping spans from several detectors are
    merged by the core.
    """

    categories: tuple[str, ...] = ()

    @abstractmethod
    def detect(self, text: str) -> list[Span]:
        """Return the spans found in ``text``, in any order."""


class Answerer(ABC):
    """Produces the next reply of a conversation from redacted text."""

    @abstractmethod
    async def answer(self, request: AnswerRequest) -> Answer:
        """Return the reply to ``request``; may raise ``DeliveryError`` on an outage."""


class CRM(ABC):
    """Writes leads to a customer database and erases them on request."""

    @abstractmethod
    async def write_lead(self, lead: LeadRecord, idempotency_key: str) -> DeliveryReceipt:
        """Store ``lead`` once per ``idempotency_key`` and return the CRM's ids.

        Raise ``RetryableError`` for outages and rate limits, ``PermanentError`` for
        failures another attempt cannot fix.
        """

    async def erase_subject(self, receipts: list[DeliveryReceipt]) -> list[DestructionRecord]:
        """Delete what earlier ``write_lead`` calls created; return destruction records."""
        return []


@dataclass(frozen=True)
class RawRequest:
    """An inbound HTTP request as a channel sees it, before any parsing.

    ``headers`` keys are lower-case. ``body`` is the exact bytes received, so that
    signatures can be checked on them.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    client_ip: str = ""


class Channel(ABC):
    """A chat channel: verifies and parses inbound requests, sends replies.

    The core serves ``/webhooks/<channel name>/<bundle name>`` for every channel whose
    ``webhook`` is true: a GET goes to :meth:`handshake`; a POST over
    ``max_body_bytes`` gets 413, then :meth:`verify` runs on the raw bytes, then
    :meth:`parse`, and each event is stored before the 200 is sent. Sending happens
    later, from the outbox.
    """

    webhook: bool = True
    max_body_bytes: int = 1_000_000

    def handshake(self, request: RawRequest) -> tuple[int, str]:
        """Return the status and body for a GET on the webhook (a subscription check); 405 by default."""
        return 405, "method not allowed"

    @abstractmethod
    def verify(self, request: RawRequest) -> None:
        """Raise ``SignatureError`` unless the request carries a valid secret or signature."""

    @abstractmethod
    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Turn a verified request into events; raise ``PayloadError`` on malformed input."""

    @abstractmethod
    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Deliver ``message``; raise ``RetryableError`` or ``PermanentError`` on failure."""

    async def acknowledge(self, event_meta: Mapping[str, str]) -> None:
        """Confirm a button press to the platform (Telegram's answerCallbackQuery, say).

        Called from the outbox for every ``button`` event; the default does nothing.
        """
        return None

    async def poll(self, submit: Callable[[list[InboundEvent]], Awaitable[None]]) -> None:
        """Fetch events without a webhook (Telegram's getUpdates, say) until cancelled.

        The service runs this as a background task for every enabled channel and
        passes ``submit``, which stores events exactly as the webhook does. The
        default returns at once: the channel has nothing to poll, or polling is off.
        """
        return None

    def routes(self) -> list[Any]:
        """Return extra Starlette routes this channel serves (a chat page, say)."""
        return []
