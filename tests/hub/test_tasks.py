"""hub.tasks.stop: a service's background task is cancelled and has ended when it returns."""

from __future__ import annotations

import asyncio

from hub import tasks


async def test_stop_cancels_the_task_and_waits_for_its_end() -> None:
    ended = asyncio.Event()

    async def loop() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            ended.set()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    await tasks.stop(task)
    assert task.cancelled() and ended.is_set()
    await tasks.stop(None)  # a service that never started
