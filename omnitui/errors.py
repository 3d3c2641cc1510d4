"""One tree for every expected failure, so each face renders it the same way: the CLI as one
line and an exit status, the console as a message on screen.

Anything else that reaches a face is a bug and keeps its traceback.
"""

from __future__ import annotations


class OmnituiError(Exception):
    """An expected failure, worded for the person who must act on it."""

    exit_code = 1  # what the CLI exits with
    label = "error"  # how the CLI's one line starts


class UsageError(OmnituiError):
    """The command or its input was wrong (a bad option, an id that is no number)."""

    exit_code = 2
    label = "usage error"


class Refused(OmnituiError):
    """An action that cannot apply now: a case another agent holds, a case that moved on
    since the caller read it, nothing left to undo. Nothing was changed."""
