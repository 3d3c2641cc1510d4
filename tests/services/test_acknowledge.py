"""Acknowledgements on live intake: once per case per window, never to automatic mail or
no-reply senders, never for old mail or imports; an honest expected wait; and an
acknowledgement answers nothing (the case stays new, its first-response clock runs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.config import ConfigError, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft, Identifier, Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.wait_words import (
    at_words,
    duration_words,
    opening_hours,
    promise_words,
    words_in,
)
from omnitui.store.db import Store
from tests.conftest import chat_event, make_email, office_hours, settings_from

CONFIG = """
[acknowledge]
enabled = true
window = "24h"
template = "Hi {customer_first_name}, case #{case_id}. {expected_wait}"

[acknowledge.templates]
telegram = "Thanks {customer_first_name}! {expected_wait}"

""" + office_hours() + """

[sla]
first_response_async = 240
first_response_sync = 30
"""
MONDAY_11 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: open


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from(tmp_path, CONFIG)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def live(store: Store, settings: Settings, clock: Clock) -> Pipeline:
    return intake_pipeline(store, settings, clock=clock, live=True)


def mail(sender: str = "ann@example.com", *, at: datetime = MONDAY_11,
         headers: dict[str, str] | None = None, **kwargs: object) -> bytes:
    return make_email(sender, date=at - timedelta(minutes=1), headers=headers,
                      **kwargs)  # type: ignore[arg-type]


def acknowledgements(store: Store) -> list[tuple[int, str, str]]:
    return store.conn.execute(
        "SELECT m.case_id, m.text, o.recipients FROM messages m JOIN outbox o ON"
        " o.message_id = m.id WHERE m.auto_submitted = 'acknowledgement' ORDER BY m.id"
    ).fetchall()


def test_a_new_case_is_acknowledged_once_and_answers_nothing(store: Store,
                                                             settings: Settings) -> None:
    clock = Clock(MONDAY_11)
    pipeline = live(store, settings, clock)
    first = pipeline.ingest(parse_email(mail(subject="Where is my order?")))
    [(case_id, text, recipients)] = acknowledgements(store)
    assert case_id == first.case_id and '"ann@example.com"' in recipients
    assert text == (f"Hi Ann, case #{case_id}. We usually answer within about 4 working "
                    "hours.")  # no history yet: the SLA target
    status, first_response = store.conn.execute(
        "SELECT status, first_response_at FROM cases WHERE id = ?", (case_id,)).fetchone()
    assert (status, first_response) == ("new", None)  # still waiting for a person
    row = store.conn.execute("SELECT actor, reason FROM audit WHERE action = 'reply.queued'"
                             ).fetchone()
    assert row[0] == "omnitui-acknowledge" and row[1].startswith("acknowledge: new case")
    clock.now += timedelta(minutes=5)
    pipeline.ingest(parse_email(mail(subject="Re: Where is my order?", at=clock.now)))
    assert len(acknowledgements(store)) == 1  # a follow-up is not a new case


def test_a_reopened_case_is_acknowledged_again_only_after_the_window(
        store: Store, settings: Settings) -> None:
    clock = Clock(MONDAY_11)
    pipeline = live(store, settings, clock)
    case_id = pipeline.ingest(parse_email(mail())).case_id
    desk = Desk(store, "erin", settings, clock=clock)
    for later, count in ((timedelta(hours=2), 1), (timedelta(hours=30), 2)):
        desk.each([case_id], desk.status(Status.SOLVED))
        clock.now = MONDAY_11 + later
        result = pipeline.ingest(parse_email(mail(at=clock.now, body="It broke again")))
        assert result.reopened and len(acknowledgements(store)) == count


def automatic_mail() -> dict[str, bytes]:
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.com>"
    bounce["To"] = "support@example.com"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Date"] = format_datetime(MONDAY_11)
    bounce["Message-ID"] = "<bounce@mx.example.com>"
    bounce.set_content("could not deliver")
    return {
        "out of office": mail("ooo@example.com", headers={"Auto-Submitted": "auto-replied"}),
        "another helpdesk's acknowledgement": mail(
            "help@vendor.example", headers={"Auto-Submitted": "auto-replied",
                                            "X-Auto-Response-Suppress": "All"}),
        "bounce": bounce.as_bytes(),
        "mailing list": mail("list@lists.example", headers={"List-Id": "<news.example>"}),
        "bulk": mail("deals@shop.example", headers={"Precedence": "bulk"}),
        "no-reply sender": mail("no-reply@shop.example"),
        "noreply sender": mail("NoReply+orders@shop.example"),
        "mail from three days ago": mail("late@example.com",
                                         at=MONDAY_11 - timedelta(days=3)),
    }


@pytest.mark.parametrize("kind", list(automatic_mail()))
def test_never_acknowledged(store: Store, settings: Settings, kind: str) -> None:
    result = live(store, settings, Clock(MONDAY_11)).ingest(parse_email(automatic_mail()[kind]))
    assert result.new_case and acknowledgements(store) == []


def test_a_customer_with_no_way_back_is_not_acknowledged_and_the_log_says_why_in_a_line(
        store: Store, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    """A web form's message with no reply_url: the log said it with a whole traceback, as
    for a bug, where the docs promise it says why."""
    event = chat_event("web", "", "please call me back",
                       identifiers=[Identifier("email", "ann@example.com", verified=False)])
    event.occurred_at = MONDAY_11
    result = live(store, settings, Clock(MONDAY_11)).ingest(event)
    assert result.new_case and acknowledgements(store) == []
    [record] = [r for r in caplog.records if r.name == "omnitui.acknowledge"]
    assert record.getMessage() == (
        f"case #{result.case_id}: no acknowledgement sent: the customer of case "
        f"{result.case_id} has no web address; link one, or reply on another channel")
    assert record.exc_info is None


def test_only_live_intake_acknowledges(store: Store, settings: Settings) -> None:
    intake_pipeline(store, settings, clock=Clock(MONDAY_11)).ingest(parse_email(mail()))
    assert acknowledgements(store) == []


def test_a_chat_gets_its_own_template_and_the_hours_when_closed(store: Store,
                                                                settings: Settings) -> None:
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    event = chat_event("telegram", "4242", "hello, anyone there?", name="Kim Park")
    event.occurred_at = saturday
    live(store, settings, Clock(saturday)).ingest(event)
    [(_, text, _)] = acknowledgements(store)
    assert text == ("Thanks Kim! We are closed now and open again at 09:00 on Monday "
                    "(Europe/Berlin time); a person will answer within about 30 minutes after "
                    "we open.")


def test_a_customer_is_acknowledged_in_their_language(tmp_path: Path, store: Store) -> None:
    """A German customer got the English acknowledgement: the team can write one per
    language, which wins over the channel kind's; other languages keep the default."""
    settings = settings_from(tmp_path, CONFIG + """
[acknowledge.languages]
de = "Hallo {customer_first_name}, wir haben Ihre Nachricht erhalten (Fall #{case_id})."
""")
    pipeline = live(store, settings, Clock(MONDAY_11))
    german = pipeline.ingest(parse_email(mail("hans@example.de", name="Hans Vogel",
                                              subject="Abbuchung", body=(
        "Guten Tag, mir wurde meine letzte Bestellung doppelt abgebucht. Bitte erstatten "
        "Sie den Betrag.")))).case_id
    pipeline.ingest(chat_event("telegram", "4242", "Hallo, wo bleibt meine Bestellung?",
                               name="Kim Park"))
    pipeline.ingest(parse_email(mail(subject="Refund", body="I was charged twice.")))
    assert [text for _, text, _ in acknowledgements(store)] == [
        f"Hallo Hans, wir haben Ihre Nachricht erhalten (Fall #{german}).",
        f"Hallo Kim, wir haben Ihre Nachricht erhalten (Fall #{german + 1}).",
        f"Hi Ann, case #{german + 2}. We usually answer within about 4 working hours."]


