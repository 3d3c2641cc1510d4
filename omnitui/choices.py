"""The CLI's fixed choices (output formats, queue orders), apart from the code that prints
them, so that `omnitui --help` and a command's start import nothing they do not use."""

from __future__ import annotations

import enum

# The orders of a queue, by name, as people read them (the store serves each with an index).
SORTS = {"priority": "priority", "sla": "SLA due", "newest": "newest",
         "updated": "last activity"}


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class DoneFormat(enum.StrEnum):
    """How an action says what it did: a line, or JSON for a script (it has no table of
    rows to give as CSV: `event --format csv` printed the line)."""

    table = "table"
    json = "json"


class ListFormat(enum.StrEnum):
    """How `cases` prints: the formats every command has, and ids (one a line, for
    `| omnitui assign --to erin -`)."""

    table = "table"
    json = "json"
    csv = "csv"
    ids = "ids"


Sort = enum.StrEnum("Sort", {name: name for name in SORTS})  # the orders, for typer


class GroupBy(enum.StrEnum):
    """What `omnitui report --by` groups the funnel by (metrics/funnel.py GROUPS)."""

    queue = "queue"
    channel = "channel"
    agent = "agent"
    tier = "tier"
    day = "day"
