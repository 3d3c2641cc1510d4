"""The intake assistant on live chat intake: it starts only when nobody can answer at once,
asks each question once, keeps the answers on the case, moves the case by a chosen intent,
stops the moment an agent replies, ends silently after its timeout, and never runs on mail,
public posts, automatic messages or imports."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.config import ConfigError, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import IngestResult
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import apply_agents
from omnitui.store import agents as agent_store
from omnitui.store.db import Store, db_time
from omnitui.store.queries import case_detail
from tests.conftest import chat_event, office_hours, settings_from
from tests.services.test_acknowledge import Clock

CONFIG = """
[assistant]
channels = ["telegram", "whatsapp"]

[[assistant.questions]]
field = "topic"
ask = "What is it about?"

[[assistant.questions.choices]]
label = "Billing"
intent = "billing"
keywords = ["invoice", "rechnung"]

[[assistant.questions.choices]]
label = "Delivery"
keywords = ["parcel"]

[[assistant.questions]]
field = "order_number"
ask = "Your order number?"
pattern = '\\b([A-Z]-\\d{5})\\b'

[[assistant.questions]]
field = "callback"
ask = "How should we answer?"

[[assistant.questions.choices]]
label = "Here"

[[assistant.questions.choices]]
label = "By phone"
keywords = ["call"]

[acknowledge]
enabled = true

[[intents]]
name = "billing"
queue = "billing"
keywords = ["charged twice"]

""" + office_hours() + """

[[agents]]
name = "alice"
"""
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # closed
MONDAY_11 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # open


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from(tmp_path, CONFIG)


class Chat:
    """One customer on Telegram, writing to the live pipeline at the clock's time."""

    def __init__(self, store: Store, settings: Settings, now: datetime,
                 channel: str = "telegram", live: bool = True) -> None:
        self.store = store
        self.clock = Clock(now)
        self.channel = channel
        self.pipeline: Pipeline = intake_pipeline(store, settings, clock=self.clock, live=live)
        self.case_id: int | None = None

    def says(self, text: str, *, minutes: float = 1, **route: object) -> IngestResult:
        self.clock.now += timedelta(minutes=minutes)
        event = replace(chat_event(self.channel, "111", text, at=self.clock.now),
                        reply_route={"hook": "tg", "chat_id": 111, "user_id": 111,
                                     "public": False, **route})
        result = self.pipeline.ingest(event)
        self.case_id = result.case_id
        return result

    def heard(self) -> list[str]:
        """What the assistant said, in order."""
        return [r[0] for r in self.store.conn.execute(
            "SELECT m.text FROM messages m JOIN outbox o ON o.message_id = m.id"
            " WHERE m.auto_submitted = 'assistant' ORDER BY m.id")]

    def case(self) -> dict:
        row = self.store.conn.execute(
            "SELECT fields, intent, queue, status, first_response_at FROM cases WHERE id = ?",
            (self.case_id,)).fetchone()
        return {"fields": json.loads(row[0]), "intent": row[1], "queue": row[2],
                "status": row[3], "first_response_at": row[4]}

    def ended(self) -> str | None:
        row = self.store.conn.execute("SELECT ended FROM assistant_runs WHERE case_id = ?",
                                      (self.case_id,)).fetchone()
        return row[0] if row else None


def acknowledged(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM messages"
                              " WHERE auto_submitted = 'acknowledgement'").fetchone()[0]


