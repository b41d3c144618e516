"""The access log's writer (hub/audit.py): a record that cannot be written yet is kept
and logged, never dropped silently; the same read repeated at once is one record."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.audit import AuditLog


class FailingStore:
    def __init__(self) -> None:
        self.fail = True
        self.rows: list[Any] = []

    async def write(self, job: Any) -> Any:
        if self.fail:
            raise OSError("disk I/O error")
        conn = _Collect()
        job(conn)
        self.rows.extend(conn.rows)


class _Collect:
    def __init__(self) -> None:
        self.rows: list[Any] = []

    def execute(self, statement: Any, rows: Any = None) -> None:
        self.rows.extend(rows or [])


async def test_an_access_record_that_cannot_be_written_is_logged_and_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FailingStore()
    audit = AuditLog(store)  # type: ignore[arg-type]
    audit.note(7, "view", conversation_id=1)
    audit.note(7, "view", conversation_id=1)  # the same read again: one record
    with caplog.at_level(logging.ERROR):
        assert await audit.flush() == 0
    assert "1 access records not written yet: disk I/O error" in caplog.text
    store.fail = False
    assert await audit.flush() == 1
    [row] = store.rows
    assert (row["agent_id"], row["action"], row["conversation_id"]) == (7, "view", 1)
    assert row["created_at"] <= datetime.now(UTC)
