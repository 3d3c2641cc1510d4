"""Actions that change a case's fields: assignment, status, snooze, tags, priority, queue,
escalation, merging. Each runs on the case on screen, else the marked cases, else the
highlighted one, in one transaction (one undo)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from omnitui.model import CaseSummary, Status
from omnitui.snooze import parse_until, snooze_choices
from omnitui.store.db import StoreError
from omnitui.store.queries import distinct_values, known_agents, summaries
from omnitui.tui.keys import bind
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen, PickScreen, refusal
from omnitui.tui.widgets.case_list import CaseList

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

MAX_PRIORITY = 1_000_000

CASE_BINDINGS = [
    bind("case.assign_me", "assign_me"),
    bind("case.pending", "pending"),
    bind("case.solved", "solved"),
    bind("case.reopen", "reopen"),
    bind("case.snooze", "snooze"),
    bind("case.assign_to", "assign_to"),
    bind("case.tags", "tags"),
    bind("case.priority", "priority"),
    bind("case.queue", "move_queue"),
    bind("case.escalate", "escalate"),
    bind("case.merge", "merge"),
]


class CaseActions:
    def action_assign_me(self: OmnituiApp) -> None:
        self._act(f"assigned to {self.agent}", self.desk.claim())

    def _set_status(self: OmnituiApp, status: Status, reason: str | None = None) -> None:
        self._act(f"{status}", self.desk.status(status, reason))

    def action_solved(self: OmnituiApp) -> None:
        self._set_status(Status.SOLVED)

    def action_reopen(self: OmnituiApp) -> None:
        self._set_status(Status.OPEN)

    def action_pending(self: OmnituiApp) -> None:
        def answered(reason: str | None) -> None:
            if reason:
                self._set_status(Status.PENDING, reason)

        self.push_screen(AskScreen("Pending: what is the case waiting on?",
                                   "waiting on customer"), answered)

    def action_snooze(self: OmnituiApp) -> None:
        """Hide the case until a time; it comes back by itself, or when the customer
        writes."""
        now = datetime.now().astimezone()
        choices = snooze_choices(now)
        options = [f"{label}  ({moment:%a %d %b %H:%M})" for label, moment in choices]

        def snooze_until(until: datetime | None) -> None:
            self._act(f"snoozed until {until:%a %d %b %H:%M}" if until else "woken up",
                      self.desk.snooze(until))

        def until(text: str) -> datetime:
            return parse_until(text, datetime.now().astimezone())

        def typed(text: str | None) -> None:
            if text:
                snooze_until(until(text))

        def chosen(index: int | None) -> None:
            if index is None:
                return
            if index < len(choices):
                snooze_until(choices[index][1])
            elif index == len(choices):
                self.push_screen(AskScreen("Snooze until: 3h, 2d, 1w or 2026-12-24 09:00 "
                                           "(your local time)", check=refusal(until)), typed)
            else:
                snooze_until(None)

        self.push_screen(PickScreen("Snooze until", [*options, "custom…", "wake up now"]),
                         chosen)

    def action_assign_to(self: OmnituiApp) -> None:
        agents = known_agents(self.store.conn)

        def chosen(index: int | None) -> None:
            if index is not None:
                self._act(f"assigned to {agents[index]}", self.desk.assign(agents[index]))

        self.push_screen(PickScreen("Assign to", agents), chosen)

    def action_tags(self: OmnituiApp) -> None:
        def answered(words: str | None) -> None:
            if words:
                self._act("tags", self.desk.tags(words))

        self.push_screen(AskScreen("Tags: words add, -word removes"), answered)

    def action_priority(self: OmnituiApp) -> None:
        def answered(value: str | None) -> None:
            if value:
                priority = parse_priority(value)
                self._act(f"priority {priority:g}", self.desk.priority(priority))

        self.push_screen(AskScreen("Priority score (higher comes first)",
                                   check=refusal(parse_priority)), answered)

    def action_move_queue(self: OmnituiApp) -> None:
        queues = sorted({*distinct_values(self.store.conn, "queue"),
                         self.settings.routing.default_queue,
                         *self.settings.routing.channel_queues.values()})

        def chosen(index: int | None) -> None:
            if index is not None:
                self._act(f"moved to {queues[index]}", self.desk.queue(queues[index]))

        self.push_screen(PickScreen("Move to queue", queues), chosen)

    def action_escalate(self: OmnituiApp) -> None:
        self._act("escalated", self.desk.escalate())

    def action_merge(self: OmnituiApp) -> None:
        """Merge the marked cases into the highlighted one, after a confirm."""
        cases = self.screen_queue().query_one(CaseList)
        target = cases.current_id
        sources = [c for c in cases.visible_marks() if c != target]
        if target is None or not sources or isinstance(self.screen, CaseScreen):
            self.notify("mark the cases to merge, then highlight the one to keep",
                        severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk.merge_cases(sources, target)
            except StoreError as exc:
                self.notify(f"nothing merged: {exc}", severity="error")
                return
            cases.marked.clear()
            self._after_change({target, *sources})
            self.notify(f"merged {', '.join(f'#{s}' for s in sources)} into #{target}")

        self.push_screen(ConfirmScreen(merge_question(
            sources, target, summaries(self.store.conn, [*sources, target]))), confirmed)


def parse_priority(text: str) -> float:
    """A priority as typed; ValueError says what a priority may be."""
    try:
        priority = float(text)
    except ValueError:
        priority = math.nan
    if not math.isfinite(priority) or abs(priority) > MAX_PRIORITY:
        raise ValueError(f"priority must be a number from -{MAX_PRIORITY:,} to "
                         f"{MAX_PRIORITY:,}, not {text!r}")
    return priority


def merge_question(sources: list[int], target: int, rows: dict[int, CaseSummary]) -> str:
    """The confirm before a merge; when the cases are different customers', it says whose
    conversations become one case."""
    question = f"Merge {', '.join(f'#{s}' for s in sources)} into #{target}?"
    people = {rows[c].customer_id: rows[c].customer_name or f"customer #{rows[c].customer_id}"
              for c in [target, *sources] if c in rows}
    if len(people) > 1:
        question += (f" They belong to {len(people)} customers ({', '.join(people.values())}): "
                     f"their conversations become one case, #{target}, of "
                     f"{people[rows[target].customer_id]}.")
    return question
