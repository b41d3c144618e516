"""An XSS corpus, written by residents (widget, a provider channel, a walk-in entry) and by an
officer, stays inert text everywhere it is shown: the widget, the console's list, thread,
search snippets and contact panel, and the public tracking page. No script runs (no dialog,
`window.__xss` never set, in any page or frame) and each payload reads literally."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import demo_hub, login

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
MARK = "xssprobe"
#: Each would run `window.__xss = 1` (or alert) if it were ever taken for markup or a URL.
CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1;alert(1)">',
    '<svg onload="window.__xss=1"><circle r=9></svg>',
    "javascript:window.__xss=1//",
    "[klik di sini](javascript:window.__xss=1)",
    '"><iframe srcdoc="<script>parent.__xss=1</script>">',
    "&lt;b&gt;tebal&lt;/b&gt; &#60;script&#62;window.__xss=1&#60;/script&#62;",
    "\u202etxt.exe laporan",
    "Kata" + "panjang" * 60,
    "nol\u200blebar\u200d\ufeffspasi",
    "🚧🕳️👷‍♀️ jalan berlubang",
]
#: The ones whose text Playwright can compare as is (no invisible or bidi characters).
LITERAL = [p for p in CORPUS if p.isascii()]
RESIDENT = '<img src=x onerror="window.__xss=1">Warga'
WALK_IN = "<svg onload=alert(1)>Pelapor"
FOUND: dict[str, str] = {}


def seed_hostile(database: Path) -> None:
    """A widget case whose resident's name and every message is a payload, and a walk-in
    (manual) case from a hostile name, as ingest stores them from any channel."""
    from sqlalchemy import create_engine

    from hub.directory import load_directory
    from hub.ingest import accept_inbound
    from hub.models import Inbound, Sender

    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        directory = load_directory(conn)
        for key, name in (("web-pupr", RESIDENT), ("luring", WALK_IN)):
            inbox = directory.inbox_by_key(key)
            assert inbox is not None
            sender = Sender(f"hostile-{key}", name=name)
            for payload in CORPUS:
                done = accept_inbound(conn, directory, inbox, Inbound(sender, f"{MARK} {payload}"))
            assert done.conversation is not None
            FOUND[key] = done.conversation["tracking_code"]
    engine.dispose()


@pytest.fixture(scope="module")
def hostile_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_hub(tmp_path_factory.mktemp("hostile-hub"), seed_hostile) as url:
        yield url


class Watch:
    """Dialogs any page opened; whether any frame of them ran a payload."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.pages: list[Any] = []

    def page(self, page: Any) -> Any:
        async def refuse(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", refuse)
        self.pages.append(page)
        return page

    async def assert_inert(self) -> None:
        assert self.dialogs == []
        for page in self.pages:
            for frame in page.frames:
                assert await frame.evaluate("typeof window.__xss") == "undefined", frame.url


async def test_the_corpus_stays_text_in_widget_console_search_and_tracking_page(
    hostile_hub: str, browser: Any
) -> None:
    watch = Watch()
    officer_ctx = await browser.new_context(viewport=WIDE)
    officer = watch.page(await officer_ctx.new_page())
    await login(officer, hostile_hub, "admin@kanal.local")

    # The list and the thread of the widget case, then its contact panel.
    code = FOUND["web-pupr"]
    item = officer.locator(f"[data-testid=conversation-item][data-tracking-code='{code}']")
    await expect(item).to_be_visible()
    await item.click()
    texts = officer.locator("[data-testid=thread] [data-testid=message-text]")
    await expect(texts).to_have_count(len(CORPUS))
    for payload in LITERAL:
        await expect(texts.filter(has_text=payload)).to_have_text(f"{MARK} {payload}")
    shown = await texts.all_inner_texts()
    assert all(any(p in t for t in shown) for p in CORPUS if p not in LITERAL), shown
    toggle = officer.locator("[data-testid=details-toggle]")
    if await toggle.get_attribute("aria-pressed") != "true":
        await toggle.click()
    await expect(officer.locator("[data-testid=case-details]")).to_contain_text(RESIDENT)

    # An officer's reply with the corpus: shown in the thread and on the tracking page.
    reply = " ".join(LITERAL[:6])
    await officer.locator("[data-testid=reply-input]").fill(reply)
    await officer.locator("[data-testid=reply-send]").click()
    await expect(texts.filter(has_text="parent.__xss")).to_have_count(2)

    # The walk-in case from a hostile name, and the search snippets.
    walk_in = FOUND["luring"]
    other = officer.locator(f"[data-testid=conversation-item][data-tracking-code='{walk_in}']")
    await other.click()
    await expect(officer.locator("[data-testid=case-details]")).to_contain_text(WALK_IN)
    await officer.locator("[data-testid=search-input]").fill(f"{MARK} script")
    snippets = officer.locator("[data-testid=search-result] [data-testid=search-snippet]")
    await expect(snippets.first).to_be_visible()
    assert any("<script>window.__xss=1</script>" in s for s in await snippets.all_inner_texts())
    await officer.locator("[data-testid=search-input]").fill("")

    # The tracking page shows the officer's reply, as text.
    tracking = watch.page(await officer_ctx.new_page())
    await tracking.goto(f"{hostile_hub}/lacak?kode={code}")
    await expect(tracking.locator("body")).to_contain_text("<script>window.__xss=1</script>")

    # A resident types the corpus into the widget, and names themselves with it.
    resident_ctx = await browser.new_context(viewport={"width": 360, "height": 740})
    resident = watch.page(await resident_ctx.new_page())
    await resident.goto(f"{hostile_hub}/?opd=dlh")
    frame = resident.frame_locator("#kanal-widget-frame")
    await frame.locator("[data-testid=kanal-launcher]").click()
    await resident.evaluate("name => window.Kanal.setUser({name})", RESIDENT)
    for payload in LITERAL:
        await frame.locator("[data-testid=composer-input]").fill(payload)
        await frame.locator("[data-testid=send-button]").click()
        mine = frame.locator("[data-testid=message-text]").filter(has_text=payload)
        await expect(mine.last).to_have_text(payload)
    dlh = officer.locator("[data-testid=conversation-item]").filter(has_text="Katapanjang")
    await expect(dlh.first).to_be_visible()

    await watch.assert_inert()
    await resident_ctx.close()
    await officer_ctx.close()
