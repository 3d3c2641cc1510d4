"""The configured country's public holidays, kept in the store for the years around now.

A process that shows SLA countdowns in business time (the console's first page, `omnitui
cases`) needs them before anything else; the holidays package costs about 0.2 s to import
and to build a country's calendar. The daemon, each console and the demo build keep the
dates in `store_info`, so a process reads a few dozen dates instead. Years outside the kept
window still come from the package (triage/calendar.py, imported only where a country is
set: a 24x7 desk's commands start without it).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import suppress
from datetime import date

from omnitui.config import Settings
from omnitui.store import info
from omnitui.store.db import STORE_ERRORS, Store


def _places(settings: Settings) -> set[tuple[str, str]]:
    """(country, subdivision) of the team's hours (agents' own hours share them)."""
    hours = settings.business_hours
    return {(hours.country.upper(), hours.subdivision.upper())} if hours.country else set()


def _key(country: str, subdivision: str) -> str:
    return f"public_holidays:{country}:{subdivision}"


def _kept(conn: sqlite3.Connection, country: str, subdivision: str
          ) -> tuple[range, frozenset[date]] | None:
    try:
        value = info.get(conn, _key(country, subdivision))
        if value is None:
            return None
        kept = json.loads(value)
        return (range(int(kept["years"][0]), int(kept["years"][1])),
                frozenset(date.fromisoformat(day) for day in kept["days"]))
    except (*STORE_ERRORS, ValueError, KeyError, TypeError, IndexError):
        return None  # unreadable or from elsewhere: the package answers instead


def recall(conn: sqlite3.Connection, settings: Settings) -> None:
    """Know the dates the store keeps (a read of one row per country; nothing is computed)."""
    for country, subdivision in _places(settings):
        from omnitui.triage.calendar import know_public_holidays

        if (kept := _kept(conn, country, subdivision)) is not None:
            know_public_holidays(country, subdivision, *kept)


def keep(store: Store, settings: Settings, today: date) -> None:
    """Know the dates for last year to two years ahead, working out and keeping in the store
    those it lacks (once a year per store; a store that cannot be written is only read)."""
    years = range(today.year - 1, today.year + 3)
    for country, subdivision in _places(settings):
        from omnitui.triage.calendar import know_public_holidays, public_holidays

        kept = _kept(store.conn, country, subdivision)
        if kept is not None and years.start in kept[0] and years[-1] in kept[0]:
            know_public_holidays(country, subdivision, *kept)
            continue
        days = frozenset(public_holidays(country, subdivision, years))
        know_public_holidays(country, subdivision, years, days)
        value = json.dumps({"years": [years.start, years.stop],
                            "days": sorted(day.isoformat() for day in days)})
        with suppress(*STORE_ERRORS), store.write() as conn:
            info.put(conn, _key(country, subdivision), value)
