"""Driving the console in tests: a real store, Pilot, and what the screen shows."""

from __future__ import annotations

import asyncio
import fcntl
import html
import io
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console
from textual.widgets import Input
from textual.worker import WorkerCancelled

from omnitui.config import Settings
from omnitui.store.db import utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.widgets.case_list import CaseList

Drive = Callable[[OmnituiApp, object], Awaitable[None]]


def one_email_case(path: Path, subject: str, bodies: list[str]) -> Path:
    """A store at `path` with one email case: a thread of `bodies`, oldest first, a minute
    apart, each replying to the one before."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.ingest.pipeline import Pipeline
    from omnitui.store.db import Store
    from tests.conftest import ago, make_email

    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        for at, body in enumerate(bodies):
            pipeline.ingest(parse_email(make_email(
                subject=subject if at == 0 else f"Re: {subject}", body=body,
                message_id=f"message-{at}@example.com",
                in_reply_to=f"message-{at - 1}@example.com" if at else None,
                date=ago(minutes=30 - at))))
    return path


def highlighted(box: object) -> list[str]:
    """The pieces of a message's box drawn as search hits."""
    from rich.text import Text

    from omnitui.tui.hits import HIT_STYLE

    return [part.plain[span.start:span.end] for part in box.content.renderables  # type: ignore[attr-defined]
            if isinstance(part, Text) for span in part.spans if span.style == HIT_STYLE]


def drive(path: Path, script: Drive, settings: Settings | None = None,
          agent: str = "alice", clock: Callable[[], datetime] = utc_now,
          size: tuple[int, int] = (120, 30)) -> None:
    async def run() -> None:
        app = OmnituiApp(path, settings or Settings(), agent, clock=clock)
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(app, pilot)
            await script(app, pilot)

    asyncio.run(run())


async def settle(app: OmnituiApp, pilot: object) -> None:
    for _ in range(5):
        try:
            await app.workers.wait_for_complete()
            break
        except WorkerCancelled:  # an exclusive worker (the board's read) was replaced by a
            continue             # newer one while waited for: wait for that one
    await pilot.pause()  # type: ignore[attr-defined]


async def wait_for(condition: object, app: OmnituiApp, pilot: object,
                   seconds: float = 5.0) -> None:
    """Until `condition()` holds: on a loaded machine a key's effect (a dialog pushed) can
    come after `settle`."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    assert condition(), "timed out"  # type: ignore[operator]


async def show_view(app: OmnituiApp, pilot: object, name: str) -> None:
    app.queue.set_view([v.name for v in app.queue.views].index(name))
    await settle(app, pilot)


async def answer(app: OmnituiApp, pilot: object, text: str) -> str:
    """Type an answer into the dialog on screen and press enter; what the screen shows."""
    app.screen.query_one(Input).value = text
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    return screen_text(app)


def queue(app: OmnituiApp) -> CaseList:
    return app.queue.query_one(CaseList)


def screen_text(app: OmnituiApp) -> str:
    """What the terminal shows, line by line, read back from a screenshot. Each piece of
    text is put at its own column (blank runs are not always drawn as text)."""
    lines: dict[int, dict[int, str]] = {}
    for x, length, number, raw in re.findall(
            r'<text [^>]*x="([\d.]+)"[^>]*textLength="([\d.]+)"[^>]*'
            r'clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>',
            app.export_screenshot()):
        text = html.unescape(raw).replace("\xa0", " ")
        if text:
            column = round(float(x) / (float(length) / len(text)))
            lines.setdefault(int(number), {})[column] = text
    rendered = []
    for _, parts in sorted(lines.items()):
        line = ""
        for column, text in sorted(parts.items()):
            line = line.ljust(column) + text
        rendered.append(line.rstrip())
    return "\n".join(rendered)




def rendered(renderable: object, width: int = 100) -> str:
    """A rich renderable (a table, a group) as the plain text it shows."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


class Terminal:
    """A real terminal (a pty) running a command: type into it, read what it draws."""

    def __init__(self, command: list[str], *, env: dict[str, str], size: tuple[int, int]
                 = (120, 30), term: str = "xterm-256color") -> None:
        self.controller, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.process = subprocess.Popen(command, stdin=terminal, stdout=terminal,
                                        stderr=terminal, start_new_session=True,
                                        env={**env, "TERM": term})
        os.close(terminal)
        os.set_blocking(self.controller, False)
        self.output = bytearray()

    def read_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.output.extend(os.read(self.controller, 65536))
            except BlockingIOError:
                time.sleep(0.02)
            except OSError:  # the program is gone
                return

    def type(self, keys: bytes, then_wait: float = 0.5) -> None:
        os.write(self.controller, keys)
        self.read_for(then_wait)

    def exit_status(self, within: float) -> int | None:
        """Its exit status once it ends, reading what it draws meanwhile; None if it still
        runs after `within` seconds (a loaded machine is slow, a hang is not that slow)."""
        deadline = time.monotonic() + within
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read_for(0.1)
        self.read_for(0.2)  # what it wrote as it went
        return self.process.poll()

    def close(self) -> int:
        """Kill what still runs (as a lost connection would) and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        status = self.process.wait(10)
        os.close(self.controller)
        return status


async def open_case_by_id(app: OmnituiApp, pilot: object, case_id: int) -> None:
    """Walk the queue down to the case and open it."""
    cases = queue(app)
    for _ in range(len(cases.ids)):
        if cases.current_id == case_id:
            break
        await pilot.press("j")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