def test_the_wait_and_the_hours_are_told_in_the_acknowledgements_language(
        tmp_path: Path, store: Store) -> None:
    """A German acknowledgement said "We usually answer within about 4 working hours." in
    the middle of its German: the wait and the hours are in the template's language."""
    settings = settings_from(tmp_path, CONFIG + """
[acknowledge.languages]
de = "Hallo {customer_first_name}. {expected_wait} Unsere Zeiten: {business_hours}."
fr = "Bonjour {customer_first_name}. {expected_wait} Nos horaires : {business_hours}."
""")
    pipeline = live(store, settings, Clock(MONDAY_11))
    pipeline.ingest(parse_email(mail("hans@example.de", name="Hans Vogel", subject="Abbuchung",
                                     body="Guten Tag, mir wurde meine letzte Bestellung "
                                          "doppelt abgebucht. Bitte erstatten Sie den Betrag.")))
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    event = chat_event("telegram", "4242", "Bonjour, où en est ma commande ? Je n'ai rien "
                       "reçu depuis deux semaines.", name="Kim Park")
    event.occurred_at = saturday
    live(store, settings, Clock(saturday)).ingest(event)
    assert [text for _, text, _ in acknowledgements(store)] == [
        "Hallo Hans. Wir antworten in der Regel innerhalb von etwa 4 Arbeitsstunden. Unsere "
        "Zeiten: Mo-Fr 09:00-17:00 (Zeitzone Europe/Berlin).",
        "Bonjour Kim. Nous sommes fermés pour le moment et rouvrons lundi à 09:00 (heure de "
        "Europe/Berlin) ; une personne vous répondra dans un délai d'environ 30 minutes après "
        "l'ouverture. Nos horaires : lun-ven 09:00-17:00 (heure de Europe/Berlin)."]


