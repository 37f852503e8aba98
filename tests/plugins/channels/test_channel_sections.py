"""The channel sections as a bundle writes them, validated by the real bundle loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgate.config.loader import load_bundle
from leadgate.core.components import ComponentContext
from leadgate.core.plugins import ComponentRegistry, create_plugin_manager
from leadgate.errors import ConfigErrors
from leadgate.plugins.channels.instagram.channel import InstagramChannel
from leadgate.plugins.channels.telegram.channel import TelegramChannel
from leadgate.plugins.channels.whatsapp.cloud import WhatsAppCloudChannel
from leadgate.plugins.channels.whatsapp.greenapi import GreenApiChannel

from harness import copy_template

SECTIONS = {
    "telegram": (
        "  telegram:\n    bot_token: ${TG_TOKEN}\n    webhook_secret: ${TG_SECRET}\n",
        TelegramChannel,
    ),
    "whatsapp-cloud": (
        "  whatsapp:\n"
        "    access_token: ${WA_TOKEN}\n"
        "    app_secret: ${WA_SECRET}\n"
        "    verify_token: ${WA_VERIFY_TOKEN}\n"
        '    phone_number_id: "106540352242922"\n',
        WhatsAppCloudChannel,
    ),
    "whatsapp-greenapi": (
        "  whatsapp:\n"
        "    transport: greenapi\n"
        '    id_instance: "1101000001"\n'
        "    api_token: ${GREEN_TOKEN}\n"
        "    webhook_token: ${GREEN_HOOK_TOKEN}\n",
        GreenApiChannel,
    ),
    "instagram": (
        "  instagram:\n"
        "    access_token: ${IG_TOKEN}\n"
        "    app_secret: ${IG_SECRET}\n"
        "    verify_token: ${IG_VERIFY_TOKEN}\n",
        InstagramChannel,
    ),
}
ENV = (
    "TG_TOKEN=1:t\nTG_SECRET=s\nWA_TOKEN=t\nWA_SECRET=s\nWA_VERIFY_TOKEN=v\n"
    "GREEN_TOKEN=t\nGREEN_HOOK_TOKEN=h\nIG_TOKEN=t\nIG_SECRET=s\nIG_VERIFY_TOKEN=v\n"
)


def bundle_with(tmp_path: Path, section: str) -> Path:
    folder = copy_template(tmp_path, "salon", "channels:\n" + section)
    (folder / ".env").write_text(ENV, encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", list(SECTIONS), ids=list(SECTIONS))
def test_section_loads_and_builds_channel(tmp_path: Path, case: str) -> None:
    section, channel_type = SECTIONS[case]
    registry = ComponentRegistry(create_plugin_manager())

    bundle = load_bundle(bundle_with(tmp_path, section), registry=registry)

    name = case.split("-")[0]
    choice = bundle.channel(name)
    assert choice is not None
    spec = registry.get("channel", name)
    channel = spec.factory(ComponentContext(name, choice.config, bundle, None))
    assert isinstance(channel, channel_type)
    assert spec.location == "local"


def test_default_api_urls_are_the_real_providers(tmp_path: Path) -> None:
    section = SECTIONS["telegram"][0] + SECTIONS["instagram"][0]

    bundle = load_bundle(bundle_with(tmp_path, section))

    telegram, instagram = bundle.channel("telegram"), bundle.channel("instagram")
    assert telegram is not None
    assert instagram is not None
    assert telegram.config["api_url"] == "https://api.telegram.org"
    assert instagram.config["api_url"] == "https://graph.facebook.com"


def test_token_written_in_clear_is_rejected(tmp_path: Path) -> None:
    section = (
        "  telegram:\n    bot_token: 123456:ABC-pasted-token\n    webhook_secret: ${TG_SECRET}\n"
    )

    with pytest.raises(ConfigErrors) as caught:
        load_bundle(bundle_with(tmp_path, section))

    assert "bot_token" in str(caught.value)
    assert "ABC-pasted-token" not in str(caught.value)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    section = SECTIONS["telegram"][0] + "    webhook_url: https://example.org\n"

    with pytest.raises(ConfigErrors) as caught:
        load_bundle(bundle_with(tmp_path, section))

    assert "webhook_url" in str(caught.value)


def test_unknown_transport_is_rejected(tmp_path: Path) -> None:
    section = SECTIONS["whatsapp-cloud"][0] + "    transport: twilio\n"

    with pytest.raises(ConfigErrors) as caught:
        load_bundle(bundle_with(tmp_path, section))

    assert "transport" in str(caught.value)
