"""The public tracking page /lacak: works without a script, Indonesian first with English
on request, shows what the API shows and nothing private, and is limited like the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import RunningHub
from tests.hub.api.test_track import NOTE, REASON, REPLY, a_case, running


async def page(hub: Any, query: str = "") -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/lacak{query}")
        return r.status, await r.text(), r.headers


async def test_the_empty_page_is_a_form_in_indonesian(hub: Any) -> None:
    status, html, headers = await page(hub)
    assert status == 200
    assert '<html lang="id">' in html
    assert 'name="kode"' in html and "Lacak Laporan" in html
    assert "<script" not in html
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


async def test_a_link_with_kode_shows_the_case(hub: Any) -> None:
    case = await a_case(hub)
    status, html, headers = await page(hub, f"?kode={case.code}")
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert 'data-status="resolved">Selesai<' in html
    assert "Dinas Komunikasi dan Informatika" in html
    assert REPLY in html
    assert "Anda mengirim 2 pesan" in html
    assert "WIB" in html
    for secret in (NOTE, REASON, "Dinas PUPR", "Siti", "Budi", "Lampu jalan mati"):
        assert secret not in html, secret


async def test_english_on_request_keeps_the_code(hub: Any) -> None:
    case = await a_case(hub)
    status, html, _ = await page(hub, f"?kode={case.code}&lang=en")
    assert status == 200
    assert '<html lang="en">' in html
    assert ">Resolved<" in html and "Officer&#39;s reply" in html
    assert f"?kode={case.code}&amp;lang=id" in html  # back to Indonesian, same case


async def test_unknown_and_malformed_codes_say_so(hub: Any) -> None:
    status, html, _ = await page(hub, "?kode=KNL-22222Z")
    assert status == 404 and 'data-problem="not_found"' in html
    status, html, _ = await page(hub, "?kode=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 404 and 'data-problem="invalid"' in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.fixture
async def strict_hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async for hub in running(tmp_path, "\n[tracking]\nper_minute = 2\n"):
        yield hub


async def test_the_page_and_the_api_share_one_limit(strict_hub: Any) -> None:
    case = await a_case(strict_hub)
    assert (await page(strict_hub, f"?kode={case.code}"))[0] == 200
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{strict_hub.url}/api/v1/track/{case.code}")
        assert r.status == 200
    status, html, headers = await page(strict_hub, f"?kode={case.code}")
    assert status == 429 and 'data-problem="rate_limited"' in html
    assert int(headers["Retry-After"]) > 0
    assert (await page(strict_hub))[0] == 200, "the form alone is no lookup"
