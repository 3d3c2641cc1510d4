"""Routing: which agent works a case, decided by the system's own actor through the action
layer, every decision audited with its reason.

In a push queue (`[[queues]] assign = "push"`) a case nobody has goes to the present agent
with the queue's skills, room for its channel class and the fewest open cases, one who
speaks the case's language first (`[routing] language`: preferred, or waited for)
(triage/assignment.py). Nobody free: it waits, and is given the moment someone has room
again — an agent's action that frees a slot, coming back from away, opening a console — not
at a periodic sweep. A case that has waited longer than its queue's `saturated_minutes`
while the queue was saturated (a case waiting, its agents here all at capacity; a case
given out that leaves them full again does not end it; nobody here at night is not
saturation: the cases wait for the morning) goes to its fallback (never one an agent put
there by hand); an agent away or gone longer than `hand_back_minutes` hands their untouched cases
back; a case reassigned too often
escalates along its queue's path, once. Pull queues are left to the agents.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cached_property

from omnitui.config import AgentSettings, BusinessHoursSettings, Escalation, QueueSettings, Settings
from omnitui.services import actions
from omnitui.services.sla import SlaKeeper
from omnitui.store import agents as agent_store
from omnitui.store.audit import record_audit
from omnitui.store.cases import mark_upkeep_due, require_case
from omnitui.store.db import Store, db_time, stored_time
from omnitui.triage.assignment import Candidate, Choice, choose_agent
from omnitui.triage.calendar import calendar_of
from omnitui.vocabulary import ROUTER
from omnitui.wording import span

BATCH = 200  # waiting cases looked at per queue in one pass
NEVER_HERE = "never here"  # an agent's state before their first console
GIVE_AT_ONCE = 25  # cases given per transaction: a team coming back must not hold the lock
# An agent of `Router.roster`: open cases by channel class; here, away or gone, since when
ROSTER_COLUMNS = ("agent", "role", "skills", "languages", "capacity", "open", "state", "since",
                  "last_given")


class Router:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queues = {queue.name: queue for queue in settings.queues}
        self.push = [queue.name for queue in settings.queues if queue.assign == "push"]
        self.channel_class = settings.routing.channel_class
        self.require_language = settings.routing.language == "require"
        team = settings.business_hours
        self.shifts = {a.name: calendar_of(BusinessHoursSettings(
            time_zone=a.time_zone or team.time_zone or "UTC", hours=a.hours,
            holidays=team.holidays, country=team.country, subdivision=team.subdivision))
            for a in settings.agents if a.hours}

    @cached_property
    def sla(self) -> SlaKeeper:
        """The SLA policies, for a case routing moves to another queue."""
        return SlaKeeper(self.settings)

    def _pushes(self, queue: str) -> QueueSettings | None:
        found = self.queues.get(queue)
        return found if found is not None and found.assign == "push" else None

    # -- who is here --------------------------------------------------------------------

    def present(self, agent: agent_store.Agent, now: datetime) -> bool:
        """A console of theirs was heard from lately, they have not set themselves away, and
        it is their shift (if they have one)."""
        seen = stored_time(agent.seen_at)
        return agent.away_since is None and seen is not None and \
            now - seen <= timedelta(seconds=self.settings.routing.present_seconds) and \
            self.on_shift(agent.name, now)

    def on_shift(self, name: str, now: datetime) -> bool:
        shift = self.shifts.get(name)
        return shift is None or shift.is_open(now)

    def candidates(self, conn: sqlite3.Connection, now: datetime) -> list[Candidate]:
        """Who push routing may give a case: the agents present. Not a supervisor: their
        console watches the board, and opening it handed them thirty cases; they take one
        as anyone pulls (`c`, `assign --to me`)."""
        counted = agent_store.tallies_deferred(conn)
        return [self._candidate(conn, agent, counted) for agent in agent_store.agents(conn)
                if not agent.supervisor and self.present(agent, now)]

    def _candidate(self, conn: sqlite3.Connection, agent: agent_store.Agent,
                   counted: bool) -> Candidate:
        load: dict[str, int] = {}
        for channel, count in agent_store.open_load(conn, agent.name, counted=counted).items():
            klass = self.channel_class(channel)
            load[klass] = load.get(klass, 0) + count
        return Candidate(agent.name, agent.skills, agent.capacity, load,
                         stored_time(agent.last_assigned_at), agent.languages)

    def spoken(self, conn: sqlite3.Connection, queue: QueueSettings) -> frozenset[str]:
        """The languages the queue's team speaks, here or not: a case in one of them is
        routed by its language; in another, or none told, as if languages were not set."""
        needed = frozenset(queue.skills)
        return frozenset().union(*(agent.languages for agent in agent_store.agents(conn)
                                   if not agent.supervisor and needed <= agent.skills))

    def _choose(self, pool: list[Candidate], queue: QueueSettings, klass: str, now: datetime,
                language: str | None, spoken: frozenset[str]) -> Choice:
        return choose_agent(pool, queue.skills, klass, now,
                            language if language in spoken else None,
                            require=self.require_language)

    def roster(self, conn: sqlite3.Connection, now: datetime) -> list[dict[str, object]]:
        """Every agent as a supervisor checks them: role, skills, languages, capacity, open
        cases by channel class, here / away / gone, and when routing last gave them a case."""
        rows = []
        counted = agent_store.tallies_deferred(conn)
        for agent in agent_store.agents(conn):
            state = self._candidate(conn, agent, counted)
            left = self._left_since(agent, now)
            rows.append(dict(zip(ROSTER_COLUMNS, (
                agent.name, agent.role, sorted(agent.skills), sorted(agent.languages),
                agent.capacity, state.load,
                self.state_of(agent, now), db_time(left) if left and left.year > 1 else None,
                agent.last_assigned_at), strict=True)))
        return rows

    # -- one case -----------------------------------------------------------------------

    def route(self, conn: sqlite3.Connection, case_id: int, now: datetime, *,
              pool: list[Candidate] | None = None, say_wait: bool = False,
              passed: frozenset[str] = frozenset()) -> Choice | None:
        """Give an unowned case in a push queue to the best agent free; None: routing does
        not apply (a pull queue, an owner, a paused case). `say_wait`: a case that must wait
        gets an audit row saying why (for a case just come in). `passed`: the saturated
        queues it overflowed from (two queues each other's fallback never loop)."""
        case = require_case(conn, case_id)
        if case["owner"] is not None or case["status"] not in agent_store.WORKING:
            return None
        queue = self._pushes(case["queue"])
        if queue is None:
            return None
        if pool is None:
            pool = self.candidates(conn, now)
        klass = self.channel_class(case["channel"])
        choice = self._choose(pool, queue, klass, now, case["language"],
                              self.spoken(conn, queue) if case["language"] else frozenset())
        if choice.agent is not None:
            self._give(conn, case_id, choice, klass, now, pool)
            return choice
        self._saturation(conn, queue.name, choice, now)
        waited = self._saturated_wait(conn, queue, case_id, now)
        if waited is not None and queue.fallback and queue.fallback not in passed and \
                not case["queue_by_hand"]:
            self._move(conn, case_id, queue.fallback, waited, now)
            return self.route(conn, case_id, now, pool=pool, say_wait=say_wait,
                              passed=passed | {queue.name})
        if say_wait:
            record_audit(conn, actor=ROUTER, action="case.waiting", case_id=case_id,
                         reason=f"{queue.name}: {choice.reason}", at=db_time(now))
        return choice

    def _give(self, conn: sqlite3.Connection, case_id: int, choice: Choice, klass: str,
              now: datetime, pool: list[Candidate]) -> None:
        assert choice.agent is not None
        actions.assign(conn, case_id, choice.agent, actor=ROUTER, at=now, reason=choice.reason)
        agent_store.stamp_assigned(conn, choice.agent, db_time(now))
        next(c for c in pool if c.name == choice.agent).took(klass, now)

    @staticmethod
    def _saturation(conn: sqlite3.Connection, queue: str, choice: Choice,
                    now: datetime) -> None:
        """The queue's saturation as a waiting case's choice finds it: all full starts it
        (if it is not on already), someone free or nobody skilled here (the night) ends it;
        a case given out does not (the agent it filled is full again)."""
        if choice.full != (agent_store.saturated_since(conn, queue) is not None):
            agent_store.set_saturated(conn, queue, db_time(now) if choice.full else None)

    def _saturated_wait(self, conn: sqlite3.Connection, queue: QueueSettings, case_id: int,
                        now: datetime) -> timedelta | None:
        """How long the waiting case has waited while its queue was saturated, once that is
        `saturated_minutes` or more (time for its fallback); None: not yet, or no fallback.
        Its own wait is read only for a queue saturated that long."""
        since = stored_time(agent_store.saturated_since(conn, queue.name))
        limit = timedelta(minutes=queue.saturated_minutes)
        if not queue.fallback or since is None or now - since < limit:
            return None
        start = stored_time(agent_store.waiting_since(conn, case_id))
        waited = now - max(since, start) if start else now - since
        return waited if waited >= limit else None

    def _move(self, conn: sqlite3.Connection, case_id: int, fallback: str,
              waited: timedelta, now: datetime) -> None:
        case = require_case(conn, case_id)
        actions.edit(conn, case_id, {"queue": fallback,
                                     "sla_policy": self.sla.queue_policy(fallback)},
                     actor=ROUTER, at=now, action="case.queue",
                     reason=f"{fallback}: {case['queue']} has had nobody free for "
                            f"{span(waited.total_seconds())} (its fallback)")
        # its clocks under the fallback's policy at once (they kept the old queue's due
        # times and alarms until they fired; its history read "sla_policy surge → -"), its
        # score by the scheduler's upkeep pass that follows
        self.sla.refresh(conn, case_id)
        mark_upkeep_due(conn, {case_id: db_time(now)})
        prepared = self.queues.get(fallback)
        if prepared is not None and prepared.macro:
            from omnitui.services.playbooks import draft_prepared  # macros: only when one runs
            draft_prepared(conn, self.settings, case_id, prepared.macro, now,
                           f"the case overflowed from {case['queue']} into {fallback}")

    # -- what happens at intake -----------------------------------------------------------

    def came_in(self, conn: sqlite3.Connection, case_id: int, *, new: bool, reopened: bool,
                now: datetime) -> None:
        """A new case is routed; a reopened one goes back to its owner if they are here,
        else to routing."""
        if not self.push:
            return
        if reopened:
            case = require_case(conn, case_id)
            owner = agent_store.agent(conn, case["owner"]) if case["owner"] else None
            if owner is None or self.present(owner, now) or self._pushes(case["queue"]) is None:
                return
            actions.assign(conn, case_id, None, actor=ROUTER, at=now,
                           reason=f"back to routing: reopened while {owner.name} is "
                                  f"{'away' if owner.away_since else 'not here'}")
        if new or reopened:
            self.route(conn, case_id, now, say_wait=True)

    # -- waiting cases, the moment someone has room ----------------------------------------

    def anything_to_give(self, conn: sqlite3.Connection, now: datetime) -> bool:
        """Cheap, without the write lock: whether a pass could give anything (a case waits
        and someone present has room). Every action asks, and a claim, which fills its
        agent, would otherwise take the write lock a second time for nothing."""
        return bool(self.push) and agent_store.any_waiting(conn, self.push) and any(
            candidate.rooms(self._all_classes()) for candidate in self.candidates(conn, now))

    def fill(self, conn: sqlite3.Connection, now: datetime) -> list[int]:
        """Give waiting cases, highest priority and longest waiting first, to whoever has
        room now, GIVE_AT_ONCE at most (a full count: call again in a new transaction);
        returns the cases given."""
        if not self.push:
            return []
        pool = self.candidates(conn, now)
        streams = []
        spoken = {name: self.spoken(conn, self.queues[name]) for name in self.push}
        for name in self.push:
            queue = self.queues[name]
            able = [c for c in pool if frozenset(queue.skills) <= c.skills]
            streams.append(self._waiting_for(conn, name, able))
        given: list[int] = []
        for waiting in heapq.merge(*streams):
            if len(given) == GIVE_AT_ONCE or not any(c.rooms(self._all_classes())
                                                     for c in pool):
                break
            queue = self.queues[waiting.queue]
            klass = self.channel_class(waiting.channel)
            choice = self._choose(pool, queue, klass, now, waiting.language,
                                  spoken[queue.name])
            if choice.agent is not None:
                self._give(conn, waiting.case_id, choice, klass, now, pool)
                given.append(waiting.case_id)
        return given

    def _all_classes(self) -> list[str]:
        return list(self.settings.routing.channel_classes)

    def _waiting_for(self, conn: sqlite3.Connection, queue: str,
                     able: list[Candidate]) -> list[agent_store.Waiting]:
        """The queue's first waiting cases on the channels someone able has room for."""
        rooms = set().union(*(c.rooms(self._all_classes()) for c in able)) if able else set()
        if not rooms:
            return []
        return agent_store.waiting(conn, queue, self.settings.routing.channels_in(rooms), BATCH)

    # -- what time does --------------------------------------------------------------------

    def hand_back(self, conn: sqlite3.Connection, now: datetime) -> list[int]:
        """Agents away or gone longer than `hand_back_minutes` give their untouched cases in
        push queues back to routing; returns the cases handed back."""
        if not self.push:
            return []
        limit = timedelta(minutes=self.settings.routing.hand_back_minutes)
        handed: list[int] = []
        for agent in agent_store.agents(conn):
            left = self._left_since(agent, now)
            if left is None or now - left < limit:
                continue
            state = self.state_of(agent, now)  # (never here: since no moment, "for 2026y")
            since = "" if state == NEVER_HERE else f" for {span((now - left).total_seconds())}"
            for case_id in agent_store.untouched_cases(conn, agent.name, self.push):
                actions.assign(conn, case_id, None, actor=ROUTER, at=now, reason=(
                    f"back to routing: {agent.name} {state}{since}, nothing written on it"
                    " since they got it"))
                handed.append(case_id)
        pool = self.candidates(conn, now)
        for case_id in handed:
            self.route(conn, case_id, now, pool=pool, say_wait=True)
        return handed

    def state_of(self, agent: agent_store.Agent, now: datetime) -> str:
        """here, away, off shift, gone or never here (no console of theirs has run), as a
        supervisor reads it: the one word the table, the JSON and the board say (the table
        said "never here" where the JSON said "gone")."""
        if self._left_since(agent, now) is None:
            return "here"
        return "away" if agent.away_since else "off shift" if not self.on_shift(
            agent.name, now) else "gone" if agent.seen_at else NEVER_HERE

    def _left_since(self, agent: agent_store.Agent, now: datetime) -> datetime | None:
        """Since when the agent is away or gone; None: here."""
        if agent.away_since is not None:
            return stored_time(agent.away_since)
        if self.present(agent, now):
            return None
        return stored_time(agent.seen_at) or datetime.min.replace(tzinfo=now.tzinfo)

    def overflow(self, conn: sqlite3.Connection, now: datetime) -> list[int]:
        """Waiting cases that have waited `saturated_minutes` in a saturated queue go to its
        fallback (not the ones an agent queued by hand), and are routed there. Whether the
        queue is saturated is asked again first, of its first waiting case: the team gone
        home since is the night, not saturation."""
        moved: list[int] = []
        pool = self.candidates(conn, now)
        for name in self.push:
            queue = self.queues[name]
            waiting = agent_store.waiting(conn, name, None, BATCH)
            if not waiting:  # taken by hand, solved, moved: nothing waits, nothing saturates
                if agent_store.saturated_since(conn, name) is not None:
                    agent_store.set_saturated(conn, name, None)
                continue
            first = waiting[0]
            self._saturation(conn, name, self._choose(
                pool, queue, self.channel_class(first.channel), now, first.language,
                self.spoken(conn, queue) if first.language else frozenset()), now)
            for waiting_case in waiting:
                waited = self._saturated_wait(conn, queue, waiting_case.case_id, now)
                if waited is not None and queue.fallback and \
                        not require_case(conn, waiting_case.case_id)["queue_by_hand"]:
                    self._move(conn, waiting_case.case_id, queue.fallback, waited, now)
                    moved.append(waiting_case.case_id)
        pool = self.candidates(conn, now)
        for case_id in moved:  # a full fallback: the case says why it waits there
            self.route(conn, case_id, now, pool=pool, say_wait=True)
        return moved

    # -- escalation ------------------------------------------------------------------------

    def skills_of(self, queue: str) -> tuple[str, ...]:
        """The skills a queue asks of its agents (none for a queue without an entry)."""
        found = self.queues.get(queue)
        return tuple(found.skills) if found is not None else ()

    def escalation(self, queue: str) -> Escalation:
        found = self.queues.get(queue)
        return found.escalation if found is not None else Escalation()

    def escalate(self, conn: sqlite3.Connection, case_id: int, trigger: str, why: str,
                 now: datetime) -> bool:
        """Escalate along the case's queue's path, once per `trigger`: raise its priority,
        move it, and say so (consoles of the queue's agents and supervisors show it)."""
        case = require_case(conn, case_id)
        fired = json.loads(case["escalations"])
        if trigger in fired:
            return False
        path = self.escalation(case["queue"])
        values, done = actions.along_path(case, path.raise_priority, path.move_to,
                                          self.sla.queue_policy(path.move_to))
        values["escalations"] = json.dumps([*fired, trigger])
        actions.edit(conn, case_id, values, actor=ROUTER, at=now, action="case.escalated",
                     reason=f"{why}: {', '.join(done) or 'flagged'}")
        if "queue" in values:
            self.escalated_to(conn, case_id, ROUTER, now)
        return True

    def escalated_to(self, conn: sqlite3.Connection, case_id: int, actor: str,
                     now: datetime) -> None:
        """After an escalation moved a case to the next queue on its path: an owner without
        that queue's skills lets it go (it sat with bob in a leads queue asking for a skill
        he lacks, the leads only told by a toast), and a snoozed case wakes (it slept there
        until the customer wrote); in a push queue routing then gives it out."""
        case = require_case(conn, case_id)
        owner = agent_store.agent(conn, case["owner"]) if case["owner"] else None
        if owner is not None and (
                lacking := sorted(frozenset(self.skills_of(case["queue"])) - owner.skills)):
            actions.assign(conn, case_id, None, actor=actor, at=now, reason=(
                f"escalated to {case['queue']}, which asks for {', '.join(lacking)}: "
                f"{owner.name} has not"))
        if case["snoozed_until"] is not None:
            actions.snooze(conn, case_id, None, actor=actor, at=now)
        self.route(conn, case_id, now, say_wait=True)

    def reassigned(self, conn: sqlite3.Connection, case_ids: Iterable[int],
                   now: datetime) -> None:
        """Cases handed on more than `escalate_after_reassignments` times escalate, once."""
        most = self.settings.routing.escalate_after_reassignments
        for case_id in case_ids:
            count = require_case(conn, case_id)["reassignments"]
            if count > most:
                self.escalate(conn, case_id, "reassigned", f"reassigned {count} times", now)


def profile_of(agent: AgentSettings) -> agent_store.AgentProfile:
    """What the config's `[[agents]]` entry says of an agent, as the store keeps it."""
    return agent_store.AgentProfile(agent.name, agent.display_name, agent.email,
                                    tuple(agent.skills), dict(agent.capacity), agent.role,
                                    tuple(agent.languages))


def apply_agents(store: Store, settings: Settings, now: datetime) -> None:
    """The config's [[agents]] onto the agents table, when the daemon or a console starts
    (taking the write lock only when they differ)."""
    profiles = [profile_of(agent) for agent in settings.agents]
    if agent_store.profiles_differ(store.conn, profiles):
        with store.write() as conn:
            agent_store.apply_profiles(conn, profiles, db_time(now))


def route_by_time(store: Store, router: Router, now: datetime) -> list[int]:
    """The scheduler's part: hand back the cases of agents who left, send the waiting cases
    of queues saturated too long to their fallbacks, and give out what waits (a safety net:
    actions give at once). Returns the cases that moved."""
    if not router.push:
        return []
    with store.write() as conn:
        handed, given = router.hand_back(conn, now), router.fill(conn, now)
        moved = handed + given + router.overflow(conn, now)  # what is still waiting
    return moved + fill_all(store, router, now) if len(given) == GIVE_AT_ONCE else moved


def fill_all(store: Store, router: Router, now: datetime) -> list[int]:
    """Give out everything someone has room for, GIVE_AT_ONCE to a transaction so other
    writers get the lock between them; returns the cases given."""
    given: list[int] = []
    while router.anything_to_give(store.conn, now):
        with store.write() as conn:
            batch = router.fill(conn, now)
        given += batch
        if len(batch) < GIVE_AT_ONCE:
            break
    return given
