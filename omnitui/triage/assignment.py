"""Who gets a case: of the agents present with the queue's skills and room for one more case
of its channel class, one who speaks the case's language if any does, then the one with the
fewest open cases; ties go to the longest idle (the longest since their last assignment).
A pure choice, so it can be read and tested alone; the reason says why in the words an
agent checks ("to erin: skill billing, speaks de, 3/8 email open, idle 14 min").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field
from datetime import datetime

from omnitui.records import record
from omnitui.wording import span


@record
class Candidate:
    """An agent present and not away, with their open cases counted by channel class."""

    name: str
    skills: frozenset[str]
    capacity: dict[str, int]  # empty: no limit
    load: dict[str, int] = field(default_factory=dict)
    idle_since: datetime | None = None  # their last assignment; None: never given one
    languages: frozenset[str] = frozenset()  # ISO 639-1 codes they answer in

    def room(self, channel_class: str) -> bool:
        return not self.capacity or \
            self.load.get(channel_class, 0) < self.capacity.get(channel_class, 0)

    def rooms(self, classes: Iterable[str]) -> set[str]:
        return {c for c in classes if self.room(c)}

    @property
    def open(self) -> int:
        return sum(self.load.values())

    def took(self, channel_class: str, at: datetime) -> None:
        self.load[channel_class] = self.load.get(channel_class, 0) + 1
        self.idle_since = at

    def load_text(self, channel_class: str) -> str:
        if channel_class in self.capacity:
            return (f"{self.load.get(channel_class, 0)}/{self.capacity[channel_class]} "
                    f"{channel_class} open")
        return f"{self.open} open"


@record(frozen=True)
class Choice:
    agent: str | None  # None: nobody free, the case waits
    reason: str
    full: bool = False  # nobody free although agents with the skills are here: saturated


def choose_agent(candidates: Sequence[Candidate], skills: Iterable[str], channel_class: str,
                 now: datetime, language: str | None = None, *,
                 require: bool = False) -> Choice:
    """`language`: the case's, when someone on the queue's team speaks it (None: routing
    reads no language); `require`: only one who speaks it may have the case, else it waits
    (their all being full is saturation, as for the skills)."""
    needed = frozenset(skills)
    skilled = [c for c in candidates if needed <= c.skills]
    if require and language:
        skilled = [c for c in skilled if language in c.languages]
    free = [c for c in skilled if c.room(channel_class)]
    if not free:
        return Choice(None, _nobody(candidates, skilled, needed, channel_class,
                                    language if require else None), full=bool(skilled))
    speakers = [c for c in free if language in c.languages] if language else []
    best = min(speakers or free, key=lambda c: (c.open, c.idle_since or datetime.min.replace(
        tzinfo=now.tzinfo), c.name))
    why = [f"skill {', '.join(sorted(needed))}"] if needed else []
    if language:
        why.append(f"speaks {language}" if speakers else f"nobody free speaks {language}")
    why.append(best.load_text(channel_class))
    idle = (now - best.idle_since).total_seconds() if best.idle_since else None
    why.append("not given a case yet" if idle is None else f"idle {span(idle)}" if idle > 0
               else "given one just now")
    return Choice(best.name, f"to {best.name}: {', '.join(why)}")


def _nobody(present: Sequence[Candidate], skilled: Sequence[Candidate], needed: frozenset[str],
            channel_class: str, language: str | None) -> str:
    if not present:
        return "nobody free: no agent is present"
    if not skilled:
        has = f"has skill {', '.join(sorted(needed))}" if needed else ""
        speaks = f"speaks {language}" if language else ""
        return f"nobody free: no agent present {' and '.join(filter(None, (has, speaks)))}"
    full = ", ".join(f"{c.name} {c.load_text(channel_class)}" for c in skilled[:3])
    who = f" who speaks {language}" if language else ""
    return f"nobody free{who}: {full}" + (" ..." if len(skilled) > 3 else "")
