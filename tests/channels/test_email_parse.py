"""parse_email against a hostile corpus: what an agent would see in the console."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes

import pytest

from omnitui.channels.email.parse import _first_address, _plain_from, parse_email
from omnitui.model import AttachmentData, DeliveryReport, Identifier, InboundEvent

RECEIVED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def mail(*headers: str, body: str | bytes = "Hello\n", date: bool = True,
         message_id: bool = True) -> bytes:
    """A message from header lines and a body; From/Date/Message-ID added unless given."""
    lines = list(headers)
    names = {line.split(":", 1)[0].lower() for line in headers}
    if "from" not in names:
        lines.insert(0, "From: Ann Lee <ann@example.com>")
    if date and "date" not in names:
        lines.append("Date: Wed, 01 May 2024 09:30:00 +0200")
    if message_id and "message-id" not in names:
        lines.append("Message-ID: <m1@example.com>")
    head = "\n".join(lines).encode()
    return head + b"\n\n" + (body if isinstance(body, bytes) else body.encode())


def parse(raw: bytes) -> InboundEvent:
    return parse_email(raw, source="test", received_at=RECEIVED)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- a clean message -----------------------------------------------------------------------

def test_plain_message_fields() -> None:
    raw = mail("From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <Joerg.Mueller@Example.DE>",
               "To: support@helpdesk.example",
               "Subject: Where is my order?",
               "In-Reply-To: <case-1.m-2.abc@helpdesk.example>",
               "References: <a@x.example>\n <case-1.m-2.abc@helpdesk.example>",
               body="Hi,\nit has not arrived.\n")
    event = parse(raw)
    assert event.channel == "email"
    assert event.subject == "Where is my order?"
    assert event.sender_name == "Jörg Müller"
    # as given, and verified: no receiving server recorded a DMARC failure
    assert event.identifiers == [Identifier("email", "Joerg.Mueller@Example.DE", verified=True)]
    assert event.text == "Hi,\nit has not arrived.\n"
    assert event.html is None
    assert event.message_id == "m1@example.com"
    assert event.external_id == "m1@example.com"
    assert event.in_reply_to == ["case-1.m-2.abc@helpdesk.example"]
    assert event.references == ["a@x.example", "case-1.m-2.abc@helpdesk.example"]
    assert event.occurred_at == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
    assert event.raw == raw
    assert event.source == "test"
    assert event.auto_submitted is None
    assert event.parse_errors == []


def test_crlf_message_text_uses_newlines() -> None:
    raw = mail("Subject: crlf", body="line one\nline two\n").replace(b"\n", b"\r\n")
    event = parse(raw)
    assert event.subject == "crlf"
    assert event.text == "line one\nline two\n"
    assert event.raw == raw


# --- headers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "expected"), [
    ("=?utf-8?B?0JLQsNGIINC30LDQutCw0Lcg4oSWNDI=?=", "Ваш заказ №42"),
    ("=?iso-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème"),
    ("=?iso-2022-jp?B?GyRCQ21KOCROM05HJxsoQg==?=", "注文の確認"),
    ("=?gb2312?B?zcu/7snqx+s=?=", "退款申请"),
    ("=?ks_c_5601-1987?B?wda5riDIrsDO?=", "주문 확인"),
    ("=?koi8-r?B?+sHLwdo=?=", "Заказ"),
    ("Re: =?utf-8?q?caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?= order", "Re: café crème order"),
    ("=?utf-8?q?first?=\n =?utf-8?q?_second?=", "first second"),  # folded
    ("=?x-klingon?q?abc?=", "abc"),  # unknown charset in an encoded word: still readable
    ("=?utf-8?B?not base64!!?=", "=?utf-8?B?not base64!!?="),  # undecodable: raw text kept
    ("=?utf-8?q?line=0D=0Abreak?=", "line break"),  # encoded CR/LF cannot split the line
    ("plain \x1b[31mred\x1b[0m", "plain  [31mred [0m"),  # no terminal escapes
])
def test_subject_reads_right(subject: str, expected: str) -> None:
    assert parse(mail(f"Subject: {subject}")).subject == expected


def test_raw_8bit_utf8_subject_and_name() -> None:
    raw = mail("From: Zoë Ünal <zoe@example.com>", "Subject: Grüße aus Köln")
    event = parse(raw)
    assert event.subject == "Grüße aus Köln"
    assert event.sender_name == "Zoë Ünal"


def test_exchange_bracketed_message_id() -> None:
    event = parse(mail("Message-ID: <[abc@microsoft.com]>",
                       "In-Reply-To: <[prev@microsoft.com]>"))
    assert event.message_id == "[abc@microsoft.com]"
    assert event.external_id == "[abc@microsoft.com]"
    assert event.in_reply_to == ["[prev@microsoft.com]"]


def test_message_id_without_brackets_is_kept_stripped() -> None:
    event = parse(mail("Message-ID:   bare-id@example.com  "))
    assert event.message_id == "bare-id@example.com"
    assert any("angle brackets" in e for e in event.parse_errors)


def test_unparseable_to_header_is_harmless() -> None:
    event = parse(mail('To: "', "Subject: broken to"))
    assert event.subject == "broken to"
    assert event.identifiers == [Identifier("email", "ann@example.com", verified=True)]
    assert event.text == "Hello\n"


def test_unparseable_from_keeps_raw_text_and_no_identifier() -> None:
    event = parse(mail('From: "', "Subject: x"))
    assert event.identifiers == []
    assert any("From" in e for e in event.parse_errors)
    event = parse(mail("From: Undisclosed sender", "Subject: x"))
    assert event.identifiers == []
    assert event.sender_name == "Undisclosed sender"


def test_a_from_of_the_usual_shapes_is_read_as_getaddresses_reads_it() -> None:
    """The usual From shapes are read by a quick pattern (getaddresses took a sixth of the
    parse); whatever the pattern accepts must come out as getaddresses reads it: 20,000
    random near-usual shapes, a fixed seed."""
    usual = ['Ann Lee <ann@example.com>', '"Lee, Ann" <ann.lee@example.com>', "ann@example.com",
             "<ann@example.com>", "=?utf-8?q?J=C3=BCrgen?= <j@example.de>",
             "John Q.  Public<jqp+tag@mail.example.org>", '"" <x@y>']
    rng = random.Random(11)
    chars = "aZ09.-+_=?!#$%&'*/^`{|}~ \t\"\\<>@,;:()[]é"

    def some(most: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(0, most)))

    def word() -> str:
        return "".join(rng.choice("aZ09.-+_=?!#~'") for _ in range(rng.randint(1, 5)))

    shapes = [lambda: f"{some(3)}{word()} {word()}{some(2)}<{word()}@{word()}>{some(2)}",
              lambda: f'{some(2)}"{some(6)}"{some(2)}<{word()}@{word()}>{some(1)}',
              lambda: f"{some(2)}{word()}@{word()}{some(2)}", lambda: some(12)]
    values = usual + [rng.choice(shapes)() for _ in range(20_000)]
    accepted = 0
    for value in values:
        if (quick := _plain_from(value)) is not None:
            accepted += 1
            assert quick == _first_address(value), value
    assert all(_plain_from(value) for value in usual)
    assert accepted > 2_000  # the random shapes reach the pattern, not only the slow path


def test_the_usual_from_never_reaches_getaddresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick pattern is what reads the usual shapes (it was once written and not
    called): getaddresses only for the rest."""
    from omnitui.channels.email import parse as parse_module

    def refuse(values: list[str]) -> list[tuple[str, str]]:
        raise AssertionError(f"getaddresses read {values}")

    monkeypatch.setattr(parse_module, "getaddresses", refuse)
    for value, name in [('"Lee, Ann" <ann@example.com>', "Lee, Ann"),
                        ("Ann  Lee <ann@example.com>", "Ann Lee"),
                        ("=?utf-8?q?J=C3=BCrgen?= <ann@example.com>", "Jürgen")]:
        event = parse(mail(f"From: {value}", "Subject: x"))
        assert event.sender_name == name and not event.parse_errors
        assert event.identifiers == [Identifier("email", "ann@example.com", verified=True)]


