"""The intake assistant: on a chat channel, when nobody can answer at once, a few questions
while the customer waits for a person ([assistant], off by default).

When a conversation starts on one of its channels outside business hours, or with no agent
free for its queue, it greets the customer, says plainly that a person will answer and when
(the acknowledgement's honest expected wait), and asks its questions one at a time: what it
is about (a choice mapped to an intent moves the case to that intent's queue), the order or
account number, how to get back to them. Each answer is kept on the case as a named field
(`cases.fields`); a question the first message already answers is not asked.

It never stands between the customer and a person: the case is in the queue, routed, from
the first message; it stops for good the moment an agent replies, asks each question once,
never asks again after an answer it cannot read (that is a skip: the words stay on the
timeline), ends silently when an answer comes later than `timeout`, and speaks only in
answer to the customer's own messages (at most one message each, one per question plus a
closing), so two bots cannot keep each other talking. Live intake only; every message and
every field it writes goes through the action layer as its own actor, audited.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from omnitui.config import AssistantChoice, AssistantQuestion, AssistantSettings, Settings
from omnitui.config.hours import parse_duration
from omnitui.model import InboundEvent, IngestResult, Status
from omnitui.services import actions
from omnitui.services.acknowledge import acknowledgement_values
from omnitui.services.macros import fill_template
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.services.upkeep import Upkeep
from omnitui.services.wait_words import ENGLISH, own_or_built_in
from omnitui.store import assistant as runs
from omnitui.store import cases as case_store
from omnitui.store.audit import ChangeSet, record_audit
from omnitui.store.db import StoreError, db_time, parse_db_time, savepoint, utc_now
from omnitui.triage.answers import find_pattern, read_answer
from omnitui.triage.assignment import choose_agent
from omnitui.wording import span

log = logging.getLogger("omnitui.assistant")

ACTOR = "omnitui-assistant"
KIND = "assistant"  # messages.auto_submitted of what it sends


class Assistant:
    """An automation of the intake pipeline (services/intake.py, live intake only)."""

    def __init__(self, settings: Settings, upkeep: Upkeep,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.config = settings.assistant
        self.questions = self.config.questions
        self.upkeep = upkeep
        self.clock = clock
        self.timeout = parse_duration(self.config.timeout)
        self.intent_queues = {i.name: i.queue for i in settings.intents}
        # what it speaks besides the team's default words: the languages the team
        # acknowledges in, and those it wrote its questions in
        self.languages = {*settings.acknowledge.languages,
                          *(code for q in self.questions for code in q.languages)}

    def __call__(self, conn: sqlite3.Connection, event: InboundEvent,
                 result: IngestResult) -> None:
        if result.case_id is None or result.duplicate or event.asks_nothing or \
                event.channel not in self.config.channels or \
                (event.reply_route or {}).get("public"):  # a group, a comment: not a chat
            return
        now = self.clock()
        try:  # the assistant failing never costs the customer's message
            with savepoint(conn):
                run = runs.run_of(conn, result.case_id)
                if run is None and result.new_case and \
                        self._unattended(conn, result.case_id, event.channel, now):
                    self._start(conn, event, result.case_id, now)
                elif run is not None and run.ended is None:
                    self._answered(conn, run, event, result, now)
        except StoreError as exc:  # what it would say cannot go (too long, nowhere to)
            log.warning("case #%s: the intake assistant stopped: %s", result.case_id, exc)
        except Exception:
            log.warning("case #%s: the intake assistant stopped", result.case_id,
                        exc_info=True)

    def _unattended(self, conn: sqlite3.Connection, case_id: int, channel: str,
                    now: datetime) -> bool:
        """Closed, or nobody free for the case's queue (routing gave it to nobody)."""
        case = case_store.require_case(conn, case_id)
        if self.config.when == "always":
            return True
        if case["owner"] is not None:
            return False
        keeper, router = self.upkeep.sla, self.upkeep.router
        if not keeper.calendar(keeper.policy(case["queue"], case["sla_policy"])).is_open(now):
            return True
        queue = router.queues.get(case["queue"])
        return choose_agent(router.candidates(conn, now), queue.skills if queue else (),
                            router.channel_class(channel), now).agent is None

    # -- the conversation -----------------------------------------------------------------

    def _start(self, conn: sqlite3.Connection, event: InboundEvent, case_id: int,
               now: datetime) -> None:
        case = case_store.require_case(conn, case_id)
        known = self._already_said(event, case)
        first = self._next(0, known)
        self._keep(conn, case_id, known, None, now, "said in their first message")
        if first is None:
            return  # nothing left to ask: an acknowledgement, if enabled, speaks
        greeting, values = self._own_words(conn, case, "greeting", event.channel, now)
        question = ask(self.config, self.questions[first], self._language(case))
        text = f"{fill_template(greeting, values)}\n\n{question}"
        changes = ChangeSet()
        runs.start(conn, case_id, event.channel, first, db_time(now), changes)
        self._say(conn, case_id, event.channel, text, now, changes,
                  f"started ({values['expected_wait']}); asked {self._which(first)}")

    def _answered(self, conn: sqlite3.Connection, run: runs.Run, event: InboundEvent,
                  result: IngestResult, now: datetime) -> None:
        case_id = run.case_id
        case = case_store.require_case(conn, case_id)
        if writer := case_store.person_replying_since(conn, case_id, run.started_at):
            return self._end(conn, case_id, f"{writer} replied", now)
        if result.reopened or case["status"] not in (Status.NEW, Status.OPEN):
            return self._end(conn, case_id, f"the case is {case['status']}", now)
        if (now - parse_db_time(run.asked_at)).total_seconds() > self.timeout:
            return self._end(conn, case_id, f"no answer within {span(self.timeout)}", now)
        index = run.question
        if index is None or index >= len(self.questions):
            return self._end(conn, case_id, "its questions were changed", now)
        question = self.questions[index]
        answer = read_answer(question, event.text, event.intent, case["language"])
        fields = json.loads(case["fields"] or "{}")
        known = {**self._already_said(event, case), **fields}
        if answer is not None:
            known[question.field] = answer.value
        self._keep(conn, case_id, {k: v for k, v in known.items() if k not in fields},
                   answer.choice if answer else None, now, f"answer to {self._which(index)}")
        following = self._next(index + 1, known)
        changes = ChangeSet()
        if following is None:
            closing, values = self._own_words(conn, case, "closing", event.channel, now)
            self._say(conn, case_id, event.channel, fill_template(closing, values), now,
                      changes, "thanked the customer")
            return self._end(conn, case_id, "answered" if answer else "asked everything", now)
        runs.asked(conn, case_id, following, db_time(now), changes)
        self._say(conn, case_id, event.channel,
                  ask(self.config, self.questions[following], self._language(case)), now,
                  changes, f"asked {self._which(following)}")

    def _own_words(self, conn: sqlite3.Connection, case: case_store.Row, which: str,
                   channel: str, now: datetime) -> tuple[str, dict[str, str]]:
        """The greeting or the closing, and its variables: the team's as they wrote it, or
        the built-in one in the customer's language when the team speaks it (`_language`;
        a German customer was greeted in English)."""
        template = getattr(self.config, which)
        language = self._language(case)
        if template != getattr(ENGLISH, which):
            language = None  # the team's own words: its variables in English
        template = own_or_built_in(template, which, language)
        return template, acknowledgement_values(conn, self.settings, self.upkeep.sla,
                                                case["id"], channel, now, template, language)

    def _language(self, case: case_store.Row) -> str | None:
        """The customer's language when the team speaks it here: it acknowledges in it
        ([acknowledge.languages]) or wrote the questions in it; else None (its default
        words). German questions after an English greeting read as two helpdesks."""
        return case["language"] if case["language"] in self.languages else None

    def _already_said(self, event: InboundEvent, case: case_store.Row) -> dict[str, str]:
        """Answers the customer's message gives without being asked: an order number a
        pattern finds, a topic its intent tells."""
        found: dict[str, str] = {}
        for question in self.questions:
            if question.pattern and (hit := find_pattern(question,
                                                         f"{event.subject}\n{event.text}")):
                found[question.field] = hit.value
            intent = event.intent or case["intent"]
            chosen = [c for c in question.choices if intent and c.intent == intent]
            if len(chosen) == 1:
                found[question.field] = chosen[0].label
        return found

    def _next(self, start: int, known: dict[str, str]) -> int | None:
        return next((i for i in range(start, len(self.questions))
                     if self.questions[i].field not in known), None)

    def _which(self, index: int) -> str:
        return f"question {index + 1} of {len(self.questions)} ({self.questions[index].field})"

    # -- through the action layer ---------------------------------------------------------

    def _keep(self, conn: sqlite3.Connection, case_id: int, new: dict[str, str],
              choice: AssistantChoice | None, now: datetime, how: str) -> None:
        """New answers onto the case's fields; a choice mapped to an intent sets the case's
        intent and moves it to that intent's queue (unless an agent chose the queue or has
        the case), where routing takes it on."""
        if not new:
            return
        case = case_store.require_case(conn, case_id)
        fields = {**json.loads(case["fields"] or "{}"), **new}
        values: dict[str, object] = {"fields": json.dumps(fields, ensure_ascii=False)}
        said = "; ".join(f"{k}: {v}" for k, v in new.items())
        queue = self.intent_queues.get(choice.intent) if choice and choice.intent else None
        if choice and choice.intent:
            values["intent"] = choice.intent
        moved = bool(queue) and queue != case["queue"] and not case["queue_by_hand"] and \
            case["owner"] is None
        if moved:
            values.update(queue=queue, sla_policy=self.upkeep.sla.queue_policy(queue))
            said += f" → queue {queue}"
        actions.edit(conn, case_id, values, actor=ACTOR, at=now, action="case.fields",
                     reason=f"{said} ({how})")
        if moved:
            self.upkeep.refresh(conn, case_id, now)
            self.upkeep.router.route(conn, case_id, now, say_wait=True)

    def _say(self, conn: sqlite3.Connection, case_id: int, channel: str, text: str,
             now: datetime, changes: ChangeSet, what: str) -> None:
        draft = replace(start_draft(conn, case_id, "reply", channel=channel), text=text)
        queue_draft(conn, case_id, draft, author=ACTOR, at=now, automatic=KIND,
                    reason=f"intake assistant: {what}")
        record_audit(conn, actor=ACTOR, action="assistant.asked", case_id=case_id,
                     reason=what, changes=changes, at=db_time(now))

    def _end(self, conn: sqlite3.Connection, case_id: int, why: str, now: datetime) -> None:
        changes = ChangeSet()
        runs.end(conn, case_id, why, db_time(now), changes)
        record_audit(conn, actor=ACTOR, action="assistant.ended", case_id=case_id,
                     reason=why, changes=changes, at=db_time(now))


def ask(config: AssistantSettings, question: AssistantQuestion, language: str | None) -> str:
    """A question as a customer writing in `language` reads it, its choices numbered: in
    their language where the team wrote it in it, the hint with it (the team's for it,
    else the built-in one while `hint` is omnitui's); else the team's default words. A
    German customer read English questions under a German greeting."""
    offered = language if language in question.languages else None
    lines = [question.languages[offered] if offered else question.ask]
    lines += [f"{number}) {choice.languages[offered] if offered else choice.label}"
              for number, choice in enumerate(question.choices, start=1)]
    if question.choices:
        lines.append(config.hints[offered] if offered in config.hints else
                     own_or_built_in(config.hint, "hint", offered))
    return "\n".join(line.strip() for line in lines)
