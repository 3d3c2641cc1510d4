"""The webhook receiver, through the daemon, with real HTTP requests on loopback built and
signed the way each platform builds them (tests/channels/webhook_clients.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from omnitui.config import HookChannel, Product, ServerSettings, Settings
from omnitui.daemon.service import Daemon
from omnitui.model import Identifier, Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store.channel_state import channel_states
from omnitui.store.db import Store, parse_db_time
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import (
    PUBLIC_URL,
    SECRETS,
    post_generic,
    post_meta,
    post_slack,
    post_telegram,
    post_twilio,
    slack_message,
    telegram_update,
    twilio_form,
    wa_message,
    whatsapp_delivery,
)
from tests.conftest import chat_event, make_email, wait_for
from tests.recording_server import RecordingServer, recording_server


def hook_settings(port: int, api_base: str) -> Settings:
    """Every platform's channel; replies go to `api_base` (a recording server)."""
    return Settings(server=ServerSettings(listen=f"127.0.0.1:{port}", public_url=PUBLIC_URL),
                    products=[Product("payments", ["payment", "card"])], channels=[
        HookChannel("tg", "telegram", secret=SECRETS["tg"], token="123:tok", api_base=api_base),
        HookChannel("slack", "slack", secret=SECRETS["slack"], token="xoxb-1",
                    api_base=api_base),
        HookChannel("sms", "twilio", secret=SECRETS["sms"], account_sid="AC1",
                    api_base=api_base),
        HookChannel("meta", "meta", secret=SECRETS["meta"], token="EAA1",
                    verify_token=SECRETS["verify"], api_base=api_base),
        HookChannel("forms", "generic", secret=SECRETS["forms"], shown_as="web")])


@dataclass
class Hooks:
    client: httpx.Client
    db: Path
    daemon: Daemon
    api: RecordingServer

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with Store(self.db, migrate=False) as store:
            return store.conn.execute(sql, args).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"SELECT count(*) FROM {table}")[0][0]

    def filed(self, count: int) -> bool:
        """Every delivery filed, and `count` messages in the store."""
        return wait_for(lambda: self.rows(
            "SELECT count(*) FROM raw_payloads WHERE pending = 1")[0][0] == 0
            and self.count("messages") == count, 10)


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[Hooks]:
    port = free_port()
    with recording_server() as api:
        daemon = Daemon(tmp_path / "s.db", hook_settings(port, api.base_url))
        daemon.start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                yield Hooks(client, tmp_path / "s.db", daemon, api)
        finally:
            daemon.shutdown()


def test_telegram_text_photo_contact_and_retry(hooks: Hooks) -> None:
    first = telegram_update("my order is late")
    assert post_telegram(hooks.client, first).status_code == 200
    assert post_telegram(hooks.client, first).status_code == 200  # Telegram's retry
    photo = telegram_update(caption="the box", photo=[
        {"file_id": "small", "file_size": 10, "width": 90, "height": 90},
        {"file_id": "big", "file_size": 9000, "width": 1280, "height": 960}])
    contact = telegram_update(contact={"phone_number": "+1 555 123 4567", "first_name": "Ada",
                                       "user_id": 42})
    assert post_telegram(hooks.client, photo).status_code == 200
    assert post_telegram(hooks.client, contact).status_code == 200
    assert hooks.filed(3)
    assert hooks.count("raw_payloads") == 3
    texts = [r[0] for r in hooks.rows("SELECT text FROM messages ORDER BY id")]
    assert texts[0] == "my order is late"
    assert "the box" in texts[1] and "1280x960" in texts[1] and "big" in texts[1]
    assert "+1 555 123 4567" in texts[2]
    assert len({r[0] for r in hooks.rows("SELECT case_id FROM messages")}) == 1
    identities = hooks.rows("SELECT kind, value FROM identities ORDER BY id")
    assert identities == [("handle", "telegram:42"), ("phone", "+15551234567")]
    route = json.loads(hooks.rows("SELECT reply_route FROM messages LIMIT 1")[0][0])
    assert route == {"hook": "tg", "chat_id": 42, "message_id": first["message"]["message_id"],
                     "user_id": 42, "public": False}
    author, channel = hooks.rows("SELECT author, channel FROM messages LIMIT 1")[0]
    assert (author, channel) == ("Ada Lovelace", "telegram")


