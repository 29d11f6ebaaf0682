"""The one write path: stdout's and stderr's bytes, all of them or a `Failure`.

A real stream is written with os.write on its file descriptor, looping over partial writes
and waiting out EAGAIN (a non-blocking descriptor); a stream without one (a test's BytesIO
or StringIO) through its write(), whose return value is checked the same way.
"""

from __future__ import annotations

import contextlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

__all__ = ["Failure", "Sink"]


class Failure(Exception):
    """What ends a run with one `[error]` line on stderr and exit 1 (its message)."""


class Sink:
    """stdout or stderr, by `name`. `None` is a stream that is closed (`>&-`): writing
    anything to it is a Failure."""

    def __init__(self, name: str, stream: IO[bytes] | IO[str] | None) -> None:
        self.name = name
        self.stream = stream
        self.fd: int | None = None
        self.encoding = "utf-8"
        self.mid_line = False  # a write stopped (failed, or a signal came) inside a line
        if stream is not None:
            try:
                self.fd = stream.fileno()
            except (AttributeError, OSError, ValueError):
                self.fd = None
            with contextlib.suppress(OSError, ValueError):
                stream.flush()  # nothing of its own may be left in its buffer
            self.encoding = getattr(stream, "encoding", None) or "utf-8"

    @property
    def closed(self) -> bool:
        return self.stream is None

    def write(self, data: bytes | str) -> None:
        """All of `data`, or Failure saying how much of it was written."""
        if not data:
            return
        if self.stream is None:
            raise Failure(f"cannot write to {self.name}: it is closed")
        try:
            if self.fd is not None:
                raw = (
                    data.encode(self.encoding, "backslashreplace")
                    if isinstance(data, str)
                    else data
                )
                self._write_fd(self.fd, raw)
            else:
                self._write_stream(self.stream, data)
        except OSError as err:
            raise Failure(f"cannot write to {self.name}: {err.strerror or err}") from None

    def line(self, text: str) -> None:
        """One diagnostic line, best effort: a stderr that fails has nowhere to say so. It
        starts a line of its own when a write stopped inside one."""
        with contextlib.suppress(Failure):
            self.write(("\n" if self.mid_line else "") + text + "\n")

    def _write_fd(self, fd: int, data: bytes) -> None:
        import select

        view = memoryview(data)
        written = 0
        while written < len(data):
            # A signal's line may come while a write is under way, or just after it returned
            # but before its count is known here: then it starts a line of its own, as after
            # a write that stopped inside one (at worst a line is left empty, never two run
            # together).
            before, self.mid_line = self.mid_line, True
            try:
                count = os.write(fd, view[written:])
                if count == 0:  # not an error, but no progress either
                    raise OSError(0, "nothing written")
                written += count
                self.mid_line = data[written - 1] != 0x0A  # "\n"
            except BlockingIOError:
                self.mid_line = before  # nothing written
                select.select([], [fd], [])  # EAGAIN is neither success nor failure
            except OSError as err:
                self.mid_line = before
                raise Failure(
                    f"cannot write to {self.name}: {err.strerror or err} "
                    f"({written} of {len(data)} bytes written)"
                ) from None

    def _write_stream(self, stream: IO[bytes] | IO[str], data: bytes | str) -> None:
        written = 0
        while written < len(data):
            count = stream.write(data[written:])  # type: ignore[arg-type]
            if not count:
                unit = "bytes" if isinstance(data, bytes) else "characters"
                done = f"{written} of {len(data)} {unit}"
                raise Failure(f"cannot write to {self.name}: nothing written ({done})")
            written += count
            self.mid_line = data[written - 1] not in ("\n", 0x0A)
        stream.flush()
