#!/usr/bin/env python3
"""The console's own timeline: runs `omnitui` (the arguments are its own) with the
start-up's work and each keystroke's reads logged as they begin and end, with the thread
each ran on, in ms since the process started, to the file $TIMELINE (default
bench/out/console-timeline.log). For what blocks the UI thread or competes with it in the
first seconds, where py-spy's totals cannot say when:

    python bench/console_timeline.py --db /tmp/wtstart-1m.db --agent farid   # in tmux
    grep -v "_poll\\|keep_presence" bench/out/console-timeline.log

It wraps module attributes, so it times the checkout it imports (PYTHONPATH decides).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
OUT = Path(os.environ.get("TIMELINE", Path(__file__).resolve().parent / "out"
                          / "console-timeline.log"))
OUT.parent.mkdir(exist_ok=True)
LOG = OUT.open("w", buffering=1)


def log(what: str) -> None:
    LOG.write(f"{(time.perf_counter() - STARTED) * 1000:8.1f} "
              f"{threading.current_thread().name[:14]:14} {what}\n")


def timed(owner: Any, name: str) -> None:
    """Log when owner.name begins and ends."""
    wrapped = getattr(owner, name)
    label = f"{getattr(owner, '__name__', '?')}.{name}"

    @functools.wraps(wrapped)
    def timing(*args: Any, **kwargs: Any) -> Any:
        log(f"> {label}")
        began = time.perf_counter()
        try:
            return wrapped(*args, **kwargs)
        finally:
            log(f"< {label} {(time.perf_counter() - began) * 1000:.1f} ms")

    setattr(owner, name, timing)


def main() -> None:
    from textual import events

    import omnitui.services.routing as routing
    import omnitui.tui.app as app
    import omnitui.tui.screens.queue as queue
    import omnitui.tui.similar_cache as similar
    from omnitui.cli import main as omnitui

    for name in ("show_first_page", "_show_ids", "_learn_vocabulary"):
        timed(queue.QueueScreen, name)
    for name in ("queue_ids", "list_cases", "known_agents", "distinct_values", "summaries"):
        timed(queue, name)
    for name in ("_after_first_paint", "refresh_health", "_poll", "prepare_composer",
                 "_learn_meaning", "keep_presence", "_leave_cases"):
        timed(app.OmnituiApp, name)
    for name in ("preload", "keep_holidays", "refresh_kb"):
        timed(app, name)
    timed(routing, "apply_agents")
    timed(similar.SimilarCases, "find")
    on_event = app.OmnituiApp.on_event

    async def keys_logged(self: app.OmnituiApp, event: events.Event) -> None:
        if isinstance(event, events.Key):
            log(f"key {event.key}")
        await on_event(self, event)

    app.OmnituiApp.on_event = keys_logged  # type: ignore[method-assign]
    log("start")
    sys.argv = ["omnitui", *sys.argv[1:]]
    omnitui()


if __name__ == "__main__":
    main()
