"""A fake Telegram Bot API and WhatsApp Graph API on 127.0.0.1 that ENFORCE the providers'
sending limits, for the `limiter` scenario (bench/server.py provider runs it).

Limits, each checked when a send arrives (a refused send does not count against them):
- Telegram, per bot: 30 messages/s overall and 1 message/s per private chat, each a
  GCRA (a virtual schedule: a send may arrive at most JITTER seconds ahead of it, so a
  sustained rate over the limit is always caught, while a sender paced exactly at the
  limit is not punished for the loopback's scheduling noise); 20 messages per sliding
  minute per group chat (a negative chat id). Over a limit: HTTP 429
  {"ok": false, "error_code": 429, "parameters": {"retry_after": N}}, as Telegram.
- WhatsApp, per phone number: MAX_PER_SECOND messages/s (a GCRA as above; Meta's
  throughput is configurable per number, 80/s by default) and, per recipient, Meta's pair
  rate: a bucket of 45 that refills one every 6 s. Over a limit: HTTP 429 with code
  130429 (throughput) or 131056 (pair rate) and a Retry-After header.

GET /stats gives every accepted send's arrival time and the refusals by reason;
POST /stats/reset starts over. The tests' fakes (tests/channels/*/fake_*.py) record and
fail on demand but enforce nothing, and bench does not import tests.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict, deque
from typing import Any

import orjson
from aiohttp import web

JITTER = 0.05  # seconds a send may arrive ahead of its rate's schedule
TELEGRAM_PER_SECOND = 30.0
TELEGRAM_CHAT_GAP = 1.0
TELEGRAM_GROUP_PER_MINUTE = 20
WHATSAPP_PER_SECOND = 80.0
WHATSAPP_PAIR_BURST = 45
WHATSAPP_PAIR_GAP = 6.0


class Gcra:
    """One rate: `interval` seconds between sends, JITTER tolerance. allow() -> wait (0: ok)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.tat = 0.0  # theoretical arrival time of the next send

    def check(self, now: float) -> float:
        return max(0.0, self.tat - JITTER - now)

    def take(self, now: float) -> None:
        self.tat = max(now, self.tat) + self.interval


class Bucket:
    """`burst` sends, refilled one every `gap` seconds."""

    def __init__(self, burst: int, gap: float) -> None:
        self.burst, self.gap = float(burst), gap
        self.tokens, self.at = float(burst), 0.0

    def check(self, now: float) -> float:
        tokens = min(self.burst, self.tokens + (now - self.at) / self.gap)
        return 0.0 if tokens >= 1 else (1 - tokens) * self.gap

    def take(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) / self.gap) - 1
        self.at = now


class Window:
    """At most `limit` sends in any `span` seconds."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit, self.span = limit, span
        self.times: deque[float] = deque()

    def check(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.times[0] + self.span - now

    def take(self, now: float) -> None:
        self.times.append(now)


class Limits:
    def __init__(self, whatsapp_per_second: float) -> None:
        self.whatsapp_per_second = whatsapp_per_second
        self.reset()

    def reset(self) -> None:
        self.tg_bot: dict[str, Gcra] = defaultdict(lambda: Gcra(1 / TELEGRAM_PER_SECOND))
        self.tg_chat: dict[str, Gcra] = defaultdict(lambda: Gcra(TELEGRAM_CHAT_GAP))
        self.tg_group: dict[str, Window] = defaultdict(
            lambda: Window(TELEGRAM_GROUP_PER_MINUTE, 60.0)
        )
        self.wa_number: dict[str, Gcra] = defaultdict(lambda: Gcra(1 / self.whatsapp_per_second))
        self.wa_pair: dict[str, Bucket] = defaultdict(
            lambda: Bucket(WHATSAPP_PAIR_BURST, WHATSAPP_PAIR_GAP)
        )
        self.accepted: dict[str, list[tuple[float, str]]] = defaultdict(list)  # kind -> sends
        self.refused: dict[str, int] = defaultdict(int)  # reason -> count

    def admit(self, kind: str, recipient: str, checks: list[tuple[str, Any]]) -> tuple[str, float]:
        """("", 0) and the send counted, or (the first limit broken, seconds to wait)."""
        now = time.monotonic()
        for reason, limit in checks:
            wait = limit.check(now)
            if wait > 0:
                self.refused[reason] += 1
                return reason, wait
        for _, limit in checks:
            limit.take(now)
        self.accepted[kind].append((now, recipient))
        return "", 0.0


def create_app(whatsapp_per_second: float = WHATSAPP_PER_SECOND) -> web.Application:
    limits = Limits(whatsapp_per_second)
    ids = itertools.count(1)
    app = web.Application()

    async def telegram(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json(loads=orjson.loads)
        else:
            params = dict(await request.post())
        if method == "getMe":
            me = {"id": 123456, "is_bot": True, "first_name": "Lapor Kota", "username": "LKBot"}
            return web.json_response({"ok": True, "result": me})
        if method != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        chat = str(params["chat_id"])
        bot = request.match_info["token"]
        checks: list[tuple[str, Any]] = [("telegram_bot_30_per_s", limits.tg_bot[bot])]
        if chat.startswith("-"):
            checks.append(("telegram_group_20_per_min", limits.tg_group[chat]))
        else:
            checks.append(("telegram_chat_1_per_s", limits.tg_chat[chat]))
        reason, wait = limits.admit("telegram", chat, checks)
        if reason:
            retry = max(1, math.ceil(wait))
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry}",
                "parameters": {"retry_after": retry},
            }
            return web.json_response(body, status=429)
        kind = "group" if chat.startswith("-") else "private"
        sent = {
            "message_id": next(ids),
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": kind},
            "from": {"id": 123456, "is_bot": True, "first_name": "Lapor Kota"},
            "text": params.get("text", ""),
        }
        return web.json_response({"ok": True, "result": sent})

    async def whatsapp(request: web.Request) -> web.Response:
        body = await request.json(loads=orjson.loads)
        to = str(body["to"])
        number = request.match_info["number"]
        checks: list[tuple[str, Any]] = [
            ("whatsapp_throughput_130429", limits.wa_number[number]),
            ("whatsapp_pair_rate_131056", limits.wa_pair[f"{number}:{to}"]),
        ]
        reason, wait = limits.admit("whatsapp", to, checks)
        if reason:
            code = 130429 if "throughput" in reason else 131056
            error = {
                "message": f"(#{code}) Rate limit hit",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": "Rate limit hit"},
            }
            headers = {"Retry-After": str(max(1, math.ceil(wait)))}
            return web.json_response({"error": error}, status=429, headers=headers)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.BENCH{next(ids):016d}"}],
        }
        return web.json_response(answer)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {"accepted": limits.accepted, "refused": limits.refused}, dumps=_dumps
        )

    async def reset(request: web.Request) -> web.Response:
        limits.reset()
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_post("/bot{token}/{method}", telegram)
    app.router.add_post("/{version}/{number}/messages", whatsapp)
    app.router.add_get("/stats", stats)
    app.router.add_post("/stats/reset", reset)
    app.router.add_get("/healthz", healthz)
    return app


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()
