"""The Desk: every change an agent, a script or an automation makes, as one actor.

Each action exists at two levels. The functions in the modules beside this one (actions,
merge, outbound, private, macros, drafts, suggestions, history) work inside a write
transaction their caller holds, so the ingest pipeline's automate stage and a macro can
compose them. A Desk method opens the transaction, runs one of them, and reports what
changed (the audit rows the transaction wrote; their shared token is the undo unit).

Actions on cases come in two shapes, for the two kinds of caller:
- `each`: every case on its own transaction, a refusal of one never stops the others (the
  CLI: one line per refusal, exit 1 if any);
- `together`: all the cases in one transaction, one undo takes them all back; a refused case
  is left out (a savepoint), the others still change (the console's marked cases).

`expected_version` refuses a single-case edit when the case moved on since the caller read
it (scripts that read first: `--if-version`).

The writing, macro, merge, suggestion and contact actions, and the survey sent on a
solve, import their modules (the outbound channels, identity rules, the pipeline) when
called: a script's `omnitui tag` starts without them.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from omnitui.closest import closest
from omnitui.config import Macro, Settings
from omnitui.errors import Refused, UsageError
from omnitui.model import CONTACT_CHANNELS, Channel, Draft, Identifier, InboundEvent, Status
from omnitui.records import record
from omnitui.services import actions, sla_applied
from omnitui.services.history import undo
from omnitui.services.routing import Router, fill_all
from omnitui.services.sla import moved
from omnitui.services.upkeep import Upkeep
from omnitui.store import agents as agent_store
from omnitui.store import audit
from omnitui.store.cases import live_case_id, replayable_case_ids, require_case
from omnitui.store.changes import changed_cases_since, last_change, solved_since
from omnitui.store.customers import find_identities, ids_of_customer_rows
from omnitui.store.db import (
    STORE_ERRORS,
    Store,
    StoreError,
    db_time,
    new_token,
    savepoint,
    transaction_token,
    utc_now,
)
from omnitui.vocabulary import CONTACT_LOGGED
from omnitui.wording import act_on_live, taken_by_another

if TYPE_CHECKING:
    from omnitui.services.events import EventResult

CaseChange = Callable[[sqlite3.Connection, int], object]


@record(frozen=True)
class CheckedChange:
    """A change with a check that reads only: a case it refuses is refused before the
    write lock is taken (ten agents claiming the same cases would otherwise queue for the
    lock to be told no). The change checks again under the lock, where it counts."""

    check: Callable[[sqlite3.Connection, int], None]
    change: CaseChange

    def __call__(self, conn: sqlite3.Connection, case_id: int) -> object:
        return self.change(conn, case_id)


@record(frozen=True)
class Change:
    """One audit row an action wrote: what a script or a toast can say changed."""

    action: str
    case_id: int | None
    reason: str


@record
class SlaRepair:
    """What `omnitui sla recompute` found: cases checked, changed (column: (was, now)), and
    skipped for having no history to replay."""

    checked: int = 0
    changed: dict[int, dict[str, tuple[object, object]]] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)


SLA_REPAIR_BATCH = 500  # cases a transaction of `recompute_sla`


@record
class CaseResult:
    """What became of one case: done (with the changes), or refused (and why)."""

    case_id: int
    done: bool
    refusal: str = ""
    changes: list[Change] = field(default_factory=list)


def macro_named(macros: Sequence[Macro], name: str) -> Macro:
    """The [[macros]] entry called `name` (any case); Refused names the macros there are."""
    found = next((m for m in macros if m.name.casefold() == name.casefold()), None)
    if found is None:
        names = ", ".join(repr(m.name) for m in macros) or "none configured"
        raise Refused(f"no macro named {name!r} (macros: {names})")
    return found


class Desk:
    def __init__(self, store: Store, actor: str, settings: Settings | None = None, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.actor = actor
        self.settings = settings or Settings()
        self.clock = clock  # when actions happen (tests fix it)
        self.router = Router(self.settings)
        self.upkeep = Upkeep(self.settings, self.router, clock=clock)
        self.keeper = self.upkeep.sla

    # -- the two shapes ---------------------------------------------------------------

    def each(self, case_ids: Sequence[int], change: CaseChange, *,
             expected_version: int | None = None) -> list[CaseResult]:
        """`change` on every case, each in its own transaction; all of them one undo unit,
        so `omnitui undo` takes back the whole command, as the console's marked cases."""
        results = []
        token = new_token()
        off_team = self._off_team()
        for case_id in dict.fromkeys(case_ids):
            try:
                if off_team:
                    raise off_team
                if isinstance(change, CheckedChange):
                    change.check(self.store.conn, case_id)
                with self.store.write(token) as conn, self._clocks_follow(conn):
                    self._check_version(conn, case_id, expected_version)
                    _not_merged(conn, case_id)
                    change(conn, case_id)
                results.append(CaseResult(case_id, True))
            except (Refused, StoreError) as exc:  # machine failures propagate: not a refusal
                results.append(CaseResult(case_id, False, refusal=str(exc)))
        self._offer_waiting()
        return self._with_changes(results, token)

    def together(self, case_ids: Sequence[int], change: CaseChange) -> list[CaseResult]:
        """`change` on every case in one transaction (one undo); a refused case is left
        out and said, the others change."""
        results: list[CaseResult] = []
        off_team = self._off_team()
        with self.store.write() as conn, self._clocks_follow(conn):
            for case_id in dict.fromkeys(case_ids):
                try:
                    if off_team:
                        raise off_team
                    with savepoint(conn):
                        _not_merged(conn, case_id)
                        change(conn, case_id)
                    results.append(CaseResult(case_id, True))
                except (Refused, StoreError) as exc:
                    results.append(CaseResult(case_id, False, refusal=str(exc)))
            token = transaction_token(conn)
        self._offer_waiting()
        return self._with_changes(results, token)

    def _off_team(self) -> Refused | None:
        """The refusal of every case action of an agent taken off the team (read once a
        command): their console, still open, took back the case `agents remove` had handed
        on. (A name in no config, as a script's, acts.)"""
        me = agent_store.agent(self.store.conn, self.actor)
        if me is not None and not me.active:
            return Refused(f"{self.actor} is no longer on the team (`omnitui agents remove`):"
                           " nothing was changed")
        return None

    def _with_changes(self, results: list[CaseResult], token: str | None) -> list[CaseResult]:
        """Each case's result with what its audit rows (of the undo unit `token`) say."""
        changes = self._changes(token)
        for result in results:
            result.changes = [c for c in changes if c.case_id == result.case_id]
        return results

    def _check_version(self, conn: sqlite3.Connection, case_id: int,
                       expected: int | None) -> None:
        if expected is not None and (now := require_case(conn, case_id)["version"]) != expected:
            raise Refused(f"case #{case_id} moved on (version {now}, you read {expected}); "
                          "nothing was changed")

    def _changes(self, token: str | None) -> list[Change]:
        return [Change(*row) for row in audit.rows_of_transaction(self.store.conn, token)]

    def _one(self, change: Callable[[sqlite3.Connection], Any]) -> Any:
        """A change that is not per case (a merge, an undo), in its own transaction."""
        with self.store.write() as conn, self._clocks_follow(conn):
            done = change(conn)
        self._offer_waiting()
        return done

    @contextmanager
    def _clocks_follow(self, conn: sqlite3.Connection) -> Iterator[None]:
        """The SLA clocks of every case the transaction changed, replayed before it commits
        (a reply meets a target, a pause stops them, an undo puts them back); a case it
        solved gets its satisfaction survey ([csat]) in the same transaction."""
        before = last_change(conn)
        yield
        solved = solved_since(conn, before)
        if solved:
            from omnitui.services.csat import ask_after_solve
        for case_id in solved:  # the customer is asked how it went
            ask_after_solve(conn, self.settings, case_id, self.actor, self.clock())
        for case_id in sorted(changed_cases_since(conn, before)[1] or ()):
            self.upkeep.refresh(conn, case_id, self.clock())

    def _offer_waiting(self) -> None:
        """After an action that may have freed someone (a case solved, handed on, merged),
        waiting cases go to whoever has room now, in a transaction of their own: the agent's
        undo takes back their action, not the router's. Best effort: a store too busy now
        leaves it to the daemon's next tick."""
        with suppress(*STORE_ERRORS):
            fill_all(self.store, self.router, self.clock())

    # -- SLA repair ---------------------------------------------------------------------

    def recompute_sla(self, since: str | None, *, dry_run: bool,
                      solved: bool = False) -> SlaRepair:
        """Replay every unsolved case's clocks (with `solved`, the solved and closed ones'
        too: their stored durations), touched since `since`, under the policies the config
        has now; write and audit what changed, unless `dry_run`. Written a few hundred
        cases a transaction: consoles and the daemon wait for one, not for all."""
        repair = SlaRepair()
        ids = replayable_case_ids(self.store.conn, since, solved=solved)
        for start in range(0, len(ids), SLA_REPAIR_BATCH):
            with nullcontext(self.store.conn) if dry_run else self.store.write() as conn:
                self._repair_sla(conn, ids[start:start + SLA_REPAIR_BATCH], repair, dry_run)
        if not dry_run and since is None:  # every open case follows the config now
            with self.store.write() as conn:
                sla_applied.mark_applied(conn, self.settings)
        repair.checked = len(ids)
        return repair

    def _repair_sla(self, conn: sqlite3.Connection, ids: list[int], repair: SlaRepair,
                    dry_run: bool) -> None:
        for case_id, now, replayed in self.keeper.recompute(conn, ids):
            if now is None:
                repair.skipped.append(case_id)
                continue
            changed = moved(now, replayed)
            if not changed:
                continue
            repair.changed[case_id] = changed
            if not dry_run:
                actions.edit(conn, case_id, {k: v for k, (_, v) in changed.items()},
                             actor=self.actor, at=self.clock(), action="case.sla_recomputed",
                             reason=f"policy {replayed['sla_policy']}: " + "; ".join(
                                 f"{k} {was or '-'} -> {v or '-'}"
                                 for k, (was, v) in changed.items()))

    # -- the agent themself -----------------------------------------------------------

    def present(self) -> None:
        """A console of this agent runs: mark them present; back after a while, they get
        the waiting cases they have room for at once."""
        now = self.clock()
        me = agent_store.agent(self.store.conn, self.actor)
        back = me is None or not self.router.present(me, now)
        with self.store.write() as conn:
            agent_store.mark_seen(conn, self.actor, db_time(now))
        if back:
            self._offer_waiting()

    def set_away(self, away: bool, *, set_by: str | None = None) -> bool:
        """Away: routing gives this agent nothing (and after a while hands their untouched
        cases on); available again: the waiting cases they have room for come at once.
        `set_by`: someone else did it, audited under their name. Whether it changed
        anything: set to what it is, nothing is (a second `away` wrote a second row and
        moved the moment they left)."""
        with self.store.write() as conn:
            me = agent_store.agent(conn, self.actor)
            if me is not None and (me.away_since is not None) == away:
                return False
            agent_store.set_away(conn, self.actor, away, db_time(self.clock()))
            if set_by is not None:
                audit.record_audit(conn, actor=set_by,
                                   action="agent.away" if away else "agent.back",
                                   reason=f"{self.actor} {'away' if away else 'available'}")
        if not away:
            self._offer_waiting()
        return True

    def set_agent_away(self, name: str, away: bool) -> bool:
        """`omnitui agents away|back NAME`: as the agent's own key does it, for someone on
        the team (one removed was set away and back without a word), audited under who set
        it (nothing told who had set an agent away); whether it changed anything."""
        _require_on_team(self.store.conn, name)
        return Desk(self.store, name, self.settings, clock=self.clock).set_away(
            away, set_by=self.actor)

    # -- the team ---------------------------------------------------------------------

    def add_agent(self, profile: agent_store.AgentProfile, keys_file: str | None) -> None:
        """A new agent (or new skills, capacity, role for one), on the team at once;
        `keys_file`: the authorized_keys file their line was written to."""
        with self.store.write() as conn:
            agent_store.apply_profiles(conn, [profile], db_time(self.clock()))
            if keys_file is not None:
                agent_store.set_keys_file(conn, profile.name, keys_file)
            audit.record_audit(conn, actor=self.actor, action="agent.added",
                               reason=f"{profile.name}: {profile.role}, skills "
                                      f"{', '.join(profile.skills) or 'none'}")
        self._offer_waiting()

    def remove_agent(self, name: str) -> list[int]:
        """Off the team: their unsolved cases go back to routing, which gives the open
        ones to whoever has room; returns those cases."""
        now = self.clock()
        with self.store.write() as conn, self._clocks_follow(conn):
            _require_on_team(conn, name)
            handed = agent_store.unsolved_cases(conn, name)
            agent_store.deactivate(conn, name)
            audit.record_audit(conn, actor=self.actor, action="agent.removed", reason=name)
            for case_id in handed:
                actions.assign(conn, case_id, None, actor=self.actor, at=now,
                               reason=f"back to routing: {name} left the team")
            pool = self.router.candidates(conn, now)
            for case_id in handed:
                self.router.route(conn, case_id, now, pool=pool, say_wait=True)
        return handed

    def away(self) -> bool:
        me = agent_store.agent(self.store.conn, self.actor)
        return me is not None and me.away_since is not None

    # -- case fields ------------------------------------------------------------------

    def claim(self) -> CaseChange:
        """Take an unowned case: of two agents claiming at once exactly one wins; the other
        learns who has it."""
        def owned(conn: sqlite3.Connection, case_id: int) -> None:
            owner = require_case(conn, case_id)["owner"]
            if owner is not None and owner != self.actor:  # it said no more; to a
                me = agent_store.agent(conn, self.actor)  # supervisor, that they could not
                raise Refused(taken_by_another(case_id, owner, self.actor,
                                               supervisor=me is not None and me.supervisor))

        def take(conn: sqlite3.Connection, case_id: int) -> None:
            if not actions.claim(conn, case_id, self.actor, at=self.clock()):
                owned(conn, case_id)
        return CheckedChange(owned, take)

    def assign(self, owner: str | None) -> CaseChange:
        """Give the case to `owner` (None: nobody); from one owner to another is a handover,
        counted as a reassignment (too many escalate the case, once)."""
        def hand(conn: sqlite3.Connection, case_id: int) -> None:
            current = require_case(conn, case_id)["owner"]
            if current == owner:
                return  # nothing to do: its audit row said "erin -> erin"
            if current is not None and current not in (self.actor, owner) and \
                    not self._may_hand_on(conn):
                raise Refused(f"#{case_id} is {current}'s: only a supervisor hands another "
                              f"agent's case on (ask one, or {current})")
            actions.assign(conn, case_id, owner, actor=self.actor, at=self.clock())
            self.router.reassigned(conn, [case_id], self.clock())
        return hand

    def _may_hand_on(self, conn: sqlite3.Connection) -> bool:
        """A supervisor may; so may anyone on a team that has not set up its agents (no
        roles to go by)."""
        if not agent_store.agents(conn):
            return True
        me = agent_store.agent(conn, self.actor)
        return me is not None and me.supervisor

    def status(self, status: Status, reason: str | None = None) -> CaseChange:
        def move(conn: sqlite3.Connection, case_id: int) -> None:
            case = require_case(conn, case_id)
            if case["status"] == status and (reason or None) == case["pause_reason"]:
                return  # nothing to do: its audit row said "open -> open"
            actions.set_status(conn, case_id, status, actor=self.actor, at=self.clock(),
                               pause_reason=reason, taker=self.actor)
        return move

    def snooze(self, until: datetime | None) -> CaseChange:
        return lambda conn, case_id: actions.snooze(conn, case_id, until, actor=self.actor,
                                                    at=self.clock())

    def tags(self, words: str) -> CaseChange:
        """"billing -spam": plain words add tags, -word removes one."""
        return lambda conn, case_id: actions.retag(conn, case_id, words, actor=self.actor,
                                                   at=self.clock())

    def priority(self, value: float | None) -> CaseChange:
        """Set the priority by hand (it holds until cleared); None: back to the score."""
        return lambda conn, case_id: actions.set_priority(conn, case_id, value,
                                                          actor=self.actor, at=self.clock())

    def queue(self, name: str) -> CaseChange:
        return lambda conn, case_id: actions.requeue(
            conn, case_id, name, actor=self.actor, at=self.clock(),
            policy=self.keeper.queue_policy(name))

    def escalate(self) -> CaseChange:
        """Escalate by hand along the case's queue's path (its `escalation`: the priority
        it raises by, the queue it moves to; the toast), as routing's escalations do; as
        often as an agent asks."""
        def up(conn: sqlite3.Connection, case_id: int) -> None:
            queue = require_case(conn, case_id)["queue"]
            path = self.router.escalation(queue)
            actions.escalate(conn, case_id, actor=self.actor, at=self.clock(),
                             boost=path.raise_priority, move_to=path.move_to,
                             policy=self.keeper.queue_policy(path.move_to))
            if path.move_to and path.move_to != queue:
                self.router.escalated_to(conn, case_id, self.actor, self.clock())
        return up

    def macro(self, macro: Macro) -> CaseChange:
        """A macro's changes and, when it drafts one, its reply, filled in for each case."""
        from omnitui.services import drafts
        from omnitui.services.macros import apply_macro, macro_refusal, macro_reply

        def apply(conn: sqlite3.Connection, case_id: int) -> None:
            if refusal := macro_refusal(conn, case_id, macro, self.actor):
                raise Refused(refusal)
            draft = macro_reply(conn, case_id, macro, self.actor)
            if draft is None:
                apply_macro(conn, case_id, macro, agent=self.actor, at=self.clock(),
                            sla=self.keeper)
            else:
                drafts.send_in(conn, case_id, draft, author=self.actor, at=self.clock(),
                               macros=[macro], sla=self.keeper)
        return apply

    def draft(self, draft: Draft) -> CaseChange:
        """A written draft queued on each case (one note to every marked case)."""
        from omnitui.services import drafts

        return lambda conn, case_id: drafts.send_in(
            conn, case_id, draft, author=self.actor, at=self.clock(),
            macros=self.settings.macros, sla=self.keeper)

    # -- writing ----------------------------------------------------------------------

    def send_draft(self, case_id: int, draft: Draft) -> None:
        """A draft written in the console sent: queued (or the note added) with its macro's
        changes, the kept draft dropped, in one transaction whose clocks follow, a solve's
        survey with them, as `omnitui reply` and `omnitui macro` do. Sent straight to the
        store, a macro's solve asked no survey and a pending macro left the case's due
        time running; a draft begun with `D` also acknowledges the public thread. A case
        merged away while the agent wrote is refused, as every action on it is (the reply
        went out from the closed case)."""
        from omnitui.services import drafts

        def send(conn: sqlite3.Connection) -> None:
            _not_merged(conn, case_id)
            drafts.send_in(conn, case_id, draft, author=self.actor, at=self.clock(),
                           macros=self.settings.macros, sla=self.keeper)
            drafts.drop_kept(conn, self.actor, case_id, draft.slot)
        self._one(send)

    def write(self, case_id: int, mode: str, text: str, *, channel: str | None = None,
              to: str | None = None, message_id: int | None = None) -> CaseResult:
        """A note, reply, reply to all or forward on one case, queued for the daemon to
        send (a note only joins the timeline)."""
        from omnitui.services import outbound

        def change(conn: sqlite3.Connection, case: int) -> None:
            draft = outbound.start_draft(conn, case, mode, channel=channel,
                                         message_id=message_id,
                                         own_addresses=frozenset(self.settings.own_addresses))
            draft = replace(draft, text=text, to=(to,) if to is not None else draft.to)
            outbound.queue_draft(conn, case, draft, author=self.actor, at=self.clock())
        return self.each([case_id], change)[0]

    def resend(self, message_id: int) -> CaseResult:
        """A reply that failed for good queued again on its case (outbound.resend)."""
        from omnitui.services import outbound
        from omnitui.store.messages import message_by_id

        message = message_by_id(self.store.conn, message_id)
        if message is None:
            raise Refused(f"there is no message #{message_id}")
        return self.each([message["case_id"]], lambda conn, _: outbound.resend(
            conn, message_id, author=self.actor, at=self.clock()))[0]

    def to_private(self, case_id: int, text: str) -> CaseResult:
        """Answer a public post privately, acknowledging it publicly (one undo)."""
        from omnitui.services import private

        def change(conn: sqlite3.Connection, case: int) -> None:
            draft = private.private_draft(conn, case)
            private.move_to_private(conn, case, replace(draft, text=text),
                                    author=self.actor, at=self.clock())
        return self.each([case_id], change)[0]

    def new_case(self, draft: Draft) -> int:
        """A new outbound case to someone by email or phone; returns its number."""
        from omnitui.services import drafts

        case_id = drafts.open_case(self.store, draft, author=self.actor, at=self.clock(),
                                   default_queue=self.settings.routing.default_queue,
                                   phone_region=self.settings.identity.default_phone_region)
        with self.store.write() as conn:
            self.upkeep.refresh(conn, case_id, self.clock())
        return case_id

    # -- customers, merges, suggestions, undo -----------------------------------------

    def merge_cases(self, sources: Sequence[int], target: int, *,
                    other_customers: bool = False) -> list[int]:
        from omnitui.services import merge

        return self._one(lambda conn: merge.merge_cases(conn, list(sources), target,
                                                        self.actor,
                                                        other_customers=other_customers))

    def move_messages(self, message_ids: Sequence[int], target: int | None, *,
                      other_customers: bool = False) -> tuple[int, int]:
        from omnitui.services import merge

        return self._one(lambda conn: merge.move_messages(
            conn, list(message_ids), target, self.actor, other_customers=other_customers))

    def merge_customers(self, source: int, target: int) -> int:
        from omnitui.services import merge

        return self._one(lambda conn: merge.merge_customers(
            conn, source, target, self.actor, self.settings.priority.tier_weights))

    def split_customer(self, customer_id: int, identity_ids: Sequence[int]) -> tuple[int, int]:
        from omnitui.services import merge

        return self._one(lambda conn: merge.split_customer(conn, customer_id,
                                                           list(identity_ids), self.actor))

    def link(self, customer_id: int, key: tuple[str, str]) -> int:
        """Link an address the agent vouches for to a customer."""
        from omnitui.services import merge

        return self._one(lambda conn: merge.link_identity(conn, customer_id, key, self.actor))

    def accept_suggestion(self, suggestion_id: int) -> int:
        from omnitui.services import suggestions

        return self._one(lambda conn: suggestions.accept(
            conn, suggestion_id, self.actor, self.settings.priority.tier_weights))

    def dismiss_suggestion(self, suggestion_id: int) -> int:
        from omnitui.services import suggestions

        return self._one(lambda conn: suggestions.dismiss(conn, suggestion_id, self.actor))

    def customer_with(self, email: str | None, phone: str | None) -> int | None:
        """The customer an email address or phone number belongs to (None if neither is
        given); Refused when nobody has it."""
        from omnitui.identifiers import normalize

        if email is None and phone is None:
            return None
        given = email or phone or ""
        key = normalize(Identifier("email" if email else "phone", given),
                        self.settings.identity.default_phone_region)
        found = find_identities(self.store.conn, [key]) if key else []
        if not found:
            raise Refused(f"no customer has {given!r}")
        return found[0].customer_id

    def business_event(self, kind: str, *, customer_id: int | None = None,
                       product: str | None = None, severity: int | None = None,
                       text: str = "", resolved: bool = False) -> EventResult:
        """Record what another system reports (services/events.py): an outage raises the
        cases that mention its product, a failed payment its customer's."""
        from omnitui.services.events import record_event

        return self._one(lambda conn: record_event(
            conn, self.settings, kind, at=self.clock(), customer_id=customer_id,
            product=product, severity=severity, text=text, resolved=resolved,
            zone=self.settings.agent_zone(self.actor)))

    def undo(self, audit_id: int | None = None) -> int:
        """Undo an audit event, or this actor's last action (all of it); returns the last
        undo event's id."""
        return self._one(lambda conn: undo(conn, self.actor, audit_id))

    # -- a contact logged by hand -----------------------------------------------------

    def log_contact(self, who: str, channel: str, text: str, *,
                    name: str = "", minutes: float | None = None,
                    answer: str = "") -> tuple[int, int]:
        """A phone call or a walk-up visit the agent typed in: the customer's inbound item
        through the pipeline (it joins their open case like any item, with its SLA clock),
        and what the agent answered, if anything, as a reply already given: the case's first
        response. `who` is their email address or phone number (the agent vouches for it).
        Returns (case id, message id)."""
        from omnitui.identifiers import normalize

        if channel not in CONTACT_CHANNELS:
            raise Refused(f"a contact logged by hand is a {' or a '.join(CONTACT_CHANNELS)}, "
                          f"not {channel!r}")
        if not text.strip():
            raise Refused("say what the customer wanted")
        identifier = Identifier("email" if "@" in who else "phone", who.strip())
        key = normalize(identifier, self.settings.identity.default_phone_region)
        if key is None:
            raise Refused(f"{who!r} is not an email address or a phone number")
        now = self.clock()
        record = {"logged_by": self.actor, "channel": channel, "identifier":
                  [identifier.kind, identifier.value], "name": name, "minutes": minutes,
                  "text": text, "answer": answer}
        event = InboundEvent(
            channel=channel, external_id=f"logged:{uuid.uuid4()}",
            raw=json.dumps(record, ensure_ascii=False).encode(), occurred_at=now,
            identifiers=[Identifier(identifier.kind, identifier.value, verified=True,
                                    how=f"given by {self.actor} on a {channel}")],
            sender_name=name, text=text, source=f"logged by {self.actor}",
            subject=f"{'Phone call' if channel == Channel.PHONE else 'Walk-up visit'}"
                    + (f", {minutes:g} min" if minutes else ""))
        from omnitui.services.intake import intake_pipeline
        with self.store.write() as conn, self._clocks_follow(conn):
            watched = audit.watch(conn, _rows_a_contact_moves(conn, key))
            result = intake_pipeline(self.store, self.settings).ingest_in(conn, event, [])
            if result.case_id is None or result.message_id is None:
                raise StoreError("the contact could not be filed")
            audit.record_audit(conn, actor=self.actor, action=CONTACT_LOGGED,
                               case_id=result.case_id, customer_id=result.customer_id,
                               message_id=result.message_id, reason=event.subject,
                               changes=audit.changes_since(conn, watched), at=db_time(now))
            if answer.strip():
                actions.reply(conn, result.case_id, author=self.actor, text=answer, at=now,
                              channel=channel)
        return result.case_id, result.message_id


