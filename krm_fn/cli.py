"""The command line: `apply-imagemaps [--imagemaps FILE]... [--strict] [--tilt] [CONFIG_FILE]`.

Only this module touches stdin, stdout, stderr, the environment, the process's settings and
the exit status (SPEC §1); it reads through `krm_fn.inputs` and writes through
`krm_fn.sink`. What cannot be done ends in one `[error]` line on stderr and exit 1; a failed
run's error lines are also copied where a host that hides stderr cannot lose them
(`krm_fn.echo`). The console script's guard (`main_entry`) turns anything else that
escapes, and SIGINT and SIGTERM, into one line and a non-zero exit, never a traceback.

The run itself (`krm_fn.pipeline`, PyYAML) is imported only when it is needed, inside the
guard, so an interrupt during that import is handled like any other; PyYAML first, by
`krm_fn.lazy_yaml`, its patterns compiled only when used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

from krm_fn import parallel
from krm_fn.arguments import HELP, USAGE, Arguments, UsageError, parse_args
from krm_fn.echo import HELM_PLUGIN_ENV, LOG_ENV, Echo
from krm_fn.inputs import MAX_INPUT, MAX_INPUT_ENV, parse_size, read_file, read_stream
from krm_fn.records import Record
from krm_fn.sink import Failure, Sink

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, BinaryIO, Final, TextIO

    from krm_fn.pipeline import ConfigFile, Output

# parse_args, Arguments and UsageError are krm_fn.arguments'; named here too for the host
# tests, which read a host's command line as this module does.
__all__ = ["Arguments", "UsageError", "main", "main_entry", "parse_args"]

PACKAGE = "apply-imagemaps"  # the distribution, for --version
REPORT = 'please report this: see "Reporting problems" in the README'
# Exit statuses besides 0 (success) and 1 (an error).
EXIT_USAGE, EXIT_SIGINT, EXIT_SIGTERM = 2, 130, 143
_BLOCK = 2**20  # bytes of stdout written at a time


def max_input(environ: Mapping[str, str]) -> int:
    """The input limit: `APPLY_IMAGEMAPS_MAX_INPUT`, or `MAX_INPUT`."""
    value = environ.get(MAX_INPUT_ENV, "")
    if not value.strip():
        return MAX_INPUT
    try:
        return parse_size(value)
    except ValueError:
        raise Failure(
            f"{MAX_INPUT_ENV}={value!r} is not a size: a positive number of bytes, "
            "optionally with K, M or G (e.g. 512M)"
        ) from None


def helm_plugin() -> str:
    """The Helm 4 plugin's directory inside the installed package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "helm-plugin")


def version() -> str:
    from importlib import metadata

    try:
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:
        raise Failure(f"no version: the {PACKAGE} package is not installed") from None


# --- the run -----------------------------------------------------------------------------


def run(
    data: bytes,
    files: Sequence[ConfigFile],
    strict: bool,
    read: Callable[[str], bytes],
    workers: parallel.Workers,
) -> Output:
    """`krm_fn.pipeline.run`, imported on first use (see the module docstring)."""
    from krm_fn import pipeline

    return pipeline.run(data, files, strict=strict, read=read, workers=workers)


class _Session(Record):
    """One run of the program: its streams, its settings and workers, and the error lines
    it has written to stderr so far (for `Echo`)."""

    __slots__ = ("stdin", "out", "err", "environ", "workers", "errors")

    def __init__(
        self,
        stdin: BinaryIO | None,
        out: Sink,
        err: Sink,
        environ: Mapping[str, str],
        workers: parallel.Workers,
        errors: list[str],
    ) -> None:
        self.stdin: Final = stdin
        self.out: Final = out
        self.err: Final = err
        self.environ: Final = environ
        self.workers: Final = workers
        self.errors: Final = errors

    @classmethod
    def start(
        cls,
        stdin: BinaryIO | None,
        stdout: BinaryIO | None,
        stderr: TextIO | None,
        environ: Mapping[str, str],
    ) -> _Session:
        """A session on these streams (None: the process's own) and settings."""
        return cls(
            stdin,
            Sink("stdout", stdout if stdout is not None else _real_stdout()),
            Sink("stderr", stderr if stderr is not None else sys.stderr),
            environ,
            parallel.Workers(parallel.jobs(environ.get(parallel.ENV, ""))),
            [],
        )

    @property
    def log(self) -> str:
        return self.environ.get(LOG_ENV, "")

    def error(self, text: str) -> None:
        self.errors.append(text)
        self.err.line(text)


