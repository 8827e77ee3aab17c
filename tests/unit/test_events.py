"""Job-change notices reach listeners of that job and listeners of all jobs, from any thread."""

from __future__ import annotations

import asyncio
import threading

from reelgate.core.events import JobEvents


def test_notices_reach_matching_listeners_coalesced():
    async def scenario() -> None:
        hub = JobEvents()
        with hub.subscribe("a") as only_a, hub.subscribe() as everything:
            assert hub.listener_count == 2
            publisher = threading.Thread(
                target=lambda: [hub.publish(j) for j in ("a", "b", "a", "a")]
            )
            publisher.start()
            publisher.join()
            assert await asyncio.wait_for(only_a.changes(), 1) == ["a"]
            assert await asyncio.wait_for(everything.changes(), 1) == ["a", "b"]
            hub.publish("b")
            waiting = asyncio.ensure_future(only_a.changes())
            await asyncio.sleep(0.05)
            assert not waiting.done(), "a notice about another job woke the listener"
            waiting.cancel()
        assert hub.listener_count == 0

    asyncio.run(scenario())
