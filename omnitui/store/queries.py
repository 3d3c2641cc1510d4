"""Read queries for the queue, a case's timeline, suggestions and store statistics.

Queue pages come from indexed queries with keyset paging (never OFFSET), so the first page
costs the same at ten cases or a million.
"""

from __future__ import annotations

import json
import re
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import fields
from itertools import combinations
from typing import Any, NamedTuple

from omnitui.config.languages import UNDETERMINED
from omnitui.model import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    PAUSED_STATUSES,
    AttachmentView,
    CaseDetail,
    CaseSummary,
    CustomerView,
    MessageView,
    SearchedIdentity,
)
from omnitui.records import record
from omnitui.store.db import folded
from omnitui.store.fulltext import index_pending
from omnitui.store.schema import ACTIVE, FINISHED, NO_SLA_DUE
from omnitui.wording import RETRYING


class Order(NamedTuple):
    """One queue order: its ORDER BY, the key keyset paging compares (None: the id alone), and
    how the value a caller passes in `after` becomes that key (a case's sla_due may be NULL,
    the SLA key never is)."""

    order_by: str
    key: str | None
    descending: bool
    key_param: str = "?"


SLA_KEY = f"coalesce(c.sla_due, '{NO_SLA_DUE}')"  # the expression cases_active_sla_order holds
SORTS = {
    "priority": Order("c.priority DESC, c.id DESC", "c.priority", True),
    # Every case of the view, those without a due time (pending, on hold) last.
    "sla": Order(f"{SLA_KEY} ASC, c.id ASC", SLA_KEY, False, f"coalesce(?, '{NO_SLA_DUE}')"),
    "newest": Order("c.id DESC", None, True),
    "updated": Order("c.last_message_at DESC, c.id DESC", "c.last_message_at", True),
    "snoozed": Order("c.snoozed_until ASC, c.id ASC", "c.snoozed_until", False),
}

# A search looks at the newest hits only: mapping every hit of a common word to its case
# costs seconds at a million messages, and the newest hits are the ones an agent wants.
SEARCH_WINDOW = 5000
# Characters of scripts written without spaces between words (Thai, Lao, Myanmar, Khmer,
# Japanese kana, Chinese and Japanese ideographs; Korean writes its particles onto its
# words): FTS5's unicode61 keeps a run of them as one token, a whole clause.
UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                      "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                      "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")
# Rows a search word in such a script is looked for in, as a substring: the newest
# messages, and the newest customers (their names). 5,000 short messages take 3.5 ms; of
# each message its first SUBSTRING_CHARS characters (long quoted threads took 18 ms at
# 3.6 KB a message, on every keystroke of a search)
SUBSTRING_SCAN = 5000
SUBSTRING_CHARS = 2000

# Read by name into the dataclasses: each column is named as the field it fills.
SUMMARY_COLUMNS = (
    "c.id, c.customer_id, cu.name AS customer_name, c.subject, c.channel, c.status, c.owner,"
    " c.queue, c.tags, c.priority, c.tier, c.sla_due, c.created_at, c.last_message_at,"
    " c.version, c.language, c.irritation, c.intent, c.pause_reason, c.paused_at,"
    " c.snoozed_until")
DETAIL_COLUMNS = ("previous_case_id", "merged_into", "reopens", "reassignments",
                  "sla_first_response_due", "first_response_at", "priority_parts",
                  "priority_by", "severity")


