"""Mail from one of our own addresses, sent outside omnitui, on the cases it belongs to:
a forward answers nobody, and mail to a person whose case is closed starts a new one."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from omnitui.channels.email.parse import mail_reading, parse_email
from omnitui.config import AgentSettings, MailboxSettings, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store
from tests.conftest import make_email

OURS = ("support@example.com",)


def ours(to: str, subject: str, message_id: str, **headers: str) -> bytes:
    raw = make_email("support@example.com", name="Erin at Support", subject=subject,
                     body="See below.", message_id=message_id, headers=headers)
    return raw.replace(b"To: support@example.com", f"To: {to}".encode())


def case_row(store: Store, case_id: int) -> tuple:
    return store.conn.execute("SELECT status, first_response_at, previous_case_id FROM cases"
                              " WHERE id = ?", (case_id,)).fetchone()


def test_a_forward_from_a_mail_client_answers_nobody(store: Store,
                                                     pipeline: Pipeline) -> None:
    """Forwarded to a supplier from a mail client, it met the customer's first response."""
    dee = pipeline.ingest(parse_email(make_email("dee@d.example", message_id="dee1@d")))
    forward = pipeline.ingest(parse_email(
        ours("parts@supplier.example", "Fwd: Help", "fw1@example.com",
             References="<dee1@d>"), own=OURS))
    assert forward.case_id == dee.case_id
    assert case_row(store, dee.case_id)[:2] == (Status.NEW, None)  # still unanswered


def test_our_mail_to_a_person_whose_case_is_closed_opens_a_new_one(
        store: Store, pipeline: Pipeline) -> None:
    """It joined the closed case, where nobody saw it."""
    eve = pipeline.ingest(parse_email(make_email("eve@e.example", message_id="eve1@e")))
    Desk(store, "alice").each([eve.case_id], Desk(store, "alice").status(Status.CLOSED))
    later = pipeline.ingest(parse_email(ours("Eve <eve@e.example>", "Your renewal",
                                             "renew1@example.com"), own=OURS))
    assert later.case_id != eve.case_id and later.customer_id == eve.customer_id
    status, answered, previous = case_row(store, later.case_id)
    assert (status, previous) == (Status.PENDING, eve.case_id)
    assert answered is None  # our mail, first on its case, answered nobody yet
    assert store.conn.execute("SELECT pause_reason FROM cases WHERE id = ?", (later.case_id,)
                              ).fetchone()[0] == "their answer to our mail"


def test_an_agents_answer_from_their_own_mail_client_is_ours(store: Store,
                                                              pipeline: Pipeline) -> None:
    """An agent's own address (`[[agents]] email`) is the team's, as a mailbox's is: their
    answer from a mail client, the desk in Cc, made them a customer of their own."""
    settings = Settings(mailboxes=[MailboxSettings(name="support", imap_host="imap.example",
                                                   username="s", address="support@example.com")],
                        agents=[AgentSettings(name="erin", email="erin@example.com")])
    dee = pipeline.ingest(parse_email(make_email("dee@d.example", message_id="dee1@d")))
    raw = make_email("erin@example.com", name="Erin Example", subject="Re: Help",
                     body="Fixed it.", in_reply_to="dee1@d", headers={"Cc": "support@example.com"})
    answer = pipeline.ingest(parse_email(
        raw.replace(b"To: support@example.com", b"To: Dee <dee@d.example>"),
        **mail_reading(settings)))
    assert (answer.case_id, answer.customer_id) == (dee.case_id, dee.customer_id)
    assert store.conn.execute("SELECT direction, author FROM messages WHERE id = ?",
                              (answer.message_id,)).fetchone() == ("out", "Erin Example")
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    assert case_row(store, dee.case_id)[0] == Status.OPEN  # answered