@pytest.mark.parametrize(("language", "said"), [
    ("es", "Ahora estamos cerrados y volvemos a abrir el miércoles 6 de enero a las 09:00 "
           "(hora de Europe/Berlin); una persona le responderá en aproximadamente 2 horas "
           "laborables tras la apertura."),
    ("it", "Ora siamo chiusi e riapriamo mercoledì 6 gennaio alle 09:00 (ora di "
           "Europe/Berlin); una persona le risponderà entro circa 2 ore lavorative dopo "
           "l'apertura."),
    ("nl", "We zijn nu gesloten en gaan weer open op woensdag 6 januari om 09:00 (tijdzone "
           "Europe/Berlin); een medewerker antwoordt binnen ongeveer 2 werkuren na de opening."),
    ("pt", "Estamos fechados agora e reabrimos quarta-feira, 6 de janeiro, às 09:00 (hora de "
           "Europe/Berlin); uma pessoa responderá em cerca de 2 horas úteis após a abertura."),
    ("sv", "We are closed now and open again at 09:00 on Wednesday 6 January (Europe/Berlin "
           "time); a person will answer within about 2 working hours after we open."),
])
def test_the_wait_reads_in_each_language_english_for_the_others(language: str,
                                                                 said: str) -> None:
    words = words_in(language)
    opens = at_words("09:00", 2, (6, 1), words)
    assert promise_words(90 * 60, True, opens, "Europe/Berlin", words) == said


