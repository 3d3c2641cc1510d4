"""One case: header, customer, and the timeline with why each message joined the case."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from omnitui.model import CaseDetail
from omnitui.sanitize import sanitize

ARROWS = {"in": "←", "out": "→", "note": "✎"}


def _plain(text: str | None, *, multiline: bool = False) -> Text:
    """Outside text, sanitized and shown literally (never as markup)."""
    return Text(sanitize(text or "", multiline=multiline))


def render_case(detail: CaseDetail) -> Group:
    case, who = detail.case, detail.customer
    title = Text(f"#{case.id}  ", style="bold")
    title.append(_plain(case.subject or "(no subject)"))
    facts = Text(f"{case.status} · queue {sanitize(case.queue)} · owner "
                 f"{sanitize(case.owner or '-')} · priority {case.priority:g} · SLA due "
                 f"{case.sla_due or '-'} · reopened {detail.reopens}x", style="dim")
    customer = Text("customer: ", style="bold")
    customer.append(_plain(f"{who.name} (#{who.id}, {who.tier})"))
    customer.append("  ")
    customer.append(_plain(", ".join(f"{kind} {value}" for kind, value in who.identities)))
    parts: list[Text] = [title, facts, customer]
    for m in detail.messages:
        head = Text(f"\n{ARROWS.get(m.direction, '?')} {m.created_at} {m.channel} ",
                    style="bold magenta" if m.direction == "note" else "bold")
        head.append(_plain(m.author or "(unknown sender)"))
        parts.append(head)
        if m.thread_reason:
            parts.append(Text("  joined: ", style="dim") + _plain(m.thread_reason))
        for problem in m.parse_errors:
            parts.append(Text("  parse error: ", style="red") + _plain(problem))
        parts.append(_plain(m.text.strip() or "(no text)", multiline=True))
        for a in m.attachments:
            parts.append(Text("  attachment: ") + _plain(f"{a.filename} ({a.mime}, {a.size} B)"))
    return Group(*parts)


class CaseScreen(Screen[None]):
    DEFAULT_CSS = """
    CaseScreen #presence { height: auto; }
    """
    BINDINGS = [
        Binding("escape,h,q", "app.pop_screen", "Back", id="case.close"),
        Binding("J", "app.step_case(1)", "Next case", id="case.next"),
        Binding("K", "app.step_case(-1)", "Previous case", id="case.prev"),
    ]

    def __init__(self, detail: CaseDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield Static("", id="presence")
        with VerticalScroll(id="timeline"):
            yield Static(render_case(self.detail), id="case-body")
        yield Footer()

    def show(self, detail: CaseDetail | None) -> None:
        """Redraw after another agent or the daemon changed this case."""
        if detail is not None:
            other_case = detail.case.id != self.detail.case.id
            self.detail = detail
            self.query_one("#case-body", Static).update(render_case(detail))
            if other_case:
                self.query_one("#timeline", VerticalScroll).scroll_home(animate=False)

    def show_presence(self, others: list[tuple[str, str]]) -> None:
        """Who else is on this case: the warning before two agents answer at once."""
        line = Text()
        if others:
            line.append(" ⚠ also here: ", style="bold yellow")
            line.append(", ".join(f"{sanitize(agent)} ({activity})"
                                  for agent, activity in others))
        self.query_one("#presence", Static).update(line)
