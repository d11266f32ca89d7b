"""The one error type the public API raises for a call it cannot act on.

Bad *content* never raises: it comes back as findings in a result. A `UsageError` is about
the call itself: a path that names nothing to validate, an env file that cannot be read,
sources that cannot be migrated together, an unknown target. The CLI turns it into one
line on stderr and exit code 2.
"""

from __future__ import annotations


class UsageError(Exception):
    """The arguments name nothing the library can work on; the message says what to change."""


class ProbeError(Exception):
    """A probe could not produce an answer; the message says what to do about it.

    Defined here, not in `probe/`, so that catching it costs no import of the HTTP client."""
