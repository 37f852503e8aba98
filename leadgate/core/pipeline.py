"""One inbound event, from the webhook to the reply and the lead.

The flow, each step a short method that calls one hook or component::

    ingest:   dedupe on (channel, external id) by a unique key -> store encrypted -> ack
    process:  consent gate -> redact -> answer -> restore -> reply via outbox -> lead

:meth:`Pipeline.ingest` runs inside the webhook request and returns once the events
are durably stored, so the acknowledgement never waits for an answerer or a CRM.
Processing runs in background tasks: the events of one conversation in order, different
conversations concurrently. Everything one event changes (state, consent records,
replies, lead, erasures) is committed in one transaction at its end, so a crash before
that point replays the event and a crash after it replays nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from leadgate.config.bundle import ConsentSpec
from leadgate.core import consent as consents
from leadgate.core.components import (
    Answer,
    Answerer,
    AnswerRequest,
    Button,
    InboundEvent,
    LeadRecord,
    Turn,
)
from leadgate.core.conversation import ConversationState, find_or_create
from leadgate.core.pipeline_commit import commit_turn
from leadgate.core.redaction import Redactor
from leadgate.core.runtime import Services
from leadgate.core.store.tables import ConsentRecord, Conversation, Message
from leadgate.core.vault import Vault
from leadgate.locales import text as t

logger = logging.getLogger(__name__)

TEXT_CONTEXT = "messages.text_enc"
META_CONTEXT = "messages.meta_enc"
SERVICE_EVENTS = ("status", "echo", "delete", "reachability", "ignored")
RESTART_WORDS = ("/start", "start", "начать", "старт", "начать заново")


@dataclass
class Reply:
    """A reply to send: restored text for the client, redacted text for the history."""

    text: str
    buttons: tuple[Button, ...] = ()
    request_contact: bool = False
    keep_whole: tuple[tuple[int, int], ...] = ()


@dataclass
class Work:
    """The decisions of processing one event, which :func:`commit_turn` writes in one transaction."""

    message: Message
    conversation: Conversation
    state: ConversationState
    decisions: dict[str, ConsentRecord]
    text: str
    meta: dict[str, str]
    user_id: str
    held: list[tuple[Message, str]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    consent_decisions: list[tuple[ConsentSpec, str, str]] = field(default_factory=list)
    redacted: dict[int, tuple[str, bool]] = field(default_factory=dict)
    processed: list[Message] = field(default_factory=list)
    hold: bool = False
    erase_held_reason: str = ""
    erase_all_reason: str = ""
    erase_target: str = ""
    lead: dict[str, str] | None = None
    lead_record: LeadRecord | None = None
    status: str = ""
    delivery_update: tuple[str, str] | None = None


class Pipeline:
    """Consent-gated processing of inbound events for one bundle."""

    def __init__(
        self,
        services: Services,
        answerer: Answerer,
        fallback: Answerer,
        redactor: Redactor,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.services = services
        self.bundle = services.bundle
        self.answerer = answerer
        self.fallback = fallback
        self.redactor = redactor
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()

    # -- Intake ---------------------------------------------------------------------

    async def ingest(self, events: list[InboundEvent]) -> list[bool]:
        """Store each event unless already stored; return, per event, whether it was new.

        Returns only after the events are committed; processing starts in the
        background afterwards.
        """
        results = await asyncio.to_thread(self._store_events, events)
        for conversation_id in {cid for cid, _ in results if cid}:
            self.schedule(conversation_id)
        return [stored for _, stored in results]

    def _store_events(self, events: list[InboundEvent]) -> list[tuple[str, bool]]:
        keyring = self.services.keyring
        results = []
        with self.services.database.session() as session:
            for event in events:
                conversation = find_or_create(
                    session,
                    keyring,
                    bundle=self.bundle.name,
                    channel=event.channel,
                    user_id=event.user_id,
                )
                message = _message_for(event, conversation.id, self.bundle.name, keyring)
                try:
                    with session.begin_nested():
                        session.add(message)
                except Exception as error:  # the unique key rejected a redelivery
                    if "unique" not in str(error).lower() and "duplicate" not in str(error).lower():
                        raise
                    logger.info("duplicate %s event ignored", event.channel)
                    results.append(("", False))
                    continue
                results.append((conversation.id, True))
        return results

    # -- Scheduling -----------------------------------------------------------------

    def schedule(self, conversation_id: str) -> None:
        """Process the conversation's pending events, after any already running."""
        task = self._tasks.get(conversation_id)
        if task is not None and not task.done():
            self._dirty.add(conversation_id)
            return
        self._tasks[conversation_id] = asyncio.create_task(self._run_conversation(conversation_id))

    async def _run_conversation(self, conversation_id: str) -> None:
        while True:
            self._dirty.discard(conversation_id)
            message_id = await asyncio.to_thread(self._next_message, conversation_id)
            if message_id is None:
                if conversation_id in self._dirty:
                    continue
                return
            try:
                await self.process(message_id)
            except Exception:
                # Logged by type only: the message stays "received" and is retried at
                # the next start instead of blocking the conversation forever.
                logger.exception("processing message %s failed", message_id)
                return

    def _next_message(self, conversation_id: str) -> int | None:
        with self.services.database.session() as session:
            return session.exec(
                select(Message.id)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.direction == "in",
                    Message.status == "received",
                )
                .order_by(col(Message.id))
                .limit(1)
            ).first()

    async def recover(self) -> None:
        """Schedule every conversation with events stored but not processed (after a crash)."""
        with self.services.database.session() as session:
            ids = session.exec(
                select(Message.conversation_id)
                .where(Message.bundle == self.bundle.name, Message.status == "received")
                .distinct()
            ).all()
        for conversation_id in ids:
            self.schedule(conversation_id)

    async def drain(self) -> None:
        """Wait until every scheduled conversation is processed (tests and shutdown)."""
        while any(not task.done() for task in self._tasks.values()):
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    # -- Processing -----------------------------------------------------------------

    async def process(self, message_id: int) -> None:
        """Process one stored inbound message and commit everything it decided."""
        work = await asyncio.to_thread(self._load, message_id)
        if work is None:
            return
        await self._handle(work)
        await asyncio.to_thread(commit_turn, self, work)
        if self.services.outbox is not None:
            self.services.outbox.wake()
        if work.lead_record is not None:
            await self._announce_lead(work.lead_record)

    def _load(self, message_id: int) -> Work | None:
        from leadgate.core.pipeline_commit import load_work

        return load_work(self, message_id)

    async def _handle(self, work: Work) -> None:
        kind = work.message.kind
        if kind in SERVICE_EVENTS:
            self._service_event(work)
            return
        if work.conversation.status in ("withdrawn", "declined"):
            if consents.normalise(work.text) not in RESTART_WORDS:
                # Processing stopped for this person: keep nothing, answer nothing.
                work.erase_all_reason = "after_" + work.conversation.status
                return
            work.status = "active"
            work.state = ConversationState()
            work.decisions = {}
        if consents.is_withdrawal(work.text):
            self._withdraw(work)
            return
        decision = self._consent_answer(work)
        if decision is not None:
            await self._decide(work, *decision)
            return
        missing = self._missing_required(work)
        if missing is not None:
            self._hold_and_prompt(work, missing)
            return
        await self._respond(work, work.message, work.text)

    # -- Consent --------------------------------------------------------------------

    def _missing_required(self, work: Work) -> ConsentSpec | None:
        for spec in self.bundle.required_consents:
            if not consents.holds(work.decisions, spec):
                return spec
        return None

    def _consent_answer(self, work: Work) -> tuple[ConsentSpec, str] | None:
        if work.message.kind == "button":
            parsed = consents.parse_button(work.message.payload)
            if parsed is None:
                return None
            consent_type, version, answer = parsed
            spec = self.bundle.consent(consent_type)
            if spec is None or spec.version != version:
                return None
            return spec, answer
        pending = (
            self.bundle.consent(work.state.pending_consent) if work.state.pending_consent else None
        )
        if pending is None:
            return None
        if not pending.required and work.state.slots.get("awaiting") == "confirm":
            return None  # «да» here confirms the booking, not an optional consent
        free_answer = consents.parse_free_answer(work.text)
        return (pending, free_answer) if free_answer is not None else None

    def _prompt(self, work: Work, spec: ConsentSpec) -> None:
        hook = self.services.plugin_manager.hook.leadgate_consent_prompt
        consent = {
            "type": spec.type,
            "version": spec.version,
            "title": spec.title,
            "text": spec.text,
            "required": spec.required,
        }
        text, buttons = hook(
            consent=consent, bundle=self.bundle, locale=self.locale, policy_url=self.policy_url
        )
        work.state.prompts[spec.type] = text
        work.state.pending_consent = spec.type
        work.replies.append(Reply(text=text, buttons=tuple(buttons)))

    def _hold_and_prompt(self, work: Work, spec: ConsentSpec) -> None:
        work.hold = True
        if not work.state.greeted and self.bundle.dialogue.greeting:
            work.replies.append(Reply(text=self.bundle.dialogue.greeting))
            work.state.greeted = True
        self._prompt(work, spec)

    async def _decide(self, work: Work, spec: ConsentSpec, answer: str) -> None:
        shown = work.state.prompts.get(spec.type) or self._rebuild_prompt(spec)
        decision = "accepted" if answer == "yes" else "declined"
        work.consent_decisions.append((spec, decision, shown))
        work.decisions[spec.type] = ConsentRecord(
            bundle=self.bundle.name, subject_id="", conversation_id="", consent_type=spec.type,
            version=spec.version, text_sha256="", purposes="", data_categories="",
            decision=decision, channel="",
        )  # fmt: skip
        work.state.pending_consent = ""

        if decision == "declined" and spec.required:
            work.replies.append(Reply(text=t("consent.declined", self.locale, phone=self.phone)))
            work.erase_held_reason = "consent_declined"
            work.status = "declined"
            return
        if decision == "declined":
            work.replies.append(Reply(text=t("consent.optional_declined", self.locale)))
        missing = self._missing_required(work)
        if missing is not None:
            self._prompt(work, missing)
            return
        self._ask_next_optional(work)
        for message, text in work.held:
            await self._respond(work, message, text)
        if not work.held and decision == "accepted" and not work.replies:
            work.replies.append(Reply(text=t("consent.accepted", self.locale)))

    def _ask_next_optional(self, work: Work) -> None:
        for spec in self.bundle.consents:
            if spec.required or consents.answered(work.decisions, spec):
                continue
            if spec.type == "ai" and self.answerer is self.fallback:
                continue  # no language model is configured, so there is nothing to consent to
            if spec.type in work.state.prompts:
                continue  # asked once; the client may still answer with its buttons
            self._prompt(work, spec)
            work.state.pending_consent = ""
            return

    def _rebuild_prompt(self, spec: ConsentSpec) -> str:
        probe = Work(
            message=Message(bundle="", channel="", external_id="", conversation_id="", direction="in"),
            conversation=Conversation(bundle="", channel="", user_index="", subject_id=""),
            state=ConversationState(), decisions={}, text="", meta={}, user_id="",
        )  # fmt: skip
        self._prompt(probe, spec)
        return probe.replies[-1].text

    def _withdraw(self, work: Work) -> None:
        for spec in self.bundle.consents:
            if consents.holds(work.decisions, spec):
                work.consent_decisions.append(
                    (spec, "withdrawn", work.state.prompts.get(spec.type, ""))
                )
        work.replies.append(Reply(text=t("consent.withdrawn", self.locale, phone=self.phone)))
        work.erase_all_reason = "consent_withdrawn"
        work.status = "withdrawn"

    # -- Answering ------------------------------------------------------------------

    async def _respond(self, work: Work, message: Message, text: str) -> None:
        from leadgate.core.pipeline_answer import respond

        await respond(self, work, message, text)

    def _service_event(self, work: Work) -> None:
        kind = work.message.kind
        if kind == "delete":
            work.erase_target = work.meta.get("target_external_id", "")
        elif kind == "status":
            work.delivery_update = (work.meta.get("message_id", ""), work.message.payload)
        elif kind == "reachability":
            work.conversation.reachable = work.message.payload != "blocked"
        work.processed.append(work.message)

    async def _announce_lead(self, lead: LeadRecord) -> None:
        try:
            results = self.services.plugin_manager.hook.leadgate_lead_created(
                lead=lead, bundle=self.bundle
            )
            for result in results:
                if asyncio.iscoroutine(result):
                    await result
        except Exception:
            logger.exception("a leadgate_lead_created hook failed for lead %s", lead.lead_id)

    # -- Bundle facts ---------------------------------------------------------------

    @property
    def locale(self) -> str:
        """The locale of messages to clients: the bundle's."""
        return self.bundle.business.locale

    @property
    def phone(self) -> str:
        """The business phone offered when the chat cannot help."""
        return self.bundle.business.phone

    @property
    def policy_url(self) -> str:
        """The processing policy address linked from every consent prompt."""
        return self.bundle.business.policy_url or f"{self.services.public_url}/policy"

    def now(self) -> dt.datetime:
        """Return the current time in the business timezone."""
        return self.clock().astimezone(self.bundle.business.timezone)

    def answerer_for(self, work: Work) -> tuple[Answerer, str]:
        """Pick the answerer: the scripted one when the AI consent is not given."""
        if self.answerer is self.fallback:
            return self.fallback, "scripted"
        ai = self.bundle.consent("ai")
        if ai is not None and not consents.holds(work.decisions, ai):
            return self.fallback, "scripted"
        return self.answerer, self.bundle.answerer.name

    def new_vault(self, work: Work) -> Vault:
        """Return the conversation's vault."""
        return Vault.from_dict(work.state.vault) if work.state.vault else Vault()


