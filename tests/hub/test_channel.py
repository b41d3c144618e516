"""The Pacer that channels send through: provider limits overall and per recipient."""

from __future__ import annotations

import asyncio
import itertools
import time

from hub.channel import Pacer


async def times(pacer: Pacer, recipients: list[str]) -> list[float]:
    start = time.monotonic()
    found = []
    for recipient in recipients:
        await pacer.wait(recipient)
        found.append(time.monotonic() - start)
    return found


async def test_one_recipient_waits_its_gap_between_sends() -> None:
    at = await times(Pacer(rate=1000, gap=0.1), ["a", "a", "a"])
    assert all(b - a >= 0.095 for a, b in itertools.pairwise(at)), at


async def test_a_burst_goes_at_once_then_the_gap_applies() -> None:
    at = await times(Pacer(rate=1000, gap=0.5, burst=3), ["a"] * 4)
    assert at[2] < 0.25, at  # no wait within the burst (a busy machine adds a little)
    assert at[3] >= 0.45, at


async def test_different_recipients_share_only_the_overall_rate() -> None:
    at = await times(Pacer(rate=20, gap=10), ["a", "b", "c"])
    assert at[2] < 1.0, at  # nobody waited a 10 s gap
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(at)), at


async def test_concurrent_senders_are_spaced_too() -> None:
    pacer = Pacer(rate=1000, gap=0.05)
    start = time.monotonic()
    done: list[float] = []

    async def send() -> None:
        await pacer.wait("a")
        done.append(time.monotonic() - start)

    await asyncio.gather(*(send() for _ in range(4)))
    assert max(done) >= 0.14, done


async def test_a_recipients_gap_counts_from_when_a_slow_send_was_answered() -> None:
    """The provider counts arrivals: a send that took 0.2 s to go out and be answered
    pushes the next one to that recipient a whole gap after it."""
    pacer = Pacer(rate=1000, gap=0.3)
    start = time.monotonic()
    await pacer.wait("a")
    await asyncio.sleep(0.2)  # a new connection, a busy loop
    pacer.sent("a")
    answered = time.monotonic() - start
    await pacer.wait("a")
    assert time.monotonic() - start >= answered + 0.29
    await pacer.wait("b")  # another recipient does not wait for it
    assert time.monotonic() - start < answered + 0.3 + 0.2
