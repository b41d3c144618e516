"""Tracking codes (kode lacak): short, unambiguous, read aloud over the phone."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: a resident reading the code to the call centre cannot confuse them.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "KNL-"
LENGTH = 6
PATTERN = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str | None:
    """A code as a resident might type it (lower case, spaces, no dash) -> canonical, or None."""
    cleaned = re.sub(r"[\s-]", "", code.upper())
    cleaned = cleaned.removeprefix(PREFIX.rstrip("-"))
    candidate = PREFIX + cleaned
    return candidate if PATTERN.match(candidate) else None
