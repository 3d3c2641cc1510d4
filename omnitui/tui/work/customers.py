"""Link or merge customers (key L): accept a suggestion raised by weak evidence, merge a
customer named by number or by one of their addresses, or link a new address to this
customer (the agent vouches for it). Every outcome is one undoable action."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from omnitui.sanitize import sanitize
from omnitui.services.merge import resolve_link
from omnitui.store.cases import require_case
from omnitui.store.customers import customer_name, merge_suggestions_for
from omnitui.store.db import StoreError
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen, PickScreen, refusal
from omnitui.wording import NO_NAME

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp
    from omnitui.tui.screens.work import WorkScreen

TYPE_IT = "link an address, or merge a customer by number…"


def link(screen: WorkScreen) -> None:
    console = screen.console
    case_id = screen.one_case()
    if case_id is None:
        return
    customer_id = require_case(console.store.conn, case_id)["customer_id"]
    suggestions = merge_suggestions_for(console.store.conn, customer_id)
    if not suggestions:
        _ask(console, case_id, customer_id)
        return
    options = [f"merge #{other} {sanitize(name) or NO_NAME}: {sanitize(evidence)} "
               f"({confidence:.0%})" for _, other, name, confidence, evidence in suggestions]

    def chosen(index: int | None) -> None:
        if index is None:
            return
        if index == len(suggestions):  # from what was typed in the list, if anything
            _ask(console, case_id, customer_id, picker.typed_for(index))
            return
        suggestion, other = suggestions[index][:2]
        _confirm_merge(console, case_id, other, customer_id,  # it merged at enter, unasked
                       lambda: console.desk.accept_suggestion(suggestion),
                       lambda: console.push_screen(picker, chosen))

    picker = PickScreen("Suggested for this customer", [*options, TYPE_IT],
                        kept=(len(options),))
    console.push_screen(picker, chosen)


def _ask(console: OmnituiApp, case_id: int, customer_id: int, typed: str = "") -> None:
    def resolve(text: str) -> tuple[str, object]:
        return resolve_link(console.store.conn, customer_id, text,
                            console.settings.identity.default_phone_region)

    def answered(text: str | None) -> None:
        if not text:
            return
        verb, what = resolve(text)
        if verb == "link":
            kind, value = what  # type: ignore[misc]
            _change(console, case_id, f"{kind} {value} linked",
                    lambda: console.desk.link(customer_id, (kind, value)))
            return
        other = int(what)  # type: ignore[arg-type]
        _confirm_merge(console, case_id, other, customer_id,
                       lambda: console.desk.merge_customers(other, customer_id),
                       lambda: _ask(console, case_id, customer_id, text))  # "n": back to
        # what was typed (it closed the dialog and lost it)

    console.push_screen(AskScreen("Link to this customer: an email, a phone number, a "
                                  "platform:id handle, or #N to merge customer N into it",
                                  typed, check=refusal(resolve, (StoreError,))), answered)


def _confirm_merge(console: OmnituiApp, case_id: int, other: int, customer_id: int,
                   merge: Callable[[], object], back: Callable[[], object]) -> None:
    """Ask before merging customer `other` with `customer_id` (all their cases and
    identities become one customer's); no goes `back` where the agent came from."""
    name = sanitize(customer_name(console.store.conn, other)) or NO_NAME

    def confirmed(yes: bool | None) -> None:
        if yes:
            _change(console, case_id, f"customers #{other} and #{customer_id} merged", merge)
        else:
            back()

    console.push_screen(ConfirmScreen(
        f"Merge customer #{other} {name} and #{customer_id} into one (all their cases and "
        "identities)?"), confirmed)


def _change(console: OmnituiApp, case_id: int, done: str, change: Callable[[], object]) -> None:
    try:
        change()
    except StoreError as exc:
        console.notify(str(exc), severity="error")
        return
    console.cases_changed({case_id})
    console.notify(f"{done} (u takes it back)")
