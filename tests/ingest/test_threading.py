"""The thread stage: each rule, its recorded reason, reopening and strangers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import InboundEvent, Status
from omnitui.services.actions import set_status
from omnitui.services.desk import Desk
from omnitui.store.db import Store, utc_now
from tests.conftest import ago, chat_event

Email = Callable[..., InboundEvent]


def reason_of(store: Store, message_id: int | None) -> tuple[str, str]:
    return store.conn.execute("SELECT thread_rule, thread_reason FROM messages WHERE id = ?",
                              (message_id,)).fetchone()


def solve(store: Store, case_id: int, days_ago: float = 0) -> None:
    with store.write() as conn:
        set_status(conn, case_id, Status.SOLVED, actor="alice",
                   at=utc_now() - timedelta(days=days_ago))


def test_in_reply_to_joins_the_earlier_messages_case(store: Store, pipeline: Pipeline,
                                                     email_event: Email) -> None:
    first = pipeline.ingest(email_event("ann@example.com", message_id="a1@x"))
    # a colleague of Ann replies to the thread from another address
    reply = pipeline.ingest(email_event("bob@example.com", name="Bob", subject="Re: Help",
                                        message_id="b1@x", in_reply_to="a1@x"))
    assert reply.case_id == first.case_id
    assert reason_of(store, reply.message_id) == (
        "email-headers", f"In-Reply-To <a1@x> names message #{first.message_id}")


def test_references_newest_first(store: Store, pipeline: Pipeline, email_event: Email) -> None:
    one = pipeline.ingest(email_event("a@example.com", message_id="r1@x"))
    two = pipeline.ingest(email_event("b@example.com", message_id="r2@x"))
    third = pipeline.ingest(email_event("c@example.com", message_id="r3@x",
                                        references="<r1@x> <r2@x>"))
    assert third.case_id == two.case_id != one.case_id
    assert reason_of(store, third.message_id)[1].startswith("References <r2@x>")


def test_subject_reference_from_a_participant(store: Store, pipeline: Pipeline,
                                              email_event: Email) -> None:
    case = pipeline.ingest(email_event("ann@example.com")).case_id
    solve(store, case)
    later = pipeline.ingest(email_event("ann@example.com", subject=f"Re: [#{case}] Help"))
    assert later.case_id == case and later.reopened
    assert reason_of(store, later.message_id)[0] == "subject-reference"


def test_subject_reference_to_a_merged_case_says_where_it_went(
        store: Store, pipeline: Pipeline, email_event: Email) -> None:
    """"joined: subject names case [#2]" showed on case #3, saying nothing of why."""
    first = pipeline.ingest(email_event("ann@example.com", subject="Invoice")).case_id
    second = pipeline.ingest(email_event("ann@example.com", subject="Refund")).case_id
    Desk(store, "alice").move_messages(
        [store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]], None)
    merged = store.conn.execute("SELECT max(id) FROM cases").fetchone()[0]
    Desk(store, "alice").merge_cases([merged], first)
    later = pipeline.ingest(email_event("ann@example.com", subject=f"Re: [#{merged}] Refund"))
    assert later.case_id == first == second
    assert reason_of(store, later.message_id) == (
        "subject-reference", f"subject names case [#{merged}] (case #{merged} was merged into"
                             f" #{first})")


def test_subject_reference_from_a_stranger_never_attaches(store: Store, pipeline: Pipeline,
                                                          email_event: Email) -> None:
    case = pipeline.ingest(email_event("ann@example.com")).case_id
    stranger = pipeline.ingest(email_event("eve@evil.example", name="Eve",
                                           subject=f"Re: [#{case}] Help"))
    assert stranger.case_id != case
    assert "not a participant" in reason_of(store, stranger.message_id)[1]
    suggestion = store.conn.execute("SELECT kind, source_id, target_id FROM suggestions"
                                    ).fetchone()
    assert suggestion == ("attach_to_case", stranger.message_id, case)


def test_open_case_on_any_channel(pipeline: Pipeline, email_event: Email) -> None:
    mail = pipeline.ingest(email_event("ann@example.com"))
    assert pipeline.ingest(email_event("ann@example.com", subject="another thing")
                           ).case_id == mail.case_id


def test_one_case_per_customer_can_be_turned_off(store: Store, email_event: Email) -> None:
    settings = Settings()
    settings.threading.one_case_per_customer = False
    pipeline = Pipeline(store, settings)
    a = pipeline.ingest(email_event("ann@example.com")).case_id
    assert pipeline.ingest(email_event("ann@example.com")).case_id != a


def test_reopen_inside_window_is_counted(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "hi", at=ago(days=3))).case_id
    solve(store, case, days_ago=2)
    again = pipeline.ingest(chat_event("telegram", "9", "it broke again"))
    assert again.case_id == case and again.reopened
    status, reopens, solved_at = store.conn.execute(
        "SELECT status, reopens, solved_at FROM cases WHERE id = ?", (case,)).fetchone()
    assert (status, reopens, solved_at) == ("open", 1, None)


