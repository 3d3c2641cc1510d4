"""A calendar invitation's text (iCalendar, RFC 5545/5546): what an agent needs to answer it.

Mail that is only an invitation (a text/calendar part, alone or the one part of a
multipart) had no text, and its case read "(no text)": the meeting, its time, where it is,
who asks and whether it is asked, cancelled or answered were all in the .ics. icalendar
(BSD) reads it; an .ics it cannot read is shown as its own lines, so a broken one still
says what it can and never stops the mail being filed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

__all__ = ["invite_text"]

_METHODS = {"REQUEST": "invitation", "CANCEL": "cancellation", "REPLY": "answer",
            "PUBLISH": "published event", "COUNTER": "counter-proposal",
            "REFRESH": "request for the latest version", "ADD": "added occurrences",
            "DECLINECOUNTER": "counter-proposal declined"}
_ANSWERS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentatively accepted",
            "DELEGATED": "delegated", "NEEDS-ACTION": "not answered yet"}
# the lines shown of an .ics icalendar cannot read: their values as the sender wrote them
_RAW_SHOWN = {"METHOD": "Method", "SUMMARY": "What", "DTSTART": "Starts", "DTEND": "Ends",
              "LOCATION": "Where", "ORGANIZER": "Organizer", "ATTENDEE": "Attendee"}
_MAX_ICS = 1 << 20  # a hostile megabytes-long .ics is not read, only its lines shown
_MAX_EVENTS = 5


def invite_text(ics: str) -> tuple[str, str | None]:
    """(the invitation as lines an agent reads, the problem if the .ics was unreadable)."""
    if len(ics) <= _MAX_ICS:
        try:
            text = _read(ics)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        else:
            if text:
                return text, None
            problem = "no event in it"
    else:
        problem = f"over {_MAX_ICS} characters, not read"
    return _raw_lines(ics), f"calendar invitation unreadable ({problem}); its lines shown"


def _read(ics: str) -> str:
    from icalendar import Calendar  # ~35 ms to import: only when mail holds an invitation

    calendar = Calendar.from_ical(ics)
    method = str(calendar.get("METHOD", "")).strip().upper()
    blocks = []
    for event in calendar.walk("VEVENT")[:_MAX_EVENTS]:
        kind = _METHODS.get(method, "event")
        lines = [f"Calendar {kind}" + (f" ({method})" if method else "")]
        lines += [f"{label}: {value}" for label, value in (
            ("What", _text(event.get("SUMMARY"))),
            ("Starts", _moment(event.get("DTSTART"))),
            ("Ends", _end(event)),
            ("Where", _text(event.get("LOCATION"))),
            ("Organizer", _person(event.get("ORGANIZER"))),
        ) if value]
        if method == "REPLY":  # who answered, and how
            lines += [f"Answer: {_person(who)} {_ANSWERS.get(state, state.lower())}"
                      for who in _listed(event.get("ATTENDEE"))
                      if (state := str(who.params.get("PARTSTAT", "")).upper())]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _person(address: Any) -> str:
    """`Name <address>` of an ORGANIZER or ATTENDEE (a mailto: URI with a CN)."""
    if address is None:
        return ""
    where = str(address).strip()
    where = where[7:] if where.lower().startswith("mailto:") else where
    name = _text(getattr(address, "params", {}).get("CN", "")).strip('"')
    return f"{name} <{where}>" if name and where else name or where


def _end(event: Any) -> str:
    """DTEND, else DTSTART + DURATION (RFC 5545 allows either)."""
    if (end := event.get("DTEND")) is not None:
        return _moment(end, ending=True)
    start, duration = event.get("DTSTART"), event.get("DURATION")
    if start is None or duration is None or not isinstance(
            getattr(duration, "dt", None), timedelta):
        return ""
    return _moment(start, shift=duration.dt, ending=True)


def _moment(prop: Any, shift: timedelta = timedelta(), *, ending: bool = False) -> str:
    """A DTSTART or DTEND as people read it, with its time zone's name and UTC offset; an
    all-day event's end (`ending`) as its last day, not the day after it that DTEND is."""
    if prop is None:
        return ""
    try:
        value = prop.dt
    except Exception:  # icalendar keeps a value it cannot read as a broken property
        return _text(prop)
    if not isinstance(value, date):
        return _text(value)
    value += shift
    if not isinstance(value, datetime):
        return f"{(value - timedelta(days=1 if ending else 0)).isoformat()} (all day)"
    zone = str(prop.params.get("TZID", "") or "")
    if value.tzinfo is None or (offset := value.utcoffset()) is None:
        return f"{value:%Y-%m-%d %H:%M} " + (f"{zone} (a time zone unknown here)" if zone
                                             else "(no time zone given)")
    zone = zone or str(getattr(value.tzinfo, "key", "") or value.tzname() or "")
    minutes = int(offset.total_seconds()) // 60
    utc = f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"
    if zone.upper() in ("UTC", "Z", "ETC/UTC", "") and not minutes:
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return f"{value:%Y-%m-%d %H:%M} {zone} ({utc})" if zone else f"{value:%Y-%m-%d %H:%M} {utc}"


def _raw_lines(ics: str) -> str:
    """The lines of an unreadable .ics that hold what `_read` would show, unfolded, each
    value under the label `_read` gives it (bare "SUMMARY:…" lines read as shouting to
    triage); all of it when there are none (it may not be iCalendar at all)."""
    unfolded = ics.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
    shown = []
    for line in unfolded.split("\n"):
        name, colon, value = line.partition(":")
        label = _RAW_SHOWN.get(name.partition(";")[0].strip().upper())
        if label and colon:
            shown.append(f"{label}: {value.strip()}")
    return "\n".join(shown) if shown else unfolded.strip()
