"""The dashboard in a real browser: residents write on the OPD sites and officers answer;
PUPR's supervisor sees only PUPR, with exactly the report API's numbers; the coordinator
sees every OPD, keeps the filters in the link, and watches the wallboard count a new case
without reloading; an officer gets no dashboard."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from playwright.async_api import expect

from tests.browser.conftest import demo_hub, login
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"
DEMO_OPDS = [
    PUPR,
    "Dinas Lingkungan Hidup",
    "Dinas Perhubungan",
    "Dinas Kependudukan dan Pencatatan Sipil",
]
SCREEN = {"width": 1366, "height": 768}
FIGURES = [
    "cases",
    "first_response_median_s",
    "first_response_p90_s",
    "resolution_median_s",
    "within_sla_pct",
    "csat_avg",
]


@pytest.fixture(scope="module")
def dashboard_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo hub of its own, so no other test's cases move the numbers under these."""
    folder = tmp_path_factory.mktemp("dashboard-hub")
    with demo_hub(folder, lambda _: None) as url:
        yield url


@asynccontextmanager
async def signed_in(url: str, email: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": url}
    ) as http:
        login_data = {"email": email, "password": "kanal-demo"}
        assert (await http.post(f"{url}/api/v1/auth/login", json=login_data)).status == 200
        yield http


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


async def resident_writes(sockets: Any, url: str, inbox: str, text: str) -> int:
    """A new resident writes on an OPD's site (the widget channel); the new case's id."""
    client = await sockets(url, "/widget", auth={"inbox": inbox, "token": None})
    await wait_for(client, "session")
    ack = await client.call("send", {"client_id": "c1", "text": text}, namespace="/widget")
    assert ack["ok"], ack
    return int(ack["conversation"]["id"])


async def officer_replies(url: str, email: str, case_id: int) -> None:
    async with signed_in(url, email) as http:
        body = {"text": "Terima kasih, segera kami tindak lanjuti.", "private": False}
        body["client_id"] = f"reply-{case_id}"
        sent = await http.post(f"{url}/api/v1/conversations/{case_id}/messages", json=body)
        assert sent.status == 201, await sent.text()