@pytest.mark.parametrize(("language", "open_", "closed"), [
    ("en", "We will answer as soon as we can.", "We are closed now and open again at 09:00 "
     "on Monday (Europe/Berlin time); a person will answer as soon as we can after we open."),
    ("de", "Wir antworten so bald wie möglich.", "Wir haben gerade geschlossen und öffnen "
     "wieder am Montag um 09:00 (Zeitzone Europe/Berlin); eine Person antwortet Ihnen so bald "
     "wie möglich nach der Öffnung."),
    ("fr", "Nous vous répondrons dès que possible.", "Nous sommes fermés pour le moment et "
     "rouvrons lundi à 09:00 (heure de Europe/Berlin) ; une personne vous répondra dès que "
     "possible après l'ouverture."),
    ("es", "Le responderemos lo antes posible.", "Ahora estamos cerrados y volvemos a abrir el "
     "lunes a las 09:00 (hora de Europe/Berlin); una persona le responderá lo antes posible "
     "tras la apertura."),
    ("it", "Le risponderemo il prima possibile.", "Ora siamo chiusi e riapriamo lunedì alle "
     "09:00 (ora di Europe/Berlin); una persona le risponderà il prima possibile dopo "
     "l'apertura."),
    ("nl", "We antwoorden zo snel mogelijk.", "We zijn nu gesloten en gaan weer open op "
     "maandag om 09:00 (tijdzone Europe/Berlin); een medewerker antwoordt zo snel mogelijk na "
     "de opening."),
    ("pt", "Responderemos o mais breve possível.", "Estamos fechados agora e reabrimos "
     "segunda-feira às 09:00 (hora de Europe/Berlin); uma pessoa responderá o mais breve "
     "possível após a abertura."),
])
def test_with_no_time_to_promise_the_wait_still_reads_right(language: str, open_: str,
                                                           closed: str) -> None:
    """Without a time to promise, the English said "a person will answer as soon as we can
    of opening." and, open, "We usually answer as soon as we can."."""
    words = words_in(language)
    assert promise_words(None, True, words=words) == open_
    assert promise_words(None, True, at_words("09:00", 0, None, words), "Europe/Berlin",
                         words) == closed


def test_an_acknowledgement_with_no_time_to_promise_reads_right(tmp_path: Path,
                                                                store: Store) -> None:
    settings = settings_from(tmp_path, CONFIG.split("[sla]")[0] + """
[[sla_policies]]
name = "no promises"
resolution = { email = 2880 }
""")  # no first-response target, and no cases answered yet
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    live(store, settings, Clock(saturday)).ingest(parse_email(mail(at=saturday)))
    [(_, text, _)] = acknowledgements(store)
    assert text.endswith("We are closed now and open again at 09:00 on Monday (Europe/Berlin "
                         "time); a person will answer as soon as we can after we open.")


def test_a_reopening_a_week_or_more_away_is_told_with_its_date(tmp_path: Path,
                                                              store: Store) -> None:
    """Closed from 23 December to 5 January, a customer writing on 22 December was told
    "open again at 09:00 on Wednesday": the next day, as anyone reads it."""
    closed = ", ".join([f'"2026-12-{day}"' for day in range(23, 32)]
                       + ['"2027-01-01"', '"2027-01-04"', '"2027-01-05"'])
    settings = settings_from(tmp_path, CONFIG.replace(
        'time_zone = "Europe/Berlin"', f'time_zone = "Europe/Berlin"\nholidays = [{closed}]'))
    evening = datetime(2026, 12, 22, 18, 0, tzinfo=UTC)
    event = chat_event("telegram", "4242", "hello, anyone there?", name="Kim Park")
    event.occurred_at = evening
    live(store, settings, Clock(evening)).ingest(event)
    [(_, text, _)] = acknowledgements(store)
    assert "open again at 09:00 on Wednesday 6 January (Europe/Berlin time)" in text