def test_a_suppliers_answer_to_our_forward_asks_nothing_of_us(store: Store,
                                                               pipeline: Pipeline) -> None:
    """The supplier's German answer set a French customer's case to "de" and started her
    next-response clock, as if she had written."""
    marie = pipeline.ingest(parse_email(make_email(
        "marie@m.example", name="Marie", message_id="marie1@m", subject="Colis abîmé",
        body="Bonjour, mon colis est arrivé abîmé, pouvez-vous m'aider s'il vous plaît ?")))
    pipeline.ingest(parse_email(ours("orders@supplier.example", "Fwd: Colis abîmé",
                                     "fw1@example.com", References="<marie1@m>"), own=OURS))
    Desk(store, "alice").each([marie.case_id], Desk(store, "alice").status(
        Status.PENDING, "her photos"))
    answer = pipeline.ingest(parse_email(make_email(
        "orders@supplier.example", name="Lieferant", subject="Re: Fwd: Colis abîmé",
        in_reply_to="fw1@example.com", message_id="sup1@supplier.example",
        body="Guten Tag, wir schicken morgen einen Ersatz mit der Sendungsnummer 12345.")))
    assert answer.case_id == marie.case_id and answer.customer_id != marie.customer_id
    again = pipeline.ingest(parse_email(make_email(  # their own follow-up to it
        "orders@supplier.example", name="Lieferant", subject="Re: Fwd: Colis abîmé",
        in_reply_to="sup1@supplier.example", body="Die Sendung ist unterwegs, vielen Dank.")))
    assert again.case_id == marie.case_id and again.thread_rule == answer.thread_rule
    language, status, asked = store.conn.execute(
        "SELECT language, status, last_inbound_at FROM cases WHERE id = ?",
        (marie.case_id,)).fetchone()
    assert (language, status) == ("fr", Status.PENDING)  # still waiting on her photos
    assert asked == store.conn.execute("SELECT created_at FROM messages WHERE id = ?",
                                       (marie.message_id,)).fetchone()[0]
    assert "a third party's answer to our forward" in answer.thread_reason
    Desk(store, "alice").each([marie.case_id], Desk(store, "alice").status(Status.SOLVED))
    late = pipeline.ingest(parse_email(make_email(  # after the solve: to be seen, not lost
        "orders@supplier.example", name="Lieferant", subject="Re: Fwd: Colis abîmé",
        in_reply_to="sup1@supplier.example", body="Leider ist kein Ersatz mehr da.")))
    assert late.case_id == marie.case_id and late.reopened
    assert store.conn.execute("SELECT language FROM cases WHERE id = ?",  # still hers
                              (marie.case_id,)).fetchone() == ("fr",)


GMAIL = ("Can you check this parcel?\n\n---------- Forwarded message ---------\n"
         "From: Dee Doe <dee@d.example>\nDate: Sun, Dec 6, 2026 at 10:00\nSubject: Help\n"
         "To: <support@example.com>\n\nMy parcel never came.\n")
OUTLOOK_DE = ("Bitte prüfen.\n\n________________________________\n"
              "Von: Dee Doe [mailto:dee@d.example]\nGesendet: Sonntag, 6. Dezember 2026\n"
              "An: Support\nBetreff: Help\n\nMy parcel never came.\n")
APPLE_OF_OUR_REPLY = ("FYI\n\nBegin forwarded message:\n\nFrom: Erin at Support "
                      "<support@example.com>\nSubject: Re: Help\n\nWe are on it.\n\n"
                      "> From: \"Dee Doe\" <dee@d.example>\n> My parcel never came.\n")


def test_a_forward_from_a_mail_client_joins_the_case_of_the_mail_it_passes_on(
        store: Store, pipeline: Pipeline) -> None:
    """With no header naming the customer's mail (Gmail, Outlook and Apple Mail write
    none), the forward made the supplier a customer with a case of their own, which the
    supplier's answer then opened as new work."""
    dee = pipeline.ingest(parse_email(make_email("dee@d.example", name="Dee Doe",
                                                 message_id="dee1@d")))
    for n, text in enumerate((GMAIL, OUTLOOK_DE, APPLE_OF_OUR_REPLY)):
        raw = ours("Parts <parts@supplier.example>", "Fwd: Help", f"fw{n}@example.com")
        forward = pipeline.ingest(parse_email(raw.replace(b"See below.", text.encode()),
                                              own=OURS))
        assert (forward.case_id, forward.customer_id) == (dee.case_id, dee.customer_id), text
    answer = pipeline.ingest(parse_email(make_email(
        "parts@supplier.example", name="Parts", subject="Re: Fwd: Help",
        in_reply_to="fw1@example.com", body="A new one goes out today.")))
    assert answer.case_id == dee.case_id and "third party's answer" in answer.thread_reason
    assert store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert case_row(store, dee.case_id)[:2] == (Status.NEW, None)  # still unanswered
    assert store.conn.execute("SELECT value FROM identities WHERE customer_id = ?",
                              (dee.customer_id,)).fetchall() == [("dee@d.example",)]


