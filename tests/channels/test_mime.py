"""The quick parse of well-formed mail (`mime.quick_message`) against the standard library's
feed parser: the same tree, header for header and payload for payload, on every message it
accepts; mail the feed parser would repair is left to it."""

from __future__ import annotations

import random
from email import message_from_bytes
from email.message import Message

import pytest

from omnitui.channels.email import parse as parse_module
from omnitui.channels.email.mime import quick_message
from omnitui.channels.email.parse import parse_email

HEAD = ("From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\nTo: desk@example.com\n"
        "Subject: a subject\n folded onto a second line\nDate: Wed, 01 May 2024 09:30:00 +0200\n"
        "Message-ID: <m1@example.com>\nMIME-Version: 1.0\n")
PARTS = [
    "Content-Type: text/plain; charset=utf-8\n\nHello ✓ --b1 is not a delimiter\n",
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    "Gr=C3=BC=C3=9Fe,=\n zusammen\n\n",
    "Content-Type: text/html; charset=iso-8859-1\n\n<p>caf\xe9 <b>ok</b></p>\n",
    'Content-Type: application/pdf; name="a.pdf"\nContent-Disposition: attachment;\n'
    " filename*=UTF-8''%C3%A9t%C3%A9.pdf\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n",
    "Content-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\n"
    "aGVsbG8\n",  # bad padding: a defect found while decoding
    "\nA part without headers\n",
    "Content-Type: text/plain\n\n",
    "Content-Type: text/plain;\n\tcharset=\"utf-8\"\n\n--b1x looks like a delimiter\n",
]


def multipart(boundary: str, parts: list[str], *, preamble: str = "", epilogue: str = "",
              subtype: str = "mixed", ws: str = "") -> str:
    body = "".join(f"--{boundary}{ws}\n{part}" for part in parts)
    return (f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n{preamble}{body}'
            f"--{boundary}--{ws}\n{epilogue}")


def corpus() -> list[bytes]:
    """Clean mail in the shapes real mail takes, LF and CRLF."""
    nested = multipart("b2", PARTS[:3], subtype="alternative")
    texts = [
        HEAD + PARTS[0], HEAD + PARTS[1], HEAD + PARTS[2], HEAD + PARTS[3],
        HEAD + multipart("b1", PARTS),
        HEAD + multipart("b1", PARTS[:2], preamble="This is MIME.\n", epilogue="bye\n"),
        HEAD + multipart("b1", [PARTS[0], nested, PARTS[3]]),
        HEAD + multipart("b1", PARTS[:2], ws="  \t"),
        HEAD + multipart("b1", PARTS[:1]).replace('boundary="b1"', "boundary=b1"),
        HEAD + multipart("b1", PARTS[:1]).rstrip("\n"),  # no line end after the last one
        HEAD + "X-Raw: caf\xe9 8-bit\n\nBody with 8-bit \xe9 bytes\n",
        "\nA message without headers\n",
    ]
    raws = [text.encode() for text in texts]  # 8-bit utf-8
    raws.append((HEAD + "X-Raw: caf\xe9\n\n\xe9t\xe9\n").encode("latin-1"))  # 8-bit latin-1
    mixed = raws[4].replace(b"utf-8\n\n", b"utf-8\r\n\r\n").replace(b"--b1\n", b"--b1\r\n")
    return [*raws, mixed, *(raw.replace(b"\n", b"\r\n") for raw in raws)]


REFUSED = {
    "a lone CR": HEAD + "Subject: x\ry\n\nbody\n",
    "a From_ line among the headers": HEAD + "From nobody Mon Jan 1 00:00:00 2024\n\nbody\n",
    "a header line without a colon": HEAD + "not a header\n\nbody\n",
    "a continuation as the first line": " folded\n" + HEAD + "\nbody\n",
    "no blank line after the headers": HEAD.rstrip("\n"),
    "a missing header name": HEAD + ": no name\n\nbody\n",
    "no boundary": HEAD + "Content-Type: multipart/mixed\n\nbody\n",
    "no first delimiter": HEAD + 'Content-Type: multipart/mixed; boundary="b1"\n\nbody\n',
    "no closing delimiter": HEAD + multipart("b1", PARTS[:2]).replace("--b1--\n", ""),
    "two delimiters in a row": HEAD + multipart("b1", [PARTS[0], "", PARTS[1]]),
    "a forwarded message": HEAD + "Content-Type: message/rfc822\n\nFrom: a@b.c\n\nhi\n",
    "a digest": HEAD + multipart("b1", PARTS[:1], subtype="digest"),
    "an encoded multipart": HEAD + "Content-Transfer-Encoding: base64\n"
    + multipart("b1", PARTS[:1]),
    "a boundary inside another": HEAD + multipart("b1", [multipart("b1x", PARTS[:1])]),
    "a part without a blank line": HEAD + multipart("b1", ["Content-Type: text/plain\n"]),
}


def tree(msg: Message) -> tuple:
    """Everything the event is built from: raw headers, defects, parts, payloads, and what
    decoding each payload gives and finds wrong."""
    if msg.is_multipart():
        inside: object = [tree(part) for part in msg.get_payload()]
    else:
        decoded = msg.get_payload(decode=True)
        inside = (msg.get_payload(), decoded)
    return (list(msg.raw_items()), msg.get_content_type(), msg.get_filename(),
            msg.get_content_charset(), inside, [type(d).__name__ for d in msg.defects])


@pytest.mark.parametrize("raw", corpus())
def test_well_formed_mail_gives_the_feed_parsers_tree(raw: bytes) -> None:
    quick = quick_message(raw)
    assert quick is not None, "refused mail it can read"
    assert tree(quick) == tree(message_from_bytes(raw))


@pytest.mark.parametrize("raw", [text.encode() for text in REFUSED.values()],
                         ids=list(REFUSED))
def test_mail_the_feed_parser_would_repair_is_left_to_it(raw: bytes) -> None:
    assert quick_message(raw) is None


def mutations(count: int) -> list[bytes]:
    """Clean mail with one structural byte deleted, doubled or inserted, or cut short."""
    rng = random.Random(5)
    clean = corpus()
    found = []
    for _ in range(count):
        raw = bytearray(rng.choice(clean))
        at = rng.randrange(len(raw))
        match rng.randrange(4):
            case 0:
                del raw[at]
            case 1:
                raw.insert(at, raw[at])
            case 2:
                raw.insert(at, rng.choice(b"\n\r-: \t"))
            case _:
                del raw[at:]
        found.append(bytes(raw))
    return found


def test_damaged_mail_is_read_the_same_or_left_to_the_feed_parser() -> None:
    damaged = mutations(3000)
    accepted = 0
    for raw in damaged:
        quick = quick_message(raw)
        if quick is not None:
            accepted += 1
            assert tree(quick) == tree(message_from_bytes(raw)), raw
    assert 0 < accepted < len(damaged)  # both ways were taken


@pytest.mark.parametrize("raw", corpus() + [t.encode() for t in REFUSED.values()])
def test_the_event_is_the_same_whichever_way_the_mail_was_read(
        raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = parse_email(raw, source="t")
    monkeypatch.setattr(parse_module, "quick_message", lambda raw: None)
    slow = parse_email(raw, source="t")
    assert (quick.occurred_at - slow.occurred_at).total_seconds() < 5  # "now" for no Date
    quick.occurred_at = slow.occurred_at
    assert quick == slow