def test_the_expected_wait_is_the_queues_own_when_it_beats_the_target(
        store: Store, settings: Settings) -> None:
    clock = Clock(MONDAY_11 - timedelta(days=7))
    pipeline = intake_pipeline(store, settings, clock=clock)  # last week's cases
    desk = Desk(store, "erin", settings, clock=clock)
    for n, minutes in enumerate((20, 25, 30, 40, 45, 50, 55, 58, 90, 200)):
        clock.now = MONDAY_11 - timedelta(days=7) + timedelta(minutes=15 * n)
        case_id = pipeline.ingest(parse_email(mail(f"c{n}@example.com", at=clock.now))).case_id
        clock.now += timedelta(minutes=minutes)
        desk.write(case_id, "reply", "Here you go.")
    for n in range(30):  # cases we opened, answered as they opened: none of the team's pace
        desk.new_case(Draft("new", "email", to=(f"lead{n}@example.com",), text="Hi",
                            subject="Your trial"))
    clock.now = MONDAY_11
    live(store, settings, clock).ingest(parse_email(mail("new@example.com")))
    [(_, text, _)] = acknowledgements(store)
    assert text.endswith("We usually answer within about 1 working hour.")  # 8 of 10: within 59 min


def test_words() -> None:
    assert duration_words(7 * 60) == "10 minutes"
    assert duration_words(90 * 60, working=True) == "2 working hours"
    assert duration_words(3 * 86400) == "3 days"
    assert opening_hours(Settings().business_hours) == "around the clock"


@pytest.mark.parametrize(("text", "says"), [
    ('[acknowledge]\ntemplate = "Hi {name}"', "acknowledge.template uses an unknown variable"),
    ('[acknowledge]\nwindow = "soon"', "acknowledge.window: 'soon' is not a duration"),
    ('[acknowledge.templates]\nfax = "Hi"', "acknowledge.templates.fax: no channel kind"),
    ('[acknowledge.languages]\nger = "Hallo"', "acknowledge.languages.ger: 'ger' is no ISO"),
    ('[acknowledge.languages]\nde = "Hallo {name}"', "acknowledge.languages.de uses an unkn"),
])
def test_a_wrong_acknowledge_config_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                              says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        settings_from(tmp_path, text)


def test_the_article_variable_suggests_the_best_article_or_nothing(
        store: Store, tmp_path: Path) -> None:
    from omnitui.services.kb import refresh

    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "refunds.md").write_text("---\ntitle: Refunds\n---\nA refund reaches your "
                                         "card within 5 days.\n")
    settings = settings_from(tmp_path, CONFIG.replace(
        'template = "Hi {customer_first_name}, case #{case_id}. {expected_wait}"',
        'template = "Case #{case_id}. {article}"') + f"""
[kb]
path = "{articles}"
base_url = "https://help.example.com/a/"
""")
    refresh(store, settings.kb)
    pipeline = live(store, settings, Clock(MONDAY_11))
    pipeline.ingest(parse_email(mail(subject="Refund", body="Where is my refund?")))
    pipeline.ingest(parse_email(mail("bob@example.com", subject="Hello", body="Hi there")))
    texts = [text for _, text, _ in acknowledgements(store)]
    assert texts == ["Case #1. This may help meanwhile: Refunds — "
                     "https://help.example.com/a/refunds", "Case #2."]


def test_the_article_and_an_outage_are_told_in_the_acknowledgements_language(
        store: Store, tmp_path: Path) -> None:
    """A German acknowledgement said "This may help meanwhile:" and "We know about a
    problem with payments since ..." under its German."""
    from omnitui.services.kb import refresh

    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "erstattung.md").write_text("---\ntitle: Rückerstattung\n---\nEine "
                                            "Rückerstattung erreicht Ihre Karte in 5 Tagen.\n")
    settings = settings_from(tmp_path, CONFIG + f"""
[acknowledge.languages]
de = "Hallo {{customer_first_name}}. {{article}}"

[[products]]
name = "payments"
keywords = ["Zahlung"]

[kb]
path = "{articles}"
base_url = "https://help.example.com/a/"
""")
    refresh(store, settings.kb)
    Desk(store, "erin", settings, clock=lambda: MONDAY_11 - timedelta(days=1)).business_event(
        "outage", product="payments")
    live(store, settings, Clock(MONDAY_11)).ingest(parse_email(mail(
        "hans@example.de", name="Hans Vogel", subject="Rückerstattung", body=(
            "Guten Tag, meine Zahlung wurde doppelt abgebucht. Wann bekomme ich meine "
            "Rückerstattung? Vielen Dank und freundliche Grüße"))))
    [(_, text, _)] = acknowledgements(store)
    assert text == ("Hallo Hans. Das hilft Ihnen vielleicht schon weiter: Rückerstattung — "
                    "https://help.example.com/a/erstattung\n\nUns ist eine Störung bei "
                    "payments seit dem 29. November, 11:00 Uhr (Zeitzone Europe/Berlin) "
                    "bekannt; wir arbeiten daran.")


