"""When a snoozed case comes back: the usual choices, and what an agent types for "custom".

Times are the agent's local time (a person says "tomorrow at nine" in their own zone) and are
returned timezone-aware, so the store gets the right UTC moment.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

MORNING = 9
DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.I)
UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LONGEST = timedelta(days=366)  # a snooze further off is refused


def local_now(zone: tzinfo | None) -> datetime:
    """Now in `zone` (`Settings.agent_zone`), or this machine's zone."""
    return datetime.now(zone) if zone is not None else datetime.now().astimezone()


def _morning(day: datetime) -> datetime:
    return day.replace(hour=MORNING, minute=0, second=0, microsecond=0)


def _later(now: datetime, by: timedelta) -> datetime:
    """`now` plus a duration of real time, in `now`'s zone: added to the wall clock, "3h"
    on the night the clocks change slept two hours or four."""
    return (now.astimezone(UTC) + by).astimezone(now.tzinfo)


def snooze_choices(now: datetime) -> list[tuple[str, datetime]]:
    """(label, moment) for the snooze menu; `now` is aware, in the agent's zone."""
    tomorrow = _morning(now + timedelta(days=1))
    monday = _morning(now + timedelta(days=7 - now.weekday()))
    if monday == tomorrow:  # a Sunday: the two choices were the same moment
        monday += timedelta(days=7)
    return [("1 hour", _later(now, timedelta(hours=1))),
            ("4 hours", _later(now, timedelta(hours=4))),
            (f"tomorrow {MORNING}:00", tomorrow), (f"next Monday {MORNING}:00", monday)]


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"^(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ t](.+))?$")
HELP = "write 3h, 2d, 1w, tomorrow 9:00, friday, 17:30, or a date like 2026-12-24 09:00"


def parse_until(text: str, now: datetime) -> datetime:
    """What an agent types for "custom": "3h", "2d", "1w", "45m"; a day ("today",
    "tomorrow", "friday", "next monday": 9:00) with or without a time ("tomorrow 14:30",
    "fri 9am"); a time alone ("17:30", "5pm": today, or tomorrow once past); a local date
    with or without a time ("2026-12-24", "2026-12-24 9:00"). Raises ValueError with a
    sentence for anything else, or for a moment already past. (The menu offered "tomorrow
    9:00", and typing that, "tuesday" or "17:30" was refused.)"""
    said = " ".join(text.lower().split())
    if found := DURATION.match(said):
        try:
            moment = _later(now, timedelta(**{UNITS[found[2].lower()]: int(found[1])}))
        except OverflowError:
            raise ValueError(f"{text!r} is too far away") from None
    else:
        moment = _moment(said, now)
        if moment is None:
            raise ValueError(f"{text!r}: {HELP}")
    if moment <= now:
        raise ValueError(f"{text!r} is already past")
    try:
        moment.astimezone(UTC)  # the store keeps UTC: the year 9999 late at night is past it
    except OverflowError:
        raise ValueError(f"{text!r} is too far away") from None
    if moment - now > LONGEST:  # "99999d" slept until 2300: a typo, not a plan
        raise ValueError(f"{text!r} is more than a year away: snooze for a year at most")
    return moment


def _moment(said: str, now: datetime) -> datetime | None:
    """A day, a time, or both, in `now`'s zone; None: not one."""
    if found := DATE.match(said):
        try:
            day = datetime.fromisoformat(found[1]).replace(tzinfo=now.tzinfo)
        except ValueError:
            return None
        if not found[2]:
            return _morning(day)
        return _at(day, found[2]) or _iso(said, now)  # "09:00:00", "09:00+01:00" too
    words = said.split(" ", 2 if said.startswith("next ") else 1)
    head = " ".join(words[:2]) if said.startswith("next ") else words[0]
    rest = " ".join(words[2:] if said.startswith("next ") else words[1:])
    if (day := _day(head, now)) is not None:
        moment = _at(day, rest) if rest else _morning(day)
        weekly = head not in ("today", "tomorrow")  # "monday" typed on a Monday at noon:
        return moment + timedelta(days=7) if weekly and moment and moment <= now else moment
    if (today := _at(now, said)) is None:
        return None
    return today if today > now else today + timedelta(days=1)  # "17:30" at 18:00


def _iso(said: str, now: datetime) -> datetime | None:
    """An ISO 8601 time ("2026-12-24 09:00:00", "2026-12-24T09:00+01:00"), in `now`'s zone
    unless it names its offset."""
    try:
        moment = datetime.fromisoformat(said.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def _day(word: str, now: datetime) -> datetime | None:
    """"today", "tomorrow", a weekday (the coming one: on a Sunday, "monday" is tomorrow),
    "next <weekday>" (the menu's: never tomorrow, a week on then); by name or its first
    three letters."""
    if word in ("today", "tomorrow"):
        return now + timedelta(days=word == "tomorrow")
    named = word.removeprefix("next ")
    weekday = next((n for n, day in enumerate(DAYS) if named in (day, day[:3])), None)
    if weekday is None:
        return None
    ahead = (weekday - now.weekday()) % 7
    if word.startswith("next "):
        ahead = ahead or 7
        ahead += 7 if ahead == 1 else 0
    return now + timedelta(days=ahead)


def _at(day: datetime, clock: str) -> datetime | None:
    """`day` at a time: "9", "9:00", "14:30", "9am", "5pm", "at 9"; None: not a time."""
    found = CLOCK.match(clock.strip())
    if found is None:
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    if found[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def until_words(moment: datetime, now: datetime) -> str:
    """"Mon 07 Dec 09:00 CET", the year added when it is not this one's. The zone is named:
    the case's clocks beside it speak the team's, the timeline UTC, and an agent abroad read
    their own 09:00 as the team's (a case slept past its due time)."""
    return f"{moment:%a %d %b %H:%M}" + (f" {moment:%Y}" if moment.year != now.year else "") \
        + (f" {moment:%Z}" if moment.tzinfo is not None else "")


def due_asleep(conn: sqlite3.Connection, case_ids: Sequence[int], until: datetime,
               zone: tzinfo | None) -> list[tuple[int, str]]:
    """What a snooze until `until` hides while it breaches, as a warning a case: it does not
    stop a case's SLA clock (the customer is still waiting; pending stops it), and a case
    due in 8 minutes slept through its breach without a word."""
    from omnitui.store.cases import due_before
    from omnitui.store.db import db_time, parse_db_time, utc_now
    from omnitui.wording import clock_time

    now = db_time(utc_now())
    return [(case_id, (f"#{case_id} falls due {clock_time(parse_db_time(due), zone)}, while "
                       "it sleeps" if due > now else f"#{case_id} is past its due time "
                       f"({clock_time(parse_db_time(due), zone)}) and sleeps on")
             + ": a snooze does not stop its SLA clock" + ("" if paused else " (pending does)"))
            for case_id, due, paused in due_before(conn, case_ids, db_time(until))]