def test_missing_message_id_uses_hash_of_raw_bytes() -> None:
    raw = mail("Subject: no id", message_id=False)
    event = parse(raw)
    assert event.message_id is None
    assert event.external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert any("Message-ID" in e for e in event.parse_errors)


def test_missing_date_uses_received_time() -> None:
    event = parse(mail("Subject: no date", date=False))
    assert event.occurred_at == RECEIVED
    assert any("Date" in e for e in event.parse_errors)


def test_missing_date_and_naive_received_at_is_utc() -> None:
    event = parse_email(mail(date=False), received_at=datetime(2024, 1, 2, 3, 4))
    assert event.occurred_at == datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
    before = datetime.now(UTC)
    assert parse_email(mail(date=False)).occurred_at >= before


@pytest.mark.parametrize("date", ["yesterday-ish", "Mon, 99 Foo 2024 25:61:00 +0000",
                                  "Wed, 01 May 2024 09:30:00 +9999", ""])
def test_bad_date_uses_received_time(date: str) -> None:
    event = parse(mail(f"Date: {date}"))
    assert event.occurred_at == RECEIVED
    assert any("Date" in e for e in event.parse_errors)


def test_date_with_unknown_zone_is_utc_and_offsets_are_kept() -> None:
    assert parse(mail("Date: Wed, 01 May 2024 09:30:00 -0000")).occurred_at == datetime(
        2024, 5, 1, 9, 30, tzinfo=UTC)
    occurred = parse(mail("Date: Wed, 01 May 2024 09:30:00 -0500")).occurred_at
    assert occurred.utcoffset() == timedelta(hours=-5)
    assert occurred.tzinfo == timezone(timedelta(hours=-5))


# --- who wrote: a form's mail ---------------------------------------------------------------

def form_mail(sender: str = "Shop <noreply@shop.example>", *headers: str) -> bytes:
    return mail(f"From: {sender}", "Subject: New contact form submission", *headers)


def test_a_forms_mail_is_from_the_person_in_its_reply_to_as_a_claim() -> None:
    """Taken as the sender, a form's one address made one customer and one case of everyone
    who used the form (docs/identity.md)."""
    event = parse(form_mail("Shop <noreply@shop.example>",
                            "Reply-To: =?utf-8?q?Ren=C3=A9e?= Roux <renee@cust.example>"))
    assert event.identifiers == [Identifier(
        "email", "renee@cust.example",
        how="as the Reply-To of mail sent through noreply@shop.example")]
    assert event.sender_name == "Renée Roux"
    no_name = parse(form_mail("do-not-reply@forms.example", "Reply-To: ann@cust.example"))
    assert no_name.identifiers[0].value == "ann@cust.example"
    assert not no_name.identifiers[0].verified and no_name.sender_name == "ann@cust.example"


@pytest.mark.parametrize(("sender", "headers"), [
    ("Shop <noreply@shop.example>", ()),  # nobody else named: the no-reply From is the sender
    ("Shop <noreply@shop.example>", ("Reply-To: noreply@shop.example",)),
    ("Shop <noreply@shop.example>", ("Reply-To: users@lists.example", "List-Id: <users.l>")),
    ("Ann Lee <ann@example.com>", ("Reply-To: ann.private@home.example",)),  # a person's own
    ("Shop <noreply@shop.example>", ("Reply-To: not an address",)),
])
def test_other_mail_stays_from_its_sender(sender: str, headers: tuple[str, ...]) -> None:
    event = parse(form_mail(sender, *headers))
    assert len(event.identifiers) == 1 and event.identifiers[0].verified
    assert event.identifiers[0].value == sender.rpartition("<")[2].rstrip(">")


def test_the_forms_a_team_names_count_too() -> None:
    raw = form_mail("Website <website@shop.example>", "Reply-To: ann@cust.example")
    assert parse(raw).identifiers[0].value == "website@shop.example"
    named = parse_email(raw, received_at=RECEIVED, form_senders=("WEBSITE@shop.example",))
    assert named.identifiers[0].value == "ann@cust.example"
    assert parse_email(raw, received_at=RECEIVED, form_senders=("*@shop.example",)
                       ).identifiers[0].value == "ann@cust.example"


@pytest.mark.parametrize(("to", "cc", "person"), [
    ("=?utf-8?q?J=C3=BCrgen?= <j@cust.example>", "support@example.com",
     ("Jürgen", "j@cust.example")),
    ("support@example.com", "Bob <bob@b.example>, ann@a.example", ("Bob", "bob@b.example")),
    ("ann@a.example", "", ("ann@a.example", "ann@a.example")),  # no name: the address
    ("SUPPORT@example.com", "", None),  # to ourselves alone: nobody else to speak of
])
def test_mail_from_our_own_address_speaks_of_the_person_it_went_to(
        to: str, cc: str, person: tuple[str, str] | None) -> None:
    raw = (f"From: Erin at Support <Support@Example.com>\nTo: {to}\n"
           + (f"Cc: {cc}\n" if cc else "") + "Subject: Order 7\nMessage-ID: <o7@example.com>\n"
           "\nYour order has shipped.\n").encode()
    event = parse_email(raw, received_at=RECEIVED, own=("support@example.com",))
    if person is None:
        assert event.sent_by is None and event.identifiers[0].value == "Support@Example.com"
        return
    assert event.sent_by == "Erin at Support"
    assert (event.sender_name, event.identifiers[0].value) == person
    assert len(event.identifiers) == 1 and event.identifiers[0].verified
    assert parse_email(raw, received_at=RECEIVED).sent_by is None  # no mailbox of ours named


