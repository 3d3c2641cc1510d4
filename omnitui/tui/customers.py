"""Link or merge customers from the console (key L): accept a suggestion raised by weak
evidence, merge a customer named by number or by one of their addresses, or link a new
address to this customer. Every outcome is one undoable action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from omnitui.sanitize import sanitize
from omnitui.services.merge import resolve_link
from omnitui.store.cases import require_case
from omnitui.store.customers import customer_name, merge_suggestions_for
from omnitui.store.db import StoreError
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen, PickScreen, refusal

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

TYPE_IT = "link an address, or merge a customer by number…"


class CustomerActions:
    def action_link_customer(self: OmnituiApp) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            return
        customer_id = require_case(self.store.conn, case_id)["customer_id"]
        suggestions = merge_suggestions_for(self.store.conn, customer_id)
        if not suggestions:
            self._ask_link(case_id, customer_id)
            return
        options = [f"merge #{other} {sanitize(name) or '(no name)'}: {sanitize(evidence)} "
                   f"({confidence:.0%})" for _, other, name, confidence, evidence in suggestions]

        def chosen(index: int | None) -> None:
            if index is None:
                return
            if index == len(suggestions):
                self._ask_link(case_id, customer_id)
                return
            self._run_customer_change(case_id, "suggestion accepted",
                                      lambda: self.desk.accept_suggestion(
                                          suggestions[index][0]))

        self.push_screen(PickScreen("Suggested for this customer", [*options, TYPE_IT]),
                         chosen)

    def _ask_link(self: OmnituiApp, case_id: int, customer_id: int) -> None:
        def resolve(text: str) -> tuple[str, object]:
            return resolve_link(self.store.conn, customer_id, text,
                                self.settings.identity.default_phone_region)

        def answered(text: str | None) -> None:
            if not text:
                return
            verb, what = resolve(text)
            if verb == "link":
                kind, value = what  # type: ignore[misc]
                self._run_customer_change(case_id, f"{kind} {value} linked",
                                          lambda: self.desk.link(customer_id, (kind, value)))
                return
            other = int(what)  # type: ignore[arg-type]
            name = sanitize(customer_name(self.store.conn, other)) or "(no name)"

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._run_customer_change(
                        case_id, f"customer #{other} merged into #{customer_id}",
                        lambda: self.desk.merge_customers(other, customer_id))

            self.push_screen(ConfirmScreen(
                f"Merge customer #{other} {name} (with all their cases and identities) "
                f"into #{customer_id}?"), confirmed)

        self.push_screen(AskScreen("Link to this customer: an email, a phone number, a "
                                   "platform:id handle, or #N to merge customer N into it",
                                   check=refusal(resolve, (StoreError,))), answered)

    def _run_customer_change(self: OmnituiApp, case_id: int, done: str, change) -> None:
        try:
            change()
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self._after_change({case_id})
        self.notify(f"{done} (u takes it back)")
