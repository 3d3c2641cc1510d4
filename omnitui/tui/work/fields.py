"""Keys that change a case's fields: assignment, status, snooze, tags, priority, queue,
escalation. Each acts on the screen's targets (the case on screen, else the marked cases,
else the highlighted one) in one transaction: one undo."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from omnitui.filters import vocabulary_of
from omnitui.model import Status
from omnitui.sanitize import sanitize
from omnitui.services.actions import parse_priority, tag_problem
from omnitui.snooze import due_asleep, local_now, parse_until, snooze_choices, until_words
from omnitui.store.cases import any_snoozed, require_case
from omnitui.store.queries import distinct_values, known_agents, summaries
from omnitui.tui.screens.modals import AskScreen, PickScreen, refusal
from omnitui.tui.work.writing import unsent, unsent_words
from omnitui.wording import breakdown, taken_by

if TYPE_CHECKING:
    from omnitui.tui.screens.work import WorkScreen


def _which(targets: list[int]) -> str:
    """The cases a dialog will change, for its title (" #938", " 3 cases"): on the board
    the highlighted case may sit in a list scrolled out of sight."""
    return f" #{targets[0]}" if len(targets) == 1 else f" {len(targets)} cases"

def assign_me(screen: WorkScreen) -> None:
    screen.act(taken_by(screen.console.agent), screen.console.desk.claim())


def _set_status(screen: WorkScreen, status: Status, reason: str | None = None) -> None:
    screen.act(f"{status}", screen.console.desk.status(status, reason))


def solved(screen: WorkScreen) -> None:
    """S; a draft of the agent's kept on a case they solve is said (the reply they meant to
    send was only named when they quit)."""
    if not (targets := screen.chosen()):
        return
    console = screen.console
    for case_id in screen.act(f"{Status.SOLVED}", console.desk.status(Status.SOLVED, None),
                              targets):
        if kinds := unsent(console.store, console.agent, case_id):
            screen.notify(f"#{case_id} is solved with {unsent_words(kinds)[0]} kept, not sent: "
                          + ("their keys on the case bring them back" if len(kinds) > 1
                             else "its key on the case brings it back"), severity="warning")


def reopen(screen: WorkScreen) -> None:
    _set_status(screen, Status.OPEN)


def pending(screen: WorkScreen) -> None:
    if not (targets := screen.chosen()):
        return

    def answered(reason: str | None) -> None:
        if reason:
            screen.act(f"{Status.PENDING}", screen.console.desk.status(Status.PENDING, reason),
                       targets)

    screen.app.push_screen(AskScreen(f"Pending{_which(targets)}: what "
                                     f"{'is it' if len(targets) < 2 else 'are they'} waiting on?",
                                     "waiting on customer",
                                     required="say what it waits on (escape cancels)"),
                           answered)


def snooze(screen: WorkScreen) -> None:
    """Hide the cases until a time; each comes back by itself, or when the customer
    writes."""
    if not (targets := screen.chosen()):
        return
    zone = screen.console.settings.agent_zone(screen.console.agent)
    now = local_now(zone)
    choices = snooze_choices(now)
    options = [f"{label}  ({until_words(moment, now)})" for label, moment in choices]

    def snooze_until(until: datetime | None) -> None:
        warnings = dict(due_asleep(screen.console.store.conn, targets, until, zone)
                        if until else [])
        for case_id in screen.act(f"snoozed until {until_words(until, local_now(zone))}"
                                  if until else "woken up",
                                  screen.console.desk.snooze(until), targets):
            if case_id in warnings:  # said only of the cases it snoozed
                screen.notify(warnings[case_id], severity="warning")

    def until(text: str) -> datetime:
        return parse_until(text, local_now(zone))

    def typed(text: str | None) -> None:
        if text:
            snooze_until(until(text))

    def chosen(index: int | None) -> None:
        if index is None:
            return
        if index < len(choices):
            snooze_until(choices[index][1])
        elif index == len(choices):  # starting from what was typed in the list ("3h")
            screen.app.push_screen(AskScreen("Snooze until: 3h, tomorrow 14:00, friday, "
                                             f"17:30, 2026-12-24 ({local_now(zone):%Z})",
                                             picker.typed_for(index),
                                             check=refusal(until)),
                                   typed)
        else:
            snooze_until(None)

    asleep = any_snoozed(screen.console.store.conn, targets)  # else nothing to wake
    picker = PickScreen(f"Snooze{_which(targets)} until",
                        [*options, "custom…", *(["wake up now"] * asleep)],
                        kept=(len(choices),))
    screen.app.push_screen(picker, chosen)


def assign_to(screen: WorkScreen) -> None:
    """A: each agent as routing sees them (here or not, open cases against capacity,
    skills, languages), and what stands against the handover: bob at chat 2/2 without the
    queue's skill was picked from a list of names, and went to chat 3/2 without a word."""
    if not (targets := screen.chosen()):
        return
    conn = screen.console.store.conn
    agents = known_agents(conn)
    labels = _handover_labels(screen, agents, targets)

    def chosen(index: int | None) -> None:
        if index is not None:
            screen.act(f"assigned to {agents[index]}",
                       screen.console.desk.assign(agents[index]), targets)

    screen.app.push_screen(PickScreen(f"Assign{_which(targets)} to", labels), chosen)