def test_mail_from_our_own_address_is_not_ours_if_forged_or_a_forms() -> None:
    """Failing DMARC at our server, a stranger's words were filed as our answer; from an
    address that is also a form's, the person's submission became our message."""
    head = ("From: Support <support@example.com>\nTo: ann@a.example\nSubject: x\n"
            "Message-ID: <f1@example.com>\n")
    forged = (head + "Authentication-Results: mx.example.com; dmarc=fail\n\nPay here.\n")
    event = parse_email(forged.encode(), received_at=RECEIVED, own=("support@example.com",))
    assert event.sent_by is None and not event.identifiers[0].verified
    form = (head.replace("To: ann@a.example", "To: support@example.com\nCc: ann@a.example")
            + "Reply-To: Ann <ann@a.example>\n\nMy parcel is late.\n")
    event = parse_email(form.encode(), received_at=RECEIVED, own=("support@example.com",),
                        form_senders=("support@example.com",))
    assert event.sent_by is None and event.sender_name == "Ann"


@pytest.mark.parametrize(("sender", "name"), [
    (b"=?utf-8?q?Mallory_=1B[31mRED=1B[0m?= <mallory@attacker.example>", "Mallory  [31mRED [0m"),
    (b"Evil \x1b[31mRed <mallory@attacker.example>", "Evil  [31mRed"),
    (b"=?utf-8?q?Support_[ACME]?= <mallory@attacker.example>", "Support [ACME]"),
])
def test_a_name_the_address_parser_gives_up_on_keeps_the_address(sender: bytes,
                                                                 name: str) -> None:
    """An encoded word with "[" or a control character in it made the whole From
    unparseable: no identity, every mail of the sender a customer of its own, no reply."""
    event = parse_email(b"From: " + sender + b"\nSubject: x\nMessage-ID: <m@x>\n\nhi\n",
                        received_at=RECEIVED)
    assert [(i.value, i.verified) for i in event.identifiers] == [
        ("mallory@attacker.example", True)]
    assert event.sender_name == name  # no escape left to reach a terminal
    assert not any("From" in error for error in event.parse_errors)


# --- bodies and charsets ------------------------------------------------------------------

def test_latin1_body_without_charset() -> None:
    raw = mail("Subject: x", "Content-Type: text/plain",
               body="Bonjour, le café était froid. Ça va?\n".encode("latin-1"))
    assert parse(raw).text == "Bonjour, le café était froid. Ça va?\n"


def test_cp1252_quotes_under_iso_8859_1_label() -> None:
    raw = mail('Content-Type: text/plain; charset="iso-8859-1"',
               body="\u201cquoted\u201d \u2013 fine\n".encode("cp1252"))
    assert parse(raw).text == "\u201cquoted\u201d \u2013 fine\n"


def test_unknown_charset_still_readable_and_recorded() -> None:
    raw = mail('Content-Type: text/plain; charset="x-klingon"',
               "Content-Transfer-Encoding: 8bit", body="Grüße ✓\n".encode())
    event = parse(raw)
    assert event.text == "Grüße ✓\n"
    assert any("x-klingon" in e for e in event.parse_errors)


@pytest.mark.parametrize(("charset", "text"), [
    ("ks_c_5601-1987", "주문 확인 부탁드립니다"), ("gb2312", "退款申请 镕"),  # 镕 is GBK-only
    ("iso-8859-8-i", "שלום"), ("utf8mb4", "emoji 😀"), ("unknown-8bit", "naïve"),
])
def test_charset_aliases(charset: str, text: str) -> None:
    codec = {"ks_c_5601-1987": "cp949", "gb2312": "gbk", "iso-8859-8-i": "iso-8859-8",
             "utf8mb4": "utf-8", "unknown-8bit": "utf-8"}[charset]
    raw = mail(f"Content-Type: text/plain; charset={charset}",
               "Content-Transfer-Encoding: 8bit", body=text.encode(codec))
    event = parse(raw)
    assert event.text == text
    assert event.parse_errors == []


def test_quoted_printable_utf8_body() -> None:
    raw = mail("Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: quoted-printable",
               body="Gr=C3=BC=C3=9Fe,=\n zusammen\n")
    assert parse(raw).text == "Grüße, zusammen\n"


def test_multipart_alternative_prefers_plain_and_keeps_html() -> None:
    raw = mail("Subject: alt", "MIME-Version: 1.0",
               'Content-Type: multipart/alternative; boundary="b1"', body=(
                   "--b1\nContent-Type: text/plain; charset=utf-8\n\nPlain version ✓\n"
                   "--b1\nContent-Type: text/html; charset=utf-8\n\n"
                   "<p>HTML <b>version</b> ✓</p>\n--b1--\n"))
    event = parse(raw)
    assert event.text == "Plain version ✓"
    assert event.html is not None and "<b>version</b> ✓" in event.html
    assert event.attachments == []


def test_html_only_becomes_readable_text() -> None:
    html = ("<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
            "<body><h1>Refund request</h1><p>Order&nbsp;<b>#42</b> arrived broken.</p>"
            "<table><tr><td>Item</td><td>Mug</td></tr></table></body></html>")
    event = parse(mail("Content-Type: text/html; charset=utf-8", body=html))
    assert "Refund request" in event.text
    assert "Order #42 arrived broken." in event.text
    assert "Mug" in event.text
    assert "<" not in event.text and "color" not in event.text and "alert" not in event.text
    assert event.html == html


def test_html_only_mail_shows_where_its_links_go() -> None:
    html = ('<p>My logs are <a href="https://drive.example/s/8f2k">here</a>, see '
            '<a href="https://status.example/">status.example</a> or '
            '<a href="mailto:ops@client.example">ops@client.example</a>.</p>')
    event = parse(mail("Content-Type: text/html; charset=utf-8", body=html))
    assert event.text == ("My logs are here <https://drive.example/s/8f2k>, see "
                          "status.example or ops@client.example.")


