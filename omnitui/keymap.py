"""Every console key: its binding id, default keys, what it does and where it works.

This table is the one list of the console's keys. The console builds its Textual bindings
from it, the help overlay lists it, and the config loader checks `[keymap]` against it — so
`omnitui doctor` and every command refuse a binding id the console would refuse, without
importing Textual.
"""

from __future__ import annotations

import unicodedata

from omnitui.records import record

QUEUE, CASE, BOTH, COMPOSER = "queue", "case", "queue and case", "composer"
EVERYWHERE = "anywhere but a dialog or the composer"  # (they keep what is typed in them)
BOARD = "the supervisor's board"


@record(frozen=True)
class Key:
    id: str
    keys: str  # Textual key names, comma-separated
    description: str
    where: str
    footer: str = ""  # its short name in the footer line; "": not in the footer


KEYS: tuple[Key, ...] = (
    Key("queue.down", "j,down", "Down", QUEUE),
    Key("queue.up", "k,up", "Up", QUEUE),
    Key("queue.half_down", "ctrl+d", "Half page down", QUEUE),
    Key("queue.half_up", "ctrl+u", "Half page up", QUEUE),
    Key("queue.page_down", "pagedown", "Page down", QUEUE),
    Key("queue.page_up", "pageup", "Page up", QUEUE),
    Key("queue.first", "g,home", "First case", QUEUE),
    Key("queue.last", "G,end", "Last case", QUEUE),
    Key("case.open", "enter,l,o", "Open", QUEUE, footer="Open"),
    Key("queue.next_new", "right_square_bracket", "Next case awaiting an answer", QUEUE),
    Key("queue.prev_new", "left_square_bracket", "Previous case awaiting an answer", QUEUE),
    Key("queue.mark", "x", "Mark", QUEUE, footer="Mark"),
    Key("queue.mark_next", "space", "Mark and move down", QUEUE),
    Key("queue.clear", "escape", "Clear marks, then the filter", QUEUE),
    Key("queue.search", "slash", "Search (#N opens case N)", QUEUE),
    Key("queue.filter", "backslash",
        "Filter (status: owner: channel: queue: tag: intent: lang: is: age:)", QUEUE),
    Key("queue.search_next", "n", "Next search hit", BOTH),
    Key("queue.search_prev", "N", "Previous search hit", BOTH),
    Key("queue.sort", "s", "Change the order", QUEUE),
    Key("view.pick", "v", "Pick a view", QUEUE),
    Key("view.next", "greater_than_sign", "Next view", QUEUE),
    Key("view.prev", "less_than_sign", "Previous view", QUEUE),
    Key("app.quit_confirm", "q", "Quit", QUEUE),
    Key("case.close", "escape,h,q", "Back to the queue", CASE, footer="Back"),
    Key("case.next", "J", "Next case", CASE),
    Key("case.prev", "K", "Previous case", CASE),
    Key("timeline.down", "j,down", "Next message", CASE),
    Key("timeline.up", "k,up", "Previous message", CASE),
    Key("timeline.page_down", "space,ctrl+d,pagedown", "Page down (then the next message)",
        CASE),
    Key("timeline.page_up", "ctrl+u,pageup", "Page up", CASE),
    Key("timeline.first", "g,home", "First message", CASE),
    Key("timeline.last", "G,end", "Last message", CASE),
    Key("timeline.search", "slash", "Search this case's messages (then n and N walk them)",
        CASE, footer="Find"),
    Key("message.quoted", "T", "Quoted history", CASE),
    Key("message.raw", "V", "Raw source", CASE),
    Key("message.save", "s", "Save attachments", CASE),
    Key("message.move", "X", "Split off or move the message", CASE),
    Key("message.resend", "e", "Resend our reply that failed (a new attempt, same text)",
        CASE, footer="Resend"),
    Key("case.customer", "C", "Show or hide the customer pane", CASE),
    Key("case.history", "H", "The case's history: who changed what, and why", CASE),
    Key("customer.link", "L", "Link or merge a customer", BOTH),
    Key("case.reply", "r", "Reply", BOTH, footer="Reply"),
    Key("case.reply_all", "R", "Reply all", BOTH),
    Key("case.forward", "f", "Forward", BOTH),
    Key("case.note", "i", "Internal note", BOTH, footer="Note"),
    Key("case.compose", "c", "New message (opens a case)", BOTH),
    Key("case.to_private", "D", "Move to private", BOTH),
    Key("case.assign_me", "a", "Assign to me", BOTH, footer="Take"),
    Key("case.assign_to", "A", "Assign to…", BOTH),
    Key("case.pending", "P", "Pending (asks what it waits on)", BOTH),
    Key("case.solved", "S", "Solved", BOTH, footer="Solved"),
    Key("case.reopen", "O", "Reopen", BOTH, footer="Reopen"),
    Key("case.snooze", "z", "Snooze", BOTH),
    Key("case.tags", "t", "Tags", BOTH),
    Key("case.priority", "p", "Priority", BOTH),
    Key("case.queue", "Q", "Move to a queue", BOTH),
    Key("case.escalate", "E", "Escalate", BOTH),
    Key("case.merge", "M", "Merge the marked cases into this one", QUEUE),
    Key("case.log_contact", "plus", "Log a phone call or walk-up visit", BOTH),
    *(Key(f"macro.{n}", str(n), f"Macro {n}", BOTH) for n in range(1, 10)),
    Key("macro.pick", "m", "Macros", BOTH),
    Key("composer.send", "ctrl+j", "Send", COMPOSER),
    Key("composer.editor", "ctrl+e", "Write in $EDITOR", COMPOSER),
    Key("composer.toggle_internal", "ctrl+t", "Reply or internal note", COMPOSER),
    Key("composer.preview", "ctrl+o", "Preview", COMPOSER),
    Key("composer.article", "ctrl+g", "Insert a suggested knowledge-base article", COMPOSER),
    Key("composer.cancel", "escape", "Cancel", COMPOSER),
    Key("app.undo", "u", "Undo the last action", EVERYWHERE, footer="Undo"),
    Key("app.redo", "U", "Redo what the last undo took back", EVERYWHERE),
    Key("app.away", "at", "I am away / available (routing gives an away agent nothing)",
        EVERYWHERE),
    Key("app.goto", "number_sign", "Go to case number…", EVERYWHERE),
    Key("mode.queue", "f2", "Back to the queue", EVERYWHERE),
    Key("mode.board", "f3", "The supervisor's board: aging, due soon, team, flow", EVERYWHERE),
    Key("board.close", "escape", "Back from the board", BOARD, footer="Back"),
    Key("board.quit", "q", "Quit (as in the queue)", BOARD),
    Key("board.down", "j", "Down the list (as the arrow)", BOARD),
    Key("board.up", "k", "Up the list (as the arrow)", BOARD),
    Key("board.open", "enter", "Open the due case; on another list, its cases in the queue",
        BOARD),
    Key("board.first", "g,home", "First row of the list", BOARD),
    Key("board.last", "G,end", "Last row of the list", BOARD),
    Key("board.next_list", "tab", "The next list (shift+tab: the one before)", BOARD,
        footer="Next list"),
    Key("board.page_down", "pagedown,space", "Scroll the board down", BOARD),
    Key("board.page_up", "pageup", "Scroll the board up", BOARD),
    Key("app.refresh", "ctrl+r", "Refresh", EVERYWHERE),
    Key("app.commands", "ctrl+p,colon", "Commands", EVERYWHERE),
    Key("app.help", "question_mark,f1", "Help: every key", EVERYWHERE, footer="Help"),
)