def _handover_labels(screen: WorkScreen, agents: list[str], targets: list[int]) -> list[str]:
    """"bob · here · chat 2/2 · email 1/5 · tech · speaks en — full for chat, lacks billing,
    speaks no de": a language routing would look for (one the queue's team speaks) counts
    against an agent who does not speak it."""
    from omnitui.output import roster_row

    conn, now = screen.console.store.conn, screen.console.clock()
    router = screen.console.desk.router
    team = {row["agent"]: row for row in router.roster(conn, now)}
    cases = [require_case(conn, case_id) for case_id in targets]
    needs = {skill for case in cases for skill in router.skills_of(case["queue"])}
    tongues = {case["language"] for case in cases if case["language"] and
               (queue := router.queues.get(case["queue"])) is not None and
               case["language"] in router.spoken(conn, queue)}
    classes = {router.channel_class(case["channel"]) for case in cases}
    owners = {case["owner"] for case in cases}
    labels = []
    for name in agents:
        if (row := team.get(name)) is None:
            labels.append(f"{name} · not on the team")
            continue
        shown = roster_row(row, now)
        words = [name, *(["has it"] if owners == {name} else []), shown["state"],
                 shown["open / capacity"], shown["skills"] or "no skills",
                 *([f"speaks {shown['languages']}"] if shown["languages"] else [])]
        against = [f"full for {klass}" for klass in sorted(classes)
                   if klass in row["capacity"] and row["open"].get(klass, 0)
                   >= row["capacity"][klass]]
        if lacking := sorted(needs - set(row["skills"])):
            against.append(f"lacks {', '.join(lacking)}")
        if unspoken := sorted(tongues - set(row["languages"])):
            against.append(f"speaks no {', '.join(unspoken)}")
        labels.append(" · ".join(words) + (f" — {', '.join(against)}" if against else ""))
    return labels


def tags(screen: WorkScreen) -> None:
    if not (targets := screen.chosen()):
        return

    def answered(words: str | None) -> None:
        if words:  # the toast says which ("tags: #172, #246" named none)
            screen.act(f"tags {sanitize(' '.join(words.split()), multiline=False)}",
                       screen.console.desk.tags(words), targets)

    now = ""
    if len(targets) == 1:  # what it has, so the agent edits rather than retypes
        had = summaries(screen.console.store.conn, targets)[targets[0]].tags
        now = f" (now {sanitize(' '.join(had), multiline=False)})" if had else " (none yet)"
    screen.app.push_screen(AskScreen(f"Tags of{_which(targets)}{now}:"
                                     " words add, -word removes", check=tag_problem),
                           answered)


def priority(screen: WorkScreen) -> None:
    """p: a number holds (whatever the score says) until an agent types "auto"."""
    if not (targets := screen.chosen()):
        return

    def typed(value: str) -> float | None:
        return None if value.strip().lower() == "auto" else parse_priority(value)

    def answered(value: str | None) -> None:
        if value:
            number = typed(value)
            screen.act("priority back to the score" if number is None else
                       f"priority {number:g}", screen.console.desk.priority(number), targets)

    now = ""
    if len(targets) == 1:  # what it is, before it changes (the box did not say)
        case = require_case(screen.console.store.conn, targets[0])
        now = (f"now {case['priority']:g}, set by {case['priority_by']}; " if case["priority_by"]
               else f"now {breakdown(case['priority_parts'], case['priority'])}, the score; ")
    screen.app.push_screen(AskScreen(f"Priority of{_which(targets)}"
                                     f" ({now}a number holds; auto: back to the score)",
                                     check=refusal(typed)), answered)


def move_queue(screen: WorkScreen) -> None:
    if not (targets := screen.chosen()):
        return
    conn = screen.console.store.conn  # the queues filters and `omnitui queue` know
    queues = list(vocabulary_of(screen.console.agent, [], distinct_values(conn, "queue"),
                                screen.console.settings).queues or ())
    where = {require_case(conn, case_id)["queue"] for case_id in targets}
    labels = [f"{queue} · where it is" if where == {queue} else queue for queue in queues]

    def chosen(index: int | None) -> None:
        if index is not None:
            screen.act(f"moved to {queues[index]}", screen.console.desk.queue(queues[index]),
                       targets)

    screen.app.push_screen(PickScreen(f"Move{_which(targets)} to queue", labels), chosen)


def escalate(screen: WorkScreen) -> None:
    screen.act("escalated", screen.console.desk.escalate())