def test_html_only_mail_reads_as_a_browser_shows_it() -> None:
    """Outlook splits words into <span>s and nests <div>s: neither may add spaces."""
    html = ("<div class=WordSection1><div><p class=MsoNormal><span>Invoice </span>"
            "<span style='color:red'>INV</span><span>-4411 is </span><b><span>wrong"
            "</span></b><span>. Total: 1.</span><span>240,00 EUR</span></p></div></div>")
    event = parse(mail("Content-Type: text/html; charset=utf-8", body=html))
    assert event.text == "Invoice INV-4411 is wrong. Total: 1.240,00 EUR"


def test_an_html_body_beside_a_gateways_plain_footer_is_shown_with_it() -> None:
    """multipart/mixed of an HTML-only mail and the plain disclaimer a mail gateway added:
    the footer showed alone, the customer's words gone."""
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain"
        "\n\n\n--a\nContent-Type: text/html\n\n<p>Invoice INV-4411 is wrong.</p>\n--a--\n"
        "--b\nContent-Type: text/html\n\n<p>And 4412 too.</p>\n"
        "--b\nContent-Type: text/plain\n\nThis e-mail is confidential.\n--b--\n"))
    event = parse(raw)
    assert event.text.split("\n") == ["Invoice INV-4411 is wrong.", "And 4412 too.",
                                      "This e-mail is confidential."]
    assert event.html == "<p>Invoice INV-4411 is wrong.</p>\n<p>And 4412 too.</p>"


def test_empty_plain_part_falls_back_to_html() -> None:
    raw = mail('Content-Type: multipart/alternative; boundary="b"', body=(
        "--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n"
        "<p>Only here</p>\n--b--\n"))
    assert parse(raw).text.strip() == "Only here"


ORDER_HTML = ("<html><head><style>p{margin:0}</style></head><body><p>Hello,</p><p>order "
              "<b>#4411</b> arrived broken: the mug's handle is off. Please send a new one "
              "or refund me.</p><p>Ann</p></body></html>")


def alternative(plain: str, html: str = ORDER_HTML) -> bytes:
    return mail('Content-Type: multipart/alternative; boundary="b"', body=(
        f"--b\nContent-Type: text/plain; charset=utf-8\n\n{plain}\n"
        f"--b\nContent-Type: text/html; charset=utf-8\n\n{html}\n--b--\n"))


@pytest.mark.parametrize("stub", [
    "This message requires an HTML viewer.",
    "View this email in your browser: https://mail.shop.example/v/8f2k",
    "Your mail client cannot show this message. Switch to HTML.",
    "Hello,",  # far shorter than the HTML's text
])
def test_a_plain_stub_beside_real_html_shows_the_htmls_text(stub: str) -> None:
    """The plain part a mailer writes to stand in for its HTML hid the customer's words;
    a plain part about as long as the HTML's text (nearly all mail) stays the text."""
    event = parse(alternative(stub))
    assert "order #4411 arrived broken" in event.text
    assert "viewer" not in event.text and "browser" not in event.text
    assert event.html is not None and "<b>#4411</b>" in event.html
    plain = ("Hello, order #4411 came with the mug's handle off. Please send a new one "
             "or refund me. Ann")
    assert parse(alternative(plain)).text == plain
    browser = "The shop's page stays blank in my browser."  # says what its HTML says
    assert parse(alternative(browser, f"<p>{browser}</p>")).text == browser


@pytest.mark.parametrize("html", [
    "<p>Order <b>#4411 <i>arrived broken <<<>", "<style>p{}</style>Order #4411 arrived broken",
    "&#xFFFFFFFF; &bogus; Order #4411 arrived broken <!-- open comment",
    "<p>Order #4411 arrived broken</p>" * 20000])
def test_a_stub_beside_broken_html_shows_what_the_html_holds(html: str) -> None:
    event = parse(alternative("This message requires an HTML viewer.", html))
    assert "#4411 arrived broken" in event.text
    # an HTML with no text at all: the stub is all there is to show
    assert parse(alternative("View it in your browser.", "<p> </p>")).text == (
        "View it in your browser.")


FLOWED = ("Hello, the export of our invoices has been failing since the update on \n"
          "Monday: every file is empty.\n"
          " From what I see, it starts at 2 a.m.\n"
          "\n"
          ">> Did you try to run the export by \n"
          ">> hand?\n"
          "> Yes, and it \n"
          "> worked.\n"
          "-- \n"
          "Ann\n")


def test_format_flowed_text_is_rejoined() -> None:
    raw = mail("Content-Type: text/plain; charset=utf-8; format=flowed", body=FLOWED)
    assert parse(raw).text == (
        "Hello, the export of our invoices has been failing since the update on Monday: "
        "every file is empty.\nFrom what I see, it starts at 2 a.m.\n\n"
        ">> Did you try to run the export by hand?\n> Yes, and it worked.\n-- \nAnn\n")
    fixed = mail("Content-Type: text/plain; charset=utf-8", body="one line \nnext line\n")
    assert parse(fixed).text == "one line \nnext line\n"  # not flowed: its lines kept


def test_format_flowed_with_delsp_drops_the_added_space() -> None:
    """DelSp=yes: the sender added the space that marks each soft break (as in languages
    without spaces, or a word cut by a mailer); it goes when the lines are joined."""
    raw = mail('Content-Type: text/plain; charset="utf-8"; Format="Flowed"; DelSp="Yes"',
               "Content-Transfer-Encoding: quoted-printable",
               body="Die Rechnungs=20\nnummer ist 4411. Bitte =20\nerstatten.\n\n"
                    ">Ein Zitat, =20\n>zwei Zeilen.\n")
    assert parse(raw).text == ("Die Rechnungsnummer ist 4411. Bitte erstatten.\n\n"
                               "> Ein Zitat, zwei Zeilen.\n")


@pytest.mark.parametrize("body", [">>>>", "   \n \n>", "> \n>> \n>>> \n", "\r\n \r\n\r",
                                  "-- \n-- ", ">" * 5000 + " \n" * 2000])
@pytest.mark.parametrize("delsp", ["yes", "no", "bogus"])
def test_broken_format_flowed_is_rejoined_where_it_can_be(body: str, delsp: str) -> None:
    raw = mail(f"Content-Type: text/plain; format=flowed; delsp={delsp}",
               body="A soft \nbreak.\n" + body)
    event = parse(raw)
    joined = "A softbreak." if delsp == "yes" else "A soft break."  # DelSp: its space goes
    assert event.text.split("\n")[0] == joined and event.raw == raw


