"""A resident's case from start to rating in a real browser: they write in the widget, an
officer resolves the case, the widget asks how satisfied they are, and the case's public
tracking page (linked from the widget) shows it resolved, with the officer's follow-up."""

from __future__ import annotations

from typing import Any

import aiohttp
from playwright.async_api import expect

from tests.browser.test_widget_console import open_widget

pytestmark = __import__("pytest").mark.browser
FOLLOW_UP = "Saluran sudah dibersihkan oleh tim kami pagi ini."


async def resolve(url: str, code: str) -> None:
    """The PUPR officer resolves the case through the REST API, with a follow-up."""
    jar = aiohttp.CookieJar(unsafe=True)
    # A browser sends its Origin with every POST; the hub refuses cookie posts without one.
    async with aiohttp.ClientSession(cookie_jar=jar, headers={"Origin": url}) as http:
        login = {"email": "pupr@kanal.local", "password": "kanal-demo"}
        assert (await http.post(f"{url}/api/v1/auth/login", json=login)).status == 200
        listed = await (await http.get(f"{url}/api/v1/conversations?limit=200")).json()
        [case] = [c for c in listed["items"] if c["tracking_code"] == code]
        done = await http.post(
            f"{url}/api/v1/conversations/{case['id']}/status",
            json={"status": "resolved", "note": FOLLOW_UP},
        )
        assert done.status == 200, await done.text()


async def test_the_widget_asks_for_a_rating_and_links_to_the_tracking_page(
    hub_url: str, browser: Any
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    widget = await open_widget(page, f"{hub_url}/?opd=pupr")
    await widget.locator("[data-testid=composer-input]").fill("Saluran air depan rumah mampet")
    await widget.locator("[data-testid=send-button]").click()
    code_shown = widget.locator("[data-testid=tracking-code]")
    await expect(code_shown).to_contain_text("KNL-")
    code = (await code_shown.inner_text()).strip()

    await resolve(hub_url, code)
    rating = widget.locator("[data-testid=rating]")
    await expect(rating).to_be_visible()
    await expect(widget.locator("[data-testid=rating-submit]")).to_be_disabled()
    await widget.locator("[data-testid=rating-4]").click()
    await expect(widget.locator("[data-testid=rating-4]")).to_have_attribute("aria-pressed", "true")
    await widget.locator("[data-testid=rating-comment]").fill("Cepat ditangani")
    await widget.locator("[data-testid=rating-submit]").click()
    await expect(widget.locator("[data-testid=rating-thanks]")).to_contain_text("4 dari 5")

    async with context.expect_page() as opened:
        await widget.locator("[data-testid=track-link]").click()
    tracking = await opened.value
    await tracking.wait_for_load_state()
    assert f"/lacak?kode={code}" in tracking.url
    await expect(tracking.locator("[data-testid=status]")).to_have_text("Selesai")
    await expect(tracking.locator("[data-testid=opd]")).to_have_text(
        "Dinas Pekerjaan Umum dan Penataan Ruang"
    )
    await expect(tracking.locator("[data-testid=reply]").last).to_have_text(FOLLOW_UP)
    timeline = tracking.locator("[data-testid=timeline]")
    await expect(timeline).not_to_contain_text("Saluran air depan rumah mampet")
    width = await tracking.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the page fits a phone's width"

    await tracking.locator("[data-testid=lang-switch]").click()
    await expect(tracking.locator("[data-testid=status]")).to_have_text("Resolved")
    await context.close()


async def test_ending_the_session_on_a_shared_computer_leaves_nothing_for_the_next_person(
    hub_url: str, browser: Any
) -> None:
    """A kiosk at the Mal Pelayanan Publik: the resident ends the session; a reload (the
    next person) finds an empty widget. (The server's refusal of the old token:
    tests/channels/widget/test_namespace.py.)"""
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    widget = await open_widget(page, f"{hub_url}/?opd=pupr")
    await widget.locator("[data-testid=composer-input]").fill("Mohon info syarat KTP-el")
    await widget.locator("[data-testid=send-button]").click()
    await expect(widget.locator("[data-testid=tracking-code]")).to_contain_text("KNL-")
    page.once("dialog", lambda dialog: dialog.accept())
    await widget.locator("[data-testid=forget]").click()
    await expect(widget.locator("[data-testid=tracking-code]")).to_have_count(0)
    await expect(widget.locator("text=Mohon info syarat KTP-el")).to_have_count(0)

    await page.reload()
    widget = await open_widget(page, f"{hub_url}/?opd=pupr")
    await expect(widget.locator("[data-testid=composer-input]")).to_be_visible()
    await expect(widget.locator("[data-testid=tracking-code]")).to_have_count(0)
    await expect(widget.locator("text=Mohon info syarat KTP-el")).to_have_count(0)
    await context.close()
