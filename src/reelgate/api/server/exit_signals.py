"""Learning that the server is exiting, in time to end responses that would otherwise never end.

On SIGTERM or Ctrl+C, uvicorn first waits for every open response to finish (up to its graceful
timeout, 10 s for `reelgate serve`) and only then runs the application's shutdown. An event
stream never finishes on its own, so it would hold every shutdown for the whole timeout. Streams
therefore hook the exit signals themselves, chained in front of the server's own handlers, which
still run as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from types import FrameType

EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def call_on_exit_signal(callback: Callable[[], None]) -> bool:
    """Run `callback` in the running event loop when the process gets SIGINT or SIGTERM.

    Call from the event loop. Returns False where signals can't be hooked (not the main thread,
    e.g. a server run in a thread): there, streams end only when their clients leave.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    loop = asyncio.get_running_loop()
    hooked = False
    for number in EXIT_SIGNALS:
        previous = signal.getsignal(number)
        if not callable(previous):  # default or ignored: no graceful shutdown will wait on us
            continue

        def chained(
            signum: int,
            frame: FrameType | None,
            previous: Callable[[int, FrameType | None], object] = previous,
        ) -> None:
            # RuntimeError: the loop is already closed, so nothing is left to end.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)
            previous(signum, frame)

        signal.signal(number, chained)
        hooked = True
    return hooked
