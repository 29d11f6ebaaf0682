"""A failed run's copies (krm_fn.echo): the log file, and the controlling terminal (a real
pseudo-terminal, tests/terminal.py), which never blocks the run."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from krm_fn.echo import Echo
from krm_fn.sink import Sink
from tests.terminal import Terminal

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses /dev/tty and ptys")

LINES = ["[error] v1/Pod/p spec.x: broken", "[error] the second reason"]
HEADING = re.compile(
    r"--- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} apply-imagemaps --imagemaps 'my maps.yaml' "
    rf"\(pid {os.getpid()}, in {re.escape(os.getcwd())}\): exit 1\n"
)


def _failed(echo: Echo, lines: list[str] = LINES) -> str:
    """What `echo` adds to stderr for a run that failed with `lines`."""
    err = io.StringIO()
    echo.failed(lines, ["--imagemaps", "my maps.yaml"], 1, Sink("stderr", err))
    return err.getvalue()


def test_the_log_gets_a_heading_and_the_lines_of_each_failed_run(tmp_path: Path) -> None:
    log = tmp_path / "apply-imagemaps.log"
    assert _failed(Echo(str(log))) == ""
    assert _failed(Echo(str(log)), LINES[1:]) == ""
    records = log.read_text().split("--- ")[1:]
    assert len(records) == 2
    assert HEADING.fullmatch("--- " + records[0].split("\n")[0] + "\n")
    assert records[0].split("\n", 1)[1] == f"{LINES[0]}\n{LINES[1]}\n"
    assert records[1].split("\n", 1)[1] == f"{LINES[1]}\n"


def test_nothing_is_copied_without_error_lines(tmp_path: Path) -> None:
    log = tmp_path / "apply-imagemaps.log"
    assert _failed(Echo(str(log)), []) == ""
    assert not log.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [("missing/apply-imagemaps.log", "No such file or directory"), (".", "Is a directory")],
)
def test_a_log_that_cannot_be_written_is_one_warning(
    tmp_path: Path, name: str, reason: str
) -> None:
    path = tmp_path / name
    assert _failed(Echo(str(path))) == (
        f"[warning] cannot append to APPLY_IMAGEMAPS_LOG file {path}: {reason}\n"
    )


def test_a_fifo_nobody_reads_is_not_waited_for(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    warning = _failed(Echo(str(fifo)))
    assert time.monotonic() - start < 1
    assert warning == (
        f"[warning] cannot append to APPLY_IMAGEMAPS_LOG file {fifo}: No such device or address\n"
    )


# --- the controlling terminal ------------------------------------------------------------

# A child that reports a failed run with these lines (none: 5000 lines, 1 MB, more than a
# terminal holds), stderr as the test gives it.
CHILD = """\
import sys
from krm_fn.echo import Echo
from krm_fn.sink import Sink
lines = sys.argv[2:] or [f"[error] reason {n}: " + "x" * 200 for n in range(5000)]
Echo(terminal=sys.argv[1] == "terminal").failed(lines, [], 1, Sink("stderr", sys.stderr))
print("done")
"""


def _child(terminal: Terminal | None, *args: str, stderr: int | None = None) -> str:
    """Run CHILD with `args` in `terminal` (or in a new session without one); its stdout."""
    command = [sys.executable, "-c", CHILD, *args]
    popen = {"stdout": subprocess.PIPE, "stderr": stderr, "stdin": subprocess.DEVNULL}
    if terminal is None:
        proc = subprocess.Popen(command, start_new_session=True, **popen)  # type: ignore[call-overload]
    else:
        proc = terminal.spawn(command, **popen)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return str(out.decode())


def test_the_lines_reach_the_terminal_when_stderr_goes_elsewhere() -> None:
    terminal = Terminal()
    assert _child(terminal, "terminal", *LINES, stderr=subprocess.DEVNULL) == "done\n"
    assert terminal.close() == f"{LINES[0]}\n{LINES[1]}\n"


def test_no_copy_when_stderr_is_the_terminal_or_the_host_shows_stderr() -> None:
    terminal = Terminal()
    assert _child(terminal, "terminal", *LINES, stderr=terminal.slave) == "done\n"
    assert _child(terminal, "no-terminal", *LINES, stderr=subprocess.DEVNULL) == "done\n"
    assert terminal.close() == ""  # Echo wrote nothing: stderr got no lines from it either


def test_no_controlling_terminal_is_no_failure() -> None:
    assert _child(None, "terminal", *LINES, stderr=subprocess.DEVNULL) == "done\n"


def test_a_terminal_nobody_reads_takes_what_it_can_and_never_blocks() -> None:
    terminal = Terminal(reading=False)
    start = time.monotonic()
    assert _child(terminal, "terminal", stderr=subprocess.DEVNULL) == "done\n"
    assert time.monotonic() - start < 10
    terminal.close()


def test_a_background_job_with_tostop_is_not_stopped() -> None:
    """`stty tostop`: a background process that writes to its terminal gets SIGTTOU, which
    stops it; the copy is written anyway (SIGTTOU ignored for it) and the run ends."""
    terminal = Terminal()
    terminal.stty("tostop")
    script = 'set -m; "$@" & wait $!; echo "exit $?"'  # job control: "$@" in the background
    command = ["bash", "-c", script, "bash", sys.executable, "-c", CHILD, "terminal", *LINES]
    proc = terminal.spawn(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = proc.communicate(timeout=30)
    assert out == b"done\nexit 0\n"
    assert terminal.close() == f"{LINES[0]}\n{LINES[1]}\n"