def test_closed_hours_a_whole_conversation(store: Store, settings: Settings) -> None:
    chat = Chat(store, settings, SUNDAY)
    chat.says("hello, I need help")
    [greeting] = chat.heard()
    assert greeting.startswith("Hi") and f"(case #{chat.case_id})" in greeting
    assert "A person will answer you here. We are closed now and open again at 09:00 on " \
           "Monday (Europe/Berlin time)" in greeting
    assert greeting.endswith("What is it about?\n1) Billing\n2) Delivery\n"
                             "(a number or a few words)")
    chat.says("1")
    assert chat.heard()[-1] == "Your order number?"
    assert chat.case()["fields"] == {"topic": "Billing"}
    assert (chat.case()["intent"], chat.case()["queue"]) == ("billing", "billing")
    chat.says("sure, it is B-10231 I think")
    assert chat.heard()[-1].startswith("How should we answer?\n1) Here\n2) By phone")
    chat.says("please call me")
    closing = chat.heard()[-1]
    assert closing.startswith("Thank you, that helps. We are closed now")
    assert chat.case()["fields"] == {"topic": "Billing", "order_number": "B-10231",
                                     "callback": "By phone"}
    assert chat.ended() == "answered"
    chat.says("thanks!")  # after the end, silence
    assert len(chat.heard()) == 4
    case = chat.case()
    assert (case["status"], case["first_response_at"]) == ("new", None)  # answered nothing
    assert acknowledged(store) == 0  # its greeting was the acknowledgement
    detail = case_detail(store.conn, chat.case_id)
    assert detail is not None and detail.fields["order_number"] == "B-10231"
    reasons = [reason for _, _, actor, _, reason in detail.history
               if actor == "omnitui-assistant"]
    assert "topic: Billing → queue billing (answer to question 1 of 3 (topic))" in reasons


def test_its_own_greeting_and_closing_speak_the_acknowledgements_language(
        tmp_path: Path, store: Store) -> None:
    """A German customer, to a team that acknowledges in German, was greeted and thanked in
    English; the team's own greeting stays as they wrote it."""
    settings = settings_from(tmp_path, CONFIG + """
[acknowledge.languages]
de = "Hallo {customer_first_name}, danke."
""")
    chat = Chat(store, settings, SUNDAY)
    chat.says("Hallo, meine Bestellung ist immer noch nicht angekommen. Können Sie bitte "
              "nachsehen, wo sie bleibt?")
    chat.says("Lieferung")  # not a choice's word: a skip
    chat.says("B-10231")
    chat.says("Rückruf bitte")
    greeting, *_, closing = chat.heard()
    assert greeting.startswith(f"Hallo, danke für Ihre Nachricht (Fall #{chat.case_id}). Eine "
                               "Person wird Ihnen hier antworten. Wir haben gerade geschlossen "
                               "und öffnen wieder am Montag um 09:00")
    assert closing.startswith("Danke, das hilft weiter. Wir haben gerade geschlossen")
    own = settings_from(tmp_path, CONFIG.replace("[assistant]\n", '[assistant]\ngreeting = '
                                                 '"Hi there. {expected_wait}"\n') + """
[acknowledge.languages]
de = "Hallo {customer_first_name}, danke."
""")
    other = Chat(store, own, SUNDAY, channel="whatsapp")
    other.says("Hallo, meine Bestellung ist immer noch nicht angekommen. Können Sie bitte "
               "nachsehen, wo sie bleibt?")
    assert other.heard()[-1].startswith("Hi there. We are closed now")


def in_german(config: str) -> str:
    """`config` with CONFIG's questions and choices in German too."""
    for written, german in [('ask = "What is it about?"', "Worum geht es?"),
                            ('label = "Billing"', "Rechnung"),
                            ('label = "Delivery"', "Lieferung"),
                            ('ask = "Your order number?"', "Ihre Bestellnummer?"),
                            ('ask = "How should we answer?"', "Wie sollen wir antworten?"),
                            ('label = "Here"', "Hier"), ('label = "By phone"', "Per Telefon")]:
        config = config.replace(f"{written}\n", f'{written}\nlanguages = {{ de = "{german}" }}\n')
    return config


GERMAN = in_german(CONFIG)
ORDER_LATE = ("Hallo, meine Bestellung ist immer noch nicht angekommen. Können Sie bitte "
              "nachsehen, wo sie bleibt?")


def test_a_german_customer_is_asked_in_german(tmp_path: Path, store: Store) -> None:
    """Its questions, their choices and their hint were English under a German greeting;
    the answers are the choices' German words, the last with a German ending, kept as the
    team's labels."""
    chat = Chat(store, settings_from(tmp_path, GERMAN), SUNDAY)
    chat.says(ORDER_LATE)
    [greeting] = chat.heard()
    assert greeting.startswith(f"Hallo, danke für Ihre Nachricht (Fall #{chat.case_id}).")
    assert greeting.endswith("Worum geht es?\n1) Rechnung\n2) Lieferung\n"
                             "(eine Zahl oder ein paar Worte)")
    chat.says("Rechnungen")  # (a word alone reads as no language: the case's is German)
    assert chat.heard()[-1] == "Ihre Bestellnummer?"
    assert (chat.case()["fields"], chat.case()["queue"]) == ({"topic": "Billing"}, "billing")
    chat.says("B-10231")
    assert chat.heard()[-1] == ("Wie sollen wir antworten?\n1) Hier\n2) Per Telefon\n"
                                "(eine Zahl oder ein paar Worte)")
    chat.says("per telefon")
    assert chat.heard()[-1].startswith("Danke, das hilft weiter. Wir haben gerade geschlossen")
    assert chat.case()["fields"] == {"topic": "Billing", "order_number": "B-10231",
                                     "callback": "By phone"}


