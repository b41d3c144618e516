"""Scenario `limiter` (issue 7, S8): agent replies through the outbound pacer against a fake
provider that enforces Telegram's and WhatsApp's sending limits.

Server: a real hub process (bench/server.py hub) on a temporary SQLite file, pinned to
SERVER_CORE, with one Telegram inbox (webhook mode, groups allowed) and one WhatsApp inbox
whose base URLs point at bench/fake_provider.py (bench/server.py provider), pinned to
LOADGEN_CORE with this process. The fake refuses with 429 (and retry_after) every send
over a limit: Telegram 30/s per bot, 1/s per private chat, 20 per minute per group;
WhatsApp 80/s per number and the pair rate (45 per 6 s per recipient).

Setup: residents write first (Telegram updates and signed WhatsApp deliveries to the
webhooks), so each has a case; an agent's API token lists the cases. Then, per phase,
the agent queues every reply at once (POST /api/v1/conversations/{id}/messages, round
robin over the cases) and the outbox relay drains them through the channels' pacers:
1. Telegram private chats: `chats` x `per_chat` replies.
2. WhatsApp: `recipients` x `per_recipient` replies.
3. Telegram groups: `groups` x `per_group` replies (more than 20, so a minute's quota
   is overrun unless the hub paces groups under 20/min); bounded by `group_wait`.
The figure is the rate the fake accepted sends at (from the first accepted send to the
last) and the 429s it answered. Baseline: a bare paced sender in this process (aiohttp,
open loop at exactly the provider's limit, round robin) sending the same number of
messages to the same fake: what a sender with no queue, no database and no retries gets.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.common import (
    HOST,
    LOADGEN_CORE,
    SERVER_CORE,
    Row,
    ScenarioResult,
    ServerProcess,
    bench_limits,
    free_port,
    log,
    pinned,
    run_cli,
)
from bench.fake_provider import TELEGRAM_PER_SECOND, WHATSAPP_PER_SECOND
from bench.whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, Deliveries

TARGET = 0.95  # of the provider's limit, with no 429
TG_INBOX, WA_INBOX = "kota-bot", "kota-wa"
TG_SECRET = "bench_webhook-secret-2026"
TG_TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
AGENT = "limiter@bench.local"
CHAT_BASE, GROUP_BASE = 7_200_000_000, -1_001_700_000_000
GROUP_MARK = "di grup RT"  # in the group residents' first message: their cases' preview
REPLY = "Terima kasih, laporan Anda ({n}) sudah kami teruskan ke petugas lapangan."


@dataclass(frozen=True)
class Plan:
    chats: int = 300
    per_chat: int = 3
    recipients: int = 100
    per_recipient: int = 24
    groups: int = 2
    per_group: int = 25
    group_wait: float = 45.0  # seconds the group phase may take (429s mean long waits)

    @classmethod
    def quick(cls) -> Plan:
        return cls(chats=60, per_chat=2, recipients=40, per_recipient=10, groups=1,
                   per_group=22, group_wait=30.0)  # fmt: skip


def _config(tmp: Path, port: int, fake: str) -> Path:
    path = tmp / "kanal.toml"
    path.write_text(
        f"""
[server]
host = "{HOST}"
port = {port}
public_url = "http://{HOST}:{port}"
secret_key = "bench-secret-key"
data_dir = "{tmp / "data"}"

[database]
url = "sqlite+aiosqlite:///{tmp / "kanal.db"}"
synchronous = "FULL"

[organization]
name = "Pemerintah Kota Bench"

[[opds]]
slug = "diskominfo"
name = "Dinas Komunikasi dan Informatika"

[[inboxes]]
key = "{TG_INBOX}"
kind = "telegram"
opd = "diskominfo"
token = "{TG_TOKEN}"
webhook_secret = "{TG_SECRET}"
mode = "webhook"
ack = false
allow_groups = true
api_base_url = "{fake}/bot"

