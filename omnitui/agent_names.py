"""What can be an agent's name: one rule for `--agent`, `agents add`, `assign --to` and the
config's `[[agents]]` (a config could name an agent "nobody" the CLI refused)."""

from __future__ import annotations

import re

# A name that can stand in an SSH forced command and a file name.
AGENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NOBODY = ("none", "nobody", "unassigned", "-")  # what filters and --to read as no owner
RULE = ("letters, digits, '.', '_' or '-' (up to 64, starting with a letter or digit), "
        "not none, nobody or me, nor omnitui's own (omnitui-..., ingest)")


def is_agent_name(name: str) -> bool:
    """Whether `name` can be an agent's (RULE): not a word that means nobody or me
    ("nobody" took a case out of every unassigned view), nor omnitui's own (the history
    said the daemon wrote it)."""
    lower = name.lower()
    return bool(AGENT_NAME.fullmatch(name)) and lower not in (*NOBODY, "me", "ingest") and \
        not lower.startswith("omnitui-")