def test_the_teams_default_words_where_it_wrote_none(tmp_path: Path, store: Store) -> None:
    """A German customer's answer in the team's default words is read; a French customer,
    whose language the questions are not written in, reads them as the team wrote them."""
    settings = settings_from(tmp_path, GERMAN)
    german = Chat(store, settings, SUNDAY)
    german.says(ORDER_LATE)
    german.says("Delivery")
    assert german.case()["fields"] == {"topic": "Delivery"}
    french = Chat(store, settings, SUNDAY, channel="whatsapp")
    french.says("Bonjour, ma commande n'est toujours pas arrivée. Pouvez-vous vérifier, "
                "s'il vous plaît ?")
    assert french.heard()[-1].startswith("Hi")
    assert french.heard()[-1].endswith("What is it about?\n1) Billing\n2) Delivery\n"
                                       "(a number or a few words)")


def test_the_teams_hint_in_a_language(tmp_path: Path, store: Store) -> None:
    settings = settings_from(tmp_path, GERMAN + '\n[assistant.hints]\nde = "(Zahl oder Wort)"\n')
    chat = Chat(store, settings, SUNDAY)
    chat.says(ORDER_LATE)
    assert chat.heard()[-1].endswith("2) Lieferung\n(Zahl oder Wort)")


def test_only_when_nobody_is_free(store: Store, settings: Settings) -> None:
    apply_agents(store, settings, MONDAY_11)
    with store.write() as conn:
        agent_store.mark_seen(conn, "alice", db_time(MONDAY_11))
    chat = Chat(store, settings, MONDAY_11)
    chat.says("hello", minutes=0)  # open, alice's console is running and she has room: no assistant
    assert chat.heard() == [] and acknowledged(store) == 1
    other = Chat(store, settings, MONDAY_11 + timedelta(hours=2))  # alice's console is gone
    other.pipeline.ingest(replace(chat_event("whatsapp", "+4915112345678", "hi",
                                             at=other.clock.now)))
    assert len(other.heard()) == 1 and "We usually answer within about" in other.heard()[0]


def test_it_stops_the_moment_an_agent_replies(store: Store, settings: Settings) -> None:
    chat = Chat(store, settings, SUNDAY)
    chat.says("hello")
    Desk(store, "alice", settings).write(chat.case_id, "reply", "Hi, Alice here. Looking.")
    chat.says("Delivery")
    assert len(chat.heard()) == 1 and chat.ended() == "alice replied"
    assert chat.case()["fields"] == {}


def test_unreadable_and_skipped_answers_move_on_and_nothing_is_asked_twice(
        store: Store, settings: Settings) -> None:
    chat = Chat(store, settings, SUNDAY)
    chat.says("hello")
    chat.says("well it's complicated, my neighbour took it")  # no choice: skipped
    chat.says("skip")
    chat.says("7")  # no such choice: skipped, and the end
    assert [t.partition("\n")[0] for t in chat.heard()[1:]] == [
        "Your order number?", "How should we answer?", "Thank you, that helps. We are "
        "closed now and open again at 09:00 on Monday (Europe/Berlin time); a person will "
        "answer within about 10 minutes after we open."]
    assert chat.case()["fields"] == {} and chat.ended() == "asked everything"


def test_what_the_first_message_says_is_not_asked(store: Store, settings: Settings) -> None:
    chat = Chat(store, settings, SUNDAY)
    chat.says("I was charged twice for order B-55555!")
    assert chat.case()["fields"] == {"topic": "Billing", "order_number": "B-55555"}
    assert chat.heard()[0].endswith("How should we answer?\n1) Here\n2) By phone\n"
                                    "(a number or a few words)")
    chat.says("here is fine")
    assert chat.case()["fields"]["callback"] == "Here" and chat.ended() == "answered"