def test_a_forward_as_an_attachment_joins_the_case_of_the_mail_attached(
        store: Store, pipeline: Pipeline) -> None:
    dee = pipeline.ingest(parse_email(make_email("dee@d.example", message_id="dee1@d")))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ("Erin at Support <support@example"
                                                          ".com>", "parts@supplier.example",
                                                          "Fw: Help")
    message["Message-ID"] = "<fwa@example.com>"
    message.set_content("Attached.")
    message.add_attachment(message_from_bytes(make_email("dee@d.example", message_id="dee1@d"),
                                              policy=policy.default))
    forward = pipeline.ingest(parse_email(message.as_bytes(), own=OURS))
    assert (forward.case_id, forward.customer_id) == (dee.case_id, dee.customer_id)


def test_a_suppliers_answer_on_a_closed_case_opens_the_customers_next_case(
        store: Store, pipeline: Pipeline) -> None:
    """It opened a case under the supplier, in the supplier's language: the customer's
    matter, filed where nobody looks for it."""
    marie = pipeline.ingest(parse_email(make_email(
        "marie@m.example", name="Marie", message_id="marie1@m", subject="Colis abîmé",
        body="Bonjour, mon colis est arrivé abîmé, pouvez-vous m'aider s'il vous plaît ?")))
    pipeline.ingest(parse_email(ours("orders@supplier.example", "Fwd: Colis abîmé",
                                     "fw1@example.com", References="<marie1@m>"), own=OURS))
    Desk(store, "alice").each([marie.case_id], Desk(store, "alice").status(Status.CLOSED))
    late = pipeline.ingest(parse_email(make_email(
        "orders@supplier.example", name="Lieferant", subject="Re: Fwd: Colis abîmé",
        in_reply_to="fw1@example.com", body="Leider ist kein Ersatz mehr da, wir erstatten.")))
    assert late.new_case and late.customer_id != marie.customer_id  # the supplier wrote it
    assert store.conn.execute("SELECT customer_id, previous_case_id, language, status FROM"
                              " cases WHERE id = ?", (late.case_id,)).fetchone() == (
        marie.customer_id, marie.case_id, None, Status.NEW)


def test_our_own_automatic_mail_opens_a_case_solved_that_an_answer_reopens(
        store: Store, pipeline: Pipeline) -> None:
    """A shop's order confirmation from the support address opened a case pending on
    "their answer to our mail", one per order, for ever."""
    confirmation = pipeline.ingest(parse_email(ours(
        "Flo <flo@f.example>", "Your order 42", "order42@example.com",
        **{"Auto-Submitted": "auto-generated"}), own=OURS))
    status, pause_reason = store.conn.execute("SELECT status, pause_reason FROM cases WHERE"
                                              " id = ?", (confirmation.case_id,)).fetchone()
    assert (status, pause_reason) == (Status.SOLVED, None)
    assert store.conn.execute("SELECT reason FROM audit WHERE case_id = ? AND action ="
                              " 'case.status'", (confirmation.case_id,)).fetchone()[0] == (
        "new -> solved: our own automatic mail (auto-submitted: auto-generated), sent "
        "outside omnitui: nothing waits on an answer to it")
    answer = pipeline.ingest(parse_email(make_email(
        "flo@f.example", subject="Re: Your order 42", in_reply_to="order42@example.com",
        body="I ordered the wrong size, can I change it?")))
    assert answer.case_id == confirmation.case_id and answer.reopened
