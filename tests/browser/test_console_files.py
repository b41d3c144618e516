"""Files and places in the console: an agent replies with a photo and sees it; a
resident's place links to the map and a photo the hub could not keep says so; a reply
the channel could not deliver is sent again from its bubble."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import MAX_MEDIA_BYTES, UNDELIVERABLE_RESIDENT, login

pytestmark = __import__("pytest").mark.browser


def png(width: int, height: int) -> bytes:
    """A small opaque PNG, drawn here so the test needs no fixture file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + b"\x1e\x5a\x8a" * width  # filter byte, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def open_case(page: Any, resident: str) -> Any:
    await page.locator("[data-testid=conversation-item]").filter(has_text=resident).first.click()
    thread = page.locator("[data-testid=thread]")
    await expect(thread.locator("[data-testid=message]").first).to_be_visible()
    return thread


async def test_agent_replies_with_a_photo_and_sees_it_in_the_thread(
    hub_url: str, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, hub_url, "disdukcapil@kanal.local")
    thread = await open_case(page, "Rudi")

    await page.locator("[data-testid=attach-input]").set_input_files(
        {"name": "formulir.png", "mimeType": "image/png", "buffer": png(40, 30)}
    )
    chip = page.locator("[data-testid=attachment-chip]")
    await expect(chip).to_contain_text("formulir.png")
    await page.locator("[data-testid=reply-input]").fill("Ini contoh formulir yang diisi.")
    await page.locator("[data-testid=reply-send]").click()

    sent = thread.locator("[data-testid=message][data-direction=out][data-seq]").filter(
        has=page.locator("[data-testid=attachment-image]")
    )
    await expect(sent).to_have_count(1)
    await expect(sent.locator("[data-testid=message-text]")).to_have_text(
        "Ini contoh formulir yang diisi."
    )
    await expect(chip).to_have_count(0)
    link = sent.locator("[data-testid=attachment-image]")
    await expect(link).to_have_attribute("target", "_blank")
    image = link.locator("img")
    await expect(image).to_have_attribute("alt", "formulir.png")
    # (Not wait_for_function: its polling evals, which the console's CSP refuses.)
    await expect(image).to_have_js_property("complete", True)
    await expect(image).to_have_js_property("naturalWidth", 40)
    full = await page.request.get(hub_url + (await link.get_attribute("href") or ""))
    assert full.status == 200
    assert full.headers["content-type"] == "image/png"
    await ctx.close()


async def test_a_file_over_the_limit_is_refused_and_the_reply_kept_for_another_try(
    hub_url: str, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, hub_url, "pupr@kanal.local")
    thread = await open_case(page, "Ibu Sari")
    before = await thread.locator("[data-testid=message]").count()

    await page.locator("[data-testid=attach-input]").set_input_files(
        {"name": "denah.pdf", "mimeType": "application/pdf", "buffer": b"%" * (MAX_MEDIA_BYTES + 1)}
    )
    await page.locator("[data-testid=reply-input]").fill("Denah lokasi terlampir.")
    await page.locator("[data-testid=reply-send]").click()

    await expect(page.locator("[data-testid=notice]")).to_have_text(
        "Berkas terlalu besar untuk diunggah."
    )
    await expect(page.locator("[data-testid=attachment-chip]")).to_contain_text("denah.pdf")
    await expect(page.locator("[data-testid=reply-input]")).to_have_value("Denah lokasi terlampir.")
    await expect(page.locator("[data-testid=reply-send]")).to_be_enabled()
    await page.locator("[data-testid=attachment-remove]").click()
    await expect(page.locator("[data-testid=attachment-chip]")).to_have_count(0)
    assert await thread.locator("[data-testid=message]").count() == before
    await ctx.close()


async def test_places_and_unkept_photos_show_and_a_failed_reply_is_sent_again(
    hub_url: str, browser: Any
) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    await login(page, hub_url, "dishub@kanal.local")
    thread = await open_case(page, UNDELIVERABLE_RESIDENT)

    place = thread.locator("[data-testid=attachment-location]")
    await expect(place).to_contain_text("Halte Sarinah")
    await expect(place).to_contain_text("-6.20000, 106.81667")
    await expect(place).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=-6.2&mlon=106.816667#map=17/-6.2/106.816667"
    )
    await expect(thread.locator("[data-testid=attachment-missing]")).to_contain_text(
        "Berkas tidak tersimpan: terlalu besar"
    )

    await page.locator("[data-testid=reply-input]").fill("Laporan diterima, petugas meluncur.")
    await page.locator("[data-testid=reply-send]").click()
    reply = thread.locator("[data-testid=message][data-direction=out][data-seq]").filter(
        has_text="petugas meluncur"
    )
    await expect(reply).to_have_attribute("data-status", "failed")
    await expect(reply.locator("[data-testid=delivery-error]")).to_contain_text("no channel")
    retry = reply.locator("[data-testid=retry-button]")
    await expect(retry).to_have_text("Kirim ulang")

    # The same bubble follows the message as the hub reports on it (pending, then failed).
    # (Written to the DOM for `expect` to wait on: the console's CSP refuses the eval that
    # wait_for_function's polling needs.)
    await reply.evaluate(
        """el => {
            window.__statuses = [];
            new MutationObserver(() => {
                window.__statuses.push(el.dataset.status);
                document.body.dataset.statuses = window.__statuses.join(",");
            }).observe(el, {attributes: true, attributeFilter: ["data-status"]});
        }"""
    )
    async with page.expect_response(lambda r: r.url.endswith("/retry")) as answer:
        await retry.click()
    response = await answer.value
    assert response.status == 200
    assert (await response.json())["message"]["delivery_status"] == "pending"
    # No channel serves this inbox, so the relay dead-letters it again at once.
    await expect(page.locator("body")).to_have_attribute("data-statuses", "pending,failed")
    assert await page.evaluate("window.__statuses") == ["pending", "failed"]
    await expect(retry).to_be_visible()
    await ctx.close()
