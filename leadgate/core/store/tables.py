"""The database tables.

Columns whose names end in ``_enc`` hold AES-GCM ciphertext from
``leadgate.core.crypto.KeyRing`` (personal data, encrypted field by field); the
``context`` used to encrypt each is ``"<table>.<column>"``, so a ciphertext copied
into another column fails to decrypt. ``ENCRYPTED_COLUMNS`` lists them all for key
rotation. Columns ending in ``_index`` hold keyed HMAC blind indexes, so a phone or
channel user id can be looked up without storing it in clear.

Times are naive UTC ``datetime`` values, as SQLite has no time zones. The columns are
annotated ``NaiveDatetime`` because SQLModel maps a plain ``datetime`` to a
timezone-aware column type that rejects naive values.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import NaiveDatetime
from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Return the current UTC time as a naive datetime, the storage convention."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    """Return a random 32-character hex id, used as a pseudonymous identifier."""
    return uuid.uuid4().hex


def _encrypted(nullable: bool = True) -> object:
    return Field(default=None, sa_column=Column(LargeBinary, nullable=nullable))


class Subject(SQLModel, table=True):
    """A person, known only by a pseudonymous id and blind indexes."""

    __tablename__ = "subjects"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    bundle: str = Field(index=True, max_length=100)
    phone_index: str | None = Field(default=None, index=True, max_length=64)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    erased_at: NaiveDatetime | None = None


class Conversation(SQLModel, table=True):
    """One client in one channel; ``state_enc`` holds the slots and the token vault."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("bundle", "channel", "user_index"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    bundle: str = Field(index=True, max_length=100)
    channel: str = Field(max_length=50)
    user_index: str = Field(max_length=64)
    user_id_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    subject_id: str = Field(index=True, max_length=32)
    state_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    status: str = Field(default="active", max_length=20)
    reachable: bool = True
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    last_activity_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    last_inbound_at: NaiveDatetime | None = None


class Message(SQLModel, table=True):
    """An inbound or outbound message; the unique key makes redelivery a no-op.

    ``status`` of an inbound message moves ``received`` -> ``held`` (waiting for
    consent) -> ``processed``, or to ``erased`` once its text was destroyed.
    """

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("bundle", "channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bundle: str = Field(max_length=100)
    channel: str = Field(max_length=50)
    external_id: str = Field(max_length=200)
    conversation_id: str = Field(index=True, max_length=32)
    direction: str = Field(max_length=3)
    kind: str = Field(default="text", max_length=20)
    payload: str = Field(default="", max_length=200)
    text_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    redacted_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    meta_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    status: str = Field(default="received", index=True, max_length=20)
    delivery: str = Field(default="", max_length=20)
    created_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    processed_at: NaiveDatetime | None = None


class ConsentText(SQLModel, table=True):
    """The exact text of a consent as shown, frozen under its SHA-256."""

    __tablename__ = "consent_texts"

    sha256: str = Field(primary_key=True, max_length=64)
    consent_type: str = Field(max_length=50)
    version: str = Field(max_length=50)
    text: str
    first_shown_at: NaiveDatetime = Field(default_factory=utcnow)


class ConsentRecord(SQLModel, table=True):
    """An append-only, hash-chained record of a consent decision.

    ``record_hash`` covers every other column and ``prev_hash``, so editing or
    deleting a record breaks the chain that ``leadgate.core.consent`` verifies.
    """

    __tablename__ = "consent_records"

    id: int | None = Field(default=None, primary_key=True)
    bundle: str = Field(index=True, max_length=100)
    subject_id: str = Field(index=True, max_length=32)
    conversation_id: str = Field(max_length=32)
    consent_type: str = Field(max_length=50)
    version: str = Field(max_length=50)
    text_sha256: str = Field(max_length=64)
    purposes: str
    data_categories: str
    decision: str = Field(max_length=20)
    given_by: str = Field(default="subject", max_length=20)
    channel: str = Field(max_length=50)
    channel_user_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    message_ref: str = Field(default="", max_length=200)
    ip_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    user_agent_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    recorded_at: NaiveDatetime = Field(default_factory=utcnow)
    prev_hash: str = Field(default="", max_length=64)
    record_hash: str = Field(default="", max_length=64)


class Lead(SQLModel, table=True):
    """A booking, holding only the bundle's listed fields, encrypted as one JSON object."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("bundle", "idempotency_key"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    bundle: str = Field(index=True, max_length=100)
    idempotency_key: str = Field(max_length=200)
    conversation_id: str = Field(index=True, max_length=32)
    subject_id: str = Field(index=True, max_length=32)
    channel: str = Field(max_length=50)
    fields_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    phone_index: str | None = Field(default=None, index=True, max_length=64)
    visit_at: NaiveDatetime | None = None
    status: str = Field(default="booked", max_length=20)
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class OutboxItem(SQLModel, table=True):
    """An outbound action, written in the transaction of the state that caused it.

    ``last_error`` never holds personal data: adapters raise errors that name the
    provider, status and code only.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("bundle", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    bundle: str = Field(index=True, max_length=100)
    kind: str = Field(max_length=20)
    target: str = Field(max_length=50)
    idempotency_key: str = Field(max_length=200)
    # Items of one conversation are delivered in id order; empty means unordered.
    conversation_id: str = Field(default="", index=True, max_length=32)
    payload_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    status: str = Field(default="pending", index=True, max_length=20)
    attempts: int = 0
    next_attempt_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    claimed_until: NaiveDatetime | None = None
    last_error: str = Field(default="", max_length=500)
    receipt: str = Field(default="", max_length=500)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    delivered_at: NaiveDatetime | None = None


class AccessEntry(SQLModel, table=True):
    """An append-only, hash-chained access-journal entry: who read whose data and why."""

    __tablename__ = "access_journal"

    id: int | None = Field(default=None, primary_key=True)
    bundle: str = Field(index=True, max_length=100)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=20)
    subject_id: str = Field(default="", max_length=32)
    fields: str = Field(default="", max_length=500)
    reason: str = Field(default="", max_length=500)
    at: NaiveDatetime = Field(default_factory=utcnow)
    prev_hash: str = Field(default="", max_length=64)
    entry_hash: str = Field(default="", max_length=64)


class DestructionEntry(SQLModel, table=True):
    """A destruction record: what kind of data of whom was destroyed, never the values."""

    __tablename__ = "destruction_log"

    id: int | None = Field(default=None, primary_key=True)
    bundle: str = Field(index=True, max_length=100)
    subject_ref: str = Field(index=True, max_length=64)
    categories: str = Field(max_length=500)
    system: str = Field(max_length=100)
    reason: str = Field(max_length=100)
    method: str = Field(default="deletion", max_length=50)
    count: int = 1
    destroyed_at: NaiveDatetime = Field(default_factory=utcnow)


class SecretEntry(SQLModel, table=True):
    """A secret a plugin must keep between runs (an OAuth token pair, say), encrypted."""

    __tablename__ = "secrets"

    name: str = Field(primary_key=True, max_length=200)
    value_enc: bytes | None = _encrypted()  # type: ignore[assignment]
    version: int = 0
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


ENCRYPTED_COLUMNS: dict[type[SQLModel], tuple[str, ...]] = {
    Conversation: ("user_id_enc", "state_enc"),
    Message: ("text_enc", "redacted_enc", "meta_enc"),
    ConsentRecord: ("channel_user_enc", "ip_enc", "user_agent_enc"),
    Lead: ("fields_enc",),
    OutboxItem: ("payload_enc",),
    SecretEntry: ("value_enc",),
}
