"""Uploads are judged by their bytes: a page or an SVG calling itself a photo is kept as an
opaque download, a photo's pixels are counted before any browser decodes it, files are kept
under generated names, and a file's id works only in its own conversation."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import aiohttp
from PIL import Image

from tests.hub.api.test_conversations import bearer, seed_cases
from tests.hub.api.test_media import upload

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header promises width x height pixels in a few hundred bytes: a bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)


async def stored(hub: Any, data: bytes, content_type: str, name: str) -> tuple[Any, Any]:
    """Upload into a fresh case; the media's fields and the download's response."""
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        r = await upload(http, hub, token, conv_id, data, content_type=content_type, name=name)
        assert r.status == 201, await r.text()
        media = (await r.json())["media"]
        got = await http.get(f"{hub.url}/api/v1/media/{media['media_id']}", headers=bearer(token))
        assert got.status == 200 and await got.read() == data
        return media, got.headers


async def test_a_page_calling_itself_a_photo_is_kept_as_an_opaque_download(hub: Any) -> None:
    media, headers = await stored(hub, HTML, "image/jpeg", "foto.jpg")
    assert media["mime_type"] == "application/octet-stream"
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]


async def test_html_and_svg_are_never_served_as_what_they_claim(hub: Any) -> None:
    for data, claimed, name in (
        (HTML, "text/html", "surat.html"),
        (SVG, "image/svg+xml", "peta.svg"),
        (b"alert(1)", "application/javascript", "a.js"),
    ):
        media, headers = await stored(hub, data, claimed, name)
        assert media["mime_type"] == "application/octet-stream", name
        assert headers["Content-Disposition"].startswith("attachment"), name
        assert headers["X-Content-Type-Options"] == "nosniff"


async def test_the_bytes_decide_the_type_not_the_name_or_the_header(hub: Any) -> None:
    photo = png(40, 30)
    media, headers = await stored(hub, photo, "application/pdf", "surat.pdf")
    assert media["mime_type"] == "image/png"
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"].startswith("inline")  # a safe raster image
    assert headers["X-Content-Type-Options"] == "nosniff"
    pdf, headers = await stored(hub, b"%PDF-1.4\n%surat", "image/png", "foto.png")
    assert pdf["mime_type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment")


async def test_plain_text_keeps_its_type_only_when_it_is_text(hub: Any) -> None:
    text, headers = await stored(hub, b"Daftar warga terdampak\n", "text/plain", "a.txt")
    assert text["mime_type"] == "text/plain"
    assert headers["Content-Disposition"].startswith("attachment")
    binary, _ = await stored(hub, b"\x00\x01\x02\xfe", "text/plain", "b.txt")
    assert binary["mime_type"] == "application/octet-stream"


async def test_an_image_with_too_many_pixels_is_refused_and_not_kept(hub: Any) -> None:
    bomb = png_header(100_000, 100_000)  # 10 000 megapixels in under 2 KB
    assert len(bomb) < 2048
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        r = await upload(http, hub, token, conv_id, bomb, content_type="image/png")
        assert r.status == 422  # the body is small; what it would become is not
        assert (await r.json())["error"]["code"] == "too_large"
        assert "pixels" in (await r.json())["error"]["message"]
        just = png_header(8_000, 8_000)  # 64 MP: the default limit itself
        assert (await upload(http, hub, token, conv_id, just)).status == 201
        over = png_header(8_001, 8_000)
        assert (await upload(http, hub, token, conv_id, over)).status == 422
    kept = [p for p in hub.service.media.root.rglob("*") if p.is_file()]
    assert len(kept) == 1  # only the one within the limit


async def test_files_are_kept_under_generated_names_outside_the_served_folders(hub: Any) -> None:
    media, _ = await stored(hub, png(4, 4), "image/png", "../../agent_console/dist/app.js")
    assert media["file_name"] == "app.js"
    [path] = [p for p in hub.service.media.root.rglob("*") if p.is_file()]
    assert "app.js" not in str(path) and len(path.name) == 64  # its sha256
    assert path.parent.parent == hub.service.media.root
    async with aiohttp.ClientSession() as http:  # no URL names the file on disk
        for url in (f"/media/{path.name}", f"/static/{path.name}", f"/media/{path.parent.name}"):
            assert (await http.get(f"{hub.url}{url}")).status == 404, url


async def test_another_conversations_file_id_is_refused_in_the_same_opd(hub: Any) -> None:
    [a, b] = await seed_cases(hub, "web-pupr", 2)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        media = (await (await upload(http, hub, token, a, png(4, 4))).json())["media"]
        reuse = await http.post(
            f"{hub.url}/api/v1/conversations/{b}/messages",
            json={"text": "x", "attachments": [{"media_id": media["media_id"]}]},
            headers=bearer(token),
        )
        assert reuse.status == 422
        assert (await reuse.json())["error"]["code"] == "unknown_media"


async def test_a_residents_signed_link_opens_only_its_own_file(hub: Any) -> None:
    [a, b] = await seed_cases(hub, "web-pupr", 2)
    token = await hub.token("budi@pupr.go.id", "pupr")
    media = hub.service.media
    async with aiohttp.ClientSession() as http:
        first = (await (await upload(http, hub, token, a, png(4, 4))).json())["media"]
        second = (await (await upload(http, hub, token, b, png(5, 5))).json())["media"]
        mine = media.resident_url(first["media_id"])
        assert (await http.get(f"{hub.url}{mine}")).status == 200
        signature = mine.rsplit("/", 1)[1]
        theirs = f"/media/{second['media_id']}/{signature}"
        assert (await http.get(f"{hub.url}{theirs}")).status == 404
        assert (await http.get(f"{hub.url}/media/{second['media_id']}/")).status == 404
