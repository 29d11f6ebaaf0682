"""The one read path: stdin and every file named (on the command line or in a config), each
read to its end but never past the input limit; and sizes as that limit is written.

An input past the limit is `InputTooLarge`, an OSError whose message says how to raise the
limit; any other failure to read is the OSError itself, for the caller to name the input.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

__all__ = [
    "MAX_INPUT",
    "MAX_INPUT_ENV",
    "InputTooLarge",
    "format_size",
    "parse_size",
    "read_bounded",
    "read_file",
    "read_stream",
]

MAX_INPUT_ENV = "APPLY_IMAGEMAPS_MAX_INPUT"  # the setting the limit comes from
MAX_INPUT = 256 * 2**20  # bytes, by default, from stdin and from each file
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_CHUNK = 2**20  # bytes asked for at a time from a pipe or device


class InputTooLarge(OSError):
    """More than the input limit to read; its `strerror` says so and how to raise it."""

    def __init__(self, limit: int) -> None:
        import errno

        super().__init__(
            errno.EFBIG,
            f"larger than the input limit of {format_size(limit)} "
            f"(raise it with {MAX_INPUT_ENV}, e.g. {MAX_INPUT_ENV}={_spelled(2 * limit)})",
        )


# --- sizes -------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """`1048576`, `512K`, `512M`, `1G` (also `512MB`, `512MiB`; powers of 1024) in bytes;
    ValueError for anything else, zero included."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _UNITS else ""
    digits = value.removesuffix(unit).strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) == 0:
        raise ValueError(text)
    return int(digits) * _UNITS[unit]


def format_size(size: int) -> str:
    """A size for people: `256 MiB`, `1 KiB`, `100 bytes`."""
    for unit, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} bytes"


def _spelled(size: int) -> str:
    """A size as `parse_size` reads it, as short as it goes: 512M."""
    for unit in "TGMK":
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


# --- reads -------------------------------------------------------------------------------


def read_bounded(fd: int, limit: int) -> bytes:
    """Everything up to end of file on `fd`, or InputTooLarge once more than `limit` bytes
    have come: a regular file by its size (one read), a pipe, FIFO or device in chunks, so
    an endless one (`/dev/zero`) costs at most `limit` bytes. A non-blocking `fd` is waited
    on; other errors are OSError."""
    import select
    import stat

    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        import errno

        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    regular = stat.S_ISREG(info.st_mode)
    if regular and info.st_size > limit:
        raise InputTooLarge(limit)
    chunks: list[bytes] = []
    total = 0
    while True:
        want = max(info.st_size + 1 - total, _CHUNK) if regular else _CHUNK
        try:
            chunk = os.read(fd, min(want, limit + 1 - total))
        except BlockingIOError:
            select.select([fd], [], [])  # EAGAIN is neither data nor end of file
            continue
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise InputTooLarge(limit)
        chunks.append(chunk)


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """`read_bounded` on the stream's file descriptor, or, for a stream without one (a
    test's BytesIO), its read() of at most one byte past the limit."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise InputTooLarge(limit) from None
        return data
    return read_bounded(fd, limit)


def read_file(path: str, limit: int) -> bytes:
    """A file by its path, bounded; OSError when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return read_bounded(fd, limit)
    finally:
        os.close(fd)
