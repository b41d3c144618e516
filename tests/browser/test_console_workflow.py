"""An OPD's day in a real browser: a resident writes on the city's (Diskominfo) widget, the
coordinator finds the case in triage and sends it to PUPR with a reason (disposisi); a PUPR
officer accepts it, greets the resident with a canned response and resolves it with a
follow-up and an "after" photo, which reach the resident; DLH never sees the case. Around
it: colleagues see each other typing, a supervisor assigns, a case that leaves the OPD
closes in front of its officer, the receiving OPD returns a disposisi, and an offline
complaint is recorded (the resident's next one, while it is open, is pointed to it)."""

from __future__ import annotations

from typing import Any

import aiohttp
from playwright.async_api import expect

from tests.browser.conftest import login
from tests.browser.test_console_files import png
from tests.browser.test_widget_console import open_widget

pytestmark = __import__("pytest").mark.browser

PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"
COMPLAINT = "Jalan di depan Pasar Mardika berlubang dalam, sudah dua motor jatuh"
REASON = "Kerusakan jalan kota adalah urusan PUPR"
FOLLOW_UP = "Lubang sudah ditambal tim PUPR pagi ini."
WIDE = {"width": 1280, "height": 800}


async def officer(browser: Any, url: str, email: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport=WIDE)
    page = await context.new_page()
    await login(page, url, email)
    return context, page


def case_item(page: Any, code: str) -> Any:
    return page.locator(f"[data-testid=conversation-item][data-tracking-code='{code}']")


async def resident_writes(browser: Any, url: str, opd: str, text: str) -> tuple[Any, Any, str]:
    """A resident writes on an OPD's site; their widget and the case's tracking code."""
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    widget = await open_widget(page, f"{url}/?opd={opd}")
    await widget.locator("[data-testid=composer-input]").fill(text)
    await widget.locator("[data-testid=send-button]").click()
    shown = widget.locator("[data-testid=tracking-code]")
    await expect(shown).to_contain_text("KNL-")
    return context, widget, (await shown.inner_text()).strip()


