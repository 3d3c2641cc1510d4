"""What a bounce says: which of our messages it is about, and who did not get it.

A bounce seldom carries an In-Reply-To, so it was filed as a stranger's mail, a case of its
own, while the reply it was about still showed "sent". Its delivery report (RFC 3464:
a `multipart/report` with a `message/delivery-status` part and the returned message or its
headers) names both: the returned headers' Message-ID, and per recipient an `Action`,
a `Status` and the receiving server's words. Bounces of older servers only quote the
returned message in their text: its Message-ID still says which mail came back. Who failed
is read from the text of the two that are still common: Exim's ("The following address(es)
failed:", the default of most shared hosting) and qmail's ("I wasn't able to deliver your
message to the following addresses"); any other text marks nobody failed. Exim's and qmail's
delay warnings say nothing failed for good, and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.parser import BytesParser

from omnitui.model import AttachmentData, DeliveryReport

STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
RETURNED_PARTS = ("text/rfc822-headers", "message/rfc822", "message/global-headers",
                  "message/global")
_QUOTED_ID_RE = re.compile(r"^[ \t>]*Message-ID:[ \t]*<([^<>\s]+)>", re.I | re.M)
_ID_RE = re.compile(r"<([^<>\s]+)>")
_FOLD_RE = re.compile(r"\r?\n[ \t]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# Exim: "The following address(es) failed:", a blank line, then each address indented by
# two and its server's words by four, until a blank line or the returned copy.
_EXIM_RE = re.compile(r"The following address\(es\) failed:[ \t]*\r?\n[ \t]*\r?\n"
                      r"((?:[ \t]+\S.*(?:\r?\n|\Z))+)")
# qmail: "<address>:" alone on a line, its server's words below, until a blank line; only
# after the sentence that says it gave up.
_QMAIL_START = "I'm afraid I wasn't able to deliver your message to the following addresses."
_QMAIL_RE = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:[ \t]*\r?\n((?:.*\S.*(?:\r?\n|\Z))*)", re.M)
_QMAIL_END = "--- Below this line is a copy of the message."
MAX_IDS = 5  # a bounce returns one message; a text quoting a thread names a few
WHY_LIMIT = 300


def delivery_report(attachments: Iterable[AttachmentData], text: str
                    ) -> DeliveryReport | None:
    """The report of a mail already known to be a bounce, or None when it names no
    message. Never raises: what cannot be read is left out."""
    about: list[str] = []
    failed: list[tuple[str, str]] = []
    reporter = ""
    for part in attachments:
        if part.mime in RETURNED_PARTS:
            about += _returned_ids(part.content)
        elif part.mime in STATUS_PARTS:
            reporter, recipients = _status(part.content)
            failed += recipients
    about += _QUOTED_ID_RE.findall(text[:100_000])
    about = list(dict.fromkeys(about))[:MAX_IDS]
    if not failed and not any(part.mime in STATUS_PARTS for part in attachments):
        failed = _failed_in_text(text[:100_000])
    if not about:
        return None
    return DeliveryReport(tuple(about), tuple(failed), reporter)


def _failed_in_text(text: str) -> list[tuple[str, str]]:
    """(recipient, why) of each address a bounce without a report says failed, in Exim's or
    qmail's words."""
    if found := _EXIM_RE.search(text):
        failed: list[tuple[str, str]] = []
        for line in found[1].splitlines():
            if line.startswith("  ") and not line.startswith("   "):  # an address line
                failed.append((line.strip(), ""))
            elif failed:
                address, why = failed[-1]
                failed[-1] = (address, f"{why} {line.strip()}".strip())
        return [(_line(a)[:WHY_LIMIT], _line(w)[:WHY_LIMIT]) for a, w in failed
                if "@" in a and " " not in a]
    start = text.find(_QMAIL_START)
    if start < 0:
        return []
    end = text.find(_QMAIL_END, start)
    return [(_line(address)[:WHY_LIMIT], _line(why)[:WHY_LIMIT])
            for address, why in _QMAIL_RE.findall(text[start:end if end >= 0 else None])]


def _returned_ids(content: bytes) -> list[str]:
    try:
        value = BytesParser().parsebytes(content, headersonly=True).get("message-id")
    except Exception:
        return []
    found = _ID_RE.search(str(value or ""))
    return [found.group(1)] if found else []


def _status(content: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(the reporting server, [(recipient, why)] of those that failed) from the
    `message/delivery-status` body: a block of the message's fields, then one block per
    recipient."""
    blocks = [_fields(block) for block in re.split(
        r"\r?\n[ \t]*\r?\n", content.decode("utf-8", "replace")) if block.strip()]
    if not blocks:
        return "", []
    reporter = _typed(blocks[0].get("reporting-mta", ""))
    failed = []
    for fields in blocks[1:]:
        if fields.get("action", "").casefold() != "failed":
            continue  # delayed, delivered, relayed, expanded: it may yet arrive
        recipient = _typed(fields.get("final-recipient") or fields.get("original-recipient")
                           or "")
        status = fields.get("status", "")
        words = _typed(fields.get("diagnostic-code", ""))
        why = words if status and status in words else " ".join(w for w in (status, words)
                                                                if w)
        failed.append((_line(recipient)[:WHY_LIMIT], _line(why)[:WHY_LIMIT]))
    return _line(reporter)[:WHY_LIMIT], failed


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in _FOLD_RE.sub(" ", block).splitlines():
        name, colon, value = line.partition(":")
        if colon:
            fields.setdefault(name.strip().casefold(), value.strip())
    return fields


def _typed(value: str) -> str:
    """`rfc822; ann@example.com` -> `ann@example.com`; `smtp; 550 ...` -> `550 ...`."""
    kind, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon and " " not in kind.strip() else value.strip()


def _line(value: str) -> str:
    return " ".join(_CONTROL_RE.sub(" ", value).split())
