"""Deadlines in a real browser: a DLH case that nobody answered within its 1x24 hours shows
"Lewat tenggat" in the list and its due times in the details, and the officer is told at
once (a toast naming the case); the coordinator sets a 1x24 policy for PUPR in the admin
console's SLA tab, and sees that PUPR follows the city's office hours."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import expect

from tests.browser.conftest import demo_hub, login

pytestmark = pytest.mark.browser

CITY = ZoneInfo("Asia/Jakarta")
PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"
CATEGORY = "Limbah cair"
WIDE = {"width": 1280, "height": 800}
DAYS = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


@pytest.fixture(scope="module")
def sla_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A demo hub of its own (these tests change policies and case times) that checks
    deadlines twice a second; its URL and database file."""
    folder = tmp_path_factory.mktemp("sla-hub")
    with demo_hub(folder, lambda _: None, KANAL_SLA__CHECK_SECONDS="0.5") as url:
        yield url, folder / "data" / "kanal.db"


@asynccontextmanager
async def coordinator(url: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": url}
    ) as http:
        login_data = {"email": "admin@kanal.local", "password": "kanal-demo"}
        assert (await http.post(f"{url}/api/v1/auth/login", json=login_data)).status == 200
        yield http


def arrived_hours_ago(database: Path, case_id: int, hours: int) -> None:
    """Move the case's arrival back, as if it had waited that long (stored as the hub
    stores times in SQLite: UTC text)."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    text = moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    with sqlite3.connect(database, timeout=10) as db:
        db.execute("UPDATE conversation SET created_at = ? WHERE id = ?", (text, case_id))
    db.close()


def shown(iso: str) -> str:
    """A due time as the console shows it in Indonesian: "Sel 30 Des 16.00"."""
    at = datetime.fromisoformat(iso).astimezone(CITY)
    year = "" if at.year == datetime.now(CITY).year else f" {at.year}"
    return f"{DAYS[at.weekday()]} {at.day} {MONTHS[at.month - 1]}{year} {at:%H.%M}"


async def test_a_missed_answer_deadline_shows_in_the_list_the_details_and_a_live_alert(
    sla_hub: tuple[str, Path], browser: Any
) -> None:
    url, database = sla_hub
    context = await browser.new_context(viewport=WIDE, timezone_id="Asia/Jakarta")
    page = await context.new_page()
    await login(page, url, "dlh@kanal.local")
    await expect(page.locator("[data-testid=connection-status]")).to_have_attribute(
        "data-state", "connected"
    )
    item = page.locator("[data-testid=conversation-item]").filter(has_text="Pak Joko")
    badge = item.locator("[data-testid=sla-badge]")
    await expect(item).to_be_visible()
    await expect(badge).to_have_count(0)  # arrived just now, 5 working days to answer
    case_id = int(await item.get_attribute("data-conversation-id") or 0)
    code = await item.get_attribute("data-tracking-code")

    # 1x24 for DLH's cases of a category only this case will have: the demo's past cases
    # keep their deadlines, so the only alerts now are this case's.
    async with coordinator(url) as http:
        opds = (await (await http.get(f"{url}/api/v1/admin/opds")).json())["items"]
        [dlh] = [o["id"] for o in opds if o["slug"] == "dlh"]
        category = {"name": CATEGORY, "opd_id": dlh, "needs_after_photo": False}
        created = await http.post(f"{url}/api/v1/categories", json=category)
        assert created.status == 201, await created.text()
        policy = {"opd": "dlh", "category": CATEGORY, "preset": "1x24"}
        answer = await http.put(f"{url}/api/v1/admin/sla-policies", json=policy)
        assert answer.status == 200, await answer.text()
        arrived_hours_ago(database, case_id, 30)
        # A change to the case makes the hub work its deadlines out again.
        patched = await http.patch(
            f"{url}/api/v1/conversations/{case_id}", json={"category": CATEGORY}
        )
        assert patched.status == 200, await patched.text()

    await expect(badge).to_have_text("Lewat tenggat")
    await expect(badge).to_have_attribute("data-kind", "response")
    toast = page.locator("[data-testid=toast][data-code=sla]")
    await expect(toast).to_contain_text(f"Kasus {code} lewat tenggat tanggapan")
    await expect(toast).to_have_attribute("data-level", "breach")
    await expect(toast).to_have_attribute("data-conversation-id", str(case_id))

    await toast.locator("[data-testid=toast-open]").click()
    details = page.locator("[data-testid=case-details]")
    sla = (await (await page.request.get(f"{url}/api/v1/conversations/{case_id}")).json())["sla"]
    response = details.locator("[data-testid=sla-due-response]")
    await expect(response).to_contain_text(
        f"Tanggapan paling lambat {shown(sla['response_due_at'])}"
    )
    await expect(response).to_have_attribute("data-state", "breach")
    await expect(response.locator("[data-testid=sla-state]")).to_have_text("Lewat tenggat")
    resolution = details.locator("[data-testid=sla-due-resolution]")
    await expect(resolution).to_contain_text(
        f"Tindak lanjut paling lambat {shown(sla['resolution_due_at'])}"
    )
    header_badge = page.locator("[data-testid=thread] [data-testid=sla-badge]")
    await expect(header_badge).to_have_text("Lewat tenggat")
    await context.close()


async def test_the_coordinator_sets_a_1x24_policy_for_pupr(
    sla_hub: tuple[str, Path], browser: Any
) -> None:
    url, _ = sla_hub
    context = await browser.new_context(viewport=WIDE)
    page = await context.new_page()
    await login(page, url, "admin@kanal.local")
    await page.goto(f"{url}/console/admin/sla")
    await expect(page.locator("[data-testid=sla-default]")).to_have_attribute(
        "data-preset", "lapor"
    )
    await page.locator("[data-testid=sla-opd]").select_option(label=PUPR)
    await page.locator("[data-testid=sla-rule]").select_option("1x24")
    await page.locator("[data-testid=sla-submit]").click()
    row = page.locator("[data-testid=sla-policy-row][data-opd=pupr]")
    await expect(row).to_have_attribute("data-preset", "1x24")
    await expect(row).to_contain_text("1×24 jam")
    await expect(row).to_contain_text(PUPR)

    listed = await (await page.request.get(f"{url}/api/v1/admin/sla-policies")).json()
    [pupr] = [p for p in listed["items"] if p["opd"] == "pupr"]
    assert (pupr["category"], pupr["preset"]) == (None, "1x24")
    assert pupr["resolution"] == {"amount": 24, "unit": "hours"}

    await page.locator("[data-testid=admin-tab-hours]").click()
    await page.locator("[data-testid=hours-opd]").select_option(label=PUPR)
    note = page.locator("[data-testid=hours-scope-note]")
    await expect(note).to_have_attribute("data-own", "false")
    await expect(note).to_contain_text("mengikuti jam Pemda")
    await context.close()