@record(frozen=True)
class CaseQuery:
    statuses: tuple[str, ...] | None = None  # None: every active status
    queue: str | None = None
    owner: str | None = None
    channel: str | None = None
    customer_id: int | None = None
    tag: str | None = None
    tier: str | None = None  # the customer's (any case of letters)
    unassigned: bool = False
    language: str | None = None  # of the customer's latest message
    intent: str | None = None  # what the customer wants
    irritated: bool = False  # only cases whose customer's latest message reads irritated
    reopened: bool = False  # only cases that came back after being solved
    bounced: bool = False  # only cases handed from one owner to another
    due_before: str | None = None  # SLA due before this time (at risk or breached)
    min_age: int | None = None  # opened at least this many seconds ago
    max_age: int | None = None  # opened less than this many seconds ago
    search: str | None = None
    identities: tuple[SearchedIdentity, ...] = ()  # of the words of `search`
    snoozed: bool | None = False  # False: hide cases snoozed into the future; True: only those
    sort: str = "priority"
    limit: int = 50

    @property
    def waits(self) -> str:
        """What every case it lists waits for, which a list of them shows beside each:
        "snoozed" (when it comes back), "paused" (what it waits on, and how long it has
        waited: only pending and on-hold cases), else ""."""
        if self.snoozed:
            return "snoozed"
        if self.statuses and set(self.statuses) <= set(PAUSED_STATUSES):
            return "paused"
        return ""