def by_name(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next((i for i in report["items"] if i["label"] == name), {"cases": 0, "responded": 0})


async def seeded_and_counted(url: str, sockets: Any) -> None:
    """Two new PUPR cases (one answered) and an answered DLH case, counted in the report
    once the hub's SLA keeper has caught up (it works in the background)."""
    async with signed_in(url, "admin@kanal.local") as admin:
        report_url = f"{url}/api/v1/reports/response-times?group=opd"
        before = by_name(await get(admin, report_url), PUPR)
        pupr = [
            await resident_writes(sockets, url, "web-pupr", "Jalan di Batu Merah berlubang"),
            await resident_writes(sockets, url, "web-pupr", "Drainase di Passo tersumbat"),
        ]
        dlh = await resident_writes(sockets, url, "web-dlh", "Sampah di Pasar Mardika menumpuk")
        await officer_replies(url, "pupr@kanal.local", pupr[0])
        await officer_replies(url, "dlh@kanal.local", dlh)
        for _ in range(100):
            now = by_name(await get(admin, report_url), PUPR)
            if (now["cases"], now["responded"]) == (before["cases"] + 2, before["responded"] + 1):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the report did not count the new cases: {before} -> {now}")


def office_time(seconds: int) -> str:
    """A duration of office time as the Indonesian dashboard shows it: "2 j 14 m"."""
    if 0 < seconds < 30:
        return "< 1 m"
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours and minutes:
        return f"{hours} j {minutes} m"
    return f"{hours} j" if hours else f"{minutes} m"


def value_of(cell: str | None) -> float | None:
    return float(cell) if cell else None


async def api(page: Any, url: str, path: str) -> Any:
    """What the report API tells the signed-in agent of this page."""
    answer = await page.request.get(f"{url}/api/v1{path}")
    assert answer.status == 200, await answer.text()
    return await answer.json()


async def shown_range(page: Any) -> str:
    """The range the dashboard shows, as report API parameters."""
    dashboard = page.locator("[data-testid=dashboard]")
    await expect(dashboard).to_have_attribute("data-from", re.compile(r"\d{4}-\d\d-\d\d"))
    start = await dashboard.get_attribute("data-from")
    end = await dashboard.get_attribute("data-to")
    return f"from={start}&to={end}"


async def test_a_supervisor_sees_their_opd_with_the_report_apis_numbers(
    dashboard_hub: str, browser: Any, sockets: Any
) -> None:
    url = dashboard_hub
    await seeded_and_counted(url, sockets)
    context = await browser.new_context(viewport=SCREEN)
    page = await context.new_page()
    await login(page, url, "kabid.pupr@kanal.local")
    await page.locator("[data-testid=dashboard-link]").click()
    await expect(page).to_have_url(re.compile(r"/console/dashboard$"))

    rows = page.locator("[data-testid=leaderboard-row]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(PUPR)
    await expect(page.locator("[data-testid=filter-own-opd]")).to_have_text(PUPR)
    await expect(page.locator("[data-testid=filter-opd]")).to_have_count(0)

    query = await shown_range(page)
    [item] = (await api(page, url, f"/reports/response-times?group=opd&{query}"))["items"]
    [backlog] = (await api(page, url, "/reports/backlog"))["items"]
    row = rows.first
    assert await row.get_attribute("data-key") == str(item["key"])
    for column in FIGURES:
        cell = await row.locator(f"[data-col={column}]").get_attribute("data-value")
        assert value_of(cell) == item[column], column
    await expect(row.locator("[data-col=cases]")).to_have_text(str(item["cases"]))
    first = row.locator("[data-col=first_response_median_s]")
    await expect(first).to_have_text(office_time(item["first_response_median_s"]))
    await expect(row.locator("[data-col=backlog]")).to_have_text(str(backlog["open"]))
    wallboard = page.locator("[data-testid=wallboard]")
    await expect(wallboard.locator("[data-testid=wallboard-total-open]")).to_have_text(
        str(backlog["open"])
    )

    by_agent = (await api(page, url, f"/reports/response-times?group=agent&{query}"))["items"]
    breakdown = page.locator("[data-testid=breakdown-agent] [data-testid=breakdown-row]")
    await expect(breakdown).to_have_count(len(by_agent))
    budi = breakdown.filter(has_text="Budi Santoso")
    [budis] = [i for i in by_agent if i["label"] == "Budi Santoso"]
    await expect(budi.locator("[data-col=cases]")).to_have_text(str(budis["cases"]))

    # The export link gives the same cases, one row each (with the session's cookie).
    href = await page.locator("[data-testid=export-csv]").get_attribute("href")
    exported = await page.request.get(f"{url}{href}")
    assert exported.ok
    lines = (await exported.text()).strip().splitlines()
    assert len(lines) - 1 == item["cases"]
    recap = await page.locator("[data-testid=recap-link]").get_attribute("href")
    assert (await page.request.get(f"{url}{recap}")).ok
    await context.close()


async def test_an_admin_sees_every_opd_and_the_wallboard_counts_a_new_case_live(
    dashboard_hub: str, browser: Any, sockets: Any
) -> None:
    url = dashboard_hub
    context = await browser.new_context(viewport=SCREEN)
    page = await context.new_page()
    await login(page, url, "admin@kanal.local")
    await page.goto(f"{url}/console/dashboard")

    rows = page.locator("[data-testid=leaderboard-row]")
    for name in DEMO_OPDS:
        await expect(rows.filter(has_text=name)).to_have_count(1)
    query = await shown_range(page)
    report = await api(page, url, f"/reports/response-times?group=opd&{query}")
    backlog = await api(page, url, "/reports/backlog")
    keys = {str(i["key"]) for i in report["items"]}
    keys |= {str(i["opd"]["id"]) for i in backlog["items"]}  # open now, none in the range
    assert {await row.get_attribute("data-key") for row in await rows.all()} == keys
    options = page.locator("[data-testid=filter-opd] option")
    await expect(options).to_have_count(6)  # "Semua OPD" and the demo city's five
    await expect(options.first).to_have_text("Semua OPD")

    # Filters live in the link: a reload (or a colleague opening it) shows the same view.
    await page.locator("[data-testid=range-7d]").click()
    await page.locator("[data-testid=clock-wall]").click()
    await expect(page).to_have_url(re.compile(r"/console/dashboard\?range=7d&clock=wall$"))
    await page.reload()
    await expect(page.locator("[data-testid=range-7d]")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("[data-testid=clock-wall]")).to_have_attribute("aria-pressed", "true")
    query = await shown_range(page)
    wall = await api(page, url, f"/reports/response-times?group=opd&clock=wall&{query}")
    for item in wall["items"]:
        row = page.locator(f"[data-testid=leaderboard-row][data-key='{item['key']}']")
        await expect(row.locator("[data-col=cases]")).to_have_text(str(item["cases"]))
        cell = row.locator("[data-col=first_response_median_s]")
        median = item["first_response_median_s"]
        await expect(cell).to_have_attribute("data-value", "" if median is None else str(median))

    # A resident writes to Dishub: the wallboard counts the case without a reload.
    total = page.locator("[data-testid=wallboard] [data-testid=wallboard-total-open]")
    await expect(total).to_have_text(re.compile(r"^\d+$"))
    before = int(await total.inner_text())
    await resident_writes(sockets, url, "web-dishub", "Lampu lalu lintas di Jalan Pattimura mati")
    await expect(total).to_have_text(str(before + 1), timeout=10_000)

    # The TV mode fills the screen with the same numbers, and Escape leaves it.
    await page.locator("[data-testid=wallboard-open]").click()
    tv = page.locator("[data-testid=wallboard-full]")
    await expect(tv.locator("[data-testid=wallboard-total-open]")).to_have_text(str(before + 1))
    await expect(page).to_have_url(re.compile(r"wallboard=1"))
    await page.keyboard.press("Escape")
    await expect(tv).to_have_count(0)
    await context.close()


async def test_an_officer_gets_no_dashboard(dashboard_hub: str, browser: Any) -> None:
    url = dashboard_hub
    context = await browser.new_context(viewport=SCREEN)
    page = await context.new_page()
    await login(page, url, "pupr@kanal.local")
    await expect(page.locator("[data-testid=dashboard-link]")).to_have_count(0)
    await page.goto(f"{url}/console/dashboard")
    refused = page.locator("[data-testid=dashboard-not-for-role]")
    await expect(refused).to_contain_text("bukan untuk peran Anda")
    await expect(page.locator("[data-testid=leaderboard]")).to_have_count(0)
    answer = await page.request.get(f"{url}/api/v1/reports/response-times")
    assert answer.status == 403
    await page.locator("[data-testid=dashboard-back]").click()
    await expect(page).to_have_url(re.compile(r"/console$"))
    await context.close()
