"""The command line: `apply-imagemaps [--imagemaps FILE]... [--strict] [--tilt] [CONFIG_FILE]`.

Only this module touches stdin, stdout, stderr, files named on the command line and the
exit status (SPEC §1). Every byte goes through one write path (`_Sink`), which writes all of
it or fails; every input is read through one read path (`read_bounded`), which stops at the
input limit. What cannot be done ends in one `[error]` line on stderr and exit 1; the
console script's guard (`main_entry`) turns anything else that escapes, and SIGINT and
SIGTERM, into one line and a non-zero exit, never a traceback.

The run itself (`krm_fn.process`, PyYAML) is imported only when it is needed, inside the
guard, so an interrupt during that import is handled like any other.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, BinaryIO, NamedTuple, TextIO

if TYPE_CHECKING:
    from types import FrameType

    from krm_fn.process import ConfigFile, Output

__all__ = ["MAX_INPUT", "MAX_INPUT_ENV", "main", "main_entry", "parse_args", "read_bounded"]


USAGE = "usage: apply-imagemaps [-h] [--imagemaps FILE] [--strict] [--tilt] [CONFIG_FILE]\n"
HELP = (
    USAGE
    + """
Rewrite container images in Kubernetes manifests from Tilt ImageMaps. Reads a KRM
ResourceList or a YAML stream on stdin and writes it back on stdout.

positional arguments:
  CONFIG_FILE       the same as --imagemaps CONFIG_FILE (kustomize exec plugin protocol)

options:
  -h, --help        show this help message and exit
  --imagemaps FILE  YAML file with ImageMaps (any accepted config shape); repeatable
  --strict          unused ImageMaps and images that do not parse are errors, not warnings
  --tilt            the ImageMaps Tilt hands a deploy command (TILT_IMAGE_MAP_i and
                    TILT_IMAGE_i), in full through `tilt get` when Tilt answers

environment:
  APPLY_IMAGEMAPS_MAX_INPUT  the most bytes read from stdin or from any one file
                             (default 256M; K, M and G are powers of 1024)
  APPLY_IMAGEMAPS_JOBS       processes a long stream is shared out among (1: no others)
"""
)

MAX_INPUT_ENV = "APPLY_IMAGEMAPS_MAX_INPUT"
MAX_INPUT = 256 * 2**20  # bytes, by default, from stdin and from each file
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_CHUNK = 2**20  # bytes asked for at a time from a pipe or device
REPORT = 'please report this: see "Reporting problems" in the README'
# Exit statuses besides 0 (success) and 1 (an error).
EXIT_USAGE, EXIT_SIGINT, EXIT_SIGTERM = 2, 130, 143


class UsageError(ValueError):
    """A command line that does not fit USAGE."""


class Failure(Exception):
    """What ends a run with one `[error]` line on stderr and exit 1 (its message)."""


class InputTooLarge(OSError):
    """More than the input limit to read; its `strerror` says so and how to raise it."""

    def __init__(self, limit: int) -> None:
        import errno

        super().__init__(
            errno.EFBIG,
            f"larger than the input limit of {format_size(limit)} "
            f"(raise it with {MAX_INPUT_ENV}, e.g. {MAX_INPUT_ENV}={_spelled(2 * limit)})",
        )


class Arguments(NamedTuple):
    paths: list[str]  # config files, in order: every --imagemaps, then CONFIG_FILE
    strict: bool
    help: bool
    tilt: bool = False  # --tilt: krm_fn.tilt


def parse_args(argv: Sequence[str]) -> Arguments:
    """The command line, parsed by hand: argparse's import and set-up would be a tenth of
    a small run's time. `--imagemaps=FILE` and `--` work as in argparse; abbreviated
    options do not."""
    imagemaps: list[str] = []
    positional: list[str] = []
    strict = tilt = False
    args = iter(argv)
    for arg in args:
        if arg == "--":
            positional.extend(args)
        elif arg in ("-h", "--help"):
            return Arguments([], strict=False, help=True)
        elif arg == "--strict":
            strict = True
        elif arg == "--tilt":
            tilt = True
        elif arg == "--imagemaps":
            value = next(args, None)
            if value is None or (value.startswith("-") and value != "-"):
                raise UsageError("argument --imagemaps: expected one argument")
            imagemaps.append(value)
        elif arg.startswith("--imagemaps="):
            imagemaps.append(arg.removeprefix("--imagemaps="))
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unrecognized arguments: {arg}")
        else:
            positional.append(arg)
    if len(positional) > 1:
        raise UsageError(f"unrecognized arguments: {' '.join(positional[1:])}")
    return Arguments([*imagemaps, *positional], strict, help=False, tilt=tilt)


# --- sizes -------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """`1048576`, `512K`, `512M`, `1G` (also `512MB`, `512MiB`; powers of 1024) in bytes."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _UNITS else ""
    digits = value.removesuffix(unit).strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) == 0:
        raise ValueError(text)
    return int(digits) * _UNITS[unit]


