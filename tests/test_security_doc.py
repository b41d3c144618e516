"""docs/security.md maps every threat to its test: each test it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"(tests/[\w/]+\.py)|::(test_\w+)")


def named_tests() -> list[tuple[str, str]]:
    """(file, test) for every `tests/x.py::test_y` (and each `, ::test_z` after it)."""
    found = []
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        current = None
        for path, test in REFERENCE.findall(line):
            if path:
                current = path
            elif current is not None:
                found.append((current, test))
    return found


def test_every_test_the_security_doc_names_exists() -> None:
    named = named_tests()
    assert len(named) > 80  # the map covers every part of the threat model
    missing = [
        f"{path}::{test}"
        for path, test in named
        if not (ROOT / path).exists() or not re.search(rf"def {test}\b", (ROOT / path).read_text())
    ]
    assert missing == []
