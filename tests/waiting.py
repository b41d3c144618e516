"""Waiting for what a socket client receives, without sleeping blindly."""

from __future__ import annotations

import asyncio
from typing import Any


async def wait_for(client: Any, event: str, predicate: Any = None, within: float = 5.0) -> Any:
    """The first payload of `event` (matching predicate) the client has received."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        for name, data in client.received:
            if name == event and (predicate is None or predicate(data)):
                return data
        if asyncio.get_running_loop().time() > deadline:
            seen = [name for name, _ in client.received]
            raise AssertionError(f"no {event!r} event within {within}s; received {seen}")
        await asyncio.sleep(0.01)


def events(client: Any, event: str) -> list[Any]:
    return [data for name, data in client.received if name == event]
