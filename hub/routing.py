"""Where a case goes: disposisi between OPDs, and who in the OPD answers it.

Disposisi: the owning OPD (or the coordinator) sends a case to another OPD with a reason;
the case moves to the receiving OPD at once, which accepts it or returns it with a
reason. Every step is a private system note in the thread (the resident never sees
internal routing) and an event row. Assignment: an agent takes a case, a supervisor
gives it to someone, or the hub gives a new case to the OPD's least busy online agent.

Each function is a job run in one transaction; visibility and rules are checked inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from hub.auth import Principal
from hub.cases import CaseError, Change, visible_conversation
from hub.directory import Directory
from hub.models import OPEN_STATUSES, Delivery, Direction, Kind, SenderType, iso, utcnow
from hub.store import schema as s
from hub.store.queries import advance, audit, conversation_by_id, insert_message
from hub.views import conversation_view, message_view


@dataclass(frozen=True)
class Routed:
    """A routing step: the case as it is now, the note in its thread, and the OPD that no
    longer sees it (a disposisi or a return moves it away)."""

    conversation: dict[str, Any]
    note: dict[str, Any]
    recipient: str
    left_opd_id: int | None = None


def transfer(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    to_opd_id: int,
    reason: str,
) -> Routed:
    """Disposisi: send the case to another OPD, which then accepts or returns it."""
    conv = visible_conversation(conn, principal, conv_id)
    target = directory.opds.get(to_opd_id)
    if target is None or not target.active:
        raise CaseError("unknown_opd", "no such OPD (or it no longer takes cases)")
    if to_opd_id == conv.opd_id:
        raise CaseError("conflict", "the case is already with this OPD")
    if conv.pending_transfer_id is not None:
        raise CaseError("conflict", "the case is waiting for another OPD to accept it")
    if not reason.strip():
        raise CaseError("empty", "a disposisi needs a reason")
    now = utcnow()
    transfer_id = conn.execute(
        insert(s.transfer)
        .values(
            conversation_id=conv_id,
            from_opd_id=conv.opd_id,
            to_opd_id=to_opd_id,
            reason=reason,
            by_agent_id=principal.id,
            created_at=now,
        )
        .returning(s.transfer.c.id)
    ).scalar_one()
    values = {
        "opd_id": to_opd_id,
        "pending_transfer_id": transfer_id,
        "triage": False,
        "assignee_id": None,
        "updated_at": now,
    }
    _update(conn, conv_id, values)
    source = directory.opds[conv.opd_id].name if conv.opd_id in directory.opds else "?"
    text = f"Disposisi dari {source} ke {target.name}: {reason}"
    note = _note(conn, principal, conv_id, text, now)
    data = {"to": to_opd_id, "transfer": transfer_id}
    audit(conn, "transfer", data, conversation_id=conv_id, agent_id=principal.id, at=now)
    return _routed(conn, directory, conv_id, note, left=conv.opd_id)


def accept(conn: Connection, directory: Directory, principal: Principal, conv_id: int) -> Routed:
    """The receiving OPD takes the case on."""
    conv, pending = _pending(conn, principal, conv_id)
    now = utcnow()
    _answer(conn, pending.id, "accepted", None, principal, now)
    _update(conn, conv_id, {"pending_transfer_id": None, "updated_at": now})
    text = f"Disposisi diterima oleh {_opd_name(directory, conv.opd_id)}"
    note = _note(conn, principal, conv_id, text, now)
    audit(
        conn,
        "transfer_accepted",
        {"transfer": pending.id},
        conversation_id=conv_id,
        agent_id=principal.id,
        at=now,
    )
    return _routed(conn, directory, conv_id, note)


def give_back(
    conn: Connection, directory: Directory, principal: Principal, conv_id: int, reason: str
) -> Routed:
    """The receiving OPD returns the case (not theirs) to the OPD that sent it."""
    if not reason.strip():
        raise CaseError("empty", "returning a disposisi needs a reason")
    conv, pending = _pending(conn, principal, conv_id)
    now = utcnow()
    _answer(conn, pending.id, "returned", reason, principal, now)
    values = {
        "opd_id": pending.from_opd_id,
        "pending_transfer_id": None,
        "assignee_id": None,
        "updated_at": now,
    }
    _update(conn, conv_id, values)
    text = (
        f"Disposisi dikembalikan oleh {_opd_name(directory, conv.opd_id)} ke "
        f"{_opd_name(directory, pending.from_opd_id)}: {reason}"
    )
    note = _note(conn, principal, conv_id, text, now)
    audit(
        conn,
        "transfer_returned",
        {"transfer": pending.id},
        conversation_id=conv_id,
        agent_id=principal.id,
        at=now,
    )
    return _routed(conn, directory, conv_id, note, left=conv.opd_id)


def transfers(conn: Connection, principal: Principal, conv_id: int) -> list[dict[str, Any]]:
    """The case's disposisi history, oldest first (for agents who may see the case)."""
    visible_conversation(conn, principal, conv_id)
    t = s.transfer.c
    rows = conn.execute(select(s.transfer).where(t.conversation_id == conv_id).order_by(t.id))
    return [
        {
            "id": r.id,
            "from_opd_id": r.from_opd_id,
            "to_opd_id": r.to_opd_id,
            "reason": r.reason,
            "state": r.state,
            "answer": r.answer,
            "created_at": iso(r.created_at),
            "answered_at": iso(r.answered_at),
        }
        for r in rows
    ]


