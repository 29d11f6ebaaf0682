"""A pseudo-terminal that is a child process's controlling terminal, as a user's terminal
is for the commands typed into it; what the child writes to it is read here."""

from __future__ import annotations

import fcntl
import os
import subprocess
import termios
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class Terminal:
    """`spawn` runs a command in a new session whose controlling terminal is this one;
    `text` is what reached the terminal (only after `close`, or the child is done with it).
    `reading=False` leaves it unread, so that it fills up as a terminal nobody reads."""

    def __init__(self, reading: bool = True) -> None:
        self.master, self.slave = os.openpty()
        attrs = termios.tcgetattr(self.slave)
        attrs[1] &= ~termios.ONLCR  # "\n" stays "\n" (a terminal's default writes "\r\n")
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self._got: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True) if reading else None
        if self._reader is not None:
            self._reader.start()

    def spawn(self, args: Sequence[str | Path], **popen: Any) -> subprocess.Popen[bytes]:
        slave = self.slave

        def controlling_terminal() -> None:  # in the child, after its setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

        return subprocess.Popen(
            [str(a) for a in args],
            start_new_session=True,
            preexec_fn=controlling_terminal,
            pass_fds=[slave],
            **popen,
        )

    def close(self) -> str:
        """Close this side's slave, wait until every child has closed its own, and give
        what reached the terminal."""
        os.close(self.slave)
        if self._reader is not None:
            self._reader.join(timeout=60)
        os.close(self.master)
        return b"".join(self._got).decode(errors="replace")

    def stty(self, *settings: str) -> None:
        subprocess.run(["stty", *settings], stdin=self.slave, check=True)

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: no slave is open any more
                return
            if not chunk:
                return
            self._got.append(chunk)
