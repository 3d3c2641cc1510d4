"""Satisfaction surveys (`[csat]`): when an agent solves a case, the customer gets one
question on the case's channel; an answer (a digit 1-5, a word, an emoji: triage/csat.py)
within the window is recorded against the case and its agent without reopening it
(ingest/surveys.py files it there); anything else is a normal message.

At most once a case; never where the customer's last message was automatic mail, never
where a reply to them failed for good (a bounce); on WhatsApp or Messenger once their
24-hour customer-service window has closed, only as the `[service_window]` template the
platform approved (services/window.py), else not at all, and the case says why. The survey
is sent as the agent's, in the same transaction as the solve: undoing the solve takes it
back too. It is asked in the case's language: the team's `[csat.languages]` question for
it, else the built-in one while `question` is omnitui's own (services/wait_words.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from omnitui.channels.lengths import too_long
from omnitui.config import Settings
from omnitui.config.templates import ACKNOWLEDGEMENT_VARIABLES
from omnitui.model import CONTACT_CHANNELS, Status
from omnitui.services.macros import fill_template, template_values
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.services.wait_words import own_or_built_in
from omnitui.services.window import unasked_message
from omnitui.store import csat as surveys
from omnitui.store import messages as message_store
from omnitui.store.audit import ChangeSet, record_audit
from omnitui.store.cases import get_case
from omnitui.store.db import StoreError, db_time
from omnitui.store.outbox import failed_for_good

KIND = "csat"  # messages.auto_submitted of a survey


def ask_after_solve(conn: sqlite3.Connection, settings: Settings, case_id: int, agent: str,
                    now: datetime) -> None:
    """Send the survey on a case an agent just solved, if it should go."""
    case = get_case(conn, case_id)
    if not settings.csat.enabled or case is None or case["status"] != Status.SOLVED or \
            surveys.asked(conn, case_id):
        return
    # never after automatic mail: the customer's newest message an out-of-office
    last = message_store.last_inbound(conn, case_id, words_first=False)
    if last is None or last["auto_submitted"] or failed_for_good(conn, case_id):
        return
    window = unasked_message(conn, settings.service_window, case["customer_id"],
                             case["channel"], now)
    if window.refusal:
        record_audit(conn, actor=agent, action="csat.skipped", case_id=case_id,
                     reason=f"no satisfaction survey: {window.refusal}", at=db_time(now))
        return
    if case["channel"] in CONTACT_CHANNELS:
        return  # a phone call or a visit: there is no way back on it
    try:
        draft = start_draft(conn, case_id, "reply")
    except StoreError:  # nowhere to send it
        return
    if not draft.to:  # (a web form's case goes back through its form's source, as
        record_audit(conn, actor=agent, action="csat.skipped", case_id=case_id,  # replies
                     reason=f"no satisfaction survey: no address to send it to on "
                     f"{draft.channel}", at=db_time(now))
        return
    values = {k: v for k, v in template_values(conn, case_id, agent).items()
              if k in ACKNOWLEDGEMENT_VARIABLES}
    text = fill_template(survey_question(settings, case["language"]),
                         {**values, "expected_wait": "", "business_hours": "", "article": ""})
    if why := too_long(draft.channel, text):  # the solve stands; the survey cannot go
        record_audit(conn, actor=agent, action="csat.skipped", case_id=case_id,
                     reason=f"no satisfaction survey: its question is {why}", at=db_time(now))
        return
    message_id = queue_draft(conn, case_id, replace(draft, text=text), author=agent, at=now,
                             automatic=KIND, reason="satisfaction survey",
                             template=(window.template, window.language)
                             if window.template else None)
    changes = ChangeSet()
    surveys.ask(conn, case_id, case["owner"] or agent, message_id, db_time(now), changes)
    record_audit(conn, actor=agent, action="csat.asked", case_id=case_id,
                 reason=f"asked on {case['channel']}", changes=changes, at=db_time(now))


def survey_question(settings: Settings, language: str | None) -> str:
    """The question for a customer writing in `language`: the team's for it, else their
    `question`, in `language`'s built-in words if they kept omnitui's (a German customer
    was asked in English)."""
    if language in settings.csat.languages:
        return settings.csat.languages[language]
    return own_or_built_in(settings.csat.question, "survey", language)
