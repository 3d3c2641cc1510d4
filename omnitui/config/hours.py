"""Business hours as the config writes them: weekday names, "09:00-17:30" spans and
"2026-12-24" dates. Read here, so the config check and the calendar (triage/calendar.py)
read them alike."""

from __future__ import annotations

from datetime import date

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CalendarError(ValueError):
    """A span or date written wrong: the config check names the key."""


def parse_span(text: str) -> tuple[int, int]:
    """"09:00-17:30" -> minutes from midnight (540, 1050); "24:00" may end a span."""
    try:
        start, end = (_minutes(part) for part in text.split("-"))
    except ValueError:
        raise CalendarError(f"{text!r} is not a span such as \"09:00-17:30\"") from None
    if not 0 <= start < end <= 1440:
        raise CalendarError(f"{text!r}: the span must start before it ends, within one day")
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if len(minutes) != 2 or not hours.isdigit() or not minutes.isdigit() or int(minutes) > 59 \
            or int(hours) * 60 + int(minutes) > 1440:  # "25:00" said the span ran backwards
        raise ValueError(text)
    return int(hours) * 60 + int(minutes)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{text!r} is not a date such as \"2026-12-24\"") from None


def parse_duration(text: str) -> float:
    """"90m", "24h", "2d" -> seconds."""
    units = {"m": 60, "h": 3600, "d": 86400}
    number, unit = text.strip()[:-1], text.strip()[-1:]
    try:
        value = float(number)
    except ValueError:
        value = -1
    if unit not in units or not 0 < value < 10_000 or number.strip() != number:
        raise CalendarError(f"{text!r} is not a duration such as \"90m\", \"24h\" or \"2d\"")
    return value * units[unit]
