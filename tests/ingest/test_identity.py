"""The identify stage: normalization, linking, and suggestions from weak evidence."""

from __future__ import annotations

import pytest

from omnitui.ingest.identity import normalize
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier
from omnitui.store.db import Store
from tests.conftest import chat_event


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
        Identifier("phone", "+1 415 555 0100")]))
    b = pipeline.ingest(chat_event("whatsapp", "", "hello again", identifiers=[
        Identifier("phone", "(415) 555-0100")]))
    assert a.customer_id == b.customer_id
    assert a.case_id == b.case_id  # one customer, one case, across channels


def test_an_event_with_two_identifiers_links_them(store: Store, pipeline: Pipeline) -> None:
    first = pipeline.ingest(chat_event("telegram", "777", "hi"))
    pipeline.ingest(chat_event("telegram", "", "my email is below", identifiers=[
        Identifier("telegram", "777"), Identifier("email", "Ann@Example.com")]))
    later = pipeline.ingest(chat_event("email", "", "mail", identifiers=[
        Identifier("email", "ann@example.com")]))
    assert later.customer_id == first.customer_id
    reason = store.conn.execute("SELECT reason FROM identities WHERE kind = 'email'"
                                ).fetchone()[0]
    assert "arrived together with handle telegram:777" in reason


def test_identifiers_of_two_customers_suggest_not_merge(store: Store,
                                                        pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "hi")).customer_id
    b = pipeline.ingest(chat_event("sms", "", "yo", identifiers=[
        Identifier("phone", "+14155550100")])).customer_id
    pipeline.ingest(chat_event("telegram", "", "both", identifiers=[
        Identifier("telegram", "1"), Identifier("phone", "+14155550100")]))
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
                                   identifiers=[Identifier("phone", "+14155550100")])
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
