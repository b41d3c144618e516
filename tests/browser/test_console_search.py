"""Finding a case in the console: a coordinator searches a word, opens the case it is in,
and from the reporter's panel sees (and opens) the same resident's other case; a merge
that would leave two open cases in one inbox is refused in our words. Around it: the
resident's rating shows in the case details, and the notification settings are kept
per agent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import demo_hub, login

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
ROAD = "Trotoar di depan Gereja Maranatha ambles setelah hujan deras"
BIN = "Tempat sampah di trotoar Pantai Losari penuh sejak Senin"
NEIGHBOUR = "Lampu penerangan jalan di Batu Meja padam"


def seed_cases(database: Path) -> None:
    """One resident (Siti) with a PUPR case and a resolved, rated DLH case; another
    resident (Rudi) with an open PUPR case."""
    from sqlalchemy import create_engine, update

    from hub.directory import load_directory
    from hub.ingest import accept_inbound
    from hub.models import Inbound, Sender
    from hub.store import schema as s

    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        directory = load_directory(conn)
        siti = Sender("search-siti", name="Siti Rahma")
        rudi = Sender("search-rudi", name="Rudi Hartono")
        for key, sender, text in (
            ("web-pupr", siti, ROAD),
            ("web-dlh", siti, BIN),
            ("web-pupr", rudi, NEIGHBOUR),
        ):
            inbox = directory.inbox_by_key(key)
            assert inbox is not None
            done = accept_inbound(conn, directory, inbox, Inbound(sender, text=text))
            if text == BIN:
                c = s.conversation.c
                conn.execute(
                    update(s.conversation)
                    .where(c.id == done.conversation["id"])
                    .values(status="resolved", csat=4, csat_comment="Cepat ditangani, terima kasih")
                )
    engine.dispose()


@pytest.fixture(scope="module")
def search_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_hub(tmp_path_factory.mktemp("search-hub"), seed_cases) as url:
        yield url


async def coordinator(browser: Any, url: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport=WIDE)
    page = await context.new_page()
    await login(page, url, "admin@kanal.local")
    return context, page


async def test_search_opens_the_case_and_the_reporter_panel_lists_their_cases(
    search_hub: str, browser: Any
) -> None:
    context, page = await coordinator(browser, search_hub)
    box = page.locator("[data-testid=search-input]")
    results = page.locator("[data-testid=search-result]")

    await box.fill("trotoar")
    await expect(results).to_have_count(2)
    await expect(page.locator("[data-testid=conversation-item]")).to_have_count(0)
    road = results.filter(has_text="Siti Rahma").filter(has_text="Pekerjaan Umum")
    await expect(road.locator("mark")).to_have_text("Trotoar", ignore_case=True)
    await expect(road.locator("[data-status]")).to_have_attribute("data-status", "open")
    road_code = await road.get_attribute("data-tracking-code")

    await road.click()
    thread = page.locator("[data-testid=thread]")
    await expect(thread).to_contain_text(ROAD)

    # The reporter's panel: both of Siti's cases, the other one opens from there.
    link = page.locator("[data-testid=contact-link]")
    await expect(link).to_have_text("Siti Rahma")
    await link.click()
    panel = page.locator("[data-testid=contact-panel]")
    await expect(panel).to_be_visible()
    cases = panel.locator("[data-testid=contact-case]")
    await expect(cases).to_have_count(2)
    await expect(cases.filter(has_text=road_code or "")).to_have_count(1)
    other = cases.filter(has_text="Lingkungan Hidup")
    await expect(other.locator("[data-status]")).to_have_attribute("data-status", "resolved")
    await other.click()
    await expect(panel).to_have_count(0)
    await expect(thread).to_contain_text(BIN)

    # The resolved case carries the resident's rating.
    csat = page.locator("[data-testid=csat]")
    await expect(csat).to_contain_text("Penilaian warga: ★★★★☆ (4/5)")
    await expect(csat).to_contain_text("Cepat ditangani")

    # Esc leaves the search: the queue is back.
    await box.press("Escape")
    await expect(box).to_have_value("")
    await expect(results).to_have_count(0)
    await expect(page.locator("[data-testid=queue-tab-all]")).to_be_visible()
    await context.close()


async def test_a_merge_that_would_clash_is_refused_in_our_words(
    search_hub: str, browser: Any
) -> None:
    context, page = await coordinator(browser, search_hub)
    box = page.locator("[data-testid=search-input]")
    await box.fill("Batu Meja")
    await page.locator("[data-testid=search-result]").filter(has_text="Rudi Hartono").click()
    link = page.locator("[data-testid=contact-link]")
    await expect(link).to_have_text("Rudi Hartono")
    rudi = await link.get_attribute("data-contact-id")

    await box.fill("Maranatha")
    await page.locator("[data-testid=search-result]").filter(has_text="Siti Rahma").click()
    await expect(link).to_have_text("Siti Rahma")
    await link.click()
    panel = page.locator("[data-testid=contact-panel]")
    await panel.locator("[data-testid=contact-merge]").click()
    await panel.locator("[data-testid=contact-merge-into]").fill(rudi or "")
    page.once("dialog", lambda dialog: dialog.accept())
    await panel.locator("[data-testid=contact-merge-submit]").click()
    error = panel.locator("[data-testid=contact-merge-error]")
    await expect(error).to_have_attribute("data-code", "conflict")
    await expect(error).to_contain_text("kasus terbuka di kotak masuk yang sama")
    await expect(panel.locator("[data-testid=contact-case]")).to_have_count(2)
    await context.close()


async def test_an_officer_sees_only_their_opd_s_cases_and_keeps_sound_settings(
    search_hub: str, browser: Any
) -> None:
    context = await browser.new_context(viewport=WIDE)
    page = await context.new_page()
    await login(page, search_hub, "pupr@kanal.local")

    await page.locator("[data-testid=search-input]").fill("trotoar")
    results = page.locator("[data-testid=search-result]")
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text("Siti Rahma")
    await results.click()
    await page.locator("[data-testid=contact-link]").click()
    panel = page.locator("[data-testid=contact-panel]")
    await expect(panel.locator("[data-testid=contact-case]")).to_have_count(1)
    await expect(panel.locator("[data-testid=contact-merge]")).to_have_count(0)
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)

    # Sound is on by default; turning it off is kept for this agent.
    await page.locator("[data-testid=notify-settings]").click()
    sound = page.locator("[data-testid=notify-sound]")
    await expect(sound).to_be_checked()
    await sound.uncheck()
    stored = await page.evaluate(
        "() => Object.entries(localStorage).filter(([k]) => k.startsWith('kanal.console.notify.'))"
    )
    assert len(stored) == 1
    assert json.loads(stored[0][1]) == {"sound": False, "browser": False}
    await page.reload()
    await page.locator("[data-testid=notify-settings]").click()
    await expect(page.locator("[data-testid=notify-sound]")).not_to_be_checked()
    await expect(page.locator("[data-testid=notify-browser]")).not_to_be_checked()
    await context.close()
