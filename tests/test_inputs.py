"""The read path (krm_fn.inputs): sizes as the limit is written, and reads that stop at it."""

from __future__ import annotations

import errno
import io
import os
import threading
from pathlib import Path

import pytest

from krm_fn.inputs import (
    MAX_INPUT,
    InputTooLarge,
    format_size,
    parse_size,
    read_bounded,
    read_file,
    read_stream,
)

KiB, MiB, GiB = 2**10, 2**20, 2**30


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1", 1),
        ("1048576", MiB),
        ("512K", 512 * KiB),
        ("512k", 512 * KiB),
        ("512M", 512 * MiB),
        ("512MB", 512 * MiB),
        ("512MiB", 512 * MiB),
        ("1G", GiB),
        ("2T", 2 * 2**40),
        (" 3 M ", 3 * MiB),
        ("100B", 100),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "0M", "-1", "1.5M", "M", "lots", "1X", "١٢", "1 2"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (MAX_INPUT, "256 MiB"),
        (GiB, "1 GiB"),
        (3 * KiB, "3 KiB"),
        (KiB + 1, "1025 bytes"),
        (100, "100 bytes"),
        (0, "0 bytes"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(
    ("limit", "hint"),
    [(MAX_INPUT, "512M"), (KiB, "2K"), (100, "200"), (GiB, "2G"), (1536, "3K")],
)
def test_too_large_says_how_to_raise_the_limit(limit: int, hint: str) -> None:
    error = InputTooLarge(limit)
    assert error.errno == errno.EFBIG
    assert error.strerror == (
        f"larger than the input limit of {format_size(limit)} (raise it with "
        f"APPLY_IMAGEMAPS_MAX_INPUT, e.g. APPLY_IMAGEMAPS_MAX_INPUT={hint})"
    )
    assert parse_size(hint) == 2 * limit  # the example is a value the setting takes


@pytest.mark.parametrize("size", [0, 1, 99, 100])
def test_a_regular_file_up_to_the_limit(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * size)
    assert read_file(str(path), 100) == b"x" * size


def test_a_regular_file_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputTooLarge):
        read_file(str(path), 100)


def _pipe(data: bytes, blocking: bool = True) -> int:
    """The read end of a pipe a thread writes `data` into, then closes."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, blocking)

    def feed() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for start in range(0, len(data), 4096):
                pipe.write(data[start : start + 4096])
                pipe.flush()

    threading.Thread(target=feed, daemon=True).start()
    return read_end


@pytest.mark.parametrize("blocking", [True, False])
def test_a_pipe_is_read_to_its_end(blocking: bool) -> None:
    data = os.urandom(3 * MiB + 7)
    read_end = _pipe(data, blocking)
    try:
        assert read_bounded(read_end, 4 * MiB) == data
    finally:
        os.close(read_end)


def test_a_pipe_past_the_limit_stops_there() -> None:
    read_end = _pipe(b"x" * (MiB + 1))
    try:
        with pytest.raises(InputTooLarge):
            read_bounded(read_end, MiB)
    finally:
        os.close(read_end)


def test_an_endless_device_costs_at_most_the_limit() -> None:
    with open("/dev/zero", "rb") as zero, pytest.raises(InputTooLarge):
        read_bounded(zero.fileno(), 2 * MiB)


def test_a_directory_or_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as directory:
        read_file(str(tmp_path), 100)
    assert directory.value.strerror == "Is a directory"
    with pytest.raises(FileNotFoundError):
        read_file(str(tmp_path / "missing"), 100)


def test_a_stream_without_a_file_descriptor() -> None:
    assert read_stream(io.BytesIO(b"x" * 100), 100) == b"x" * 100
    with pytest.raises(InputTooLarge):
        read_stream(io.BytesIO(b"x" * 101), 100)


def test_a_stream_with_a_file_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    with open(path, "rb") as f:
        assert read_stream(f, 3) == b"abc"
    with open(path, "rb") as f, pytest.raises(InputTooLarge):
        read_stream(f, 2)