def _named(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
    """Rows that are read by column name."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(sql, params)


def _summary(row: sqlite3.Row) -> CaseSummary:
    return CaseSummary(**{name: row[name] for name in _SUMMARY_FIELDS},
                       tags=json.loads(row["tags"]))


_SUMMARY_FIELDS = tuple(f.name for f in fields(CaseSummary) if f.name != "tags")


def fts_phrase(text: str) -> str:
    """User text as FTS5 phrases, so quotes and operators in it are never syntax."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def _search(text: str, identities: Sequence[SearchedIdentity]) -> tuple[str, list[Any]]:
    """The cases with a message, or a customer's name, that has every word of `text`; and
    those of the customer who has every identity an address or number of `text` names,
    with the other words found in them (as above), if there are any. The identity is found
    through its (kind, value) index and the customer's cases through theirs."""
    found, params = _mentioning(text)
    if not identities:
        return f"c.id IN ({found})", params
    others = text.split()
    for identity in identities:
        for word in identity.typed.split():
            others.remove(word)
    owners = " INTERSECT ".join("SELECT customer_id FROM identities WHERE kind = ?"
                                " AND value = ?" for _ in identities)
    theirs = f"SELECT id FROM cases WHERE customer_id IN ({owners})"
    owner_params: list[Any] = [part for i in identities for part in (i.kind, i.value)]
    if others:
        among, among_params = _mentioning(" ".join(others))
        theirs += f" AND id IN ({among})"
        owner_params += among_params
    return f"c.id IN ({theirs} UNION {found})", owner_params + params


def _mentioning(text: str) -> tuple[str, list[Any]]:
    """The ids of the cases with a message, or a customer's name, that has every word of
    `text`.

    The full-text index finds whole words. A word of a script written without spaces
    (`UNSPACED`: "订单", in the subject "我的订单没有到") is inside a token, where the index
    cannot see it, so it is also looked for as a substring: in the full-text hits of the
    search's other words, or, with none, in the newest SUBSTRING_SCAN messages and
    customers, a bounded scan that stays a few milliseconds at any size. Indexing each such
    character as a word would find them in all history, but it needs a second index that
    only omnitui's own writes keep (FTS5's tokenizer cannot split them, and a trigger could
    split them only with a function the sqlite3 shell, a writer docs/schema.md allows,
    lacks)."""
    unspaced = [word for word in text.split() if UNSPACED.search(word)]
    spaced = " ".join(word for word in text.split() if not UNSPACED.search(word))
    messages, message_params = _hits("messages_fts", text)
    customers, customer_params = _hits("customers_fts", text)
    if unspaced:
        among, among_params = (_hits("messages_fts", spaced) if spaced else
                               ("SELECT id FROM messages ORDER BY id DESC LIMIT ?",
                                [SUBSTRING_SCAN]))
        messages = (f"SELECT rowid FROM ({messages}) UNION"
                    f" SELECT id FROM messages WHERE id IN ({among})" + "".join(
            f" AND (subject LIKE ? ESCAPE '\\' OR substr(text, 1, {SUBSTRING_CHARS}) LIKE ?"
            " ESCAPE '\\')"
            for _ in unspaced))
        message_params += among_params + [pattern for word in unspaced
                                          for pattern in 2 * [_containing(word)]]
        among, among_params = (_hits("customers_fts", spaced) if spaced else
                               ("SELECT id FROM customers ORDER BY id DESC LIMIT ?",
                                [SUBSTRING_SCAN]))
        customers = (f"SELECT rowid FROM ({customers}) UNION"
                     f" SELECT id FROM customers WHERE id IN ({among})"
                     + " AND name LIKE ? ESCAPE '\\'" * len(unspaced))
        customer_params += among_params + [_containing(word) for word in unspaced]
    return (f"SELECT m.case_id FROM messages m WHERE m.id IN ({messages}) UNION"
            f" SELECT c2.id FROM cases c2 WHERE c2.customer_id IN ({customers})",
            message_params + customer_params)


def _hits(table: str, text: str) -> tuple[str, list[Any]]:
    """The rowids of a full-text table's newest SEARCH_WINDOW rows with every word."""
    return (f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?",
            [fts_phrase(text), SEARCH_WINDOW])


def _containing(word: str) -> str:
    """A LIKE pattern (ESCAPE '\\') for text that contains `word` as typed."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _equalities(query: CaseQuery) -> list[tuple[str, str, list[Any]]]:
    """The view's filters on one column's value: (column, test, parameters)."""
    found: list[tuple[str, str, list[Any]]] = []
    for name, value in (("queue", query.queue), ("owner", query.owner),
                        ("channel", query.channel), ("customer_id", query.customer_id),
                        ("language", query.language), ("intent", query.intent)):
        if value is not None and (name, value) == ("language", UNDETERMINED):
            found.append((name, "c.language IS NULL", []))  # no message of theirs could be told
        elif value is not None:
            found.append((name, f"c.{name} = ?", [value]))
    if query.unassigned:
        found.append(("owner", "c.owner IS NULL", []))
    return found


def _filters(query: CaseQuery, after: tuple[Any, int] | None,
             walked: frozenset[str] = frozenset()) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of a view; the sort's index serves the order.
    `walked`: the columns whose value is checked on each case the order's index yields,
    not looked up in the column's own index (`_common_values`)."""
    sort = SORTS[query.sort]
    where: list[str] = []
    params: list[Any] = []
    if query.statuses is None or set(query.statuses) <= set(ACTIVE_STATUSES):
        # Said in the indexes' own words, or SQLite cannot see that `status IN ('new')`
        # lies within their `WHERE status IN (...active...)` and scans every case.
        where.append(f"c.status IN {ACTIVE}")
    elif set(query.statuses) <= set(FINISHED_STATUSES):  # and so the finished cases' indexes
        where.append(f"c.status IN {FINISHED}")
    if query.statuses is not None:
        where.append(f"c.status IN ({', '.join('?' for _ in query.statuses)})")
        params.extend(query.statuses)
    for name, test, values in _equalities(query):
        where.append("+" + test if name in walked else test)  # `+c.x`: no index for it
        params.extend(values)
    if query.tag is not None:  # `tag:vip` finds VIP, as queue: and owner: do, and `tag:café`
        # CAFÉ, `tag:strasse` Straße: matched `folded` (store/db.py), which two ASCII words
        # need no Python for (NOCASE is the same rule on them, at C's speed)
        where.append("EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = ?"
                     " COLLATE NOCASE OR ((? OR json_each.value GLOB '*[^ -~]*')"
                     " AND casefold(json_each.value) = ?))")
        params += [query.tag, not query.tag.isascii(), folded(query.tag)]
    if query.tier is not None:
        where.append("c.tier = ? COLLATE NOCASE")
        params.append(query.tier)
    if query.irritated:  # few cases: found through their own small index, whatever the order
        where.append(f"c.id IN (SELECT id FROM cases WHERE irritation IS NOT NULL"
                     f" AND status IN {ACTIVE})")
    if query.reopened:
        where.append("c.reopens > 0")
    if query.bounced:
        where.append("c.reassignments > 0")
    if query.due_before is not None:  # written as the SLA key, so its index serves the range
        where.append(f"{SLA_KEY} < ?")
        params.append(query.due_before)
    # Ages count from the clock of the moment the page is read, like snoozing does.
    if query.min_age is not None:
        where.append("c.created_at < datetime('now', ?)")
        params.append(f"-{query.min_age} seconds")
    if query.max_age is not None:
        where.append("c.created_at >= datetime('now', ?)")
        params.append(f"-{query.max_age} seconds")
    if query.sort == "snoozed":  # lets cases_snoozed serve the snoozed view
        where.append("c.snoozed_until IS NOT NULL")
    # A snoozed case comes back by itself when its time comes. Hiding goes through the small
    # partial index of snoozed cases, so the sort's index still covers the view: reading
    # snoozed_until from every row costs seconds at a million cases.
    if query.snoozed is False:
        where.append("c.id NOT IN (SELECT id FROM cases WHERE snoozed_until IS NOT NULL"
                     " AND snoozed_until > datetime('now'))")
    elif query.snoozed:
        where.append("c.snoozed_until > datetime('now')")
    if query.search:
        clause, search_params = _search(query.search, query.identities)
        where.append(clause)
        params.extend(search_params)
    if after is not None:
        op = "<" if sort.descending else ">"
        if sort.key:
            # The first term alone lets the index seek on an expression key; the row value
            # then breaks the tie by id.
            where.append(f"{sort.key} {op}= {sort.key_param}"
                         f" AND ({sort.key}, c.id) {op} ({sort.key_param}, ?)")
            params.extend((after[0], *after))
        else:
            where.append(f"c.id {op} ?")
            params.append(after[1])
    return " AND ".join(where), params


# The open cases a filter's value must hold for a page in another order than priority to be
# read off the order's index, each case's value checked, rather than from the value's own
# index (queue, owner, channel, language, intent: each in priority order), which sorts every
# case of the value first: `lang:en` by SLA sorted 20k cases on every keystroke (0.2 s at
# 30k open cases, seconds at a million). A rare value read off the order's index reads every
# open case to fill a page. At this count either way stays tens of milliseconds at a million
# open cases: a page of 100 off the order's index reads at most a fiftieth of them (20,000),
# a sort fewer than 5,000.
COMMON_VALUE = 5000


def _common_values(conn: sqlite3.Connection, query: CaseQuery) -> frozenset[str]:
    """The filtered columns whose value at least COMMON_VALUE open cases hold, counted no
    further, in the value's own index (well under a millisecond)."""
    if query.sort == "priority" or not (
            query.statuses is None or set(query.statuses) <= set(ACTIVE_STATUSES)):
        return frozenset()  # the values' indexes are in priority order, of open cases
    return frozenset(
        name for name, test, values in _equalities(query) if name != "customer_id"
        and conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM cases c WHERE c.status IN"
                         f" {ACTIVE} AND {test} LIMIT ?)",
                         (*values, COMMON_VALUE)).fetchone()[0] >= COMMON_VALUE)


