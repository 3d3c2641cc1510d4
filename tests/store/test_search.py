"""The full-text index stays in step with every write: insert, edit, delete, rename."""

from __future__ import annotations

import pytest

from omnitui.ingest.pipeline import Pipeline
from omnitui.store import queries
from omnitui.store.db import Store
from omnitui.store.queries import CaseQuery, list_cases
from tests.conftest import chat_event


def search(store: Store, text: str) -> list[int]:
    return [c.id for c in list_cases(store.conn, CaseQuery(search=text))]


def test_search_follows_every_write(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "42", "my parcel is lost",
                                      name="Zora Quill")).case_id
    assert search(store, "parcel") == [case]
    assert search(store, "zora") == [case]  # customer names are searchable
    with store.write() as conn:
        conn.execute("UPDATE messages SET text = 'my box is lost'")
        conn.execute("UPDATE customers SET name = 'Zora Blue'")
    assert search(store, "parcel") == []
    assert search(store, "box") == [case]
    assert search(store, "quill") == []
    assert search(store, "blue") == [case]
    with store.write() as conn:
        conn.execute("DELETE FROM attachments")
        conn.execute("DELETE FROM messages")
    assert search(store, "box") == []
    for table in ("messages_fts", "customers_fts"):
        store.conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")


def test_search_input_is_never_fts_syntax(store: Store, pipeline: Pipeline) -> None:
    pipeline.ingest(chat_event("sms", "x", 'quote " and NEAR( stuff'))
    assert search(store, 'NEAR( " zebra') == []  # no syntax error, just no match
    assert len(search(store, 'NEAR( "')) == 1  # the words, searched as words
    assert len(search(store, "stuff")) == 1


def test_a_tag_is_found_whatever_its_case(store: Store, pipeline: Pipeline) -> None:
    """`tag:vip` found nothing on a case tagged VIP, where queue:, owner: and intent: take
    any case."""
    from omnitui.services.desk import Desk

    case_id = pipeline.ingest(chat_event("telegram", "1", "hello")).case_id
    Desk(store, "alice").each([case_id], Desk(store, "alice").tags("VIP"))
    for typed in ("vip", "VIP", "Vip"):
        assert [c.id for c in list_cases(store.conn, CaseQuery(tag=typed))] == [case_id]
    assert list_cases(store.conn, CaseQuery(tag="viq")) == []
    Desk(store, "alice").each([case_id], Desk(store, "alice").tags("CAFÉ"))  # beyond A-Z
    for typed in ("café", "Café", "CAFÉ", "cafe\u0301"):  # the last as a terminal may send it
        assert [c.id for c in list_cases(store.conn, CaseQuery(tag=typed))] == [case_id]
    assert list_cases(store.conn, CaseQuery(tag="cafè")) == []
    Desk(store, "alice").each([case_id], Desk(store, "alice").tags("Straße"))  # folds to ss
    assert [c.id for c in list_cases(store.conn, CaseQuery(tag="STRASSE"))] == [case_id]


def test_a_tag_is_added_and_taken_off_whatever_its_case(store: Store,
                                                         pipeline: Pipeline) -> None:
    """"vip" beside "VIP" made a case carry both, and "-café" took no "CAFÉ" off."""
    from omnitui.services.desk import Desk

    case_id = pipeline.ingest(chat_event("telegram", "1", "hello")).case_id
    desk = Desk(store, "alice")
    desk.each([case_id], desk.tags("VIP CAFÉ"))
    [done] = desk.each([case_id], desk.tags("vip Vip"))
    assert done.done and not done.changes  # already so
    desk.each([case_id], desk.tags("-café"))
    assert store.conn.execute("SELECT tags FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ('["VIP"]',)
    desk.each([case_id], desk.tags("nai\u0308ve"))  # as a terminal may send it: stored one
    desk.each([case_id], desk.escalate())  # way, and an "Escalated" tag gets no twin
    desk.each([case_id], desk.tags("-escalated Escalated"))
    desk.each([case_id], desk.escalate())
    assert store.conn.execute("SELECT tags FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ('["VIP", "naïve", "Escalated"]',)


def test_a_word_inside_a_sentence_without_spaces_is_found(store: Store,
                                                          pipeline: Pipeline) -> None:
    """FTS5 keeps "我的订单没有到" as one token: a search for "订单" (order) found nothing,
    nor one for the customer's given name in "王小明"."""
    chinese = pipeline.ingest(chat_event("telegram", "1", "我的订单没有到请帮我查一下物流",
                                         name="王小明")).case_id
    japanese = pipeline.ingest(chat_event("telegram", "2", "商品がまだ届いていません")).case_id
    refund = pipeline.ingest(chat_event("telegram", "3", "refund please 请退款")).case_id
    assert search(store, "订单") == [chinese]
    assert search(store, "届い") == [japanese]
    assert search(store, "小明") == [chinese]  # the customer's name
    assert search(store, "订单 物流") == [chinese]  # every word, in one message
    assert search(store, "订单 届い") == []
    assert search(store, "refund 退款") == [refund]  # with a word the index finds
    assert search(store, "parcel 退款") == []
    assert search(store, "我的订单没有到请帮我查一下物流") == [chinese]  # the whole token
    assert search(store, "订%") == search(store, "订_") == []  # typed, not LIKE's wildcards


def test_the_substring_search_reads_only_the_newest_messages(
        store: Store, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """It scans rows, not an index: bounded, it stays fast at a million messages."""
    older = pipeline.ingest(chat_event("telegram", "1", "我的订单没有到")).case_id
    newer = pipeline.ingest(chat_event("telegram", "2", "订单取消了")).case_id
    assert sorted(search(store, "订单")) == sorted([older, newer])
    monkeypatch.setattr(queries, "SUBSTRING_SCAN", 1)
    assert search(store, "订单") == [newer]
