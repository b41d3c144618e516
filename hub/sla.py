"""Response-time facts: for every case its first response, each next response and its
resolution, in office time and on the clock, and its deadlines; alerts before and at a
breach.

Facts are stored (case_sla, sla_response) as cases move, never recomputed from the
history on a page load: the SlaKeeper listens to the events, recomputes the facts of the
cases that changed (from their messages: a case is a short thread) in one batched write,
and on start catches up with whatever changed while it was not running. Reports and
exports read only the facts.

What counts:
- a response is an officer's public message (private notes, bot and system messages are
  not); the first response counts from the case's arrival;
- a next response counts from the resident's first unanswered message;
- the resolution counts from arrival to the (latest) resolution;
- durations in office time use the calendar of the case's OPD (its own week, else the
  organisation's) without public holidays, cuti bersama and the city's days off.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from hub import deadlines, rollups, tasks
from hub.config import SlaSettings
from hub.deadlines import Policies, warn_at
from hub.directory import Directory
from hub.events import ConversationChanged, EventBus, MessageCreated, SlaAlert
from hub.models import OPEN_STATUSES, Direction, SenderType, Status, utcnow
from hub.store import schema as s
from hub.store.queries import conversation_select
from hub.views import conversation_view
from hub.workdays import Calendar

if TYPE_CHECKING:
    from hub.service import HubService

log = logging.getLogger(__name__)

#: case_sla.alerts bits: the alerts already pushed.
RESPONSE_WARNED, RESPONSE_BREACHED, RESOLUTION_WARNED, RESOLUTION_BREACHED = 1, 2, 4, 8
BATCH = 200
ROLL_SECONDS = 60.0  # how often changed months' report rollups are rebuilt
#: How long marked cases gather before their facts are recomputed in one write. Each
#: write costs ~10 statements whatever its size: at 1 000 new cases/s, 0.05 s gave ≈ 4
#: cases a write and took a third of the writer thread's time (bench telegram --profile).
GATHER_S = 0.25


@dataclass(frozen=True)
class Context:
    """What deadlines and durations depend on: calendars, policies, the warning point."""

    calendars: dict[int | None, Calendar]  # None: the organisation's
    policies: Policies
    warn: float  # warn when this fraction of the time is used
    tz: ZoneInfo

    def calendar(self, opd_id: int) -> Calendar:
        return self.calendars.get(opd_id) or self.calendars[None]


def load_context(conn: Connection, org_id: int, settings: SlaSettings) -> Context:
    weeks: dict[int | None, list[dict[str, Any]]] = {None: []}
    hours = s.business_hours.c
    for row in conn.execute(
        select(s.business_hours).where(hours.organization_id == org_id)
    ).mappings():
        weeks.setdefault(row["opd_id"], []).append(dict(row))
    calendars = {
        opd: Calendar.from_rows(
            settings.timezone,
            rows,
            settings.days_off,
            public_holidays=settings.national_holidays,
        )
        for opd, rows in weeks.items()
    }
    return Context(
        calendars,
        deadlines.load(conn, org_id, settings.policy),
        settings.warn_at_pct / 100,
        ZoneInfo(settings.timezone),
    )


# -- facts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refreshed:
    conversation: dict[str, Any]  # its view
    recipient: str
    moved: bool  # its deadlines changed (the consoles hear of it)


def refresh(
    conn: Connection, directory: Directory, ctx: Context, ids: Iterable[int], now: datetime
) -> list[Refreshed]:
    """Recompute and store the facts of these cases."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    c = s.conversation.c
    cases = {r.id: r for r in conn.execute(conversation_select().where(c.id.in_(wanted)))}
    old = {
        r.conversation_id: r
        for r in conn.execute(select(s.case_sla).where(s.case_sla.c.conversation_id.in_(wanted)))
    }
    answered = {
        (r.conversation_id, r.seq)
        for r in conn.execute(
            select(s.sla_response.c.conversation_id, s.sla_response.c.seq).where(
                s.sla_response.c.conversation_id.in_(wanted)
            )
        )
    }
    threads = _threads(conn, list(cases))
    facts: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    for conv_id, case in cases.items():
        calendar = ctx.calendar(case.opd_id)
        fact = _facts(case, threads.get(conv_id, []), directory, ctx, calendar, now)
        due = (fact["response_due_at"], fact["resolution_due_at"])
        previous = old.get(conv_id)
        kept = previous is not None and due == (
            previous.response_due_at,
            previous.resolution_due_at,
        )
        fact["alerts"] = previous.alerts if kept and previous else 0  # new deadlines: anew
        fact["next_alert_at"] = next_alert(fact, fact["alerts"], ctx.warn)
        facts.append(fact)
        responses += [
            {**r, "opd_id": case.opd_id}
            for r in _responses(conv_id, threads.get(conv_id, []), calendar)
            if (conv_id, r["seq"]) not in answered
        ]
        if due != (case.response_due_at, case.due_at):
            moved.append({"b_id": conv_id, "b_response": due[0], "b_resolution": due[1]})
    if moved:  # every new case's: one executemany, not a statement each
        conn.execute(
            update(s.conversation)
            .where(c.id == bindparam("b_id"))
            .values(response_due_at=bindparam("b_response"), due_at=bindparam("b_resolution")),
            moved,
        )
    moved_ids = {m["b_id"] for m in moved}
    conn.execute(delete(s.case_sla).where(s.case_sla.c.conversation_id.in_(list(cases))))
    if facts:
        conn.execute(insert(s.case_sla), facts)
        rollups.mark(conn, {rollups.month_of(fact["day"]) for fact in facts})
    if responses:
        conn.execute(insert(s.sla_response), responses)
    if moved_ids:
        query = conversation_select().where(c.id.in_(list(moved_ids)))
        cases.update((r.id, r) for r in conn.execute(query))
    return [
        Refreshed(conversation_view(row, directory), row.reply_to, conv_id in moved_ids)
        for conv_id, row in cases.items()
    ]