def list_cases(conn: sqlite3.Connection, query: CaseQuery,
               after: tuple[Any, int] | None = None) -> list[CaseSummary]:
    """One page of cases; pass the last row's (sort value, id) as `after` for the next (the
    value as the row has it: a missing SLA due time is None)."""
    where, params = _filters(query, after, _common_values(conn, query))
    sql = (f"SELECT {SUMMARY_COLUMNS} FROM cases c JOIN customers cu ON cu.id = c.customer_id"
           f" WHERE {where} ORDER BY {SORTS[query.sort].order_by} LIMIT ?")
    return [_summary(r) for r in _named(conn, sql, (*params, query.limit))]


def count_cases(conn: sqlite3.Connection, query: CaseQuery) -> int:
    """How many cases a view holds, every page of it."""
    where, params = _filters(query, None)
    return int(conn.execute(f"SELECT count(*) FROM cases c WHERE {where}", params).fetchone()[0])


def queue_ids(conn: sqlite3.Connection, query: CaseQuery) -> array[int]:
    """Every case id of a view, in order, and nothing else: a virtual list keeps these
    (8 bytes a case) and fetches only the rows on screen with `summaries`."""
    where, params = _filters(query, None)
    ids = array("q")
    cur = conn.execute(f"SELECT c.id FROM cases c WHERE {where}"
                       f" ORDER BY {SORTS[query.sort].order_by}", params)
    while chunk := cur.fetchmany(10_000):
        ids.extend(row[0] for row in chunk)
    return ids