def test_a_telegram_sticker_reads_as_its_emoji(hooks: Hooks) -> None:
    """A sticker came in as "[sticker: 23,840 bytes] (telegram file ...)": the emoji it
    stands for, all the customer said, was dropped (the raw update kept it)."""
    sticker = telegram_update(sticker={
        "file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgADyQ", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
        "set_name": "HotCherry", "file_size": 23840})
    assert post_telegram(hooks.client, sticker).status_code == 200
    assert hooks.filed(1)
    [(text,)] = hooks.rows("SELECT text FROM messages")
    assert text == "[sticker 👍: 23,840 bytes] (telegram file CAACAgIAAxkBAAE)"


def test_slack_handshake_message_retry_and_own_echo(hooks: Hooks) -> None:
    answer = post_slack(hooks.client, {"type": "url_verification", "challenge": "ch4ll"})
    assert answer.status_code == 200 and answer.json() == {"challenge": "ch4ll"}
    message = slack_message("the app crashes", channel_type="channel")
    assert post_slack(hooks.client, message).status_code == 200
    retried = post_slack(hooks.client, message, headers={"X-Slack-Retry-Num": "1",
                                                         "X-Slack-Retry-Reason": "http_timeout"})
    assert retried.status_code == 200
    echo = slack_message("our own reply", bot_id="B1")
    assert post_slack(hooks.client, echo).status_code == 200
    assert hooks.filed(1)
    assert hooks.count("raw_payloads") == 1  # neither the retry nor the echo is stored
    text, route = hooks.rows("SELECT text, reply_route FROM messages")[0]
    assert text == "the app crashes"
    event = message["event"]
    assert json.loads(route) == {"hook": "slack", "channel": "C42", "ts": event["ts"],
                                 "thread_ts": event["ts"], "user": "U123", "public": True}


def test_twilio_sms_and_whatsapp_signed_with_and_without_the_port(hooks: Hooks) -> None:
    sms = twilio_form("where is my parcel?")
    answer = post_twilio(hooks.client, sms)
    assert answer.status_code == 200 and "<Response/>" in answer.text
    assert post_twilio(hooks.client, sms).status_code == 200  # the same MessageSid again
    whatsapp = twilio_form("photo attached", sender="whatsapp:+15551234567",
                           to="whatsapp:+15557654321", ProfileName="Ada", NumMedia="1",
                           MediaUrl0="https://api.twilio.com/media/ME1",
                           MediaContentType0="image/jpeg")
    port_signed = post_twilio(hooks.client, whatsapp,
                              signed_url=f"{PUBLIC_URL}:443/hooks/sms")
    assert port_signed.status_code == 200
    assert hooks.filed(2)
    rows = hooks.rows("SELECT channel, text, author, reply_route FROM messages ORDER BY id")
    assert [r[0] for r in rows] == ["sms", "whatsapp"]
    assert "image/jpeg" in rows[1][1] and rows[1][2] == "Ada"
    assert json.loads(rows[1][3]) == {"hook": "sms", "to": "whatsapp:+15551234567",
                                      "from": "whatsapp:+15557654321"}
    assert hooks.rows("SELECT kind, value FROM identities") == [("phone", "+15551234567")]


