"""Running the installed command on a pseudo-terminal, as an operator's shell would."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class OnTerminal:
    """A `python -m sekha_migrate` process whose stdin, stdout and stderr are one terminal."""

    process: subprocess.Popen[bytes]
    leader: int
    seen: bytes = b""
    cursor: int = 0

    def wait_for(self, expected: bytes, timeout: float = 20.0) -> None:
        """Read the terminal until `expected` shows after what was waited for before."""
        deadline = time.monotonic() + timeout
        while self.seen.find(expected, self.cursor) < 0:
            remaining = deadline - time.monotonic()
            ready = select.select([self.leader], [], [], max(remaining, 0))[0]
            chunk = self._read() if ready else b""
            if remaining <= 0 or (ready and not chunk):
                pytest.fail(f"no {expected!r} on the terminal; it showed: {self.seen!r}")
        self.cursor = self.seen.find(expected, self.cursor) + len(expected)

    def type(self, text: bytes) -> None:
        os.write(self.leader, text)

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the command, as the terminal sends it. A signal that lands after
        the question is shown but before the read blocks is only seen by the interpreter at
        its next check, which a blocked read never reaches; so, as an operator would, press
        it again when nothing happened."""
        for _press in range(4):
            time.sleep(0.2)
            self.process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 3
            while self.process.poll() is None and time.monotonic() < deadline:
                if select.select([self.leader], [], [], 0.1)[0]:
                    self._read()
            if self.process.poll() is not None:
                return

    def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        """The exit code and everything the terminal showed."""
        deadline = time.monotonic() + timeout
        try:
            # Keep reading while it runs: a terminal whose buffer is full blocks the writer.
            while self.process.poll() is None:
                if time.monotonic() > deadline:
                    pytest.fail(f"still running after {timeout:.0f} s; it showed: {self.seen!r}")
                if select.select([self.leader], [], [], 0.1)[0]:
                    self._read()
            code = self.process.returncode
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        while select.select([self.leader], [], [], 0.2)[0] and self._read():
            pass
        os.close(self.leader)
        return code, self.seen.decode("utf-8", "replace")

    def _read(self) -> bytes:
        try:
            chunk = os.read(self.leader, 4096)
        except OSError:  # the command ended and closed the terminal
            return b""
        self.seen += chunk
        return chunk


def default_sigint() -> None:
    """Ctrl-C as a shell leaves it to the commands it starts: pytest-xdist's workers ignore
    SIGINT, and an ignored signal stays ignored across exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def on_terminal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> OnTerminal:
    import pty

    leader, follower = pty.openpty()
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "sekha_migrate", *args], cwd=cwd,
                               stdin=follower, stdout=follower, stderr=follower, env=full_env,
                               close_fds=True, preexec_fn=default_sigint)
    os.close(follower)
    return OnTerminal(process, leader)
