"""Whether the open cases' stored clocks were worked out under the config's SLA as it is.

A policy changed in the config applies to open cases when `omnitui sla recompute` says so
(an SLA repair, audited, with a dry run first): until then their stored due times — the
queue's SLA column and order, the board, the breach views — keep the old policy's answer,
while a case's own screen replays its clocks under the new one. The store keeps a
fingerprint of what the replay reads of the config as of the last repair (or the daemon's
first start), so `omnitui doctor` and the daemon can say the two disagree, and what to run.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from omnitui.config import Settings
from omnitui.store import info
from omnitui.store.cases import any_unsolved, replayable_case_ids

KEY = "sla_config"


def fingerprint(settings: Settings) -> str:
    """What the clocks' replay reads of the config: the policies and [sla], the business
    hours, each queue's policy and the channel classes."""
    import hashlib  # here: not on any command's start

    read = {"sla": dataclasses.asdict(settings.sla),
            "policies": [dataclasses.asdict(policy) for policy in settings.sla_policies],
            "hours": dataclasses.asdict(settings.business_hours),
            "queues": {queue.name: queue.sla_policy for queue in settings.queues},
            "classes": settings.routing.channel_classes}
    text = json.dumps(read, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cases_off_config(conn: sqlite3.Connection, settings: Settings) -> list[int]:
    """The open cases whose stored clocks the repair would change, when the config's SLA
    differs from the one they were last worked out under: those `omnitui sla recompute
    --dry-run` lists. None when it does not, or none was recorded yet, or no case is open (a
    new install setting its hours after `init` has no clock to repair), nor when the change
    moves no open case's clock (a policy no open case runs under, hours a 24x7 policy does
    not read): there is nothing to repair. Only a changed config pays for the replay of
    every open case."""
    from omnitui.services.sla import SlaKeeper, moved  # here: not on any command's start

    stored = info.get(conn, KEY)
    if stored is None or stored == fingerprint(settings) or not any_unsolved(conn):
        return []
    return [case_id for case_id, now, replayed in SlaKeeper(settings).recompute(
                conn, replayable_case_ids(conn, None))
            if now is not None and moved(now, replayed)]


def mark_applied(conn: sqlite3.Connection, settings: Settings) -> None:
    """The stored clocks follow the config's SLA as it is now (inside the caller's write
    transaction)."""
    info.put(conn, KEY, fingerprint(settings))


def mark_if_nothing_to_repair(conn: sqlite3.Connection, settings: Settings) -> None:
    """A store that recorded none (new, or from before this), or has no unsolved case,
    takes the config as it is: no stored clock follows another one (a new install that set
    its hours and policies after `init`, then imported its mail, was told to repair
    clocks worked out under them)."""
    stored = info.get(conn, KEY)
    if stored is None or (stored != fingerprint(settings) and not any_unsolved(conn)):
        mark_applied(conn, settings)


ADVICE = ("`omnitui sla recompute --dry-run` shows what applying them to the open cases "
          "changes, then `omnitui sla recompute` applies them")
