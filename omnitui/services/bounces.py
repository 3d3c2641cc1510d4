"""A bounce that returns one of our replies: the reply failed after all.

The mail server took the reply, so it was recorded sent, and only the bounce, minutes or
days later, says the customer never got it. The bounce joins the reply's case by the
returned Message-ID (ingest/threading.py); here its report marks the reply failed, so the
timeline, the first-response clock (a failed reply answered nobody) and the survey read it
so, and a case left solved or pending on that reply opens again: the customer is still
waiting. A bounce only for addresses on the reply's Cc leaves it sent, with the refusal
noted, as a server's refusal at sending does. Our own mail sent outside omnitui (from a
mail client, filed from a copy) fails the same way: it is given the outbox row a reply has.
Reports are RFC 3464's, or Exim's and qmail's text (channels/email/reports.py); a bounce
that only quotes the returned mail is filed on the case and changes nothing. A bounce that
returns nothing the store sent opens a case solved at once (services/unasked.py).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from omnitui.addresses import bare
from omnitui.model import DeliveryReport, InboundEvent, Status
from omnitui.services.actions import set_status
from omnitui.store import cases as case_store
from omnitui.store import messages as message_store
from omnitui.store import outbox
from omnitui.store.db import db_time

ACTOR = "omnitui-mail"
WAITING_ON_IT = (Status.SOLVED, Status.PENDING)  # states the reply put the case in


def bounced_replies(conn: sqlite3.Connection, event: InboundEvent, now: datetime
                    ) -> list[int]:
    """Mark the replies `event`'s delivery report says failed; the cases they are on."""
    report = event.delivery_report
    if report is None or not report.failed:
        return []
    cases = []
    for key in report.about:
        reply = outbox.sent_by_key(conn, key) or _sent_outside(conn, key)
        if reply is None:
            continue
        error = _words(report)
        at = db_time(now)
        if _only_copies(report, json.loads(reply["recipients"])):
            outbox.note_refused(conn, reply["id"], error, at=at, actor=ACTOR)
        else:
            outbox.mark_bounced(conn, reply["id"], error, at=at, actor=ACTOR)
            reopen_unanswered(conn, reply, f"reply #{reply['message_id']} {error}", now)
        cases.append(reply["case_id"])
    return cases


def _sent_outside(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """Our own mail sent outside omnitui (from a mail client, the desk in Bcc) that `key`
    names, as the sent reply it is: a bounce of it left its case waiting on an answer to
    mail nobody got, and the mail read "sent"."""
    found = message_store.sent_outside_by_key(conn, key)
    if found is None:
        return None
    from omnitui.channels.email.parse import addressed_to  # the daemon's, loaded already

    outbox.record_sent_outside(conn, found, addressed_to(
        message_store.raw_body(conn, found["id"]) or b""))
    return outbox.sent_by_key(conn, key)


def _only_copies(report: DeliveryReport, recipients: dict[str, list[str]]) -> bool:
    """Every address that failed was on the Cc (a failed address we cannot place counts as
    the customer's: a forwarding address fails under its new name)."""
    copies = bare(recipients.get("cc", []))
    return all(address.casefold() in copies for address, _ in report.failed)


def _words(report: DeliveryReport) -> str:
    who = "; ".join(f"{address}: {why}" if why else address for address, why in report.failed)
    return f"bounced{f' by {report.reporter}' if report.reporter else ''}: {who}"[:300]


def reopen_unanswered(conn: sqlite3.Connection, reply: dict[str, Any], why: str,
                      now: datetime) -> None:
    """A case left solved or pending on a reply (an outbox row) that never arrived opens
    again: the customer is still waiting (a bounce, or a server refusing the reply for
    good), and its answers are counted without it. Not for a survey or a forward that
    failed: the answer itself arrived."""
    if not message_store.answers_customer(conn, reply["message_id"]):
        return
    case = case_store.require_case(conn, case_store.live_case_id(conn, reply["case_id"]))
    case_store.answered_again(conn, case["id"])
    if case["status"] in WAITING_ON_IT:
        set_status(conn, case["id"], Status.OPEN, actor=ACTOR, at=now, why=why)
