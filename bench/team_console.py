#!/usr/bin/env python3
"""One console of the team benchmark (bench/team_bench.py), a process of its own: the real
console app, headless, as AGENT on the store.

    watch: the console in a real terminal (a pty), noting when each new priority of the
           marker case reaches it (the moment it learns of the change and redraws).
    claim: headless, claim every case of IDS_FILE as fast as it can through the console's
           Desk, and write what it won, what it was refused and any store error it saw.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import time
import traceback
from pathlib import Path

from omnitui.config import Settings
from omnitui.demo_team import with_demo_team
from omnitui.triage import semantic
from omnitui.tui.app import OmnituiApp


def watch(app: OmnituiApp, marker: int, out: Path, stop: Path) -> None:
    """The console in this process's terminal (a pty the benchmark drains), noting each new
    priority of the marker case as the console learns of it and redraws."""
    seen: set[float] = set()
    original = app.cases_changed

    def noticed(changed: set[int] | None) -> None:
        original(changed)
        if changed is None or marker in changed:
            value = app.store.conn.execute("SELECT priority FROM cases WHERE id = ?",
                                           (marker,)).fetchone()[0]
            if value not in seen:
                seen.add(value)
                with out.open("a") as handle:
                    handle.write(json.dumps({"priority": value, "at": time.time()}) + "\n")

    def until_stopped() -> None:
        while not app.is_running or any(t.name == "omnitui-semantic"
                                         for t in threading.enumerate()) or \
                (app.settings.semantic.enabled and not semantic.model_for(
                    app.settings.semantic, wait=False)):
            time.sleep(0.1)  # started: the semantic model is loaded too (its thread starts
            # after the first paint, so "no such thread" alone came too early)
        (out.parent / f"{app.agent}.ready").touch()
        while not stop.exists():
            time.sleep(1)
        app.call_from_thread(app.exit)

    app.cases_changed = noticed  # type: ignore[method-assign]
    threading.Thread(target=until_stopped, daemon=True).start()
    app.run()


async def claim(app: OmnituiApp, ids: list[int], out: Path) -> None:
    won, refused, errors, where = [], 0, [], []
    for case_id in ids:
        try:
            result = app.desk.each([case_id], app.desk.claim())[0]
        except Exception as exc:  # what an agent would see as an error
            errors.append(f"{type(exc).__name__}: {exc}")
            where.append(traceback.format_exc().splitlines()[-6:])
            continue
        if result.done:
            won.append(case_id)
        else:
            refused += 1
            if "locked" in (result.refusal or ""):
                errors.append(result.refusal)
        await asyncio.sleep(0)
    out.write_text(json.dumps({"won": won, "refused": refused, "errors": errors,
                                "where": where}))


def main() -> None:
    db, agent, mode, out, extra = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), \
        sys.argv[5]
    logging.basicConfig(filename=out.parent / f"{agent}.log", level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = OmnituiApp(Path(db), with_demo_team(Settings()), agent)
    if mode == "watch":
        watch(app, int(extra), out, out.parent / "stop")
    else:
        asyncio.run(racing(app, json.loads(Path(extra).read_text()), out))


async def racing(app: OmnituiApp, ids: list[int], out: Path) -> None:
    async with app.run_test(headless=True, size=(120, 30)):
        (out.parent / f"{app.agent}.ready").touch()
        await claim(app, ids, out)


if __name__ == "__main__":
    main()
