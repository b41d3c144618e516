"""The admin console in a real browser: the coordinator adds an agent, who then signs in
with the password shown once, and adds a widget inbox whose embed works at once."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import login

pytestmark = __import__("pytest").mark.browser


async def test_an_admin_adds_an_agent_who_signs_in(hub_url: str, browser: Any) -> None:
    admin_ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await admin_ctx.new_page()
    await login(page, hub_url, "admin@kanal.local")
    await page.locator("[data-testid=admin-link]").click()
    await expect(page).to_have_url(re.compile(r"/console/admin/opd$"))
    opds = page.locator("[data-testid=opd-row]")
    await expect(opds.filter(has_text="Dinas Lingkungan Hidup")).to_be_visible()
    coordinator = page.locator("[data-testid=opd-row][data-slug=diskominfo]")
    await expect(coordinator).to_contain_text("Koordinator")

    await page.locator("[data-testid=admin-tab-agents]").click()
    await expect(page).to_have_url(re.compile(r"/console/admin/agents$"))
    await page.locator("[data-testid=agent-email]").fill("Yulia@DLH.kota.go.id")
    await page.locator("[data-testid=agent-name-input]").fill("Yulia Pattiasina")
    await page.locator("[data-testid=agent-role]").select_option("agent")
    await page.locator("[data-testid=agent-opd]").select_option(label="Dinas Lingkungan Hidup")
    await page.locator("[data-testid=agent-submit]").click()
    password = await page.locator("[data-testid=once-value]").input_value()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password), password
    row = page.locator("[data-testid=agent-row][data-email='yulia@dlh.kota.go.id']")
    await expect(row).to_contain_text("Dinas Lingkungan Hidup")
    await expect(row.locator("[data-testid=agent-status]")).to_have_text("Aktif")

    await page.reload()  # the tab survives a reload; the password is not shown again
    await expect(page.locator("[data-testid=agent-table]")).to_be_visible()
    await expect(page.locator("[data-testid=once-box]")).to_have_count(0)

    agent_ctx = await browser.new_context()
    yulia = await agent_ctx.new_page()
    await yulia.goto(f"{hub_url}/console")
    await yulia.locator("[data-testid=login-email]").fill("yulia@dlh.kota.go.id")
    await yulia.locator("[data-testid=login-password]").fill(password)
    await yulia.locator("[data-testid=login-submit]").click()
    await expect(yulia.locator("[data-testid=agent-name]")).to_have_text("Yulia Pattiasina")
    await expect(yulia.locator("[data-testid=admin-link]")).to_have_count(0)  # not an admin
    await agent_ctx.close()
    await admin_ctx.close()


async def test_an_admin_adds_a_widget_inbox_and_gets_its_embed(hub_url: str, browser: Any) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, hub_url, "admin@kanal.local")
    await page.goto(f"{hub_url}/console/admin/inboxes")
    await expect(page.locator("[data-testid=inbox-row][data-key=web-pupr]")).to_be_visible()

    await page.locator("[data-testid=inbox-kind]").select_option("widget")
    await page.locator("[data-testid=inbox-key]").fill("web-dishub-parkir")
    await page.locator("[data-testid=inbox-name]").fill("Situs Layanan Parkir")
    await page.locator("[data-testid=inbox-opd]").select_option(label="Dinas Perhubungan")
    await page.locator("[data-testid=inbox-submit]").click()
    created = page.locator("[data-testid=inbox-created]")
    await expect(created).to_contain_text("Situs Layanan Parkir")
    embed = await created.locator("[data-testid=inbox-created-embed]").input_value()
    assert 'data-inbox="web-dishub-parkir"' in embed and "/widget.js" in embed
    row = page.locator("[data-testid=inbox-row][data-key=web-dishub-parkir]")
    await expect(row).to_contain_text("Dinas Perhubungan")

    # The hub knows the new inbox without a restart: its widget frame is served.
    frame = await page.request.get(f"{hub_url}/widget/frame?inbox=web-dishub-parkir")
    assert frame.status == 200

    await page.locator("[data-testid=inbox-key]").fill("web-dishub-parkir")
    await page.locator("[data-testid=inbox-name]").fill("Lagi")
    await page.locator("[data-testid=inbox-submit]").click()
    await expect(page.locator("[data-testid=admin-error]")).to_have_attribute(
        "data-code", "duplicate"
    )

    await page.locator("[data-testid=admin-back]").click()
    await expect(page.locator("[data-testid=conversation-item]").first).to_be_visible()
    await ctx.close()
