"""The console and the widget run under their Content-Security-Policy with nothing refused
(no inline script or style, nothing from elsewhere), the policy really is enforced (an
injected inline script does not run), and a site the inbox does not list cannot frame the
widget."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import login
from tests.browser.test_console_files import open_case, png
from tests.browser.test_widget_console import open_widget

pytestmark = __import__("pytest").mark.browser
#: Runs before any page script in every frame (Playwright's init scripts are not subject to
#: the page's CSP): records what the policy refuses.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI || "inline"}`);
  document.documentElement.dataset.violations = String(window.__violations.length);
});
"""
INJECT = """() => {
  const s = document.createElement("script");
  s.textContent = "window.__ran = 1";
  document.head.appendChild(s);
}"""


async def watched(browser: Any, **options: Any) -> tuple[Any, Any, list[str]]:
    """A page whose CSP reports (from any frame) are collected."""
    ctx = await browser.new_context(**options)
    await ctx.add_init_script(WATCH)
    page = await ctx.new_page()
    reported: list[str] = []
    page.on(
        "console",
        lambda m: reported.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return ctx, page, reported


async def test_the_console_runs_under_its_policy_with_nothing_refused(
    hub_url: str, browser: Any
) -> None:
    ctx, page, reported = await watched(browser, viewport={"width": 1280, "height": 800})
    response = await page.goto(f"{hub_url}/console")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    await login(page, hub_url, "pupr@kanal.local")
    await open_case(page, "Ibu Sari")
    # The preview of a chosen file is a blob: image; removed again, nothing is sent.
    await page.locator("[data-testid=attach-input]").set_input_files(
        {"name": "denah.png", "mimeType": "image/png", "buffer": png(20, 10)}
    )
    await expect(page.locator("[data-testid=attachment-chip]")).to_contain_text("denah.png")
    await page.locator("[data-testid=attachment-remove]").click()
    await expect(page.locator("[data-testid=attachment-chip]")).to_have_count(0)

    assert await page.evaluate("window.__violations") == []
    assert reported == []

    await page.evaluate(INJECT)  # the control: an inline script is refused and reported
    # (`expect`, not wait_for_function: its polling evals, which the policy refuses.)
    await expect(page.locator("html")).to_have_attribute("data-violations", "1")
    assert await page.evaluate("window.__ran") is None
    assert (await page.evaluate("window.__violations"))[0].startswith("script-src")
    await ctx.close()


async def test_the_widget_runs_under_its_policy_on_the_hubs_own_page(
    hub_url: str, browser: Any
) -> None:
    ctx, page, reported = await watched(browser, viewport={"width": 360, "height": 740})
    widget = await open_widget(page, f"{hub_url}/?opd=pupr")
    await widget.locator("[data-testid=composer-input]").fill("Tes kebijakan keamanan")
    [frame] = [f for f in page.frames if "/widget/frame" in f.url]
    assert await page.evaluate("window.__violations") == []
    assert await frame.evaluate("window.__violations") == []
    assert reported == []
    await ctx.close()


async def test_a_site_the_inbox_does_not_list_cannot_frame_the_widget(
    hub_url: str, browser: Any
) -> None:
    ctx, page, _ = await watched(browser)
    await page.goto(f"{hub_url}/?opd=pupr")
    inbox = await page.locator("script[data-inbox]").get_attribute("data-inbox")
    frame_url = f"{hub_url}/widget/frame?inbox={inbox}"
    hostile = f'<!doctype html><title>x</title><iframe id="w" src="{frame_url}"></iframe>'
    await page.route(
        "http://penipu.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=hostile),
    )
    await page.goto("http://penipu.example/")  # "load" waits for the frame too
    [framed] = [f for f in page.frames if f is not page.main_frame]
    assert framed.url.startswith("chrome-error://")  # Chromium refused to show it
    assert await framed.locator("#kanal-root").count() == 0
    await ctx.close()