[[inboxes]]
key = "{WA_INBOX}"
kind = "whatsapp"
opd = "diskominfo"
phone_number_id = "{PHONE_NUMBER_ID}"
access_token = "{ACCESS_TOKEN}"
app_secret = "{APP_SECRET}"
verify_token = "{VERIFY_TOKEN}"
graph_base_url = "{fake}"
api_version = "v21.0"
ack = false
"""
        + bench_limits()
    )
    return path


def _update(n: int, chat: int) -> bytes:
    user = {"id": CHAT_BASE + n, "is_bot": False, "first_name": "Warga", "language_code": "id"}
    if chat < 0:
        where = {"id": chat, "type": "group", "title": f"RT {n:02d} Batu Merah"}
    else:
        where = {"id": chat, "type": "private", "first_name": "Warga"}
    message = {"message_id": n, "from": user, "chat": where, "date": int(time.time())}
    where_from = GROUP_MARK if chat < 0 else "di ujung gang"
    message["text"] = f"Selamat siang, sampah {where_from} {n} belum diangkut seminggu."
    return orjson.dumps({"update_id": 905_000_000 + n, "message": message})


async def _seed(http: aiohttp.ClientSession, hub: str, plan: Plan) -> None:
    """One message from every resident, so each has a case to be answered in."""
    sem = asyncio.Semaphore(16)

    async def post(url: str, body: bytes, headers: dict[str, str]) -> None:
        async with sem, http.post(url, data=body, headers=headers) as r:
            if r.status != 200:
                raise RuntimeError(f"{url}: {r.status} {await r.text()}")

    tg = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    chats = [CHAT_BASE + i for i in range(plan.chats)] + [
        GROUP_BASE - i for i in range(plan.groups)
    ]
    jobs = [
        post(f"{hub}/webhooks/telegram/{TG_INBOX}", _update(n, c), tg) for n, c in enumerate(chats)
    ]
    deliveries = Deliveries(seed=8)
    while len(deliveries.residents) < plan.recipients:
        body, signature = deliveries.next()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        jobs.append(post(f"{hub}/webhooks/whatsapp/{WA_INBOX}", body, headers))
    await asyncio.gather(*jobs)


async def _cases(http: aiohttp.ClientSession, hub: str, token: str) -> dict[str, list[int]]:
    """Case ids by kind: "private", "group" (Telegram) and "whatsapp"."""
    found: dict[str, list[int]] = {"private": [], "group": [], "whatsapp": []}
    cursor = ""
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        url = f"{hub}/api/v1/conversations?limit=200" + (f"&cursor={cursor}" if cursor else "")
        async with http.get(url, headers=headers) as r:
            page = await r.json()
            if r.status != 200:
                raise RuntimeError(f"list cases: {r.status} {page}")
        for item in page["items"]:
            key = item["inbox"]["key"]
            if key == WA_INBOX:
                found["whatsapp"].append(item["id"])
            elif GROUP_MARK in (item.get("last_message_preview") or ""):
                found["group"].append(item["id"])
            else:
                found["private"].append(item["id"])
        cursor = page.get("next") or ""
        if not cursor:
            return found


async def _stats(http: aiohttp.ClientSession, fake: str, reset: bool = False) -> dict[str, Any]:
    if reset:
        async with http.post(f"{fake}/stats/reset") as r:
            await r.read()
    async with http.get(f"{fake}/stats") as r:
        stats: dict[str, Any] = await r.json()
        return stats


def _figures(
    stats: dict[str, Any], kind: str, prefix: str, seconds: float, limit: float
) -> dict[str, Any]:
    sends = stats["accepted"].get(kind, [])
    times = [t for t, _ in sends]
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    refused = {k: v for k, v in stats["refused"].items() if k.startswith(prefix)}
    # Where the time over the limit's schedule went: gaps well over the send interval.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    stalls = [g for g in gaps if g > 2.5 / limit]
    return {
        "accepted": len(times),
        "stalls": len(stalls),
        "stall_seconds": round(sum(g - 1 / limit for g in stalls), 3),
        "stall_median_ms": round(statistics.median(stalls) * 1000, 1) if stalls else 0.0,
        "rate": (len(times) - 1) / span if span and span == span else float("nan"),
        "span_seconds": round(span, 2),
        "wall_seconds": round(seconds, 2),
        "refused": refused,
        "429s": sum(refused.values()),
    }


async def _hub_phase(
    http: aiohttp.ClientSession,
    hub: str,
    fake: str,
    token: str,
    cases: list[int],
    per_case: int,
    kind: str,
    prefix: str,
    wait: float,
    limit: float,
) -> dict[str, Any]:
    """Queue per_case replies to every case at once; wait until the fake accepted them all."""
    await _stats(http, fake, reset=True)
    expected = len(cases) * per_case
    headers = {"Authorization": f"Bearer {token}"}
    sem = asyncio.Semaphore(16)
    ids = itertools.count(1)

    async def reply(case: int) -> None:
        n = next(ids)
        body = {"text": REPLY.format(n=n), "client_id": f"r{kind}{n}"}
        async with (
            sem,
            http.post(
                f"{hub}/api/v1/conversations/{case}/messages", json=body, headers=headers
            ) as r,
        ):
            if r.status != 201:
                raise RuntimeError(f"reply: {r.status} {await r.text()}")

    started = time.monotonic()
    order = [case for _ in range(per_case) for case in cases]
    await asyncio.gather(*(reply(case) for case in order))
    queued = time.monotonic() - started
    deadline = started + wait
    while time.monotonic() < deadline:
        stats = await _stats(http, fake)
        if len(stats["accepted"].get(kind, [])) >= expected:
            break
        await asyncio.sleep(0.25)
    stats = await _stats(http, fake)
    result = _figures(stats, kind, prefix, time.monotonic() - started, limit)
    result.update(expected=expected, queue_seconds=round(queued, 2))
    return result


async def _bare_phase(
    http: aiohttp.ClientSession,
    fake: str,
    recipients: list[str],
    count: int,
    rate: float,
    kind: str,
    prefix: str,
) -> dict[str, Any]:
    """Open loop at exactly `rate`, round robin over `recipients`, no retries."""
    await _stats(http, fake, reset=True)
    if kind == "telegram":
        url = f"{fake}/bot{TG_TOKEN}/sendMessage"
    else:
        url = f"{fake}/v21.0/{PHONE_NUMBER_ID}/messages"

    async def send(i: int) -> None:
        to = recipients[i % len(recipients)]
        if kind == "telegram":
            body: dict[str, Any] = {"chat_id": to, "text": REPLY.format(n=i)}
        else:
            body = {"messaging_product": "whatsapp", "to": to, "type": "text"}
            body["text"] = {"body": REPLY.format(n=i)}
        async with http.post(url, json=body) as r:
            await r.read()

    started = time.monotonic()
    tasks = []
    for i in range(count):
        due = started + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    stats = await _stats(http, fake)
    return _figures(stats, kind, prefix, time.monotonic() - started, rate)


async def _run(hub: str, fake: str, token: str, plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.monotonic()
        await _seed(http, hub, plan)
        cases = await _cases(http, hub, token)
        log(
            f"limiter: seeded in {time.monotonic() - started:.1f} s: "
            + ", ".join(f"{len(v)} {k} cases" for k, v in cases.items())
        )
        chats = [str(CHAT_BASE + i) for i in range(plan.chats)]
        out["bare_telegram"] = await _bare_phase(
            http, fake, chats, plan.chats * plan.per_chat, TELEGRAM_PER_SECOND, "telegram",
            "telegram",
        )  # fmt: skip
        log(f"limiter: bare telegram {_fmt(out['bare_telegram'])}")
        out["hub_telegram"] = await _hub_phase(
            http, hub, fake, token, cases["private"], plan.per_chat, "telegram", "telegram",
            120.0, TELEGRAM_PER_SECOND,
        )  # fmt: skip
        log(f"limiter: hub  telegram {_fmt(out['hub_telegram'])}")
        numbers = [str(r) for r in range(6281300000000, 6281300000000 + plan.recipients)]
        out["bare_whatsapp"] = await _bare_phase(
            http, fake, numbers, plan.recipients * plan.per_recipient, WHATSAPP_PER_SECOND,
            "whatsapp", "whatsapp",
        )  # fmt: skip
        log(f"limiter: bare whatsapp {_fmt(out['bare_whatsapp'])}")
        out["hub_whatsapp"] = await _hub_phase(
            http, hub, fake, token, cases["whatsapp"], plan.per_recipient, "whatsapp",
            "whatsapp", 120.0, WHATSAPP_PER_SECOND,
        )  # fmt: skip
        log(f"limiter: hub  whatsapp {_fmt(out['hub_whatsapp'])}")
        out["hub_groups"] = await _hub_phase(
            http, hub, fake, token, cases["group"], plan.per_group, "telegram",
            "telegram_group", plan.group_wait, 1 / 3,
        )  # fmt: skip
        log(f"limiter: hub  groups   {_fmt(out['hub_groups'])}")
    return out


def _fmt(run: dict[str, Any]) -> str:
    expected = f" of {run['expected']}" if "expected" in run else ""
    return (
        f"{run['accepted']}{expected} accepted at {run['rate']:.1f}/s over "
        f"{run['span_seconds']} s, {run['429s']} x 429 {run['refused'] or ''}; "
        f"{run['stalls']} stalls (median {run['stall_median_ms']} ms, "
        f"{run['stall_seconds']} s lost)"
    )


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("limiter")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-limiter-"))
    try:
        port, fake_port = free_port(), free_port()
        fake_url = f"http://{HOST}:{fake_port}"
        config = _config(tmp, port, fake_url)
        cfg = ["--config", str(config)]
        run_cli(["migrate", *cfg])
        agent = ["--email", AGENT, "--name", "Petugas Bench", "--opd", "diskominfo"]
        run_cli(["agent", "add", *agent, "--role", "agent", "--password", "bench-pass-1", *cfg])
        token = run_cli(["token", "create", AGENT, *cfg]).strip().splitlines()[-1]
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        fake_args = ["provider", "--port", str(fake_port), "--core", str(LOADGEN_CORE)]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(fake_args, fake_port) as fake,
            ServerProcess(hub_args, port) as hub,
        ):
            fake.start(tmp / "fake.log")
            hub.start(tmp / "hub.log")
            log(f"limiter: hub on core {SERVER_CORE}, fake provider + bare sender on core "
                f"{LOADGEN_CORE}")  # fmt: skip
            figures = asyncio.run(_run(hub.url, fake.url, token, plan))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for name, kind, limit in (
        ("telegram", "Telegram private chats", TELEGRAM_PER_SECOND),
        ("whatsapp", "WhatsApp recipients", WHATSAPP_PER_SECOND),
    ):
        hub_run, bare_run = figures[f"hub_{name}"], figures[f"bare_{name}"]
        complete = hub_run["accepted"] >= hub_run["expected"]
        passed = hub_run["rate"] >= TARGET * limit and hub_run["429s"] == 0 and complete
        result.rows.append(
            Row(
                "limiter",
                f"{kind}: sends/s (limit {limit:.0f}/s)",
                "msg/s",
                hub_run["rate"],
                bare_run["rate"],
                hub_run["rate"] / limit,
                f">= {TARGET:.0%} of limit, 0 x 429",
                passed,
                f"ratio is hub / limit; hub {hub_run['accepted']} of {hub_run['expected']} "
                f"sent, {hub_run['429s']} x 429; bare paced sender {bare_run['429s']} x 429",
            )
        )
    groups = figures["hub_groups"]
    result.rows.append(
        Row(
            "limiter",
            f"Telegram groups: {plan.per_group} replies to each of {plan.groups} (limit 20/min)",
            "429s",
            groups["429s"],
            float("nan"),
            float("nan"),
            "0 x 429",
            groups["429s"] == 0,
            f"{groups['accepted']} of {groups['expected']} sent within {plan.group_wait:.0f} s "
            f"at {groups['rate']:.2f}/s",
        )
    )
    result.details.update(plan=plan.__dict__, **figures)
    return result
