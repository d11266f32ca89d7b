"""Live probe progress on a terminal: which providers are still pending, with their timeout.

One status line on stderr, rewritten in place and erased at the end, so that 40 slow
providers (or one hanging at a 120 s timeout) do not look like a hung command. Off a
terminal nothing is written: a CI log gets the final report only.
"""

from __future__ import annotations

from typing import TextIO

from sekha_migrate.probe.runner import ProbeProgress

_ERASE = "\r\x1b[K"
_SHOWN = 4  # pending providers named; the rest are counted


def progress_line(progress: ProbeProgress, total: int) -> str:
    done = total - len(progress.pending)
    if not progress.pending:
        return f"probed {done}/{total} providers"
    names = [f"{pid} ({timeout:g} s)" for pid, timeout in progress.pending[:_SHOWN]]
    more = len(progress.pending) - _SHOWN
    if more > 0:
        names.append(f"{more} more")
    return f"probed {done}/{total}; waiting for {', '.join(names)}"


class LiveProgress:
    """The `on_progress` callback for the probe runner."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total: int | None = None

    def __call__(self, progress: ProbeProgress) -> None:
        if self.total is None:
            self.total = len(progress.pending)
        self.stream.write(_ERASE + progress_line(progress, self.total))
        self.stream.flush()

    def close(self) -> None:
        if self.total is not None:
            self.stream.write(_ERASE)
            self.stream.flush()