def test_after_the_window_a_new_linked_case(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "hi", at=ago(days=30))).case_id
    solve(store, case, days_ago=20)
    again = pipeline.ingest(chat_event("telegram", "9", "new problem"))
    assert again.new_case and again.case_id != case
    assert store.conn.execute("SELECT previous_case_id FROM cases WHERE id = ?",
                              (again.case_id,)).fetchone()[0] == case
    assert "outside the 7-day reopen window" in reason_of(store, again.message_id)[1]


def test_a_reply_that_only_thanks_us_leaves_the_solved_case_solved(
        store: Store, pipeline: Pipeline) -> None:
    """"Thanks, that worked!" joins the case's timeline; the case stays solved, out of the
    queue, with no clock waiting on an answer. A reply that asks more reopens it."""
    case = pipeline.ingest(chat_event("telegram", "9", "my order is late", at=ago(days=1))
                           ).case_id
    solve(store, case)
    thanks = pipeline.ingest(chat_event("telegram", "9", "Thanks, that worked! 👍"))
    assert thanks.case_id == case and not thanks.reopened
    rule, reason = reason_of(store, thanks.message_id)
    assert rule == "thanks-only"
    assert reason.endswith("solved today, and the customer only thanks us: it stays solved")
    status, reopens, due = store.conn.execute(
        "SELECT status, reopens, sla_due FROM cases WHERE id = ?", (case,)).fetchone()
    assert (status, reopens, due) == ("solved", 0, None)
    more = pipeline.ingest(chat_event("telegram", "9", "Thanks, but can you also change "
                                                        "the address?"))
    assert more.case_id == case and more.reopened


def test_thanks_signed_with_a_bare_name_leave_the_case_solved(
        store: Store, pipeline: Pipeline, email_event: Email) -> None:
    """"Thanks!" and the sender's first name on the next line, as most people sign a mail:
    a thank-you, not a question. Another name there might be someone to pass it to."""
    case = pipeline.ingest(email_event("john.smith@example.com", name="John Smith",
                                       message_id="j1@x", date=ago(days=1))).case_id
    solve(store, case)
    thanks = pipeline.ingest(email_event("john.smith@example.com", name="John Smith",
                                         subject="Re: Help", body="Thanks!\nJohn\n",
                                         in_reply_to="j1@x"))
    assert (thanks.case_id, thanks.reopened) == (case, False)
    assert reason_of(store, thanks.message_id)[0] == "thanks-only"
    other = pipeline.ingest(email_event("john.smith@example.com", name="John Smith",
                                        subject="Re: Help", body="Thanks!\nMary\n",
                                        in_reply_to="j1@x"))
    assert other.reopened
    solve(store, case)
    unnamed = pipeline.ingest(email_event("john.smith@example.com", name="",  # the address
                                          subject="Re: Help", body="Many thanks,\nJohn\n",
                                          in_reply_to="j1@x"))
    assert (unnamed.case_id, unnamed.reopened) == (case, False)


def test_late_thanks_join_the_solved_case_and_open_no_new_one(store: Store,
                                                               pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "hi", at=ago(days=30))).case_id
    solve(store, case, days_ago=20)
    thanks = pipeline.ingest(chat_event("telegram", "9", "Thanks again, all good now!"))
    assert (thanks.case_id, thanks.new_case, thanks.reopened) == (case, False, False)
    assert reason_of(store, thanks.message_id)[1].endswith(
        "days ago, and the customer only thanks us: it stays solved")


def test_thanks_to_a_closed_case_join_it_and_open_no_new_one(store: Store,
                                                             pipeline: Pipeline) -> None:
    """A "thx" weeks later, the case closed since: it opened a new case, its first-response
    clock running (breached by morning, for a thank-you)."""
    case = pipeline.ingest(chat_event("telegram", "9", "hi", at=ago(days=40))).case_id
    with store.write() as conn:
        set_status(conn, case, Status.CLOSED, actor="alice", at=utc_now() - timedelta(days=30))
    thanks = pipeline.ingest(chat_event("telegram", "9", "thx, all good!"))
    assert (thanks.case_id, thanks.new_case, thanks.reopened) == (case, False, False)
    assert reason_of(store, thanks.message_id)[1].endswith(
        "days ago, and the customer only thanks us: it stays closed")
    assert store.conn.execute("SELECT count(*), max(status), max(sla_due) FROM cases"
                              ).fetchone() == (1, "closed", None)


def test_thanks_reopen_like_any_reply_when_the_team_says_so(store: Store) -> None:
    settings = Settings()
    settings.threading.thanks_ask_nothing = False
    pipeline = Pipeline(store, settings)
    case = pipeline.ingest(chat_event("telegram", "9", "hi", at=ago(days=1))).case_id
    solve(store, case)
    assert pipeline.ingest(chat_event("telegram", "9", "Thanks!")).reopened


