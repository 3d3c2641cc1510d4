"""Each pipeline stage alone, on a real store where it needs one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnitui.config import (
    PrioritySettings,
    RoutingSettings,
    Settings,
    TriageSettings,
)
from omnitui.ingest.dedupe import dedupe
from omnitui.ingest.identity import identify
from omnitui.ingest.pipeline import Pipeline
from omnitui.ingest.threading import thread
from omnitui.model import Identifier
from omnitui.store.db import Store, utc_now
from omnitui.triage.calendar import Calendar
from omnitui.triage.classify import classify
from omnitui.triage.priority import Facts, score
from omnitui.triage.route import Routing, route
from tests.conftest import chat_event

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_dedupe_alone(store: Store, pipeline: Pipeline) -> None:
    event = chat_event("telegram", "5", "hi", external_id="tg-1")
    assert dedupe(store.conn, event) is None
    stored = pipeline.ingest(event)
    again = dedupe(store.conn, chat_event("telegram", "5", "other text", external_id="tg-1"))
    assert again and again.duplicate and again.message_id == stored.message_id
    assert dedupe(store.conn, chat_event("sms", "5", "hi", external_id="tg-1")) is None


def test_identify_alone(store: Store) -> None:
    event = chat_event("sms", "", "hi", name="Ann Lee", identifiers=[
        Identifier("phone", "+1 415 555 0100", verified=True),
        Identifier("email", "ANN@example.com", verified=True)])
    with store.write() as conn:
        who = identify(conn, event, Settings().identity, "2026-05-04 09:00:00")
        again = identify(conn, chat_event("email", "", "x", identifiers=[
            Identifier("email", "ann@example.com", verified=True)]), Settings().identity,
            "2026-05-04")
    assert who.new_customer and not again.new_customer
    assert again.customer_id == who.customer_id
    assert store.conn.execute("SELECT name FROM customers").fetchone()[0] == "Ann Lee"


def test_thread_alone_new_then_open_case(store: Store, pipeline: Pipeline) -> None:
    first = pipeline.ingest(chat_event("telegram", "5", "hi"))
    decision = thread(store.conn, chat_event("telegram", "5", "more"), first.customer_id,
                      Settings().threading, utc_now())
    assert (decision.case_id, decision.rule) == (first.case_id, "customer-open-case")
    other = thread(store.conn, chat_event("telegram", "6", "x"), 999, Settings().threading,
                   utc_now())
    assert (other.case_id, other.rule) == (None, "new-case")


def test_classify_alone() -> None:
    triage = TriageSettings()
    assert classify(chat_event("chat", "1", "Checkout is DOWN, outage!"), triage).urgent
    assert not classify(chat_event("chat", "1", "thanks, all good"), triage).urgent
    # in the demo's languages as in English: the same outage, the same priority
    for text in ("Unser Team bekommt seit 09:10 den Fehler 503, das ist dringend.",
                 "Nuestro equipo tiene el error 503 desde las 09:10, es urgente.",
                 "Il servizio non funziona da stamattina.", "O site está fora do ar."):
        assert classify(chat_event("chat", "1", text), triage).urgent, text
    # a signature's "emergency line" is not the customer saying so
    assert not classify(chat_event("chat", "1", "Where is my invoice?\n\nBest regards,\nAnn\n"
                                   "Emergency line: +44 20 7946 0000"), triage).urgent
    auto = chat_event("chat", "1", "URGENT: THIS IS STILL NOT WORKING, unacceptable")
    auto.auto_submitted = "auto-submitted: auto-replied"
    classify(auto, triage)
    assert not auto.urgent and auto.irritation is None and auto.sentiment is None


def test_route_alone_names_the_queue_and_why() -> None:
    def plan(channel: str) -> Routing:
        return route(chat_event(channel, "1", "x", at=T0),
                     routing=RoutingSettings(channel_queues={"whatsapp": "messaging"}))

    assert (plan("email").queue, plan("email").queue_reason) == ("general",
                                                                 "the default queue")
    assert (plan("whatsapp").queue, plan("whatsapp").queue_reason) == ("messaging",
                                                                       "channel whatsapp")


def test_the_score_alone_is_a_predictable_sum() -> None:
    def total(tier: str, *, urgent: bool = False, live: bool = False,
              waiting_hours: float | None = None) -> tuple[float, str]:
        facts = Facts(tier=tier, severity=1, urgent=urgent, live_channel=live, sentiment=None,
                      irritated=False, attributes={},
                      waiting_since=None if waiting_hours is None else
                      T0 - timedelta(hours=waiting_hours))
        found = score(facts, PrioritySettings(), Calendar(), T0)
        return found.total, found.breakdown()

    assert total("standard") == (10.0, "10 = severity 10")
    assert total("vip", urgent=True, live=True, waiting_hours=3.5) == (
        71.0, "71 = vip 30 + severity 10 + urgent 15 + live channel 10 + waiting 3h 6")
    assert total("standard", waiting_hours=100)[0] == 10 + 30  # capped
