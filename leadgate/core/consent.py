"""Consent state, decisions, withdrawal and the append-only consent records.

A consent record is proof under 152-FZ art. 9 part 3: the consent type and version,
the SHA-256 of the exact text shown (the text itself is frozen in ``consent_texts``),
purposes, data categories, channel, the client's channel id, the message or callback
id, server UTC time and, for the web chat, IP address and user agent. Records are
only ever appended; each carries the hash of the previous one, so an edit or a
deletion breaks the chain that :func:`verify_consent_chain` checks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from leadgate.config.bundle import Bundle, ConsentSpec
from leadgate.core.crypto import KeyRing
from leadgate.core.store.engine import lock_transaction
from leadgate.core.store.tables import ConsentRecord, ConsentText, utcnow

Decision = Literal["accepted", "declined", "withdrawn"]

_YES = {
    "да", "согласен", "согласна", "согласны", "ок", "окей", "ok", "okay", "yes", "y", "+",
    "принимаю", "даю согласие", "да согласен", "да согласна", "согласие даю", "конечно",
    "i agree", "agree",
}  # fmt: skip
_NO = {
    "нет", "не согласен", "не согласна", "не согласны", "no", "n", "-", "отказываюсь",
    "не даю согласие", "не даю согласия", "нет не согласен", "нет не согласна",
    "i disagree", "disagree",
}  # fmt: skip
_WITHDRAW = re.compile(
    r"(отзыва\w*\s+(мо[её]\s+|сво[её]\s+)?согласи|удалите\s+(все\s+)?мои\s+данные|"
    r"^стоп$|^/stop$|^stop$|withdraw\w*\s+(my\s+)?consent|delete\s+my\s+data)"
)


def normalise(text: str) -> str:
    """Fold case, ё and punctuation so that free-text answers compare reliably."""
    folded = text.lower().replace("ё", "е").strip()
    folded = re.sub(r"[!.,;:?«»\"'()…]+", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def parse_free_answer(text: str) -> Literal["yes", "no"] | None:
    """Read «да», «согласна», «ок», «нет» and the like as a consent answer."""
    answer = normalise(text)
    if answer in _YES:
        return "yes"
    if answer in _NO:
        return "no"
    return None


def parse_button(payload: str) -> tuple[str, str, Literal["yes", "no"]] | None:
    """Split a ``consent:<type>:<version>:yes|no`` payload; ``None`` for other payloads."""
    parts = payload.split(":")
    if len(parts) < 4 or parts[0] != "consent" or parts[-1] not in ("yes", "no"):
        return None
    answer: Literal["yes", "no"] = "yes" if parts[-1] == "yes" else "no"
    return parts[1], ":".join(parts[2:-1]), answer


def is_withdrawal(text: str) -> bool:
    """Tell whether a message withdraws consent («отзываю согласие», «стоп», /stop...)."""
    return bool(_WITHDRAW.search(normalise(text).replace(" /", "/")))


def text_sha256(shown: str) -> str:
    """Return the hex SHA-256 of the exact text shown, encoded as UTF-8."""
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConsentProof:
    """The channel facts that go into a consent record besides the decision."""

    channel: str
    channel_user_id: str
    message_ref: str = ""
    ip: str = ""
    user_agent: str = ""
    given_by: str = "subject"


def latest_decisions(session: Session, bundle: str, subject_id: str) -> dict[str, ConsentRecord]:
    """Return the newest consent record of each consent type for one subject."""
    records = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.bundle == bundle, ConsentRecord.subject_id == subject_id)
        .order_by(col(ConsentRecord.id))
    ).all()
    return {record.consent_type: record for record in records}


def holds(decisions: Mapping[str, ConsentRecord], spec: ConsentSpec) -> bool:
    """Tell whether the subject accepted the current version of ``spec``."""
    record = decisions.get(spec.type)
    return record is not None and record.decision == "accepted" and record.version == spec.version


def answered(decisions: Mapping[str, ConsentRecord], spec: ConsentSpec) -> bool:
    """Tell whether the subject decided on the current version of ``spec`` at all."""
    record = decisions.get(spec.type)
    return record is not None and record.version == spec.version


def record_decision(
    session: Session,
    keyring: KeyRing,
    *,
    bundle: Bundle,
    spec: ConsentSpec,
    shown_text: str,
    decision: Decision,
    subject_id: str,
    conversation_id: str,
    proof: ConsentProof,
) -> ConsentRecord:
    """Append one consent record, freezing the shown text under its hash."""
    digest = text_sha256(shown_text)
    if session.get(ConsentText, digest) is None:
        session.add(
            ConsentText(
                sha256=digest, consent_type=spec.type, version=spec.version, text=shown_text
            )
        )

    # Without the lock two processes could read the same last record and fork the chain.
    lock_transaction(session, f"consent:{bundle.name}")
    previous = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.bundle == bundle.name)
        .order_by(col(ConsentRecord.id).desc())
        .limit(1)
    ).first()
    record = ConsentRecord(
        bundle=bundle.name,
        subject_id=subject_id,
        conversation_id=conversation_id,
        consent_type=spec.type,
        version=spec.version,
        text_sha256=digest,
        purposes=json.dumps(list(spec.purposes), ensure_ascii=False),
        data_categories=json.dumps(list(spec.data), ensure_ascii=False),
        decision=decision,
        given_by=proof.given_by,
        channel=proof.channel,
        channel_user_enc=keyring.encrypt(
            proof.channel_user_id, context="consent_records.channel_user_enc"
        ),
        message_ref=proof.message_ref,
        ip_enc=keyring.encrypt(proof.ip, context="consent_records.ip_enc") if proof.ip else None,
        user_agent_enc=(
            keyring.encrypt(proof.user_agent, context="consent_records.user_agent_enc")
            if proof.user_agent
            else None
        ),
        recorded_at=utcnow(),
        prev_hash=previous.record_hash if previous else "",
    )
    record.record_hash = consent_record_hash(record)
    session.add(record)
    session.flush()
    return record


def consent_record_hash(record: ConsentRecord) -> str:
    """Hash the record's clear columns and the previous hash.

    Encrypted columns are left out on purpose: key rotation re-encrypts them, which
    must not break the chain; AES-GCM already makes their tampering detectable.
    """
    fields = {
        "bundle": record.bundle,
        "subject_id": record.subject_id,
        "conversation_id": record.conversation_id,
        "consent_type": record.consent_type,
        "version": record.version,
        "text_sha256": record.text_sha256,
        "purposes": record.purposes,
        "data_categories": record.data_categories,
        "decision": record.decision,
        "given_by": record.given_by,
        "channel": record.channel,
        "message_ref": record.message_ref,
        "recorded_at": record.recorded_at.isoformat(),
        "prev_hash": record.prev_hash,
    }
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_consent_chain(session: Session, bundle: str) -> int | None:
    """Return the id of the first record that breaks the chain, or ``None`` when intact."""
    previous_hash = ""
    records = session.exec(
        select(ConsentRecord).where(ConsentRecord.bundle == bundle).order_by(col(ConsentRecord.id))
    ).all()
    for record in records:
        if record.prev_hash != previous_hash or consent_record_hash(record) != record.record_hash:
            return record.id
        previous_hash = record.record_hash
    return None
