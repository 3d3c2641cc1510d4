"""Read-only facts about a store file for `omnitui doctor`; nothing here migrates or writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from omnitui.store.schema import STABLE_NAMES, TALLY_TRIGGERS


def open_unmigrated(path: Path) -> sqlite3.Connection:
    """A plain connection that applies no pragmas or migrations (FTS5 checks need rw)."""
    return sqlite3.connect(path, timeout=5)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0]


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """SQLite's quick_check findings; empty when the file is sound."""
    problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
    return [] if problems == ["ok"] else problems


def search_index_problem(conn: sqlite3.Connection, table: str) -> str | None:
    """None when the FTS5 index matches its content table, else the error."""
    if table not in ("messages_fts", "customers_fts"):
        raise ValueError(table)
    try:
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None


def messages_with_parse_errors(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM messages WHERE parse_errors != '[]'").fetchone()[0]


def rebuild_statement(table: str) -> str:
    """The SQL a person runs to rebuild a drifted search index."""
    return f"INSERT INTO {table}({table}) VALUES('rebuild')"


def missing_stable_names(conn: sqlite3.Connection) -> list[str]:
    """Documented tables and columns the file lacks (a hand-edited or foreign file)."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    missing = []
    for table, columns in STABLE_NAMES.items():
        if not db[table].exists():
            missing.append(table)
        else:
            missing.extend(f"{table}.{c}" for c in sorted(columns - set(db[table].columns_dict)))
    return missing


def failed_replies(conn: sqlite3.Connection) -> tuple[int, tuple[int, str] | None, int]:
    """Replies that failed for good (schema 3): how many on cases still to be worked, the
    newest of them (case id, last error), and how many are history: on solved or closed
    cases, or followed by a reply to the customer that went out (one hard-bounced address
    kept doctor failing for ever, and so did a reply written again, as its fix said; a
    forward or a survey sent since answers nothing)."""
    pending = ("c.status NOT IN ('solved', 'closed') AND NOT EXISTS (SELECT 1 FROM outbox"
               " later JOIN messages m ON m.id = later.message_id WHERE later.case_id ="
               " o.case_id AND later.id > o.id AND later.status = 'sent' AND"
               " m.auto_submitted IS NULL AND coalesce(m.response, '') != 'none')")
    open_, finished = conn.execute(
        f"SELECT count(*) FILTER (WHERE {pending}), count(*) FILTER (WHERE NOT ({pending}))"
        " FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.status = 'failed'"
    ).fetchone()
    newest = conn.execute(
        "SELECT o.case_id, o.last_error FROM outbox o JOIN cases c ON c.id = o.case_id"
        f" WHERE o.status = 'failed' AND {pending} ORDER BY o.id DESC LIMIT 1").fetchone()
    return open_, (newest[0], newest[1]) if newest else None, finished


def waiting_replies(conn: sqlite3.Connection, older_than: str) -> int:
    """Replies queued before `older_than` and still not sent: the sender is down or stuck."""
    return conn.execute("SELECT count(*) FROM outbox WHERE status IN ('queued','sending')"
                        " AND created_at < ?", (older_than,)).fetchone()[0]


def unsolved_cases(conn: sqlite3.Connection) -> int:
    """Cases the daemon's scheduler keeps up: they wake from a snooze, wait their turn to be
    routed, breach their clocks and gain priority as they wait."""
    return conn.execute("SELECT count(*) FROM cases WHERE status NOT IN ('solved', 'closed')"
                        " AND merged_into IS NULL").fetchone()[0]


def customers_by_tier(conn: sqlite3.Connection) -> dict[str, int]:
    """How many customers (not merged away) each tier holds."""
    return dict(conn.execute("SELECT tier, count(*) FROM customers WHERE merged_into IS NULL"
                             " GROUP BY tier").fetchall())


def cases_without_upkeep(conn: sqlite3.Connection) -> int:
    """Cases a bulk load (an import, a backlog) filed on and has not brought up to date."""
    return conn.execute("SELECT count(*) FROM upkeep_due").fetchone()[0]


def deferred_indexes(conn: sqlite3.Connection) -> tuple[int, bool]:
    """Indexes a first bulk load dropped and has not built again (store/bulk_indexes.py),
    and whether the board's tallies wait for its end too."""
    names = [row[0] for row in conn.execute("SELECT name FROM deferred_indexes")]
    tallies = [name for name in names if name in TALLY_TRIGGERS]
    return len(names) - len(tallies), bool(tallies)


def unfiled_raw(conn: sqlite3.Connection) -> tuple[int, int]:
    """(raw items waiting to be filed on cases, raw items the pipeline could not file)."""
    return conn.execute("SELECT coalesce(sum(pending), 0), count(ingest_error)"
                        " FROM raw_payloads WHERE pending = 1 OR ingest_error IS NOT NULL"
                        ).fetchone()
