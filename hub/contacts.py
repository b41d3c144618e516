"""Residents: one person's cases across every channel, and merging two records of the same
person (their WhatsApp and an offline entry). A merge is audited and never loses a case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from hub.auth import Principal
from hub.cases import CaseError
from hub.directory import Directory
from hub.models import OPEN_STATUSES
from hub.store import schema as s
from hub.store.queries import audit, conversation_select
from hub.views import conversation_view, seen_by


def profile(
    conn: Connection, directory: Directory, principal: Principal, contact_id: int
) -> dict[str, Any]:
    """The resident and the cases of theirs the agent may see (none: not found)."""
    query = _cases_seen(principal, contact_id).order_by(s.conversation.c.id.desc())
    cases = [seen_by(conversation_view(r, directory), principal) for r in conn.execute(query)]
    if not cases:
        raise CaseError("not_found", "contact not found")
    hidden = any(case["contact"]["id"] is None for case in cases)
    row = conn.execute(select(s.contact).where(s.contact.c.id == contact_id)).one()
    identities = conn.execute(
        select(s.contact_identity.c.channel, s.contact_identity.c.external_id).where(
            s.contact_identity.c.contact_id == contact_id
        )
    ).all()
    person = {
        "id": row.id,
        "name": row.name,
        "phone": row.phone,
        "email": row.email,
        "channels": sorted({i.channel for i in identities}),
    }
    if hidden:  # a rahasia/anonim case among them: the OPD does not learn who this is
        person = {"id": row.id, "name": None, "phone": None, "email": None, "channels": []}
    return {"contact": person, "cases": cases}


def check_recordable(conn: Connection, principal: Principal, contact_id: int) -> None:
    """An agent records complaints for residents with a case they see (others are not
    found, as if there were no such contact), except one who reported in confidence there:
    a case naming them would tell the OPD who reported."""
    cases = conn.execute(_cases_seen(principal, contact_id)).all()
    if not cases:
        raise CaseError("not_found", "contact not found")
    if any(r.rahasia or r.anonim for r in cases) and not principal.sees_all_opds:
        raise CaseError(
            "forbidden", "this resident reported in confidence: record it without naming them"
        )


def _cases_seen(principal: Principal, contact_id: int) -> Any:
    """The resident's cases within the OPDs the agent sees."""
    c = s.conversation.c
    query = conversation_select().where(c.contact_id == contact_id)
    opds = principal.visible_opds()
    return query if opds is None else query.where(c.opd_id.in_(opds))


def merge(conn: Connection, principal: Principal, source_id: int, target_id: int) -> dict[str, Any]:
    """Fold `source` into `target`: its channel identities and cases move over; the source
    record stays, pointing at the target, for the audit trail."""
    if source_id == target_id:
        raise CaseError("conflict", "a contact cannot be merged into itself")
    rows = {
        r.id: r
        for r in conn.execute(select(s.contact).where(s.contact.c.id.in_([source_id, target_id])))
    }
    if len(rows) != 2 or rows[source_id].merged_into_id is not None:
        raise CaseError("not_found", "contact not found")
    c = s.conversation.c
    clash = conn.execute(
        select(func.count())
        .select_from(s.conversation)
        .where(c.contact_id.in_([source_id, target_id]), c.status.in_(OPEN_STATUSES))
        .group_by(c.inbox_id)
        .having(func.count() > 1)
    ).first()
    if clash is not None:
        raise CaseError(
            "conflict", "both have an open case in the same inbox: resolve one of them first"
        )
    moved = conn.execute(
        update(s.conversation).where(c.contact_id == source_id).values(contact_id=target_id)
    ).rowcount
    conn.execute(
        update(s.contact_identity)
        .where(s.contact_identity.c.contact_id == source_id)
        .values(contact_id=target_id)
    )
    source, target = rows[source_id], rows[target_id]
    fill = {k: getattr(source, k) for k in ("name", "phone", "email") if not getattr(target, k)}
    conn.execute(
        update(s.contact).where(s.contact.c.id == target_id).values(**fill) if fill else select(1)
    )
    conn.execute(
        update(s.contact).where(s.contact.c.id == source_id).values(merged_into_id=target_id)
    )
    audit(
        conn,
        "contact_merge",
        {"from": source_id, "into": target_id, "cases": moved},
        agent_id=principal.id,
    )
    return {"contact_id": target_id, "cases_moved": moved}
