"""How omnitui words counts and times for people: "1 case", "2 cases", "2026-11-17 15:08 UTC".

One place, so the CLI and the console say things the same way. Plain strings only (no rich,
typer or Textual), so any face can use it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` and the noun in the number it needs, with thousands separators:
    plural(1, "case") is "1 case", plural(1179, "case") "1,179 cases"; irregular nouns
    give their plural: plural(2, "reply", "replies")."""
    word = noun if count == 1 else plural_noun or f"{noun}s"
    return f"{count:,} {word}"


def utc_time(moment: datetime) -> str:
    """An aware time as people read it: to the minute, in UTC and marked so, so nobody takes
    it for their local time (stored times are UTC: `store.db.parse_db_time` reads them)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
