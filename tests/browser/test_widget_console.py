"""The spine in a real browser: a resident writes in the widget on the demo OPD site, an
agent sees it live in the console and replies, the resident sees the reply, reloads, and
still sees the whole conversation."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import login

pytestmark = __import__("pytest").mark.browser
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


async def open_widget(page: Any, url: str) -> Any:
    await page.goto(url)
    frame = page.frame_locator("#kanal-widget-frame")
    await frame.locator("[data-testid=kanal-launcher]").click()
    await expect(frame.locator("[data-testid=composer-input]")).to_be_visible()
    return frame


async def test_resident_and_agent_talk_live_and_history_survives_reload(
    hub_url: str, browser: Any
) -> None:
    resident_ctx = await browser.new_context(viewport={"width": 360, "height": 740})
    agent_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    resident, officer = await resident_ctx.new_page(), await agent_ctx.new_page()

    await login(officer, hub_url, "pupr@kanal.local")
    widget = await open_widget(resident, f"{hub_url}/?opd=pupr")

    question = "Jalan di depan pasar Sukamaju berlubang, mohon diperbaiki"
    await widget.locator("[data-testid=composer-input]").fill(question)
    await widget.locator("[data-testid=send-button]").click()
    mine = widget.locator("[data-testid=message][data-direction=in]").filter(has_text=question)
    await expect(mine).to_have_attribute("data-seq", "1")
    await expect(widget.locator("[data-testid=tracking-code]")).to_contain_text("KNL-")
    code = (await widget.locator("[data-testid=tracking-code]").inner_text()).split("KNL-")[1][:6]

    item = officer.locator(f"[data-testid=conversation-item][data-tracking-code='KNL-{code}']")
    await expect(item).to_be_visible()
    await expect(item.locator("[data-testid=conversation-preview]")).to_contain_text("Sukamaju")
    await item.click()
    thread = officer.locator("[data-testid=thread]")
    await expect(thread.locator("[data-testid=message][data-direction=in]")).to_contain_text(
        question
    )

    await officer.locator("[data-testid=reply-input]").fill(
        "Terima kasih, tim kami akan ke lokasi hari ini."
    )
    await officer.locator("[data-testid=reply-send]").click()
    await expect(thread.locator("[data-testid=message][data-seq='2']")).to_be_visible()

    reply = widget.locator("[data-testid=message][data-direction=out]")
    await expect(reply).to_contain_text("tim kami akan ke lokasi")

    await resident.reload()
    widget = resident.frame_locator("#kanal-widget-frame")
    launcher = widget.locator("[data-testid=kanal-launcher]")
    if await launcher.is_visible():
        await launcher.click()
    messages = widget.locator("[data-testid=message]")
    await expect(messages).to_have_count(2)
    await expect(messages.nth(0)).to_contain_text(question)
    await expect(messages.nth(1)).to_contain_text("tim kami akan ke lokasi")
    await resident_ctx.close()
    await agent_ctx.close()


async def test_markup_in_messages_shows_literally_and_never_runs(
    hub_url: str, browser: Any
) -> None:
    resident_ctx = await browser.new_context()
    agent_ctx = await browser.new_context()
    resident, officer = await resident_ctx.new_page(), await agent_ctx.new_page()
    await login(officer, hub_url, "dlh@kanal.local")
    widget = await open_widget(resident, f"{hub_url}/?opd=dlh")
    await widget.locator("[data-testid=composer-input]").fill(HOSTILE)
    await widget.locator("[data-testid=send-button]").click()
    await expect(widget.locator("[data-testid=message-text]").last).to_have_text(HOSTILE)

    item = officer.locator("[data-testid=conversation-item]").filter(has_text="img src")
    await item.first.click()
    shown = officer.locator("[data-testid=thread] [data-testid=message-text]").filter(
        has_text="onerror"
    )
    await expect(shown).to_have_text(HOSTILE)
    for frame in [*officer.frames, *resident.frames]:  # the page and the widget's iframe
        assert await frame.evaluate("window.__pwned") is None, frame.url
    await resident_ctx.close()
    await agent_ctx.close()


async def test_an_officer_cuts_off_a_residents_device_and_its_widget_starts_afresh(
    hub_url: str, browser: Any
) -> None:
    resident_ctx = await browser.new_context(viewport={"width": 360, "height": 740})
    agent_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    resident, officer = await resident_ctx.new_page(), await agent_ctx.new_page()
    await login(officer, hub_url, "pupr@kanal.local")
    widget = await open_widget(resident, f"{hub_url}/?opd=pupr")
    await widget.locator("[data-testid=composer-input]").fill("Tautan obrolan saya tersebar")
    await widget.locator("[data-testid=send-button]").click()
    await expect(widget.locator("[data-testid=tracking-code]")).to_contain_text("KNL-")
    code = (await widget.locator("[data-testid=tracking-code]").inner_text()).split("KNL-")[1][:6]

    item = officer.locator(f"[data-testid=conversation-item][data-tracking-code='KNL-{code}']")
    await item.click()
    toggle = officer.locator("[data-testid=details-toggle]")
    await expect(toggle).to_be_visible()
    if await toggle.get_attribute("aria-pressed") != "true":
        await toggle.click()
    officer.once("dialog", lambda dialog: dialog.accept())
    await officer.locator("[data-testid=details-cut-off]").click()
    await expect(officer.locator("[data-testid=case-details]")).to_contain_text(
        "Perangkat warga telah diputus"
    )
    await expect(widget.locator("[data-testid=tracking-code]")).to_have_count(0)
    await expect(widget.locator("text=Tautan obrolan saya tersebar")).to_have_count(0)
    await resident_ctx.close()
    await agent_ctx.close()