async def tracked(url: str, code: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/v1/track/{code}") as answer:
        assert answer.status == 200, await answer.text()
        result: dict[str, Any] = await answer.json()
        return result


async def test_a_triaged_case_goes_to_pupr_and_is_resolved_with_a_photo(
    hub_url: str, browser: Any
) -> None:
    coordinator_ctx, coordinator = await officer(browser, hub_url, "admin@kanal.local")
    pupr_ctx, budi = await officer(browser, hub_url, "pupr@kanal.local")
    resident_ctx, widget, code = await resident_writes(browser, hub_url, "diskominfo", COMPLAINT)

    # The coordinator finds it in triage and sends it to PUPR with a reason.
    await coordinator.locator("[data-testid=queue-tab-triage]").click()
    triaged = case_item(coordinator, code)
    await expect(triaged.locator("[data-testid=triage-badge]")).to_be_visible()
    await triaged.click()
    await coordinator.locator("[data-testid=transfer-button]").click()
    await coordinator.locator("[data-testid=transfer-opd]").select_option("pupr")
    await coordinator.locator("[data-testid=transfer-reason]").fill(REASON)
    await coordinator.locator("[data-testid=transfer-submit]").click()
    await expect(coordinator.locator("[data-testid=transfer-waiting]")).to_contain_text(PUPR)
    await expect(triaged).to_have_count(0)  # no longer waiting in triage
    note = coordinator.locator("[data-testid=system-note]").filter(has_text=REASON)
    await expect(note).to_contain_text("Disposisi dari")
    await expect(coordinator.locator("[data-testid=thread] [data-testid=message]")).to_have_count(1)

    # PUPR sees it waiting for acceptance, and accepts it.
    arrived = case_item(budi, code)
    await expect(arrived.locator("[data-testid=pending-badge]")).to_have_text("Menunggu diterima")
    case_id = await arrived.get_attribute("data-conversation-id")
    await arrived.click()
    incoming = budi.locator("[data-testid=transfer-incoming]")
    await expect(incoming).to_contain_text(REASON)
    await expect(budi.locator("[data-testid=transfer-button]")).to_have_count(0)
    await budi.locator("[data-testid=accept-transfer]").click()
    await expect(incoming).to_have_count(0)
    await expect(arrived.locator("[data-testid=pending-badge]")).to_have_count(0)
    await expect(budi.locator("[data-testid=system-note]").last).to_contain_text("diterima")
    # The hub gives an accepted case to the OPD's least busy officer online: Budi.
    await expect(budi.locator(".thread-assignee")).to_contain_text("Budi Santoso")
    history = budi.locator("[data-testid=transfer-history-item]")
    await expect(history).to_have_count(1)
    await expect(history).to_have_attribute("data-state", "accepted")

    # A canned greeting: "/sal" offers /salam, Enter puts it in with the case's values.
    reply = budi.locator("[data-testid=reply-input]")
    await reply.click()
    await reply.press_sequentially("/sal")
    picker = budi.locator("[data-testid=canned-picker]")
    await expect(picker.locator("[data-testid=canned-option]").first).to_have_attribute(
        "data-shortcut", "salam"
    )
    await reply.press("Enter")
    await expect(picker).to_have_count(0)
    greeting = f"Selamat datang di layanan pengaduan {PUPR}, Bapak/Ibu Warga."
    await expect(reply).to_have_value(f"{greeting} Ada yang bisa kami bantu?")
    await reply.press("Enter")
    await expect(widget.locator("[data-testid=message][data-direction=out]")).to_contain_text(
        greeting
    )

    # The case's details: a category that needs an after photo, and its kelurahan.
    details = budi.locator("[data-testid=case-details]")
    if not await details.is_visible():
        await budi.locator("[data-testid=details-toggle]").click()
    await details.locator("[data-testid=details-category]").select_option("Jalan rusak")
    await details.locator("[data-testid=details-kelurahan-search]").fill("batu m")
    await details.locator("[data-testid=details-kelurahan]").select_option("Batu Merah")
    await details.locator("[data-testid=details-priority]").select_option("high")
    await expect(arrived.locator("[data-testid=priority-badge]")).to_have_text("Tinggi")
    await expect(details.locator("[data-testid=details-kelurahan]")).to_have_value("Batu Merah")

    # Resolving needs a follow-up, and for this category a photo after the work.
    await budi.locator("[data-testid=resolve-button]").click()
    dialog = budi.locator("[data-testid=resolve-dialog]")
    await expect(dialog.locator("[data-testid=resolve-note]")).to_have_value(
        f"Laporan {code} sudah selesai ditindaklanjuti oleh {PUPR}. Terima kasih atas laporan "
        "Bapak/Ibu Warga; jika masalahnya muncul lagi, balas pesan ini."
    )
    rule = dialog.locator("[data-testid=resolve-after-rule]")
    await expect(rule).to_have_attribute("data-required", "true")
    await dialog.locator("[data-testid=resolve-note]").fill(FOLLOW_UP)
    await dialog.locator("[data-testid=resolve-submit]").click()
    await expect(dialog.locator("[data-testid=resolve-error]")).to_contain_text("foto sesudah")
    photo = {"name": "sesudah.png", "mimeType": "image/png", "buffer": png(48, 32)}
    await dialog.locator("[data-testid=resolve-after]").set_input_files(photo)
    await dialog.locator("[data-testid=resolve-submit]").click()
    await expect(dialog).to_have_count(0)
    await expect(budi.locator("[data-testid=status-badge]")).to_have_attribute(
        "data-status", "resolved"
    )
    sent = budi.locator("[data-testid=thread] [data-testid=message]").filter(has_text=FOLLOW_UP)
    await expect(sent.locator("[data-testid=attachment-image]")).to_be_visible()

    # The resident reads the follow-up; it went to them with the photo.
    followed = widget.locator("[data-testid=message][data-direction=out]").filter(
        has_text=FOLLOW_UP
    )
    await expect(followed).to_be_visible()
    photo_seen = followed.locator("[data-testid=message-photo]")
    await expect(photo_seen).to_be_visible()
    assert await photo_seen.evaluate("img => img.complete && img.naturalWidth") == 48
    await expect(widget.locator("[data-testid=resolved-notice]")).to_be_visible()
    replies = [e for e in (await tracked(hub_url, code))["timeline"] if e["type"] == "reply"]
    assert replies[-1]["text"] == FOLLOW_UP and replies[-1]["attachment"] is True, replies

    # Another OPD never sees it: not in its list, and its address is "not found".
    dlh_ctx, andi = await officer(browser, hub_url, "dlh@kanal.local")
    await andi.locator("[data-testid=status-filter][data-status=all]").click()
    await expect(andi.locator("[data-testid=conversation-item]").first).to_be_visible()
    await expect(case_item(andi, code)).to_have_count(0)
    await andi.goto(f"{hub_url}/console/c/{case_id}")
    await expect(andi.locator("[data-testid=thread-error]")).to_have_attribute(
        "data-code", "not_found"
    )
    for context in (coordinator_ctx, pupr_ctx, resident_ctx, dlh_ctx):
        await context.close()


async def test_colleagues_see_each_other_and_a_supervisor_assigns(
    hub_url: str, browser: Any
) -> None:
    resident_ctx, _, code = await resident_writes(
        browser, hub_url, "pupr", "Gorong-gorong di Jalan Sultan Hasanudin tersumbat sampah"
    )
    budi_ctx, budi = await officer(browser, hub_url, "pupr@kanal.local")
    kabid_ctx, kabid = await officer(browser, hub_url, "kabid.pupr@kanal.local")
    for page in (budi, kabid):
        await case_item(page, code).click()
        await expect(page.locator("[data-testid=thread] [data-testid=message]")).to_have_count(1)

    # Each sees who else has the case open, and who is typing, so nobody answers twice.
    await expect(budi.locator("[data-testid=agent-viewing-indicator]")).to_have_text(
        "Hendra Kepala Bidang sedang melihat"
    )
    await expect(kabid.locator("[data-testid=agent-viewing-indicator]")).to_have_text(
        "Budi Santoso sedang melihat"
    )
    await kabid.locator("[data-testid=reply-input]").press_sequentially("Kami cek ke lokasi")
    await expect(budi.locator("[data-testid=agent-typing-indicator]")).to_have_text(
        "Hendra Kepala Bidang sedang mengetik"
    )
    await expect(kabid.locator("[data-testid=agent-typing-indicator]")).to_have_count(0)

    # An officer has no assignment menu; the supervisor gives the case to Budi.
    await expect(budi.locator("[data-testid=assign-button]")).to_have_count(0)
    await kabid.locator("[data-testid=assign-button]").click()
    await kabid.locator("[data-testid=assign-option]").filter(has_text="Budi Santoso").click()
    await expect(kabid.locator(".thread-assignee")).to_contain_text("Budi Santoso")
    await expect(budi.locator(".thread-assignee")).to_contain_text("Budi Santoso")
    await budi.locator("[data-testid=queue-tab-mine]").click()
    await expect(case_item(budi, code)).to_be_visible()
    await budi.locator("[data-testid=queue-tab-unassigned]").click()
    await expect(case_item(budi, code)).to_have_count(0)

    # Back to the queue: any officer may then take it.
    await kabid.locator("[data-testid=assign-button]").click()
    await kabid.locator("[data-testid=unassign-option]").click()
    await expect(case_item(budi, code)).to_be_visible()
    await budi.locator("[data-testid=take-button]").click()
    await expect(budi.locator("[data-testid=take-button]")).to_have_count(0)
    await expect(case_item(budi, code)).to_have_count(0)  # taken: out of the unassigned queue
    for context in (resident_ctx, budi_ctx, kabid_ctx):
        await context.close()


async def test_a_case_sent_away_closes_for_its_officer_and_can_be_returned(
    hub_url: str, browser: Any
) -> None:
    resident_ctx, _, code = await resident_writes(
        browser, hub_url, "pupr", "Pohon tumbang menutup jalan di depan Gereja Maranatha"
    )
    budi_ctx, budi = await officer(browser, hub_url, "pupr@kanal.local")
    kabid_ctx, kabid = await officer(browser, hub_url, "kabid.pupr@kanal.local")
    dlh_ctx, andi = await officer(browser, hub_url, "dlh@kanal.local")
    await case_item(budi, code).click()
    await expect(budi.locator("[data-testid=thread]")).to_be_visible()

    # The supervisor sends it to DLH: it closes in front of Budi, with a word why.
    await case_item(kabid, code).click()
    await kabid.locator("[data-testid=transfer-button]").click()
    await kabid.locator("[data-testid=transfer-opd]").select_option("dlh")
    await kabid.locator("[data-testid=transfer-reason]").fill("Pohon tumbang ditangani DLH")
    await kabid.locator("[data-testid=transfer-submit]").click()
    await expect(kabid.locator("[data-testid=toast]")).to_have_attribute("data-code", "sent")
    await expect(budi.locator("[data-testid=toast]")).to_have_text(
        "Kasus ini telah didisposisikan ke OPD lain."
    )
    await expect(budi.locator("[data-testid=thread]")).to_have_count(0)
    await expect(case_item(budi, code)).to_have_count(0)

    # DLH returns it with a reason: it is PUPR's again.
    arrived = case_item(andi, code)
    await expect(arrived.locator("[data-testid=pending-badge]")).to_be_visible()
    await arrived.click()
    await andi.locator("[data-testid=return-transfer]").click()
    await andi.locator("[data-testid=return-submit]").click()
    await expect(andi.locator("[data-testid=transfer-answer-error]")).to_have_text(
        "Alasan wajib diisi."
    )
    await andi.locator("[data-testid=return-reason]").fill("Pohon di jalan kota: PUPR")
    await andi.locator("[data-testid=return-submit]").click()
    await expect(andi.locator("[data-testid=toast]")).to_have_attribute("data-code", "returned")
    await expect(case_item(andi, code)).to_have_count(0)
    back = case_item(budi, code)
    await expect(back).to_be_visible()
    await back.click()
    history = budi.locator("[data-testid=transfer-history-item]")
    if not await budi.locator("[data-testid=case-details]").is_visible():
        await budi.locator("[data-testid=details-toggle]").click()
    await expect(history).to_have_attribute("data-state", "returned")
    await expect(history).to_contain_text("Pohon di jalan kota: PUPR")
    for context in (resident_ctx, budi_ctx, kabid_ctx, dlh_ctx):
        await context.close()


async def test_an_officer_records_a_complaint_taken_by_phone(hub_url: str, browser: Any) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        login_data = {"email": "admin@kanal.local", "password": "kanal-demo"}
        assert (await http.post(f"{hub_url}/api/v1/auth/login", json=login_data)).status == 200
        opds = (await (await http.get(f"{hub_url}/api/v1/admin/opds")).json())["items"]
        [diskominfo] = [o for o in opds if o["slug"] == "diskominfo"]
        inbox = {"key": "luring", "kind": "manual", "name": "Pengaduan luring", "opd_id": 0}
        inbox["opd_id"] = diskominfo["id"]
        created = await http.post(
            f"{hub_url}/api/v1/admin/inboxes", json=inbox, headers={"Origin": hub_url}
        )
        assert created.status in (201, 409), await created.text()

    context, budi = await officer(browser, hub_url, "pupr@kanal.local")
    await budi.locator("[data-testid=entry-button]").click()
    form = budi.locator("[data-testid=entry-form]")
    await form.locator("[data-testid=entry-source]").select_option("phone")
    await form.locator("[data-testid=entry-name]").fill("Pak Yohanis")
    await form.locator("[data-testid=entry-phone]").fill("0812 4000 1234")
    await form.locator("[data-testid=entry-submit]").click()
    await expect(form.locator("[data-testid=entry-error]")).to_have_text("Tulis isi pengaduan.")
    await form.locator("[data-testid=entry-text]").fill("Trotoar di Jalan Diponegoro ambles")
    await form.locator("[data-testid=entry-category]").select_option("Jalan rusak")
    await form.locator("[data-testid=entry-kelurahan-search]").fill("honi")
    await form.locator("[data-testid=entry-kelurahan]").select_option("Honipopu")
    await form.locator("[data-testid=entry-submit]").click()
    await expect(form).to_have_count(0)

    thread = budi.locator("[data-testid=thread]")
    await expect(thread.locator("[data-testid=message]")).to_contain_text("Trotoar")
    await expect(thread.locator("h2")).to_have_text("Pak Yohanis")
    await expect(thread.locator("[data-testid=source-badge]")).to_have_text("Telepon")
    code = (await thread.locator("[data-testid=tracking-code]").inner_text()).strip()
    item = case_item(budi, code)
    await expect(item.locator("[data-testid=source-badge]")).to_have_text("Telepon")
    if not await budi.locator("[data-testid=case-details]").is_visible():
        await budi.locator("[data-testid=details-toggle]").click()
    await expect(budi.locator("[data-testid=details-kelurahan]")).to_have_value("Honipopu")
    await expect(budi.locator("[data-testid=details-category]")).to_have_value("Jalan rusak")

    # His next call, from his panel: while this case is open the form points to it instead.
    await budi.locator("[data-testid=contact-link]").click()
    await budi.locator("[data-testid=contact-panel] [data-testid=contact-record]").click()
    await expect(form.locator("[data-testid=entry-contact]")).to_contain_text("Pak Yohanis")
    await expect(form.locator("[data-testid=entry-reply-via] option")).to_have_count(1)
    await form.locator("[data-testid=entry-text]").fill("Lampu jalan di depan rumahnya juga mati")
    await form.locator("[data-testid=entry-submit]").click()
    error = form.locator("[data-testid=entry-error]")
    await expect(error).to_have_attribute("data-code", "conflict")
    await expect(error).to_contain_text(f"masih punya kasus terbuka {code}")
    await form.locator("[data-testid=entry-open-case]").click()
    await expect(form).to_have_count(0)
    await expect(thread.locator("[data-testid=tracking-code]")).to_have_text(code)
    await context.close()
