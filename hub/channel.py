"""The adapter contract every channel implements, and what the hub offers a channel.

A channel never imports the core: the hub hands it a ChannelHost (the way in) at
construction, and calls its methods (the way out). One Channel object serves every
inbox of its kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import aiohttp
import orjson
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from hub.models import Inbound, InboxRef, MediaBytes, Outbound, Rating, Reaction, StatusUpdate

#: An event that ends the sessions it reaches: each hub process that delivers it to a room
#: then hangs up its own sockets in that room (hub.cluster carries it to the others).
SESSION_ENDED = "session_ended"


async def end_sessions(sio: Any, namespace: str, room: str, reason: str) -> None:
    """Tell every socket in `room`, on every process, that its session has ended (so the
    client does not reconnect with the same credentials), and hang up this process's."""
    await sio.emit(SESSION_ENDED, {"reason": reason}, to=room, namespace=namespace)
    await hang_up_here(sio, namespace, room)


async def hang_up_here(sio: Any, namespace: str, room: str) -> int:
    """Disconnect this process's sockets in `room`; how many there were."""
    sids = [sid for sid, _ in sio.manager.get_participants(namespace, room)]
    for sid in sids:
        await sio.disconnect(sid, namespace=namespace, ignore_queue=True)
    return len(sids)


class ChannelError(Exception):
    """Base of the channel error ladder; each rung maps to one HTTP status."""

    status = 400


class ChannelAuthError(ChannelError):
    """A webhook's signature or secret is missing or wrong."""

    status = 401


