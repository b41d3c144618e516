"""The `kanal` command as an operator runs it, in a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from hub.store import schema as s


def kanal(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], cwd=tmp_path, capture_output=True, text=True
    )


def count(tmp_path: Path, table: object) -> int:
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'kanal.db'}")
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_demo_loads_once_and_prints_the_logins(tmp_path: Path) -> None:
    first = kanal(tmp_path, "demo", "--if-empty")
    assert first.returncode == 0, first.stderr
    assert "admin@kanal.local" in first.stdout and "kanal-demo" in first.stdout
    cases = count(tmp_path, s.conversation)
    assert cases > 4 * 7 * 4  # the four live cases and eight weeks of past ones
    again = kanal(tmp_path, "demo", "--if-empty")
    assert "already has data" in again.stdout
    assert count(tmp_path, s.opd) == 5
    assert count(tmp_path, s.inbox) == 6  # a widget per OPD and the offline inbox
    assert kanal(tmp_path, "demo").returncode == 0
    assert count(tmp_path, s.agent) == 6
    assert count(tmp_path, s.conversation) == cases


def test_agent_add_and_token_create(tmp_path: Path) -> None:
    kanal(tmp_path, "demo")
    added = kanal(
        tmp_path, "agent", "add", "--email", "Wati@Dishub.go.id", "--name", "Wati",
        "--opd", "dishub", "--role", "supervisor", "--password", "s3cret-pass",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = kanal(tmp_path, "token", "create", "wati@dishub.go.id")
    assert token.returncode == 0
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("knl_")


def test_unknown_opd_and_unknown_agent_fail_clearly(tmp_path: Path) -> None:
    kanal(tmp_path, "migrate")
    bad = kanal(
        tmp_path, "agent", "add", "--email", "a@b.c", "--name", "A",
        "--opd", "nope", "--role", "agent", "--password", "x",
    )  # fmt: skip
    assert bad.returncode == 1 and "no OPD with slug 'nope'" in bad.stderr
    missing = kanal(tmp_path, "token", "create", "ghost@b.c")
    assert missing.returncode == 1 and missing.stdout == ""
