"""Turn one raw RFC 5322 message into an `InboundEvent`, whatever the bytes are.

Why it looks like this:

* The stdlib compat32 parser's `Message` is used, not `policy.default`: the modern API is
  ~7x slower and raises (`IndexError`, `LookupError`) on headers real mailers send, such as
  `Message-ID: <[abc@microsoft.com]>` or `To: "`. Everything is decoded explicitly instead.
* `parse_email` never raises for bytes input. One bad header or part must not kill the ingest
  loop, so each field is extracted on its own and a failure becomes a short string in
  `parse_errors`; the event keeps whatever else could be read, plus the exact raw bytes so a
  fixed parser can re-read it later.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import html as html_lib
import mimetypes
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import UTC, datetime
from email import message_from_bytes
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING, TypeVar

from omnitui.addresses import no_reply
from omnitui.channels.email.flowed import unflow
from omnitui.channels.email.invites import invite_text
from omnitui.channels.email.mime import quick_message
from omnitui.channels.email.reports import delivery_report
from omnitui.forwards import FORWARD_MARK, forwarded_sender, is_forward
from omnitui.model import BOUNCE, AttachmentData, Identifier, InboundEvent
from omnitui.records import record

if TYPE_CHECKING:
    from omnitui.config import Settings
    from omnitui.ingest.pending import RawItem

__all__ = ["form_sender", "mail_reading", "parse_email", "parse_item", "recipients_of",
           "reply_addresses"]

T = TypeVar("T")

_ID_RE = re.compile(r"<([^<>\s]+)>")
_ATEXT = "-A-Za-z0-9!#$%&'*+/=?^_`{|}~"  # RFC 5322 atext, ASCII (for a [class])
_DOT_ATOM = f"[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*"
_WORD = f"[{_ATEXT}.]+"  # a display name's word (obs-phrase allows the dot)
# A From of the usual shapes, `Name <a@b>`, `"Name" <a@b>` or `a@b`, in plain ASCII: read
# here as getaddresses reads it, in a tenth of its time (test_email_parse.py holds the two
# equal); anything else goes to getaddresses.
_PLAIN_FROM_RE = re.compile(
    f"[ \\t]*(?:(?:(?P<words>{_WORD}(?:[ \\t]+{_WORD})*)|\"(?P<quoted>[^\"\\\\\\r\\n]*)\")?"
    f"[ \\t]*<(?P<routed>{_DOT_ATOM}@{_DOT_ATOM})>|(?P<bare>{_DOT_ATOM}@{_DOT_ATOM}))[ \\t]*")
_ANGLED_RE = re.compile(f"(.*?)<({_DOT_ATOM}@{_DOT_ATOM})>[ \\t]*", re.S)
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_COMMENT_RE = re.compile(r"\([^()]*\)")
_RESULT_RE = re.compile(r"\s*([a-z0-9.-]+)\s*=\s*([a-z]+)", re.IGNORECASE)
_HTML_DROP_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG_RE = re.compile(r"<[^>]*>")
_FILENAME_UNSAFE = frozenset('<>:"|?*')
_ATTACHED_MAIL = ("message/rfc822", "message/global")
# what mailers call an attached mail that tells one from another nothing (its .eml dropped)
_GENERIC_MAIL_NAMES = frozenset({"", "message", "attachment", "noname", "untitled", "mail",
                                 "email", "forwarded message", "unknown"})
_CALENDARS = ("text/calendar", "application/ics")
# A multipart/alternative's plain part that only stands in for its HTML (`_stub`)
_STUB_MOST = 300  # characters: a longer plain part is the mail's text
_STUB_RATIO = 4  # the HTML's words this many times the plain part's: it is a stub
# words a stub uses to send the reader to the HTML ("requires an HTML viewer", "view this
# email in your browser", "read it online")
_STUB_WORDS = ("html", "browser", "viewer", "online", "web version")
_OPAQUE_SIGNED = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_FORWARDED_HEADERS = ("from", "date", "subject", "to", "cc")

# Charset labels mail clients send that Python does not know, or knows as a narrower codec
# than the one the sender really used.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "utf8mb4": "utf-8",
    "utf8mb3": "utf-8",
    "us-ascii": "utf-8",  # 8-bit bytes under a us-ascii label are nearly always utf-8
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",  # as browsers do: "latin-1" mail routinely holds cp1252 quotes
    "latin1": "cp1252",
    "latin-1": "cp1252",
}
# Labels that say "some 8-bit charset, no idea which": sniff instead (utf-8, then cp1252).
_UNKNOWN_CHARSET_LABELS = frozenset(
    {"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "8bit", "binary", "default",
     "charset", "none"})

_DEFAULT_EXTENSIONS = {
    "application/octet-stream": ".bin",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
}
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)})
_MAX_FILENAME_BYTES = 200
_MAX_DEPTH = 40
_MAX_ERRORS = 40
# decode_header is superlinear: a 1 MB subject of encoded-words takes ~9 s; 8 KiB takes ~15 ms.
_MAX_DECODED_HEADER = 8192
_MAX_HTML_TO_TEXT = 1 << 20


# A header field's start (RFC 5322: printable ASCII but ':', obsolete blanks before the ':';
# 8-bit bytes too after its first letter, as broken mailers write them), or the "From " line
# a saved mbox message may keep; after a byte order mark or blanks, which the parser reads
# past
_HEADER_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:[A-Za-z][!-9;-~\x80-\xff]*[ \t]*:|From )")


def not_mail(raw: bytes) -> str | None:
    """Why `raw` is no mail at all, or None. Broken mail is still mail (parsed with its
    errors, never lost); bytes that do not start as a header block are not (a binary file
    named .eml was filed as a case of gibberish)."""
    if _HEADER_START.match(raw) is None:
        return "no header line such as 'From: ...' at its start"
    return None


def parse_email(raw: bytes, *, source: str = "", received_at: datetime | None = None,
                form_senders: Sequence[str] = (), own: Sequence[str] = ()) -> InboundEvent:
    """Parse raw message bytes into an `InboundEvent`; never raises for bytes input.

    `received_at` (naive means UTC) stands in for a missing or unreadable Date; it defaults to
    now. `form_senders`: address patterns (`[identity].form_senders`) that, like no-reply
    addresses, send for someone else: see `_relayed_for`. `own`: our mailboxes' addresses;
    mail from one of them is ours, sent outside omnitui: see `_sent_to`. Problems are listed
    in `event.parse_errors`; `event.raw` is the input, unchanged.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"parse_email needs bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    errors: list[str] = []
    fallback_time = _as_utc(received_at) if received_at is not None else datetime.now(UTC)
    dated_by = "when the mailbox received it" if received_at is not None else \
        "when it was filed"  # (a note said "the receive time" of a From_ line's date)
    try:
        event = _build_event(raw, source, (fallback_time, dated_by), errors,
                             tuple(form_senders), frozenset(a.casefold() for a in own))
    except Exception as exc:  # last line of defence: the guards below should catch everything
        errors.append(f"parser failure: {_describe(exc)}")
        event = InboundEvent(channel="email", external_id=_raw_hash(raw), raw=raw,
                             occurred_at=fallback_time, identifiers=[], source=source)
    event.parse_errors = _dedupe_errors(errors)
    return event


