"""The WhatsApp Cloud API (Graph API) over aiohttp: send, upload, fetch media.

Meta's errors are mapped onto the hub's ladder: throughput and pair-rate limits, Meta's
transient errors, 5xx and timeouts are retried; anything else (the 24-hour window, an
unknown template, a number that is not on WhatsApp) dead-letters the message with a
reason an agent can act on.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import aiohttp

from hub.channel import (
    BodyTooLarge,
    ChannelSendError,
    FetchFailed,
    FileFetcher,
    Pacer,
    UnsafeAddress,
)
from hub.models import InboxRef, MediaBytes

GRAPH_BASE = "https://graph.facebook.com"
API_VERSION = "v21.0"
#: Meta's codes that mean "later": throughput (130429), pair rate (131056), rate limits
#: (4, 80007), temporary errors (1, 2, 131000, 131016).
RETRYABLE = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
#: What an agent should know about the permanent errors they will meet.
EXPLAINED = {
    131047: "the resident last wrote more than 24 hours ago: send an approved template",
    470: "the resident last wrote more than 24 hours ago: send an approved template",
    131026: "the number cannot receive this message (not on WhatsApp, or an old app)",
    131051: "WhatsApp does not support this message type",
    132000: "the template's parameters do not match the approved template",
    132001: "the template does not exist in this language (or is not approved)",
    190: "the access token is invalid or expired: an administrator must renew it",
}
#: Photos WhatsApp shows as images (else sent as a document): JPEG/PNG up to 5 MB.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
IMAGE_MAX = 5 * 1024 * 1024


class MediaUnavailable(Exception):
    """WhatsApp will not hand over a file (expired or unknown media id)."""


class MediaTooLarge(Exception):
    pass


@dataclass(frozen=True)
class GraphError(Exception):
    status: int
    code: int | None
    text: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.text


class GraphClient:
    """One inbox's number: its token, its pacer, the shared HTTP session."""

    def __init__(self, inbox: InboxRef, http: aiohttp.ClientSession) -> None:
        options: dict[str, Any] = inbox.options
        self.http = http
        self.token = str(options["access_token"])
        self.number = str(options["phone_number_id"])
        base = str(options.get("graph_base_url") or GRAPH_BASE).rstrip("/")
        self.base = f"{base}/{options.get('api_version') or API_VERSION}"
        self.pacer = Pacer(
            rate=float(options.get("max_per_second", 78)),  # under the tier's 80, for jitter
            gap=float(options.get("recipient_gap_seconds", 6.0)),
            burst=int(options.get("recipient_burst", 45)),
        )

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- sending ---------------------------------------------------------------------------
    async def send(self, to: str, body: dict[str, Any]) -> str:
        """One message (`body` is its type-specific part); returns its wamid."""
        await self.pacer.wait(to)
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        try:
            answer = await self._call(
                "POST", f"{self.base}/{self.number}/messages", json={**payload, **body}
            )
        except GraphError as exc:
            raise _send_error(exc) from exc
        finally:
            self.pacer.sent(to)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ChannelSendError(
                f"unexpected answer from WhatsApp: {answer}", retryable=True
            ) from exc

    async def upload(self, media: MediaBytes, name: str) -> str:
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", media.mime_type)
        form.add_field("file", media.data, filename=name, content_type=media.mime_type)
        try:
            answer = await self._call("POST", f"{self.base}/{self.number}/media", data=form)
        except GraphError as exc:
            raise _send_error(exc) from exc
        return str(answer["id"])

    # -- receiving -------------------------------------------------------------------------
    async def download(
        self, media_id: str, limit: int, files: FileFetcher
    ) -> tuple[bytes, str | None]:
        """A resident's file: look its URL up (valid five minutes), fetch it through `files`
        (which refuses URLs and redirects into the hub's network), check its sha256.
        MediaUnavailable / MediaTooLarge are final; GraphError may pass."""
        try:
            found = await self._call("GET", f"{self.base}/{media_id}")
        except GraphError as exc:
            if exc.status < 500 and exc.code not in RETRYABLE:
                raise MediaUnavailable(str(exc)) from exc
            raise
        size = int(found.get("file_size") or 0)  # a number, though some docs show a string
        if size > limit:
            raise MediaTooLarge(f"{size} bytes")
        try:
            data, _ = await files.get(str(found.get("url") or ""), limit, self._auth)
        except BodyTooLarge as exc:
            raise MediaTooLarge(str(exc)) from exc
        except UnsafeAddress as exc:
            raise MediaUnavailable(str(exc)) from exc
        except FetchFailed as exc:
            raise GraphError(exc.http_status or 502, None, f"download: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GraphError(599, None, f"download: {type(exc).__name__} {exc}") from exc
        expected = found.get("sha256")
        digest = hashlib.sha256(data)
        # Meta writes the hash in hex in some places and in base64 in others.
        if expected and expected not in (
            digest.hexdigest(),
            base64.b64encode(digest.digest()).decode(),
        ):
            raise GraphError(502, None, "download: the file's sha256 does not match")
        return data, found.get("mime_type")

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self.http.request(method, url, headers=self._auth, **kwargs) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                if response.status >= 400 or not isinstance(answer, dict):
                    raise _graph_error(response, answer)
                return answer
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GraphError(
                599, None, f"WhatsApp unreachable: {type(exc).__name__} {exc}"
            ) from exc


def _graph_error(response: aiohttp.ClientResponse, answer: Any) -> GraphError:
    error = answer.get("error") if isinstance(answer, dict) else None
    retry_after = _seconds(response.headers.get("Retry-After"))
    if not isinstance(error, dict):
        return GraphError(response.status, None, f"HTTP {response.status}", retry_after)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (error.get("error_data") or {}).get("details")
    text = f"{code}: {error.get('message') or 'error'}"
    if details and details not in text:
        text += f" — {details}"
    return GraphError(response.status, code, text, retry_after)


def _send_error(exc: GraphError) -> ChannelSendError:
    retryable = exc.status >= 500 or exc.status == 429 or exc.code in RETRYABLE
    reason = str(exc)
    if exc.code in EXPLAINED:
        reason = f"{EXPLAINED[exc.code]} ({reason})"
    return ChannelSendError(reason[:500], retryable=retryable, retry_after=exc.retry_after)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