def format_size(size: int) -> str:
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


def max_input() -> int:
    """The input limit: `APPLY_IMAGEMAPS_MAX_INPUT`, or `MAX_INPUT`."""
    value = os.environ.get(MAX_INPUT_ENV, "")
    if not value.strip():
        return MAX_INPUT
    try:
        return parse_size(value)
    except ValueError:
        raise Failure(
            f"{MAX_INPUT_ENV}={value!r} is not a size: a positive number of bytes, "
            "optionally with K, M or G (e.g. 512M)"
        ) from None


# --- the read path -----------------------------------------------------------------------


def read_bounded(fd: int, limit: int) -> bytes:
    """Everything up to end of file on `fd`, or InputTooLarge once more than `limit` bytes
    have come: a regular file by its size (one read), a pipe, FIFO or device in chunks, so
    an endless one (`/dev/zero`) costs at most `limit` bytes. A non-blocking `fd` is waited
    on; other errors are OSError."""
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
            _wait(fd, writing=False)
            continue
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise InputTooLarge(limit)
        chunks.append(chunk)


def _read_stream(stream: IO[bytes], limit: int) -> bytes:
    """`read_bounded` for a stream without a file descriptor (a test's BytesIO)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(limit)
    return data


def read_file(path: str, limit: int) -> bytes:
    """A file named on the command line or in a config, bounded; OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return read_bounded(fd, limit)
    finally:
        os.close(fd)


def _wait(fd: int, writing: bool) -> None:
    """Until a non-blocking `fd` is ready (EAGAIN is neither success nor failure)."""
    import select

    if writing:
        select.select([], [fd], [])
    else:
        select.select([fd], [], [])


# --- the write path ----------------------------------------------------------------------


