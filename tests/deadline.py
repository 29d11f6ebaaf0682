"""A guard for tests of bounded work: fail, rather than hang, when a case runs away."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the block after `seconds` (a generous bound, never a timing
    assertion: the cases guarded take milliseconds when the work is bounded). Python's `re`
    engine checks for signals, so a backtracking pattern is stopped too."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: unbounded work?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
