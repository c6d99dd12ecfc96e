"""The set of handlers answering someone, and the bounded wait shutdown does for them."""

from __future__ import annotations

import asyncio

from bot.in_flight import InFlight


async def handler(in_flight: InFlight, seconds: float, finished: list[str], name: str) -> None:
    in_flight.track_current_task()
    await asyncio.sleep(seconds)
    finished.append(name)


async def test_drain_returns_only_once_every_tracked_handler_has_finished() -> None:
    in_flight = InFlight()
    finished: list[str] = []
    tasks = [
        asyncio.create_task(handler(in_flight, 0.2, finished, "slow")),
        asyncio.create_task(handler(in_flight, 0.05, finished, "quick")),
    ]
    await asyncio.sleep(0)  # both start and register

    assert len(in_flight) == 2
    assert await in_flight.drain(5.0)
    assert finished == ["quick", "slow"]
    assert all(task.done() for task in tasks)
    assert len(in_flight) == 0


async def test_drain_also_waits_for_a_handler_that_starts_while_it_waits() -> None:
    in_flight = InFlight()
    finished: list[str] = []
    started: list[asyncio.Task[None]] = []

    async def first() -> None:
        in_flight.track_current_task()
        await asyncio.sleep(0.05)
        started.append(asyncio.create_task(handler(in_flight, 0.1, finished, "second")))
        await asyncio.sleep(0.01)
        finished.append("first")

    started.append(asyncio.create_task(first()))
    await asyncio.sleep(0)
    assert await in_flight.drain(5.0)
    assert finished == ["first", "second"]


async def test_drain_gives_up_after_its_timeout_and_says_so() -> None:
    in_flight = InFlight()
    stuck = asyncio.create_task(handler(in_flight, 60, [], "stuck"))
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()

    assert not await in_flight.drain(0.1)
    assert 0.1 <= loop.time() - started < 1.0
    assert len(in_flight) == 1
    stuck.cancel()


async def test_drain_never_waits_for_the_task_calling_it() -> None:
    in_flight = InFlight()
    in_flight.track_current_task()
    # Waiting for itself would never end: it would time out and return False.
    assert await in_flight.drain(1.0)
