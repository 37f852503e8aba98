"""``leadgate chat BUNDLE``: the bundle's full pipeline in a terminal.

An owner tries the consent prompt, the answers and a booking before connecting any
channel. The conversation runs through the same pipeline, outbox and built-in CRM as
the service, over a ``terminal`` channel that prints replies; buttons are picked by
their number.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from pathlib import Path

from leadgate.core.components import (
    Button,
    Channel,
    DeliveryReceipt,
    InboundEvent,
    OutboundMessage,
    RawRequest,
)
from leadgate.core.service import Runtime, build_runtime
from leadgate.locales import text as t

CHANNEL = "terminal"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``chat`` command."""
    parser = subparsers.add_parser("chat", help=t("cli.chat_help"))
    parser.add_argument("bundle", help=t("cli.bundle_help"))
    parser.set_defaults(handler=chat)


class TerminalChannel(Channel):
    """A channel whose replies are collected for printing."""

    webhook = False

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    def verify(self, request: RawRequest) -> None:
        """Accept everything: input comes from the owner's own terminal."""

    def parse(self, request: RawRequest) -> list[InboundEvent]:
        """Return nothing: events are built from standard input."""
        return []

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        """Keep the reply for the loop to print."""
        self.sent.append(message)
        return DeliveryReceipt(external_id=message.message_id)


def chat(args: argparse.Namespace) -> int:
    """Run the terminal conversation until an empty line or end of input."""
    return asyncio.run(_chat(Path(args.bundle).absolute()))


async def _chat(bundle_path: Path) -> int:
    channel = TerminalChannel()
    runtime = build_runtime(bundle_path, extra_channels={CHANNEL: channel})
    if runtime.key_notice is not None:
        print(t("cli.key_created", path=runtime.key_notice))
    await runtime.start(outbox=False)
    print(t("cli.chat_intro", bundle=runtime.bundle.name), flush=True)
    user_id = f"terminal-{secrets.token_hex(8)}"
    buttons: tuple[Button, ...] = ()
    try:
        for number in range(1, 10_000):
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line.strip():
                break
            event = _event(line.strip(), buttons, user_id, number)
            await runtime.pipeline.ingest([event])
            buttons = await _exchange(runtime, channel)
    finally:
        await runtime.stop()
    return 0


def _event(line: str, buttons: tuple[Button, ...], user_id: str, number: int) -> InboundEvent:
    external_id = f"{user_id}:{number}"
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        button = buttons[int(line) - 1]
        return InboundEvent(
            channel=CHANNEL, external_id=external_id, user_id=user_id, kind="button",
            text=button.label, payload=button.payload,
        )  # fmt: skip
    return InboundEvent(channel=CHANNEL, external_id=external_id, user_id=user_id, text=line)


async def _exchange(runtime: Runtime, channel: TerminalChannel) -> tuple[Button, ...]:
    """Process the message, deliver its replies, print them; return the last buttons."""
    await runtime.pipeline.drain()
    while await runtime.worker.run_once():
        pass
    buttons: tuple[Button, ...] = ()
    for message in channel.sent:
        print(f"> {message.text}")
        for index, button in enumerate(message.buttons, start=1):
            print(f"  {index}) {button.label}")
        buttons = message.buttons or buttons
    channel.sent.clear()
    print(flush=True)
    return buttons
