"""SLA clocks on the cases: each case's policy (its queue's, else the first), its targets
for its channel class and tier, and its clocks replayed from its own history (triage/sla.py)
whenever something happens to it; a breach under the policy it had before a move to another
queue stays on record. The replay is the one computation: live, at a reopen,
after an undo, and in `omnitui sla recompute`, which applies a changed policy to open cases
(an "SLA repair"). At risk and breached each fire the queue's escalation once, from the
scheduler.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import dropwhile

from omnitui.config import Settings, SlaPolicy, SlaSettings
from omnitui.model import FINISHED_STATUSES, PAUSED_STATUSES, Countdown, Status
from omnitui.records import record
from omnitui.store import cases as case_store
from omnitui.store.db import db_time, parse_db_time
from omnitui.triage.calendar import Calendar, calendar_of
from omnitui.triage.sla import TARGETS, Clock, Clocks, Happening, replay
from omnitui.vocabulary import NOT_WAITING, THIRD_PARTY
from omnitui.wording import SLA_TARGET_WORDS, brief


def short_form_policy(sla: SlaSettings) -> SlaPolicy:
    """[sla]'s keys as the policy "default" (read when there are no [[sla_policies]])."""
    first = {"chat": float(sla.first_response_sync), "email": float(sla.first_response_async)}
    return SlaPolicy("default", first_response=first, next_response=dict(first),
                     resolution={"chat": float(sla.resolution_sync),
                                 "email": float(sla.resolution_async)},
                     tier_factors={"vip": sla.vip_factor})


@record(frozen=True)
class TargetState:
    """One clock as an agent or a script reads it."""

    target: str
    started: str
    due: str | None  # None: paused
    met: str | None
    state: str  # met, met late, running, at risk, breached, paused, stopped
    paused_seconds: float
    left_seconds: float | None  # in the policy's time; negative: late by that much


