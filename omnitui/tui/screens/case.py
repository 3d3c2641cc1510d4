"""One case: its facts, the customer's whole timeline, and the customer pane.

The timeline is one widget per message so the agent can walk it with j/k and act on the
highlighted message: unfold its quoted history, read its raw source, save its attachments,
move it to another case.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from omnitui.model import CaseDetail, CustomerView, MessageView
from omnitui.output import sla_countdown
from omnitui.quotes import split_reply
from omnitui.sanitize import sanitize

ARROWS = {"in": "←", "out": "→", "note": "✎"}
DELIVERY_STYLES = {"queued": "yellow", "sending": "yellow", "sent": "green", "failed": "bold red"}


def plain(text: str | None, *, multiline: bool = False) -> Text:
    """Outside text, sanitized and shown literally (never as markup)."""
    return Text(sanitize(text or "", multiline=multiline))


def render_facts(detail: CaseDetail, now: datetime) -> Group:
    case = detail.case
    title = Text(f"#{case.id}  ", style="bold")
    title.append(plain(case.subject or "(no subject)"))
    facts = Text(f"{case.status.replace('_', ' ')} · {case.channel} · queue "
                 f"{sanitize(case.queue)} · owner {sanitize(case.owner or '-')} · priority "
                 f"{case.priority:g} · SLA {sla_countdown(case.sla_due, case.status, now)}"
                 f"{f' (due {case.sla_due} UTC)' if case.sla_due else ''} · reopened "
                 f"{detail.reopens}x", style="dim")
    if case.tags:
        facts.append(" · tags " + sanitize(" ".join(case.tags)))
    return Group(title, facts)


def render_message(m: MessageView, case_id: int, *, unfolded: bool) -> Group:
    style = "bold magenta" if m.direction == "note" else "bold"
    head = Text(f"{ARROWS.get(m.direction, '?')} {m.created_at} UTC {m.channel} ", style=style)
    head.append(plain(m.author or "(unknown sender)"))
    if m.direction == "note":
        head.append("  internal note", style="magenta")
    if m.case_id != case_id:
        head.append(f"  case #{m.case_id}", style="cyan")
    if m.delivery:
        head.append(f"  {m.delivery}", style=DELIVERY_STYLES.get(m.delivery, ""))
    parts: list[Text] = [head]
    if m.delivery_note:
        parts.append(Text("  ") + plain(m.delivery_note))
    if m.auto_submitted:
        parts.append(Text("  automatic: ", style="dim") + plain(m.auto_submitted))
    if m.thread_reason:
        parts.append(Text("  joined: ", style="dim") + plain(m.thread_reason))
    for problem in m.parse_errors:
        parts.append(Text("  parse error: ", style="red") + plain(problem))
    split = split_reply(m.text)
    if unfolded or not split.folded:
        parts.append(plain(m.text.strip() or "(no text)", multiline=True))
    else:
        parts.append(plain(split.body.strip() or "(no text)", multiline=True))
        hidden = len(split.folded.strip().splitlines())
        parts.append(Text(f"  … {hidden} lines of quoted history or signature (T shows them)",
                          style="dim italic"))
    for a in m.attachments:
        parts.append(Text("  attachment: ") + plain(f"{a.filename} ({a.mime}, {a.size:,} B)"))
    return Group(*parts)


def render_customer(who: CustomerView, case_id: int) -> Group:
    parts = [Text("Customer", style="bold underline"),
             plain(who.name or "(no name)") + Text(f"  #{who.id}", style="dim"),
             Text(f"tier {who.tier}") + (Text(" · prefers ") + plain(who.preferred_channel)
                                         if who.preferred_channel else Text("")),
             Text("\nIdentities", style="bold")]
    parts += [Text(f"  {kind} ") + plain(value) for kind, value in who.identities]
    if who.attributes:
        parts.append(Text("\nAttributes", style="bold"))
        parts += [plain(f"  {key}: {value}") for key, value in who.attributes.items()]
    others = [c for c in who.open_cases if c[0] != case_id]
    parts.append(Text("\nOther open cases", style="bold"))
    parts += [Text(f"  #{cid} {status} ") + plain(subject) for cid, status, subject in others]
    if not others:
        parts.append(Text("  none", style="dim"))
    if who.notes:
        parts += [Text("\nNotes", style="bold"), plain(who.notes, multiline=True)]
    return Group(*parts)


class MessageBox(Static):
    """One timeline entry; its quoted history folds and unfolds."""

    DEFAULT_CSS = """
    MessageBox { padding: 0 1; margin-bottom: 1; border-left: blank; }
    MessageBox.-current { border-left: thick $accent; background: $boost; }
    MessageBox.-other-case { opacity: 70%; }
    """

    def __init__(self, message: MessageView, case_id: int) -> None:
        super().__init__(render_message(message, case_id, unfolded=False))
        self.message = message
        self.case_id = case_id
        self.unfolded = False
        if message.case_id != case_id:
            self.add_class("-other-case")

    def toggle_quoted(self) -> None:
        self.unfolded = not self.unfolded
        self.update(render_message(self.message, self.case_id, unfolded=self.unfolded))


class CaseScreen(Screen[None]):
    DEFAULT_CSS = """
    CaseScreen #presence { height: auto; }
    CaseScreen #facts { height: auto; padding: 0 1; border-bottom: solid $primary; }
    CaseScreen #timeline { width: 1fr; }
    CaseScreen #customer { width: 42; border-left: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,h,q", "app.pop_screen", "Back", id="case.close"),
        Binding("J", "app.step_case(1)", "Next case", id="case.next", show=False),
        Binding("K", "app.step_case(-1)", "Previous case", id="case.prev", show=False),
        Binding("j,down", "step_message(1)", "Next message", id="timeline.down", show=False),
        Binding("k,up", "step_message(-1)", "Previous message", id="timeline.up",
                show=False),
        Binding("T", "toggle_quoted", "Quoted", id="message.quoted"),
        Binding("V", "app.raw_source", "Raw", id="message.raw", show=False),
        Binding("s", "app.save_attachments", "Save attachments", id="message.save",
                show=False),
        Binding("X", "app.move_message", "Move message", id="message.move", show=False),
    ]

    def __init__(self, detail: CaseDetail) -> None:
        super().__init__()
        self.detail = detail
        self.current = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="presence")
        yield Static(render_facts(self.detail, self.app.clock()), id="facts")
        with Horizontal():
            yield VerticalScroll(id="timeline")
            with VerticalScroll(id="customer"):
                yield Static(render_customer(self.detail.customer, self.detail.case.id),
                             id="customer-body")
        yield Footer()

    async def on_mount(self) -> None:
        await self._fill_timeline(first=True)

    async def _fill_timeline(self, *, first: bool) -> None:
        timeline = self.query_one("#timeline", VerticalScroll)
        kept = self.current_message
        await timeline.remove_children()
        boxes = [MessageBox(m, self.detail.case.id) for m in self.detail.messages]
        await timeline.mount_all(boxes)
        ids = [m.id for m in self.detail.messages]
        if not first and kept is not None and kept.id in ids:
            self.current = ids.index(kept.id)
        else:  # the newest message of this case is what the agent came to read
            own = [i for i, m in enumerate(self.detail.messages)
                   if m.case_id == self.detail.case.id]
            self.current = own[-1] if own else max(len(boxes) - 1, 0)
        self.call_after_refresh(self._highlight)  # scrolling needs the boxes laid out

    @property
    def boxes(self) -> list[MessageBox]:
        return list(self.query(MessageBox))

    @property
    def current_message(self) -> MessageView | None:
        boxes = self.boxes
        return boxes[self.current].message if 0 <= self.current < len(boxes) else None

    def _highlight(self) -> None:
        """Mark the current message; only the two boxes that change get restyled (a class
        change restyles a widget, and a long timeline has hundreds)."""
        for box in self.query(".-current"):
            box.remove_class("-current")
        boxes = self.boxes
        if 0 <= self.current < len(boxes):
            boxes[self.current].add_class("-current")
            self.query_one("#timeline", VerticalScroll).scroll_to_widget(
                boxes[self.current], animate=False, top=False)

    def action_step_message(self, step: int) -> None:
        self.current = max(0, min(len(self.boxes) - 1, self.current + step))
        self._highlight()

    def jump_to_match(self, words: list[str], step: int) -> bool:
        """Highlight the next (step 1) or previous (-1) message containing every word."""
        wanted = [w.casefold() for w in words]
        messages = self.detail.messages
        index = self.current + step
        while 0 <= index < len(messages):
            text = f"{messages[index].subject}\n{messages[index].text}".casefold()
            if all(w in text for w in wanted):
                self.current = index
                self._highlight()
                return True
            index += step
        return False

    def action_toggle_quoted(self) -> None:
        boxes = self.boxes
        if 0 <= self.current < len(boxes):
            boxes[self.current].toggle_quoted()

    def show(self, detail: CaseDetail | None) -> None:
        """Redraw after another agent or the daemon changed this case, or for J/K."""
        if detail is None:
            return
        other_case = detail.case.id != self.detail.case.id
        self.detail = detail
        self.query_one("#facts", Static).update(render_facts(detail, self.app.clock()))
        self.query_one("#customer-body", Static).update(
            render_customer(detail.customer, detail.case.id))
        self.run_worker(self._fill_timeline(first=other_case), group="timeline",
                        exclusive=True)

    def show_presence(self, others: list[tuple[str, str]]) -> None:
        """Who else is on this case: the warning before two agents answer at once."""
        shown = self.query("#presence")
        if not shown:
            return  # still being put together; the next poll draws it
        line = Text()
        if others:
            line.append(" ⚠ also here: ", style="bold yellow")
            line.append(", ".join(f"{sanitize(agent)} ({activity})"
                                  for agent, activity in others))
        shown.first(Static).update(line)
