"""A WhatsApp case in the console, against a hub whose number talks to a fake Graph API:
past the 24-hour window only an approved template goes out (with the parameters the
agent filled in), a refused reply turns the composer to templates, a resident's quote and
reaction show on the thread, and an agent picks which shared place is the case's
location."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import demo_hub, login
from tests.channels.whatsapp.conftest import APP_SECRET
from tests.channels.whatsapp.fake_graph_api import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraphApi

pytestmark = pytest.mark.browser

RESIDENT = "Siti Rahayu"
WA_ID = "6281234567890"
TEMPLATE_BODY = (
    "Halo {{1}}, laporan {{2}} masih kami tindak lanjuti. Balas pesan ini bila ada kabar baru."
)
FIRST_PLACE = {"latitude": -3.695412, "longitude": 128.181466, "name": "SD Negeri 2 Batu Merah"}
SECOND_PLACE = {"latitude": -3.694873, "longitude": 128.182519, "name": "Tiang lampu nomor 14"}
#: How long ago the resident last wrote: past WhatsApp's 24 hours.
SILENT_FOR = timedelta(hours=26)


def osm(place: dict[str, Any]) -> str:
    lat, lon = place["latitude"], place["longitude"]
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


class GraphApiThread:
    """The fake Graph API on its own event loop, so it outlives each test's loop and
    answers the hub process while a test awaits the browser."""

    def __init__(self) -> None:
        self.api = FakeGraphApi()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeGraphApi:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.api.start(), self.loop).result(timeout=10)
        return self.api

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.api.close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def config(graph_url: str) -> str:
    return f"""
[[inboxes]]
key = "kota-wa"
kind = "whatsapp"
opd = "dlh"
name = "WhatsApp Kota"
phone_number_id = "{PHONE_NUMBER_ID}"
access_token = "{ACCESS_TOKEN}"
app_secret = "{APP_SECRET}"
verify_token = "kanal-verify-browser"
graph_base_url = "{graph_url}"
api_version = "v21.0"

