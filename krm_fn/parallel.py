"""A long stream's documents worked on in several processes.

`split` cuts a list into contiguous chunks of about equal text size, one per process, and
only when the text is long enough to be worth a process (`MIN_CHUNK`). `map_chunks` forks
one worker per chunk but the first, works on the first chunk itself, and gives back every
chunk's result in order. A worker sends its result back pickled through a pipe; a worker
that fails in any way has its chunk worked on again here, so the outcome never depends on
whether, or how, the work was shared out.

Processes, not threads: the work is Python code, which threads would run one at a time.
Forking needs no pickling of the input (a worker starts with a copy of this process), and
is only used where `os.fork` exists (Linux, macOS, BSDs). `APPLY_IMAGEMAPS_JOBS` sets the
number of processes (1: none forked); by default it is the number of CPUs this process may
run on, at most `MAX_JOBS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["ENV", "MAX_JOBS", "MIN_CHUNK", "jobs", "map_chunks", "split"]

ENV = "APPLY_IMAGEMAPS_JOBS"
MAX_JOBS = 4
MIN_CHUNK = 512 * 1024  # characters: less is done before a worker would have started

_T = TypeVar("_T")
_R = TypeVar("_R")


def jobs() -> int:
    """The number of processes to use (see the module docstring)."""
    value = os.environ.get(ENV, "").strip()
    if value:
        return max(1, int(value)) if value.isdigit() else 1
    if not hasattr(os, "fork"):
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_JOBS))


def split(items: Sequence[_T], size: Callable[[_T], int]) -> list[Sequence[_T]]:
    """Contiguous chunks of `items`, none empty, of about equal total `size`, each at least
    `MIN_CHUNK` where there is more than one; at most `jobs()` of them."""
    total = sum(size(item) for item in items)
    count = min(jobs(), total // MIN_CHUNK, len(items)) or 1
    chunks: list[Sequence[_T]] = []
    start, done = 0, 0
    for index, item in enumerate(items[:-1]):  # the last item always ends the last chunk
        done += size(item)
        if done * count >= total * (len(chunks) + 1) and len(chunks) < count - 1:
            chunks.append(items[start : index + 1])
            start = index + 1
    chunks.append(items[start:])
    return chunks


def map_chunks(work: Callable[[Sequence[_T]], _R], chunks: Sequence[Sequence[_T]]) -> list[_R]:
    """`[work(chunk) for chunk in chunks]`, the chunks after the first in forked workers."""
    workers = [_fork(work, chunk) for chunk in chunks[1:]]
    results = [work(chunks[0])] if chunks else []
    for chunk, worker in zip(chunks[1:], workers, strict=True):
        result: tuple[_R] | None = _collect(worker) if worker is not None else None
        results.append(work(chunk) if result is None else result[0])
    return results


def _fork(work: Callable[[Sequence[_T]], _R], chunk: Sequence[_T]) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a worker that sends back `work(chunk)`, pickled."""
    import pickle

    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the worker: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            data = pickle.dumps((work(chunk),), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(worker: tuple[int, int]) -> tuple[_R] | None:
    """The worker's result in a 1-tuple, or None when it did not exit cleanly."""
    import pickle

    pid, read_end = worker
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    result: tuple[_R] = pickle.loads(data)
    return result
