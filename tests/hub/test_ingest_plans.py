"""Every lookup of the inbound pipeline (hub/ingest.py, hub/residents.py) searches an
index: none may scan a table, or each message would cost more as history grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from hub import ingest, residents
from hub.store.migrate import upgrade

LOOKUPS = {
    (ingest, "_RECEIPTS"): {"inboxes": [1, 2], "ids": ["a", "b"]},
    (residents, "_IDENTITIES"): {"channel": "widget", "ids": ["a", "b"]},
    (residents, "_OPEN_CONVERSATIONS"): {"contacts": [1, 2]},
    (residents, "_CODES_TAKEN"): {"codes": ["KNL-AAAAAA", "KNL-BBBBBB"]},
    (ingest, "_CLIENT_IDS"): {"clients": ["a", "b"]},
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = Path(tmp_path_factory.mktemp("plans")) / "p.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return create_engine(f"sqlite:///{path}")


@pytest.mark.parametrize("lookup", list(LOOKUPS), ids=lambda lookup: lookup[1])
def test_lookup_searches_an_index(engine: Any, lookup: tuple[Any, str]) -> None:
    module, name = lookup
    statement = getattr(module, name)
    with engine.connect() as conn:
        sql = statement.params(**LOOKUPS[lookup]).compile(
            conn, compile_kwargs={"literal_binds": True, "render_postcompile": True}
        )
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    scans = [step for step in plan if step.startswith("SCAN") and "CONSTANT ROWS" not in step]
    assert scans == [], plan
