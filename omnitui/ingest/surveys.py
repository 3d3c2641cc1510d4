"""Answers to the satisfaction survey (services/csat.py asks it when an agent solves a
case): a short reply that reads as a score (triage/csat.py), to a survey asked within
`[csat] window`, joins the surveyed case without reopening it, and the score is recorded
against the case and its agent. Anything else is threaded as usual."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from omnitui.config import CsatSettings
from omnitui.config.hours import parse_duration
from omnitui.ingest.threading import ThreadDecision
from omnitui.model import InboundEvent
from omnitui.store import csat as surveys
from omnitui.store.audit import record_audit
from omnitui.store.db import db_time
from omnitui.triage.csat import answer_line, rating
from omnitui.vocabulary import SURVEY_ANSWER


def survey_answer(conn: sqlite3.Connection, event: InboundEvent, customer_id: int,
                  csat: CsatSettings, now: datetime) -> ThreadDecision | None:
    """Where an answer to an open survey goes (None: not one)."""
    if not csat.enabled or event.asks_nothing or rating(event.text or event.subject) is None:
        return None
    since = db_time(now - timedelta(seconds=parse_duration(csat.window)))
    case_id = surveys.open_survey(conn, customer_id, since)
    if case_id is None:
        return None
    return ThreadDecision(case_id, SURVEY_ANSWER,
                          f"an answer to the satisfaction survey of case #{case_id}")


def record_answer(conn: sqlite3.Connection, case_id: int, event: InboundEvent,
                  at: str) -> None:
    """The customer's score, against the case and its agent, audited."""
    text = (event.text or event.subject).strip()
    score = rating(text)
    if score is not None:  # the line it read, not the survey their mail program quoted
        surveys.answer(conn, case_id, score, answer_line(text)[:200], at)
        record_audit(conn, actor="ingest", action="csat.answered", case_id=case_id,
                     reason=f"satisfaction {score}/5", at=at)
