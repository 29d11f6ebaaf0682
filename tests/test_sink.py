"""The write path (krm_fn.sink): all of a text or a Failure that says how much was written."""

from __future__ import annotations

import io
import os
import threading
import time

import pytest

from krm_fn.sink import Failure, Sink


class Short(io.StringIO):
    """A stream that takes at most `room` characters in all, then nothing."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, text: str) -> int:
        taken = text[: self.room]
        self.room -= len(taken)
        return super().write(taken)


class Trickle(io.BytesIO):
    """A stream that takes 3 bytes per write()."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return super().write(bytes(data[:3]))


def test_bytes_and_text_to_streams_without_a_file_descriptor() -> None:
    out, err = io.BytesIO(), io.StringIO()
    Sink("stdout", out).write(b"a: 1\n")
    Sink("stderr", err).write("[info] x\n")
    assert (out.getvalue(), err.getvalue()) == (b"a: 1\n", "[info] x\n")


def test_partial_writes_are_written_on() -> None:
    stream = Trickle()
    Sink("stdout", stream).write(b"0123456789")
    assert stream.getvalue() == b"0123456789"


def test_a_stream_that_stops_taking() -> None:
    sink = Sink("stderr", Short(4))
    with pytest.raises(Failure) as failure:
        sink.write("abcdef\n")
    assert str(failure.value) == "cannot write to stderr: nothing written (4 of 7 characters)"
    assert sink.mid_line


def test_a_closed_stream() -> None:
    sink = Sink("stdout", None)
    assert sink.closed
    sink.write(b"")  # nothing to write is never a failure
    with pytest.raises(Failure) as failure:
        sink.write(b"x")
    assert str(failure.value) == "cannot write to stdout: it is closed"


def test_a_full_device_says_how_much_was_written() -> None:
    with open("/dev/full", "wb") as full:
        sink = Sink("stdout", full)
        with pytest.raises(Failure) as failure:
            sink.write(b"x" * 10)
    assert str(failure.value) == (
        "cannot write to stdout: No space left on device (0 of 10 bytes written)"
    )


def test_a_non_blocking_descriptor_is_waited_on() -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    got: list[bytes] = []

    def read_slowly() -> None:
        with os.fdopen(read_end, "rb", buffering=0) as f:
            while chunk := f.read(16384):
                got.append(chunk)
                time.sleep(0.002)

    reader = threading.Thread(target=read_slowly)
    reader.start()
    data = os.urandom(300_000)  # several times what the pipe holds
    with os.fdopen(write_end, "wb") as stream:
        Sink("stdout", stream).write(data)
    reader.join()
    assert b"".join(got) == data


def test_text_to_a_descriptor_is_encoded_as_the_stream_says() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w", encoding="ascii") as stream:
        Sink("stderr", stream).write("é \ud800\n")
    with os.fdopen(read_end, "rb") as f:
        assert f.read() == b"\\xe9 \\ud800\n"


def test_a_line_starts_a_line_of_its_own() -> None:
    stream = io.StringIO()
    sink = Sink("stderr", stream)
    sink.write("[info] half")
    sink.line("[error] interrupted")
    sink.line("[error] again")
    assert stream.getvalue() == "[info] half\n[error] interrupted\n[error] again\n"


def test_a_line_on_a_stream_that_fails_is_dropped() -> None:
    Sink("stderr", None).line("[error] nowhere to go")
    Sink("stderr", Short(0)).line("[error] nowhere to go")


def test_what_the_stream_buffered_is_written_first() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as stream:
        stream.write(b"buffered ")
        Sink("stdout", stream).write(b"then ours")
    with os.fdopen(read_end, "rb") as f:
        assert f.read() == b"buffered then ours"


def test_a_line_that_comes_while_a_write_is_under_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a signal handler's line does: during a write, or after it returned but before
    the sink knows how far it got. It starts a line of its own."""
    read_end, write_end = os.pipe()
    write = os.write
    signalled: list[bool] = []

    def interrupted(fd: int, data: bytes) -> int:
        if signalled:
            return write(fd, data)
        signalled.append(True)
        count = write(fd, bytes(data[:7]))  # "[info] " of "[info] a\n"
        sink.line("[error] terminated")
        return count

    with os.fdopen(write_end, "w") as stream:
        sink = Sink("stderr", stream)
        monkeypatch.setattr(os, "write", interrupted)
        sink.write("[info] a\n")
        monkeypatch.undo()
    with os.fdopen(read_end) as f:
        assert f.read() == "[info] \n[error] terminated\na\n"
