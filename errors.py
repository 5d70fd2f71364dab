"""The project's errors: one base class whose message is meant for the user.

Every problem a user can act on (a missing or damaged index, an unreadable document, a bad
question file, a missing model package, a busy index…) is a :class:`RagError` subclass raised
where it is detected and caught once at each edge — the CLI ``main`` functions and the web
handlers — which show ``str(exc)``. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class RagError(Exception):
    """A problem the user can act on; ``str(exc)`` is the user-facing message."""

    exit_code = 2  # what a CLI returns for it

    @property
    def message(self) -> str:
        """The user-facing message."""
        return str(self)


class Cancelled(RagError):
    """The user cancelled a long operation before it changed anything."""