def test_mail_from_our_own_mailbox_is_never_acknowledged(store: Store,
                                                         settings: Settings) -> None:
    """A mail from support@ opened a case and was acknowledged to support@."""
    from dataclasses import replace

    from omnitui.config import AgentSettings, MailboxSettings

    ours = replace(settings, mailboxes=[MailboxSettings(
        name="support", address="Support@example.com", imap_host="imap.example.com",
        username="support", password_env="X")])
    result = live(store, ours, Clock(MONDAY_11)).ingest(parse_email(mail("support@example.com")))
    assert result.case_id is not None and acknowledgements(store) == []
    # nor from an agent's own address (a colleague's question to the desk)
    colleague = replace(ours, agents=[AgentSettings(name="erin", email="Erin@Example.com")])
    result = live(store, colleague, Clock(MONDAY_11)).ingest(parse_email(mail(
        "erin@example.com")))
    assert result.case_id is not None and acknowledgements(store) == []


def test_a_web_forms_mail_is_acknowledged_to_the_person_who_filled_it_in(
        store: Store, settings: Settings) -> None:
    """The form's own no-reply From reads nothing; the person named in Reply-To does."""
    form = mail("noreply@shop.example", name="Shop",
                headers={"Reply-To": "Ann Lee <ann@cust.example>"})
    result = live(store, settings, Clock(MONDAY_11)).ingest(parse_email(form))
    [(case_id, text, recipients)] = acknowledgements(store)
    assert case_id == result.case_id and text.startswith("Hi Ann, case #")
    assert json.loads(recipients)["to"] == ["ann@cust.example"]


def test_a_sender_without_a_name_is_shown_by_address_and_greeted_without_one(
        store: Store, settings: Settings) -> None:
    """The queue's customer was blank and the timeline said "(unknown sender)"; greeted by
    that address, "Hi pat@cust.example," read wrong. A name given later takes its place."""
    pipeline = live(store, settings, Clock(MONDAY_11))
    first = pipeline.ingest(parse_email(mail("pat@cust.example", name="")))
    [(_, text, _)] = acknowledgements(store)
    assert text.startswith(f"Hi, case #{first.case_id}.")
    name = "SELECT name FROM customers WHERE id = ?"
    assert store.conn.execute(name, (first.customer_id,)).fetchone()[0] == "pat@cust.example"
    pipeline.ingest(parse_email(mail("pat@cust.example", name="Pat Doe", body="Again")))
    assert store.conn.execute(name, (first.customer_id,)).fetchone()[0] == "Pat Doe"


def test_an_acknowledgement_goes_to_one_address_however_many_the_mail_names(
        store: Store, settings: Settings) -> None:
    """One mail with a list of strangers in its Reply-To made us write to them all."""
    spam = mail("mallory@evil.example", name="M", subject="Cheap pills",
                headers={"Reply-To": "v1@victim.example, v2@victim.example, v3@x.example"})
    live(store, settings, Clock(MONDAY_11)).ingest(parse_email(spam))
    [(_, _, recipients)] = acknowledgements(store)
    assert json.loads(recipients) == {"to": ["v1@victim.example"], "cc": []}
