"""Where a failed run's error lines go besides stderr: the terminal and the log file.

Helm 4 keeps a post-renderer plugin's stderr in a buffer it never prints, so the reason a
run failed would reach nobody. When a run fails, its error lines are therefore also
appended to the file that `APPLY_IMAGEMAPS_LOG` names (whatever the host), after a line
saying when and which command failed, and, when Helm 4 runs the program as its plugin
(`HELM_PLUGIN_NAME` is set), written to the controlling terminal, if the process has one
and stderr is not a terminal itself. The other hosts show stderr themselves (kpt, Helm 3,
kustomize): a copy on the terminal would only say it twice. Neither copy ever blocks or
changes the run's outcome: a terminal that is busy or gone gets what it takes at once, and
a log file that cannot be written costs one `[warning]` line on stderr (and the terminal).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

from krm_fn.sink import Sink

__all__ = ["HELM_PLUGIN_ENV", "LOG_ENV", "TERMINAL", "Echo"]

LOG_ENV = "APPLY_IMAGEMAPS_LOG"
HELM_PLUGIN_ENV = "HELM_PLUGIN_NAME"  # set by Helm for the plugins it runs
TERMINAL = "/dev/tty"  # the controlling terminal, whatever the standard streams are
_NONBLOCK = os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class Echo:
    """Copies of a failed run's error lines: to the log file `log` (none when empty) and,
    when `terminal` (the host hides stderr), to the controlling terminal."""

    def __init__(self, log: str = "", terminal: bool = False) -> None:
        self.log = log
        self.terminal = terminal

    def failed(self, lines: Sequence[str], command: Sequence[str], code: int, err: Sink) -> None:
        """A run of `command` (its arguments) ended with exit `code` and these error lines on
        `err`; a log file that fails adds its own warning, there and on the terminal."""
        if not lines:
            return
        copies = list(lines)
        if self.log:
            problem = _append(self.log, _entry(lines, command, code))
            if problem:
                copies.append(f"[warning] cannot append to {LOG_ENV} file {self.log}: {problem}")
                err.line(copies[-1])
        if self.terminal and not _is_terminal(err):
            _to_terminal("".join(f"{line}\n" for line in copies))


def _entry(lines: Sequence[str], command: Sequence[str], code: int) -> str:
    """The log's record of one failed run: a heading line, then its error lines."""
    import shlex
    import time

    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run = shlex.join(["apply-imagemaps", *command])
    heading = f"--- {when} {run} (pid {os.getpid()}, in {os.getcwd()}): exit {code}\n"
    return heading + "".join(f"{line}\n" for line in lines)


def _append(path: str, text: str) -> str:
    """`text` appended to the file at `path`, created if need be, in one write (so that two
    runs' records do not interleave); what went wrong, or "" when nothing did."""
    flags = os.O_APPEND | os.O_CREAT | _NONBLOCK  # a FIFO nobody reads: ENXIO, not a wait
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as err:
        return err.strerror or str(err)
    try:
        data = text.encode("utf-8", "backslashreplace")
        written = os.write(fd, data)
        return "" if written == len(data) else f"{written} of {len(data)} bytes written"
    except OSError as err:
        return err.strerror or str(err)
    finally:
        os.close(fd)


def _is_terminal(err: Sink) -> bool:
    return err.fd is not None and os.isatty(err.fd)


def _to_terminal(text: str) -> None:
    """`text` on the controlling terminal, as much of it as it takes at once. A process in
    the background of a terminal with `stty tostop` writes too, rather than being stopped
    (SIGTTOU is ignored for the write)."""
    import signal

    try:
        fd = os.open(TERMINAL, _NONBLOCK)
    except OSError:
        return  # no controlling terminal (a CI job, a daemon, `setsid`)
    stop = signal.signal(signal.SIGTTOU, signal.SIG_IGN) if hasattr(signal, "SIGTTOU") else None
    try:
        with contextlib.suppress(OSError):
            os.write(fd, text.encode("utf-8", "backslashreplace"))
    finally:
        if stop is not None:
            signal.signal(signal.SIGTTOU, stop)
        os.close(fd)
