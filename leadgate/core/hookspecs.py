"""The leadgate plugin contract.

Every hook is listed here, grouped by the stage of the pipeline it belongs to. A
plugin is any object or module with functions named like these specs and decorated
with ``leadgate.hookimpl``; built-in features are plugins of exactly this kind.

Call modes follow pluggy: by default every implementation is called and the non-None
results are collected into a list; ``firstresult`` hooks stop at the first non-None
result. Implementations run in reverse registration order, so a plugin loaded from
an entry point runs before the built-in one it overrides. Hooks documented as async
may return an awaitable, which the caller awaits.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pluggy

from leadgate.core.components import (
    Button,
    ComponentSpec,
    DestructionRecord,
    LeadRecord,
)

hookspec = pluggy.HookspecMarker("leadgate")

Register = Callable[[ComponentSpec], None]


# -- Intake -------------------------------------------------------------------------


@hookspec
def leadgate_register_channels(register: Register) -> None:
    """Register chat channels.

    Called once when the plugin manager builds its component registry. Call
    ``register(ComponentSpec(kind="channel", ...))`` for each channel the plugin
    offers; the factory must return a ``leadgate.core.components.Channel``. Returns
    nothing. All implementations are called.
    """


# -- Consent ------------------------------------------------------------------------


@hookspec(firstresult=True)
def leadgate_consent_prompt(
    consent: Mapping[str, Any], bundle: Any, locale: str, policy_url: str
) -> tuple[str, tuple[Button, ...]] | None:
    """Build the message that asks a client for one consent.

    Called each time a consent must be asked. ``consent`` is the bundle's entry for
    one consent type (``type``, ``version``, ``text``, ``required``...). ``policy_url``
    is the absolute address of the processing policy page. Returns the message text
    and its buttons, whose payloads must be ``consent:<type>:<version>:yes`` and
    ``consent:<type>:<version>:no``; or ``None`` to leave it to the next plugin. The
    first non-None result wins; the built-in prompt comes last.

    The text returned is what is stored, hashed, as consent proof, so it must be the
    exact text shown.
    """


# -- Redaction ----------------------------------------------------------------------


@hookspec
def leadgate_register_detectors(register: Register) -> None:
    """Register personal-data detectors.

    Called once when the registry is built. Call ``register(ComponentSpec(
    kind="detector", ...))``; the factory must return a
    ``leadgate.core.components.Detector``. Every registered detector runs on every
    message unless the bundle's redaction policy turns it off. Returns nothing.
    """


# -- Answer -------------------------------------------------------------------------


@hookspec
def leadgate_register_llms(register: Register) -> None:
    """Register answerers: LLM clients or scripted dialogues.

    Called once when the registry is built. Call ``register(ComponentSpec(
    kind="answerer", location=..., ...))``; the factory must return a
    ``leadgate.core.components.Answerer``. ``location`` must state truthfully where
    text goes (``local``, ``ru`` or ``abroad``): bundles allow locations explicitly
    and the service refuses to start with an answerer outside them. Returns nothing.
    """


# -- CRM ----------------------------------------------------------------------------


@hookspec
def leadgate_register_crms(register: Register) -> None:
    """Register CRM writers.

    Called once when the registry is built. Call ``register(ComponentSpec(
    kind="crm", ...))``; the factory must return a ``leadgate.core.components.CRM``.
    Returns nothing.
    """


@hookspec
def leadgate_lead_created(lead: LeadRecord, bundle: Any) -> None:
    """React to a lead that was just stored (notify a manager, say).

    Called after the lead row and its CRM outbox item are committed, once per lead.
    ``lead`` contains personal data: an implementation must not log it and must not send
    it anywhere the bundle does not name. The return value is ignored; an exception
    is logged and does not undo the lead. May be async.
    """


# -- Retention and subject rights ---------------------------------------------------


@hookspec
def leadgate_retention_sweep(
    now: dt.datetime, policy: Mapping[str, dt.timedelta], bundle: Any
) -> list[DestructionRecord] | None:
    """Destroy what a plugin keeps that has outlived its retention period.

    Called by each retention sweep after the core has purged its own tables. ``now``
    is aware UTC; ``policy`` maps retention classes (``enquiry``, ``transcript``,
    ``client``, ``consent``, ``destruction``) to periods. Returns the destruction
    records for what was destroyed, or ``None``. All implementations are called and
    every record is stored. The sweep runs in a worker thread and uses the result
    synchronously, so an implementation must not be async.
    """


@hookspec
def leadgate_erase_subject(
    subject_id: str, basis: str, bundle: Any
) -> list[DestructionRecord] | None:
    """Erase one person's data kept by a plugin.

    Called when a client withdraws consent, in the transaction that erases leadgate's
    own copy. ``subject_id`` is leadgate's pseudonymous subject id. ``basis`` is the
    reason recorded in the destruction records (``consent_withdrawn``). Returns the
    destruction records, or ``None`` when the plugin keeps nothing about that person.
    All implementations are called. The result is used synchronously, so an
    implementation must not be async.
    """


# -- Start-up -----------------------------------------------------------------------


@hookspec
def leadgate_routes(bundle: Any) -> list[Any] | None:
    """Add HTTP routes to the service.

    Called once per bundle while the Starlette app is built. Returns a list of
    Starlette routes (mounted under the bundle's prefix) or ``None``. All
    implementations are called; routes are added in call order, after the core's.
    """


@hookspec
def leadgate_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add commands to the ``leadgate`` command line.

    Called once while the argument parser is built. Add a parser with
    ``subparsers.add_parser(name, help=...)`` and set its ``handler`` default to a
    callable taking the parsed ``argparse.Namespace`` and returning an exit status.
    Returns nothing. All implementations are called.
    """
