"""The console's and the CLI's shared words: the orders a queue can take, and what the audit
log records, so people read "a status change", not "case.status" (the ids stay in the store
and in `--format json`, where scripts read them)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from omnitui.forwards import is_forward
from omnitui.model import Channel
from omnitui.store.db import parse_db_time
from omnitui.wording import ago, arrowed

ACTION_WORDS = {
    "case.assigned": "an assignment", "case.created": "a new case",
    "case.escalated": "an escalation", "case.priority": "a priority change",
    "case.queue": "a move to another queue", "case.reopened": "a reopening",
    "case.routed": "a routing decision", "case.waiting": "a wait for a free agent",
    "case.snoozed": "a snooze", "case.status": "a status change", "case.tags": "a tag change",
    "case.woke": "a snooze ending", "cases.merged": "a merge of cases",
    "customer.split": "a customer split", "customer.updated": "a customer update",
    "customers.merged": "a merge of customers", "identity.linked": "a linked address",
    "message.received": "a received message", "message.split-off": "a message split off",
    "message.re-attached": "a message move", "note.added": "an internal note",
    "reply.queued": "a reply", "reply.forwarded": "a forward",
    "suggestion.dismissed": "a dismissed suggestion",
    "case.severity": "a severity change", "case.tier": "a tier change",
    "macro.auto": "a macro that ran by itself",
    "csat.asked": "a satisfaction survey", "csat.answered": "a satisfaction answer",
    "csat.skipped": "a satisfaction survey not sent",
    "case.fields": "an answer kept on the case", "assistant.asked": "the intake assistant",
    "assistant.ended": "the intake assistant's end",
    "customer.untold": "a message to the customer not sent",
    "agent.added": "an agent added or changed", "agent.removed": "an agent removed",
    "agent.away": "an agent set away", "agent.back": "an agent set available",
    "contact.logged": "a logged call or visit",
}

# The action of a phone call or walk-up visit an agent logs by hand (services/desk.py):
# the agent's change, undone like any other.
CONTACT_LOGGED = "contact.logged"


# The system's own actor for routing decisions (services/routing.py acts as it).
ROUTER = "omnitui-router"
_ROUTER_ACTIONS = ("case.assigned", "case.queue", "case.escalated")
_PERSONS_ACTIONS = {"case.assigned": "assigned it", "case.queue": "moved it"}

# The threading rule of a customer's answer to a satisfaction survey: it rates a solved case
# (ingest/surveys.py), it does not reopen it nor count as a message the SLA waits on.
SURVEY_ANSWER = "csat-answer"
# The threading rule of a message that only thanks us on a solved case (triage/thanks.py):
# it joins the case's timeline and leaves it solved, and no clock waits on it.
THANKS_ONLY = "thanks-only"
# The threading rule of a third party's answer to our forward (a supplier's, a courier's):
# it joins the case's timeline, but nothing waits on it and it says nothing of the customer
# (their language, mood, intent), nor reopens or resumes the case.
THIRD_PARTY = "third-party-answer"
# Messages that join a case without asking anything of the team: no SLA clock waits on them.
NOT_WAITING = (SURVEY_ANSWER, THANKS_ONLY, THIRD_PARTY)


# How the intake's audit row of our own mail, sent outside omnitui, begins: the case that
# mail opens waits on the answer of the person it went to (store/cases.opened_waiting).
OUR_OWN_MAIL = "our own mail, sent by "


def awaited_answer(channel: str, subject: str = "") -> str:
    """What a case we opened waits on (pending, its clocks stopped, out of its owner's open
    work): the answer of the person our message went to, whether an agent wrote it here
    (`omnitui new`, the console's `c`) or in their mail client (the intake files a copy)."""
    if is_forward(subject):
        return "an answer to our forward"
    return f"their answer to our {'mail' if channel == Channel.EMAIL else 'message'}"


# Why the intake opens a pending case again: the customer's message answers what it waited
# on (the audit row of that status change; ingest/persist.py).
CUSTOMER_ANSWERED = "the customer answered"


def status_reason(before: str, after: str, *, pause_reason: str | None = None,
                  why: str | None = None) -> str:
    """A status change's audit reason, as stored (ASCII; the history draws the arrow):
    "open -> pending (the printer model)", "pending -> open: the customer answered"."""
    reason = f"{before} -> {after}" + (f" ({pause_reason})" if pause_reason else "")
    return reason + (f": {why}" if why else "")


class RoutingStory(NamedTuple):
    """A case's routing as the case shows it: the decisions (its queue's, its owner's),
    then notes; as a string, on one line: "billing: intent billing, says 'invoice' → to
    erin: skill billing, 0/1 email open · escalated (first response at risk: 4m left)"."""

    decisions: tuple[str, ...]
    notes: tuple[str, ...]

    def __str__(self) -> str:
        return " · ".join(filter(None, (" → ".join(self.decisions), *self.notes)))


def routing_story(history: list[tuple[int, str, str, str, str]],
                  now: datetime) -> RoutingStory:
    """A case's routing from its audit rows (id, at, actor, action, reason), most telling
    first: why it is in its queue ("general: incidents has had nobody free for 15m (its
    fallback)"), who has it or why nobody ("to erin: skill billing, 0/1 email open",
    "general: nobody free: erin 1/1 email open (3m ago)"), then its escalations in one
    ("escalated 2 times (first response breached)") and how it came in, when that is not the
    queue's reason. A person's move or assignment says who made it ("root moved it (queue
    billing)"). It kept the first step and the last two: two escalations pushed out the
    queue's moves, and an unassigned case in "general" read "…risk: 1m left: priority +20
    → first response breached: priority +20"."""
    told = [(at, actor, action, reason) for _, at, actor, action, reason in history
            if action in ("case.routed", "case.waiting", *_ROUTER_ACTIONS)
            and (actor == ROUTER or action != "case.escalated")]
    moves = [at for at, (_, _, action, reason) in enumerate(told) if action in (
        "case.routed", "case.queue") or (action == "case.escalated" and _MOVED.search(reason))]
    queue = moves[-1] if moves else None
    owner = next((at for at in reversed(range(len(told))) if told[at][2] == "case.assigned"
                  or (told[at][2] == "case.waiting" and at > (-1 if queue is None else queue))),
                 None)
    decisions = tuple(_step(told[at], now) for at in (queue, owner) if at is not None)
    if queue is not None and owner is not None and told[owner][2] == "case.waiting":
        name = decisions[1].split(": ", 1)[0] + ": "  # "general: nobody free" in the queue
        # just told ("general: billing has had nobody free…"): its name said once
        if decisions[0].startswith(name):
            decisions = (decisions[0], decisions[1].removeprefix(name))
    notes = []
    escalated = [reason for _, _, action, reason in told if action == "case.escalated"]
    if escalated:
        times = f" {len(escalated)} times" if len(escalated) > 1 else ""
        notes.append(f"escalated{times} ({arrowed(escalated[-1].rsplit(': ', 1)[0])})")
    if told and told[0][2] == "case.routed" and queue != 0:
        notes.append(f"came in: {arrowed(told[0][3])}")
    return RoutingStory(decisions, tuple(notes))


# An escalation's words when it moved the case along its path (actions.along_path).
_MOVED = re.compile(r"[:,] to \S+$")


def _step(step: tuple[str, str, str, str], now: datetime) -> str:
    at, actor, action, reason = step
    if actor != ROUTER and action not in ("case.routed", "case.waiting"):
        return f"{actor} {_PERSONS_ACTIONS[action]} ({arrowed(reason)})"
    if action == "case.waiting":  # as it was then: "no agent is present" read as now
        return f"{arrowed(reason)} ({ago(parse_db_time(at), now)})"
    return arrowed(reason)


def cases_named(case_ids: list[int], shown: int = 5) -> str:
    """The first `shown` of several cases, for one line: "#12, #14, #15, …"."""
    return ", ".join(f"#{c}" for c in case_ids[:shown]) + (", …" if len(case_ids) > shown
                                                            else "")


def given_away_words(case_ids: list[int], owner: str | None, actor: str) -> str:
    """What an agent's console says of their cases someone else took from them (another
    agent, a supervisor, routing handing on an away agent's cases): "#12 was given to bob
    by farid", or, of several at once, "9 of your cases were put back in the queue by
    routing: #12, #14, …" (a hand-back of nine stacked nine toasts over the list)."""
    by = "routing" if actor == ROUTER else actor
    where = f"given to {owner}" if owner else "put back in the queue"
    if len(case_ids) == 1:
        return f"#{case_ids[0]} was {where} by {by}"
    return f"{len(case_ids)} of your cases were {where} by {by}: {cases_named(case_ids)}"


def given_to_words(given: list[tuple[int, str]]) -> str:
    """What an agent's console says of cases others gave them: "#12 is yours now (routing
    gave it to you)", or, of several at once, "3 cases are yours now: #12, #14, #15"."""
    if len(given) == 1:
        case_id, actor = given[0]
        return f"#{case_id} is yours now ({'routing' if actor == ROUTER else actor} gave it " \
            "to you)"
    return f"{len(given)} cases are yours now: {cases_named([c for c, _ in given])}"


def escalated_words(escalated: list[tuple[int, str]]) -> str:
    """What a console says of cases others escalated: "#12 escalated: first response at
    risk: 4m left: priority +20", or, of several at once, "14 cases escalated: #12, #14, …"
    (a surge's pass escalates dozens: a toast each covered the board; each case says why).
    A case escalated for two reasons at once (irritated, and its score reaching
    escalate_at) is one case."""
    cases = list(dict.fromkeys(case_id for case_id, _ in escalated))
    if len(cases) == 1:
        return f"#{cases[0]} escalated: {'; '.join(arrowed(r) for _, r in escalated)}"
    return f"{len(cases)} cases escalated: {cases_named(cases)}"


def missed_escalations_words(escalated: list[tuple[int, str]]) -> str:
    """What an agent back from away hears of their cases that escalated meanwhile (the
    toasts of the moment went by unseen, or not at all): "While you were away: #12
    escalated: at risk: first response: priority +20; #15 ...", the first three cases."""
    cases = list(dict.fromkeys(case_id for case_id, _ in escalated))
    shown = "; ".join(escalated_words([(c, r) for c, r in escalated if c == case_id])
                      for case_id in cases[:3])
    more = len(cases) - 3
    return f"While you were away: {shown}" + (f"; and {more} more" if more > 0 else "")


def _undone(action: str) -> tuple[int, str]:
    """(how many undos the audit action is of, the action they undo): "undo undo
    case.status" is (2, "case.status")."""
    depth = 0
    while action.startswith("undo "):
        action, depth = action.removeprefix("undo "), depth + 1
    return depth, action


def action_words(action: str) -> str:
    """An audit action in words; its undo reads "the undo of a reply", the undo of that
    "the redo of a reply", however many times it went back and forth (the history said
    "the undo of the undo of the undo of the undo of a merge of cases")."""
    depth, base = _undone(action)
    said = ACTION_WORDS.get(base, base.replace(".", " ").replace("_", " "))
    return said if not depth else f"the {'undo' if depth % 2 else 'redo'} of {said}"


UNDO_NAMES = 10  # cases an undo names: the console's question of a bulk action on 215
# cases ran off an 80x24 screen, its [y/n] with it


def undo_words(undone: list[tuple[str, int | None]]) -> str:
    """What one undo took back, for the agent: "undone: a status change and an assignment
    on 2 cases (#4, #9)", the first UNDO_NAMES named; undoing an undo reads "redone:
    ...", and undoing that "undone: ..." again (it read "redone: the undo of ...")."""
    depths = [_undone(action)[0] % 2 for action, _ in undone]  # 1: it stood undone
    redo = bool(undone) and all(depths)
    said = redo or not any(depths)  # the action itself is done again, or undone again
    words = list(dict.fromkeys(action_words(_undone(action)[1] if said else action)
                               for action, _ in undone)) or ["the last action"]
    what = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    cases = sorted({case_id for _, case_id in undone if case_id is not None})
    where = (f" on #{cases[0]}" if len(cases) == 1 else
             f" on {len(cases)} cases ({cases_named(cases, UNDO_NAMES)})" if cases else "")
    return f"{'redone' if redo else 'undone'}: {what}{where}"
