"""The SLA columns a store keeps, brought in line with this version's rules, once.

A case's stored due times and flags are what the replay of its history said when it last
changed (services/sla.py). When a version of omnitui changes what the replay says (a case
breached before its pause keeps that due time; a case moved to another queue runs under
that queue's policy), the stored columns of the cases that have not changed since still
give the old answer, in the queue's order, the board's counts and the breach views, until
each case's next event or an `omnitui sla recompute` nobody knew to run. So the daemon, at
its start, replays every unsolved case once per change of the rules (`RULES`, kept in the
store), audited as `sla recompute` audits it (a new store's first start replays its few
unsolved cases once, changing nothing).
"""

from __future__ import annotations

from omnitui.config import Settings
from omnitui.services import sla_applied
from omnitui.services.desk import Desk
from omnitui.store import info
from omnitui.store.db import Store

RULES = 5  # raise it when the replay's rules change what the stored columns say (2: a case
# we opened by writing first has no first response due till the customer writes; 3: nor a
# resolution running: it waits on them, pending; 4: a target breached before a move to a
# queue with longer targets stays breached; 5: a clock started during a pause counts as
# paused only from its start, so its time to our reply is not cut short; and business
# hours opening or closing in the hour a spring clock change skips count from the jump)
KEY = "sla_rules"
ACTOR = "omnitui-sla"


def bring_up_to_date(store: Store, settings: Settings) -> int | None:
    """Replay the unsolved cases' clocks if the store's columns were worked out by older
    rules; how many cases changed (None: nothing to do)."""
    stored = info.get(store.conn, KEY)
    if stored is not None and stored.isdigit() and int(stored) >= RULES:
        with store.write() as conn:  # from before the config's SLA was recorded, or a
            sla_applied.mark_if_nothing_to_repair(conn, settings)  # first sync to come
        return None
    repair = Desk(store, ACTOR, settings).recompute_sla(None, dry_run=False)
    with store.write() as conn:
        info.put(conn, KEY, str(RULES))
    return len(repair.changed)