def test_meta_handshake_batches_statuses_and_echoes(hooks: Hooks) -> None:
    ok = hooks.client.get("/hooks/meta", params={"hub.mode": "subscribe", "hub.challenge": "42x",
                                                 "hub.verify_token": SECRETS["verify"]})
    assert (ok.status_code, ok.text) == (200, "42x")
    wrong = hooks.client.get("/hooks/meta", params={"hub.mode": "subscribe",
                                                    "hub.challenge": "1",
                                                    "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    batch = whatsapp_delivery([wa_message("one"), wa_message("two"),
                               wa_message("three", sender="15550009999")],
                              statuses=[{"id": "wamid.unknown", "status": "delivered",
                                         "timestamp": "1700000000", "recipient_id": "1"}],
                              entries=2)
    assert post_meta(hooks.client, batch).status_code == 200
    assert post_meta(hooks.client, batch).status_code == 200  # Meta's retry
    messenger = {"object": "page", "entry": [{"id": "PAGE1", "time": 1, "messaging": [
        {"sender": {"id": "PSID7"}, "recipient": {"id": "PAGE1"}, "timestamp": 1700000000000,
         "message": {"mid": "m.1", "text": "hello page"}},
        {"sender": {"id": "PAGE1"}, "recipient": {"id": "PSID7"}, "timestamp": 1700000000001,
         "message": {"mid": "m.2", "text": "our reply", "is_echo": True}}]}]}
    assert post_meta(hooks.client, messenger).status_code == 200
    assert hooks.filed(4)
    rows = hooks.rows("SELECT channel, text FROM messages ORDER BY id")
    assert rows == [("whatsapp", "one"), ("whatsapp", "two"), ("whatsapp", "three"),
                    ("messenger", "hello page")]
    cases = hooks.rows("SELECT DISTINCT case_id FROM messages WHERE channel = 'whatsapp'")
    assert len(cases) == 2  # two senders, two customers


def test_generic_message_customer_update_and_event(hooks: Hooks) -> None:
    form = {"type": "message", "from": {"email": "bob@example.com", "name": "Bob"},
            "subject": "Contact form", "text": "please call me back"}
    assert post_generic(hooks.client, form, msg_id="msg_1").status_code == 200
    assert post_generic(hooks.client, form, msg_id="msg_1").status_code == 200  # a retry
    update = {"type": "customer", "customer": {"email": "bob@example.com"}, "tier": "vip",
              "attributes": {"plan": "pro", "renewal_date": "2027-01-31"}}
    assert post_generic(hooks.client, update).status_code == 200
    event = {"type": "event", "customer": {"email": "bob@example.com"},
             "event": "payment_failed", "text": "card declined", "severity": 2}
    assert post_generic(hooks.client, event).status_code == 200
    assert hooks.filed(2)
    vip = "SELECT id, attributes FROM customers WHERE tier = 'vip'"
    assert wait_for(lambda: len(hooks.rows(vip)) == 1, 5)
    [(bob, attributes)] = hooks.rows(vip)
    assert json.loads(attributes) == {"plan": "pro", "renewal_date": "2027-01-31"}
    rows = hooks.rows("SELECT channel, subject, text, auto_submitted, urgent, customer_id"
                      " FROM messages ORDER BY id")
    assert rows[0][:5] == ("web", "Contact form", "please call me back", None, 0)
    assert rows[1] == ("alert", "payment failed", "card declined", "event: payment_failed", 1,
                       bob)
    # the form only stated the address the CRM vouches for: suggested, never linked
    assert hooks.count("customers") == 2 and rows[0][5] != bob
    # the failed payment acts as `omnitui event payment_failed` does: on bob's timeline,
    # his case raised and moved to billing
    assert hooks.rows("SELECT kind, customer_id, severity, text FROM business_events") == [
        ("payment_failed", bob, 2, "card declined")]
    assert hooks.rows("SELECT severity, queue FROM cases WHERE customer_id = ?",
                      bob) == [(2, "billing")]
    assert hooks.rows("SELECT source_id, target_id FROM suggestions") == [(rows[0][5], bob)]