def summaries(conn: sqlite3.Connection, ids: list[int]) -> dict[int, CaseSummary]:
    """Queue rows for the given case ids (the rows on screen), keyed by id."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = _named(conn, f"SELECT {SUMMARY_COLUMNS} FROM cases c JOIN customers cu"
                  f" ON cu.id = c.customer_id WHERE c.id IN ({marks})", ids)
    return {row["id"]: _summary(row) for row in rows}


# The timeline shows the customer's whole history: every message of this case, and their
# latest messages on other cases and channels (older ones stay a keystroke away in `cases`).
OTHER_CASES_SHOWN = 200
MESSAGE_COLUMNS = (
    "m.id, m.case_id, m.channel, m.direction,"
    # a customer's message without a sender's name (an SMS: Twilio sends none) is theirs:
    # their name, else the number or id it came from, not "(unknown sender)"
    " CASE WHEN m.author != '' OR m.direction != 'in' THEN m.author ELSE coalesce(nullif("
    "(SELECT name FROM customers WHERE id = m.customer_id), ''), (SELECT value FROM"
    " identities WHERE id = m.identity_id), '') END AS author, m.created_at, m.subject, m.text,"
    " m.thread_rule, m.thread_reason, m.parse_errors, m.auto_submitted, CASE WHEN o.status IS"
    " NULL AND m.direction = 'out' AND m.raw_id IS NOT NULL THEN 'sent outside omnitui' ELSE"
    " o.status END AS delivery,"  # our own mail, filed from a copy of it
    " o.recipients, o.last_error, m.raw_id IS NOT NULL AS has_raw, o.receipt, m.language,"
    " m.sentiment, m.irritation, m.intent, m.intent_rule")
_MESSAGE_FIELDS = ("id", "case_id", "channel", "direction", "author", "created_at", "subject",
                   "text", "thread_rule", "thread_reason", "auto_submitted", "delivery",
                   "language", "sentiment", "irritation", "intent", "intent_rule")


def case_detail(conn: sqlite3.Connection, case_id: int, *, newest: int | None = None
                ) -> CaseDetail | None:
    """The case and its timeline; `newest`: only that many of the timeline's latest
    messages, `earlier` counting the others (a case of thousands of messages opened in a
    quarter of a second, most of it reading messages the console never drew)."""
    extra = ", ".join(f"c.{name}" for name in DETAIL_COLUMNS)
    row = _named(conn, f"SELECT {SUMMARY_COLUMNS}, {extra}, c.fields FROM cases c"
                 " JOIN customers cu"
                 " ON cu.id = c.customer_id WHERE c.id = ?", (case_id,)).fetchone()
    if row is None:
        return None
    summary = _summary(row)
    messages = timeline(conn, case_id, summary.customer_id, limit=newest)
    earlier = 0 if newest is None else \
        timeline_length(conn, case_id, summary.customer_id) - len(messages)
    # what stands: not what an undo took back (unless a redo put it back): the routing
    # story still ended "alice assigned it (alice -> bob)" after the handover's undo
    history = conn.execute("SELECT a.id, a.at, a.actor, a.action, a.reason FROM audit a"
                           " LEFT JOIN audit u ON u.id = a.undone_by WHERE a.case_id = ? AND"
                           " (a.undone_by IS NULL OR u.undone_by IS NOT NULL) ORDER BY a.id",
                           (case_id,)).fetchall()
    survey = _named(conn, "SELECT asked_at, score, answer, answered_at FROM csat"
                    " WHERE case_id = ?", (case_id,)).fetchone()
    return CaseDetail(summary, customer_view(conn, summary.customer_id), messages,
                      **{name: row[name] for name in DETAIL_COLUMNS}, earlier=earlier,
                      history=[tuple(h) for h in history],
                      fields=json.loads(row["fields"] or "{}"),
                      csat=dict(survey) if survey else None)


def timeline(conn: sqlite3.Connection, case_id: int, customer_id: int, *,
             before: MessageView | None = None, after: MessageView | None = None,
             limit: int | None = None) -> list[MessageView]:
    """The case's timeline, oldest first: every message of the case and the customer's
    latest OTHER_CASES_SHOWN on their other cases; only those `before` (or `after`) a
    message of it, and only the latest (the first after it) `limit` of them (each part read
    off its index from that end, so a page of a long case reads a page)."""
    side = after or before
    where, marks = ("", ()) if side is None else (
        f" AND (m.created_at, m.id) {'>' if after else '<'} (?, ?)",
        (side.created_at, side.id))
    order = "ASC" if after else "DESC"
    cut = "" if limit is None else f" LIMIT {int(limit)}"
    rows = _named(
        conn,
        f"SELECT * FROM (SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN outbox o"
        f" ON o.message_id = m.id WHERE m.case_id = ?{where}"
        f" ORDER BY m.created_at {order}, m.id {order}{cut}) UNION ALL SELECT * FROM ("
        f"SELECT {MESSAGE_COLUMNS} FROM (SELECT * FROM messages WHERE customer_id = ?"
        "  AND case_id != ? ORDER BY created_at DESC LIMIT ?) m"
        f" LEFT JOIN outbox o ON o.message_id = m.id WHERE 1{where}"
        f" ORDER BY m.created_at {order}, m.id {order}{cut})",
        (case_id, *marks, customer_id, case_id, OTHER_CASES_SHOWN, *marks)).fetchall()
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    if limit is not None:
        rows = rows[:limit] if after else rows[max(0, len(rows) - limit):]
    attachments = _attachments(conn, [r["id"] for r in rows])
    claims = _claims(conn, [r["id"] for r in rows])
    return [MessageView(**{name: r[name] for name in _MESSAGE_FIELDS},
                        parse_errors=json.loads(r["parse_errors"]),
                        attachments=attachments.get(r["id"], []),
                        delivery_note=_delivery_note(r["recipients"], r["last_error"],
                                                     r["receipt"], r["delivery"]),
                        has_raw=bool(r["has_raw"]), claims=claims.get(r["id"], []))
            for r in rows]


def timeline_length(conn: sqlite3.Connection, case_id: int, customer_id: int) -> int:
    """How many messages `timeline` holds, counted off the indexes."""
    return conn.execute(
        "SELECT (SELECT count(*) FROM messages WHERE case_id = ?) + (SELECT count(*) FROM"
        " (SELECT 1 FROM messages WHERE customer_id = ? AND case_id != ? LIMIT ?))",
        (case_id, customer_id, case_id, OTHER_CASES_SHOWN)).fetchone()[0]


def _attachments(conn: sqlite3.Connection, message_ids: list[int]
                 ) -> dict[int, list[AttachmentView]]:
    found: dict[int, list[AttachmentView]] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        for message_id, *rest in conn.execute(
                "SELECT message_id, id, filename, mime, size, sha256 FROM attachments"
                f" WHERE message_id IN ({', '.join('?' * len(chunk))}) ORDER BY id", chunk):
            found.setdefault(message_id, []).append(AttachmentView(*rest))
    return found


def _claims(conn: sqlite3.Connection, message_ids: list[int]) -> dict[int, list[str]]:
    """What each message stated without proof, worded for the agent."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        for message_id, kind, value, how in conn.execute(
                "SELECT message_id, kind, value, how FROM claims"
                f" WHERE message_id IN ({', '.join('?' * len(chunk))}) ORDER BY id", chunk):
            found.setdefault(message_id, []).append(f"{kind} {value} {how}, not verified")
    return found


