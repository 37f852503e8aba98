"""The example plugin: a signed JSON webhook channel, a detector and a command.

Requests to ``/webhooks/jsonhook/<bundle>`` carry ``{"id": ..., "user": ...,
"text": ...}`` and an ``X-Signature: sha256=<hex>`` header, the HMAC-SHA256 of the
raw body with the channel's secret. Replies are POSTed as ``{"id": ..., "user": ...,
"text": ..., "buttons": [...]}`` to ``reply_url``; ``id`` is unique per reply.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

import httpx
from strictyaml import Map, Str

import leadgate
from leadgate.core.components import (
    DOCUMENT,
    MESSAGE_TEXT,
    Channel,
    ComponentContext,
    ComponentSpec,
    DeliveryReceipt,
    Detector,
    InboundEvent,
    OutboundMessage,
    RawRequest,
    Span,
)
from leadgate.errors import PayloadError, PermanentError, RetryableError, SignatureError

SIGNATURE_HEADER = "x-signature"


def sign(body: bytes, secret: str) -> str:
    """Return the ``X-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class JsonHook(Channel):
    """A channel for any system that can send signed JSON."""

    def __init__(self, context: ComponentContext) -> None:
        self.secret = str(context.config["secret"])
        self.reply_url = str(context.config["reply_url"])
        self.services = context.services

    def verify(self, request: RawRequest) -> None:
        """Check the HMAC of the raw body in constant time; a missing header fails."""
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given or not hmac.compare_digest(given, sign(request.body, self.secret)):
            raise SignatureError("missing or wrong X-Signature header")

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Read one message."""
        try:
            data = json.loads(request.body)
            return [
                InboundEvent(
                    channel="jsonhook",
                    external_id=str(data["id"]),
                    user_id=str(data["user"]),
                    text=str(data.get("text", "")),
                )
            ]
        except (ValueError, KeyError, TypeError) as error:
            raise PayloadError("body must be JSON with id, user and text") from error

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """POST the reply to ``reply_url``."""
        # The message id lets the receiver drop a repeat after a crash of the sender.
        body = {
            "id": message.message_id,
            "user": message.user_id,
            "text": message.text,
            "buttons": [[button.label, button.payload] for button in message.buttons],
        }
        async with self.services.http_client(timeout=10.0) as client:
            try:
                response = await client.post(self.reply_url, json=body)
            except httpx.TransportError as error:
                raise RetryableError(f"reply_url unreachable: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise RetryableError(f"reply_url returned HTTP {response.status_code}; retrying later")
        if response.status_code >= 400:
            raise PermanentError(
                f"reply_url returned HTTP {response.status_code}; check the reply_url setting"
            )
        return DeliveryReceipt(external_id=message.message_id)


class ClubCardDetector(Detector):
    """Finds club card numbers such as ``FC-123456``."""

    name = "club_card"
    categories = (DOCUMENT,)
    _pattern = re.compile(r"\bFC-?\d{6}\b", re.IGNORECASE)

    def detect(self, text: str) -> list[Span]:
        """Return a document span for each card number."""
        return [
            Span(
                match.start(),
                match.end(),
                DOCUMENT,
                re.sub(r"\D", "", match.group()),
                detector=self.name,
            )
            for match in self._pattern.finditer(text)
        ]


@leadgate.hookimpl
def leadgate_register_channels(register):  # type: ignore[no-untyped-def]
    """Offer the ``jsonhook`` channel."""
    register(
        ComponentSpec(
            kind="channel",
            name="jsonhook",
            factory=JsonHook,
            schema=Map({"secret": Str(), "reply_url": Str()}),
            reads=frozenset({MESSAGE_TEXT}),
            description="Signed JSON webhook",
        )
    )


@leadgate.hookimpl
def leadgate_register_detectors(register):  # type: ignore[no-untyped-def]
    """Offer the ``club_card`` detector."""
    register(
        ComponentSpec(
            kind="detector",
            name="club_card",
            factory=lambda context: ClubCardDetector(),
            reads=frozenset({DOCUMENT}),
        )
    )


@leadgate.hookimpl
def leadgate_cli_commands(subparsers):  # type: ignore[no-untyped-def]
    """Add ``leadgate example-sign FILE``."""
    parser = subparsers.add_parser(
        "example-sign", help="print the X-Signature header for a request body"
    )
    parser.add_argument("file", type=Path)
    parser.set_defaults(handler=_print_signature)


def _print_signature(args: argparse.Namespace) -> int:
    secret = os.environ.get("JSONHOOK_SECRET", "")
    if not secret:
        print("Задайте JSONHOOK_SECRET / set JSONHOOK_SECRET")
        return 1
    print(f"X-Signature: {sign(args.file.read_bytes(), secret)}")
    return 0