def case_rows(hooks: Hooks) -> dict[int, tuple]:
    """Each case: (status, tier, priority, its breakdown, first response due,
    resolution due)."""
    return {row[0]: (*row[1:4], json.loads(row[4]), *row[5:]) for row in hooks.rows(
        "SELECT id, status, tier, priority, priority_parts, sla_first_response_due,"
        " sla_resolution_due FROM cases ORDER BY id")}


def test_a_customer_made_vip_is_one_on_their_open_case_at_once(hooks: Hooks) -> None:
    """The CRM's "vip" reached the customer alone: Bob's open case kept the standard
    targets and score, for as long as it stayed open. It takes the tier at once, scored
    "vip 30 + ...", its clocks replayed under the VIP targets (half of 8h to a first
    answer by mail, of two days to solve), audited as the intake's with its reason; his
    closed case stays as it was worked."""
    form = {"type": "message", "from": {"id": "u7", "name": "Bob"}, "subject": "Invoice",
            "text": "my invoice is wrong"}
    assert post_generic(hooks.client, form).status_code == 200
    assert hooks.filed(1)
    [closed] = case_rows(hooks)
    with Store(hooks.db, migrate=False) as store:
        desk = Desk(store, "alice")
        desk.each([closed], desk.status(Status.CLOSED))
    assert post_generic(hooks.client, {**form, "text": "and the new one too"}).status_code \
        == 200
    assert hooks.filed(2)
    [opened] = set(case_rows(hooks)) - {closed}
    before = case_rows(hooks)
    assert before[opened][:2] == ("new", "standard")

    update = {"type": "customer", "customer": {"id": "u7"}, "tier": "vip"}
    assert post_generic(hooks.client, update).status_code == 200
    assert wait_for(lambda: case_rows(hooks)[opened][1] == "vip", 10)
    after = case_rows(hooks)
    assert after[closed] == before[closed]  # its history is what it was
    assert after[opened][2] == before[opened][2] + 30
    assert ["vip", 30] in after[opened][3]
    for due, halved in ((4, timedelta(hours=4)), (5, timedelta(days=1))):  # of 8h and 2d
        assert parse_db_time(after[opened][due]) == parse_db_time(before[opened][due]) - halved
    assert hooks.rows("SELECT actor, reason FROM audit WHERE action = 'case.tier'") == [
        ("omnitui-ingest", "tier standard → vip: customer updated by forms")]


def test_a_vip_made_standard_keeps_the_breach_of_the_vip_target(hooks: Hooks) -> None:
    """Ann, a VIP, wrote on WhatsApp seven minutes ago and is still unanswered: the VIP
    target of five minutes is breached. Her CRM makes her standard (ten minutes): the case
    takes the standard tier and score and its longer resolution target, and the breach
    stays on record, due when it was."""
    phone = "+15551234567"
    vip = {"type": "customer", "customer": {"phone": phone}, "tier": "vip"}
    assert post_generic(hooks.client, vip).status_code == 200
    assert wait_for(lambda: hooks.rows("SELECT tier FROM customers") == [("vip",)], 10)
    wrote = datetime.now(UTC) - timedelta(minutes=7)
    with Store(hooks.db, migrate=False) as store:
        texted = chat_event("whatsapp", phone, "my card is blocked", at=wrote,
                            identifiers=[Identifier("phone", phone, verified=True)])
        intake_pipeline(store, hooks.daemon.settings, clock=lambda: wrote).ingest(texted)
    [(case_id, tier, late)] = hooks.rows("SELECT id, tier, sla_due FROM cases")
    assert tier == "vip" and parse_db_time(late) < datetime.now(UTC)
    before = case_rows(hooks)[case_id]

    standard = {**vip, "tier": "standard"}
    assert post_generic(hooks.client, standard).status_code == 200
    assert wait_for(lambda: case_rows(hooks)[case_id][1] == "standard", 10)
    after = case_rows(hooks)[case_id]
    assert after[2] == before[2] - 30 and ["vip", 30] not in after[3]
    assert after[4] == before[4]  # breached five minutes in, as a VIP
    assert parse_db_time(after[5]) == parse_db_time(before[5]) + timedelta(hours=2)
    with Store(hooks.db, migrate=False) as store:
        state = Desk(store, "alice").keeper.state(store.conn, case_id, datetime.now(UTC))
    first = next(t for t in state["targets"] if t["target"] == "first_response")
    assert first["state"] == "breached"
    assert hooks.rows("SELECT reason FROM audit WHERE action = 'case.tier'") == [
        ("tier vip → standard: customer updated by forms",)]