BY_ID: dict[str, Key] = {key.id: key for key in KEYS}
# Where each key works (the board runs the case keys on its list of cases due soon)
SCREENS = {QUEUE: ("the queue",), CASE: ("a case",), BOTH: ("the queue", "a case", "the board"),
           EVERYWHERE: ("the queue", "a case", "the board"), BOARD: ("the board",),
           COMPOSER: ("the composer",)}


def keymap_problem(keymap: dict[str, str]) -> str | None:
    """What is wrong with a `[keymap]` table (an unknown id or no keys), or None."""
    for binding_id, keys in keymap.items():
        if binding_id not in BY_ID:
            group = binding_id.split(".")[0]
            close = sorted(k for k in BY_ID if k.split(".")[0] == group)
            return (f"keymap.{binding_id} is not a console binding id (press ? in the console "
                    f"to see them all{'; ' + ', '.join(close) if close else ''})")
        if not any(key.strip() for key in keys.split(",")):
            return f"keymap.{binding_id} needs at least one key, got {keys!r}"
    return _clash(keymap)


def key_name(key: str) -> str:
    """A key as Textual names it: "?" is question_mark, "/" slash (its own rule, kept here
    so the config's check needs no Textual; a test holds the two alike)."""
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        name = {"\t": "tab"}.get(key, key)
    return _RENAMED.get(name, name)


_RENAMED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
            "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


def _clash(keymap: dict[str, str]) -> str | None:
    """A key the config gives to a binding that another one has where both work
    (`queue.down = "n"`: n went on finding the next search hit, and down had no key; "?"
    is question_mark, help's)."""
    holder: dict[tuple[str, str], str] = {}
    for key in KEYS:
        for name in (key_name(part.strip()) for part in
                     keymap.get(key.id, key.keys).split(",")):
            for screen in SCREENS[key.where] if name else ():
                other = holder.setdefault((screen, name), key.id)
                if other != key.id and (key.id in keymap or other in keymap):
                    mine, theirs = (key.id, other) if key.id in keymap else (other, key.id)
                    return (f"keymap.{mine}: {name!r} is {theirs}'s key in {screen} "
                            f"({BY_ID[theirs].description}): give that one another key too, "
                            "or choose a free one")
    return None