class SlaKeeper:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        policies = settings.sla_policies or [short_form_policy(settings.sla)]
        self.policies = {p.name: p for p in policies}
        self.first = policies[0]
        self.by_queue = {q.name: q.sla_policy for q in settings.queues if q.sla_policy}
        self.business = calendar_of(settings.business_hours)
        self.always = Calendar()

    def policy(self, queue: str, named: str | None = None) -> SlaPolicy:
        """The case's own policy while the config still has it, else its queue's."""
        if named and named in self.policies:
            return self.policies[named]
        return self.policies.get(self.by_queue.get(queue, ""), self.first)

    def queue_policy(self, queue: str) -> str:
        """The policy a case moved to `queue` takes, named on the move itself."""
        return self.policy(queue).name

    def calendar(self, policy: SlaPolicy) -> Calendar:
        return self.business if policy.business_hours else self.always

    def countdown(self, queue: str, due: datetime, now: datetime) -> Countdown:
        """From `now` to `due` in the time of the queue's policy (business hours or 24x7;
        negative: late by as much), and the due moment in the team's zone while the
        policy's clock stands: "in 10m" on a Sunday meant Monday 09:10. The queue,
        `omnitui cases` and the board all count with it, so they say the same. A due time
        ahead with no open hour before it (a holiday written in since it was stored) is
        that moment, not late."""
        calendar = self.calendar(self.policy(queue))
        left = seconds_left(calendar, due, now)
        if due <= now or calendar.zone is None or calendar.is_open(now):
            return Countdown(left, units=calendar.units)
        return Countdown(left, due.astimezone(calendar.zone), calendar.units)

    def targets(self, policy: SlaPolicy, channel: str, tier: str) -> dict[str, float | None]:
        klass = self.settings.routing.channel_class(channel)
        factor = policy.tier_factors.get(tier, 1.0)
        found = {}
        for target in TARGETS:
            minutes = getattr(policy, target).get(klass)
            found[target] = None if minutes is None else minutes * 60 * factor
        return found

    # -- one case -----------------------------------------------------------------------

    def clocks(self, conn: sqlite3.Connection, case: case_store.Row, *,
               policy: SlaPolicy | None = None) -> tuple[SlaPolicy, Clocks] | None:
        """The case's clocks now (under `policy`, else its own); None: no history."""
        facts = case_store.clock_facts(conn, case["id"])
        if facts is None:
            return None
        policy = policy or self.policy(case["queue"], case["sla_policy"])
        happened = happenings(facts)
        clocks = replay(happened, self.targets(policy, case["channel"], case["tier"]),
                        self.calendar(policy))
        for at, before, tier in _states_before(facts.moves, policy, case["tier"], self.policy):
            if (before.name, tier) != (policy.name, case["tier"]):
                self._keep_breaches(clocks, policy, happened, parse_db_time(at), before,
                                    self.targets(before, case["channel"], tier))
        return policy, clocks

    def _keep_breaches(self, clocks: Clocks, policy: SlaPolicy, happened: list[Happening],
                       moved: datetime, before: SlaPolicy,
                       targets: dict[str, float | None]) -> None:
        """A target already breached under the policy (and tier) the case had before a move
        (an escalation into a queue with longer targets, a VIP customer made standard)
        stays breached when it was: the longer target replayed from the start read it "in
        6h", and the breach was gone from the views. A target not yet late at the move runs
        on to the new policy's due time."""
        calendar = self.calendar(before)
        then = replay([h for h in happened if h.at <= moved], targets, calendar)
        for old in then.history:
            due = old.due(calendar)
            if due > moved or min(old.met or moved, old.stopped or moved) <= due:
                continue  # not late by the move: met, or stopped, in time
            same = next((c for c in clocks.history
                         if c.target == old.target and c.started == old.started), None)
            if same is not None and same.due(self.calendar(policy)) > due:
                same.breached_at = due

    def replayed(self, conn: sqlite3.Connection, case: case_store.Row) -> dict[str, object]:
        """The SLA columns the case's replayed clocks say ({}: no history to replay, it
        keeps what it has)."""
        if (found := self.clocks(conn, case)) is None:
            return {}
        policy, clocks = found
        return self.columns(policy, clocks, case["status"], json.loads(case["escalations"]))

    def refresh(self, conn: sqlite3.Connection, case_id: int) -> None:
        """Replay the case's clocks and store what they say."""
        case = case_store.require_case(conn, case_id)
        case_store.set_clocks(conn, case_id, case_store.changed_columns(
            case, self.replayed(conn, case)))

    def columns(self, policy: SlaPolicy, clocks: Clocks, status: str,
                fired: list[str]) -> dict[str, object]:
        calendar = self.calendar(policy)
        paused = clocks.paused_since is not None or status in PAUSED_STATUSES

        def due(target: str) -> str | None:
            clock = clocks.latest(target)
            return db_time(clock.due(calendar)) if clock is not None else None

        running = [] if status in FINISHED_STATUSES else [
            c for c in clocks.running() if not paused or c.breached_at is not None]
        # a pause stops every clock but one already late: that stays late, due when it was
        # (a breached case on hold left every breach view)
        alarms = [found[0] for index, clock in enumerate(clocks.history) if clock in running
                  if (found := next_alarm(clock, index, policy, calendar, fired))]
        next_met, next_judged = next_responses(clocks, calendar)
        return {"sla_policy": policy.name,
                "sla_first_response_due": due("first_response"),
                "sla_meaningful_due": due("meaningful_response"),
                "sla_next_response_due": due("next_response") if _runs(clocks,
                                                                       "next_response") else None,
                "sla_resolution_due": due("resolution"),
                "sla_due": db_time(min(c.due(calendar) for c in running)) if running else None,
                "sla_paused_seconds": clocks.paused_seconds,
                "sla_alarm_at": db_time(min(alarms)) if alarms else None,
                "first_response_seconds": taken(clocks.first("first_response"), calendar),
                "meaningful_response_seconds": taken(clocks.first("meaningful_response"),
                                                     calendar),
                "resolution_seconds": taken(clocks.latest("resolution"), calendar),
                "next_responses_met": next_met, "next_responses_judged": next_judged}

    def state(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> dict | None:
        """The case's SLA as `omnitui case --format json` and the case screen show it."""
        case = case_store.require_case(conn, case_id)
        found = self.clocks(conn, case)
        if found is None:
            return None
        policy, clocks = found
        status = case["status"]
        calendar = self.calendar(policy)
        latest = {c.target: c for c in clocks.history}
        # the pause going on counts too ("paused_seconds": 0 an hour into one)
        ongoing = calendar.seconds(clocks.paused_since, now) if clocks.paused_since else 0.0
        targets = [target_state(c, calendar, policy, now, paused=clocks.paused_since is not None
                                or status in PAUSED_STATUSES,
                                paused_now=clocks.standing(c, calendar, now))
                   for c in clocks.history if latest[c.target] is c]
        return {"policy": policy.name,
                "time": "business hours" if not calendar.always_open else "24x7",
                # the team's zone, and whether the policy's clock runs now: while it stands
                # a running target is said by the moment it falls due, as the queue says it
                "zone": str(calendar.zone) if calendar.zone else None,
                # a day and a week in the policy's time: "late 3d" is three business days
                "day_seconds": calendar.units.day, "week_seconds": calendar.units.week,
                "running_now": calendar.is_open(now),
                "paused": clocks.paused_since is not None or status in PAUSED_STATUSES,
                "paused_seconds": clocks.paused_seconds + ongoing,
                "history_before": case["history_before"] and case["history_before"][:10],
                "targets": [t.__dict__ for t in targets]}

    # -- what time does -----------------------------------------------------------------

    def alarms(self, conn: sqlite3.Connection, case_ids: Iterable[int],
               now: datetime) -> Iterator[tuple[int, str, str]]:
        """(case, trigger, why) for each at-risk or breach moment of these cases that has
        come; the caller escalates (once: the trigger joins the case's escalations)."""
        for case_id in case_ids:
            case = case_store.require_case(conn, case_id)
            found = self.clocks(conn, case)
            if found is None:
                continue
            policy, clocks = found
            calendar = self.calendar(policy)
            fired = json.loads(case["escalations"])
            for index, clock in enumerate(clocks.history):
                found = next_alarm(clock, index, policy, calendar, fired, now) \
                    if clock.running else None
                if found is None or found[0] > now:
                    continue
                words = SLA_TARGET_WORDS[clock.target]
                if found[1].endswith(".breached"):
                    yield case_id, found[1], f"{words} breached"
                else:
                    left = calendar.seconds(now, clock.due(calendar))
                    yield case_id, found[1], (f"{words} at risk: "
                                              f"{brief(left, calendar.units)} left")

    def recompute(self, conn: sqlite3.Connection, case_ids: Iterable[int],
                  ) -> Iterator[tuple[int, dict[str, object] | None, dict[str, object]]]:
        """Each case's clocks replayed under the current policies: (case, the values it has
        now (None: no history: skipped), what the replay says)."""
        for case_id in case_ids:
            case = case_store.require_case(conn, case_id)
            policy = self.policy(case["queue"])
            found = self.clocks(conn, case, policy=policy)
            if found is None:
                yield case_id, None, {}
                continue
            values = self.columns(policy, found[1], case["status"],
                                  json.loads(case["escalations"]))
            yield case_id, {name: case[name] for name in values}, values


def _states_before(moves: list[tuple[str, str | None, str | None, str | None]],
                   policy: SlaPolicy, tier: str, policy_of: Callable[[str, str | None], SlaPolicy]
                   ) -> list[tuple[str, SlaPolicy, str]]:
    """(when, the policy, the tier) the case had just before each move, in order: a move to
    another queue names the queue and policy it left, a new tier the tier it had; what a
    move leaves unsaid is what the case had after it (the newest: `policy` and `tier`)."""
    states = []
    for at, queue, named, was in reversed(moves):
        if queue is not None:
            policy = policy_of(queue, named)
        tier = was if was is not None else tier
        states.append((at, policy, tier))
    return states[::-1]


def moved(now: dict[str, object], replayed: dict[str, object]
          ) -> dict[str, tuple[object, object]]:
    """The columns a case's replay changes: (what it has, what the replay says)."""
    return {name: (now.get(name), value) for name, value in replayed.items()
            if now.get(name) != value}


def taken(clock: Clock | None, calendar: Calendar) -> float | None:
    """How long the clock took to be met, in the policy's time, its pauses left out; None
    while it runs (or if it stopped unmet)."""
    if clock is None or clock.met is None:
        return None
    return max(0.0, calendar.seconds(clock.started, clock.met) - clock.paused_seconds)


def next_responses(clocks: Clocks, calendar: Calendar) -> tuple[int, int]:
    """Of the case's next responses that are over, how many were met by their due time and
    how many are judged: answered (in time or late), or stopped unanswered past due (solved
    without an answer; stopped in time, there is nothing to judge). A case has many, so the
    report reads these counts, not a due time; the one running, if any, it judges itself
    from `sla_next_response_due` at the moment of the report."""
    met = judged = 0
    for clock in clocks.history:
        if clock.target != "next_response" or clock.running:
            continue
        due = clock.due(calendar)
        if clock.met is not None:
            met, judged = met + (clock.met <= due), judged + 1
        elif clock.stopped is not None and clock.stopped > due:
            judged += 1
    return met, judged


def next_alarm(clock: Clock, index: int, policy: SlaPolicy, calendar: Calendar,
               fired: list[str], now: datetime | None = None) -> tuple[datetime, str] | None:
    """The clock's next alarm not fired yet, (moment, trigger): at risk, then breached; an
    at-risk alarm is moot once the target is late at `now` (a daemon back from an outage
    fires the breach, never an at-risk after it). None: both are behind it."""
    key = trigger(clock, index)
    if f"{key}.breached" in fired:
        return None
    due = clock.due(calendar)
    if policy.at_risk > 0 and f"{key}.at_risk" not in fired and (now is None or now < due):
        return clock.at_risk_from(calendar, policy.at_risk), f"{key}.at_risk"
    return due, f"{key}.breached"


def trigger(clock: Clock, index: int) -> str:
    """The escalation key of one clock: a second next-response clock fires again."""
    return f"sla.{clock.target}.{index}"


def _runs(clocks: Clocks, target: str) -> bool:
    latest = clocks.latest(target)
    return latest is not None and latest.running


def seconds_left(calendar: Calendar, due: datetime, now: datetime) -> float:
    """From `now` to `due` in the calendar's time; negative: late by as much. A due time
    passed is late even while the clock stands: a target used up at Saturday's closing was
    missed then (its breach fired then), and all Sunday the case read "in 0m"; it is late
    by a second at least."""
    if due > now:
        return calendar.seconds(now, due)
    return -max(calendar.seconds(due, now), 1.0)


def target_state(clock: Clock, calendar: Calendar, policy: SlaPolicy, now: datetime, *,
                 paused: bool, paused_now: float = 0.0) -> TargetState:
    """A target as the case shows it; `paused_now`: the policy time of the pause going on,
    if any (a target it stands still counts it in its paused time)."""
    due = clock.due(calendar)
    if clock.met is not None:
        state, left = ("met" if clock.met <= due else "met late"), None
    elif clock.stopped is not None:  # solved unanswered: past its due time, a miss
        state, left = ("missed" if clock.stopped > due else "stopped"), None
    elif paused and clock.breached_at is None:  # its time left stands still
        state, left = "paused", clock.left
    else:
        left = seconds_left(calendar, due, now)
        state = ("breached" if left < 0 else
                 "at risk" if left <= policy.at_risk * clock.seconds else "running")
    return TargetState(clock.target, db_time(clock.started),
                       None if state == "paused" else db_time(due),
                       db_time(clock.met) if clock.met else None, state,
                       clock.paused_seconds + (paused_now if state == "paused" else 0.0), left)


def happenings(facts: case_store.ClockFacts) -> list[Happening]:
    """The case's history as the clocks read it, in time order; within one second our reply
    comes before a status change (the answer before the solve it allows) and the status
    change before a customer's message (a pause, then the answer that resumes it). A case
    opens, for its clocks, when we received its first customer message, as every customer
    message counts (a mail of last year imported today, a Date from a wrong clock: not
    "late 92w" at once); a case we opened (our message first) when it was; one split off
    an older one when its first message was written (services/merge.py creates it then).

    What a case held when it was filed as history (an old conversation, answered in another
    tool: services/archive.py) ran no clock of ours: its clocks open when it comes back (a
    customer's message, an agent's reopen), as a new case's do; none while it does not."""
    opened = facts.opened_at
    if facts.messages and facts.messages[0][5]:  # filed by the intake: as received (our
        # own mail first too: its Date was days before it was filed, "met late")
        opened = max(opened, facts.messages[0][0])
    events: list[tuple[str, int, Happening]] = [  # we wrote first: the response clocks
        # wait for the customer's first message
        (opened, 0, Happening(parse_db_time(opened), "opened", "ours" if facts.ours else ""))]
    if facts.waiting:  # and opened pending on their answer (services/outbound.start_case,
        # our own mail the intake files: ingest/persist.py)
        events.append((opened, 0, Happening(parse_db_time(opened), "pause", "customer")))
    wrote: list[str] = []  # when the customer wrote (a thank-you too: it resumes a pending
    # case as the intake's status change does, open for its agent to solve, its resolution
    # clock running: it stood "paused" under status open, with no due time)
    for at, direction, response, automatic, rule, copy in facts.messages:
        if direction == "in" and not automatic and rule != THIRD_PARTY:
            wrote.append(at)  # no answer is due on a thank-you nor a rating
            events.append((at, 3, Happening(parse_db_time(at), "heard" if rule in NOT_WAITING
                                            else "inbound")))
        elif direction == "out":  # our own mail filed by the intake: in the order filed
            events.append((at, 3 if copy else 1, Happening(parse_db_time(at), "reply",
                                                           response or "meaningful")))
    before = (Status.PENDING if facts.waiting else Status.NEW).value
    answers = iter(wrote)  # their message resumes a pending case (the intake's change: its
    answer = next(answers, None)  # audit row records no status, and a store from before it
    # has none): an agent's next pending pauses it again
    filed: Happening | None = None  # the last solve that filed the case as history
    for at, status, history in facts.statuses:
        while answer is not None and answer < at:
            before = Status.OPEN.value if before == Status.PENDING else before
            answer = next(answers, None)
        by_customer = status == "reopened"  # their message reopened it (its row says so)
        status = Status.OPEN.value if by_customer else status
        if (kind := _transition(before, status)) is not None:
            events.append((at, 2, Happening(parse_db_time(at), kind,
                                            "customer" if status == Status.PENDING or
                                            by_customer else "")))
            if history and kind == "solved":
                filed = events[-1][2]
        before = status
    events.sort(key=lambda e: (e[0], e[1]))
    found = [e[2] for e in events]
    if filed is None:
        return found
    after = list(dropwhile(lambda e: e.kind == "heard", found[  # (late thanks: it stays
        next(i for i, e in enumerate(found) if e is filed) + 1:]))  # solved, no clock runs)
    return [Happening(after[0].at, "opened"), *after] if after else []


def _transition(before: str, after: str) -> str | None:
    if after in FINISHED_STATUSES:
        return None if before in FINISHED_STATUSES else "solved"
    if before in FINISHED_STATUSES:
        return "reopened"
    if after in PAUSED_STATUSES:  # (on hold after pending: it no longer waits on them)
        return "pause" if after != before else None
    return "resume" if before in PAUSED_STATUSES else None