def _delivery_note(recipients: str | None, error: str | None, receipt: str | None,
                   status: str | None) -> str:
    """To whom, then the last error (of a reply still queued, that it is tried again); the
    platform's receipt (delivered, read) leads."""
    if recipients is None:
        return ""
    parsed = json.loads(recipients)
    note = "to " + ", ".join(parsed.get("to", []))
    if receipt:
        note = f"{receipt} · {note}"
    if parsed.get("cc"):
        note += " · cc " + ", ".join(parsed["cc"])
    if error and status == "queued":
        error = f"{error} ({RETRYING})"
    return f"{note} · {error}" if error else note


CUSTOMER_EVENTS = 5  # the latest business events a customer's view shows


def customer_view(conn: sqlite3.Connection, customer_id: int) -> CustomerView:
    name, tier, attributes, notes, preferred = conn.execute(
        "SELECT name, tier, attributes, notes, preferred_channel FROM customers WHERE id = ?",
        (customer_id,)).fetchone()
    identities = conn.execute("SELECT kind, value FROM identities WHERE customer_id = ?"
                              " ORDER BY id", (customer_id,)).fetchall()
    open_cases = conn.execute(f"SELECT id, status, subject FROM cases WHERE customer_id = ?"
                              f" AND status IN {ACTIVE} AND merged_into IS NULL"
                              " ORDER BY id DESC LIMIT 20", (customer_id,)).fetchall()
    events = conn.execute("SELECT at, kind, text FROM business_events WHERE customer_id = ?"
                          " ORDER BY at DESC, id DESC LIMIT ?",
                          (customer_id, CUSTOMER_EVENTS)).fetchall()
    return CustomerView(customer_id, name, tier, [tuple(i) for i in identities],
                        json.loads(attributes), notes, preferred,
                        [tuple(c) for c in open_cases], [tuple(e) for e in events])


