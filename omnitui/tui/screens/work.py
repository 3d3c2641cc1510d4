"""What the queue and the case screens share: the keys that act on cases (assign, status,
snooze, tags, priority, queue, escalate, macros, writing, linking customers, logging a call).

Each screen says which cases a key acts on (`targets`, `one_case`); the actions themselves
live in omnitui/tui/work/, one module per kind, as functions of the screen that asked, and
every change goes through the Desk (imported at the first key: see omnitui/tui/work). The
bindings are priority bindings: the screen decides what a key means as it arrives, before
the keys behind it are handed on, so "rSorry" typed at once starts a reply instead of
solving the case ("S"); in a text field the keys are the field's (`check_action`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import events
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widgets import Input, TextArea

from omnitui.model import Status
from omnitui.tui import work
from omnitui.tui.keys import action_name, bind, bound_action
from omnitui.tui.widgets.case_list import NONE_CHOSEN
from omnitui.wording import taken_by, taken_by_another

if TYPE_CHECKING:
    from omnitui.config import Macro
    from omnitui.model import CaseDetail
    from omnitui.services.desk import CaseChange
    from omnitui.tui.app import OmnituiApp

WORK_BINDINGS = [replace(binding, priority=True) for binding in [
    bind("case.assign_me", "assign_me"),
    bind("case.assign_to", "assign_to"),
    bind("case.pending", "pending"),
    bind("case.solved", "solved"),
    bind("case.reopen", "reopen"),
    bind("case.snooze", "snooze"),
    bind("case.tags", "tags"),
    bind("case.priority", "priority"),
    bind("case.queue", "move_queue"),
    bind("case.escalate", "escalate"),
    *(bind(f"macro.{n}", f"macro({n})") for n in range(1, 10)),
    bind("macro.pick", "pick_macro"),
    bind("case.reply", "write('reply')"),
    bind("case.reply_all", "write('reply_all')"),
    bind("case.forward", "write('forward')"),
    bind("case.note", "write('note')"),
    bind("case.compose", "compose_new"),
    bind("case.to_private", "to_private"),
    bind("case.log_contact", "log_contact"),
    bind("customer.link", "link_customer"),
]]


# The keys that act on the case on screen, or the marked ones (writing new, `c`, and logging
# a call, `+`, need none: they work from any list)
CASE_ACTIONS = frozenset(action_name(binding.action) for binding in WORK_BINDINGS) - {
    "compose_new", "log_contact"}


def already(verb: str, case_ids: list[int]) -> str:
    """What a key says of cases it found already as it would leave them."""
    return f"already {verb}: {', '.join(f'#{t}' for t in case_ids)}"


class WorkScreen(Screen[None]):
    """A screen whose keys act on cases: the one on screen, or the marked ones."""

    BINDINGS = WORK_BINDINGS

    @property
    def console(self) -> OmnituiApp:
        return self.app  # type: ignore[return-value]

    def targets(self) -> list[int]:
        """The cases a key acts on."""
        raise NotImplementedError

    def one_case(self) -> int | None:
        """The one case writing acts on (None: there is no single one, and the agent was
        told why)."""
        raise NotImplementedError

    def chosen(self) -> list[int]:
        """`targets`, and when there is none, the agent is told so: on an empty view the
        dialogs opened, took what was typed, and dropped it without a word."""
        if not (targets := self.targets()):
            self.say_none_chosen()
        return targets

    def say_none_chosen(self) -> None:
        """Why a key found no case to act on."""
        self.notify(NONE_CHOSEN, severity="warning")

    def current_message_id(self) -> int | None:
        """The message a forward starts from (None: the customer's last)."""
        return None

    def current_message_is_note(self) -> bool:
        """Whether the message a forward would start from is an internal note."""
        return False

    @property
    def case_on_screen(self) -> int | None:
        """The case this screen shows on its own (the agent's presence is marked on it)."""
        return None

    def suggested_macros(self) -> list[Macro]:
        """The macros whose `when` fits the case shown (first in the picker)."""
        return []

    def show_case(self, detail: CaseDetail) -> None:
        """Open a case from here."""
        raise NotImplementedError

    def step_from(self, case_id: int, step: int) -> int | None:
        """J / K on a case opened from here: the case `step` away from `case_id` in this
        screen's list (None: none)."""
        return None

    def list_end(self, step: int) -> str:
        """What J (`step` 1) or K (-1) says where this screen's list ends."""
        return "the last case of the list" if step > 0 else "the first case of the list"

    def cases_changed(self, changed: set[int] | None) -> None:
        """Redraw what a change touched (None: anything may have changed)."""
        raise NotImplementedError

    def follow(self) -> None:
        """Every poll of the store while on top, changed or not."""

    def owners(self) -> list[str | None] | None:
        """The owner of each case a key would act on, as this screen knows them (None when
        it does not: the key bar asks at every draw)."""
        return None

    def statuses(self) -> set[str]:
        """The statuses of the cases a key would act on, as this screen knows them (empty
        when it does not: the key bar then offers Solved, as it always did)."""
        return set()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The key bar offers Reopen on solved cases only, in the place of Solved (a solved
        case offered "S Solved"); O still moves a pending case to open (a closed case was
        merged away: every case key is refused there)."""
        active = super().active_bindings
        if Status.SOLVED in self.statuses():
            return active
        return {key: shown for key, shown in active.items()
                if action_name(shown.binding.action) != "reopen"}

    def declined(self, action: str) -> str | None:
        """Why a case key does nothing here now (None: it acts): the key bar leaves such a
        key out, and pressed it says why. It offered every case key on an empty list, and
        Take on the agent's own case and on another's (refused there)."""
        if action not in CASE_ACTIONS:
            return None
        if not (targets := self.targets()):
            return NONE_CHOSEN
        if action == "assign_me" and (why := self._not_takeable(targets)):
            return why
        if action == "solved" and self.statuses() == {Status.SOLVED}:
            return already(f"{Status.SOLVED}", targets)
        return None

    def _not_takeable(self, targets: list[int]) -> str | None:
        """Why Take would take none of the targets: each is someone's already (the agent's
        own, or another's, which Take refuses). (Said here, not by work.fields, which would
        load the action layer at the first paint's key bar.)"""
        owners, me = self.owners(), self.console.agent
        if not owners or None in owners:
            return None
        if set(owners) == {me}:
            return already(taken_by(me), targets)
        case_id, owner = next((case_id, owner) for case_id, owner in zip(targets, owners,
                                                                          strict=True)
                              if owner != me)
        return taken_by_another(case_id, owner, me, supervisor=self.console.me is not None
                                and self.console.me.supervisor)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a text field (the search box) the keys are the field's; a case key this screen
        declines now leaves the key bar."""
        if isinstance(self.focused, Input | TextArea):
            return False
        return self.declined(action) is None

    def on_key(self, event: events.Key) -> None:
        """A key the key bar no longer offers, pressed, says why, instead of nothing."""
        if (action := bound_action(self, event.key)) is not None and \
                (why := self.declined(action)) is not None:
            event.stop()
            if why == NONE_CHOSEN:
                self.say_none_chosen()  # as this screen says it
            else:
                self.notify(why, severity="warning")

    def act(self, verb: str, change: CaseChange, targets: list[int] | None = None
            ) -> list[int]:
        """A change on every target, through the Desk, in one transaction (one undo); say
        what was done and what was refused. The cases it changed."""
        targets = self.chosen() if targets is None else targets
        if not targets:
            return []
        results = self.console.desk.together(targets, change)
        self.console.cases_changed(set(targets))
        for result in results:
            if not result.done:
                self.notify(result.refusal, severity="warning")
        if done := [result.case_id for result in results if result.done and result.changes]:
            self.notify(f"{verb}: {', '.join(f'#{t}' for t in done)}")
        if same := [result.case_id for result in results if result.done and not result.changes]:
            self.notify(already(verb, same))  # `O` on an open case said "open: #5", as if
            # it had done something
        return done

    def action_assign_me(self) -> None:
        work.fields.assign_me(self)

    def action_assign_to(self) -> None:
        work.fields.assign_to(self)

    def action_pending(self) -> None:
        work.fields.pending(self)

    def action_solved(self) -> None:
        work.fields.solved(self)

    def action_reopen(self) -> None:
        work.fields.reopen(self)

    def action_snooze(self) -> None:
        work.fields.snooze(self)

    def action_tags(self) -> None:
        work.fields.tags(self)

    def action_priority(self) -> None:
        work.fields.priority(self)

    def action_move_queue(self) -> None:
        work.fields.move_queue(self)

    def action_escalate(self) -> None:
        work.fields.escalate(self)

    def action_macro(self, number: int) -> None:
        work.macros.by_number(self, number)

    def action_pick_macro(self) -> None:
        work.macros.pick(self)

    def action_write(self, mode: str) -> None:
        work.writing.write(self, mode)

    def action_compose_new(self) -> None:
        work.writing.compose_new(self)

    def action_to_private(self) -> None:
        work.writing.to_private(self)

    def action_log_contact(self) -> None:
        work.writing.log_contact(self)

    def action_link_customer(self) -> None:
        work.customers.link(self)
