"""The console shows what the author newly wrote and folds quotes and signatures, losing nothing."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest

from omnitui.quotes import LANGUAGES, SplitText, signature_start, split_reply


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def assert_lossless(text: str, split: SplitText) -> None:
    """Every non-blank line survives, in order: body is a prefix of the lines, folded the rest."""
    assert isinstance(split.body, str) and isinstance(split.folded, str)
    assert lines_of(split.body) + lines_of(split.folded) == lines_of(text)
    if text.strip():
        assert split.body.strip()


GMAIL = """\
Hi,

the label printer on the 3rd floor still prints blank pages, even after the driver
update you suggested. I restarted it twice.

Thanks,
Anna

On Mon, 3 Jun 2024 at 10:15, ACME Support <support@acme.example> wrote:
> Dear Anna,
>
> please install driver 4.2 and restart the printer.
>
> Best regards
> ACME Support
"""

OUTLOOK = """\
Still broken after the update, see attached screenshot.

John Smith
Head of Logistics | Contoso Ltd.

________________________________
From: ACME Support <support@acme.example>
Sent: Monday, June 3, 2024 10:15 AM
To: John Smith <john.smith@contoso.example>
Subject: RE: [#1234] Printer prints blank pages

Hello John,

please install driver 4.2.
"""

ORIGINAL_MESSAGE = """\
Works now, thank you!

-----Original Message-----
From: ACME Support [mailto:support@acme.example]
Sent: Monday, June 03, 2024 10:15 AM
To: Smith, John
Subject: RE: Printer

Try driver 4.2.
"""

GERMAN = """\
Hallo,

das Problem besteht leider weiterhin, der Drucker druckt nur leere Seiten.

Viele Grüße
Hans Müller

Am 03.06.2024 um 10:15 schrieb ACME Support <support@acme.example>:
> Hallo Herr Müller,
>
> bitte installieren Sie Treiber 4.2.
"""

DASH_SIGNATURE = """\
The invoice INV-2024-0042 lists the wrong VAT number, ours is DE123456789.

-- \nJane Doe
Accounts Payable, Initech GmbH
+49 30 1234567
"""

IPHONE = """\
Yes please cancel the order

Sent from my iPhone

> On 3 Jun 2024, at 10:15, ACME Support <support@acme.example> wrote:
>
> Do you want us to cancel order 5567?
"""

NO_QUOTES = """\
Hello,

my order #5567 has not arrived yet. Tracking says:
- 28 May: shipped
- 29 May: in transit

Thanks, that would help a lot. Can you check with the carrier?
"""


def test_gmail_attribution_and_quotes_are_folded() -> None:
    split = split_reply(GMAIL)
    assert split.body.startswith("Hi,\n")
    assert split.body.endswith("I restarted it twice.")
    assert split.folded.startswith("Thanks,\nAnna\n\nOn Mon, 3 Jun 2024")
    assert split.folded.endswith("> ACME Support")
    assert_lossless(GMAIL, split)


def test_outlook_header_block_is_folded_with_its_rule() -> None:
    split = split_reply(OUTLOOK)
    assert split.body == ("Still broken after the update, see attached screenshot.\n\n"
                          "John Smith\nHead of Logistics | Contoso Ltd.")
    assert split.folded.startswith("________________________________\nFrom: ACME Support")
    assert "please install driver 4.2." in split.folded
    assert_lossless(OUTLOOK, split)


def test_original_message_separator() -> None:
    split = split_reply(ORIGINAL_MESSAGE)
    assert split.body == "Works now, thank you!"
    assert split.folded.startswith("-----Original Message-----\nFrom: ACME Support")
    assert split.folded.endswith("Try driver 4.2.")


def test_german_attribution() -> None:
    split = split_reply(GERMAN)
    assert split.body.endswith("der Drucker druckt nur leere Seiten.")
    assert split.folded.startswith("Viele Grüße\nHans Müller\n\nAm 03.06.2024 um 10:15 schrieb")
    assert_lossless(GERMAN, split)


def test_dash_signature() -> None:
    split = split_reply(DASH_SIGNATURE)
    assert split.body == ("The invoice INV-2024-0042 lists the wrong VAT number, "
                          "ours is DE123456789.")
    assert split.folded.startswith("-- \nJane Doe")
    assert split.folded.endswith("+49 30 1234567")


def test_sent_from_my_iphone_and_apple_quote() -> None:
    split = split_reply(IPHONE)
    assert split.body == "Yes please cancel the order"
    assert split.folded.startswith("Sent from my iPhone\n\n> On 3 Jun 2024")
    assert_lossless(IPHONE, split)


GMAIL_FORWARD = """\
FYI, customer complaint below.

---------- Forwarded message ---------
From: Karen White <karen@client.example>
Date: Sun, Dec 6, 2026 at 8:00 AM
Subject: Order 7781 never arrived
To: <bob@reseller.example>

Order 7781 never arrived. Tracking says delivered.

On Sat, Dec 5, 2026 at 9:00 AM Bob <bob@reseller.example> wrote:
> Your order ships today.
"""

APPLE_FORWARD = """\
Can you help her?

Begin forwarded message:

From: Karen White <karen@client.example>
Subject: Broken device
Date: 6 December 2026 at 08:00:00 CET
To: bob@reseller.example

My device stopped working after the update.
"""


@pytest.mark.parametrize(("text", "words", "folded"), [
    (GMAIL_FORWARD, "Order 7781 never arrived. Tracking says delivered.",
     "On Sat, Dec 5, 2026 at 9:00 AM Bob"),
    (APPLE_FORWARD, "My device stopped working after the update.", "")])
def test_a_forwarded_mail_is_shown_only_its_own_history_folded(text: str, words: str,
                                                               folded: str) -> None:
    """"FYI, see below" over the customer's words: the words are what the case is about."""
    split = split_reply(text)
    assert split.body.rstrip().endswith(words)
    assert "From: Karen White <karen@client.example>" in split.body
    assert split.folded.startswith(folded)
    assert_lossless(text, split)


def test_no_quotes_keeps_everything() -> None:
    """Lists and a mid-text "Thanks, …" sentence are the author's words, not a signature."""
    assert split_reply(NO_QUOTES) == SplitText(NO_QUOTES, "")


@pytest.mark.parametrize("text, body", [
    ("Toujours en panne.\n\nCordialement,\nJean\n\n"
     "Le lun. 3 juin 2024 à 10:15, Support <support@acme.example> a écrit :\n> Bonjour\n",
     "Toujours en panne."),
    ("Non funziona ancora.\n\nIl giorno lun 3 giu 2024 alle ore 10:15 Supporto "
     "<supporto@acme.example> ha scritto:\n> Ciao\n", "Non funziona ancora."),
    ("Fungerar fortfarande inte.\n\nDen mån 3 juni 2024 kl 10:15 skrev Support "
     "<support@acme.example>:\n> Hej\n", "Fungerar fortfarande inte."),
    ("Nadal nie działa.\n\nDnia 3 czerwca 2024 10:15 Pomoc <pomoc@acme.example> "
     "napisał(a):\n> Cześć\n", "Nadal nie działa."),
    ("Geht nicht.\n\nVon: Support <support@acme.example>\nGesendet: Montag, 3. Juni 2024\n"
     "An: Hans\nBetreff: AW: Drucker\n\nHallo\n", "Geht nicht."),
    ("Pas encore.\n\nDe : Support <support@acme.example>\nEnvoyé : lundi 3 juin 2024\n"
     "À : Jean\nObjet : RE: imprimante\n\nBonjour\n", "Pas encore."),
    ("No funciona.\n\nDe: Soporte <soporte@acme.example>\nEnviado: lunes, 3 de junio\n"
     "Para: Ana\nAsunto: RE: impresora\n\nHola\n", "No funciona."),
    # Attributions the library does not know; caught as "address line ending in ':' + quote".
    ("Sigue sin funcionar.\n\nEl lun, 3 jun 2024 a las 10:15, Soporte "
     "(<soporte@acme.example>) escribió:\n> Hola\n", "Sigue sin funcionar."),
    ("Werkt nog steeds niet.\n\nOp ma 3 jun 2024 om 10:15 schreef Support "
     "<support@acme.example>:\n> Hallo\n", "Werkt nog steeds niet."),
    ("Ainda não funciona.\n\nEm seg., 3 de jun. de 2024 às 10:15, Suporte "
     "<suporte@acme.example> escreveu:\n> Olá\n", "Ainda não funciona."),
])
def test_other_languages(text: str, body: str) -> None:
    split = split_reply(text)
    assert split.body == body
    assert_lossless(text, split)


def test_common_languages_are_enabled() -> None:
    assert {"en", "de", "fr", "es", "it", "nl", "sv", "pl"} <= set(LANGUAGES)


def test_bare_quotes_without_attribution_are_folded() -> None:
    text = "Agreed, go ahead.\n\n> Shall we replace the printer?\n> It is out of warranty.\n"
    assert split_reply(text) == SplitText(
        "Agreed, go ahead.", "> Shall we replace the printer?\n> It is out of warranty.")


def test_long_quote_line_is_folded() -> None:
    """A line cut short for the parser still lines up with the original."""
    text = "Hi\n" + "> " * 5_000
    assert split_reply(text) == SplitText("Hi", ("> " * 5_000).rstrip())


def test_interleaved_answers_stay_in_the_body() -> None:
    text = "> Which model?\nThe LP-200.\n> Since when?\nSince Monday.\n"
    assert split_reply(text) == SplitText(text, "")


def test_a_postscript_below_the_sign_off_stays_in_view() -> None:
    text = ("Hello,\nmy parcel did not arrive.\n\nBest regards,\nAnna\n\n"
            "PS: the order number is 7781.\n\n-- \nAnna Lee\nACME GmbH\n")
    split = split_reply(text)
    assert split.body.endswith("Anna\n\nPS: the order number is 7781.")
    assert split.folded == "-- \nAnna Lee\nACME GmbH"
    assert "7781" in text[:signature_start(text)]  # the words the classify stage reads


@pytest.mark.parametrize("signoff", [
    "LG\nAnna", "Lg Anna", "VG, Jan", "MfG\nErika Mustermann", "Herzliche Grüße\nHans",
    "Mit besten Grüßen aus Hamburg", "Cheers,\nTom", "Regards\nJohn Smith",
    "Warm regards,\nKim", "Bien cordialement,\nMarie", "Bien à vous,\nJean",
    "Cdlt\nLuc Martin", "Saludos\nJuan", "Atte.\nLuis", "Atentamente\nLuis García",
    "Distinti saluti\nMarco", "Un saluto\nGiulia", "Groetjes,\nJan",
    "Cumprimentos,\nJoão Silva", "Atenciosamente,\nMaria", "Abraços\nPedro"])
def test_the_sign_offs_customers_close_with_are_folded(signoff: str) -> None:
    """"LG", "Saludos" without a comma, "Cumprimentos" stayed in view, and told the
    classify stage (as the language of a short message) what the customer did not say."""
    text = f"Hallo,\nmy parcel did not arrive.\n\n{signoff}\n"
    assert split_reply(text) == SplitText("Hallo,\nmy parcel did not arrive.", signoff)
    assert text[:signature_start(text)].rstrip() == "Hallo,\nmy parcel did not arrive."


def test_a_short_sign_off_is_a_word_and_a_name_at_most() -> None:
    """"LG" closes a German mail; "LGBT" and an LG television do not."""
    assert split_reply("Hi,\nit broke.\n\nLG Anna\n").folded == "LG Anna"
    for text in ("Hi,\nour TV is an\nLG OLED55 C1 from 2021\nand it does not start.\n",
                 "Hi,\nthe page of the\nLGBT group\nis down.\n"):
        assert split_reply(text) == SplitText(text, "")


def test_a_sign_off_that_starts_a_longer_word_is_none() -> None:
    """"Grüßen Sie bitte …" opens with the sign-off "Grüße" and a letter more: all after it
    was folded as a signature."""
    text = "Hallo,\ndanke.\nGrüßen Sie bitte Frau Meier von mir.\nSie hat mir sehr geholfen.\n"
    assert split_reply(text) == SplitText(text, "")
    assert signature_start(text) == len(text)


@pytest.mark.parametrize("text", [
    "Hi,\n\nOn Mon, 3 Jun 2024 at 10:15, Support <s@acme.example> wrote:\n"
    "> Please try driver 4.2.\n> Regards\n\nI tried it, still broken. Log attached.\n\nAnna\n",
    "Hello,\n\nAm 03.06.2024 um 10:15 schrieb Support <s@acme.example>:\n> Welche Version?\n"
    "\n4.2, und es geht nicht.\n> Seit wann?\nSeit Montag.\n"])
def test_words_written_below_the_quote_stay_in_view(text: str) -> None:
    """Bottom-posting, as mutt's users write: their answer is under the quote."""
    assert split_reply(text) == SplitText(text, "")


@pytest.mark.parametrize("text", [
    "Hi team,\nThanks, but the problem persists: the app crashes on start.\nSteps: open it.\n",
    "Hello,\nData: the export is empty\nplease check.\n",  # one Polish "Data:" header line
    "Hi,\nplease edit\n/etc/hosts\nand restart.\n",  # Swedish "/Name" sign-off
    "Hi,\nTake a look at the log below.\nIt fails at 10:15.\n",  # "Tak" is Danish
    "Steps:\n- open the app\n- click Export\n- it crashes\n",  # not a "-John" signature
    "Please change my booking:\nFrom: Berlin\nTo: Paris\nDate: 12 Dec 2026\n\n"
    "I must arrive a day earlier.\n",  # the customer's key lines: no address, no subject
])
def test_look_alikes_are_not_cut(text: str) -> None:
    assert split_reply(text) == SplitText(text, "")


@pytest.mark.parametrize("text", [
    "> On Mon, 3 Jun 2024, Support <s@acme.example> wrote:\n> > hello\n",  # only quotes
    "On Mon, 3 Jun 2024, Support <s@acme.example> wrote:\n> hello\n",  # starts with header
    "-- \nJane Doe\nInitech\n",  # only a signature
    "Sent from my iPhone\n",
    "Thanks,\nAnna\n",
])
def test_nothing_new_keeps_everything_as_body(text: str) -> None:
    assert split_reply(text) == SplitText(text, "")


def test_crlf_text_is_split_and_kept() -> None:
    text = GMAIL.replace("\n", "\r\n")
    split = split_reply(text)
    assert split.body.endswith("I restarted it twice.")
    assert split.folded.startswith("Thanks,\r\nAnna")
    assert_lossless(text, split)


def test_results_are_cached() -> None:
    assert split_reply(GMAIL) is split_reply(GMAIL)


# Building blocks for the no-loss property.
NEW = ["Hi,", "Hello team,", "the printer still fails.", "Order #5567 never arrived.",
       "Thanks, but it still crashes.", "- item one", "- item two", "Data: none",
       "Hallo,", "das Problem besteht weiterhin.", "Bonjour,", "ça ne marche pas.",
       "Hi\u00a0there\tagain", "   indented line", "ünïcödé ✓ 文字", "/etc/hosts"]
SIGNOFF = ["Thanks,\nAnna", "Best regards,\nJohn Smith", "Viele Grüße\nHans",
           "-- \nJane Doe\nInitech", "Sent from my iPhone", "Cordialement,\nJean",
           "Mit freundlichen Grüßen\nDr. Erika Mustermann", "Get Outlook for iOS"]
HEADER = ["On Mon, 3 Jun 2024 at 10:15, Support <s@acme.example> wrote:",
          "> On 3 Jun 2024, at 10:15, Support <s@acme.example> wrote:",
          "Am 03.06.2024 um 10:15 schrieb Support <s@acme.example>:",
          "-----Original Message-----",
          "________________________________\nFrom: Support\nSent: Monday\nTo: Anna\nSubject: RE: x",
          "Von: Support\nGesendet: Montag\nAn: Hans\nBetreff: AW: x",
          "Le lun. 3 juin 2024 à 10:15, Support <s@acme.example> a écrit :",
          "El lun, 3 jun 2024, Soporte (<s@acme.example>) escribió:"]
QUOTED = ["> Dear Anna,", ">", "> please restart it.", "> > older quote", ">> deeper",
          "> Best regards", "> -- ", "> Sent from my iPhone"]


def random_message(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 4)):
        parts.append(rng.choice(NEW))
    if rng.random() < 0.5:
        parts.append(rng.choice(SIGNOFF))
    for _ in range(rng.randint(0, 2)):
        parts.append(rng.choice(HEADER))
        parts.extend(rng.choice(QUOTED + NEW) for _ in range(rng.randint(0, 5)))
    if rng.random() < 0.2:
        parts.append(rng.choice(SIGNOFF))
    if rng.random() < 0.15:
        rng.shuffle(parts)
    glue = rng.choice(["\n", "\n\n", "\r\n", "\n \n", "\n\t\n"])
    text = glue.join(parts)
    if rng.random() < 0.2:
        text = "\n\n" + text + "\n\n  "
    return text