def test_closed_cases_never_reopen(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "hi")).case_id
    with store.write() as conn:
        set_status(conn, case, Status.CLOSED, actor="alice", at=utc_now())
    assert pipeline.ingest(chat_event("telegram", "9", "hello?")).case_id != case


def test_automatic_mail_does_not_reopen(store: Store, pipeline: Pipeline,
                                        email_event: Email) -> None:
    case = pipeline.ingest(email_event("ann@example.com", message_id="o1@x")).case_id
    solve(store, case)
    auto = pipeline.ingest(email_event("ann@example.com", subject="Out of office",
                                       in_reply_to="o1@x",
                                       headers={"Auto-Submitted": "auto-replied"}))
    assert auto.case_id == case and not auto.reopened
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case,)).fetchone()[0] == "solved"


def test_customer_reply_resumes_a_pending_case(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "hi")).case_id
    alice = Desk(store, "alice")
    alice.each([case], alice.status(Status.PENDING, "waiting on customer"))
    assert store.conn.execute("SELECT sla_due FROM cases").fetchone()[0] is None
    pipeline.ingest(chat_event("telegram", "9", "here is the info"))
    status, due = store.conn.execute("SELECT status, sla_due FROM cases").fetchone()
    assert status == "open" and due is not None


def test_an_older_message_filed_late_leaves_the_case_its_latest_language(
        store: Store, pipeline: Pipeline) -> None:
    """An mbox out of time order files last week's French message after today's English
    one: the case reads as the customer writes now (the queue's lang, `lang:`)."""
    today = pipeline.ingest(chat_event(
        "telegram", "9", "I was charged twice for my order, please refund the duplicate "
        "payment to my card", at=ago(hours=1)))
    pipeline.ingest(chat_event(
        "telegram", "9", "Bonjour, ma commande n'est toujours pas arrivée, pouvez-vous "
        "vérifier le suivi du colis s'il vous plaît", at=ago(days=6)))
    assert store.conn.execute("SELECT language FROM cases WHERE id = ?", (today.case_id,)
                              ).fetchone() == ("en",)
    pipeline.ingest(chat_event(
        "telegram", "9", "Bonjour, je voudrais aussi changer l'adresse de facturation de "
        "mon compte s'il vous plaît", at=ago(minutes=1)))
    assert store.conn.execute("SELECT language FROM cases WHERE id = ?", (today.case_id,)
                              ).fetchone() == ("fr",)


def test_reasons_name_a_status_as_people_read_it(store: Store, pipeline: Pipeline) -> None:
    case = pipeline.ingest(chat_event("telegram", "9", "my order is late", at=ago(hours=2))
                           ).case_id
    with store.write() as conn:
        set_status(conn, case, Status.ON_HOLD, actor="alice", at=utc_now(),
                   pause_reason="waiting on the carrier")
    again = pipeline.ingest(chat_event("telegram", "9", "any news?"))
    assert reason_of(store, again.message_id)[1].startswith(
        f"the customer's on hold case #{case} ")


def test_subject_reference_from_an_address_our_reply_went_to(store: Store, pipeline: Pipeline,
                                                            email_event: Email) -> None:
    """A web form's person answers our reply, [#N] kept, without In-Reply-To: the address
    we wrote to is no customer's yet, and the answer opened a new case."""
    case = pipeline.ingest(email_event("noreply@forms.example", name="Form", headers={
        "Reply-To": "carol@cust.example"})).case_id
    Desk(store, "alice").write(case, "reply", "We are on it.")
    with store.write() as conn:
        conn.execute("UPDATE outbox SET status = 'sent'")
    answer = pipeline.ingest(email_event("carol@cust.example", name="Carol",
                                         subject=f"Re: [#{case}] Contact form"))
    assert answer.case_id == case
    assert reason_of(store, answer.message_id)[1].endswith("whose reply went to the sender")


def test_a_reply_without_headers_joins_the_case_whose_subject_it_answers(
        store: Store, pipeline: Pipeline, email_event: Email) -> None:
    """With two cases open (the customer's, and one we opened writing to them), "Re:
    Printer broken" from a mail client that kept no headers joined the newest, on another
    matter."""
    from omnitui.model import Draft

    printer = pipeline.ingest(email_event("ann@example.com", subject="Printer broken"))
    invoice = Desk(store, "alice").new_case(Draft("new", "email", to=("ann@example.com",),
                                                  subject="Your invoice", text="Attached."))
    answer = pipeline.ingest(email_event("ann@example.com", subject="AW: Re: printer broken"))
    assert answer.case_id == printer.case_id != invoice
    assert reason_of(store, answer.message_id) == (
        "customer-open-case", f"the customer's new case #{printer.case_id} with the subject it"
        " answers (one customer, one case, any channel)")
    other = pipeline.ingest(email_event("ann@example.com", subject="Something else"))
    assert other.case_id == invoice  # no subject answered: the latest, as before
