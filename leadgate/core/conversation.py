"""Conversation rows and their encrypted state: booking slots, vault, history, consent prompts.

The state is one JSON object encrypted into ``conversations.state_enc``. The token
vault lives inside it, so the vault is encrypted at rest and expires with the
conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from leadgate.core.crypto import KeyRing
from leadgate.core.store.tables import Conversation, Subject

STATE_CONTEXT = "conversations.state_enc"
USER_CONTEXT = "conversations.user_id_enc"
HISTORY_TURNS = 20


@dataclass
class ConversationState:
    """The mutable state of one conversation between messages."""

    slots: dict[str, str] = field(default_factory=dict)
    vault: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)
    pending_consent: str = ""
    prompts: dict[str, str] = field(default_factory=dict)
    booking_seq: int = 0
    greeted: bool = False

    def remember(self, role: str, redacted_text: str) -> None:
        """Append a redacted turn, keeping the last ``HISTORY_TURNS``."""
        self.history.append((role, redacted_text))
        del self.history[:-HISTORY_TURNS]

    def to_json(self) -> dict[str, Any]:
        """Return the state as a JSON-serialisable object."""
        return {
            "slots": self.slots,
            "vault": self.vault,
            "history": [list(turn) for turn in self.history],
            "pending_consent": self.pending_consent,
            "prompts": self.prompts,
            "booking_seq": self.booking_seq,
            "greeted": self.greeted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        """Rebuild a state saved by :meth:`to_json`."""
        return cls(
            slots=dict(data.get("slots", {})),
            vault=dict(data.get("vault", {})),
            history=[(str(role), str(text)) for role, text in data.get("history", [])],
            pending_consent=str(data.get("pending_consent", "")),
            prompts=dict(data.get("prompts", {})),
            booking_seq=int(data.get("booking_seq", 0)),
            greeted=bool(data.get("greeted", False)),
        )


def load_state(keyring: KeyRing, conversation: Conversation) -> ConversationState:
    """Decrypt a conversation's state; an erased or new conversation starts empty."""
    if not conversation.state_enc:
        return ConversationState()
    return ConversationState.from_json(
        keyring.decrypt_json(conversation.state_enc, context=STATE_CONTEXT)
    )


def save_state(keyring: KeyRing, conversation: Conversation, state: ConversationState) -> None:
    """Encrypt ``state`` into the conversation row (the caller commits)."""
    conversation.state_enc = keyring.encrypt_json(state.to_json(), context=STATE_CONTEXT)


def find_or_create(
    session: Session, keyring: KeyRing, *, bundle: str, channel: str, user_id: str
) -> Conversation:
    """Return the conversation of ``user_id`` in ``channel``, creating it and its subject.

    Two requests of a new client can race here; the unique key on the blind index
    decides, and the loser reads the winner's row.
    """
    user_index = keyring.blind_index(f"{channel}:{user_id}", purpose="channel_user")
    query = select(Conversation).where(
        Conversation.bundle == bundle,
        Conversation.channel == channel,
        Conversation.user_index == user_index,
    )
    existing = session.exec(query).first()
    if existing is not None:
        return existing

    subject = Subject(bundle=bundle)
    conversation = Conversation(
        bundle=bundle,
        channel=channel,
        user_index=user_index,
        user_id_enc=keyring.encrypt(user_id, context=USER_CONTEXT),
        subject_id=subject.id,
    )
    try:
        with session.begin_nested():
            session.add(subject)
            session.add(conversation)
    except IntegrityError:
        return session.exec(query).one()
    return conversation


def user_id_of(keyring: KeyRing, conversation: Conversation) -> str:
    """Decrypt the client's channel id; empty once the conversation was erased."""
    if not conversation.user_id_enc:
        return ""
    return keyring.decrypt(conversation.user_id_enc, context=USER_CONTEXT)