def test_a_mistyped_event_kind_is_filed_and_acts_on_nothing(hooks: Hooks) -> None:
    """"payment_faild" is refused as `omnitui event` refuses it, but a delivery is never
    lost to it: the alert joins the customer's timeline, raw, and nothing acts."""
    event = {"type": "event", "customer": {"email": "bo@example.com"},
             "event": "payment_faild", "text": "card declined"}
    assert post_generic(hooks.client, event).status_code == 200
    assert hooks.filed(1)
    assert hooks.rows("SELECT auto_submitted FROM messages") == [("event: payment_faild",)]
    assert hooks.count("business_events") == 0


def test_generic_outage_of_a_product_starts_and_ends(hooks: Hooks) -> None:
    """An event without a customer is an outage of a configured product: it acts as
    `omnitui event outage` does, a repeat changes nothing, `resolved` ends it."""
    form = {"type": "message", "from": {"email": "ann@example.com"},
            "text": "my card payment does not go through"}
    assert post_generic(hooks.client, form).status_code == 200
    assert hooks.filed(1)
    outage = {"type": "event", "event": "outage", "product": "payments", "severity": 2,
              "text": "EU card payments failing"}
    refused = [post_generic(hooks.client, {**outage, "product": "mail"}),
               post_generic(hooks.client, {**outage, "event": "password_reset"}),
               post_generic(hooks.client, {**outage, "resolved": "yes"}),
               post_generic(hooks.client, {**outage, "customer": {"email": "ops@example.com"}})]
    assert [r.status_code for r in refused] == [400] * 4, [r.text for r in refused]
    assert "'product' must be one of the config's [[products]] (payments), got 'mail'" in \
        refused[0].text
    # with a customer it was filed as a case "outage" of theirs: no outage, no banner
    assert "an outage is of a product, not a customer: leave 'customer' out" in refused[3].text
    assert post_generic(hooks.client, outage).status_code == 200
    assert post_generic(hooks.client, outage).status_code == 200  # a second monitor
    ongoing = "SELECT product, severity, text FROM business_events WHERE resolved_at IS NULL"
    assert wait_for(lambda: hooks.rows(ongoing) == [("payments", 2,
                                                     "EU card payments failing")], 10)
    assert hooks.rows("SELECT severity FROM cases") == [(2,)]
    assert wait_for(lambda: hooks.rows("SELECT count(*) FROM raw_payloads WHERE pending = 1"
                                       " OR ingest_error IS NOT NULL") == [(0,)], 10)
    assert post_generic(hooks.client, {**outage, "resolved": True}).status_code == 200
    assert wait_for(lambda: hooks.rows(ongoing) == [], 10)
    assert hooks.count("business_events") == 1 and hooks.count("messages") == 1