def _message_for(event: InboundEvent, conversation_id: str, bundle: str, keyring: Any) -> Message:
    import json

    text = event.text
    meta = dict(event.meta)
    if event.contact_phone:
        meta["contact_phone"] = event.contact_phone
    return Message(
        bundle=bundle,
        channel=event.channel,
        external_id=event.external_id,
        conversation_id=conversation_id,
        direction="out" if event.kind == "echo" else "in",
        kind=event.kind,
        payload=event.payload[:200],
        text_enc=keyring.encrypt(text, context=TEXT_CONTEXT) if text else None,
        meta_enc=keyring.encrypt(json.dumps(meta, ensure_ascii=False), context=META_CONTEXT)
        if meta
        else None,
        status="processed" if event.kind == "echo" else "received",
    )


def answer_request(
    pipeline: Pipeline, work: Work, text: str, special: frozenset[str], contact_token: str
) -> AnswerRequest:
    """Build the redacted request an answerer sees."""
    history = tuple(
        Turn(role="client" if role == "client" else "assistant", text=line)
        for role, line in work.state.history
    )
    return AnswerRequest(
        conversation_id=work.conversation.id,
        text=text,
        history=history,
        slots=dict(work.state.slots),
        now=pipeline.now(),
        locale=pipeline.locale,
        special=special,
        contact_phone_token=contact_token,
    )


async def ask(pipeline: Pipeline, work: Work, request: AnswerRequest) -> Answer:
    """Call the chosen answerer within the bundle's limit, falling back to the scripted one."""
    answerer, name = pipeline.answerer_for(work)
    timeout = pipeline.bundle.answerer.timeout
    if answerer is not pipeline.fallback:
        try:
            return await asyncio.wait_for(answerer.answer(request), timeout=max(timeout - 1.0, 0.5))
        except Exception as failure:
            logger.warning(
                "answerer %s failed (%s); the scripted answerer replies",
                name,
                type(failure).__name__,
            )
    try:
        return await asyncio.wait_for(pipeline.fallback.answer(request), timeout=timeout)
    except Exception as failure:
        logger.error("the scripted answerer failed (%s)", type(failure).__name__)
        return Answer(
            text=t("consent.answerer_unavailable", pipeline.locale, phone=pipeline.phone),
            slots=request.slots,
        )