def main(
    argv: Sequence[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run once; returns the exit status (0 ok, 1 error results or a failed read or write,
    2 usage). `stdin`, `stdout`, `stderr` default to the process's own (None when closed);
    `environ` holds the settings (none by default: the console script passes its own)."""
    session = _Session.start(stdin, stdout, stderr, {} if environ is None else environ)
    return _main(sys.argv[1:] if argv is None else argv, session, Echo(session.log))


def _main(argv: Sequence[str], session: _Session, echo: Echo) -> int:
    try:
        code = _run(argv, session)
    except Failure as failure:
        session.error(f"[error] {failure}")
        code = 1
    if code:
        echo.failed(session.errors, argv, code, session.err)
    return code


def _run(argv: Sequence[str], session: _Session) -> int:
    out, err = session.out, session.err
    try:
        args = parse_args(argv)
    except UsageError as usage:
        lines = [USAGE.rstrip("\n"), f"apply-imagemaps: error: {usage}"]
        session.errors.extend(lines)
        err.write("".join(f"{line}\n" for line in lines))
        return EXIT_USAGE
    if args.help or args.version or args.helm_plugin:
        shown = HELP if args.help else f"{version() if args.version else helm_plugin()}\n"
        out.write(shown.encode())
        return 0
    if out.closed:  # before any work: nothing it does could be written
        raise Failure("cannot write to stdout: it is closed")
    limit = max_input(session.environ)
    files = []
    for path in args.paths:
        try:
            files.append((path, read_file(path, limit)))
        except OSError as error:
            raise Failure(f"cannot read ImageMaps file {path}: {error.strerror or error}") from None
    from krm_fn.lazy_yaml import import_yaml

    import_yaml()  # before the run's modules import it: its patterns compiled when used
    from krm_fn.pipeline import ConfigFile

    tilt = _tilt_config(session.environ, limit) if args.tilt else []
    data = _read_stdin(session.stdin, limit)
    output = run(
        data,
        [*(ConfigFile(path, text) for path, text in files), *tilt],
        strict=args.strict,
        read=lambda path: read_file(path, limit),
        workers=session.workers,
    )
    errors = [str(result) for result in output.results if result.severity == "error"]
    session.errors.extend(errors)
    if not output.krm:  # one write: thousands of info lines are common on a large render
        err.write("".join(f"{result}\n" for result in output.results))
    elif errors:  # kustomize shows stderr, never the ResourceList's results
        summary = f"apply-imagemaps: {len(errors)} error(s); see the ResourceList's results"
        err.write("".join(f"{line}\n" for line in [*errors, summary]))
    _write_texts(out, output.texts)
    return output.exit_code


def _write_texts(out: Sink, texts: Sequence[str]) -> None:
    """stdout's pieces, all encoded before the first is written (an encoding error then
    leaves stdout empty), then written in blocks of about `_BLOCK` bytes: the output is
    never joined into one string or one bytes object."""
    encoded = [text.encode() for text in texts]
    block: list[bytes] = []
    size = 0
    for data in encoded:
        block.append(data)
        size += len(data)
        if size >= _BLOCK:
            out.write(b"".join(block))
            block, size = [], 0
    out.write(b"".join(block))


def _tilt_config(environ: Mapping[str, str], limit: int) -> list[ConfigFile]:
    """--tilt: the ImageMaps Tilt's variables name, as config files after the others."""
    from krm_fn import tilt

    try:
        return tilt.config_files(environ, limit)
    except tilt.TiltError as error:
        raise Failure(f"--tilt: {error}") from None


def _read_stdin(stdin: BinaryIO | None, limit: int) -> bytes:
    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise Failure("cannot read stdin: it is closed")
    try:
        return read_stream(stream, limit)
    except OSError as error:
        raise Failure(f"cannot read stdin: {error.strerror or error}") from None


def _real_stdout() -> IO[bytes] | None:
    return None if sys.stdout is None else getattr(sys.stdout, "buffer", None)


# --- the console script ------------------------------------------------------------------


def main_entry() -> None:
    """Console script entry point: the process's settings, then `main` under a guard.
    SIGINT and SIGTERM end the run at once with one line and exit 130 or 143 (workers are
    stopped first); MemoryError and any other exception that escapes become one line and
    exit 1. A failed run's lines are copied to the log and, under Helm 4, to the terminal
    (`Echo`)."""
    import gc
    import signal

    # A run is short and makes no garbage cycles (a golden test checks it), while its node
    # trees are large: the cyclic collector would only walk them again and again.
    gc.disable()
    session = _Session.start(None, None, None, os.environ)
    echo = Echo(session.log, terminal=HELM_PLUGIN_ENV in os.environ)
    argv = sys.argv[1:]

    def last_words(message: str, code: int = 1) -> int:
        """The one line a run ends with, and its copies; no signal interrupts it."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        session.error(f"[error] {message}")
        echo.failed(session.errors, argv, code, session.err)
        return code

    def signalled(signum: int, frame: object) -> None:
        """SIGINT or SIGTERM: stop the workers, say so, and exit now, whatever was running
        (an exception could be swallowed where it landed, or leave half a write as a
        success)."""
        for ignored in (signal.SIGINT, signal.SIGTERM):
            signal.signal(ignored, signal.SIG_IGN)
        session.workers.stop()
        if signum == signal.SIGINT:
            os._exit(last_words("interrupted", EXIT_SIGINT))
        os._exit(last_words("terminated", EXIT_SIGTERM))

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # an ignored one stays ignored
            signal.signal(signum, signalled)
    words = ""  # what escaped the run, said once its frames (and their memory) are freed
    try:
        code = _main(argv, session, echo)
    except MemoryError:
        code, words = 1, "out of memory: the input needs more than this process may use"
    except KeyboardInterrupt:  # only if the handler could not be installed
        code, words = EXIT_SIGINT, "interrupted"
    except Exception as error:
        message = " ".join(str(error).split())[:500]
        code, words = 1, f"internal error: {type(error).__name__}: {message} ({REPORT})"
    if words:
        last_words(words, code)
    # The run is over and its output written: a signal from now on changes nothing (and
    # Python's own shutdown would put the default action back, dying by the signal).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    # Python's shutdown collects cycles once more, even with the collector disabled: every
    # object still alive (the modules, their classes and functions) is walked for nothing.
    # Frozen, they are left out of that walk; they are freed as before.
    gc.freeze()
    raise SystemExit(code)
