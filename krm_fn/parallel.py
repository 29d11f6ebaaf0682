"""A long stream's documents worked on in several processes.

A run's `Workers` is its pool: `split` cuts a list into contiguous chunks of about equal
text size, at most one per process, and only when the text is long enough to be worth a
process (`MIN_CHUNK`); `map_chunks` forks one worker per chunk but the first, works on the
first chunk itself, and gives back every chunk's result in order. A worker sends its result
back pickled through a pipe, but for the objects it holds that the parent has too (those
`held` names, such as the texts of documents a run leaves as they are), sent as their place
in the chunk; a worker that fails in any way has its chunk worked on again here, so the
outcome never depends on whether, or how, the work was shared out.

A worker is stopped (SIGKILL) and reaped when the parent stops early: an exception in the
parent (MemoryError included, which reaches the caller) or `Workers.stop`, which the console
script's SIGINT and SIGTERM handler calls. Workers take SIGINT and SIGTERM as the default
action (they die, and the parent reports), and a worker that dies or runs out of memory is
only a chunk to do again.

Processes, not threads: the work is Python code, which threads would run one at a time.
Forking needs no pickling of the input (a worker starts with a copy of this process), and
is only used where `os.fork` exists (Linux, macOS, BSDs). The entry point makes the pool
from `APPLY_IMAGEMAPS_JOBS` (`jobs`): by default the number of CPUs this process may run on,
at most `MAX_JOBS`; 1 forks none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")
    _R = TypeVar("_R")

__all__ = ["ENV", "MAX_JOBS", "MIN_CHUNK", "Workers", "jobs"]

ENV = "APPLY_IMAGEMAPS_JOBS"
MAX_JOBS = 4
MIN_CHUNK = 512 * 1024  # characters: less is done before a worker would have started


def jobs(setting: str = "") -> int:
    """The number of processes `APPLY_IMAGEMAPS_JOBS=setting` asks for: a number (0 and
    anything else are 1), or, when empty, the CPUs this process may run on, at most
    `MAX_JOBS`."""
    value = setting.strip()
    if value:
        return max(1, int(value)) if value.isdigit() else 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_JOBS))


class Workers:
    """A run's worker processes: `jobs` processes in all, this one included (1: no others;
    always 1 where `os.fork` does not exist)."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs) if hasattr(os, "fork") else 1
        # The workers not reaped yet: pid -> the read end of its pipe (-1 once collected).
        self._live: dict[int, int] = {}

    def split(self, items: Sequence[_T], size: Callable[[_T], int]) -> list[Sequence[_T]]:
        """Contiguous chunks of `items`, none empty, of about equal total `size`, each at
        least `MIN_CHUNK` where there is more than one; at most `jobs` of them."""
        total = sum(size(item) for item in items)
        count = min(self.jobs, total // MIN_CHUNK, len(items)) or 1
        chunks: list[Sequence[_T]] = []
        start, done = 0, 0
        for index, item in enumerate(items[:-1]):  # the last item always ends the last chunk
            done += size(item)
            if done * count >= total * (len(chunks) + 1) and len(chunks) < count - 1:
                chunks.append(items[start : index + 1])
                start = index + 1
        chunks.append(items[start:])
        return chunks

    def map_chunks(
        self,
        work: Callable[[Sequence[_T]], _R],
        chunks: Sequence[Sequence[_T]],
        held: Callable[[_T], object],
    ) -> list[_R]:
        """`[work(chunk) for chunk in chunks]`, the chunks after the first in forked
        workers. `held(item)` is an object of an item's that a result may hold (the item
        itself, or a part of it): the parent's own comes back, not a copy."""
        try:
            workers = [self._fork(work, chunk, held) for chunk in chunks[1:]]
            results = [work(chunks[0])] if chunks else []
            for chunk, worker in zip(chunks[1:], workers, strict=True):
                result: tuple[_R] | None = None
                if worker is not None:
                    result = self._collect(worker, [held(item) for item in chunk])
                results.append(work(chunk) if result is None else result[0])
        except BaseException:
            self.stop()
            raise
        return results

    def stop(self) -> None:
        """Kill and reap the workers not collected yet (the parent is stopping early)."""
        import signal

        for pid, read_end in list(self._live.items()):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            if read_end >= 0:
                os.close(read_end)
            self._live.pop(pid, None)

    def _fork(
        self, work: Callable[[Sequence[_T]], _R], chunk: Sequence[_T], held: Callable[[_T], object]
    ) -> tuple[int, int] | None:
        """(pid, read end of its pipe) of a worker that sends back `work(chunk)`, pickled
        (`_dumps`). SIGINT and SIGTERM wait while it forks, so that the worker is never
        signalled with the parent's handler and the parent never without knowing the
        worker."""
        import signal

        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the worker: never returns, never runs the parent's exit handlers
            status = 1
            try:
                self._live.clear()  # the parent's to stop, not this one's
                _default_signals()
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                data = _dumps((work(chunk),), [held(item) for item in chunk])
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        self._live[pid] = read_end
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return pid, read_end

    def _collect(self, worker: tuple[int, int], held: Sequence[object]) -> tuple[_R] | None:
        """The worker's result in a 1-tuple, or None when it did not exit cleanly. `held`:
        the objects of its chunk's items (`_dumps`)."""
        import pickle

        pid, read_end = worker
        self._live[pid] = -1  # the pipe's own now: closed with it
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        self._live.pop(pid, None)
        if status != 0 or not data:
            return None
        try:
            result: tuple[_R] = _loads(data, held)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None  # not what a worker that exited cleanly sends: do its chunk again
        return result


def _dumps(result: object, held: Sequence[object]) -> bytes:
    """`result` pickled, each object of `held` in it (the very object) as its index there."""
    import io
    import pickle

    index = {id(obj): i for i, obj in enumerate(held)}

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> int | None:
            return index.get(id(obj))

    out = io.BytesIO()
    Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return out.getvalue()


def _loads(data: bytes, held: Sequence[object]) -> Any:
    """What `_dumps` pickled, its indexes made the objects of `held` again."""
    import io
    import pickle

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: object) -> object:
            if not isinstance(pid, int) or not 0 <= pid < len(held):
                raise pickle.UnpicklingError(f"no object {pid!r} is held")
            return held[pid]

    return Unpickler(io.BytesIO(data)).load()


def _default_signals() -> None:
    """SIGINT and SIGTERM in a worker: the default action, not the parent's Python handler
    (which would report and exit as if it were the parent); an ignored one stays ignored."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
