"""The identify stage: normalization, linking by proof, claims, and suggestions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.identifiers import normalize
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier, InboundEvent
from omnitui.services.desk import Desk
from omnitui.services.merge import resolve_link
from omnitui.services.outbound import start_draft
from omnitui.store.db import Store, StoreError
from omnitui.store.queries import case_detail
from tests.conftest import chat_event, make_email


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("email", "  Ann.Lee@Example.COM ", ("email", "ann.lee@example.com")),
    ("email", "not an address", None),
    ("phone", "+1 (415) 555-0100", ("phone", "+14155550100")),
    ("phone", "415.555.0100", ("phone", "+14155550100")),  # default region US
    ("phone", "011 44 20 7946 0958", ("phone", "+442079460958")),  # US exit code
    ("phone", "12", None),
    ("telegram", " 12345 ", ("handle", "telegram:12345")),
    ("whatsapp", "", None),
])
def test_normalize(kind: str, value: str, expected: tuple[str, str] | None) -> None:
    assert normalize(Identifier(kind, value), "US") == expected


def test_same_identifier_in_any_spelling_is_the_same_customer(pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("sms", "", "hi", identifiers=[
        Identifier("phone", "+1 415 555 0100", verified=True)]))
    b = pipeline.ingest(chat_event("whatsapp", "", "hello again", identifiers=[
        Identifier("phone", "(415) 555-0100", verified=True)]))
    assert a.customer_id == b.customer_id
    assert a.case_id == b.case_id  # one customer, one case, across channels


def test_an_event_with_two_verified_identifiers_links_them(store: Store,
                                                          pipeline: Pipeline) -> None:
    first = pipeline.ingest(chat_event("telegram", "777", "hi"))
    # Telegram vouches for the number of a contact the sender shares of themselves
    pipeline.ingest(chat_event("telegram", "", "[shared contact: Ann +1 415 555 0100]",
                               identifiers=[Identifier("telegram", "777", verified=True),
                                            Identifier("phone", "+1 415 555 0100",
                                                       verified=True)]))
    later = pipeline.ingest(chat_event("sms", "", "sms", identifiers=[
        Identifier("phone", "+14155550100", verified=True)]))
    assert later.customer_id == first.customer_id
    reason = store.conn.execute("SELECT reason FROM identities WHERE kind = 'phone'"
                                ).fetchone()[0]
    assert "arrived together with handle telegram:777" in reason


def test_identifiers_of_two_customers_suggest_not_merge(store: Store,
                                                        pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "hi")).customer_id
    b = pipeline.ingest(chat_event("sms", "", "yo", identifiers=[
        Identifier("phone", "+14155550100", verified=True)])).customer_id
    pipeline.ingest(chat_event("telegram", "", "both", identifiers=[
        Identifier("telegram", "1", verified=True),
        Identifier("phone", "+14155550100", verified=True)]))
    assert store.conn.execute("SELECT count(*) FROM customers WHERE merged_into IS NULL"
                              ).fetchone()[0] == 2
    row = store.conn.execute("SELECT source_id, target_id, confidence FROM suggestions"
                             " WHERE kind = 'merge_customers'").fetchone()
    assert row == (b, a, 0.9)


def test_weak_evidence_only_suggests(store: Store, pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "where is order #A123456 ?",
                                   name="Maria Lopez")).customer_id
    b = pipeline.ingest(chat_event("sms", "+14155550100", "order A123456 late",
                                   name="Maria López",
                                   identifiers=[Identifier("phone", "+14155550100", verified=True)])
                        ).customer_id
    assert a != b
    rows = store.conn.execute("SELECT source_id, target_id, confidence, evidence FROM"
                              " suggestions ORDER BY confidence").fetchall()
    assert rows == [(a, b, 0.4, "same name: maria lopez"),
                    (a, b, 0.6, "same order: A123456")]


def test_a_common_name_is_no_evidence(store: Store, pipeline: Pipeline) -> None:
    for n in range(6):
        pipeline.ingest(chat_event("telegram", str(n), "hi", name="John Smith"))
    assert store.conn.execute("SELECT max(cnt) FROM (SELECT target_id, count(*) cnt FROM"
                              " suggestions GROUP BY target_id)").fetchone()[0] <= 3


# --- claims: identifiers a message only stated --------------------------------------------

STATED = "stated in a web form sent through forms"


def form(text: str, *identifiers: tuple[str, str], name: str = "") -> InboundEvent:
    """A web form as the generic hook relays it: the person typed their email and phone."""
    return chat_event("web", "", text, name=name, identifiers=[
        Identifier(kind, value, how=STATED) for kind, value in identifiers])


def mail_from(address: str, text: str = "hello") -> InboundEvent:
    return chat_event("email", "", text, identifiers=[Identifier("email", address,
                                                                 verified=True)])


def open_suggestions(store: Store) -> list[tuple[int, int, float, str]]:
    return store.conn.execute("SELECT source_id, target_id, confidence, evidence FROM"
                              " suggestions WHERE status = 'open' ORDER BY id").fetchall()


def identities(store: Store, customer_id: int | None) -> list[tuple[str, str]]:
    return store.conn.execute("SELECT kind, value FROM identities WHERE customer_id = ?"
                              " ORDER BY id", (customer_id,)).fetchall()


def test_a_claim_never_links_and_raises_a_worded_suggestion(store: Store,
                                                            pipeline: Pipeline) -> None:
    victim = pipeline.ingest(mail_from("vic@example.com", "my refund"))
    claimed = pipeline.ingest(form("send it to my new number", ("email", "Vic@Example.com"),
                                   ("phone", "+1 415 555 0199"), name="Vic Tim"))
    assert claimed.new_case and claimed.case_id != victim.case_id
    assert claimed.customer_id != victim.customer_id
    assert identities(store, victim.customer_id) == [("email", "vic@example.com")]
    assert identities(store, claimed.customer_id) == []
    assert store.conn.execute("SELECT name FROM customers WHERE id = ?",
                              (claimed.customer_id,)).fetchone()[0] == "Vic Tim"
    assert open_suggestions(store) == [(
        claimed.customer_id, victim.customer_id, 0.7,
        f"email vic@example.com {STATED}, not verified; customer #{victim.customer_id} has it")]
    shown = case_detail(store.conn, claimed.case_id).messages[-1]
    assert shown.claims == [f"email vic@example.com {STATED}, not verified",
                            f"phone +14155550199 {STATED}, not verified"]


def test_an_earlier_claim_never_captures_the_real_owner(store: Store,
                                                        pipeline: Pipeline) -> None:
    seeded = pipeline.ingest(form("hi", ("email", "vic@example.com"),
                                  ("phone", "+1 415 555 0199")))
    mail = pipeline.ingest(mail_from("vic@example.com"))
    sms = pipeline.ingest(chat_event("sms", "", "it's me", identifiers=[
        Identifier("phone", "+14155550199", verified=True)]))
    assert len({seeded.customer_id, mail.customer_id, sms.customer_id}) == 3
    assert len({seeded.case_id, mail.case_id, sms.case_id}) == 3
    assert identities(store, mail.customer_id) == [("email", "vic@example.com")]
    assert identities(store, sms.customer_id) == [("phone", "+14155550199")]
    assert open_suggestions(store) == [
        (seeded.customer_id, mail.customer_id, 0.7,
         f"email vic@example.com {STATED} (message #{seeded.message_id} of customer "
         f"#{seeded.customer_id}), not verified; customer #{mail.customer_id} wrote from it "
         "on email"),
        (seeded.customer_id, sms.customer_id, 0.7,
         f"phone +14155550199 {STATED} (message #{seeded.message_id} of customer "
         f"#{seeded.customer_id}), not verified; customer #{sms.customer_id} wrote from it "
         "on sms")]


def test_two_claims_of_one_address_suggest_each_other(store: Store,
                                                      pipeline: Pipeline) -> None:
    first = pipeline.ingest(form("question", ("email", "new@example.com")))
    second = pipeline.ingest(form("another", ("email", "new@example.com")))
    assert first.case_id != second.case_id
    assert open_suggestions(store) == [(
        second.customer_id, first.customer_id, 0.5,
        f"email new@example.com {STATED}, not verified; customer #{first.customer_id} "
        f"stated it too (message #{first.message_id})")]


def test_a_verified_sender_keeps_its_case_and_what_it_states_stays_a_claim(
        store: Store, pipeline: Pipeline) -> None:
    victim = pipeline.ingest(mail_from("vic@example.com"))
    chat = pipeline.ingest(chat_event("telegram", "9", "hi"))
    stating = pipeline.ingest(chat_event("telegram", "", "I am vic@example.com", identifiers=[
        Identifier("telegram", "9", verified=True), Identifier("email", "vic@example.com")]))
    assert (stating.customer_id, stating.case_id) == (chat.customer_id, chat.case_id)
    assert identities(store, chat.customer_id) == [("handle", "telegram:9")]
    assert open_suggestions(store) == [(
        chat.customer_id, victim.customer_id, 0.7,
        "email vic@example.com stated in a telegram message, not verified; customer "
        f"#{victim.customer_id} has it")]


def test_answering_a_claimed_address_takes_a_deliberate_link(store: Store,
                                                             pipeline: Pipeline) -> None:
    relayed = replace(form("please call", ("email", "New@example.com")),
                      reply_route={"hook": "forms", "reply_url": "https://example.com/a"})
    claimed = pipeline.ingest(relayed)
    assert claimed.case_id is not None and claimed.customer_id is not None
    # answered through the form's source, which knows who filled it in
    assert start_draft(store.conn, claimed.case_id, "reply").to == ("New@example.com",)
    with pytest.raises(StoreError, match="no email address; link one"):
        start_draft(store.conn, claimed.case_id, "reply", channel="email")
    action, key = resolve_link(store.conn, claimed.customer_id, "new@example.com", "US")
    assert action == "link"
    Desk(store, "alice").link(claimed.customer_id, key)  # the agent's L: proof enough
    draft = start_draft(store.conn, claimed.case_id, "reply", channel="email")
    assert draft.to == ("new@example.com",)
    later = pipeline.ingest(mail_from("new@example.com"))
    assert later.case_id == claimed.case_id


def test_mail_that_failed_dmarc_is_only_a_claim(store: Store, pipeline: Pipeline) -> None:
    victim = pipeline.ingest(parse_email(make_email("vic@example.com", subject="Refund")))
    forged = parse_email(
        b"Authentication-Results: mx.ours.example; spf=fail smtp.mailfrom=evil.example;\n"
        b" dkim=none; dmarc=fail (p=NONE) header.from=example.com\n"
        + make_email("vic@example.com", name="Vic", subject="My new bank account"))
    result = pipeline.ingest(forged)
    assert result.customer_id != victim.customer_id and result.case_id != victim.case_id
    assert identities(store, result.customer_id) == []
    assert open_suggestions(store) == [(
        result.customer_id, victim.customer_id, 0.7,
        "email vic@example.com as the From of mail that failed DMARC at mx.ours.example, "
        f"not verified; customer #{victim.customer_id} has it")]