INVITE = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mailer//EN\r\nMETHOD:{method}\r\n"
          "BEGIN:VEVENT\r\nUID:q4@client.example\r\nSUMMARY:Quarterly review of the\r\n"
          "  support contract\r\nDTSTART;TZID=Europe/Berlin:20261210T140000\r\n"
          "DTEND;TZID=Europe/Berlin:20261210T153000\r\nLOCATION:Room 4\\, Berlin office\r\n"
          "ORGANIZER;CN=Ann Lee:mailto:ann@client.example\r\n"
          "ATTENDEE;CN=Support;PARTSTAT={answer}:mailto:support@helpdesk.example\r\n"
          "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_calendar_only_invitation_shows_the_event() -> None:
    raw = mail('Content-Type: text/calendar; charset=utf-8; method=REQUEST',
               body=INVITE.format(method="REQUEST", answer="NEEDS-ACTION"))
    event = parse(raw)
    assert event.text == ("Calendar invitation (REQUEST)\n"
                          "What: Quarterly review of the support contract\n"
                          "Starts: 2026-12-10 14:00 Europe/Berlin (UTC+01:00)\n"
                          "Ends: 2026-12-10 15:30 Europe/Berlin (UTC+01:00)\n"
                          "Where: Room 4, Berlin office\n"
                          "Organizer: Ann Lee <ann@client.example>")
    assert [a.filename for a in event.attachments] == ["attachment-1.ics"]  # kept
    assert event.parse_errors == []


def test_a_multipart_holding_only_a_cancellation_or_an_answer_shows_it() -> None:
    cancel = INVITE.format(method="CANCEL", answer="NEEDS-ACTION").replace(
        ";TZID=Europe/Berlin:20261210T140000", ":20261210T130000Z").replace(
        "DTEND;TZID=Europe/Berlin:20261210T153000\r\n", "DURATION:PT45M\r\n")
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: multipart/alternative; boundary=a\n\n"
        "--a\nContent-Type: text/calendar; method=CANCEL\nContent-Transfer-Encoding: base64"
        f"\n\n{b64(cancel.encode())}\n--a--\n--b--\n"))
    text = parse(raw).text
    assert text.startswith("Calendar cancellation (CANCEL)\nWhat: Quarterly review")
    assert "Starts: 2026-12-10 13:00 UTC\nEnds: 2026-12-10 13:45 UTC\n" in text
    answer = parse(mail("Content-Type: text/calendar; method=REPLY",
                        body=INVITE.format(method="REPLY", answer="DECLINED")))
    assert answer.text.startswith("Calendar answer (REPLY)\n")
    assert answer.text.endswith("\nAnswer: Support <support@helpdesk.example> declined")
    beside_text = mail('Content-Type: multipart/alternative; boundary="a"', body=(
        "--a\nContent-Type: text/plain\n\nLet us meet on Thursday.\n"
        "--a\nContent-Type: text/calendar; method=REQUEST\n\n"
        + INVITE.format(method="REQUEST", answer="NEEDS-ACTION") + "--a--\n"))
    assert parse(beside_text).text == "Let us meet on Thursday."  # the sender's words


@pytest.mark.parametrize("ics", [
    "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Review\nDTSTART:20261299T99\n",
    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Review\nEND:VCALENDAR\nEND:VEVENT\n",
    "SUMMARY:Review\n\x00\xff garbage",
])
def test_a_broken_invitation_shows_its_lines(ics: str) -> None:
    raw = mail("Content-Type: text/calendar", body=ics.encode("utf-8", "surrogateescape"))
    event = parse(raw)
    assert "What: Review" in event.text.split("\n")
    assert event.raw == raw


def test_an_invitation_icalendar_cannot_read_is_said_and_shown_raw() -> None:
    raw = mail("Content-Type: text/calendar", body="BEGIN:VCALENDAR\nnot ical at all\n")
    event = parse(raw)
    assert event.text == "BEGIN:VCALENDAR\nnot ical at all"
    assert any(e.startswith("calendar invitation unreadable") for e in event.parse_errors)


# --- attachments ---------------------------------------------------------------------------

def test_rfc2231_and_rfc2047_filenames() -> None:
    pdf = b"%PDF-1.4 fake"
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: text/plain\n\nSee attached.\n"
        "--b\nContent-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(pdf)}\n"
        "--b\nContent-Type: text/plain; name=\"=?utf-8?q?Notiz_=C3=BC.txt?=\"\n"
        "Content-Disposition: attachment\n\nnote\n"
        "--b\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC; filename*1=rate.csv\n"
        "\n1,2\n--b--\n"))
    event = parse(raw)
    assert event.text == "See attached."
    assert [a.filename for a in event.attachments] == ["Rechnung März.pdf", "Notiz ü.txt",
                                                       "€rate.csv"]
    assert event.attachments[0].content == pdf
    assert event.attachments[0].mime == "application/pdf"
    assert event.attachments[0].disposition == "attachment"
    assert event.attachments[1].content == b"note"


def test_a_file_named_only_in_its_content_type() -> None:
    """No Content-Disposition: the name parameter (any case, RFC 2231 too) still names it."""
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n"
        "--b\nContent-Type: text/plain; NAME=\"notes.txt\"\n\nnote\n"
        "--b\nContent-Type: application/pdf; name*=utf-8''%E2%82%AC.pdf\n\nPDF\n"
        "--b\nContent-Type: application/octet-stream\n\n1,2\n--b--\n"))
    event = parse(raw)
    assert event.text == "See attached."
    assert [a.filename for a in event.attachments] == ["notes.txt", "€.pdf",
                                                       "attachment-3.bin"]


@pytest.mark.parametrize(("declared", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\\\..\\\\windows\\\\boot.ini", "boot.ini"),
    ("/absolute/path/report.pdf", "report.pdf"),
    ("..", "attachment-1.bin"),
    ("", "attachment-1.bin"),
    (".bashrc", "bashrc"),
    ("evil\\u202egpj.exe", "evil_gpj.exe"),  # right-to-left override would show "exe.jpg"
    ("nul.txt", "_nul.txt"),
    ("a:b*c?.txt", "a_b_c_.txt"),
])
def test_untrusted_filenames_are_sanitized(declared: str, expected: str) -> None:
    declared = declared.encode().decode("unicode_escape")
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: text/plain\n\nbody\n"
        f'--b\nContent-Type: application/octet-stream\n'
        f'Content-Disposition: attachment; filename="{declared}"\n\nDATA\n--b--\n'))
    [attachment] = parse(raw).attachments
    assert attachment.filename == expected
    assert attachment.content == b"DATA"


