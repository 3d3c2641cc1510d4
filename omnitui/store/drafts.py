"""Drafts: what an agent is writing, one per agent, case and slot (the kind of writing:
reply, note, forward...), until it is sent or thrown away."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from omnitui.model import Draft

# Draft fields kept in `fields` (JSON); text and channel have columns of their own.
_FIELDS = tuple(f.name for f in dataclasses.fields(Draft) if f.name not in ("text", "channel"))
_TUPLES = ("to", "cc", "attachment_ids")
_WHERE = "agent = ? AND ifnull(case_id, 0) = ifnull(?, 0) AND slot = ?"


def save(conn: sqlite3.Connection, agent: str, case_id: int | None, draft: Draft,
         now: str) -> None:
    fields = {name: getattr(draft, name) for name in _FIELDS}
    discard(conn, agent, case_id, draft.slot)
    conn.execute("INSERT INTO drafts (agent, case_id, slot, channel, text, fields, updated_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)", (agent, case_id, draft.slot, draft.channel,
                                                   draft.text, json.dumps(fields), now))


def load(conn: sqlite3.Connection, agent: str, case_id: int | None,
         slot: str) -> tuple[Draft, str] | None:
    """The agent's draft of this kind on a case (None: a new message), and when it was
    saved."""
    row = conn.execute(f"SELECT channel, text, fields, updated_at FROM drafts WHERE {_WHERE}",
                       (agent, case_id, slot)).fetchone()
    if row is None:
        return None
    channel, text, fields_json, updated_at = row
    stored = json.loads(fields_json)
    fields = {name: tuple(stored[name]) if name in _TUPLES else stored[name]
              for name in _FIELDS if name in stored}
    return Draft(channel=channel, text=text, **fields), updated_at


def slots(conn: sqlite3.Connection, agent: str, case_id: int | None) -> list[str]:
    """The kinds of draft the agent keeps on a case."""
    return [r[0] for r in conn.execute(
        "SELECT slot FROM drafts WHERE agent = ? AND ifnull(case_id, 0) = ifnull(?, 0)"
        " ORDER BY updated_at DESC", (agent, case_id))]


def cases_with_drafts(conn: sqlite3.Connection, agent: str) -> list[int | None]:
    """The cases (None: a new message) the agent keeps unsent drafts on."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT case_id FROM drafts WHERE agent = ? ORDER BY case_id", (agent,))]


def discard(conn: sqlite3.Connection, agent: str, case_id: int | None, slot: str) -> None:
    conn.execute(f"DELETE FROM drafts WHERE {_WHERE}", (agent, case_id, slot))