def test_a_late_answer_ends_it_silently(store: Store, settings: Settings) -> None:
    chat = Chat(store, settings, SUNDAY)
    chat.says("hello")
    chat.says("Billing", minutes=180)
    assert len(chat.heard()) == 1 and chat.ended() == "no answer within 2h"
    assert chat.case()["fields"] == {}


@pytest.mark.parametrize("how", ["import", "public", "automatic", "not its channel"])
def test_where_it_never_runs(store: Store, settings: Settings, how: str) -> None:
    chat = Chat(store, settings, SUNDAY, live=how != "import",
                channel="slack" if how == "not its channel" else "telegram")
    if how == "automatic":
        chat.pipeline.ingest(replace(chat_event("telegram", "111", "bot says hi"),
                                     auto_submitted="bot"))
    else:
        chat.says("hello", public=how == "public")
    assert chat.heard() == []


@pytest.mark.parametrize(("text", "message"), [
    ('[assistant]\nchannels = ["email"]', "'email' is not a chat or messaging channel"),
    ('[assistant]\nwhen = "sometimes"', "assistant.when must be one of"),
    ('[assistant]\ntimeout = "soon"', "assistant.timeout"),
    ('[assistant]\ngreeting = "{nope}"', "unknown variable {nope}"),
    ("[[assistant.questions]]\nfield='a'\nask='?'\n" * 4, "at most 3"),
    ("[[assistant.questions]]\nfield='Topic!'\nask='?'", "lower-case letters"),
    ("[[assistant.questions]]\nfield='a'\nask='?'\npattern='('", "not a regular expression"),
    ("[[assistant.questions]]\nfield='a'\nask='?'\n[[assistant.questions.choices]]\n"
     "label='x'\nintent='nope'\n[[assistant.questions.choices]]\nlabel='y'",
     "no [[intents]] entry named 'nope'"),
    ("[[assistant.questions]]\nfield='a'\nask='?'\n[[assistant.questions.choices]]\n"
     "label='only one'", "2 to 9"),
    # words in a language no customer is told to write in were never shown
    ("[[assistant.questions]]\nfield='a'\nask='?'\nlanguages={german='Was?'}",
     "line 4: assistant.questions[0].languages.german: 'german' is no ISO 639-1 code"),
    ("[assistant]\nhints = { deu = '(Zahl)' }", "line 2: assistant.hints.deu: 'deu' is no"),
    # a German question offered an English choice among German ones
    ("[[assistant.questions]]\nfield='a'\nask='?'\nlanguages={de='Was?'}\n"
     "[[assistant.questions.choices]]\nlabel='x'\nlanguages={de='X'}\n"
     "[[assistant.questions.choices]]\nlabel='y'",
     "line 8: assistant.questions[0].choices[1].languages: no label in 'de', a language its "
     "question is asked in (the question's"),
    ("[[assistant.questions]]\nfield='a'\nask='?'\n[[assistant.questions.choices]]\n"
     "label='x'\nlanguages={de='X'}\n[[assistant.questions.choices]]\nlabel='y'",
     "line 6: assistant.questions[0].choices[0].languages.de: its question is not asked in"),
])
def test_config_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("{", r"\{")
                       .replace("(", r"\(")):
        settings_from(tmp_path, text)


def test_a_question_too_long_for_the_chat_is_one_line_in_the_log(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A greeting past what one Telegram message holds is refused before it is queued (the
    platform would refuse it): the assistant stops for that case, and its log says why in
    one line, as the acknowledgement's does, not with a traceback as for a bug."""
    settings = settings_from(tmp_path, CONFIG.replace("What is it about?", "Well? " * 700))
    chat = Chat(store, settings, SUNDAY)
    chat.says("hello, I need help")
    assert chat.heard() == [] and chat.case_id is not None
    [record] = [r for r in caplog.records if r.name == "omnitui.assistant"]
    assert record.getMessage().startswith(
        f"case #{chat.case_id}: the intake assistant stopped: too long for telegram: ")
    assert record.exc_info is None
