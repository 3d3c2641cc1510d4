"""Schema 5: a store written by an earlier version, whose identities were linked from claims,
is opened by this one; the links become claims and suggestions, audited, and only those
links."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier
from omnitui.services.desk import Desk
from omnitui.store.db import Store, _statements
from omnitui.store.queries import case_detail
from omnitui.store.schema import MIGRATIONS
from tests.conftest import chat_event

AT = "2026-01-05 10:00:00"
VICTIM, ATTACKER_PHONE = "vic@example.com", "+15550001111"
VICTIM_PHONE = "+15550002222"


class OldStore:
    """Rows exactly as version 4 wrote them (the identify stage linked every identifier of
    an item to the customer the first known one named, with these reasons)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for script in MIGRATIONS[:4]:
            for statement in _statements(script):
                self.conn.execute(statement)
        self.conn.execute("PRAGMA user_version = 4")

    def customer(self, name: str) -> int:
        return self._insert("customers", name=name, created_at=AT, updated_at=AT)

    def identity(self, customer_id: int, kind: str, value: str, reason: str) -> int:
        return self._insert("identities", customer_id=customer_id, kind=kind, value=value,
                            display=value, reason=reason, created_at=AT)

    def case(self, customer_id: int, channel: str) -> int:
        return self._insert("cases", customer_id=customer_id, channel=channel, status="open",
                            subject="Refund", created_at=AT, updated_at=AT)

    def message(self, case_id: int, customer_id: int, identity_id: int, channel: str,
                external_id: str, raw_key: str | None, text: str) -> int:
        """A message and its raw payload; `raw_key` is the webhook delivery's key."""
        raw = self._insert("raw_payloads", channel="webhook" if raw_key else channel,
                           source=(raw_key or "inbox").partition(":")[0], sha256="0",
                           size=len(text), received_at=AT, body=text.encode(),
                           external_key=raw_key)
        return self._insert("messages", case_id=case_id, customer_id=customer_id,
                            identity_id=identity_id, channel=channel, direction="in",
                            external_id=external_id, text=text, created_at=AT,
                            received_at=AT, raw_id=raw)

    def _insert(self, table: str, **values: object) -> int:
        cur = self.conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES"
                                f" ({', '.join('?' * len(values))})", tuple(values.values()))
        return int(cur.lastrowid or 0)


@pytest.fixture
def migrated(tmp_path: Path) -> dict[str, int]:
    """The issue's attack as version 4 stored it, next to links that were proven."""
    old = OldStore(tmp_path / "v4.db")
    victim = old.customer("Vic Tim")
    email = old.identity(victim, "email", VICTIM, "sender of email message m1@example.com")
    case = old.case(victim, "email")
    old.message(case, victim, email, "email", "m1@example.com", None, "my refund")
    form = old.message(case, victim, email, "web", "forms:msg_1", "forms:msg_1",
                       json.dumps({"type": "message", "from": {"email": VICTIM,
                                                                "phone": ATTACKER_PHONE}}))
    phone = old.identity(victim, "phone", ATTACKER_PHONE, "arrived together with email "
                         f"{VICTIM} in web message forms:msg_1")
    sms = old.message(case, victim, phone, "sms", "SM1", "sms:SM1", "text me")
    # Ada's own Telegram contact, and a billing event: their sources vouch for both links
    ada = old.customer("Ada")
    handle = old.identity(ada, "handle", "telegram:42", "sender of telegram message 42:7")
    ada_case = old.case(ada, "telegram")
    old.identity(ada, "phone", "+15551234567",
                 "arrived together with handle telegram:42 in telegram message 42:8")
    old.message(ada_case, ada, handle, "telegram", "42:8", "tg:1001", "my number")
    old.identity(ada, "email", "ada@example.com", "arrived together with phone +15551234567"
                 " in alert message billing:evt_1")
    old.message(ada_case, ada, handle, "alert", "billing:evt_1", "billing:evt_1", "declined")
    old.conn.close()
    return {"victim": victim, "case": case, "form": form, "phone": phone, "sms": sms,
            "ada": ada}


def test_links_made_from_claims_become_audited_suggestions(tmp_path: Path,
                                                           migrated: dict[str, int]) -> None:
    with Store(tmp_path / "v4.db") as store:
        conn = store.conn
        owner = conn.execute("SELECT customer_id FROM identities WHERE id = ?",
                             (migrated["phone"],)).fetchone()[0]
        assert owner not in (migrated["victim"], migrated["ada"])
        assert conn.execute("SELECT kind, value FROM identities WHERE customer_id = ?",
                            (migrated["victim"],)).fetchall() == [("email", VICTIM)]
        assert conn.execute("SELECT kind FROM identities WHERE customer_id = ? ORDER BY id",
                            (migrated["ada"],)).fetchall() == [("handle",), ("phone",),
                                                               ("email",)]
        assert conn.execute("SELECT customer_id FROM messages WHERE id = ?",
                            (migrated["sms"],)).fetchone()[0] == owner
        evidence = (f"phone {ATTACKER_PHONE} stated in web message forms:msg_1, not "
                    f"verified; it was linked to customer #{migrated['victim']} for that "
                    "alone until the schema 5 migration split it off")
        assert conn.execute("SELECT source_id, target_id, confidence, evidence, message_id,"
                            " status FROM suggestions").fetchall() == [
            (owner, migrated["victim"], 0.7, evidence, migrated["form"], "open")]
        [(actor, action, customer, message, reason)] = conn.execute(
            "SELECT actor, action, customer_id, message_id, reason FROM audit").fetchall()
        assert (actor, action, customer, message) == (
            "omnitui-migration", "identity.unlinked", migrated["victim"], migrated["form"])
        assert reason.startswith(f"phone {ATTACKER_PHONE} unlinked from customer "
                                 f"#{migrated['victim']}: web message forms:msg_1 only "
                                 "stated it, which proves nothing")
        assert f"it and the 1 message sent from it are now customer #{owner}" in reason
        form = next(m for m in case_detail(conn, migrated["case"]).messages
                    if m.id == migrated["form"])
        assert form.claims == [f"phone {ATTACKER_PHONE} stated in web message forms:msg_1, "
                               "not verified"]
        # the attacker's next SMS no longer reaches the victim's case
        again = Pipeline(store, Settings()).ingest(chat_event("sms", "", "hello?", identifiers=[
            Identifier("phone", ATTACKER_PHONE, verified=True)]))
        assert again.customer_id == owner and again.case_id != migrated["case"]