@pytest.mark.parametrize("forge", ["unsigned", "wrong", "stale"])
def test_forged_unsigned_and_replayed_requests_store_nothing(hooks: Hooks, forge: str) -> None:
    import time

    message = slack_message("forged")
    update = telegram_update("forged")
    form = twilio_form("forged")
    payload = {"type": "message", "from": {"email": "x@example.com"}, "text": "forged"}
    if forge == "unsigned":
        answers = [post_telegram(hooks.client, update, secret=None),
                   hooks.client.post("/hooks/slack", json=message),
                   hooks.client.post("/hooks/sms", data=form),
                   hooks.client.post("/hooks/meta", json={"object": "page", "entry": []}),
                   hooks.client.post("/hooks/forms", json=payload)]
        expected = {401}
    elif forge == "wrong":
        answers = [post_telegram(hooks.client, update, secret="nope"),
                   post_slack(hooks.client, message, secret="nope"),
                   post_twilio(hooks.client, form, token="nope"),
                   post_twilio(hooks.client, form, signed_url="https://evil.example/hooks/sms"),
                   post_meta(hooks.client, {"object": "page", "entry": []}, secret="nope"),
                   post_generic(hooks.client, payload, secret="whsec_bm9wZQ==")]
        expected = {403}
    else:
        old = int(time.time()) - 600
        answers = [post_slack(hooks.client, message, timestamp=old),
                   post_generic(hooks.client, payload, when=old)]
        expected = {401}
    assert {a.status_code for a in answers} == expected, [a.text for a in answers]
    assert all(SECRETS["slack"] not in a.text for a in answers)
    assert hooks.count("raw_payloads") == 0
    assert wait_for(lambda: sum(s.rejected for s in channel_states(
        Store(hooks.db, migrate=False).conn)) == len(answers), 10)
    assert post_telegram(hooks.client, telegram_update("still up")).status_code == 200


def test_malformed_oversized_unknown_paths_never_500(hooks: Hooks) -> None:
    bad = [
        post_telegram(hooks.client, {"update_id": "not a number"}),
        hooks.client.post("/hooks/tg", content=b"\xff\xfe{",
                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRETS["tg"]}),
        post_meta(hooks.client, b"[1, 2"),
        post_meta(hooks.client, {"object": "page", "entry": [{"messaging": "nope"}]}),
        post_generic(hooks.client, {"type": "message", "from": {}, "text": "who?"}),
        post_generic(hooks.client, {"type": "order"}),
        post_twilio(hooks.client, {"Body": "no sid"}),
        post_meta(hooks.client, b"[" * 200_000 + b"]" * 200_000),  # too deep for json
        post_generic(hooks.client, {"type": "event", "customer": {"id": 1}, "event": "x",
                                    "occurred_at": "yesterday"}),
    ]
    assert [b.status_code for b in bad] == [400] * len(bad), [b.text for b in bad]
    huge = telegram_update("x" * 2_000_000)
    assert post_telegram(hooks.client, huge).status_code == 413
    assert hooks.client.post("/hooks/nowhere", json={}).status_code == 404
    assert hooks.client.put("/hooks/tg", json={}).status_code == 405
    assert hooks.count("raw_payloads") == 0
    assert post_telegram(hooks.client, telegram_update("fine")).status_code == 200
    assert hooks.filed(1)


def test_json_nested_too_deeply_is_refused_in_words_without_a_traceback(
        hooks: Hooks, caplog: pytest.LogCaptureFixture) -> None:
    """A signed body nested past what Python's parser reads is the sender's mistake, like
    any malformed body: it got its 400, and the daemon's log a traceback per request."""
    caplog.set_level(logging.INFO, logger="omnitui.webhooks")
    answer = post_meta(hooks.client, b"[" * 200_000 + b"]" * 200_000)
    assert answer.status_code == 400 and "nested too deeply" in answer.text
    assert "Traceback" not in caplog.text and "nested too deeply" in caplog.text
    assert hooks.count("raw_payloads") == 0


def test_a_body_over_the_limit_is_logged_as_refused(
        hooks: Hooks, caplog: pytest.LogCaptureFixture) -> None:
    """The 413 went to the platform alone: an operator whose platform's deliveries were too
    large for max_body_kb had nothing in the daemon's log to learn it from."""
    caplog.set_level(logging.INFO, logger="omnitui.webhooks")
    assert post_telegram(hooks.client, telegram_update("x" * 2_000_000)).status_code == 413
    assert "tg: refused a request from 127.0.0.1: the body is over [server] max_body_kb " \
        "(1024) (413)" in caplog.text
    assert SECRETS["tg"] not in caplog.text