SUGGESTION_COLUMNS = ("id", "kind", "source_id", "source_name", "target_id", "target_name",
                      "confidence", "evidence", "message_id", "created_at")


def open_suggestions(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The open suggestions, the most confident first; a merge's with its two customers'
    names (numbers alone said nothing of who might be one person), an attach's None;
    as SUGGESTION_COLUMNS name them."""
    cur = conn.execute("SELECT s.id, s.kind, s.source_id, source.name AS source_name,"
                       " s.target_id, target.name AS target_name, s.confidence, s.evidence,"
                       " s.message_id, s.created_at FROM suggestions s"
                       " LEFT JOIN customers source ON s.kind = 'merge_customers'"
                       " AND source.id = s.source_id"
                       " LEFT JOIN customers target ON s.kind = 'merge_customers'"
                       " AND target.id = s.target_id"
                       " WHERE s.status = 'open' ORDER BY s.confidence DESC, s.id LIMIT ?",
                       (limit,))
    return [dict(zip(SUGGESTION_COLUMNS, r, strict=True)) for r in cur]


def store_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Counts a person checks after an import or a demo build."""
    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    return {
        "customers": one("SELECT count(*) FROM customers")
        - one("SELECT count(*) FROM customers WHERE merged_into IS NOT NULL"),
        "cases": one("SELECT count(*) FROM cases"),
        "messages": one("SELECT count(*) FROM messages"),
        "by_channel": dict(conn.execute(
            "SELECT channel, count(*) FROM messages GROUP BY channel ORDER BY 2 DESC")),
        "by_status": dict(conn.execute(
            "SELECT status, count(*) FROM cases GROUP BY status ORDER BY 2 DESC")),
        "breached": one(f"SELECT count(*) FROM cases c WHERE c.status IN {ACTIVE}"
                        f" AND {SLA_KEY} < datetime('now')"),
        "vip_customers": one("SELECT count(*) FROM customers WHERE tier = 'vip'"),
        "parse_errors": one("SELECT count(*) FROM messages WHERE parse_errors != '[]'"),
        "open_suggestions": one("SELECT count(*) FROM suggestions WHERE status = 'open'"),
    }


def message_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM messages").fetchone()[0]


def distinct_values(conn: sqlite3.Connection, column: str) -> list[str]:
    """The queues, channels or owners that open cases have, for per-queue and per-channel
    views and what filters may name.

    A skip scan: each value is one seek in the column's index of active cases past the one
    before, so a handful of values costs a handful of seeks (under a millisecond at a
    million cases, where SELECT DISTINCT reads the whole index: a quarter of a second of
    the console's start)."""
    if column not in ("queue", "channel", "owner"):
        raise ValueError(column)
    following = (f"SELECT {column} FROM cases WHERE status IN {ACTIVE} AND {column} > found.value"
                 f" ORDER BY {column} LIMIT 1")
    return [r[0] for r in conn.execute(
        "WITH RECURSIVE found(value) AS ("
        f" SELECT (SELECT {column} FROM cases WHERE status IN {ACTIVE} AND {column} IS NOT NULL"
        f" ORDER BY {column} LIMIT 1)"
        f" UNION ALL SELECT ({following}) FROM found WHERE found.value IS NOT NULL)"
        " SELECT value FROM found WHERE value IS NOT NULL")]


def in_use(conn: sqlite3.Connection, column: str, name: str) -> str | None:
    """A queue some case is in, or an owner some case has, solved ones too, as stored (any
    letter case); None if no case does. A full scan at worst: only for a name the config,
    the team and the open cases do not know."""
    if column not in ("queue", "owner"):
        raise ValueError(column)
    row = conn.execute(f"SELECT {column} FROM cases WHERE {column} = ? COLLATE NOCASE"
                       " LIMIT 1", (name,)).fetchone()
    return row[0] if row else None


def known_agents(conn: sqlite3.Connection, *, former: bool = False) -> list[str]:
    """Agents to assign to: the team (the agents table) and everyone who owns an open case
    (a skip scan: a million cases' DISTINCT owner took 0.4 s, 3.5 s cold). `former`: also
    those taken off the team (`agents remove`), whom a filter may still name: their solved
    cases keep their name."""
    team = [r[0] for r in conn.execute(
        "SELECT name FROM agents" if former else "SELECT name FROM agents WHERE active = 1")]
    return sorted({*team, *distinct_values(conn, "owner")})


def awaiting_reply(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    """Which of these cases have a customer's message that asks something (not a thank-you
    nor an automatic reply) and no answer of ours since (an automatic acknowledgement is
    none)."""
    if not ids:
        return set()
    return {r[0] for r in conn.execute(
        f"SELECT id FROM cases WHERE id IN ({', '.join('?' * len(ids))}) AND last_inbound_at"
        " IS NOT NULL AND last_inbound_at >= coalesce(last_answered_at, '')", ids)}


def cases_mentioning(conn: sqlite3.Connection, match: str) -> list[int]:
    """Cases with a customer's message that matches the FTS5 query (it may run inside a
    bulk transaction: a product's event filed with messages)."""
    index_pending(conn)
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT m.case_id FROM messages m WHERE m.direction = 'in' AND m.id IN"
        " (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)", (match,))]