class InboundRejected(ChannelError):
    """The resident's message breaks a rule (too long, empty); nothing was stored."""

    status = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(ChannelError):
    """Too many messages ([limits]): from one sender (`scope` "sender") or into one inbox
    ("inbox"); nothing was stored. Try again in `retry_after` seconds."""

    status = 429

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many messages; try again in {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


class HubUnavailable(ChannelError):
    """Storage did not answer: nothing was stored, the sender should retry."""

    status = 503


class ChannelSendError(ChannelError):
    """A provider refused or failed a send; retryable decides retry vs dead letter."""

    status = 502

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class Accepted:
    """What ingest did with one inbound item, in API shapes."""

    message: dict[str, Any] | None
    conversation: dict[str, Any] | None
    duplicate: bool = False
    new_conversation: bool = False
    recipient: str | None = None  # the resident's address on the channel


@dataclass(frozen=True)
class Thread:
    """A resident's current conversation and a page of its messages."""

    conversation: dict[str, Any] | None
    messages: list[dict[str, Any]]
    more: bool


class ChannelHost(Protocol):
    """The hub as a channel sees it."""

    max_message_length: int

    @property
    def max_media_bytes(self) -> int:
        """The largest photo or document the hub keeps; fetch nothing larger."""
        ...

    async def save_media(
        self, inbox: InboxRef, data: bytes, *, mime_type: str | None, file_name: str | None
    ) -> dict[str, Any]:
        """Keep a file a resident sent; returns the attachment fields that name it
        (`media_id`, `mime_type`, `file_name`, `size`). InboundRejected when too large."""
        ...

    async def read_media(self, media_id: str) -> MediaBytes | None:
        """A stored file (an agent's photo or document) to send."""
        ...

    def inbox(self, key: str) -> InboxRef | None: ...

    def inboxes_of(self, kind: str) -> list[InboxRef]: ...

    async def load_state(self, inbox: InboxRef, name: str) -> str | None:
        """A small value the channel keeps across restarts (e.g. a polling offset)."""
        ...

    async def save_state(self, inbox: InboxRef, name: str, value: str) -> None: ...

    async def accept(
        self,
        inbox: InboxRef,
        items: Sequence[Inbound | StatusUpdate | Reaction | Rating],
        origin: str | None = None,
        delivery: str | None = None,
    ) -> list[Accepted]:
        """Store a delivery; after the commit, `push` shows it everywhere but `origin`.

        `delivery` is the provider's id of the whole delivery (a Telegram update_id): stored
        once, in the same transaction; a repeat stores nothing and answers one duplicate
        Accepted per item (one, when there are no items).

        A Rating answers its case with the rating stored (and the note telling the agents as
        its message); `conversation` None when there is no case the resident may rate
        (none resolved in the last days, or not theirs)."""
        ...

    async def check_rate(
        self, inbox: InboxRef, sender: str, *, visitor: bool = False, new_case: bool = False
    ) -> None:
        """Count one message of `sender` (a widget visitor, a chat, a number) into `inbox`,
        which opens a case when `new_case`; RateLimited when it is over a limit."""
        ...

    async def seen(self, inbox: InboxRef, external_id: str) -> bool:
        """Whether a message (or delivery) with this provider id was stored already."""
        ...

    async def thread(
        self, inbox: InboxRef, external_id: str, after_seq: int, limit: int = 200
    ) -> Thread: ...

    async def update_contact(
        self, inbox: InboxRef, external_id: str, fields: dict[str, str]
    ) -> dict[str, Any]: ...

    async def typing(self, inbox: InboxRef, external_id: str, typing: bool) -> None: ...

    def issue_visitor_token(self, inbox: InboxRef) -> tuple[str, str]: ...

    def verify_visitor_token(self, inbox: InboxRef, token: str) -> str | None: ...

    async def visitor_revoked(self, inbox: InboxRef, visitor: str) -> bool:
        """Whether this visitor's token was revoked (hub/revocations.py)."""
        ...

    async def revoke_visitor(self, inbox: InboxRef, visitor: str, *, hang_up: bool = True) -> bool:
        """The resident ends their session: the token is refused from now on and (with
        `hang_up`) their connections, on every process, are hung up. False if it was
        revoked already."""
        ...

    @property
    def socketio(self) -> Any: ...


class BodyTooLarge(ChannelError):
    status = 413


def without_nul(value: Any) -> Any:
    """A provider's decoded JSON with every NUL character in its strings (keys too) made
    U+FFFD: PostgreSQL refuses NUL in text, and a refused write would answer the provider
    5xx, which it would retry for days. Residents never mean a NUL."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def provider_json(body: bytes) -> Any:
    """A webhook's body decoded (orjson), with NUL characters replaced (without_nul). Only
    a body that spells one (\\u0000) is walked. Raises ValueError when it is not JSON."""
    data = orjson.loads(body)
    return without_nul(data) if b"\\u0000" in body else data


async def read_limited(stream: Any, limit: int) -> bytes:
    """All of a request's or response's body (aiohttp's StreamReader), or BodyTooLarge as soon
    as it passes `limit` bytes. (`read(n)` alone may stop short of the body's end.)"""
    data = bytearray()
    async for chunk in stream.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise BodyTooLarge(f"body over {limit} bytes")
    return bytes(data)


class UnsafeAddress(ChannelError):
    """A provider's file URL (or a redirect) points inside the hub's own network: loopback,
    private, link-local (cloud metadata), or not http(s) at all. Refused before connecting."""

    status = 502


class FetchFailed(ChannelError):
    """A provider's file server answered an error (`http_status`) or redirected too often."""

    status = 502

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


def inside_network(address: str) -> bool:
    """Whether an IP address is anything but a public one (loopback, RFC 1918, link-local,
    CGNAT, unspecified, reserved), an IPv4-mapped IPv6 address judged as its IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _host(name: str) -> str:
    return name.rstrip(".").lower()


class AddressGuard(AbstractResolver):
    """Resolves the names a channel fetches residents' files from, refusing any name that
    resolves inside the hub's own network, unless it is trusted: the host of an API base
    URL the operator configured (a self-hosted Bot API server, a Graph API proxy, the tests'
    fakes). Checking the resolved addresses, not a prior lookup, leaves no DNS-rebinding gap."""

    def __init__(self, trusted: Callable[[], Collection[str]]) -> None:
        self._trusted = trusted
        self._inner: AbstractResolver | None = None

    def trusts(self, host: str) -> bool:
        return _host(host) in {_host(h) for h in self._trusted()}

    def check(self, url: URL) -> None:
        """A URL's own shape: http(s), and no literal address inside the network (aiohttp
        connects to literal addresses without asking the resolver)."""
        if url.scheme not in ("http", "https") or not url.host:
            raise UnsafeAddress(f"refused to fetch {url.scheme or 'a relative'} URL")
        if self.trusts(url.host):
            return
        try:
            literal = inside_network(url.host)
        except ValueError:
            return  # a name: judged by its addresses in resolve()
        if literal:
            raise UnsafeAddress(f"refused to fetch from {url.host}: inside the hub's network")

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = aiohttp.DefaultResolver()
        found = await self._inner.resolve(host, port, family)
        if not self.trusts(host):
            inside = [r["host"] for r in found if inside_network(r["host"])]
            if inside:
                raise UnsafeAddress(f"refused to fetch from {_host(host)}: it is {inside[0]}")
        return found

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


class FileFetcher:
    """Downloads residents' files from a provider over its own HTTP session, through an
    AddressGuard: every hop of a redirect is checked, and the credentials in `headers`
    never follow a redirect to another host."""

    MAX_REDIRECTS = 3

    def __init__(self, trusted: Callable[[], Collection[str]], timeout: float = 60.0) -> None:
        self.guard = AddressGuard(trusted)
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=10)
        self._http: aiohttp.ClientSession | None = None

    async def get(
        self, url: str, limit: int, headers: Mapping[str, str] | None = None
    ) -> tuple[bytes, str | None]:
        """The body (BodyTooLarge past `limit`) and its Content-Type. UnsafeAddress,
        FetchFailed, or aiohttp's errors when the server cannot be reached."""
        if self._http is None:
            connector = aiohttp.TCPConnector(resolver=self.guard)
            self._http = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        target, first = URL(url), URL(url).host
        for _ in range(self.MAX_REDIRECTS + 1):
            self.guard.check(target)
            sent = headers if target.host == first else None
            async with self._http.get(target, headers=sent, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status in (301, 302, 303, 307, 308) and location:
                    target = target.join(URL(location))
                    continue
                if response.status >= 400:
                    raise FetchFailed(f"HTTP {response.status}", response.status)
                return await read_limited(response.content, limit), response.content_type
        raise FetchFailed(f"more than {self.MAX_REDIRECTS} redirects")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        await self.guard.close()


class Pacer:
    """Spaces sends under a provider's limits: at most `rate` a second overall and, per
    recipient, a bucket of `burst` sends that refills one every `gap` seconds (`gap_for`
    may give some recipients another gap: Telegram's groups). A caller that wakes late
    pushes the next send back, so that sends never bunch up behind a late one."""

    def __init__(
        self,
        rate: float,
        gap: float,
        burst: int = 1,
        gap_for: Callable[[str], float] | None = None,
    ) -> None:
        self.interval = 1.0 / rate
        self.gap = gap
        self.gap_for = gap_for
        self.burst = float(burst)
        self._next = 0.0
        self._buckets: dict[str, tuple[float, float]] = {}  # recipient -> (tokens, at)
        self._lock = asyncio.Lock()

    async def wait(self, recipient: str) -> None:
        async with self._lock:
            now = time.monotonic()
            gap = self._gap(recipient)
            tokens = self._tokens(recipient, now, gap)
            ready = now if tokens >= 1 else now + (1 - tokens) * gap
            at = max(ready, self._next)
            self._buckets[recipient] = (self._tokens(recipient, at, gap) - 1, at)
            self._next = at + self.interval
            if len(self._buckets) > 10_000:
                self._forget_full(now)
        if at > now:
            await asyncio.sleep(at - now)
            late = time.monotonic() - at
            if late > 0:
                async with self._lock:
                    self._next = max(self._next, at + late + self.interval)

    def sent(self, recipient: str) -> None:
        """A send to `recipient` has been answered: its gap counts from now, not from its
        release. The provider counts arrivals: a send that took long to arrive (a new
        connection, a busy loop) must not arrive just before the next one."""
        entry = self._buckets.get(recipient)
        now = time.monotonic()
        if entry is not None and now > entry[1]:
            self._buckets[recipient] = (entry[0], now)

    def _gap(self, recipient: str) -> float:
        return self.gap_for(recipient) if self.gap_for is not None else self.gap

    def _tokens(self, recipient: str, at: float, gap: float) -> float:
        tokens, since = self._buckets.get(recipient, (self.burst, at))
        if gap <= 0:
            return self.burst
        return min(self.burst, tokens + (at - since) / gap)

    def _forget_full(self, now: float) -> None:
        full = [r for r in self._buckets if self._tokens(r, now, self._gap(r)) >= self.burst]
        for recipient in full:
            del self._buckets[recipient]


class KeyedLocks:
    """One lock per key, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


Route = tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]
#: An operator's command about one inbox (`kanal <kind> <name> KEY`): (inbox, public_url) -> output.
Command = Callable[[InboxRef, str], Awaitable[str]]


class Channel:
    """Base of all channels. Override what your channel does; the rest is a no-op."""

    kind: ClassVar[str]
    #: Delivers replies itself over a live connection (the widget), not through the outbox.
    live: ClassVar[bool] = False
    #: Commands the `kanal` CLI offers for this channel's inboxes, by name.
    commands: ClassVar[Mapping[str, Command]] = {}
    #: Seconds after a resident's last message during which free-form replies may be sent
    #: (WhatsApp: 24 hours); later only the inbox's approved `templates`. None: always.
    reply_window: ClassVar[float | None] = None

    def __init__(self, host: ChannelHost) -> None:
        self.host = host

    def check(self, key: str, options: dict[str, Any]) -> list[str]:
        """Problems with an inbox's settings, one line each; the hub refuses to start on any."""
        return []

    def routes(self) -> list[Route]:
        """HTTP routes (method, path, handler) the channel serves, e.g. webhooks."""
        return []

    async def start(self) -> None:
        """Called once the hub is ready (storage up, socket server mounted)."""

    async def stop(self) -> None:
        """Called at shutdown, before storage closes."""

    async def send(self, inbox: InboxRef, out: Outbound) -> str | None:
        """Deliver out to the provider; returns the provider's message id."""
        raise ChannelSendError(f"channel {self.kind} cannot send", retryable=False)

    async def push(
        self,
        inbox: InboxRef,
        recipient: str,
        event: str,
        payload: dict[str, Any],
        skip: str | None = None,
    ) -> None:
        """Live channels: show an event (message, typing, conversation) to the resident now,
        except on the connection `skip` (the one it came from)."""

    async def end_session(self, inbox: InboxRef, recipient: str, reason: str) -> None:
        """Live channels: the resident's access was revoked; hang up their connections on
        every process, telling them why (`reason`: "ended" by themselves, "revoked")."""

    async def ask_rating(
        self, inbox: InboxRef, recipient: str, conversation: dict[str, Any]
    ) -> bool:
        """A case was resolved: ask the resident once how satisfied they are (1 to 5), in a
        way they can answer with a tap that comes back as a Rating. `conversation` is the
        case in its API shape. Returns whether the resident was asked."""
        return False
