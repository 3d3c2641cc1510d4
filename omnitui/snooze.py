"""When a snoozed case comes back: the usual choices, and what an agent types for "custom".

Times are the agent's local time (a person says "tomorrow at nine" in their own zone) and are
returned timezone-aware, so the store gets the right UTC moment.
"""

from __future__ import annotations

import re
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


def snooze_choices(now: datetime) -> list[tuple[str, datetime]]:
    """(label, moment) for the snooze menu; `now` is aware, in the agent's zone."""
    tomorrow = _morning(now + timedelta(days=1))
    monday = _morning(now + timedelta(days=7 - now.weekday()))
    if monday == tomorrow:  # a Sunday: the two choices were the same moment
        monday += timedelta(days=7)
    return [("1 hour", now + timedelta(hours=1)), ("4 hours", now + timedelta(hours=4)),
            (f"tomorrow {MORNING}:00", tomorrow), (f"next Monday {MORNING}:00", monday)]


def parse_until(text: str, now: datetime) -> datetime:
    """"3h", "2d", "1w", "45m", the menu's "tomorrow" and "monday" (9:00), or a local
    "YYYY-MM-DD HH:MM" / "YYYY-MM-DD"; raises ValueError with a sentence for anything else
    or for a moment already past."""
    found = DURATION.match(text)
    said = " ".join(text.lower().split())
    named = {"tomorrow": 2, "next monday": 3}.get(said)
    if named is not None:
        moment = snooze_choices(now)[named][1]
    elif said == "monday":  # the coming one: on a Sunday, tomorrow (not the menu's "next
        # Monday", a week on: a typed "monday" skipped tomorrow)
        moment = _morning(now + timedelta(days=(7 - now.weekday()) % 7))
        moment = moment if moment > now else moment + timedelta(days=7)
    elif found:
        try:
            moment = now + timedelta(**{UNITS[found[2].lower()]: int(found[1])})
        except OverflowError:
            raise ValueError(f"{text!r} is too far away") from None
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{text!r}: write 3h, 2d, 1w, tomorrow, monday, or a date like "
                             "2026-12-24 09:00") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=now.tzinfo)
        if len(text.strip()) == 10:
            moment = moment.replace(hour=MORNING)
    if moment <= now:
        raise ValueError(f"{text!r} is already past")
    try:
        moment.astimezone(UTC)  # the store keeps UTC: the year 9999 late at night is past it
    except OverflowError:
        raise ValueError(f"{text!r} is too far away") from None
    if moment - now > LONGEST:  # "99999d" slept until 2300: a typo, not a plan
        raise ValueError(f"{text!r} is more than a year away: snooze for a year at most")
    return moment


def until_words(moment: datetime, now: datetime) -> str:
    """"Mon 07 Dec 09:00 CET", the year added when it is not this one's. The zone is named:
    the case's clocks beside it speak the team's, the timeline UTC, and an agent abroad read
    their own 09:00 as the team's (a case slept past its due time)."""
    return f"{moment:%a %d %b %H:%M}" + (f" {moment:%Y}" if moment.year != now.year else "") \
        + (f" {moment:%Z}" if moment.tzinfo is not None else "")