def _rows_a_contact_moves(conn: sqlite3.Connection, key: tuple[str, str]
                          ) -> list[tuple[str, int]]:
    """The rows filing a contact from `key` may update: its customer's, and their cases
    (the one it joins, reopens or answers). The rows it adds are found by their ids."""
    found = find_identities(conn, [key])
    if not found:
        return []
    customer_id = found[0].customer_id
    return [("customers", customer_id), *(("cases", case_id) for case_id in
                                          ids_of_customer_rows(conn, "cases", customer_id))]


def _require_on_team(conn: sqlite3.Connection, name: str) -> None:
    """A name typed for a teammate is one (a usage error, with the closest name)."""
    team = sorted(agent.name for agent in agent_store.agents(conn))
    if name not in team:
        close = closest(name, team)  # "BOB" is bob's typo too
        raise UsageError(f"no agent {name!r} on the team ("
                         + (f"did you mean {close}?" if close else "`omnitui agents` "
                            "lists it") + ")")


def _not_merged(conn: sqlite3.Connection, case_id: int) -> None:
    """A case merged into another is closed for good, its messages there: a note, a tag or
    a status on it changed a case nobody sees (`status --to open` put an empty case back
    in the queue); the agent is pointed at the case it lives on."""
    case = require_case(conn, case_id)
    if case["merged_into"] is not None:
        live = live_case_id(conn, case_id)
        raise Refused(act_on_live(case_id, live))