def solved_like(conn: sqlite3.Connection, words: list[str], other_than: int,
                limit: int, scan: int = 400) -> list[tuple[int, str, str]]:
    """(case id, subject, the customer's words) of solved or closed cases whose customers'
    messages share at least two of `words` (the one, if one is given), newest first, each
    case once. Only the newest `scan` matching messages are looked at: FTS5 walks its
    index backwards and stops there, so a word in half the store costs no more."""
    index_pending(conn)  # the intake's assistant may ask inside a bulk transaction
    match = (fts_phrase(words[0]) if len(words) == 1 else " OR ".join(
        f"({fts_phrase(a)} AND {fts_phrase(b)})" for a, b in combinations(words, 2)))
    ids = [r[0] for r in conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts"
                                      " MATCH ? ORDER BY rowid DESC LIMIT ?", (match, scan))]
    found: dict[int, tuple[int, str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for case_id, subject, text in conn.execute(
                "SELECT m.case_id, c.subject, m.text FROM messages m JOIN cases c"
                f" ON c.id = m.case_id WHERE m.id IN ({', '.join('?' * len(chunk))})"
                " AND m.direction = 'in' AND c.id != ? AND c.status IN ('solved', 'closed')"
                " ORDER BY m.id DESC", (*chunk, other_than)):
            found.setdefault(case_id, (case_id, subject, text))
            if len(found) == limit:  # the rest is never read: SQLite stops here
                return list(found.values())
    return list(found.values())
