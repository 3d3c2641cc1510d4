"""Satisfaction surveys: asked once when an agent solves a case (and taken back with the
solve), never after automatic mail, a bounce or a closed 24-hour window; a short answer is
recorded against the case and its agent without reopening it, anything else reopens."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from omnitui.config import CsatSettings, ServiceWindowSettings, Settings
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from omnitui.store.outbox import mark_failed
from omnitui.triage.csat import rating
from tests.conftest import chat_event

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(csat=CsatSettings(enabled=True))


def write(store: Store, text: str, at: datetime = NOW, channel: str = "telegram") -> int:
    result = intake_pipeline(store, SETTINGS, clock=lambda: at).ingest(
        chat_event(channel, "42", text, name="Kim Park", at=at))
    assert result.case_id is not None
    return result.case_id


def solve(store: Store, case_id: int, at: datetime = NOW) -> Desk:
    desk = Desk(store, "erin", SETTINGS, clock=lambda: at)
    desk.each([case_id], desk.status(Status.SOLVED))
    return desk


def surveys(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT case_id, agent, score, answer FROM csat").fetchall()


def sent(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT text FROM messages WHERE auto_submitted = 'csat'")]


def test_asked_once_answered_without_reopening(store: Store) -> None:
    case_id = write(store, "my export is empty")
    solve(store, case_id)
    assert sent(store) == [f"How did we do on case #{case_id}? Answer with a number from 1 "
                           "(poor) to 5 (great)."]
    answer = write(store, "5", NOW + timedelta(hours=2))
    assert answer == case_id
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case_id,)).fetchone()[0] == "solved"
    assert surveys(store) == [(case_id, "erin", 5, "5")]
    again = write(store, "It broke again, the export is empty once more",
                  NOW + timedelta(hours=3))
    assert again == case_id  # a real message reopens as always
    solve(store, case_id, NOW + timedelta(hours=4))
    assert len(sent(store)) == 1  # at most once a case


def test_undoing_the_solve_takes_the_survey_back(store: Store) -> None:
    case_id = write(store, "my export is empty")
    solve(store, case_id).undo()
    assert sent(store) == [] and surveys(store) == []


def test_not_after_a_bounce_nor_outside_whatsapps_window(store: Store) -> None:
    bounced = write(store, "my export is empty")
    desk = Desk(store, "erin", SETTINGS, clock=lambda: NOW)
    desk.write(bounced, "reply", "Try again please")
    with store.write() as conn:
        outbox_id = conn.execute("SELECT max(id) FROM outbox").fetchone()[0]
        mark_failed(conn, outbox_id, "403 blocked by the user", at="2026-12-01 12:00:00",
                    retry_at=None)
    solve(store, bounced)
    late = write(store, "hola", NOW - timedelta(days=2), channel="whatsapp")
    solve(store, late)
    assert sent(store) == []
    reason = store.conn.execute("SELECT reason FROM audit WHERE action = 'csat.skipped'"
                                ).fetchone()[0]
    assert reason == ("no satisfaction survey: whatsapp's 24-hour window is closed (the "
                      "customer last wrote there 2d ago) and [service_window] whatsapp names "
                      "no approved template for a message nobody asked for")


def test_not_when_the_customers_newest_mail_is_their_out_of_office(store: Store) -> None:
    """A reply answers the customer's words before their out-of-office; the survey must
    still see that they are away."""
    from omnitui.channels.email.parse import parse_email
    from tests.conftest import make_email

    pipeline = intake_pipeline(store, SETTINGS, clock=lambda: NOW)
    case_id = pipeline.ingest(parse_email(make_email(body="Where is my order?"))).case_id
    assert case_id is not None
    pipeline.ingest(parse_email(make_email(subject="Out of office", body="Away until May.",
                                           headers={"Auto-Submitted": "auto-replied"})))
    solve(store, case_id)
    assert sent(store) == []


def test_outside_the_window_as_the_approved_template(store: Store) -> None:
    settings = Settings(csat=CsatSettings(enabled=True),
                        service_window=ServiceWindowSettings(whatsapp="csat_v1", language="de"))
    late = write(store, "hola", NOW - timedelta(days=2), channel="whatsapp")
    desk = Desk(store, "erin", settings, clock=lambda: NOW)
    desk.each([late], desk.status(Status.SOLVED))
    [(recipients,)] = store.conn.execute("SELECT recipients FROM outbox").fetchall()
    assert json.loads(recipients)["template"] == "csat_v1"
    assert json.loads(recipients)["template_language"] == "de"
    inside = write(store, "hi", NOW, channel="telegram")
    solve(store, inside)
    assert "template" not in json.loads(store.conn.execute(
        "SELECT recipients FROM outbox ORDER BY id DESC").fetchone()[0])


def test_not_on_a_phone_call_logged_by_hand(store: Store) -> None:
    desk = Desk(store, "erin", SETTINGS, clock=lambda: NOW)
    case_id, _ = desk.log_contact("+49 151 2345678", "phone", "My export is empty",
                                  name="Kim Park", answer="Try again")
    solve(store, case_id)
    assert sent(store) == []  # no way back on a phone line


def test_a_web_forms_case_is_asked_where_it_is_answered(store: Store) -> None:
    """A form's case is answered through the form's source, which knows who filled it in
    (its reply_url); the survey was never sent there, and nothing said why."""
    from dataclasses import replace

    from omnitui.model import Identifier

    filled = replace(chat_event("web", "", "my export is empty", at=NOW, identifiers=[
        Identifier("email", "kim@example.com", how="stated in a web form")]),
        reply_route={"hook": "forms", "reply_url": "https://example.com/answers"})
    case_id = intake_pipeline(store, SETTINGS, clock=lambda: NOW).ingest(filled).case_id
    assert case_id is not None
    solve(store, case_id)
    assert sent(store) == [f"How did we do on case #{case_id}? Answer with a number from 1 "
                           "(poor) to 5 (great)."]
    [(recipients,)] = store.conn.execute("SELECT recipients FROM outbox").fetchall()
    assert json.loads(recipients)["to"] == ["kim@example.com"]


@pytest.mark.parametrize(("text", "score"), [
    ("5", 5), ("4/5", 4), ("3 stars", 3), ("1!", 1), ("⭐⭐⭐⭐", 4), ("👍", 4), ("😡", 1),
    ("Great", 5), ("gut", 4), ("mal", 2), ("ok", 3),
    ("6", None), ("5 days and still nothing", None), ("thanks, all good now!", None), ("", None),
    # a score with its label, its scale, a word or a thanks beside it, in their languages
    ("Note: 4/5", 4), ("sehr gut, 5", 5), ("5 - sehr gut", 5), ("Danke, 5 Sterne!", 5),
    ("4 von 5", 4), ("4 de 5, gracias", 4), ("nota: 3", 3), ("4 sur 5", 4),
    ("Très bien, merci", 5), ("tres bien", 5), ("muy bien", 5), ("molto bene", 5),
    ("muito bom", 5), ("ausgezeichnet", 5),
    # Dutch, as the built-in Dutch question asks: "een cijfer van 1 (slecht) tot 5"
    ("4 van 5, bedankt", 4), ("Cijfer: 5", 5), ("uitstekend", 5), ("goed", 4),
    ("heel slecht", 1), ("redelijk", 3), ("Gemiddeld.", 3), ("matig", 2),
    # anything else beside a digit is something to say
    ("2 Fragen", None), ("Bestellung 3", None), ("nicht gut", None), ("4.5", None),
    ("10/10", None), ("1/2", None), ("Danke!", None),
    # under a greeting alone on its line
    ("Hola,\n\n4 de 5, gracias\n\nAna", 4), ("Hallo Support-Team,\nsehr gut", 5),
    ("Hallo,\nwo ist meine Bestellung?", None), ("Hi,", None),
])
def test_what_reads_as_an_answer(text: str, score: int | None) -> None:
    assert rating(text) == score


def test_a_case_from_a_no_reply_sender_is_solved_without_a_survey(store: Store) -> None:
    """The survey to noreply@ was refused inside the solve, and the case could not be
    solved at all."""
    from omnitui.channels.email.parse import parse_email
    from tests.conftest import make_email

    case_id = intake_pipeline(store, SETTINGS, clock=lambda: NOW).ingest(parse_email(
        make_email("noreply@shop.example", name="Shop", date=NOW))).case_id
    desk = Desk(store, "erin", SETTINGS, clock=lambda: NOW)
    [result] = desk.each([case_id], desk.status(Status.SOLVED))
    assert result.done, result.refusal
    assert sent(store) == []


def test_a_question_too_long_for_the_channel_skips_the_survey_not_the_solve(
        store: Store) -> None:
    wordy = Settings(csat=CsatSettings(enabled=True, question="How did we do? " * 80))
    case_id = write(store, "my export is empty", channel="instagram")
    Desk(store, "erin", wordy, clock=lambda: NOW).each(
        [case_id], Desk(store, "erin", wordy).status(Status.SOLVED))
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case_id,)).fetchone()[0] == "solved"
    assert sent(store) == []
    reason = store.conn.execute("SELECT reason FROM audit WHERE action = 'csat.skipped'"
                                ).fetchone()[0]
    assert reason.startswith("no satisfaction survey: its question is too long for instagram")


def test_the_answer_kept_is_the_line_read_not_the_survey_quoted(store: Store) -> None:
    """"4 stars" above the quoted question was kept and shown as "4 stars > How did we
    do"."""
    case_id = write(store, "my export is empty")
    solve(store, case_id)
    write(store, "4 stars\n> How did we do on case #1? Answer with a number",
          NOW + timedelta(hours=1))
    assert surveys(store) == [(case_id, "erin", 4, "4 stars")]


