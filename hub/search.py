"""Full-text search over case messages, within what the agent may see.

SQLite: the FTS5 index `message_search` (migrations 0007, 0008), ranked by bm25, one hit
per case (its best message). PostgreSQL: the GIN index over to_tsvector('simple', text)
(migration 0012), newest messages first: ranking every match would read each one's text
again, and an officer looking up a complaint mostly wants the recent one.
A tracking code typed as the query finds its case directly.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text

from hub.store import schema as s
from hub.store.queries import conversation_select
from hub.tracking import PATTERN

WORD = re.compile(r"\w+", re.UNICODE)
SCAN = 400  # best-ranked messages looked at; cases are fewer (several hits per case)


def fts_query(q: str, opd_ids: list[int] | None = None) -> str | None:
    """The user's words as an FTS5 query on the text: every word required, the last one
    as a prefix (so typing shows results); within the given OPDs (the index holds each
    message's OPD as a token). None when there is nothing to search for."""
    words = WORD.findall(q)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    query = "text : (" + " ".join(quoted) + ")"
    if opd_ids is not None:
        scope = " OR ".join(f"opd{int(o)}" for o in opd_ids) or "opd0"
        query += f" AND opd : ({scope})"
    return query


def search(
    conn: Connection,
    q: str,
    *,
    opd_ids: list[int] | None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[tuple[Any, str, int]]:
    """(conversation row, snippet, message id) of the best-matching cases."""
    if PATTERN.match(q.strip().upper()):
        return _by_code(conn, q.strip().upper(), opd_ids)
    match = fts_query(q, opd_ids)
    if match is None:
        return []
    if conn.dialect.name == "sqlite":
        hits = _hits(conn, match, status, since)
    else:
        hits = _hits_postgres(conn, " ".join(WORD.findall(q)), opd_ids, status, since)
    best: dict[int, tuple[str, int]] = {}
    for conv_id, snippet, message_id in hits:
        if conv_id not in best:
            best[conv_id] = (snippet, message_id)
        if len(best) >= limit:
            break
    if not best:
        return []
    c = s.conversation.c
    query = conversation_select().where(c.id.in_(list(best)))
    if opd_ids is not None:  # the index already said so; the case table has the last word
        query = query.where(c.opd_id.in_(opd_ids))
    rows = {r.id: r for r in conn.execute(query)}
    return [(rows[i], *best[i]) for i in best if i in rows]


def _hits(
    conn: Connection, match: str, status: str | None, since: datetime | None
) -> list[tuple[int, str, int]]:
    """(case, snippet, message) of the best-ranked matching messages."""
    params: dict[str, Any] = {"match": match, "scan": SCAN}
    where = []
    if status is not None:
        where.append("c.status = :status")
        params["status"] = status
    if since is not None:
        where.append("c.created_at >= :since")
        params["since"] = since.isoformat(sep=" ")
    if not where:
        return _hits_ranked(conn, params)
    sql = f"""
        SELECT m.conversation_id, snippet(message_search, 0, '[', ']', '…', 12), m.id
        FROM message_search
        JOIN message m ON m.id = message_search.rowid
        JOIN conversation c ON c.id = m.conversation_id
        WHERE message_search MATCH :match AND {" AND ".join(where)}
        ORDER BY bm25(message_search, 1.0, 0.0)
        LIMIT :scan"""
    return [tuple(r) for r in conn.execute(text(sql), params)]


def _hits_ranked(conn: Connection, params: dict[str, Any]) -> list[tuple[int, str, int]]:
    """Filtered by the index alone (words, and the OPD): rank there, then look up the
    cases of the SCAN best. Joining every match to its message before ranking costs as
    much again as the ranking for a common word (bench/search.py). One top-level
    statement, so snippet() runs only for rows that can make the cut."""
    hits = conn.execute(
        text("""
        SELECT rowid, snippet(message_search, 0, '[', ']', '…', 12)
        FROM message_search
        WHERE message_search MATCH :match
        ORDER BY bm25(message_search, 1.0, 0.0)
        LIMIT :scan"""),
        params,
    ).all()
    if not hits:
        return []
    m = s.message.c
    ids = [rowid for rowid, _ in hits]
    cases = dict(conn.execute(select(m.id, m.conversation_id).where(m.id.in_(ids))).all())
    return [(cases[i], snippet, i) for i, snippet in hits if i in cases]


def _hits_postgres(
    conn: Connection,
    words: str,
    opd_ids: list[int] | None,
    status: str | None,
    since: datetime | None,
) -> list[tuple[int, str, int]]:
    # As on SQLite: every word required, the last one as a prefix (so typing shows results).
    terms = [f"'{w}'" for w in words.split()]
    terms[-1] += ":*"
    params: dict[str, Any] = {"query": " & ".join(terms), "scan": SCAN}
    extra = ""
    if opd_ids is not None:
        extra += f" AND c.opd_id IN ({','.join(str(int(o)) for o in opd_ids) or 'NULL'})"
    if status is not None:
        extra += " AND c.status = :status"
        params["status"] = status
    if since is not None:
        extra += " AND c.created_at >= :since"
        params["since"] = since
    sql = f"""
        SELECT m.conversation_id,
            ts_headline('simple', m.text, to_tsquery('simple', :query),
                'StartSel=[, StopSel=], MaxWords=16, MinWords=6'),
            m.id
        FROM message m JOIN conversation c ON c.id = m.conversation_id
        WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', :query){extra}
        ORDER BY m.id DESC
        LIMIT :scan"""
    return [tuple(r) for r in conn.execute(text(sql), params)]


def _by_code(conn: Connection, code: str, opd_ids: list[int] | None) -> list[tuple[Any, str, int]]:
    c = s.conversation.c
    query = conversation_select().where(c.tracking_code == code)
    if opd_ids is not None:
        query = query.where(c.opd_id.in_(opd_ids))
    row = conn.execute(query).first()
    return [(row, code, 0)] if row is not None else []
