"""Acknowledgements: the automatic first touch on live intake.

A customer who writes in hears at once that their message arrived, that a person will answer,
and honestly when: the queue's own first-response times (the 80th percentile over the last
14 days, in the policy's time), never more than the SLA target, and, when the team is closed,
when it opens. It goes out through the action layer as the system's own actor, audited with
the rule that fired, marked Auto-Submitted, and answers nothing: the case stays new and its
first-response clock keeps running. A message about a product with an outage going on
(services/events.py) hears that we know and are working on it.

Never twice on a case within the window, never to automatic mail (bounces, out-of-office
replies, mailing lists, bulk mail, another helpdesk's acknowledgement: RFC 3834) nor to
no-reply senders nor our own mailboxes, never for mail older than `max_age` (a first sync
of an old mailbox), and only where intake is live (the daemon): an import acknowledges
nothing.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from omnitui.addresses import no_reply
from omnitui.config import Settings
from omnitui.config.hours import parse_duration
from omnitui.config.templates import ACKNOWLEDGEMENT_VARIABLES, template_parts
from omnitui.model import InboundEvent, IngestResult
from omnitui.services.events import OutageWatch, incident_line
from omnitui.services.macros import fill_template, template_values
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.services.sla import SlaKeeper
from omnitui.services.wait_words import (
    ENGLISH,
    WaitWords,
    at_words,
    opening_hours,
    promise_words,
    words_in,
)
from omnitui.store import assistant as assistant_runs
from omnitui.store import cases as case_store
from omnitui.store.db import StoreError, db_time, savepoint, utc_now

log = logging.getLogger("omnitui.acknowledge")

ACTOR = "omnitui-acknowledge"
KIND = "acknowledgement"  # messages.auto_submitted of what it sends
HISTORY_DAYS = 14  # the queue's first responses it reads for the expected wait
HISTORY_CASES = 500  # at most this many of them (the newest)
PERCENTILE = 0.8  # "we usually answer within": four in five were answered within it
MIN_SAMPLES = 5  # fewer answered cases than this: the SLA target alone
class Acknowledger:
    """An automation of the intake pipeline (services/intake.py, live intake only)."""

    def __init__(self, settings: Settings, keeper: SlaKeeper,
                 clock: Callable[[], datetime] = utc_now,
                 outages: OutageWatch | None = None) -> None:
        self.settings = settings
        self.outages = outages
        self.config = settings.acknowledge
        self.keeper = keeper
        self.clock = clock
        self.window = parse_duration(self.config.window)
        self.max_age = parse_duration(self.config.max_age)
        self.ours = frozenset(a.casefold() for a in settings.own_addresses)

    def __call__(self, conn: sqlite3.Connection, event: InboundEvent,
                 result: IngestResult) -> None:
        if not self.config.enabled or result.case_id is None or result.duplicate:
            return
        if not (result.new_case or result.reopened) or self._never(event):
            return
        now = self.clock()
        if (now - event.occurred_at).total_seconds() > self.max_age:
            return
        try:  # an acknowledgement that cannot go never costs the customer's message
            with savepoint(conn):
                self._acknowledge(conn, event, result.case_id, now)
        except StoreError as exc:  # nowhere to send it (a web form with no way back)
            log.warning("case #%s: no acknowledgement sent: %s", result.case_id, exc)
        except Exception:
            log.warning("case #%s: no acknowledgement sent", result.case_id, exc_info=True)

    def _never(self, event: InboundEvent) -> bool:
        """Automatic mail of any kind, senders that cannot read an answer, and our own
        mailboxes (a mail from support@ was acknowledged to support@; only the echo's
        dedupe kept that from a loop)."""
        if event.asks_nothing:
            return True
        return any(i.kind == "email" and (no_reply(i.value)
                                          or i.value.casefold() in self.ours)
                   for i in event.identifiers)

    def _acknowledge(self, conn: sqlite3.Connection, event: InboundEvent, case_id: int,
                     now: datetime) -> None:
        since = db_time(now - timedelta(seconds=self.window))
        if case_store.automatic_reply_since(conn, case_id, KIND, since) or \
                assistant_runs.run_of(conn, case_id) is not None:
            return  # the intake assistant's greeting said it (services/assistant.py)
        case = case_store.require_case(conn, case_id)
        language = acknowledgement_language(self.settings, event.language)
        template = self.config.languages[language] if language else \
            self.config.templates.get(event.channel, self.config.template)
        values = acknowledgement_values(conn, self.settings, self.keeper, case_id,
                                        event.channel, now, template, language)
        draft = start_draft(conn, case_id, "reply", channel=event.channel)
        text = fill_template(template, values)
        if self.outages is not None and (
                outage := self.outages.matching(conn, f"{event.subject}\n{event.text}")):
            told = incident_line(outage, self.settings.business_hours.time_zone, now,
                                 words_in(language))
            text = f"{text}\n\n{told}"
        draft = replace(draft, text=text)
        queue_draft(conn, case_id, draft, author=ACTOR, at=now, automatic=KIND,
                    reason=f"acknowledge: {'new' if case['status'] == 'new' else 'reopened'}"
                           f" case on {event.channel}; {values['expected_wait']}")


def acknowledgement_language(settings: Settings, language: str | None) -> str | None:
    """What we write to a customer writing in `language` is in: theirs when the team wrote
    an acknowledgement in it ([acknowledge.languages]), else None (English)."""
    return language if language in settings.acknowledge.languages else None


def acknowledgement_values(conn: sqlite3.Connection, settings: Settings, keeper: SlaKeeper,
                           case_id: int, channel: str, now: datetime,
                           template: str, language: str | None = None) -> dict[str, str]:
    """The variables of an acknowledgement's template (and the intake assistant's) on a
    case, as it is now, the wait and the hours in `language` (the template's; None:
    English); the article is looked for only when `template` names it (a search on every
    new case otherwise)."""
    case = case_store.require_case(conn, case_id)
    names = {name for _, name in template_parts(template, ACKNOWLEDGEMENT_VARIABLES)}
    words = words_in(language)
    values = {**template_values(conn, case_id, ACTOR),
              "expected_wait": expected_wait(conn, keeper, case, channel, now, language),
              "business_hours": opening_hours(settings.business_hours, words),
              "article": article_sentence(conn, settings, case_id, words)
              if "article" in names else ""}
    return {k: v for k, v in values.items() if k in ACKNOWLEDGEMENT_VARIABLES}


def article_sentence(conn: sqlite3.Connection, settings: Settings, case_id: int,
                     words: WaitWords = ENGLISH) -> str:
    """The knowledge-base article most likely to help, as a sentence in `words` with its
    link (or, without [kb] base_url, its first paragraph); "" without a knowledge base or a
    match."""
    from omnitui.services.kb import insertion, suggestions

    found = suggestions(conn, settings, case_id, limit=1)
    if not found:
        return ""
    return words.article.format(title=found[0].title, link=insertion(settings.kb, found[0]))


def expected_wait(conn: sqlite3.Connection, keeper: SlaKeeper, case: case_store.Row,
                  channel: str, now: datetime, language: str | None = None) -> str:
    """The honest sentence: how long this queue takes to answer, and when it opens, in
    `language` (English without its words)."""
    policy = keeper.policy(case["queue"], case["sla_policy"])
    calendar = keeper.calendar(policy)
    target = keeper.targets(policy, channel, case["tier"] or "")["first_response"]
    typical = typical_first_response(conn, case["queue"], now)
    bound = min(x for x in (typical, target) if x is not None) if (
        typical is not None or target is not None) else None
    words = words_in(language)
    working = not calendar.always_open
    if calendar.is_open(now):
        return promise_words(bound, working, words=words)
    opens = calendar.add(now, 0).astimezone(calendar.zone)
    # a weekday a week or more away reads as this week's ("Wednesday" for 6 January, said
    # on 22 December): it takes its date
    later = (opens.date() - now.astimezone(calendar.zone).date()).days >= 7
    when = at_words(f"{opens:%H:%M}", opens.weekday(),
                    (opens.day, opens.month) if later else None, words)
    return promise_words(bound, working, when, str(calendar.zone or ""), words)


def typical_first_response(conn: sqlite3.Connection, queue: str,
                           now: datetime) -> float | None:
    """The queue's 80th-percentile first response over the last days, in its clocks'
    seconds; None with too few answered cases to say."""
    waits = sorted(case_store.first_response_times(
        conn, queue, db_time(now - timedelta(days=HISTORY_DAYS)), HISTORY_CASES))
    if len(waits) < MIN_SAMPLES:
        return None
    return waits[math.ceil(PERCENTILE * len(waits)) - 1]