def test_an_answer_under_a_greeting_is_recorded_not_a_reopening(store: Store) -> None:
    """"Hola," above "4 de 5, gracias" reopened the solved case with no score."""
    case_id = write(store, "mi pedido no ha llegado todavía")
    solve(store, case_id)
    write(store, "Hola,\n\n4 de 5, gracias\n\nAna", NOW + timedelta(hours=1))
    assert surveys(store) == [(case_id, "erin", 4, "4 de 5, gracias")]
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case_id,)).fetchone()[0] == "solved"


def test_a_german_customer_is_asked_in_german(store: Store) -> None:
    """Omnitui's own question was English whatever the customer wrote in."""
    case_id = write(store, "Guten Tag, mein Export ist leer. Können Sie mir bitte helfen?")
    solve(store, case_id)
    assert sent(store) == [f"Wie zufrieden waren Sie mit unserer Hilfe bei Fall #{case_id}? "
                           "Antworten Sie mit einer Zahl von 1 (schlecht) bis 5 (sehr gut)."]
    write(store, "sehr gut, 5", NOW + timedelta(hours=2))
    assert surveys(store) == [(case_id, "erin", 5, "sehr gut, 5")]


def test_the_teams_question_for_a_language_is_asked_in_it(store: Store) -> None:
    settings = Settings(csat=CsatSettings(enabled=True, languages={
        "fr": "Votre avis sur la demande #{case_id} ? Une note de 1 à 5, s'il vous plaît."}))
    french = write(store, "Bonjour, mon export est vide. Pouvez-vous m'aider, s'il vous plaît ?")
    english = write(store, "Hello, my export is empty. Could you help me please?",
                    channel="whatsapp")
    desk = Desk(store, "erin", settings, clock=lambda: NOW)
    desk.each([french, english], desk.status(Status.SOLVED))
    assert sent(store) == [
        f"Votre avis sur la demande #{french} ? Une note de 1 à 5, s'il vous plaît.",
        f"How did we do on case #{english}? Answer with a number from 1 (poor) to 5 (great)."]


