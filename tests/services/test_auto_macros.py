"""Macros that run by themselves on live intake: once a case, their changes and reply
together (a draft for whoever takes the case, or sent where the macro may send), at most N
a message, never on an import; undo takes all of it back while the reply is queued."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnitui.config import AutomationSettings, Macro, MacroWhen, Settings
from omnitui.services import drafts
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.playbooks import ACTOR
from omnitui.store.db import Store
from tests.conftest import chat_event

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TAG = Macro("Tag refunds", tags=["refund"], run="auto", when=MacroWhen(text="(?i)refund"))
APOLOGY = Macro("Double charge", tags=["double-charge"], queue="billing", run="auto",
                reply="Sorry, {customer_first_name}: we are refunding the duplicate.",
                when=MacroWhen(text="(?i)charged twice"))


def live(store: Store, settings: Settings, text: str, handle: str = "7") -> int:
    event = chat_event("telegram", handle, text, name="Kim Park", at=NOW)
    result = intake_pipeline(store, settings, clock=lambda: NOW, live=True).ingest(event)
    assert result.case_id is not None
    return result.case_id


def case(store: Store, case_id: int) -> tuple[str, str]:
    return store.conn.execute("SELECT tags, queue FROM cases WHERE id = ?",
                              (case_id,)).fetchone()


def outgoing(store: Store, case_id: int) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT text FROM messages WHERE case_id = ? AND direction = 'out'", (case_id,))]


def test_a_macro_without_a_reply_applies_at_once_and_only_once(store: Store) -> None:
    settings = Settings(macros=[TAG])
    case_id = live(store, settings, "I want a refund")
    assert case(store, case_id)[0] == '["refund"]'
    reason = store.conn.execute("SELECT actor, reason FROM audit WHERE action = 'macro.auto'"
                                ).fetchall()
    assert reason == [(ACTOR, "Tag refunds: applied")]
    with store.write() as conn:
        conn.execute("UPDATE cases SET tags = '[]'")  # an agent took the tag off
    live(store, settings, "still no refund")
    assert case(store, case_id)[0] == "[]"  # once a case: the agent's choice stands


def test_a_reply_waits_as_a_draft_with_the_changes_until_an_agent_sends_it(
        store: Store) -> None:
    settings = Settings(macros=[APOLOGY])
    case_id = live(store, settings, "I was charged twice")
    assert case(store, case_id) == ("[]", "general")  # nothing changed yet
    assert outgoing(store, case_id) == []
    kept = drafts.kept(store, "erin", case_id, "reply")  # any agent finds it
    assert kept is not None and kept[0].macro == "Double charge"
    assert kept[0].text == "Sorry, Kim: we are refunding the duplicate."
    Desk(store, "erin", settings, clock=lambda: NOW).send_draft(case_id, kept[0])
    assert case(store, case_id) == ('["double-charge"]', "billing")
    assert outgoing(store, case_id) == ["Sorry, Kim: we are refunding the duplicate."]
    assert drafts.kept(store, "bob", case_id, "reply") is None  # sent: gone for everyone


def test_where_it_may_send_it_does_and_undo_takes_all_of_it_back(store: Store) -> None:
    settings = Settings(macros=[Macro(**{**APOLOGY.__dict__, "send": ["telegram"]})])
    case_id = live(store, settings, "I was charged twice")
    assert case(store, case_id) == ('["double-charge"]', "billing")
    assert outgoing(store, case_id) == ["Sorry, Kim: we are refunding the duplicate."]
    Desk(store, ACTOR, settings).undo()  # the reply is still queued
    assert case(store, case_id) == ("[]", "general")
    assert outgoing(store, case_id) == []
    assert store.conn.execute("SELECT count(*) FROM messages WHERE direction = 'in'"
                              ).fetchone()[0] == 1  # the customer's message stays


def test_at_most_n_a_message_and_never_on_an_import(store: Store) -> None:
    second = Macro("Tag money", tags=["money"], run="auto", when=MacroWhen(text="(?i)refund"))
    settings = Settings(macros=[TAG, second],
                        automation=AutomationSettings(max_macros_per_message=1))
    case_id = live(store, settings, "refund please")
    assert case(store, case_id)[0] == '["refund"]'
    imported = intake_pipeline(store, settings, clock=lambda: NOW).ingest(
        chat_event("telegram", "8", "refund please too", at=NOW)).case_id
    assert case(store, imported)[0] == "[]"


def test_on_a_public_post_a_private_macro_answers_privately_and_acknowledges_publicly(
        store: Store) -> None:
    from dataclasses import replace

    from omnitui.services.fitting import suggested

    settings = Settings(macros=[replace(APOLOGY, private=True)])
    comment = replace(chat_event("instagram", "ig7", "I was charged twice!", name="Kim Park",
                                 at=NOW),
                      reply_route={"hook": "meta", "platform": "instagram", "comment_id": "c1",
                                   "recipient": "ig7", "public": True})
    case_id = intake_pipeline(store, settings, clock=lambda: NOW,
                              live=True).ingest(comment).case_id
    assert case_id is not None
    [prepared] = drafts.prepared(store, case_id)
    assert (prepared.slot, prepared.macro) == ("reply-private", "Double charge")
    assert suggested(store.conn, settings, case_id, NOW) == []  # it ran: no suggestion
    Desk(store, "erin", settings, clock=lambda: NOW).send_draft(case_id, prepared)
    assert outgoing(store, case_id) == [
        "Thanks! We have sent you a private message, so we can continue there.",
        "Sorry, Kim: we are refunding the duplicate."]
    routes = [r[0] for r in store.conn.execute(
        "SELECT reply_route FROM messages WHERE case_id = ? AND direction = 'out'"
        " ORDER BY id", (case_id,))]
    assert routes[0] is None and '"private": true' in routes[1]
    assert case(store, case_id) == ('["double-charge"]', "billing")
    # filed by an import, the same comment has the playbook suggested instead
    imported = intake_pipeline(store, settings, clock=lambda: NOW).ingest(replace(
        comment, external_id="c2", identifiers=[replace(comment.identifiers[0],
                                                        value="ig8")])).case_id
    assert imported is not None
    assert [m.name for m in suggested(store.conn, settings, imported, NOW)] == [
        "Double charge"]


@pytest.mark.timeout(30)  # with `re`, this message held the daemon's intake for hours
def test_a_text_pattern_that_cannot_finish_in_time_does_not_fit_and_says_which_macro(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    careless = Macro("Tag spam", tags=["spam"], run="auto", when=MacroWhen(text=r"(a|aa)+$"))
    case_id = live(store, Settings(macros=[careless, TAG]), "refund? " + "a" * 40 + "!")
    assert case(store, case_id)[0] == '["refund"]'  # the next macro still ran
    assert "macro 'Tag spam' when.text took over 0.1 s and was skipped" in caplog.text
    assert "aaaa" not in caplog.text


def test_a_reply_too_long_to_send_where_it_may_waits_as_a_draft_saying_why(
        store: Store) -> None:
    """An automatic macro's reply longer than its channel takes in one message went to the
    outbox to fail there: it waits for an agent to shorten, the macro not applied yet."""
    long = Macro(**{**APOLOGY.__dict__, "send": ["telegram"], "reply": "Sorry! " * 600})
    settings = Settings(macros=[long])
    case_id = live(store, settings, "I was charged twice")
    assert outgoing(store, case_id) == [] and case(store, case_id) == ("[]", "general")
    kept = drafts.kept(store, "erin", case_id, "reply")
    assert kept is not None and kept[0].text.startswith("Sorry! Sorry!")
    [(reason,)] = store.conn.execute("SELECT reason FROM audit WHERE action = 'macro.auto'")
    assert reason.endswith("too long for telegram: 4,200 characters, the most one message "
                           "holds is 4,096 (shorten it by 104)")
