"""Two widgets of different inboxes in one browser never share a visitor: each keeps its own
token (`kanal:token:<inbox>`) and shows only its own thread, on one site and on two.

On one site (the demo page at / picks the inbox with ?opd=) the page and both widget frames
are of one origin, so both widgets read and write one localStorage: the hardest case, where
only the per-inbox keys and the server's inbox-bound tokens keep them apart. Two sites are
the same hub reached as 127.0.0.1 and as localhost: two origins, two storages."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser
FIRST, SECOND = "dishub", "disdukcapil"


async def open_widget(page: Any, url: str) -> Any:
    await page.goto(url)
    frame = page.frame_locator("#kanal-widget-frame")
    launcher = frame.locator("[data-testid=kanal-launcher]")
    if await launcher.is_visible():
        await launcher.click()
    await expect(frame.locator("[data-testid=composer-input]")).to_be_visible()
    return frame


async def say(frame: Any, text: str) -> str:
    """Send `text`; the case's tracking code once the hub has it."""
    await frame.locator("[data-testid=composer-input]").fill(text)
    await frame.locator("[data-testid=send-button]").click()
    mine = frame.locator("[data-testid=message][data-direction=in]").filter(has_text=text)
    await expect(mine).to_have_attribute("data-seq", "1")
    await expect(frame.locator("[data-testid=tracking-code]")).to_contain_text("KNL-")
    return str(await frame.locator("[data-testid=tracking-code]").inner_text())


def widget_frame(page: Any) -> Any:
    return next(f for f in page.frames if "/widget/frame" in f.url)


async def storage(page: Any) -> dict[str, str]:
    """The widget's localStorage: the frame's origin (the hub's)."""
    found: dict[str, str] = await widget_frame(page).evaluate(
        "() => Object.fromEntries(Object.entries(localStorage)"
        ".filter(([k]) => k.startsWith('kanal:')))"
    )
    return found


async def only_messages(frame: Any, text: str) -> None:
    messages = frame.locator("[data-testid=message]")
    await expect(messages).to_have_count(1)
    await expect(messages.first).to_contain_text(text)


async def test_two_inboxes_on_one_site_keep_separate_visitors(hub_url: str, browser: Any) -> None:
    context = await browser.new_context()
    one, two = await context.new_page(), await context.new_page()
    first = await open_widget(one, f"{hub_url}/?opd={FIRST}")
    second = await open_widget(two, f"{hub_url}/?opd={SECOND}")
    code_one = await say(first, "Lampu lalu lintas mati di simpang Pasar Baru")
    code_two = await say(second, "KTP elektronik saya belum jadi sejak Maret")
    assert code_one != code_two

    kept = await storage(one)
    token_one, token_two = kept[f"kanal:token:web-{FIRST}"], kept[f"kanal:token:web-{SECOND}"]
    assert token_one and token_two and token_one != token_two
    assert "KTP" not in kept[f"kanal:history:web-{FIRST}"]
    assert "Lampu" not in kept[f"kanal:history:web-{SECOND}"]

    await one.reload()
    await two.reload()
    await only_messages(await open_widget(one, one.url), "Lampu lalu lintas")
    await only_messages(await open_widget(two, two.url), "KTP elektronik")

    # A token copied to the other inbox's key is refused there: a new visitor, who does not
    # get the first inbox's thread (the hub binds each token to its inbox).
    # The widget also drops the thread it kept for the visitor it was before.
    await two.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"kanal:token:web-{SECOND}", token_one],
    )
    await two.reload()
    crossed = await open_widget(two, two.url)
    # (Polled from here: wait_for_function's polling evals, which the frame's CSP refuses.)
    key = f"kanal:token:web-{SECOND}"
    for _ in range(100):
        if (await storage(two)).get(key) not in (None, "", token_one):
            break
        await asyncio.sleep(0.1)
    await expect(crossed.locator("[data-testid=message]")).to_have_count(0)
    await expect(crossed.locator("[data-testid=tracking-code]")).to_have_count(0)
    after = await storage(two)
    assert after[f"kanal:token:web-{SECOND}"] not in ("", token_one)
    assert after[f"kanal:token:web-{FIRST}"] == token_one  # the first widget is untouched
    await only_messages(await open_widget(one, one.url), "Lampu lalu lintas")
    await context.close()


async def test_two_sites_in_one_browser_keep_separate_visitors(hub_url: str, browser: Any) -> None:
    port = urlsplit(hub_url).port
    site_a, site_b = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    context = await browser.new_context()
    a, b = await context.new_page(), await context.new_page()
    on_a = await open_widget(a, f"{site_a}/?opd={FIRST}")
    on_b = await open_widget(b, f"{site_b}/?opd={SECOND}")
    await say(on_a, "Parkir liar di trotoar Jalan Merdeka")
    await say(on_b, "Akta kelahiran anak saya salah nama")

    kept_a, kept_b = await storage(a), await storage(b)
    assert f"kanal:token:web-{SECOND}" not in kept_a
    assert f"kanal:token:web-{FIRST}" not in kept_b
    assert "Akta" not in str(kept_a) and "Parkir" not in str(kept_b)

    await a.reload()
    await b.reload()
    await only_messages(await open_widget(a, a.url), "Parkir liar")
    await only_messages(await open_widget(b, b.url), "Akta kelahiran")
    await context.close()
