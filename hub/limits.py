"""How much one sender, one inbox and one login may do ([limits]), over hub/throttle.py's
counters (in this process, or in Redis shared by every process).

Inbound: a widget visitor's messages and new cases, a Telegram chat's or WhatsApp
number's messages, and every inbox's messages and (widget) new cases. The channel decides
what a refusal means to its sender (hub.channel.RateLimited).

Logins: only failures count, per (account, address) strictly, per account more loosely
but for longer (so a guesser spread over many addresses backs off too), and per address
generously (a whole kampung behind one carrier-grade NAT must still log in).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from hub.channel import RateLimited
from hub.config import LimitSettings
from hub.throttle import RateLimiter

log = logging.getLogger(__name__)

Limits = Sequence[tuple[int, float]]
#: A limiter for these (count, seconds) limits, named for its keys.
MakeLimiter = Callable[[str, Limits], RateLimiter]
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
LOGIN_WINDOW = 900.0  # 15 minutes


def _on(*limits: tuple[int, float]) -> list[tuple[int, float]]:
    """The limits that are not 0 (off)."""
    return [(count, seconds) for count, seconds in limits if count > 0]


class _Named:
    """One limiter under a name (its keys' prefix), or none when every limit is off."""

    def __init__(self, make: MakeLimiter, name: str, limits: Limits) -> None:
        self.name = name
        self.limiter = make(name, limits) if limits else None

    async def hit(self, key: str) -> int:
        if self.limiter is None:
            return 0
        wait = await self.limiter.hit(f"{self.name}:{key}")
        return math.ceil(wait) if wait > 0 else 0

    async def peek(self, key: str) -> int:
        if self.limiter is None:
            return 0
        wait = await self.limiter.peek(f"{self.name}:{key}")
        return math.ceil(wait) if wait > 0 else 0


class InboundLimits:
    """Counts what residents send; `check` raises RateLimited for one over a limit."""

    def __init__(self, make: MakeLimiter, settings: LimitSettings, registry: CollectorRegistry):
        s = settings
        self.visitor = _Named(
            make,
            "visitor",
            _on((s.visitor_messages_per_minute, MINUTE), (s.visitor_messages_per_hour, HOUR)),
        )
        self.visitor_cases = _Named(make, "visitor-cases", _on((s.visitor_cases_per_hour, HOUR)))
        self.sender = _Named(
            make,
            "sender",
            _on((s.sender_messages_per_minute, MINUTE), (s.sender_messages_per_hour, HOUR)),
        )
        self.inbox = _Named(make, "inbox", _on((s.inbox_messages_per_minute, MINUTE)))
        self.inbox_cases = _Named(
            make,
            "inbox-cases",
            _on((s.inbox_cases_per_minute, MINUTE), (s.inbox_cases_per_hour, HOUR)),
        )
        self.refused = Counter(
            "kanal_rate_limited",
            "Resident messages refused by a rate limit ([limits]); scope: sender or inbox.",
            ["channel", "scope"],
            registry=registry,
        )

    async def check(
        self, channel: str, inbox_id: int, sender: str, *, visitor: bool, new_case: bool
    ) -> None:
        """Count one message of `sender` into the inbox (a widget `visitor`, or a chat or
        number); RateLimited with the seconds to wait when it is one too many."""
        own = self.visitor if visitor else self.sender
        checks = [(own, f"{inbox_id}:{sender}", "sender"), (self.inbox, str(inbox_id), "inbox")]
        for limiter, key, scope in checks:
            wait = await limiter.hit(key)
            if wait:
                self.refused.labels(channel, scope).inc()
                raise RateLimited(scope, wait)
        if not new_case:
            return
        # New cases are looked at here and counted when one is opened (case_opened): a
        # visitor's tabs racing with their first message make one case, not one each.
        for limiter, key, scope in self._case_limits(inbox_id, sender):
            wait = await limiter.peek(key)
            if wait:
                self.refused.labels(channel, scope).inc()
                raise RateLimited(scope, wait)

    async def case_opened(self, inbox_id: int, sender: str) -> None:
        """Count a case a widget visitor opened (the limits `check` looks at)."""
        for limiter, key, _ in self._case_limits(inbox_id, sender):
            await limiter.hit(key)

    def _case_limits(self, inbox_id: int, sender: str) -> list[tuple[_Named, str, str]]:
        return [
            (self.visitor_cases, f"{inbox_id}:{sender}", "sender"),
            (self.inbox_cases, str(inbox_id), "inbox"),
        ]


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class LoginLimits:
    """Failed logins. `check` before the password is verified (LoginThrottled when any of
    the three is spent, whatever the password); `failed` counts one; `succeeded` forgets
    the (account, address) pair's failures."""

    def __init__(self, make: MakeLimiter, settings: LimitSettings) -> None:
        pair, account = (
            settings.login_failures_per_account_and_address,
            settings.login_failures_per_account,
        )
        self.pair = make("login-pair", [(pair, LOGIN_WINDOW), (pair * 4, DAY)])
        # Backoff: 15 minutes after `account` failures, an hour after twice as many, a day
        # after five times as many.
        self.account = make(
            "login-account", [(account, LOGIN_WINDOW), (account * 2, HOUR), (account * 5, DAY)]
        )
        self.address = make("login-address", [(settings.login_failures_per_address, LOGIN_WINDOW)])

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str, str]:
        account = email.strip().lower()
        return (
            f"login-pair:{account}|{address}",
            f"login-account:{account}",
            f"login-address:{address}",
        )

    def _limiters(self) -> tuple[RateLimiter, RateLimiter, RateLimiter]:
        return self.pair, self.account, self.address

    async def check(self, email: str, address: str) -> None:
        waits = [
            await limiter.peek(key)
            for limiter, key in zip(self._limiters(), self._keys(email, address), strict=True)
        ]
        wait = max(waits)
        if wait > 0:
            log.warning("login throttled for %s from %s (%.0f s)", email[:254], address, wait)
            raise LoginThrottled(math.ceil(wait))

    async def failed(self, email: str, address: str) -> None:
        for limiter, key in zip(self._limiters(), self._keys(email, address), strict=True):
            await limiter.hit(key)

    async def succeeded(self, email: str, address: str) -> None:
        await self.pair.forget(self._keys(email, address)[0])


LOGINS = web.AppKey("logins", LoginLimits)