class _Sink:
    """stdout or stderr: all of a text written or Failure. A real stream is written with
    os.write on its file descriptor, looping over partial writes and waiting out EAGAIN;
    a stream without one (a test's BytesIO or StringIO) through its write(), whose return
    value is checked the same way. `None` is a stream that is closed (`>&-`)."""

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

    def _write_fd(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        while written < len(data):
            try:
                count = os.write(fd, view[written:])
                if count == 0:  # not an error, but no progress either
                    raise OSError(0, "nothing written")
                written += count
                self.mid_line = data[written - 1] != 0x0A  # "\n"
            except BlockingIOError:
                _wait(fd, writing=True)
            except OSError as err:
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

    def line(self, text: str) -> None:
        """One diagnostic line, best effort: a stderr that fails has nowhere to say so."""
        with contextlib.suppress(Failure):
            self.write(("\n" if self.mid_line else "") + text + "\n")


# The process's own stderr once `main_entry` runs: one sink, so that a signal's line knows
# whether it comes in the middle of one.
_STDERR: _Sink | None = None


def _real_stdout() -> IO[bytes] | None:
    return None if sys.stdout is None else getattr(sys.stdout, "buffer", None)


# --- the run -----------------------------------------------------------------------------


def run(
    data: bytes, files: Sequence[ConfigFile], strict: bool, read: Callable[[str], bytes]
) -> Output:
    """`krm_fn.process.run`, imported on first use (see the module docstring)."""
    from krm_fn import process

    return process.run(data, files, strict=strict, read=read)


def main(
    argv: Sequence[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run once; returns the exit status (0 ok, 1 error results or a failed read or write,
    2 usage). `stdin`, `stdout`, `stderr` default to the process's own (None when closed)."""
    err = _Sink("stderr", stderr) if stderr is not None else _STDERR or _Sink("stderr", sys.stderr)
    out = _Sink("stdout", stdout if stdout is not None else _real_stdout())
    try:
        return _main(sys.argv[1:] if argv is None else argv, stdin, out, err)
    except Failure as failure:
        err.line(f"[error] {failure}")
        return 1


def _main(argv: Sequence[str], stdin: BinaryIO | None, out: _Sink, err: _Sink) -> int:
    try:
        args = parse_args(argv)
    except UsageError as usage:
        err.write(f"{USAGE}apply-imagemaps: error: {usage}\n")
        return EXIT_USAGE
    if args.help:
        out.write(HELP.encode())
        return 0
    if out.closed:  # before any work: nothing it does could be written
        raise Failure("cannot write to stdout: it is closed")
    limit = max_input()
    files = []
    for path in args.paths:
        try:
            files.append((path, read_file(path, limit)))
        except OSError as error:
            raise Failure(f"cannot read ImageMaps file {path}: {error.strerror or error}") from None
    tilt = _tilt_config(limit) if args.tilt else []
    data = _read_stdin(stdin, limit)
    from krm_fn.process import ConfigFile

    output = run(
        data,
        [*(ConfigFile(path, text) for path, text in files), *tilt],
        strict=args.strict,
        read=lambda path: read_file(path, limit),
    )
    if not output.krm:  # one write: thousands of info lines are common on a large render
        err.write("".join(f"{result}\n" for result in output.results))
    elif output.exit_code:
        errors = sum(1 for r in output.results if r.severity == "error")
        err.write(f"apply-imagemaps: {errors} error(s); see the ResourceList's results\n")
    out.write(output.stdout)
    return output.exit_code


def _tilt_config(limit: int) -> list[ConfigFile]:
    """--tilt: the ImageMaps Tilt's variables name, as config files after the others."""
    from krm_fn import tilt

    try:
        return tilt.config_files(os.environ, limit)
    except tilt.TiltError as error:
        raise Failure(f"--tilt: {error}") from None


def _read_stdin(stdin: BinaryIO | None, limit: int) -> bytes:
    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise Failure("cannot read stdin: it is closed")
    try:
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            return _read_stream(stream, limit)
        return read_bounded(fd, limit)
    except OSError as error:
        raise Failure(f"cannot read stdin: {error.strerror or error}") from None


# --- the console script ------------------------------------------------------------------


def main_entry() -> None:
    """Console script entry point: `main` under a guard. SIGINT and SIGTERM end the run at
    once with one line and exit 130 or 143 (workers are stopped first); MemoryError and any
    other exception that escapes become one line and exit 1."""
    import signal

    global _STDERR
    err = _STDERR = _Sink("stderr", sys.stderr)
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # an ignored one stays ignored
            signal.signal(signum, lambda signum, frame: _signalled(err, signum, frame))
    try:
        code = main()
    except MemoryError:
        code = _last_words(err, "out of memory: the input needs more than this process may use")
    except KeyboardInterrupt:  # only if the handler could not be installed
        code = _last_words(err, "interrupted", EXIT_SIGINT)
    except Exception as error:
        message = " ".join(str(error).split())[:500]
        name = type(error).__name__
        code = _last_words(err, f"internal error: {name}: {message} ({REPORT})")
    # The run is over and its output written: a signal from now on changes nothing (and
    # Python's own shutdown would put the default action back, dying by the signal).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    raise SystemExit(code)


def _last_words(err: _Sink, message: str, code: int = 1) -> int:
    """The one line a run ends with; no signal interrupts it."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    err.line(f"[error] {message}")
    return code


def _signalled(err: _Sink, signum: int, frame: FrameType | None) -> None:
    """SIGINT or SIGTERM: stop the workers, say so, and exit now, whatever was running (an
    exception could be swallowed where it landed, or leave half a write as a success)."""
    import signal

    for ignored in (signal.SIGINT, signal.SIGTERM):
        signal.signal(ignored, signal.SIG_IGN)
    stop_workers = getattr(sys.modules.get("krm_fn.parallel"), "stop_workers", None)
    if stop_workers is not None:  # only if a run has started
        stop_workers()
    interrupt = signum == signal.SIGINT
    _last_words(err, "interrupted" if interrupt else "terminated")
    os._exit(EXIT_SIGINT if interrupt else EXIT_SIGTERM)