def test_long_filename_is_truncated_keeping_extension() -> None:
    raw = mail('Content-Type: multipart/mixed; boundary="b"', body=(
        "--b\nContent-Type: text/plain\n\nbody\n"
        "--b\nContent-Type: application/pdf\n"
        f"Content-Disposition: attachment; filename*=utf-8''{'%C3%A4' * 400}.pdf\n\nX\n--b--\n"))
    [attachment] = parse(raw).attachments
    assert attachment.filename.endswith(".pdf")
    assert attachment.filename.startswith("ää")
    assert len(attachment.filename.encode()) <= 200


def test_inline_image_with_content_id() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    raw = mail('Content-Type: multipart/related; boundary="r"', body=(
        "--r\nContent-Type: text/html; charset=utf-8\n\n"
        '<p>Our logo: <img src="cid:logo-1@example.com"></p>\n'
        "--r\nContent-Type: image/png\nContent-ID: <logo-1@example.com>\n"
        f"Content-Transfer-Encoding: base64\n\n{b64(png)}\n--r--\n"))
    event = parse(raw)
    assert "Our logo:" in event.text
    assert event.attachments == [AttachmentData(
        filename="attachment-1.png", mime="image/png", content=png,
        content_id="logo-1@example.com", disposition="inline")]


def test_forwarded_message_is_an_eml_attachment_and_shown_below_the_text() -> None:
    inner = mail("From: Bob <bob@example.org>", "Subject: =?utf-8?q?Original_probl=C3=A8me?=",
                 "Message-ID: <inner@example.org>", body="The original text.\n")
    raw = mail("Subject: Fwd: Original problem", "Message-ID: <outer@example.com>",
               'Content-Type: multipart/mixed; boundary="f"',
               body=b"--f\nContent-Type: text/plain\n\nForwarding this.\n"
                    b"--f\nContent-Type: message/rfc822\n\n" + inner + b"\n--f--\n")
    event = parse(raw)
    assert event.text == ("Forwarding this.\n\n---------- Forwarded message ----------\n"
                          "From: Bob <bob@example.org>\n"
                          "Date: Wed, 01 May 2024 09:30:00 +0200\n"
                          "Subject: Original problème\n\nThe original text.")
    assert event.message_id == "outer@example.com"
    [attachment] = event.attachments
    assert attachment.mime == "message/rfc822"
    assert attachment.filename == "Original problème.eml"  # its Subject's: a name to tell
    forwarded = parse(attachment.content)
    assert forwarded.subject == "Original problème"
    assert forwarded.message_id == "inner@example.org"
    assert forwarded.text.strip() == "The original text."


def test_html_only_mail_forwarded_whole_shows_its_words_and_the_forwarders() -> None:
    inner = mail("From: Bob <bob@example.org>", "Subject: Broken",
                 "Content-Type: text/html", body="<p>My device <b>broke</b>.</p>\n")
    raw = mail("Subject: Fwd: Broken", 'Content-Type: multipart/mixed; boundary="f"',
               body=b"--f\nContent-Type: text/html\n\n<p>See below.</p>\n"
                    b"--f\nContent-Type: message/rfc822\nContent-Disposition: attachment;"
                    b" filename=Broken.eml\n\n" + inner + b"\n--f--\n")
    event = parse(raw)
    assert event.text.startswith("See below.\n\n---------- Forwarded message ----------\n")
    assert event.text.endswith("\n\nMy device broke.")
    assert [a.filename for a in event.attachments] == ["Broken.eml"]


@pytest.mark.parametrize(("disposition", "subject", "expected"), [
    ("Content-Disposition: attachment; filename=message.eml\n", "Refund for order 5/24",
     "Refund for order 5-24.eml"),
    ("Content-Disposition: attachment; filename=attachment\n", "Re: <b>hi</b> \u202eexe",
     "Re_ _b_hi_-b_ _exe.eml"),
    ("", "Original", "Original.eml"),
])
def test_an_attached_mail_with_a_generic_name_is_named_by_its_subject(
        disposition: str, subject: str, expected: str) -> None:
    inner = mail(f"Subject: {subject}", body="The original text.\n")
    raw = mail('Content-Type: multipart/mixed; boundary="f"',
               body=b"--f\nContent-Type: text/plain\n\nSee the mail attached.\n"
                    b"--f\nContent-Type: message/rfc822\n" + disposition.encode() + b"\n"
                    + inner + b"\n--f--\n")
    [attachment] = parse(raw).attachments
    assert attachment.filename == expected
    assert attachment.content.endswith(b"The original text.\n")


def test_attached_mails_without_a_subject_or_broken_keep_a_name() -> None:
    """A mail's own name stays; without a subject, or unreadable, it keeps the one it had."""
    def attached(disposition: bytes, inner: bytes) -> bytes:
        return (b"--f\nContent-Type: message/rfc822\n" + disposition + b"\n" + inner
                + b"\n")

    raw = mail('Content-Type: multipart/mixed; boundary="f"', body=b"".join([
        b"--f\nContent-Type: text/plain\n\nSee attached.\n",
        attached(b"", mail("Subject: Refund", body="Money back.\n")),
        attached(b"", mail("Subject:  ", body="No subject.\n")),
        attached(b"Content-Disposition: attachment; filename=Complaint.eml\n",
                 mail("Subject: Other", body="Named.\n")),
        attached(b"Content-Disposition: attachment; filename=message.eml\n",
                 b"\xff\xfe\x00garbage: \n"),
        b"--f--\n"]))
    event = parse(raw)
    assert [a.filename for a in event.attachments] == [
        "Refund.eml", "attachment-2.eml", "Complaint.eml", "message.eml"]


def der(tag: int, content: bytes, *, indefinite: bool = False) -> bytes:
    """One BER item: definite length (DER), or indefinite with end-of-contents octets."""
    if indefinite:
        return bytes([tag, 0x80]) + content + b"\0\0"
    size = len(content)
    length = bytes([size]) if size < 0x80 else bytes([0x82]) + size.to_bytes(2, "big")
    return bytes([tag]) + length + content


