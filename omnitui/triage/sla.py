"""SLA clocks, replayed from what happened on a case: the one computation behind the due
times the queue sorts by, the countdowns agents read, the alarms the scheduler fires and
`omnitui sla recompute`.

Four targets, each a clock in the policy's time (business hours or 24x7):
- first response: from the case's opening to the first reply that is not an automatic
  acknowledgement (a case we opened by writing first: from the customer's first message;
  our own words before it answered nobody);
- meaningful response: to the first reply that is meant as an answer (a macro marked
  `meaningful = false`, "we got your message", is only the first response);
- next response: from a customer's message that follows our answer, to our next reply;
- resolution: from the opening (or the last reopening) to solved.

A pause (pending on the customer, on hold) stops every running clock: on resume each due time
moves on by the time paused, so the time left is what was left. A snooze does not stop them:
the customer is still waiting. A reopen starts a new resolution clock and keeps the first
response on record (a case never answered waits for a first response again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field
from datetime import datetime

from omnitui.records import record
from omnitui.triage.calendar import Calendar

TARGETS = ("first_response", "meaningful_response", "next_response", "resolution")
FIRST = ("first_response", "meaningful_response")  # what the customer's first message starts


@record(frozen=True)
class Happening:
    """One thing that moves the clocks. `kind`: opened (`response` "ours": by our message, so
    the response clocks wait for the customer's first), inbound, reply (`response`:
    meaningful, first, or none for an automatic acknowledgement), heard (the customer's
    message that asks nothing, a thank-you: it resumes a case pending on them, and starts
    no response clock), pause (`response` "customer": pending, resumed by the customer's
    message), resume, solved, reopened
    (`response` "customer": by their message; else by an agent, or a bounce of our answer;
    a customer's message on a solved case reopens it too)."""

    at: datetime
    kind: str
    response: str = "meaningful"


@record
class Clock:
    target: str
    seconds: float  # the target, in the policy's time
    started: datetime
    anchor: datetime  # since when it runs (its start, or its last resume)
    left: float  # the time left at the anchor
    met: datetime | None = None
    stopped: datetime | None = None  # solved before it was met, or replaced
    paused_seconds: float = 0.0
    breached_at: datetime | None = None  # already late when paused: the due stays there

    def due(self, calendar: Calendar) -> datetime:
        return self.breached_at or calendar.add(self.anchor, self.left)

    def at_risk_from(self, calendar: Calendar, share: float) -> datetime:
        """When only `share` of the target is left."""
        return calendar.add(self.anchor, max(0.0, self.left - share * self.seconds))

    @property
    def running(self) -> bool:
        return self.met is None and self.stopped is None


@record
class Clocks:
    """Every clock a case has had (the latest of each target last) and whether they stand
    paused now."""

    history: list[Clock] = field(default_factory=list)
    paused_since: datetime | None = None
    paused_on_customer: bool = False  # pending: the customer's message resumes the clocks
    paused_seconds: float = 0.0
    solved: bool = False

    def latest(self, target: str) -> Clock | None:
        return next((c for c in reversed(self.history) if c.target == target), None)

    def first(self, target: str) -> Clock | None:
        return next((c for c in self.history if c.target == target), None)

    def running(self) -> list[Clock]:
        return [c for c in self.history if c.running]

    def standing(self, clock: Clock, calendar: Calendar, now: datetime) -> float:
        """The policy time `clock` has stood still in the pause going on: since the pause,
        or since the clock started in it (a customer's question while on hold)."""
        if self.paused_since is None:
            return 0.0
        return calendar.seconds(max(self.paused_since, clock.started), now)


def replay(happenings: Iterable[Happening], targets: dict[str, float | None],
           calendar: Calendar) -> Clocks:
    """The clocks after `happenings` (in time order), for targets in seconds (None: the
    policy has no such target)."""
    clocks = Clocks()
    answered = False  # our reply came after the customer's last message
    unheard = False  # a case we opened: the customer has not written yet

    def start(target: str, at: datetime) -> None:
        seconds = targets.get(target)
        if seconds is None:
            return
        if (old := clocks.latest(target)) is not None and old.running:
            old.stopped = at
        left = seconds
        clock = Clock(target, seconds, at, at, left)
        if clocks.paused_since is not None:  # starts paused: its time runs from the resume
            clock.anchor = clocks.paused_since
        clocks.history.append(clock)

    for event in happenings:
        at = event.at
        if event.kind == "opened":
            unheard = event.response == "ours"
            for target in ("resolution",) if unheard else (*FIRST, "resolution"):
                start(target, at)
            answered = False
        elif event.kind == "inbound" and clocks.solved:  # the customer reopened it
            _reopen(clocks, at, calendar, start, waiting=True, unheard=unheard)
            answered = unheard = False
        elif event.kind == "inbound":
            if clocks.paused_on_customer:
                _resume(clocks, at, calendar)
            latest = clocks.latest("next_response")
            if unheard:
                for target in FIRST:
                    start(target, at)
            elif answered and (latest is None or not latest.running):
                start("next_response", at)
            answered = unheard = False
        elif event.kind == "heard":
            if clocks.paused_on_customer and not clocks.solved:
                _resume(clocks, at, calendar)
        elif event.kind == "reply":
            if event.response == "none":
                continue  # an automatic acknowledgement answers nothing
            for clock in clocks.running():
                if clock.target in ("first_response", "next_response") or (
                        clock.target == "meaningful_response"
                        and event.response == "meaningful"):
                    clock.met = at
            answered = True
        elif event.kind == "pause":
            _pause(clocks, at, calendar, on_customer=event.response == "customer")
        elif event.kind == "resume":
            _resume(clocks, at, calendar)
        elif event.kind == "solved":
            _resume(clocks, at, calendar)
            for clock in clocks.running():
                if clock.target == "resolution":
                    clock.met = at
                else:
                    clock.stopped = at
            clocks.solved = True
        elif event.kind == "reopened" and clocks.solved:  # by the customer's message, or
            # by an agent: then the customer waits on us only if we had not answered
            by_customer = event.response == "customer"
            _reopen(clocks, at, calendar, start, waiting=by_customer or not answered,
                    unheard=unheard and by_customer)
            answered = answered and not by_customer
            unheard = unheard and not by_customer
    return clocks


def _reopen(clocks: Clocks, at: datetime, calendar: Calendar,
            start: Callable[[str, datetime], None], *, waiting: bool,
            unheard: bool = False) -> None:
    """A new resolution clock; the first response stays on record. Never answered (solved
    without a reply, or its only reply bounced), the customer still waits for a first
    answer: that clock starts again; a case we opened, reopened by the customer's first
    message (`unheard`), starts its first responses' clocks. Else, while they wait for our
    answer (`waiting`: reopened by their message, or by an agent with their last message
    unanswered), a next response's; reopened by an agent after our answer, none (one ran
    "in 8h" with nothing of theirs after our answer)."""
    _resume(clocks, at, calendar)
    clocks.solved = False
    start("resolution", at)
    first = clocks.latest("first_response")
    if unheard:
        for target in FIRST:
            start(target, at)
    elif first is not None and first.met is None:
        start("first_response", at)
    elif waiting:
        start("next_response", at)


def _pause(clocks: Clocks, at: datetime, calendar: Calendar, *, on_customer: bool) -> None:
    """Stop the running clocks; paused already, the pause now waits on what it says (on
    hold after pending: the customer's message no longer resumes them)."""
    if clocks.paused_since is not None:
        clocks.paused_on_customer = on_customer
        return
    clocks.paused_since, clocks.paused_on_customer = at, on_customer
    for clock in clocks.running():
        if clock.breached_at is not None:
            continue
        if (due := clock.due(calendar)) <= at:
            clock.breached_at = due
            continue
        clock.left -= calendar.seconds(clock.anchor, at)
        clock.anchor = at


def _resume(clocks: Clocks, at: datetime, calendar: Calendar) -> None:
    """Run the clocks again; each counts as paused only the part of the pause since it
    started (a customer's question while on hold stood still from when they asked: its
    paused time was the whole pause, and its time to our answer came out short)."""
    if clocks.paused_since is None:
        return
    clocks.paused_seconds += calendar.seconds(clocks.paused_since, at)
    for clock in clocks.running():
        clock.paused_seconds += clocks.standing(clock, calendar, at)
        clock.anchor = max(clock.anchor, at)
    clocks.paused_since, clocks.paused_on_customer = None, False
