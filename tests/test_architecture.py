"""The dependency direction of DESIGN.md stays checkable: the contract names every hub module."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import hub

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_TO_CHANNELS = {"hub.channel", "hub.models"}


def test_channels_contract_forbids_every_hub_module_but_the_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [contract] = [c for c in contracts if c["name"].startswith("Channels see only")]
    top_level = {f"hub.{m.name}" for m in pkgutil.iter_modules(hub.__path__)}
    assert set(contract["forbidden_modules"]) == top_level - ALLOWED_TO_CHANNELS