def test_no_line_is_ever_lost() -> None:
    rng = random.Random(20240603)
    split_any = 0
    for _ in range(3000):
        text = random_message(rng)
        split = split_reply(text)
        assert_lossless(text, split)
        split_any += bool(split.folded)
    assert split_any > 500  # the property is exercised on real splits, not only fallbacks


HOSTILE = [
    "",
    " \n\t\n ",
    "\x00" * 100,
    "Hi\x00there\n> quo\x00ted\n",
    "\x1b[2J\x1b[31mred\x1b[0m\nOn Mon, X <x@y.z> wrote:\n> \x1b]52;c;ZXZpbA==\x07\n",
    "\u202eevil\u202c\n-- \n\u200b\n",
    "\ud800\udfff lone surrogates\n> \udcff\n",
    "line\u2028separated\u2029text\x85next\x0cform\x1cfeed\n> quote",
    "\r\r\r\nOn\r wrote:\r> x\r",
    "\ufeff" + GMAIL,
    "A" * 1_000_000,
    "On " + "a schrieb " * 100_000,
    ("Am " + "a schrieb " * 20 + "\n") * 5_000,
    "\n" * 1_000_000 + "x",
    ">\n" * 500_000,
    "Hi\n" + "> " * 500_000,
    ("On x wrote:\n> a\nFrom: a\nSent: b\nThanks, a\n-- \n") * 20_000,
    bytes(range(256)).decode("latin-1") * 4_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises_and_stays_fast(text: str) -> None:
    start = time.perf_counter()
    split = split_reply(text)
    assert time.perf_counter() - start < 5  # the parser only ever sees a bounded window
    assert_lossless(text, split)


@pytest.mark.parametrize("value", [None, b"Hi\n> quoted\n", bytearray(b"\xff\xfe"), 42])
def test_non_text_input_never_raises(value: object) -> None:
    split = split_reply(value)  # type: ignore[arg-type]
    assert isinstance(split, SplitText)


def test_huge_thread_is_split_from_its_window() -> None:
    thread = GMAIL + "".join(f"> > older message {i}\n" for i in range(20_000))
    split = split_reply(thread)
    assert split.body.endswith("I restarted it twice.")
    assert split.folded.endswith("> > older message 19999")


def test_module_is_headless() -> None:
    code = ("import sys, omnitui.quotes\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("text,words", [
    ("Bonjour, ma facture est fausse.\n\n-- \nJean Dupont\nExample Corp",  # RFC 3676's "-- "
     "Bonjour, ma facture est fausse.\n\n"),
    ("It crashes again.\n\nSent from my iPhone", "It crashes again.\n\n"),
    ("Hallo, die App stürzt ab.\n\nMit freundlichen Grüßen\nJan Weber\nExample GmbH\n",
     "Hallo, die App stürzt ab.\n\n"),
    ("Thanks, but it still crashes when I export.\nAnna", None),  # not a sign-off: words
    ("Where is my order?", None),
    ("Best regards,\nJohn", None),  # nothing above it: the message is all there is
    ("", None),
])
def test_signature_start_is_where_the_customers_words_end(text: str, words: str | None
                                                            ) -> None:
    assert text[:signature_start(text)] == (text if words is None else words)


def test_signature_start_agrees_with_the_split() -> None:
    """One reading of a signature: where the console folds one, the classify stage stops."""
    text = "The label printer prints blank pages.\n\nKind regards,\nJohn Smith\nFacilities"
    assert split_reply(text).body.rstrip() == text[:signature_start(text)].rstrip()