[[inboxes.templates]]
name = "tindak_lanjut"
language = "id"
body = "{TEMPLATE_BODY}"
"""


def seed_whatsapp_case(database: Path, config_file: Path) -> datetime:
    """A DLH case from a WhatsApp resident who last wrote 26 hours ago: a report, a place
    (the case's location), a reply quoting the report, another place; and a 🙏 on the
    report. Stored as the adapter stores a webhook's items. Returns when the resident last
    wrote."""
    from sqlalchemy import create_engine, select, update

    from hub.config import load_settings
    from hub.directory import load_directory, sync_settings
    from hub.ingest import accept_inbound
    from hub.models import Inbound, Kind, Reaction, Sender, utcnow
    from hub.store import schema as s
    from hub.updates import apply_reaction

    resident = Sender(WA_ID, name=RESIDENT, phone=f"+{WA_ID}")

    def place(where: dict[str, Any]) -> dict[str, Any]:
        return {"source": "whatsapp", "kind": "location", **where}

    items = [
        Inbound(
            resident,
            "Lampu jalan di Jl. Sudirman mati sejak kemarin.\nDepan SD Negeri 2 gelap sekali.",
            external_id="wamid.report",
        ),
        Inbound(
            resident,
            f"Lokasi: {FIRST_PLACE['latitude']}, {FIRST_PLACE['longitude']}",
            Kind.LOCATION,
            external_id="wamid.place-1",
            attachments=(place(FIRST_PLACE),),
        ),
        Inbound(
            resident,
            "Iya pak, tiangnya yang nomor 14.",
            external_id="wamid.quote",
            reply_to="wamid.report",
        ),
        Inbound(
            resident,
            f"Lokasi: {SECOND_PLACE['latitude']}, {SECOND_PLACE['longitude']}",
            Kind.LOCATION,
            external_id="wamid.place-2",
            attachments=(place(SECOND_PLACE),),
        ),
    ]
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        sync_settings(conn, load_settings(config_file, env={}))
        directory = load_directory(conn)
        inbox = directory.inbox_by_key("kota-wa")
        assert inbox is not None
        conv_id = 0
        for item in items:
            conv_id = accept_inbound(conn, directory, inbox, item).conversation["id"]
        apply_reaction(conn, directory, inbox, Reaction(resident, "wamid.report", "🙏"))
        # Back-date the case: the resident wrote a day and two hours ago, a minute apart.
        last = utcnow() - SILENT_FOR
        m = s.message.c
        for seq in range(1, len(items) + 1):
            at = last - timedelta(minutes=len(items) - seq)
            conn.execute(
                update(s.message)
                .where(m.conversation_id == conv_id, m.seq == seq)
                .values(created_at=at)
            )
        conn.execute(
            update(s.conversation)
            .where(s.conversation.c.id == conv_id)
            .values(
                created_at=last - timedelta(minutes=len(items) - 1),
                last_message_at=last,
                last_inbound_at=last,
            )
        )
        stored = conn.execute(select(s.conversation.c.location)).scalars().all()
        assert any(loc and loc.get("title") == FIRST_PLACE["name"] for loc in stored)
    engine.dispose()
    return last


@dataclass
class WhatsAppHub:
    url: str
    graph: FakeGraphApi
    #: When the resident last wrote (UTC): the window closed 24 hours later.
    last_inbound_at: datetime


@pytest.fixture(scope="module")
def wa_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhatsAppHub]:
    """The demo city with the city's WhatsApp number (DLH's queue) on a fake Graph API."""
    folder = tmp_path_factory.mktemp("wa-hub")
    with GraphApiThread() as graph:
        config_file = folder / "kanal.toml"
        config_file.write_text(config(graph.base_url))
        seeded: list[datetime] = []

        def seed(database: Path) -> None:
            seeded.append(seed_whatsapp_case(database, config_file))

        with demo_hub(folder, seed, config=config_file) as url:
            yield WhatsAppHub(url, graph, seeded[0])


async def open_case(page: Any) -> Any:
    await page.locator("[data-testid=conversation-item]").filter(has_text=RESIDENT).click()
    thread = page.locator("[data-testid=thread]")
    await expect(thread.locator("[data-testid=message][data-direction=in]")).to_have_count(4)
    return thread


async def sent_templates(graph: FakeGraphApi, count: int) -> list[Any]:
    """The template messages the hub has sent to the Graph API, once there are `count`
    (or after ten seconds)."""
    deadline = time.monotonic() + 10
    while True:
        found = [body for body in graph.sent() if body.get("type") == "template"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_after_24_hours_the_agent_sends_a_template_with_parameters(
    wa_hub: WhatsAppHub, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, wa_hub.url, "dlh@kanal.local")
    thread = await open_case(page)
    code = await page.locator("[data-testid=tracking-code]").inner_text()

    await expect(page.locator("[data-testid=window-closed-notice]")).to_have_text(
        "Sudah lebih dari 24 jam sejak warga terakhir menulis. WhatsApp hanya mengizinkan "
        "templat yang disetujui sampai warga menulis lagi."
    )
    await expect(page.locator("[data-testid=reply-input]")).to_have_count(0)
    picker = page.locator("[data-testid=template-picker]")
    await expect(picker.locator("[data-testid=template-select]")).to_have_value("0")
    await expect(picker.locator("[data-testid=template-select] option")).to_have_text(
        ["tindak_lanjut (id)"]
    )
    params = picker.locator("[data-testid=template-param]")
    await expect(params).to_have_count(2)
    await expect(params.nth(0)).to_have_value(RESIDENT)
    await expect(params.nth(1)).to_have_value("")
    send = picker.locator("[data-testid=template-send]")
    await expect(send).to_be_disabled()
    await expect(picker.locator("[data-testid=template-preview]")).to_have_text(
        f"Halo {RESIDENT}, laporan {{{{2}}}} masih kami tindak lanjuti. "
        "Balas pesan ini bila ada kabar baru."
    )

    await params.nth(1).fill(code)
    rendered = (
        f"Halo {RESIDENT}, laporan {code} masih kami tindak lanjuti. "
        "Balas pesan ini bila ada kabar baru."
    )
    await expect(picker.locator("[data-testid=template-preview]")).to_have_text(rendered)
    await send.click()

    sent = thread.locator("[data-testid=message][data-direction=out][data-seq]")
    await expect(sent).to_have_count(1)
    await expect(sent.locator("[data-testid=template-label]")).to_have_text(
        "Templat: tindak_lanjut"
    )
    await expect(sent.locator("[data-testid=message-text]")).to_have_text(rendered)
    await expect(sent).to_have_attribute("data-status", "sent")
    # The picker starts over for the next one.
    await expect(params.nth(1)).to_have_value("")

    templates = await sent_templates(wa_hub.graph, 1)
    assert len(templates) == 1
    assert templates[0]["to"] == WA_ID
    assert templates[0]["template"] == {
        "name": "tindak_lanjut",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": RESIDENT}, {"type": "text", "text": code}],
            }
        ],
    }

    # Internal notes need no window.
    await page.locator("[data-testid=private-toggle]").check()
    await page.locator("[data-testid=reply-input]").fill("Sudah diteruskan ke UPT PJU.")
    await page.locator("[data-testid=reply-send]").click()
    note = thread.locator("[data-testid=message][data-private=true][data-seq]")
    await expect(note.locator("[data-testid=message-text]")).to_have_text(
        "Sudah diteruskan ke UPT PJU."
    )
    await ctx.close()


async def test_a_countdown_warns_of_the_window_and_a_refused_reply_turns_to_templates(
    wa_hub: WhatsAppHub, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    # This browser's clock says the window is still open for 1 h 20 m; the hub's says
    # it closed two hours ago (the hub decides).
    closes = wa_hub.last_inbound_at + timedelta(hours=24)
    await page.clock.install(time=(closes - timedelta(minutes=80, seconds=-20)).timestamp())
    await login(page, wa_hub.url, "dlh@kanal.local")
    thread = await open_case(page)

    await expect(page.locator("[data-testid=window-countdown]")).to_have_text(
        "Jendela balasan tertutup dalam 1 j 20 m"
    )
    await expect(page.locator("[data-testid=window-closed-notice]")).to_have_count(0)
    await page.locator("[data-testid=reply-input]").fill("Baik Bu, petugas kami cek besok pagi.")
    await page.locator("[data-testid=reply-send]").click()

    refused = thread.locator("[data-testid=message][data-direction=out]").filter(
        has_text="petugas kami cek"
    )
    await expect(refused).to_have_attribute("data-status", "failed")
    await expect(refused.locator("[data-testid=delivery-error]")).to_have_text(
        "Jendela balasan sudah tertutup: hanya templat yang disetujui yang dapat dikirim "
        "sampai warga menulis lagi."
    )
    await expect(page.locator("[data-testid=window-closed-notice]")).to_contain_text(
        "Sudah lebih dari 24 jam sejak warga terakhir menulis."
    )
    await expect(page.locator("[data-testid=template-picker]")).to_be_visible()
    await expect(page.locator("[data-testid=reply-input]")).to_have_count(0)
    await expect(page.locator("[data-testid=window-countdown]")).to_have_count(0)
    texts = [body for body in wa_hub.graph.sent() if body.get("type") == "text"]
    assert not any("petugas kami cek" in body["text"]["body"] for body in texts)
    await ctx.close()


async def test_a_quote_a_reaction_and_choosing_the_case_location(
    wa_hub: WhatsAppHub, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, wa_hub.url, "dlh@kanal.local")
    thread = await open_case(page)
    report, first_place, quoting, second_place = (
        thread.locator(f"[data-testid=message][data-seq='{seq}']") for seq in (1, 2, 3, 4)
    )

    await expect(report.locator("[data-testid=reactions]")).to_have_text("🙏")
    quote = quoting.locator("[data-testid=quoted]")
    await expect(quote).to_contain_text(RESIDENT)
    await expect(quote).to_contain_text("Lampu jalan di Jl. Sudirman mati sejak kemarin.")
    await expect(quote).not_to_contain_text("gelap sekali")  # its first line only
    await quote.click()
    await expect(report).to_have_class(re.compile(r"\bmsg-flash\b"))

    location = page.locator("[data-testid=case-location]")
    await expect(location).to_contain_text(str(FIRST_PLACE["name"]))
    await expect(location).to_have_attribute("href", osm(FIRST_PLACE))
    await expect(first_place.locator("[data-testid=set-location]")).to_have_count(0)
    await expect(first_place.locator("[data-testid=is-case-location]")).to_be_visible()
    pick = second_place.locator("[data-testid=set-location]")
    await expect(pick).to_have_text("Jadikan lokasi kasus")

    async with page.expect_response(lambda r: r.url.endswith("/location")) as answer:
        await pick.click()
    assert (await answer.value).status == 200
    await expect(location).to_contain_text(str(SECOND_PLACE["name"]))
    await expect(location).to_have_attribute("href", osm(SECOND_PLACE))
    await expect(pick).to_have_count(0)
    await expect(second_place.locator("[data-testid=is-case-location]")).to_be_visible()
    await expect(first_place.locator("[data-testid=set-location]")).to_be_visible()
    await ctx.close()