def parse_item(item: RawItem, *, form_senders: tuple[str, ...], own: tuple[str, ...] = ()
               ) -> list[InboundEvent]:
    """A stored raw mail as the pipeline files it (the daemon's, and when refiled)."""
    return [parse_email(item.body, source=item.source, received_at=item.received_at,
                        form_senders=form_senders, own=own)]


def mail_reading(settings: Settings) -> dict[str, tuple[str, ...]]:
    """What `parse_email` and `parse_item` need of the config to tell who wrote a mail."""
    return {"form_senders": tuple(settings.identity.form_senders),
            "own": settings.own_addresses}


def _build_event(raw: bytes, source: str, fallback: tuple[datetime, str], errors: list[str],
                 form_senders: tuple[str, ...], own: frozenset[str]) -> InboundEvent:
    """Extract every field independently so one failure loses only that field. `fallback`:
    the time that stands in for a Date it lacks, and what that time is."""
    if not raw.strip():
        errors.append("empty message")
    msg = _parse_message(raw, errors)
    headers = _guard(errors, "headers", dict, _header_map, msg)

    def header(name: str) -> str:
        return _guard(errors, name, str, _header_text, headers, name, errors)

    sender_name, address = _guard(errors, "From", lambda: ("", ""), _sender, headers, errors)
    failed_at = _guard(errors, "Authentication-Results", lambda: None, _dmarc_failure, headers)
    message_id = _guard(errors, "Message-ID", lambda: None, _message_id, headers, errors)
    body = _Body() if msg is None else _guard(errors, "body", _Body, _extract_body, msg, errors)
    identifiers = [_sender_identifier(address, failed_at)] if _usable_address(address) else []
    author = sender_name
    relayed = _guard(errors, "Reply-To", list, _relayed_for, headers, address, form_senders)
    if relayed:
        author = relayed[0][0]
        identifiers = [Identifier("email", person,
                                  how=f"as the Reply-To of mail sent through {address}")
                       for _, person in relayed]
    sent_by = None
    # ours only if our receiving server did not find the From forged (a forged support@
    # filed a stranger's words as our answer), and not a form's relaying someone else
    if own and address.casefold() in own and failed_at is None and not relayed and (
            sent := _guard(errors, "To", list, _sent_to, headers, own)):
        sent_by = author or address
        author, person = sent[0]
        identifiers = [Identifier("email", person, verified=True,
                                  how=f"as the address mail from our {address} went to")]
    auto_submitted = _guard(errors, "auto-submitted check", lambda: None, _auto_reason,
                            headers, body, address, sender_name)
    text = body.text(errors, with_forwarded=auto_submitted != BOUNCE)
    subject = header("subject")
    if sent_by and is_forward(subject) and (forwarded := _guard(
            errors, "forwarded mail", lambda: None, forwarded_sender, text,
            [a.content for a in body.attachments if a.mime == "message/rfc822"], own)):
        # it speaks of the person whose mail it passes on, not of the supplier it went to
        author, person = forwarded[0] or forwarded[1], forwarded[1]
        identifiers = [Identifier("email", person, verified=True,
                                  how=f"as the sender of the mail our {address} forwarded")]
    return InboundEvent(
        channel="email",
        external_id=message_id or _raw_hash(raw),
        raw=raw,
        occurred_at=_guard(errors, "Date", lambda: fallback[0], _occurred_at, headers,
                           fallback, errors),
        identifiers=identifiers,
        sender_name=author,
        subject=subject,
        text=text,
        html="\n".join(body.html) if body.html else None,
        attachments=body.attachments,
        message_id=message_id,
        in_reply_to=_guard(errors, "In-Reply-To", list, _ids, headers.get("in-reply-to")),
        references=_guard(errors, "References", list, _ids, headers.get("references")),
        auto_submitted=auto_submitted,
        delivery_report=_guard(errors, "delivery report", lambda: None, delivery_report,
                               body.attachments, text) if auto_submitted == BOUNCE else None,
        source=source,
        sent_by=sent_by,
    )


