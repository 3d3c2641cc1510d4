"""Each channel's health and the daemon's heartbeat, as the daemon reports them.

The console's status bar and `omnitui doctor` read these; the daemon writes them. A daemon
whose heartbeat is old is shown as silent: it may have died without saying so.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from omnitui.records import record
from omnitui.store.db import db_time, parse_db_time

SILENT_AFTER = timedelta(seconds=60)  # a running daemon beats every few seconds
QUIET_DAY = timedelta(days=1)  # refusals this far apart are no longer "of late"


@record(frozen=True)
class ChannelState:
    channel: str
    account: str
    last_sync_at: str | None
    last_error: str
    last_error_at: str | None
    backlog: int  # items on the server not yet in the store (a mailbox's lag)
    rejected: int = 0  # webhook requests refused (forged, expired, unsigned) since created
    rejected_lately: int = 0  # of those, the ones since the last day without a refusal
    last_rejected_at: str | None = None

    @property
    def failing(self) -> bool:
        """The last thing that happened to this channel was an error."""
        return bool(self.last_error) and (self.last_sync_at or "") <= (self.last_error_at or "")

    def refusing(self, now: datetime) -> bool:
        """A request was refused within the last day: worth an agent's glance, where a
        forged request a month ago (as any public endpoint gets) is not."""
        return self.last_rejected_at is not None and \
            now - parse_db_time(self.last_rejected_at) < QUIET_DAY


@record(frozen=True)
class DaemonState:
    state: str  # running | stopped
    pid: int | None
    host: str
    started_at: str | None
    heartbeat_at: str | None

    def alive(self, now: datetime) -> bool:
        """Running and heard from lately: a daemon killed without warning stays "running"
        in its row, but its heartbeat stops."""
        return self.state == "running" and self.heartbeat_at is not None and \
            now - parse_db_time(self.heartbeat_at) <= SILENT_AFTER


def record_sync(conn: sqlite3.Connection, channel: str, account: str, *, at: str,
                backlog: int = 0) -> None:
    """A successful sync; clears the channel's error."""
    conn.execute(
        "INSERT INTO channel_health (channel, account, last_sync_at, backlog, last_error,"
        " updated_at) VALUES (?, ?, ?, ?, '', ?) ON CONFLICT (channel, account) DO UPDATE SET"
        " last_sync_at = excluded.last_sync_at, backlog = excluded.backlog, last_error = '',"
        " updated_at = excluded.updated_at", (channel, account, at, backlog, at))


def record_error(conn: sqlite3.Connection, channel: str, account: str, error: str, *,
                 at: str) -> None:
    conn.execute(
        "INSERT INTO channel_health (channel, account, last_error, last_error_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, account) DO UPDATE SET"
        " last_error = excluded.last_error, last_error_at = excluded.last_error_at,"
        " updated_at = excluded.updated_at", (channel, account, error, at, at))


def record_rejected(conn: sqlite3.Connection, channel: str, account: str, count: int, *,
                    at: str) -> None:
    """Refused requests are counted, never stored: a flood of forgeries costs one row. The
    count of late starts again after a quiet day (`ChannelState.refusing`)."""
    quiet_since = db_time(parse_db_time(at) - QUIET_DAY)
    conn.execute(
        "INSERT INTO channel_health (channel, account, rejected, rejected_lately,"
        " last_rejected_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, account) DO UPDATE SET"
        " rejected = rejected + excluded.rejected,"
        " rejected_lately = excluded.rejected + CASE WHEN last_rejected_at > ?"
        " THEN rejected_lately ELSE 0 END,"
        " last_rejected_at = excluded.last_rejected_at, updated_at = excluded.updated_at",
        (channel, account, count, count, at, at, quiet_since))


def channel_states(conn: sqlite3.Connection, *, lately: bool = True) -> list[ChannelState]:
    """`lately` False: a store older than schema 36, which kept no refusals of late (doctor
    reads a store before its upgrade)."""
    of_late = "rejected_lately, last_rejected_at" if lately else "0, NULL"
    return [ChannelState(*r) for r in conn.execute(
        "SELECT channel, account, last_sync_at, last_error, last_error_at, backlog, rejected,"
        f" {of_late} FROM channel_health ORDER BY channel, account")]


def heartbeat(conn: sqlite3.Connection, *, pid: int, host: str, at: str,
              started_at: str) -> None:
    conn.execute(
        "INSERT INTO daemon (id, pid, host, state, started_at, heartbeat_at)"
        " VALUES (1, ?, ?, 'running', ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid,"
        " host = excluded.host, state = 'running', started_at = excluded.started_at,"
        " heartbeat_at = excluded.heartbeat_at", (pid, host, started_at, at))


def daemon_stopped(conn: sqlite3.Connection, *, at: str) -> None:
    conn.execute("UPDATE daemon SET state = 'stopped', heartbeat_at = ? WHERE id = 1", (at,))


def daemon_state(conn: sqlite3.Connection) -> DaemonState | None:
    row = conn.execute("SELECT state, pid, host, started_at, heartbeat_at FROM daemon"
                       " WHERE id = 1").fetchone()
    return DaemonState(*row) if row else None