def signed_data(content: bytes, *, indefinite: bool = False) -> bytes:
    """A PKCS #7 signed-data ContentInfo carrying `content`, as opaque S/MIME does (no
    signer: the parser reads the content, and never checks a signature)."""
    if indefinite:  # as streaming signers write it: the octets in chunks
        octets = der(0x24, der(0x04, content[:20]) + der(0x04, content[20:]), indefinite=True)
    else:
        octets = der(0x04, content)
    encapsulated = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010701"))
                       + der(0xA0, octets, indefinite=indefinite), indefinite=indefinite)
    signed = der(0x30, der(0x02, b"\x01") + der(0x31, b"") + encapsulated + der(0x31, b""),
                 indefinite=indefinite)
    return der(0x30, der(0x06, bytes.fromhex("2a864886f70d010702"))
               + der(0xA0, signed, indefinite=indefinite), indefinite=indefinite)


@pytest.mark.parametrize("indefinite", [False, True])
def test_an_opaque_signed_mail_shows_what_it_signs(indefinite: bool) -> None:
    """Opaque S/MIME (application/pkcs7-mime, signed-data) wraps the whole mail: it showed
    "(no text)" and a .p7m."""
    wrapped = (b"Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
               b"Please close account 55-1212.\r\n--i\r\nContent-Type: application/pdf;"
               b" name=form.pdf\r\n\r\n%PDF\r\n--i--\r\n")
    raw = mail("Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m",
               "Content-Disposition: attachment; filename=smime.p7m",
               "Content-Transfer-Encoding: base64",
               body=b64(signed_data(wrapped, indefinite=indefinite)))
    event = parse(raw)
    assert event.text.strip() == "Please close account 55-1212."
    assert [a.filename for a in event.attachments] == ["form.pdf", "smime.p7m"]


def test_an_encrypted_or_broken_pkcs7_part_stays_an_attachment() -> None:
    for blob in (b"\x30\x80\x06\x09" + bytes.fromhex("2a864886f70d010703"), b"\x30\x05abc",
                 b"not ber at all"):
        event = parse(mail("Content-Type: application/pkcs7-mime; name=smime.p7m",
                           "Content-Transfer-Encoding: base64", body=b64(blob)))
        assert event.text == "" and [a.mime for a in event.attachments] == [
            "application/pkcs7-mime"]


# --- broken input never raises -------------------------------------------------------------

def test_empty_bytes() -> None:
    event = parse_email(b"")
    assert event.raw == b""
    assert event.text == "" and event.subject == "" and event.identifiers == []
    assert event.external_id == "sha256:" + hashlib.sha256(b"").hexdigest()
    assert "empty message" in event.parse_errors
    assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("seed", range(20))
def test_random_binary_never_raises(seed: int) -> None:
    rng = random.Random(seed)
    raw = rng.randbytes(rng.randint(1, 5000))
    event = parse(raw)
    assert event.raw == raw
    assert event.external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert event.occurred_at == RECEIVED


def test_header_less_text_is_kept_as_body() -> None:
    event = parse(b"just some words\nno headers at all\n")
    assert event.text == "just some words\nno headers at all\n"
    assert event.parse_errors  # no From, no Date, no Message-ID, a MIME defect


MULTIPART = mail(
    "Subject: =?utf-8?q?Rechnung_f=C3=BCr_M=C3=A4rz?=",
    'Content-Type: multipart/mixed; boundary="m"',
    body=("preamble\n--m\nContent-Type: multipart/alternative; boundary=\"a\"\n\n"
          "--a\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
          f"{b64('Grüße, die Rechnung ✓'.encode())}\n"
          "--a\nContent-Type: text/html; charset=utf-8\n\n<p>Grüße</p>\n--a--\n"
          "--m\nContent-Type: application/pdf\n"
          "Content-Disposition: attachment; filename*=utf-8''R%C3%A4chnung.pdf\n"
          f"Content-Transfer-Encoding: base64\n\n{b64(bytes(range(256)) * 8)}\n--m--\n"))


def test_truncated_multipart_keeps_what_arrived() -> None:
    cut = MULTIPART[: MULTIPART.index(b"filename*=") + 200]  # inside the PDF's base64
    event = parse(cut)
    assert event.subject == "Rechnung für März"
    assert event.text == "Grüße, die Rechnung ✓"
    assert [a.filename for a in event.attachments] == ["Rächnung.pdf"]
    assert any("boundary" in e.lower() for e in event.parse_errors)


def test_every_truncation_of_a_multipart_parses() -> None:
    for end in range(0, len(MULTIPART), 13):
        event = parse(MULTIPART[:end])
        assert event.raw == MULTIPART[:end]


def test_multipart_without_boundary_shows_body_text() -> None:
    event = parse(mail("Content-Type: multipart/mixed", body="text anyway\n"))
    assert "text anyway" in event.text
    assert event.parse_errors


def test_bad_base64_and_deep_nesting() -> None:
    raw = mail("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
               body="SGVsbG8gd29ybGQ=!!!***\n")
    assert parse(raw).text.startswith("Hello world")
    nested = "".join(f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n'
                     for i in range(60))
    event = parse(b"From: a@example.com\nSubject: deep\n" + nested.encode()
                  + b"Content-Type: text/plain\n\ndeep\n")
    assert event.subject == "deep"
    assert any("nesting" in e for e in event.parse_errors)


def test_invalid_utf8_declared_utf8() -> None:
    latin = mail("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
                 body="déjà vu\n".encode("latin-1"))
    event = parse(latin)
    assert event.text == "déjà vu\n"  # really latin-1: read as cp1252
    assert any("utf-8" in e for e in event.parse_errors)
    cut = mail("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
               body="Grüße aus Köln, schöne Grüße"[:-1].encode() + "ß".encode()[:1])
    assert parse(cut).text == "Grüße aus Köln, schöne Grüß\ufffd"  # cut mid-character


def test_non_bytes_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_email("Subject: str")  # type: ignore[arg-type]


# --- automatic mail ------------------------------------------------------------------------

BOUNCE = mail(
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>",
    "Subject: Undelivered Mail Returned to Sender", "Return-Path: <>",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="d"',
    body=("--d\nContent-Type: text/plain\n\nThis is the mail system. The message could not be "
          "delivered to <gone@example.org>.\n"
          "--d\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
          "Final-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1.1\n"
          "--d\nContent-Type: text/rfc822-headers\n\nMessage-ID: <case-7.m-9.x@helpdesk.example>\n"
          "Subject: Your case\n--d--\n"))


def test_bounce() -> None:
    event = parse(BOUNCE)
    assert event.auto_submitted == "bounce"
    assert "could not be delivered" in event.text
    mimes = [a.mime for a in event.attachments]
    assert mimes == ["message/delivery-status", "text/rfc822-headers"]
    status = event.attachments[0].content
    assert b"Status: 5.1.1" in status and b"Reporting-MTA: dns; mx.example.com" in status
    assert b"case-7.m-9.x@helpdesk.example" in event.attachments[1].content
    assert event.delivery_report == DeliveryReport(("case-7.m-9.x@helpdesk.example",),
                                                   (("gone@example.org", "5.1.1"),),
                                                   "mx.example.com")


