"""The one place that decides how rich writes to the terminal."""

from __future__ import annotations

import os
import sys
from typing import Any


def make_console(*, stderr: bool = False) -> Any:
    """Colour on a terminal; plain text when piped or when NO_COLOR is set. Never wraps."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    plain = bool(os.environ.get("NO_COLOR")) or not stream.isatty()
    return Console(
        file=stream,
        no_color=plain,
        color_system=None if plain else "auto",
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )
