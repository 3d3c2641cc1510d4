"""The agents table at run time: who works here, with which skills, languages and capacity,
who is present (a console of theirs was heard from lately) or away, and how loaded each one is.

The config's [[agents]] are applied to it when the daemon or a console starts; a console's
agent who is in no config gets a row of their own when they first open one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from omnitui.model import Direction
from omnitui.records import record
from omnitui.store.schema import ACTIVE, TALLY_TRIGGERS

# The statuses that take an agent's attention, so count against their capacity: a case
# waiting on the customer or on someone else does not.
WORKING = ("new", "open")
_ACTIVE = "('new', 'open', 'pending', 'on_hold')"  # the partial indexes' own condition


@record(frozen=True)
class Agent:
    name: str
    display_name: str
    email: str | None
    skills: frozenset[str]
    capacity: dict[str, int]  # open cases per channel class; empty: no limit
    role: str
    away_since: str | None
    seen_at: str | None
    last_assigned_at: str | None
    active: bool = True  # False: taken off the team (`omnitui agents remove`)
    languages: frozenset[str] = frozenset()  # ISO 639-1 codes they answer in

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


_COLUMNS = ("name, display_name, email, skills, capacity, role, away_since, seen_at,"
            " last_assigned_at, active, languages")


def _agent(row: tuple) -> Agent:
    name, display, email, skills, capacity, role, away, seen, assigned, active, spoken = row
    return Agent(name, display, email, frozenset(json.loads(skills)), json.loads(capacity),
                 role, away, seen, assigned, bool(active), frozenset(json.loads(spoken)))


def agents(conn: sqlite3.Connection, columns: str = _COLUMNS) -> list[Agent]:
    """Every active agent, by name."""
    return [_agent(row) for row in conn.execute(
        f"SELECT {columns} FROM agents WHERE active = 1 ORDER BY name")]


def agents_before_upgrade(conn: sqlite3.Connection) -> list[Agent]:
    """Every active agent of a store from schema 10 on, which doctor reads before its
    upgrade: the languages (schema 38) read as none where the store has none yet."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(agents)")}
    return agents(conn, _COLUMNS if "languages" in have
                  else _COLUMNS.replace("languages", "'[]'"))


def agent(conn: sqlite3.Connection, name: str) -> Agent | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM agents WHERE name = ?", (name,)).fetchone()
    return _agent(row) if row else None


@record(frozen=True)
class AgentProfile:
    """What the config says of an agent (the run-time state is the store's own)."""

    name: str
    display_name: str
    email: str
    skills: tuple[str, ...]
    capacity: dict[str, int]
    role: str
    languages: tuple[str, ...] = ()

    def columns(self) -> dict[str, object]:
        return {"display_name": self.display_name, "email": self.email or None,
                "skills": json.dumps(sorted(self.skills)),
                "languages": json.dumps(sorted(self.languages)),
                "capacity": json.dumps(self.capacity, sort_keys=True), "role": self.role,
                "active": 1}


def profiles_differ(conn: sqlite3.Connection, profiles: Sequence[AgentProfile]) -> bool:
    """Whether applying `profiles` would change anything: a console starting reads, and
    takes the write lock only when the config changed."""
    for profile in profiles:
        wanted = profile.columns()
        row = conn.execute(f"SELECT {', '.join(wanted)} FROM agents WHERE name = ?",
                           (profile.name,)).fetchone()
        if row is None or tuple(row) != tuple(wanted.values()):
            return True
    return False


def apply_profiles(conn: sqlite3.Connection, profiles: Sequence[AgentProfile],
                   now: str) -> None:
    for profile in profiles:
        values = profile.columns()
        names = ", ".join(values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values)
        conn.execute(f"INSERT INTO agents (name, created_at, {names})"
                     f" VALUES (?, ?, {', '.join('?' * len(values))})"
                     f" ON CONFLICT(name) DO UPDATE SET {updates}",
                     (profile.name, now, *values.values()))


def set_keys_file(conn: sqlite3.Connection, name: str, path: str | None) -> None:
    conn.execute("UPDATE agents SET keys_file = ? WHERE name = ?", (path, name))


def keys_file(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT keys_file FROM agents WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def deactivate(conn: sqlite3.Connection, name: str) -> None:
    """Off the team: routing and the board no longer see them; their history keeps the name."""
    conn.execute("UPDATE agents SET active = 0, keys_file = NULL WHERE name = ?", (name,))


def unsolved_cases(conn: sqlite3.Connection, owner: str) -> list[int]:
    return [row[0] for row in conn.execute(
        f"SELECT id FROM cases WHERE owner = ? AND status IN {_ACTIVE} ORDER BY id", (owner,))]


def mark_seen(conn: sqlite3.Connection, name: str, now: str) -> None:
    """A console of `name` runs: they are present (a row is made for an agent in no config)."""
    conn.execute("INSERT INTO agents (name, created_at, seen_at) VALUES (?, ?, ?)"
                 " ON CONFLICT(name) DO UPDATE SET seen_at = excluded.seen_at",
                 (name, now, now))


def mark_gone(conn: sqlite3.Connection, name: str, before: str) -> None:
    """A console of `name` closed: they count as gone at once (heard from last at `before`,
    the edge of being present), not for the rest of their presence window; another console
    of theirs still running marks them present again at its next tick."""
    conn.execute("UPDATE agents SET seen_at = ? WHERE name = ? AND seen_at > ?",
                 (before, name, before))


def set_away(conn: sqlite3.Connection, name: str, away: bool, now: str) -> None:
    conn.execute("INSERT INTO agents (name, created_at, away_since) VALUES (?, ?, ?)"
                 " ON CONFLICT(name) DO UPDATE SET away_since = excluded.away_since",
                 (name, now, now if away else None))


def stamp_assigned(conn: sqlite3.Connection, name: str, now: str) -> None:
    conn.execute("UPDATE agents SET last_assigned_at = ? WHERE name = ?", (now, name))


def tallies_deferred(conn: sqlite3.Connection) -> bool:
    """Whether a first bulk load has the tally triggers off (store/bulk_indexes.py): the
    tallies then say nothing of the load's cases until it ends."""
    return conn.execute("SELECT 1 FROM deferred_indexes WHERE name = ?",
                        (TALLY_TRIGGERS[0],)).fetchone() is not None


def open_load(conn: sqlite3.Connection, owner: str, *, counted: bool) -> dict[str, int]:
    """How many cases `owner` works on now (new or open), by channel: the tallies the
    store's triggers keep (schema 23), not a count of their cases at every decision; with
    `counted` (`tallies_deferred`, asked once for the whole team), their cases counted: the
    tallies said 0 open, and a team's first import gave one agent every case."""
    if counted:
        return dict(conn.execute(f"SELECT channel, count(*) FROM cases WHERE owner = ? AND"
                                 f" status IN {ACTIVE} AND status IN ('new', 'open')"
                                 " GROUP BY channel", (owner,)).fetchall())
    return dict(conn.execute("SELECT bucket, n FROM tallies WHERE name = 'working'"
                             " AND key = ? AND n != 0", (owner,)).fetchall())


@dataclass(frozen=True, order=True)
class Waiting:
    """A case nobody has, in the order routing serves them: highest priority first, then
    the longest waiting."""

    rank: tuple[float, int]  # (-priority, id)
    queue: str
    channel: str
    language: str | None = None  # its customer's, if it could be told

    @property
    def case_id(self) -> int:
        return self.rank[1]


_WAITING = "owner IS NULL AND status IN ('new', 'open') AND snoozed_until IS NULL"


def waiting(conn: sqlite3.Connection, queue: str, channels: Sequence[str] | None,
            limit: int) -> list[Waiting]:
    """The first `limit` cases waiting in `queue` (on `channels`; None: any), in routing
    order."""
    on = "" if channels is None else f" AND channel IN ({', '.join('?' * len(channels))})"
    rows = conn.execute(
        f"SELECT id, priority, channel, language FROM cases INDEXED BY cases_waiting WHERE"
        f" {_WAITING} AND queue = ?{on} ORDER BY priority DESC, id LIMIT ?",
        (queue, *(channels or ()), limit)).fetchall()
    return [Waiting((-priority, case_id), queue, channel, language)
            for case_id, priority, channel, language in rows]


def any_waiting(conn: sqlite3.Connection, queues: Sequence[str]) -> bool:
    return any(conn.execute(f"SELECT 1 FROM cases INDEXED BY cases_waiting WHERE {_WAITING}"
                            " AND queue = ? LIMIT 1", (queue,)).fetchone()
               for queue in queues)


def saturated_since(conn: sqlite3.Connection, queue: str) -> str | None:
    row = conn.execute("SELECT saturated_since FROM queue_state WHERE name = ?",
                       (queue,)).fetchone()
    return row[0] if row else None


def set_saturated(conn: sqlite3.Connection, queue: str, since: str | None) -> None:
    """A case has waited in `queue`, its agents here all full, since `since` (None: nothing
    waits, someone is free, or nobody is here)."""
    conn.execute("INSERT INTO queue_state (name, saturated_since) VALUES (?, ?)"
                 " ON CONFLICT(name) DO UPDATE SET saturated_since = excluded.saturated_since",
                 (queue, since))


def waiting_since(conn: sqlite3.Connection, case_id: int) -> str:
    """Since when a waiting case waits in its queue: its latest change of queue, owner,
    status or snooze (the move into it, the owner who let it go, the reopening, the
    waking), else its creation. The audit rows of one case, by their index."""
    key = f'$."cases:{case_id}"'
    row = conn.execute(
        "SELECT max(at) FROM audit WHERE case_id = ? AND (json_type(after, ?) IS NOT NULL"
        " OR json_type(after, ?) IS NOT NULL OR json_type(after, ?) IS NOT NULL"
        " OR json_type(after, ?) IS NOT NULL)",
        (case_id, *(f"{key}.{column}" for column in ("queue", "owner", "status",
                                                    "snoozed_until")))).fetchone()
    if row[0] is not None:
        return str(row[0])
    return str(conn.execute("SELECT created_at FROM cases WHERE id = ?",
                            (case_id,)).fetchone()[0])


def untouched_cases(conn: sqlite3.Connection, owner: str, queues: Sequence[str]) -> list[int]:
    """`owner`'s cases in `queues` with no reply or note of theirs since they got them."""
    marks = ", ".join("?" * len(queues))
    return [row[0] for row in conn.execute(
        f"SELECT id FROM cases c WHERE owner = ? AND status IN {_ACTIVE}"
        f" AND status IN {WORKING} AND queue IN ({marks}) AND NOT EXISTS ("
        " SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction IN (?, ?)"
        " AND m.author = c.owner AND m.created_at >= coalesce(c.assigned_at, ''))"
        " ORDER BY id", (owner, *queues, Direction.OUT, Direction.NOTE))]
