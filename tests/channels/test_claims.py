"""Identity needs proof, through the real webhook receiver: a web form that states a
victim's email next to an attacker's phone must not let the attacker's SMS into the
victim's case (issue 10, point 4), whichever of them writes first."""

from __future__ import annotations

import os
import subprocess
import sys

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import IngestResult
from omnitui.store.db import Store
from tests.channels.test_webhooks import Hooks, hooks
from tests.channels.webhook_clients import post_generic, post_twilio, twilio_form
from tests.conftest import make_email

__all__ = ["hooks"]

VICTIM = "vic@example.com"
ATTACKER_PHONE = "+15550001111"
STATED = "stated in a web form sent through forms"


def victim_mails(hooks: Hooks) -> IngestResult:
    """The victim's real mail, parsed from its bytes and filed into the daemon's store."""
    with Store(hooks.db, migrate=False) as store:
        result = Pipeline(store, hooks.daemon.settings).ingest(parse_email(make_email(
            sender=VICTIM, name="Vic Tim", subject="Refund for order 1042",
            body="My card ends in 4242, please refund it.")))
    assert result.case_id is not None
    return result


def attacker_posts_the_form(hooks: Hooks) -> None:
    form = {"type": "message", "from": {"email": VICTIM, "phone": ATTACKER_PHONE,
                                        "name": "Vic Tim"},
            "subject": "Contact form", "text": "New number, text me there"}
    assert post_generic(hooks.client, form).status_code == 200


def attacker_texts(hooks: Hooks) -> None:
    assert post_twilio(hooks.client, twilio_form("what about my refund?",
                                                 sender=ATTACKER_PHONE)).status_code == 200


def message_on(hooks: Hooks, channel: str) -> tuple[int, int]:
    """(case, customer) of the one message on a channel."""
    [row] = hooks.rows("SELECT case_id, customer_id FROM messages WHERE channel = ?", channel)
    return row


def assert_the_attacker_is_kept_out(hooks: Hooks) -> None:
    mail_case, victim = message_on(hooks, "email")
    form_case, claimant = message_on(hooks, "web")
    sms_case, texter = message_on(hooks, "sms")
    assert sms_case != mail_case and texter != victim
    assert form_case != mail_case and claimant != victim
    assert hooks.rows("SELECT kind, value FROM identities WHERE customer_id = ?",
                      victim) == [("email", VICTIM)]
    assert hooks.rows("SELECT customer_id FROM messages WHERE case_id = ?", sms_case) == [
        (texter,)]  # the SMS case shows none of the victim's history
    evidence = [r[0] for r in hooks.rows("SELECT evidence FROM suggestions WHERE status ="
                                         " 'open' AND target_id = ?", victim)]
    assert any(e.startswith(f"email {VICTIM} {STATED}") and "not verified" in e
               for e in evidence), evidence


def shown_case(hooks: Hooks, case_id: int) -> str:
    """`omnitui case N`, as an agent runs it."""
    env = {**os.environ, "HOME": str(hooks.db.parent), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "omnitui", "--db", str(hooks.db), "case",
                           str(case_id)], capture_output=True, text=True, env=env,
                          check=True, timeout=60).stdout


def test_a_form_stating_the_victims_email_does_not_hand_the_case_to_the_attacker(
        hooks: Hooks) -> None:
    victim_mails(hooks)
    attacker_posts_the_form(hooks)
    assert hooks.filed(2)
    attacker_texts(hooks)
    assert hooks.filed(3)
    assert_the_attacker_is_kept_out(hooks)
    form_case, claimant = message_on(hooks, "web")
    sms_case, texter = message_on(hooks, "sms")
    assert form_case != sms_case  # the phone the form stated is no identity either
    [(phone_suggestion,)] = hooks.rows(
        "SELECT evidence FROM suggestions WHERE source_id = ? AND target_id = ?",
        claimant, texter)
    assert phone_suggestion.startswith(f"phone {ATTACKER_PHONE} {STATED}")
    shown = shown_case(hooks, form_case)
    assert f"claimed: email {VICTIM} {STATED}, not verified" in shown
    assert f"claimed: phone {ATTACKER_PHONE} {STATED}, not verified" in shown
    assert "My card ends in 4242" not in shown_case(hooks, sms_case)


def test_a_claim_posted_before_the_victim_writes_captures_nothing(hooks: Hooks) -> None:
    attacker_posts_the_form(hooks)
    assert hooks.filed(1)
    mail = victim_mails(hooks)
    attacker_texts(hooks)
    assert hooks.filed(3)
    assert_the_attacker_is_kept_out(hooks)
    assert mail.new_case and hooks.rows("SELECT count(*) FROM messages WHERE case_id = ?",
                                        mail.case_id) == [(1,)]
