"""`omnitui refile`: parse kept raw items again, after a parser was fixed.

Every inbound item's exact bytes are kept (raw_payloads). An item that failed to file is
filed now; an item filed before gets its messages' parsed fields (subject, text, HTML,
author, parse errors) rewritten in place where the parser now reads them differently,
audited as `message.refiled`. Nothing else moves: no acknowledgement, assistant or
automatic macro runs (the pipeline is not live), routing does not run (owners stay as they
are), and a second run finds nothing to change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import partial

from omnitui.channels.email.parse import mail_reading, parse_item
from omnitui.channels.webhooks.deliveries import RAW_CHANNEL, parse_delivery
from omnitui.config import Settings
from omnitui.ingest.pending import Parser, RawItem, file_again
from omnitui.model import InboundEvent
from omnitui.patterns import SKIPPED
from omnitui.records import record
from omnitui.services.intake import intake_pipeline
from omnitui.store.audit import ChangeSet, record_audit, update_row
from omnitui.store.db import Store, parse_db_time
from omnitui.store.messages import message_from_raw, processed_raw

ACTOR = "omnitui-refile"
PARSED = ("subject", "text", "html", "author", "parse_errors")  # what a parser decides
REWRITES_PER_TRANSACTION = 200


@record
class Refiled:
    filed: int = 0  # failed items now filed
    still_failing: int = 0  # failed again (their error kept, updated)
    updated: int = 0  # messages whose parsed fields changed
    unchanged: int = 0  # items parsed the same as before
    no_parser: int = 0  # items of channels that cannot be parsed again (the demo's)


def parsers(settings: Settings) -> dict[str, Parser]:
    """raw_payloads.channel -> the parser its rows are filed with."""
    return {"email": partial(parse_item, **mail_reading(settings)),
            RAW_CHANNEL: partial(parse_delivery, settings)}


def refile(store: Store, settings: Settings, *, failed_only: bool = False,
           since: str | None = None, source: str | None = None,
           said: Callable[[str], None] = lambda _: None) -> Refiled:
    """Parse the kept raw items again (see the module); `source`: one mailbox or
    [[channels]] name; `said` hears each item that still fails."""
    found = Refiled()
    pipeline = intake_pipeline(store, settings, route=False)
    known = parsers(settings)
    parsed: list[tuple[int, list[InboundEvent]]] = []  # filed items, to rewrite together
    for row_id, channel, origin, received, body, key, error in processed_raw(
            store.conn, failed_only=failed_only, since=since, source=source):
        parse = known.get(channel)
        if parse is None:
            found.no_parser += 1
            continue
        item = RawItem(row_id, origin, parse_db_time(received), body, key)
        if error is not None:
            result = file_again(store, pipeline, item, parse)
            if result.failed:
                found.still_failing += 1
                said(f"raw item {row_id} from {origin}: still fails")
            else:
                found.filed += 1
            continue
        try:
            events = [e for e in parse(item) if isinstance(e, InboundEvent)]
        except Exception as exc:  # a parser that now fails on a filed item changes nothing
            said(f"raw item {row_id} from {origin}: {type(exc).__name__}: {exc}")
            found.still_failing += 1
            continue
        parsed.append((row_id, events))
        if len(parsed) >= REWRITES_PER_TRANSACTION:
            _rewrite_all(store, parsed, found)
    _rewrite_all(store, parsed, found)
    return found


def _rewrite_all(store: Store, parsed: list[tuple[int, list[InboundEvent]]],
                 found: Refiled) -> None:
    """The parsed items' messages rewritten in one transaction (a store of a million
    items is not a million commits); `parsed` is emptied."""
    if not parsed:
        return
    with store.write() as conn:
        for row_id, events in parsed:
            changed = sum(_rewrite(conn, row_id, event) for event in events)
            found.updated += changed
            found.unchanged += not changed
    parsed.clear()


def _rewrite(conn: sqlite3.Connection, raw_id: int, event: InboundEvent) -> bool:
    """The message filed from this raw row with this item's id: its parsed fields as the
    parser reads them now, audited; False when they are the same."""
    row = message_from_raw(conn, raw_id, event.channel, event.external_id)
    if row is None:
        return False
    message_id, case_id, noted = row
    read = [note for note in noted if note.endswith(SKIPPED)]  # the classify stage's, which
    # a parse does not run: refiled, the note of an intent pattern that ran out went
    now = {"subject": event.subject, "text": event.text, "html": event.html,
           "author": event.author, "parse_errors": json.dumps([*event.parse_errors, *read])}
    changes = ChangeSet()
    if not update_row(conn, "messages", message_id, now, changes):
        return False
    record_audit(conn, actor=ACTOR, action="message.refiled", case_id=case_id,
                 message_id=message_id, reason=f"raw item {raw_id} parsed again: "
                 + ", ".join(column for column in PARSED
                             if any(key.startswith("messages:") and column in (values or {})
                                    for key, values in changes.after.items())),
                 changes=changes)
    return True