def test_values_outside_their_vocabulary_are_refused_naming_what_is_allowed(
        hooks: Hooks) -> None:
    """A sender learns its mistake from the 400, and nothing of the request is applied."""
    person = {"email": "new@example.com", "name": "New Person"}
    gold = post_generic(hooks.client, {"type": "customer", "customer": person, "tier": "gold",
                                       "attributes": {"plan": "pro"}})
    assert gold.status_code == 400
    assert "'tier' must be one of standard, premium, vip" in gold.text and "'gold'" in gold.text
    event = {"type": "event", "customer": person, "event": "payment_failed"}
    answers = [post_generic(hooks.client, {**event, "severity": value})
               for value in (True, 2.0, "2", 4)]
    answers.append(post_generic(hooks.client, {"type": "message", "from": person,
                                               "text": "hi", "urgent": "yes"}))
    answers.append(post_generic(hooks.client, {"type": "message", "from": person,
                                               "text": " \n"}))  # a case "(no text)"
    assert [a.status_code for a in answers] == [400] * 6, [a.text for a in answers]
    assert "'severity' must be 0, 1, 2 or 3, got True" in answers[0].text
    assert "'urgent' must be true or false" in answers[-2].text
    assert "'text' is empty: a message needs words" in answers[-1].text
    assert hooks.count("raw_payloads") == hooks.count("customers") == 0
    vip = post_generic(hooks.client, {"type": "customer", "customer": person, "tier": "vip"})
    assert vip.status_code == 200
    assert wait_for(lambda: hooks.rows("SELECT tier FROM customers") == [("vip",)], 10)


def test_one_person_on_email_telegram_and_whatsapp_is_one_case(hooks: Hooks) -> None:
    from omnitui.channels.email.parse import parse_email
    from omnitui.ingest.pipeline import Pipeline

    with Store(hooks.db, migrate=False) as store:
        email = parse_email(make_email(sender="ada@example.com", subject="Refund"))
        customer = Pipeline(store, hooks.daemon.settings).ingest(email).customer_id
        assert customer is not None
        Desk(store, "alice").link(customer, ("handle", "telegram:42"))  # the agent: L
    contact = telegram_update("it's me, Ada, on Telegram", contact={
        "phone_number": "+15551234567", "first_name": "Ada", "user_id": 42})
    assert post_telegram(hooks.client, contact).status_code == 200
    assert hooks.filed(2)
    batch = whatsapp_delivery([wa_message("and on WhatsApp", sender="15551234567")])
    assert post_meta(hooks.client, batch).status_code == 200
    assert hooks.filed(3)
    rows = hooks.rows("SELECT channel, case_id, customer_id FROM messages ORDER BY id")
    assert [r[0] for r in rows] == ["email", "telegram", "whatsapp"]
    assert {r[1] for r in rows} == {rows[0][1]} and {r[2] for r in rows} == {customer}


def reply_to_last_case(hooks: Hooks, text: str) -> int:
    from omnitui.services.outbound import queue_draft, start_draft
    from omnitui.store.db import utc_now

    with Store(hooks.db, migrate=False) as store:
        case_id = store.conn.execute("SELECT max(case_id) FROM messages").fetchone()[0]
        draft = replace(start_draft(store.conn, case_id, "reply"), text=text)
        with store.write() as conn:
            return queue_draft(conn, case_id, draft, author="alice", at=utc_now())