# -- assignment -----------------------------------------------------------------------------
def assign(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    agent_id: int | None,
) -> Change:
    """Give the case to an active agent of its OPD (None: back to the queue)."""
    conv = visible_conversation(conn, principal, conv_id)
    if agent_id is not None:
        a = s.agent.c
        found = conn.execute(select(a.opd_id, a.role, a.active).where(a.id == agent_id)).first()
        if found is None or not found.active:
            raise CaseError("unknown_agent", "no active agent with this id")
        if found.opd_id != conv.opd_id and found.role != "admin":
            raise CaseError("conflict", "the agent does not work in this case's OPD")
    return _set_assignee(conn, directory, principal, conv, agent_id)


def take(conn: Connection, directory: Directory, principal: Principal, conv_id: int) -> Change:
    """An agent takes an unassigned case (or one already theirs) from the queue."""
    conv = visible_conversation(conn, principal, conv_id)
    if conv.assignee_id not in (None, principal.id):
        raise CaseError("conflict", "someone else is handling this case")
    if conv.pending_transfer_id is not None:
        raise CaseError("conflict", "accept the disposisi before taking the case")
    return _set_assignee(conn, directory, principal, conv, principal.id)


def auto_assign(
    conn: Connection, directory: Directory, conv_id: int, online: set[int]
) -> Change | None:
    """Give a new (or newly accepted) case to the OPD's online agent with the fewest open
    cases, under their capacity; ties go to whoever received one longest ago."""
    conv = conversation_by_id(conn, conv_id)
    if conv is None or conv.assignee_id is not None or conv.triage or not online:
        return None
    if conv.pending_transfer_id is not None or conv.status not in OPEN_STATUSES:
        return None
    agent_id = _least_busy(conn, conv.opd_id, online)
    if agent_id is None:
        return None
    return _set_assignee(conn, directory, None, conv, agent_id)


def _least_busy(conn: Connection, opd_id: int, online: set[int]) -> int | None:
    a, c = s.agent.c, s.conversation.c
    load = (
        select(func.count())
        .where(c.assignee_id == a.id, c.status.in_(OPEN_STATUSES))
        .correlate(s.agent)
        .scalar_subquery()
    )
    last = (
        select(func.max(s.event.c.created_at))
        .where(s.event.c.action == "assign", s.event.c.data["agent"].as_integer() == a.id)
        .correlate(s.agent)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(a.id, a.capacity, load.label("load"), last.label("last")).where(
            a.opd_id == opd_id, a.active.is_(True), a.id.in_(sorted(online))
        )
    ).all()
    free = [r for r in rows if r.load < r.capacity]
    if not free:
        return None
    never = datetime.min.replace(tzinfo=None)
    best = min(free, key=lambda r: (r.load, _naive(r.last) or never, r.id))
    return int(best.id)


def _naive(moment: Any) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)


def _set_assignee(
    conn: Connection,
    directory: Directory,
    principal: Principal | None,
    conv: Any,
    agent_id: int | None,
) -> Change:
    if conv.assignee_id == agent_id:
        return Change(conversation_view(conv, directory), False, conv.reply_to)
    now = utcnow()
    _update(conn, conv.id, {"assignee_id": agent_id, "triage": False, "updated_at": now})
    by = principal.id if principal is not None else None
    data = {"agent": agent_id, "auto": principal is None}
    audit(conn, "assign", data, conversation_id=conv.id, agent_id=by, at=now)
    fresh = conversation_by_id(conn, conv.id)
    return Change(conversation_view(fresh, directory), True, conv.reply_to)


# -- helpers --------------------------------------------------------------------------------
def _pending(conn: Connection, principal: Principal, conv_id: int) -> tuple[Any, Any]:
    conv = visible_conversation(conn, principal, conv_id)
    if conv.pending_transfer_id is None:
        raise CaseError("conflict", "there is no disposisi waiting for this case")
    pending = conn.execute(
        select(s.transfer).where(s.transfer.c.id == conv.pending_transfer_id)
    ).one()
    return conv, pending


def _answer(
    conn: Connection, transfer_id: int, state: str, answer: str | None, by: Principal, now: Any
) -> None:
    conn.execute(
        update(s.transfer)
        .where(and_(s.transfer.c.id == transfer_id, s.transfer.c.state == "pending"))
        .values(state=state, answer=answer, answered_by_id=by.id, answered_at=now)
    )


def _update(conn: Connection, conv_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(s.conversation).where(s.conversation.c.id == conv_id).values(**values))


def _note(
    conn: Connection, principal: Principal, conv_id: int, text: str, now: Any
) -> dict[str, Any]:
    """A private system note: the thread shows the step, the resident never does."""
    current = conn.execute(
        select(s.conversation.c.last_message_preview).where(s.conversation.c.id == conv_id)
    ).scalar()
    row = advance(conn, conv_id, now, current, inbound=False)
    note = insert_message(
        conn,
        row,
        direction=Direction.OUT,
        sender_type=SenderType.SYSTEM,
        sender_agent_id=principal.id,
        kind=Kind.NOTE,
        private=True,
        text=text,
        delivery_status=Delivery.SENT,
        created_at=now,
    )
    return message_view(note, principal.name)


def _routed(
    conn: Connection,
    directory: Directory,
    conv_id: int,
    note: dict[str, Any],
    left: int | None = None,
) -> Routed:
    fresh = conversation_by_id(conn, conv_id)
    return Routed(conversation_view(fresh, directory), note, fresh.reply_to, left)


def _opd_name(directory: Directory, opd_id: int) -> str:
    opd = directory.opds.get(opd_id)
    return opd.name if opd is not None else "?"