def test_accepting_the_suggestion_or_undoing_the_migration_restores_the_link(
        tmp_path: Path, migrated: dict[str, int]) -> None:
    def phone_owner(store: Store) -> int:
        return store.conn.execute("SELECT customer_id FROM identities WHERE id = ?",
                                  (migrated["phone"],)).fetchone()[0]

    with Store(tmp_path / "v4.db") as store:
        [(audit_id,)] = store.conn.execute("SELECT id FROM audit").fetchall()
        undone = Desk(store, "alice").undo(audit_id)
        assert phone_owner(store) == migrated["victim"]
    with Store(tmp_path / "v4.db") as store:  # migrated once only: the undo stands
        assert phone_owner(store) == migrated["victim"]
        Desk(store, "alice").undo(undone)  # the undo of the undo: split off again
        [(suggestion,)] = store.conn.execute("SELECT id FROM suggestions").fetchall()
        Desk(store, "alice").accept_suggestion(suggestion)
        assert phone_owner(store) == migrated["victim"]


def form_only_customer(path: Path, *, captured_sms: bool) -> dict[str, int]:
    """Version 4's rows for a form that stated only the victim's phone: the phone became the
    identity of a customer the form created; with `captured_sms`, the victim's first real
    SMS then joined that customer's case."""
    old = OldStore(path)
    claimant = old.customer("Mallory")
    phone = old.identity(claimant, "phone", VICTIM_PHONE, "sender of web message forms:msg_9")
    case = old.case(claimant, "web")
    form = old.message(case, claimant, phone, "web", "forms:msg_9", "forms:msg_9",
                       json.dumps({"type": "message", "from": {"phone": VICTIM_PHONE}}))
    sms = old.message(case, claimant, phone, "sms", "SM9", "sms:SM9", "my refund?"
                      ) if captured_sms else 0
    old.conn.close()
    return {"claimant": claimant, "phone": phone, "case": case, "form": form, "sms": sms}


def test_a_form_that_stated_only_a_phone_no_longer_captures_its_owner(tmp_path: Path) -> None:
    old = form_only_customer(tmp_path / "v4.db", captured_sms=False)
    with Store(tmp_path / "v4.db") as store:
        conn = store.conn
        assert conn.execute("SELECT count(*) FROM identities").fetchone()[0] == 0
        [(audit_id, actor, action, customer, message, reason)] = conn.execute(
            "SELECT id, actor, action, customer_id, message_id, reason FROM audit").fetchall()
        assert (actor, action, customer, message) == (
            "omnitui-migration", "identity.unlinked", old["claimant"], old["form"])
        assert reason.startswith(f"phone {VICTIM_PHONE} unlinked from customer "
                                 f"#{old['claimant']}: web message forms:msg_9 only stated it")
        [form] = case_detail(conn, old["case"]).messages
        assert form.claims == [f"phone {VICTIM_PHONE} stated in web message forms:msg_9, "
                               "not verified"]
        undone = Desk(store, "alice").undo(audit_id)  # the link comes back, as it was
        assert conn.execute("SELECT customer_id FROM identities WHERE id = ?",
                            (old["phone"],)).fetchone() == (old["claimant"],)
        Desk(store, "alice").undo(undone)  # and goes again
        # the victim's first real SMS: a customer and a case of its own, and a suggestion
        # that names the customer whose form stated the number
        sms = Pipeline(store, Settings()).ingest(chat_event("sms", "", "my refund?",
                                                            identifiers=[Identifier(
                                                                "phone", VICTIM_PHONE,
                                                                verified=True)]))
        assert sms.customer_id != old["claimant"] and sms.case_id != old["case"]
        [(source, target, evidence)] = conn.execute(
            "SELECT source_id, target_id, evidence FROM suggestions WHERE status = 'open'"
        ).fetchall()
        assert (source, target) == (old["claimant"], sms.customer_id)
        assert f"stated in web message forms:msg_9 (message #{old['form']}" in evidence


def test_a_real_sms_the_form_captured_leaves_with_the_phone(tmp_path: Path) -> None:
    old = form_only_customer(tmp_path / "v4.db", captured_sms=True)
    with Store(tmp_path / "v4.db") as store:
        conn = store.conn
        owner = conn.execute("SELECT customer_id FROM identities WHERE id = ?",
                             (old["phone"],)).fetchone()[0]
        assert owner != old["claimant"]
        assert conn.execute("SELECT id, customer_id, identity_id FROM messages ORDER BY id"
                            ).fetchall() == [(old["form"], old["claimant"], None),
                                             (old["sms"], owner, old["phone"])]
        assert conn.execute("SELECT source_id, target_id FROM suggestions").fetchall() == [
            (owner, old["claimant"])]
        again = Pipeline(store, Settings()).ingest(chat_event("sms", "", "hello?", identifiers=[
            Identifier("phone", VICTIM_PHONE, verified=True)]))
        assert again.customer_id == owner and again.case_id != old["case"]