def _threads(conn: Connection, ids: Sequence[int]) -> dict[int, list[Any]]:
    """The messages that matter, per case in order: the resident's, and officers' public ones."""
    m = s.message.c
    query = (
        select(m.conversation_id, m.seq, m.sender_type, m.sender_agent_id, m.created_at)
        .where(
            m.conversation_id.in_(list(ids)),
            ((m.direction == Direction.IN) & (m.sender_type == SenderType.CONTACT))
            | ((m.sender_type == SenderType.AGENT) & m.private.is_(False)),
        )
        .order_by(m.conversation_id, m.seq)
    )
    found: dict[int, list[Any]] = {}
    for row in conn.execute(query):
        found.setdefault(row.conversation_id, []).append(row)
    return found


def _facts(
    case: Any,
    thread: list[Any],
    directory: Directory,
    ctx: Context,
    calendar: Calendar,
    now: datetime,
) -> dict[str, Any]:
    created = case.created_at
    first = next((m for m in thread if m.sender_type == SenderType.AGENT), None)
    policy = ctx.policies.for_case(case.opd_id, case.category)
    response_due = policy.response.due(created, calendar)
    resolution_due = policy.resolution.due(created, calendar)
    done = case.status in (Status.RESOLVED, Status.CLOSED) and case.resolved_at is not None
    resolved = case.resolved_at if done else None
    inbox = directory.inboxes.get(case.inbox_id)
    return {
        "conversation_id": case.id,
        "opd_id": case.opd_id,
        "agent_id": first.sender_agent_id if first is not None else None,
        "channel": inbox.kind if inbox is not None else "unknown",
        "category": case.category,
        "kelurahan": case.kelurahan,
        "status": case.status,
        "created_at": created,
        "day": created.astimezone(ctx.tz).date().isoformat(),
        "first_response_at": first.created_at if first is not None else None,
        "first_response_s": _office(calendar, created, first.created_at) if first else None,
        "first_response_wall_s": _wall(created, first.created_at) if first else None,
        "resolved_at": resolved,
        "resolution_s": _office(calendar, created, resolved) if resolved else None,
        "resolution_wall_s": _wall(created, resolved) if resolved else None,
        "response_due_at": response_due,
        "resolution_due_at": resolution_due,
        "response_met": _met(first.created_at if first else None, response_due, now),
        "resolution_met": _met(resolved, resolution_due, now),
        "csat": case.csat,
        "seq": case.last_seq,
        "updated_at": now,
    }


def _responses(conv_id: int, thread: list[Any], calendar: Calendar) -> list[dict[str, Any]]:
    """Each answer to a waiting resident: (their first unanswered message, the answer)."""
    found, waiting = [], None
    for message in thread:
        if message.sender_type != SenderType.AGENT:
            waiting = waiting or message
        elif waiting is not None:
            found.append(
                {
                    "conversation_id": conv_id,
                    "seq": waiting.seq,
                    "agent_id": message.sender_agent_id,
                    "asked_at": waiting.created_at,
                    "answered_at": message.created_at,
                    "business_s": _office(calendar, waiting.created_at, message.created_at),
                    "wall_s": _wall(waiting.created_at, message.created_at),
                }
            )
            waiting = None
    return found


def _office(calendar: Calendar, start: datetime, end: datetime) -> int:
    return calendar.business_seconds(start, end)


