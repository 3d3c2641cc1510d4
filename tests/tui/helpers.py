"""Driving the console in tests: a real store, Pilot, and what the screen shows."""

from __future__ import annotations

import asyncio
import html
import io
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console

from omnitui.config import Settings
from omnitui.tui.app import OmnituiApp
from omnitui.tui.widgets.case_list import CaseList

Drive = Callable[[OmnituiApp, object], Awaitable[None]]


def drive(path: Path, script: Drive, settings: Settings | None = None,
          agent: str = "alice") -> None:
    async def run() -> None:
        app = OmnituiApp(path, settings or Settings(), agent)
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await settle(app, pilot)
            await script(app, pilot)

    asyncio.run(run())


async def settle(app: OmnituiApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def show_view(app: OmnituiApp, pilot: object, name: str) -> None:
    app.set_view([v.name for v in app.views].index(name))
    await settle(app, pilot)


def queue(app: OmnituiApp) -> CaseList:
    return app.screen_queue().query_one(CaseList)


def screen_text(app: OmnituiApp) -> str:
    """What the terminal shows, line by line, read back from a screenshot."""
    lines: dict[int, list[str]] = {}
    for number, text in re.findall(r'clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>',
                                   app.export_screenshot()):
        lines.setdefault(int(number), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(lines.items()))




def rendered(renderable: object, width: int = 100) -> str:
    """A rich renderable (a table, a group) as the plain text it shows."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()