def test_whatsapp_round_trip_reply_sent_then_read_receipt(hooks: Hooks) -> None:
    """A customer writes on WhatsApp, the agent's reply reaches Meta's API through the
    daemon's sender, and Meta's status callbacks show on the reply: read, never back to
    delivered."""
    from omnitui.store.queries import case_detail

    assert post_meta(hooks.client, whatsapp_delivery([wa_message("hi")])).status_code == 200
    assert hooks.filed(1)
    hooks.api.default = (200, {"messages": [{"id": "wamid.OUR1"}]})
    message_id = reply_to_last_case(hooks, "Hello Ada, how can we help?")
    assert wait_for(lambda: hooks.rows("SELECT status FROM outbox")[0][0] == "sent", 15)
    [request] = hooks.api.requests
    assert request.path == "/PN1/messages"
    assert request.json()["text"] == {"body": "Hello Ada, how can we help?"}
    unknown = whatsapp_delivery([], statuses=[{  # not a word a receipt may say: ignored
        "id": "wamid.OUR1", "status": "\x1b]0;deleted\x07", "timestamp": "1700000000",
        "recipient_id": "15551234567"}])
    assert post_meta(hooks.client, unknown).status_code == 200
    assert hooks.filed(2) and hooks.rows("SELECT receipt FROM outbox") == [("",)]
    for status in ("read", "delivered"):  # out of order, as Meta may send them
        receipt = whatsapp_delivery([], statuses=[{
            "id": "wamid.OUR1", "status": status, "timestamp": "1700000000",
            "recipient_id": "15551234567"}])
        assert post_meta(hooks.client, receipt).status_code == 200
    assert wait_for(lambda: hooks.rows("SELECT receipt FROM outbox")[0][0] == "read", 10)
    with Store(hooks.db, migrate=False) as store:
        case_id = store.conn.execute("SELECT case_id FROM messages WHERE id = ?",
                                     (message_id,)).fetchone()[0]
        shown = next(m for m in case_detail(store.conn, case_id).messages
                     if m.id == message_id)
    assert shown.delivery == "sent" and shown.delivery_note.startswith("read")


def test_twilio_status_callback_marks_the_sms_reply_failed(hooks: Hooks) -> None:
    assert post_twilio(hooks.client, twilio_form("hello?")).status_code == 200
    assert hooks.filed(1)
    hooks.api.default = (201, {"sid": "SMOUR1", "status": "queued"})
    reply_to_last_case(hooks, "Hi!")
    assert wait_for(lambda: hooks.rows("SELECT status FROM outbox")[0][0] == "sent", 15)
    assert hooks.api.requests[0].form()["To"] == "+15551234567"
    callback = {"MessageSid": "SMOUR1", "MessageStatus": "undelivered", "ErrorCode": "30003",
                "ErrorMessage": "Unreachable destination handset", "AccountSid": "AC1",
                "From": "+15557654321", "To": "+15551234567"}
    assert post_twilio(hooks.client, callback).status_code == 200
    assert wait_for(lambda: hooks.rows("SELECT receipt FROM outbox")[0][0].startswith(
        "failed"), 10)
    assert "Unreachable" in hooks.rows("SELECT receipt FROM outbox")[0][0]


def test_a_malformed_body_is_told_in_jsons_words_not_pythons(hooks: Hooks) -> None:
    """The sender reads the 400: "'str' object has no attribute 'get'" and "not dict" were
    Python's words for a field of the wrong JSON type."""
    answers = [
        post_telegram(hooks.client, {"update_id": 1, "message": "hi"}),
        post_telegram(hooks.client, {"update_id": 1, "message": {"chat": "me"}}),
        post_meta(hooks.client, {"object": "page", "entry": [{"messaging": ["nope"]}]}),
        post_generic(hooks.client, {"type": "message", "from": "ann", "text": "who?"}),
    ]
    texts = [a.text for a in answers]
    assert [a.status_code for a in answers] == [400] * len(answers), texts
    assert texts[0] == "malformed: 'message' is missing or not an object"
    assert texts[1] == "malformed: 'chat' is missing or not an object"
    for text in texts:
        assert not any(python in text for python in ("dict", "attribute", "NoneType", "str'")), \
            text
