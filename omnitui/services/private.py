"""Moving a public conversation to a private one (the console's `D`).

A customer who writes in a group chat, a public Slack channel or under a post should not get
their order number and address answered in public. The agent writes the private answer;
with it, one transaction queues a short acknowledgement in the public thread and the answer
as a direct message on the same platform (Telegram: the user's own chat with the bot; Slack:
a DM; Meta: the private reply a comment allows). The answer's message carries the private
route, so every later reply on the case follows it. One undo takes both back while queued.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any

from omnitui.model import Draft
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store.db import StoreError
from omnitui.store.messages import newest_route

ACKNOWLEDGEMENT = "Thanks! We have sent you a private message, so we can continue there."


def public_conversation(conn: sqlite3.Connection,
                        case_id: int) -> tuple[str, dict[str, Any]] | None:
    """(channel, route) when the case's conversation is currently a public one."""
    found = newest_route(conn, case_id)
    if found is None or not found[1].get("public") or found[1].get("private"):
        return None
    return found


def private_draft(conn: sqlite3.Connection, case_id: int) -> Draft:
    """The draft of the private answer, for the composer; raises StoreError when the case has
    no public conversation to move."""
    public = public_conversation(conn, case_id)
    if public is None:
        raise StoreError(f"case #{case_id} is not a public conversation (a group, a channel "
                         "or a comment): replies already reach the customer privately")
    return replace(start_draft(conn, case_id, "reply", channel=public[0]), private=True)


def move_to_private(conn: sqlite3.Connection, case_id: int, draft: Draft, *, author: str,
                    at: datetime, acknowledgement: str = ACKNOWLEDGEMENT) -> tuple[int, int]:
    """Queue the public acknowledgement and the private answer (a DM on the same platform,
    or whatever channel the agent picked instead, such as email); returns their message
    ids."""
    public = public_conversation(conn, case_id)
    if public is None:
        raise StoreError(f"case #{case_id} is no longer a public conversation")
    if not draft.text.strip() or draft.internal:
        raise StoreError("write the private answer first (not an internal note)")
    ack = replace(start_draft(conn, case_id, "reply", channel=public[0]), text=acknowledgement)
    ack_id = queue_draft(conn, case_id, ack, author=author, at=at,
                         reason="public acknowledgement queued")  # (both said "reply
    # queued": which went where was the timeline's to tell)
    answer = replace(draft, private=draft.channel == public[0])
    return ack_id, queue_draft(conn, case_id, answer, author=author, at=at,
                               reason="private answer queued" + (
                                   "" if answer.private else f" on {draft.channel}"))