def _guard(errors: list[str], what: str, default: Callable[[], T], fn: Callable[..., T],
           *args: object) -> T:
    """Run one extraction step; on any exception record it and return the default."""
    try:
        return fn(*args)
    except Exception as exc:
        errors.append(f"{what}: {_describe(exc)}")
        return default()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _dedupe_errors(errors: list[str]) -> list[str]:
    """Keep the error list short and readable even for a message with thousands of defects."""
    unique = list(dict.fromkeys(errors))
    if len(unique) > _MAX_ERRORS:
        unique = [*unique[:_MAX_ERRORS], f"... {len(unique) - _MAX_ERRORS} more problems"]
    return unique


def _raw_hash(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- structure -------------------------------------------------------------------------------

def _parse_message(raw: bytes, errors: list[str]) -> Message | None:
    """compat32 parse (well-formed mail the quick way, `mime.py`); if the MIME body defeats
    it, fall back to the headers alone."""
    with contextlib.suppress(Exception):  # never worse than the parser it stands in for
        if (quick := quick_message(raw)) is not None:
            return quick
    try:
        return message_from_bytes(raw)
    except Exception as exc:
        errors.append(f"MIME structure unreadable, headers only: {_describe(exc)}")
    try:
        return BytesParser().parsebytes(raw, headersonly=True)
    except Exception as exc:
        errors.append(f"headers unreadable: {_describe(exc)}")
        return None


def _header_map(msg: Message | None) -> dict[str, list[str]]:
    """Lower-cased name -> raw values, read once; raw values avoid compat32 `Header` objects."""
    headers: dict[str, list[str]] = {}
    if msg is not None:
        for name, value in msg.raw_items():
            headers.setdefault(name.strip().lower(), []).append(value)
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


# --- header text -----------------------------------------------------------------------------

def _header_text(headers: dict[str, list[str]], name: str, errors: list[str]) -> str:
    value = _first(headers, name)
    return _single_line(_decode_words(_clip(_unfold(value), name, errors))) if value else ""


def _clip(value: str, name: str, errors: list[str]) -> str:
    """Bound the work hostile headers can cause; no real header comes near the limit."""
    if len(value) <= _MAX_DECODED_HEADER:
        return value
    errors.append(f"{name} longer than {_MAX_DECODED_HEADER} characters; truncated")
    return value[:_MAX_DECODED_HEADER]


def _unfold(value: str) -> str:
    """RFC 5322 unfolding; also turns 8-bit bytes (kept by the parser as surrogates) to text."""
    if not value.isascii():
        # Raw 8-bit bytes arrive as surrogates; real non-ASCII text (str input) is kept.
        with contextlib.suppress(UnicodeEncodeError):
            value = _decode_bytes(value.encode("ascii", "surrogateescape"), None)[0]
    return _FOLD_RE.sub("", value)


def _single_line(value: str) -> str:
    """Headers end up on one TUI line: no CR/LF, tabs or terminal control characters."""
    return _CONTROL_RE.sub(" ", value).strip()


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words; lenient per-word fallback; raw string as last resort."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        pass
    try:
        return "".join(
            part if isinstance(part, str)
            else part.decode("raw-unicode-escape", "replace") if charset is None
            else _decode_bytes(part, charset)[0]
            for part, charset in decode_header(value))
    except Exception:
        return value


# --- addresses, ids, dates -------------------------------------------------------------------

def _sender(headers: dict[str, list[str]], errors: list[str]) -> tuple[str, str]:
    """(display name, address as given); an unparseable From keeps its raw text as the name."""
    value = _first(headers, "from")
    if value is None:
        errors.append("missing From header")
        return "", ""
    text = _clip(_unfold(value), "From", errors)
    name, address = _plain_from(text) or _first_address(text)
    address = address.strip()
    if not _usable_address(address) and (found := _ANGLED_RE.fullmatch(text)):
        # a name the address parser gives up on (an encoded word with "[" or a control
        # character in it, as spammers and some mailers write it) before a plain <address>:
        # the sender had no identity, and every mail of theirs a customer of its own
        name, address = found[1].strip().strip('"'), found[2]
    if not _usable_address(address):
        errors.append(f"unparseable From: {_single_line(text)[:100]!r}")
        return _single_line(_decode_words(text)), address
    # a bare address is the name shown, as mail clients show it: the queue's customer was
    # blank and the timeline said "(unknown sender)"
    return _single_line(_decode_words(name)) or address, address


def _plain_from(text: str) -> tuple[str, str] | None:
    """(name, address) of a From in one of the usual shapes (`_PLAIN_FROM_RE`), else None."""
    if (found := _PLAIN_FROM_RE.fullmatch(text)) is None:
        return None
    if found["bare"]:
        return "", found["bare"]
    words = found["words"]
    return (" ".join(words.split()) if words else found["quoted"] or ""), found["routed"]


def _first_address(text: str) -> tuple[str, str]:
    pairs = [(name, addr) for name, addr in getaddresses([text]) if addr]
    return pairs[0] if pairs else ("", "")


def _sender_identifier(address: str, dmarc_failed_at: str | None) -> Identifier:
    """The From address is the sender unless our receiving server found it forged."""
    if dmarc_failed_at is None:
        return Identifier("email", address, verified=True)
    return Identifier("email", address, how="as the From of mail that failed DMARC at "
                      + (dmarc_failed_at or "the receiving server"))


def _dmarc_failure(headers: dict[str, list[str]]) -> str | None:
    """The authserv-id of our receiving server if it recorded dmarc=fail, else None.

    Only Authentication-Results that our side added count (RFC 8601 §5): each hop
    prepends its own, so the topmost is our receiving server's, and so is every other one
    carrying its authserv-id (a compliant server strips copies of its id that arrive from
    outside). A sender's forged header sits below them under another id, and is ignored; if
    it copies our id, it can only add a failure, which only discredits the forger's own
    mail: a forged dmarc=pass never hides our server's fail. Without any header the mail
    counts as verified: the receiving server is what checks DMARC (docs/identity.md).
    """
    found = [_auth_results(_single_line(_unfold(value)))
             for value in headers.get("authentication-results", [])]
    if not found:
        return None
    ours = found[0][0]
    failed = any(authserv == ours and ("dmarc", "fail") in results
                 for authserv, results in found)
    return ours[:100] if failed else None


def _auth_results(value: str) -> tuple[str, list[tuple[str, str]]]:
    """(authserv-id, [(method, result)]) of one header. Split at ";" before comments are
    dropped, so text a sender controls (a quoted local part, an unclosed comment) cannot
    reach across into the next result. Microsoft 365 writes no authserv-id: ""."""
    segments = value.split(";")
    head = _COMMENT_RE.sub(" ", segments[0]).split()
    if head and "=" not in head[0]:
        authserv, segments = head[0].casefold(), segments[1:]
    else:
        authserv = ""
    results = []
    for segment in segments:
        found = _RESULT_RE.match(_COMMENT_RE.sub(" ", segment))
        if found:
            results.append((found[1].casefold(), found[2].casefold()))
    return authserv, results


def recipients_of(raw: bytes) -> list[str]:
    """The usable addresses in a stored message's To and Cc (for reply-all); never raises."""
    found = addressed_to(raw)
    return list(dict.fromkeys([*found["to"], *found["cc"]]))


def addressed_to(raw: bytes) -> dict[str, list[str]]:
    """The usable addresses in a stored message's To and Cc, apart (as an outbox row keeps
    a reply's recipients); never raises."""
    headers = _stored_headers(raw)
    return {name: _addresses_in(headers, name) if headers is not None else []
            for name in ("to", "cc")}


def reply_addresses(raw: bytes) -> list[str]:
    """Where a stored message asks to be answered: every address of its Reply-To, as mail
    clients read it (a web form sends from its no-reply address with the person's there,
    and replies went to the form), unless a mailing list sent it (List-Id or List-Post: a
    reply there goes to the list); none when it names nowhere. Never raises."""
    headers = _stored_headers(raw)
    try:
        found = _reply_to(headers) if headers is not None else []
    except Exception:
        return []
    return list(dict.fromkeys(address for _, address in found))


@lru_cache(maxsize=4096)
def form_sender(address: str, patterns: tuple[str, ...] = ()) -> bool:
    """An address that sends mail for other people: a no-reply one, or one of `patterns`
    (shell-style, `wordpress@*`; case does not matter)."""
    folded = address.casefold()
    return no_reply(address) or any(fnmatch.fnmatchcase(folded, p.casefold())
                                    for p in patterns)


def _relayed_for(headers: dict[str, list[str]], address: str, patterns: tuple[str, ...]
                 ) -> list[tuple[str, str]]:
    """(name, address) of each person a web form or shop relayed this mail for (its
    Reply-To), else none; without a name in the Reply-To, the address is the name shown.

    A form sends every submission from one address (noreply@, a shop's mailer@) with the
    person's own in Reply-To. Taken as the sender, that address made one customer of
    everyone who used the form, with one case, and an answer went to the last one's address
    with the others' words above it. The Reply-To was typed into a form, so it is a claim:
    it never finds or joins a customer by itself (docs/identity.md)."""
    if not _usable_address(address) or not form_sender(address, patterns):
        return []
    return [(_single_line(_decode_words(name)) or found, found)
            for name, found in _reply_to(headers) if found.casefold() != address.casefold()]


def _sent_to(headers: dict[str, list[str]], own: frozenset[str]) -> list[tuple[str, str]]:
    """(name, address) of each person a mail from one of our own addresses went to (To, then
    Cc), ours left out; without a name, the address is the name shown.

    Such mail was sent outside omnitui: an agent answered from a mail client with the desk
    in Bcc, a shop sent its order confirmation from the support address. Taken as the
    sender, our own address became a customer ("Support") with one case for all of it, and
    the answers of the people it went to joined a case that was not theirs."""
    values = [_unfold(v) for name in ("to", "cc") for v in headers.get(name, [])]
    found = [(name, address.strip()) for name, address in getaddresses(values)]
    return list(dict.fromkeys(
        (_single_line(_decode_words(name)) or address, address) for name, address in found
        if _usable_address(address) and address.casefold() not in own))


def _reply_to(headers: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The usable (name, address) pairs of a Reply-To a person set: none on a mailing
    list's mail (List-Id or List-Post: a reply there goes to the list)."""
    if "list-id" in headers or "list-post" in headers:
        return []
    values = [_unfold(v) for v in headers.get("reply-to", [])]
    return [(name, found.strip()) for name, found in getaddresses(values)
            if _usable_address(found.strip())]


def _stored_headers(raw: bytes) -> dict[str, list[str]] | None:
    try:
        return _header_map(BytesParser().parsebytes(raw, headersonly=True))
    except Exception:
        return None


def _addresses_in(headers: dict[str, list[str]], *names: str) -> list[str]:
    try:
        values = [_unfold(v) for name in names for v in headers.get(name, [])]
        found = [addr.strip() for _, addr in getaddresses(values)]
    except Exception:
        return []
    return list(dict.fromkeys(a for a in found if _usable_address(a)))


def _usable_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and len(address.split()) == 1


def _message_id(headers: dict[str, list[str]], errors: list[str]) -> str | None:
    value = _first(headers, "message-id")
    if value is None:
        errors.append("missing Message-ID; external_id is the sha256 of the raw bytes")
        return None
    text = _unfold(value)
    found = _ID_RE.search(text)
    if found:
        return found.group(1)
    stripped = _single_line(text).strip("<> ")
    if stripped:
        errors.append(f"Message-ID without angle brackets: {stripped[:100]!r}")
    return stripped or None


def _ids(values: list[str] | None) -> list[str]:
    """Message ids in In-Reply-To / References; bare `local@domain` tokens as a fallback."""
    ids: list[str] = []
    for value in values or ():
        text = _unfold(value)
        found = _ID_RE.findall(text)
        ids.extend(found or (tok.strip("<>") for tok in text.split() if "@" in tok))
    return list(dict.fromkeys(ids))


def _occurred_at(headers: dict[str, list[str]], fallback: tuple[datetime, str],
                 errors: list[str]) -> datetime:
    value = _first(headers, "date")
    at, dated_by = fallback
    if value is None or not value.strip():
        errors.append(f"missing Date; dated {dated_by}")
        return at
    try:
        moment = parsedate_to_datetime(_unfold(value).strip())
    except Exception:
        errors.append(f"unparseable Date {_single_line(value)[:60]!r}; dated {dated_by}")
        return at
    return _as_utc(moment)


# --- charsets --------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _codec_for(charset: str) -> str | None:
    """Python codec for a declared charset; None when the label is unknown or meaningless."""
    label = charset.strip().strip("\"'").lower()
    if label in _UNKNOWN_CHARSET_LABELS:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        # Non-empty input: b"".decode() skips the codec lookup. Rejects unknown labels and
        # bytes-to-bytes codecs such as base64.
        b"a".decode(label, "replace")
    except (LookupError, ValueError):
        return None
    return label


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode with the declared charset, then utf-8, then cp1252; return (text, problem)."""
    codec = _codec_for(charset) if charset else None
    problem = None
    if charset and codec is None and charset.strip().lower() not in _UNKNOWN_CHARSET_LABELS:
        problem = f"unknown charset {charset[:40]!r}"
    if codec and codec != "utf-8":
        try:
            return data.decode(codec), problem
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), problem
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf-8":
        return (data.decode(codec, "replace"),
                problem or f"bytes invalid in {charset[:40]!r} replaced")
    lenient = data.decode("utf-8", "replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ord(ch) > 127) - bad
    if good >= 4 * bad:  # utf-8 with a few broken bytes (e.g. cut mid-character)
        return lenient, problem or "invalid utf-8 bytes replaced"
    fallback = data.decode("cp1252", "replace")
    if codec == "utf-8":
        problem = problem or f"not valid {charset[:40]!r}; decoded as cp1252"
    return fallback, problem


# --- body and attachments --------------------------------------------------------------------

@record
class _Body:
    """What the MIME walk found: text parts, HTML parts, attachments, structural markers."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[AttachmentData] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)  # mail attached whole, as text
    content_types: set[str] = field(default_factory=set)
    report_type: str = ""
    alternative: bool = False  # the parts of one multipart/alternative: renderings of one text

    def absorb(self, choice: _Body, errors: list[str]) -> None:
        """A multipart/alternative walked on its own: its one text (plain, else its HTML's)
        in its place among the body's parts, the rest as found."""
        if (text := choice.text(errors, with_forwarded=False)).strip():
            self.plain.append(text)
        self.html += choice.html
        self.attachments += choice.attachments
        self.forwarded += choice.forwarded
        self.content_types |= choice.content_types
        self.report_type = self.report_type or choice.report_type

    def text(self, errors: list[str], *, with_forwarded: bool = True) -> str:
        """Plain text if any part has some (in a multipart/alternative: unless it is a stub,
        `_stub`), else the HTML rendered as readable text, else a calendar invitation's
        text; then the mail attached whole (a forward as attachment), unless
        `with_forwarded` is off (a bounce's returned mail is ours)."""
        text = "\n".join(self.plain)
        if self.html and (not text.strip() or (self.alternative and _stub(text, self.html))):
            text = _html_to_text("\n".join(self.html), errors) or text
        if not text.strip() and (invites := [a for a in self.attachments
                                             if a.mime in _CALENDARS]):
            text = _invite(invites[0].content, errors)
        if with_forwarded and self.forwarded:
            text = "\n\n".join([text.rstrip("\n"), *self.forwarded]).lstrip("\n")
        # NUL is dropped: SQLite and terminals both mishandle it.
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _stub(plain: str, html: list[str]) -> bool:
    """Whether a multipart/alternative's plain part only stands in for its HTML, so the
    HTML's text is shown instead: it is at most `_STUB_MOST` characters, and the HTML's
    text (tags stripped) either has `_STUB_RATIO` times its characters or lacks one of the
    `_STUB_WORDS` it sends the reader to the HTML with ("This message requires an HTML
    viewer", "View this email in your browser"). A plain part that says what its HTML says,
    as in nearly all mail, stays. Cheap first, as it runs on most mail: the plain part's
    length and words; the HTML only when the plain part names it or the markup is long
    enough to hold that much more text."""
    words = plain.strip()
    if len(words) > _STUB_MOST:
        return False
    lowered = words.lower()
    named = [word for word in _STUB_WORDS if word in lowered]
    wanted = _STUB_RATIO * len("".join(words.split()))
    markup = "\n".join(html)
    if not named and len(markup) < wanted:
        return False
    shown = html_lib.unescape(_HTML_TAG_RE.sub(" ", _HTML_DROP_RE.sub(" ", markup))).lower()
    return len("".join(shown.split())) >= wanted or any(w not in shown for w in named)


def _invite(content: bytes, errors: list[str]) -> str:
    """A calendar part's invitation text (`invites.py`); its problem noted if unreadable."""
    text, problem = invite_text(_decode_bytes(content, "utf-8")[0])
    if problem:
        errors.append(problem)
    return text


def _extract_body(msg: Message, errors: list[str], depth: int = 0) -> _Body:
    body = _Body()
    _walk(msg, body, errors, depth=depth, in_alternative=False)
    return body


def _walk(part: Message, body: _Body, errors: list[str], depth: int, in_alternative: bool
          ) -> None:
    """Sort every MIME leaf into body text, body HTML or attachment; skip alternative extras."""
    ctype = part.get_content_type()
    body.content_types.add(ctype)
    if ctype == "multipart/report":
        body.report_type = str(part.get_param("report-type", "") or "").lower()
    if ctype.partition("/")[0] == "message" or not part.is_multipart():
        _guard(errors, f"{ctype} part", lambda: None, _leaf, part, ctype, body, errors,
               in_alternative, depth)
        return
    _record_defects(part, errors)
    if depth >= _MAX_DEPTH:
        errors.append(f"MIME nesting deeper than {_MAX_DEPTH} levels; inner parts ignored")
        return
    if ctype == "multipart/alternative" and not body.alternative:
        choice = _Body(alternative=True)
        _walk_parts(part, choice, errors, depth, in_alternative=True)
        body.absorb(choice, errors)
        return
    _walk_parts(part, body, errors, depth, ctype == "multipart/alternative")


def _walk_parts(part: Message, body: _Body, errors: list[str], depth: int,
                in_alternative: bool) -> None:
    for sub in part.get_payload():
        if isinstance(sub, Message):
            _walk(sub, body, errors, depth + 1, in_alternative)


def _leaf(part: Message, ctype: str, body: _Body, errors: list[str], in_alternative: bool,
          depth: int) -> None:
    headers = _header_map(part)
    filename = _filename(part, headers)
    disposition = part.get_content_disposition()
    maintype = ctype.partition("/")[0]  # get_content_maintype(), without reading it again
    is_body_text = (ctype in ("text/plain", "text/html")
                    or maintype == "multipart")  # no usable boundary: show it as text
    if is_body_text and not filename and disposition != "attachment":
        payload = part.get_payload(decode=True) or b""
        _record_defects(part, errors)
        text, problem = _decode_bytes(payload, part.get_content_charset())
        if problem:
            errors.append(f"{ctype}: {problem}")
        if ctype != "text/html":
            body.plain.append(_unflowed(part, headers, text) if ctype == "text/plain" else text)
            return
        body.html.append(text)
        if not body.alternative:  # a text of its own, beside plain ones (a gateway's footer
            # part after an HTML-only mail showed alone, the customer's words gone)
            body.plain.append(_html_to_text(text, errors))
        return
    if (in_alternative and maintype == "text" and not filename
            and ctype != "text/calendar"):
        return  # another rendering of the same body (text/watch-html, text/x-amp-html)
    content = _part_bytes(part, errors)
    if ctype in _OPAQUE_SIGNED and depth < _MAX_DEPTH and (
            signed := _signed_content(content)) is not None and (
            inner := _parse_message(signed, errors)) is not None:
        # the mail an opaque S/MIME signature wraps (PKCS #7 signed-data): walked as the
        # body, as a clear-signed one's is; the .p7m is kept below
        _walk(inner, body, errors, depth + 1, in_alternative=False)
    _record_defects(part, errors)
    content_id = _content_id(headers)
    if disposition not in ("inline", "attachment"):
        disposition = "inline" if content_id else "attachment"
    if ctype in _ATTACHED_MAIL:
        filename = _mail_filename(part, filename, errors)
    body.attachments.append(AttachmentData(
        filename=_safe_filename(filename, ctype, len(body.attachments) + 1),
        mime=ctype, content=content, content_id=content_id, disposition=disposition))
    if ctype in _ATTACHED_MAIL and not body.report_type and depth < _MAX_DEPTH:
        body.forwarded.append(_attached_mail_text(content, errors, depth + 1))


def _unflowed(part: Message, headers: dict[str, list[str]], text: str) -> str:
    """A plain part's text, re-joined if it is format=flowed (RFC 3676, `flowed.py`); the
    Content-Type's parameters are read only when it says "flowed" at all."""
    if "flowed" not in (_first(headers, "content-type") or "").lower() or str(
            part.get_param("format", "")).lower() != "flowed":
        return text
    delsp = str(part.get_param("delsp", "")).lower() == "yes"
    return unflow(text.replace("\r\n", "\n"), delsp=delsp)


def _mail_filename(part: Message, filename: str, errors: list[str]) -> str:
    """An attached mail's file name: its own, unless a generic one ("message.eml",
    "attachment", none) that tells one forwarded mail from another nothing: then its
    Subject's, with .eml (`_safe_filename` makes it safe to save)."""
    if filename.casefold().removesuffix(".eml").strip() not in _GENERIC_MAIL_NAMES:
        return filename
    inner = part.get_payload()
    if not (isinstance(inner, list) and inner and isinstance(inner[0], Message)):
        return filename
    subject = _header_text(_header_map(inner[0]), "subject", errors)
    if not subject.strip(" ._"):
        return filename
    return subject.replace("/", "-").replace("\\", "-") + ".eml"


def _attached_mail_text(raw: bytes, errors: list[str], depth: int) -> str:
    """A mail attached whole (forwarded as attachment, as Outlook and Thunderbird do) as the
    text an inline forward shows: its header block, then its text. Only its .eml held it:
    the customer's words the reseller passed on were not shown, searched or triaged."""
    msg = _parse_message(raw, errors)
    headers = _header_map(msg)
    block = [FORWARD_MARK, *(f"{name.title()}: {value}" for name in _FORWARDED_HEADERS
                             if (value := _header_text(headers, name, errors)))]
    text = _extract_body(msg, errors, depth).text(errors) if msg is not None else ""
    return "\n".join(block) + "\n\n" + text.strip("\n")


def _record_defects(part: Message, errors: list[str]) -> None:
    """The parser repairs quietly and notes defects; surface them for debugging."""
    for defect in part.defects:
        text = str(defect).strip() or (type(defect).__doc__ or "").strip().split("\n")[0]
        name = type(defect).__name__.removesuffix("Defect")
        errors.append(f"MIME defect {name}: {text}" if text else f"MIME defect {name}")


def _part_bytes(part: Message, errors: list[str]) -> bytes:
    """Decoded part content; message/* parts (forwards, DSN blocks) re-serialized as bytes."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return b"".join(_serialize(sub, errors) for sub in payload if isinstance(sub, Message))
    return part.get_payload(decode=True) or b""


def _serialize(msg: Message, errors: list[str]) -> bytes:
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(msg)
    except Exception as exc:
        errors.append(f"could not re-serialize an embedded message: {_describe(exc)}")
    return buffer.getvalue()


def _content_id(headers: dict[str, list[str]]) -> str | None:
    value = _first(headers, "content-id")
    if not value:
        return None
    found = _ID_RE.search(value)
    return found.group(1) if found else (_single_line(_unfold(value)).strip("<> ") or None)


def _filename(part: Message, headers: dict[str, list[str]]) -> str:
    """Declared filename: RFC 2231 (get_filename collapses it), RFC 2047, or raw 8-bit;
    `headers`: the part's, as `_header_map` gives them."""
    raw_values = [_first(headers, "content-disposition"), _first(headers, "content-type")]
    if raw_values[0] is None and "name" not in (raw_values[1] or "").lower():
        return ""  # what get_filename finds too, without parsing the parameters (most parts)
    if not all(value is None or value.isascii() for value in raw_values):
        # compat32 would turn raw 8-bit bytes into U+FFFD: re-read from decoded header text.
        part = Message()
        for name, value in zip(("Content-Disposition", "Content-Type"), raw_values,
                               strict=True):
            if value is not None:
                part[name] = _unfold(value)
    name = part.get_filename()
    # Clipped before decoding: the result is cut to 200 bytes anyway (_safe_filename).
    return _decode_words(_unfold(name)[:_MAX_DECODED_HEADER]) if name else ""


def _safe_filename(name: str, mime: str, index: int) -> str:
    """An untrusted filename made safe to show and to save: a short, plain basename."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch in _FILENAME_UNSAFE or unicodedata.category(ch)[0] == "C"
                   else ch for ch in name)
    name = name.strip(" ._")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = name, ""
    else:
        ext = "." + ext
    budget = _MAX_FILENAME_BYTES - len(ext.encode())
    stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .")
    if not stem:
        return f"attachment-{index}{_default_extension(mime)}"
    if stem.lower() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem + ext


def _default_extension(mime: str) -> str:
    return _DEFAULT_EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"


def _signed_content(der: bytes) -> bytes | None:
    """The content a PKCS #7 signed-data blob carries (ContentInfo, then SignedData's
    encapContentInfo, then its eContent), or None: encrypted, detached, or not PKCS #7.
    asn1crypto (MIT) reads BER as mailers write it: indefinite lengths, octets in chunks."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return None
        content = info["content"]["encap_content_info"]["content"].native
    except Exception:  # not BER, or not this structure: whatever hostile bytes make the
        return None  # reader raise, the part stays the attachment it is
    return content if isinstance(content, bytes) else None  # None: detached


def _html_to_text(markup: str, errors: list[str]) -> str:
    """inscriptis (Apache-2.0) keeps layout such as tables; crude tag stripping if it fails.

    Only the first MiB is converted: inscriptis needs ~1 s per MB (more for big tables).
    """
    if len(markup) > _MAX_HTML_TO_TEXT:
        errors.append(f"HTML body over {_MAX_HTML_TO_TEXT} characters; only its start is shown")
        markup = markup[:_MAX_HTML_TO_TEXT]
    try:
        text = _rendered(markup).strip("\n")
        if text.strip():
            return text
    except Exception as exc:
        errors.append(f"HTML to text: {_describe(exc)}")
    stripped = _HTML_TAG_RE.sub(" ", _HTML_DROP_RE.sub(" ", markup))
    text = html_lib.unescape(stripped).strip()
    if text:  # e.g. lxml drops what is nested deeper than it allows
        errors.append("HTML converted by stripping tags")
    return text


def _rendered(markup: str) -> str:
    """inscriptis' text of `markup`, each web link's address after its words unless they
    show it ("click here <https://…>", as mail clients write a plain-text part): the words
    alone hid where the customer's "my shared logs are here" pointed. Laid out as a
    browser does ("strict"): the default put a space at every <span>'s edges, and
    Outlook's spans made "INV-4411" "INV -4411" and "1.240,00" "1. 240,00", and indented
    each nested <div>."""
    from inscriptis import Inscriptis, _get_html_tree  # its parse, with its fallbacks
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    tree = _get_html_tree(markup)
    if tree is None:
        return ""
    for link in tree.iter("a"):
        address = (link.get("href") or "").strip()
        if address.lower().startswith(("http://", "https://")) and (
                _bare_link(address) not in _bare_link(link.text_content())):
            link.tail = f" <{address}>{link.tail or ''}"
    return Inscriptis(tree, ParserConfig(css=CSS_PROFILES["strict"])).get_text()


def _bare_link(text: str) -> str:
    return text.strip().casefold().removeprefix("https://").removeprefix("http://").rstrip("/")


# --- automatic mail --------------------------------------------------------------------------

def _auto_reason(headers: dict[str, list[str]], body: _Body, address: str, name: str
                 ) -> str | None:
    """Why this mail is automatic (never auto-acknowledge it), or None for a human's mail."""
    if body.report_type == "disposition-notification":
        return "read receipt"
    if "multipart/report" in body.content_types or (
            "message/delivery-status" in body.content_types):
        return BOUNCE
    local = address.rpartition("@")[0] if "@" in address else address
    if local.lower() in ("mailer-daemon", "postmaster") or name.lower() in (
            "mail delivery system", "mail delivery subsystem"):
        return BOUNCE

    def value(header: str) -> str:
        found = _first(headers, header)
        return _single_line(_unfold(found)).lower() if found is not None else ""

    auto_submitted = value("auto-submitted").split(";")[0].strip()
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted}"
    for marker in ("x-autoreply", "x-autorespond"):
        if marker in headers and value(marker) not in ("no", "false", "0"):
            return f"auto-reply ({marker})"
    suppress = {token.strip() for token in value("x-auto-response-suppress").split(",")}
    if suppress & {"all", "oof", "autoreply"}:
        return f"x-auto-response-suppress: {value('x-auto-response-suppress')}"
    if "x-loop" in headers:
        return "mail loop (x-loop)"
    precedence = value("precedence")
    if precedence in ("bulk", "list", "junk"):
        return f"precedence: {precedence}"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing list"
    if "return-path" in headers and value("return-path").replace(" ", "") == "<>":
        return "null return-path"
    return None
