"""The web chat in headless Chromium: consent, a booking, and the lead it leaves."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from leadgate.config.settings import Settings
from leadgate.core.app import create_app
from leadgate.core.store.tables import ConsentRecord, Lead

from harness import REPO, WEDNESDAY_MORNING, copy_template
from livesrv import serve

CHROMIUM = os.environ.get("LEADGATE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"Chromium not found at {CHROMIUM}"),
]

# Chromium must not try to reach Google's hosts from this test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]


def _bot_bubbles(page) -> int:  # type: ignore[no-untyped-def]
    return page.locator(".msg.bot").count()


def _say(page, text: str) -> None:  # type: ignore[no-untyped-def]
    before = _bot_bubbles(page)
    page.fill("#text", text)
    page.click("#send")
    page.locator(".msg.bot").nth(before).wait_for(timeout=15_000)


def _press(page, label: str) -> None:  # type: ignore[no-untyped-def]
    before = _bot_bubbles(page)
    page.locator(".msg.bot").last.get_by_role("button", name=label).first.click()
    page.locator(".msg.bot").nth(before).wait_for(timeout=15_000)


def test_webchat_booking_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    bundle = copy_template(tmp_path)
    settings = Settings(data_dir=bundle / "data", database_url=None)
    app = create_app(bundle, settings=settings, clock=lambda: WEDNESDAY_MORNING)
    ARTIFACTS.mkdir(exist_ok=True)

    with serve(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{url}/chat")
        assert page.locator("html").get_attribute("lang") == "ru"

        _say(page, "Здравствуйте, хочу записаться на маникюр")
        page.locator(".msg.bot", has_text="Согласен").last.wait_for()
        _press(page, "Согласен")
        _say(page, "завтра в 18:30")
        _say(page, "Анна")
        _say(page, "8 913 000-00-01")
        page.locator(".msg.bot").last.get_by_role("button").first.wait_for()
        _press(page, page.locator(".msg.bot").last.get_by_role("button").first.inner_text())
        page.screenshot(path=str(ARTIFACTS / "webchat-booking.png"), full_page=True)
        final_text = page.locator(".msg.bot").last.inner_text()
        cookie = next(c for c in page.context.cookies() if c["name"] == "leadgate_chat")
        browser.close()

    assert "18:30" in final_text
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    runtime = app.state.runtime
    with runtime.services.database.session() as session:
        leads = session.exec(select(Lead)).all()
        consents = session.exec(select(ConsentRecord)).all()
    assert len(leads) == 1
    fields = runtime.services.keyring.decrypt_json(leads[0].fields_enc, context="leads.fields_enc")
    assert fields["phone"] == "+79130000001"
    assert fields["name"] == "Анна"
    assert [record.decision for record in consents] == ["accepted"]
    ip = runtime.services.keyring.decrypt(consents[0].ip_enc, context="consent_records.ip_enc")
    assert ip == "127.0.0.1"
    assert consents[0].user_agent_enc is not None