@pytest.mark.parametrize("content_type", [
    'multipart/report; report-type=delivery-status; boundary="d"',
    'multipart/mixed; boundary="d"'])  # a mailer-daemon's bounce without a report
def test_a_bounces_returned_mail_is_not_shown_as_a_forward(content_type: str) -> None:
    returned = mail("From: Support <support@helpdesk.example>",
                    "Message-ID: <case-7.m-9.x@helpdesk.example>", body="Our answer.\n")
    event = parse(mail("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>",
                       f"Content-Type: {content_type}",
                       body=b"--d\nContent-Type: text/plain\n\nNot delivered.\n"
                            b"--d\nContent-Type: message/rfc822\n\n" + returned
                            + b"\n--d--\n"))
    assert event.auto_submitted == "bounce"
    assert event.text.strip() == "Not delivered."
    assert [a.mime for a in event.attachments] == ["message/rfc822"]


def test_only_a_bounce_has_a_delivery_report() -> None:
    """A customer pasting headers into their mail is not a bounce of ours."""
    pasted = parse(mail(body="See below:\nMessage-ID: <case-7.m-9.x@helpdesk.example>\n"))
    assert pasted.delivery_report is None


@pytest.mark.parametrize(("header", "reason"), [
    ("Auto-Submitted: auto-replied", "auto-submitted: auto-replied"),
    ("Auto-Submitted: Auto-Generated; owner-email=x@y", "auto-submitted: auto-generated"),
    ("X-Autoreply: yes", "auto-reply (x-autoreply)"),
    ("X-Autorespond: Out of office", "auto-reply (x-autorespond)"),
    ("X-Auto-Response-Suppress: OOF, DR", "x-auto-response-suppress: oof, dr"),
    ("X-Auto-Response-Suppress: All", "x-auto-response-suppress: all"),
    ("X-Loop: support@example.com", "mail loop (x-loop)"),
    ("Precedence: bulk", "precedence: bulk"),
    ("Precedence: junk", "precedence: junk"),
    ("List-Id: Users <users.lists.example.org>", "mailing list"),
    ("List-Unsubscribe: <mailto:leave@lists.example.org>", "mailing list"),
    ("Return-Path: <>", "null return-path"),
    ("From: postmaster@example.net", "bounce"),
])
def test_automatic_mail_reasons(header: str, reason: str) -> None:
    assert parse(mail(header, "Subject: Out of office")).auto_submitted == reason


@pytest.mark.parametrize("header", ["Auto-Submitted: no", "Precedence: first-class",
                                    "Return-Path: <ann@example.com>",
                                    "X-Auto-Response-Suppress: DR"])
def test_human_mail_is_not_automatic(header: str) -> None:
    assert parse(mail(header)).auto_submitted is None


def test_read_receipt() -> None:
    raw = mail('Content-Type: multipart/report; report-type=disposition-notification; '
               'boundary="r"', body=("--r\nContent-Type: text/plain\n\nYour message was read.\n"
                                     "--r\nContent-Type: message/disposition-notification\n\n"
                                     "Disposition: manual-action/MDN-sent-manually; displayed\n"
                                     "--r--\n"))
    assert parse(raw).auto_submitted == "read receipt"


def test_parse_matches_stdlib_view_of_the_corpus() -> None:
    """Cross-check: the fields we decode by hand agree with the stdlib's own parse."""
    stdlib = message_from_bytes(MULTIPART)
    event = parse(MULTIPART)
    assert event.message_id == stdlib["Message-ID"].strip("<>")
    assert event.attachments[0].content == stdlib.get_payload()[1].get_payload(decode=True)


# Only our receiving server's Authentication-Results count: the topmost header, and others
# with its authserv-id. A forged header can only discredit the forger's own mail.
OURS_FAIL = "Authentication-Results: mx.ours.example; spf=fail; dkim=none; dmarc=fail"
OURS_PASS = "Authentication-Results: mx.ours.example; spf=pass; dkim=pass; dmarc=pass"
FAILED_AT_OURS = "as the From of mail that failed DMARC at mx.ours.example"


@pytest.mark.parametrize(("headers", "how"), [
    ([], None),
    ([OURS_PASS], None),
    ([OURS_FAIL], FAILED_AT_OURS),
    # the sender's own header lies below ours, under another id or under ours
    ([OURS_FAIL, "Authentication-Results: mx.evil.example; dmarc=pass"], FAILED_AT_OURS),
    ([OURS_FAIL, "Authentication-Results: mx.ours.example; dmarc=pass"], FAILED_AT_OURS),
    ([OURS_PASS, "Authentication-Results: mx.evil.example; dmarc=fail"], None),
    # an upstream hop's header (ARC or a relay) below ours does not overrule it
    (["Authentication-Results: mx.ours.example 1; dmarc=pass (p=REJECT)",
      "Authentication-Results: relay.example; dmarc=fail"], None),
    # a sender's envelope address echoed in our header cannot hide our verdict
    (['Authentication-Results: mx.ours.example; spf=pass smtp.mailfrom="x;dmarc=pass"@e.'
      'example; dmarc=fail header.from=example.com'], FAILED_AT_OURS),
    # a comment is not a result
    (["Authentication-Results: mx.ours.example; dkim=pass (dmarc=fail) header.d=x;"
      " dmarc = pass"], None),
    # Microsoft 365 writes no authserv-id
    (["Authentication-Results: spf=fail (sender IP is 192.0.2.1) smtp.mailfrom=evil.example;"
      " dkim=none; dmarc=fail action=none header.from=example.com;compauth=fail"],
     "as the From of mail that failed DMARC at the receiving server"),
    # folded across lines, as servers write it
    (["Authentication-Results: mx.ours.example;\n\tspf=fail smtp.mailfrom=evil.example;\n"
      "\tdmarc=fail (p=QUARANTINE) header.from=example.com"], FAILED_AT_OURS),
])
def test_the_sender_is_verified_unless_our_server_recorded_a_dmarc_failure(
        headers: list[str], how: str | None) -> None:
    event = parse(mail(*headers))
    expected = (Identifier("email", "ann@example.com", verified=True) if how is None else
                Identifier("email", "ann@example.com", how=how))
    assert event.identifiers == [expected]
    assert event.parse_errors == []
