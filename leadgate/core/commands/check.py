"""``leadgate check BUNDLE``: validate a bundle and print every error or a summary."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leadgate.config.bundle import Bundle
from leadgate.config.checks import component_location
from leadgate.config.loader import load_bundle
from leadgate.core.components import ComponentKind
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.errors import ConfigErrors
from leadgate.locales import resolve_locale
from leadgate.locales import text as t


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` command."""
    parser = subparsers.add_parser("check", help=t("config.check_help"))
    parser.add_argument("bundle", help=t("cli.bundle_help"))
    parser.set_defaults(handler=check_bundle)


def check_bundle(args: argparse.Namespace) -> int:
    """Print each error as ``file:line: message`` and return 1, or print a summary and 0."""
    registry = ComponentRegistry(create_plugin_manager())
    try:
        bundle = load_bundle(Path(args.bundle), registry=registry)
    except ConfigErrors as errors:
        for error in errors.errors:
            print(str(error), file=sys.stderr)
        print(t("config.check_failed", count=len(errors.errors)), file=sys.stderr)
        return 1

    for line in summary(bundle, registry, resolve_locale(bundle.business.locale)):
        print(line)
    return 0


def summary(bundle: Bundle, registry: ComponentRegistry, locale: str) -> list[str]:
    """Describe a valid bundle in a few localised lines."""
    template = (
        t("config.check_template", locale, template=bundle.template) if bundle.template else ""
    )
    answerer_at = _location(
        registry, "answerer", bundle.answerer.name, bundle.answerer.config, locale
    )
    crm_at = _location(registry, "crm", bundle.crm.name, bundle.crm.config, locale)
    consents = ", ".join(
        t(
            "config.check_consent",
            locale,
            type=consent.type,
            version=consent.version,
            required=t(
                "config.consent_required" if consent.required else "config.consent_optional_label",
                locale,
            ),
        )
        for consent in bundle.consents
    )
    return [
        t(
            "config.check_ok",
            locale,
            name=bundle.name,
            business=bundle.business.name,
            template=template,
        ),
        t("config.check_channels", locale, channels=", ".join(c.name for c in bundle.channels)),
        t(
            "config.check_answerer",
            locale,
            name=bundle.answerer.name,
            location=answerer_at,
            timeout=f"{bundle.answerer.timeout:g}",
        ),
        t(
            "config.check_crm",
            locale,
            name=bundle.crm.name,
            location=crm_at,
            fields=", ".join(bundle.crm.fields),
        ),
        t("config.check_consents", locale, consents=consents),
        t("config.check_locations", locale, locations=", ".join(sorted(bundle.data_locations))),
    ]


def _location(
    registry: ComponentRegistry,
    kind: ComponentKind,
    name: str,
    config: Mapping[str, Any],
    locale: str,
) -> str:
    location = component_location(registry.get(kind, name), config)
    return t(f"config.place_{location}", locale)