@pytest.mark.parametrize("opening", [
    "Hello, my export is empty. Could you help me please?",
    "Guten Tag, mein Export ist leer. Können Sie mir bitte helfen?",
    "Bonjour, mon export est vide. Pouvez-vous m'aider, s'il vous plaît ?",
    "Hola, mi exportación está vacía. ¿Me pueden ayudar, por favor?",
    "Buongiorno, la mia esportazione è vuota. Potete aiutarmi, per favore?",
    "Hallo, mijn export is leeg. Kunnen jullie mij alstublieft helpen?",
    "Olá, a minha exportação está vazia. Podem ajudar-me, por favor?",
])
def test_the_questions_own_words_for_1_and_5_score_1_and_5(store: Store, opening: str) -> None:
    """"poor", "schlecht", "ruim" were recorded as 2 though the question put them at 1;
    "slecht" was no answer at all and reopened the case."""
    worst, best = write(store, opening), write(store, opening, channel="whatsapp")
    desk = Desk(store, "erin", SETTINGS, clock=lambda: NOW)
    desk.each([worst, best], desk.status(Status.SOLVED))
    [question, _] = sent(store)
    words = re.search(r"1 \(([^)]+)\)\D+5 \(([^)]+)\)", question)
    assert words is not None, question
    write(store, words[1], NOW + timedelta(hours=1))
    write(store, words[2], NOW + timedelta(hours=1), channel="whatsapp")
    assert surveys(store) == [(worst, "erin", 1, words[1]), (best, "erin", 5, words[2])]


def test_a_dutch_customers_word_for_3(store: Store) -> None:
    """The reader had no Dutch word between "slecht" and "goed": "redelijk" reopened the
    case."""
    case_id = write(store, "Hallo, mijn export is leeg. Kunnen jullie mij alstublieft helpen?")
    solve(store, case_id)
    write(store, "Redelijk, bedankt", NOW + timedelta(hours=1))
    assert surveys(store) == [(case_id, "erin", 3, "Redelijk, bedankt")]
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case_id,)).fetchone()[0] == "solved"