def _wall(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def _met(done_at: datetime | None, due: datetime, now: datetime) -> bool | None:
    """In time, late, or (not done and not yet due) unknown."""
    if done_at is not None:
        return done_at <= due
    return False if now > due else None


# -- alerts ------------------------------------------------------------------------------
def _steps(fact: Any, warn: float) -> list[tuple[datetime, int]]:
    """The alerts this case may still need: (when, bit)."""
    f: Any = fact if isinstance(fact, dict) else fact._mapping
    created: datetime = f["created_at"]
    steps: list[tuple[datetime, int]] = []
    if f["status"] not in OPEN_STATUSES:
        return []
    response: datetime | None = f["response_due_at"]
    if f["first_response_at"] is None and response is not None:
        steps += [
            (warn_at(created, response, warn), RESPONSE_WARNED),
            (response, RESPONSE_BREACHED),
        ]
    resolution: datetime | None = f["resolution_due_at"]
    if resolution is not None:
        steps += [
            (warn_at(created, resolution, warn), RESOLUTION_WARNED),
            (resolution, RESOLUTION_BREACHED),
        ]
    return steps


def next_alert(fact: Any, alerts: int, warn: float) -> datetime | None:
    pending = [at for at, bit in _steps(fact, warn) if not alerts & bit]
    return min(pending) if pending else None


@dataclass(frozen=True)
class Due:
    conversation: dict[str, Any]
    kind: str  # response | resolution
    level: str  # warning | breach
    due_at: datetime


def due_alerts(conn: Connection, directory: Directory, warn: float, now: datetime) -> list[Due]:
    """The alerts whose time has come (one per case and deadline: a breach found late is
    not announced by a warning first), marked as pushed."""
    f = s.case_sla.c
    rows = conn.execute(
        select(s.case_sla).where(f.next_alert_at <= now).order_by(f.next_alert_at).limit(BATCH)
    ).all()
    pending: list[tuple[int, str, str, datetime]] = []
    months: set[str] = set()
    for row in rows:
        alerts, latest = row.alerts, {}
        for at, bit in _steps(row, warn):
            if at <= now and not alerts & bit:
                alerts |= bit
                kind = "response" if bit in (RESPONSE_WARNED, RESPONSE_BREACHED) else "resolution"
                breach = bit in (RESPONSE_BREACHED, RESOLUTION_BREACHED)
                level = "breach" if breach else "warning"
                if level == "breach" or kind not in latest:
                    latest[kind] = (
                        level,
                        row.response_due_at if kind == "response" else row.resolution_due_at,
                    )
        values: dict[str, Any] = {"alerts": alerts, "next_alert_at": next_alert(row, alerts, warn)}
        if alerts & RESPONSE_BREACHED and row.first_response_at is None:
            values["response_met"] = False
        if alerts & RESOLUTION_BREACHED and row.resolved_at is None:
            values["resolution_met"] = False
        conn.execute(
            update(s.case_sla).where(f.conversation_id == row.conversation_id).values(**values)
        )
        if "response_met" in values or "resolution_met" in values:
            months.add(rollups.month_of(row.day))
        pending += [(row.conversation_id, kind, lv, due) for kind, (lv, due) in latest.items()]
    rollups.mark(conn, months)
    if not pending:
        return []
    c = s.conversation.c
    ids = sorted({p[0] for p in pending})
    views = {
        r.id: conversation_view(r, directory)
        for r in conn.execute(conversation_select().where(c.id.in_(ids)))
    }
    return [Due(views[i], kind, level, due) for i, kind, level, due in pending if i in views]


# -- keeping them ------------------------------------------------------------------------
def stale(conn: Connection) -> list[int]:
    """Cases whose facts are missing or older than the case (changes made while no keeper
    was running)."""
    c, f = s.conversation.c, s.case_sla.c
    query = (
        select(c.id)
        .outerjoin(s.case_sla, f.conversation_id == c.id)
        .where(
            f.conversation_id.is_(None)
            | (f.seq != c.last_seq)
            | (f.status != c.status)
            | (f.opd_id != c.opd_id)
        )
    )
    return list(conn.execute(query).scalars())


class SlaKeeper:
    """Keeps the facts as cases move and pushes deadline alerts to the OPD's console."""

    def __init__(self, service: HubService, settings: SlaSettings) -> None:
        self.service = service
        self.settings = settings
        self.context: Context | None = None
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        #: What the facts last saw of a case (status, OPD, details): a resident's message
        #: to a case that did not otherwise change needs no recompute.
        self._seen: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = asyncio.Lock()

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(MessageCreated, self.on_message)
        bus.subscribe(ConversationChanged, self.on_change)

    async def start(self) -> None:
        await self.reload()
        self._tasks = [
            asyncio.create_task(self._keep(), name="kanal-sla-facts"),
            asyncio.create_task(self._watch(), name="kanal-sla-alerts"),
            asyncio.create_task(self._roll(), name="kanal-sla-rollups"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            await tasks.stop(task)
        self._tasks = []

    async def reload(self) -> None:
        """Read calendars and policies again (after an admin changed them); the deadlines of
        open cases follow."""
        org, settings = self.service.directory.organization_id, self.settings
        self.context = await self.service.store.read(lambda c: load_context(c, org, settings))

    async def reload_open(self) -> None:
        """Office hours or policies changed: read them again; the open cases' deadlines
        follow (recomputed in the background)."""
        await self.reload()
        c = s.conversation.c
        query = select(c.id).where(c.status.in_(OPEN_STATUSES))
        self.mark(await self.service.store.read(lambda conn: list(conn.execute(query).scalars())))

    def mark(self, ids: Iterable[int]) -> None:
        self._dirty.update(ids)
        if self._dirty:
            self._wake.set()

    async def on_message(self, event: MessageCreated) -> None:
        conv, message = event.conversation, event.message
        officer = message.get("sender_type") == SenderType.AGENT and not message["private"]
        if officer or event.new_conversation or self._seen.get(conv["id"]) != _signature(conv):
            self.mark([conv["id"]])

    async def on_change(self, event: ConversationChanged) -> None:
        if event.action not in ("read", "sla"):
            self.mark([event.conversation["id"]])

    async def flush(self) -> int:
        """Recompute the facts of the cases marked so far (tests call it to wait for them)."""
        done = 0
        while True:
            async with self._busy:  # one batch at a time; also waits for one in flight
                if not self._dirty:
                    return done
                batch = sorted(self._dirty)[:BATCH]
                self._dirty.difference_update(batch)
                try:
                    await self._refresh(batch)
                except BaseException:
                    self._dirty.update(batch)  # kept for the next try
                    raise
                done += len(batch)

    async def _refresh(self, ids: list[int]) -> None:
        assert self.context is not None
        directory, ctx = self.service.directory, self.context
        refreshed = await self.service.store.write(
            lambda conn: refresh(conn, directory, ctx, ids, utcnow())
        )
        for case in refreshed:
            self._remember(case.conversation["id"], case.conversation)
            if case.moved:
                self.service.emit(ConversationChanged(case.conversation, "sla", case.recipient))

    def _remember(self, conv_id: int, view: dict[str, Any]) -> None:
        self._seen[conv_id] = _signature(view)
        self._seen.move_to_end(conv_id)
        while len(self._seen) > 100_000:
            self._seen.popitem(last=False)

    async def check(self) -> int:
        """Push the alerts that are due; how many."""
        directory, warn = self.service.directory, self.settings.warn_at_pct / 100
        due = await self.service.store.write(
            lambda conn: due_alerts(conn, directory, warn, utcnow())
        )
        for alert in due:
            self.service.emit(SlaAlert(alert.conversation, alert.kind, alert.level, alert.due_at))
        return len(due)

    async def roll(self) -> int:
        """Rebuild the monthly rollups whose facts changed; how many months. Each is built
        on a read connection and stored in one short write (hub/rollups.py)."""
        store = self.service.store
        months = await store.read(rollups.stale)
        for month, version in months:
            built = await store.read(functools.partial(rollups.build, month=month))
            await store.write(
                functools.partial(rollups.store, month=month, version=version, rows=built)
            )
        return len(months)

    async def catch_up(self) -> None:
        self.mark(await self.service.store.read(stale))

    async def _keep(self) -> None:
        try:
            await self.catch_up()
        except Exception:
            log.exception("finding stale SLA facts failed")
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(GATHER_S)  # let a burst gather into one write
            try:
                await self.flush()
            except Exception:
                log.exception("keeping SLA facts failed; trying again later")
                await asyncio.sleep(5)
                self._wake.set()

    async def _roll(self) -> None:
        while True:
            await asyncio.sleep(ROLL_SECONDS)
            try:
                await self.roll()
            except Exception:
                log.exception("rebuilding report rollups failed; trying again later")

    async def _watch(self) -> None:
        while True:
            try:
                while await self.check() >= BATCH:
                    pass
            except Exception:
                log.exception("checking SLA deadlines failed; trying again later")
            await asyncio.sleep(self.settings.check_seconds)


def _signature(conv: dict[str, Any]) -> tuple[Any, ...]:
    return (
        conv["status"],
        conv["opd"]["id"],
        conv.get("category"),
        conv.get("kelurahan"),
        conv.get("csat"),
        conv.get("resolved_at"),
    )
