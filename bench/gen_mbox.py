#!/usr/bin/env python3
"""Write a realistic, deterministic customer-support mailbox for import benchmarks.

    python bench/gen_mbox.py bench/out/mail-10k.mbox                 # 10,000 messages
    python bench/gen_mbox.py OUT.mbox -n 2000 --seed 3 --maildir OUT.maildir

The same (count, seed) always gives byte-identical output. The mix, per message:

* senders: a population of about count/4 customers (names with and without accents, several
  domains); a few busy customers write often (Pareto), most write once or twice;
* ~55% text/plain (7bit, 8bit or quoted-printable, utf-8 or iso-8859-1), ~28%
  multipart/alternative (text + HTML), ~3% HTML only, ~8% multipart/mixed with a small
  attachment (PDF, PNG or CSV; some identical across messages, most unique), the rest
  automatic mail (auto-replies, bounces as multipart/report);
* ~35% replies to an earlier message of the same sender (In-Reply-To + References, "Re:");
* ~15% of subjects RFC 2047 encoded (Q and B, utf-8 and iso-8859-1), some sender names too;
* ~1% broken on purpose: no Message-ID, unparseable Date, unknown charset, a multipart
  with a missing boundary, raw 8-bit bytes in headers, From without an address, a
  Message-ID the modern email API chokes on;
* some bodies contain lines starting with "From " (escaped as ">From " in the mbox).

With --maildir the same messages are also written as a Maildir (cur/, one file each), for
tools that read only Maildir (notmuch).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import quopri
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

FIRST = ("Anna", "Ben", "Chloé", "Diego", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jade",
         "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomás",
         "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "Aiko", "Bruno", "Camille", "Dmitri",
         "Søren", "Małgorzata", "José", "Ingrid", "Noah", "Olivia", "Liam", "Emma")
LAST = ("Andersen", "Bauer", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
        "Ito", "Jensen", "Kowalski", "López", "Müller", "Novak", "Okafor", "Petrov", "Quispe",
        "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
        "Moreau", "Nakamura", "Olsen", "Park", "Smith", "Johnson", "Brown", "Ødegaard")
DOMAINS = ("gmail.example", "outlook.example", "yahoo.example", "corp.example.com",
           "mail.example.org", "example.co.uk", "shop.example.de", "startup.example.io")
TOPICS = (
    ("Charged twice for order {order}",
     "I was charged twice for order {order}. Please refund the duplicate payment.\n"
     "The second charge appeared on {day}."),
    ("Cannot log in", "I can't log in since this morning; the reset link never arrives.\n"
     "I checked the spam folder too."),
    ("Where is my order {order}?", "My order {order} was due last week and tracking has not "
     "moved for days.\nCould you check with the carrier?"),
    ("App crashes on export", "The app crashes every time I export a report to PDF.\n"
     "Steps: open a report, choose Export, pick PDF. Version 4.2.1 on Windows 11."),
    ("Question about the team plan", "We are 12 people; does the team plan include SSO and "
     "an invoice we can pay by bank transfer?"),
    ("URGENT: service is down", "Our whole team gets error 503 since 09:10, this is urgent."),
    ("Change my billing address", "Please change the billing address on my account to our "
     "new office:\nHauptstraße 5, 10115 Berlin."),
    ("Refund for order {order}", "The item from order {order} arrived broken. I'd like a "
     "refund or a replacement. Photos attached if needed."),
    ("Invoice {order} has the wrong VAT number", "Our VAT number is DE123456789, the invoice "
     "{order} shows an old one. Please reissue it."),
    ("Cancel my subscription", "Please cancel my subscription at the end of the current "
     "period and confirm by email."),
)
NON_ASCII_SUBJECTS = (
    "Rückerstattung für Bestellung {order}", "Problème de connexion — urgent",
    "Pedido {order} no llegó", "Заказ {order} не доставлен", "注文 {order} について",
    "Faktura {order} – błędny NIP", "Ændring af adresse", "Ödeme iki kez alındı",  # noqa: RUF001
)
FOLLOW_UPS = ("Any update on this?", "Thanks, that worked!", "Still not fixed, sorry.",
              "Here is the screenshot you asked for.", "Can someone call me back please?",
              "I tried again and got the same error.", "Danke für die schnelle Antwort!",
              "Merci, c'est réglé.")
SIGNATURES = ("Best regards,\n{name}", "Thanks,\n{name}\nSent from my phone",
              "Kind regards\n{name}\n{company}", "--\n{name}\n{company} | +1 555 0100")
FROM_LINES = ("From my point of view this is a bug.", "From now on we will use the new address.",
              "From the logs it looks like a timeout.")


class Customer:
    __slots__ = ("company", "email", "name", "sent")

    def __init__(self, name: str, email: str, company: str) -> None:
        self.name, self.email, self.company = name, email, company
        self.sent: list[tuple[str, str]] = []  # (message id, subject) of earlier mails


def _population(rng: random.Random, count: int) -> list[Customer]:
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().encode("ascii", "ignore").decode() or "user"
        local = "".join(c for c in local if c.isalnum() or c == ".")
        domain = rng.choice(DOMAINS)
        company = domain.split(".")[0].capitalize() + " " + rng.choice(("GmbH", "Ltd", "Inc",
                                                                        "SA", "AB"))
        people.append(Customer(f"{first} {last}", f"{local}{i}@{domain}", company))
    return people


def _pick_sender(rng: random.Random, people: list[Customer]) -> Customer:
    if rng.random() < 0.15:  # a few busy customers write often
        return people[min(int(rng.paretovariate(1.1)) - 1, len(people) - 1)]
    return people[rng.randrange(len(people))]


def _encode_header(text: str, rng: random.Random) -> str:
    """RFC 2047: Q or B encoding, utf-8 (or iso-8859-1 when the text fits)."""
    charset = "utf-8"
    try:
        text.encode("iso-8859-1")
        if rng.random() < 0.4:
            charset = "iso-8859-1"
    except UnicodeEncodeError:
        pass
    if rng.random() < 0.5:
        return Header(text, charset, maxlinelen=76).encode()  # Header picks B or Q by charset
    raw = text.encode(charset)
    return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="


def _address_header(person: Customer, rng: random.Random) -> str:
    if person.name.isascii():
        return f"{person.name} <{person.email}>" if rng.random() < 0.8 else \
            f'"{person.name}" <{person.email}>'
    return f"{_encode_header(person.name, rng)} <{person.email}>"


def _qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.encode(charset, "replace")).decode("ascii")


def _text_part(text: str, rng: random.Random) -> tuple[list[str], str]:
    """(headers, body) of a text/plain part in one of the common transfer encodings."""
    if text.isascii():
        return (["Content-Type: text/plain; charset=us-ascii",
                 "Content-Transfer-Encoding: 7bit"], text)
    roll = rng.random()
    if roll < 0.5:
        return (["Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: quoted-printable"], _qp(text, "utf-8"))
    if roll < 0.8:
        return (["Content-Type: text/plain; charset=\"UTF-8\"",
                 "Content-Transfer-Encoding: 8bit"], text)
    return (["Content-Type: text/plain; charset=iso-8859-1",
             "Content-Transfer-Encoding: quoted-printable"], _qp(text, "iso-8859-1"))


def _html(text: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line)
    return ("<html><head><style>p{margin:0}</style></head><body><div dir=\"ltr\">"
            f"{paragraphs}<br><div class=\"signature\"><table><tr><td>Support</td><td>"
            "<a href=\"https://example.com\">example.com</a></td></tr></table></div>"
            "</div></body></html>")


def _b64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


SHARED_LOGO = bytes(range(256)) * 12  # the same "image" in many signatures: stored once


def _attachment(rng: random.Random, seq: int) -> tuple[str, str, bytes]:
    roll = rng.random()
    if roll < 0.3:
        return "logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + SHARED_LOGO
    size = rng.randint(1_000, 24_000)
    body = rng.randbytes(size)
    if roll < 0.7:
        return f"invoice-{seq}.pdf", "application/pdf", b"%PDF-1.4\n" + body
    if roll < 0.9:
        return f"screenshot {seq}.png", "image/png", b"\x89PNG\r\n\x1a\n" + body
    rows = "\n".join(f"{i},{rng.randint(1, 999)},item-{i}" for i in range(size // 40))
    return f"export-{seq}.csv", "text/csv", rows.encode()


def _boundary(rng: random.Random) -> str:
    return "=_bench_" + "".join(rng.choices("0123456789abcdef", k=24))


def _broken(rng: random.Random, headers: list[str], body: str, seq: int
            ) -> tuple[list[str], str]:
    kind = rng.randrange(7)
    if kind == 0:  # no Message-ID
        headers = [h for h in headers if not h.startswith("Message-ID:")]
    elif kind == 1:  # a Date nobody can parse
        headers = [h if not h.startswith("Date:") else "Date: yesterday-ish 25:61" for h in headers]
    elif kind == 2:  # a charset Python has never heard of
        headers = [h if not h.startswith("Content-Type:")
                   else "Content-Type: text/plain; charset=x-klingon" for h in headers]
    elif kind == 3:  # multipart whose boundary is never declared
        headers = [h if not h.startswith("Content-Type:") else "Content-Type: multipart/mixed"
                   for h in headers]
        headers = [h for h in headers if not h.startswith("Content-Transfer-Encoding")]
        body = f"--zzz\nContent-Type: text/plain\n\n{body}\n--zzz--"
    elif kind == 4:  # raw 8-bit latin-1 in the subject (marked by \udcXX, written as bytes)
        headers = [h if not h.startswith("Subject:")
                   else "Subject: R\udce9clamation commande " + str(seq) for h in headers]
    elif kind == 5:  # From without an address
        headers = [h if not h.startswith("From:") else "From: Customer Service Team"
                   for h in headers]
    else:  # the Exchange shape that makes policy.default raise IndexError
        headers = [h if not h.startswith("Message-ID:")
                   else f"Message-ID: <[{seq}.broken@microsoft.example]>" for h in headers]
    return headers, body


def make_message(rng: random.Random, people: list[Customer], seq: int, at: datetime
                 ) -> tuple[str, bytes]:
    """(envelope sender, raw RFC 5322 bytes with LF line ends) for message number `seq`."""
    person = _pick_sender(rng, people)
    order = f"A{rng.randint(100000, 999999)}"
    reply_to = person.sent[-1] if person.sent and rng.random() < 0.6 else None
    if reply_to:
        parent_subject = reply_to[1]
        subject = parent_subject if parent_subject.lower().startswith("re:") \
            else f"Re: {parent_subject}"
        text = rng.choice(FOLLOW_UPS)
        text += "\n\n" + "\n".join("> " + line for line in
                                   ("On an earlier day, Support wrote:", "Thanks for reaching "
                                    "out. Could you send more details?"))
    elif rng.random() < 0.12:
        subject = rng.choice(NON_ASCII_SUBJECTS).format(order=order)
        text = subject + ".\n" + rng.choice(TOPICS)[1].format(order=order, day="Monday")
    else:
        topic = rng.choice(TOPICS)
        subject = topic[0].format(order=order)
        text = topic[1].format(order=order, day=rng.choice(("Monday", "Tuesday", "the 3rd")))
    if rng.random() < 0.02:
        text += "\n\n" + rng.choice(FROM_LINES)
    text += "\n\n" + rng.choice(SIGNATURES).format(name=person.name, company=person.company)
    domain = person.email.rpartition("@")[2]
    message_id = f"{seq}.{hashlib.md5(f'{seq}'.encode()).hexdigest()[:12]}@{domain}"
    subject_header = subject if subject.isascii() and rng.random() > 0.05 else \
        _encode_header(subject, rng)
    headers = [
        f"Return-Path: <{person.email}>",
        f"Received: from mx{seq % 7}.{domain} (mx{seq % 7}.{domain} [192.0.2.{seq % 250}])\n"
        f"\tby mx.support.example with ESMTPS id {seq:x}\n\tfor <support@example.com>; "
        f"{format_datetime(at)}",
        f"From: {_address_header(person, rng)}",
        "To: Support <support@example.com>",
        f"Subject: {subject_header}",
        f"Date: {format_datetime(at)}",
        f"Message-ID: <{message_id}>",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to[0]}>", f"References: <{reply_to[0]}>"]
    headers.append("MIME-Version: 1.0")

    roll = rng.random()
    if roll < 0.03:  # automatic mail: out-of-office or a bounce
        if rng.random() < 0.5:
            headers += ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]
            part_headers, body = _text_part("I am out of the office until Monday.", rng)
            headers += part_headers
        else:
            b = _boundary(rng)
            headers = [h if not h.startswith("From:") else
                       "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>"
                       for h in headers]
            headers.append(f"Content-Type: multipart/report; report-type=delivery-status;"
                           f" boundary=\"{b}\"")
            body = (f"--{b}\nContent-Type: text/plain\n\nDelivery to the following recipient "
                    f"failed permanently:\n\n    nobody@{domain}\n\n--{b}\nContent-Type: "
                    f"message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
                    f"Final-Recipient: rfc822; nobody@{domain}\nAction: failed\nStatus: "
                    f"5.1.1\n\n--{b}--")
    elif roll < 0.58:
        part_headers, body = _text_part(text, rng)
        headers += part_headers
    elif roll < 0.86:
        b = _boundary(rng)
        part_headers, part_body = _text_part(text, rng)
        html = _html(text)
        headers.append(f"Content-Type: multipart/alternative; boundary=\"{b}\"")
        body = ("\n".join([f"--{b}", *part_headers, "", part_body, f"--{b}",
                           "Content-Type: text/html; charset=utf-8",
                           "Content-Transfer-Encoding: quoted-printable", "",
                           _qp(html, "utf-8"), f"--{b}--", ""]))
    elif roll < 0.89:
        headers += ["Content-Type: text/html; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable"]
        body = _qp(_html(text), "utf-8")
    else:
        b = _boundary(rng)
        part_headers, part_body = _text_part(text, rng)
        name, mime, data = _attachment(rng, seq)
        headers.append(f"Content-Type: multipart/mixed; boundary=\"{b}\"")
        body = ("\n".join(["This is a multi-part message in MIME format.", "", f"--{b}",
                           *part_headers, "", part_body, f"--{b}",
                           f"Content-Type: {mime}; name=\"{name}\"",
                           "Content-Transfer-Encoding: base64",
                           f"Content-Disposition: attachment; filename=\"{name}\"", "",
                           _b64(data), f"--{b}--", ""]))
    if rng.random() < 0.01:
        headers, body = _broken(rng, headers, body, seq)
    person.sent.append((message_id, subject))
    raw = ("\n".join(headers) + "\n\n" + body + "\n").encode("utf-8", "surrogateescape")
    return person.email, raw


def generate(count: int, seed: int):
    """Yield (envelope sender, date, raw bytes) for `count` messages, oldest first."""
    rng = random.Random(seed)
    people = _population(rng, max(10, count // 4))
    at = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    for seq in range(1, count + 1):
        at += timedelta(seconds=rng.randint(5, 600))
        sender, raw = make_message(rng, people, seq, at)
        yield sender, at, raw


def _mbox_entry(sender: str, at: datetime, raw: bytes) -> bytes:
    """mboxrd: escape From_ lines (and already-escaped ones) with one more '>'."""
    lines = raw.split(b"\n")
    escaped = b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line
                         for line in lines)
    envelope = f"From {sender} {at.strftime('%a %b %d %H:%M:%S %Y')}\n".encode()
    return envelope + escaped.rstrip(b"\n") + b"\n\n"


def write(mbox: Path, count: int, seed: int, maildir: Path | None = None) -> None:
    mbox.parent.mkdir(parents=True, exist_ok=True)
    if maildir:
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
    with mbox.open("wb") as out:
        for n, (sender, at, raw) in enumerate(generate(count, seed), start=1):
            out.write(_mbox_entry(sender, at, raw))
            if maildir:
                name = f"{int(at.timestamp())}.M{n:06d}P{seed}.bench:2,S"
                (maildir / "cur" / name).write_bytes(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mbox", type=Path, help="mbox file to write")
    parser.add_argument("-n", "--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--maildir", type=Path, help="also write the messages as a Maildir")
    args = parser.parse_args(argv)
    if args.maildir and args.maildir.exists() and any(args.maildir.glob("cur/*")):
        print(f"{args.maildir} already holds mail; remove it first", file=sys.stderr)
        return 1
    started = time.perf_counter()
    write(args.mbox, args.count, args.seed, args.maildir)
    print(f"wrote {args.count} messages to {args.mbox}"
          + (f" and {args.maildir}" if args.maildir else "")
          + f" in {time.perf_counter() - started:.1f} s ({args.mbox.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
