"""SMTP out: the reply a customer's mail client threads, and one attempt to deliver it.

`build_reply` turns a queued reply into an RFC 5322 message; `send` hands it to the mailbox's
SMTP server once and says how it failed: `TemporaryFailure` (4xx, no connection, a timeout:
try again later) or `PermanentFailure` (5xx, bad credentials, a mailbox that cannot send:
trying again would fail the same way). The Message-ID is the one stored when the reply was
queued, never a new one, so a retry of a reply the server did accept is the same message to
the customer's client, not a second one. Error messages are one line and never carry the
password or token.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from omnitui.channels.errors import PermanentFailure, SendError, TemporaryFailure
from omnitui.channels.secrets import Secrets
from omnitui.config import ConfigError, MailboxSettings, is_loopback, secret
from omnitui.records import record

TIMEOUT_S = 60.0  # per socket operation: a dead server must not block the daemon forever
# From the envelope on: RFC 5321 §4.5.3.2.6 has a client wait 10 minutes for the reply to the
# end of DATA, while the server scans the message; given up on sooner, a message it stored
# is called failed and sent again.
DATA_TIMEOUT_S = 600.0
REFERENCES_KEPT = 10  # RFC 5322 §3.6.4 chains grow forever; keep the root and the last few


@record(frozen=True)
class Attachment:
    filename: str
    mime: str
    content: bytes


def subject_with_case(subject: str, case_id: int) -> str:
    """The subject with the case tag once, so an answer finds the case even without headers."""
    tag = f"[#{case_id}]"
    if tag in subject:
        return subject
    return f"{subject} {tag}" if subject.strip() else tag


def references_header(parent_keys: Sequence[str]) -> str:
    """References oldest first, trimmed to the root and the last few (long chains break
    some servers' header limits; the root and the parent are what clients thread on)."""
    keys = [k for k in dict.fromkeys(parent_keys) if k]
    if len(keys) > REFERENCES_KEPT + 1:
        keys = [keys[0], *keys[-REFERENCES_KEPT:]]
    return " ".join(f"<{k}>" for k in keys)


def build_reply(*, address: str, case_id: int, message_key: str, to: Sequence[str],
                cc: Sequence[str] = (), subject: str, text: str, date: datetime,
                parent_keys: Sequence[str] = (), attachments: Sequence[Attachment] = (),
                automatic: bool = False, display_name: str = "") -> EmailMessage:
    """A reply from the shared inbox `address`.

    `message_key` is the Message-ID stored at queue time (without angle brackets) and
    `parent_keys` the References, oldest first; the last one is the message answered.
    Reply-To is the shared inbox so the answer comes back there whoever wrote. Only
    `automatic` mail says Auto-Submitted: an agent's reply must stay answerable by
    auto-responders' rules (RFC 3834).
    """
    if not to and not cc:
        raise ValueError("the reply has no recipient")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((display_name, address)) if display_name else address
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Reply-To"] = address
    msg["Subject"] = subject_with_case(subject, case_id)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{message_key.strip('<>')}>"
    parents = [k for k in parent_keys if k]
    if parents:
        msg["In-Reply-To"] = f"<{parents[-1]}>"
        msg["References"] = references_header(parents)
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"  # Exchange's out-of-office replies
    # Quoted-printable, not 8bit: smtplib does not ask for 8BITMIME, and a relay without it
    # may mangle or refuse raw 8-bit bodies.
    msg.set_content(text, charset="utf-8",
                    cte=None if text.isascii() else "quoted-printable")
    for item in attachments:
        maintype, _, subtype = item.mime.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        # a mail attached whole goes as it is: RFC 2046 allows message/rfc822 no base64,
        # and readers showed the forwarded customer mail as a page of base64
        cte = ("7bit" if item.content.isascii() else "8bit") if item.mime == "message/rfc822" \
            else None
        msg.add_attachment(item.content, maintype=maintype, subtype=subtype, cte=cte,
                           filename=item.filename or "attachment")
    return msg


def send(mailbox: MailboxSettings, message: EmailMessage, *, timeout: float = TIMEOUT_S,
         data_timeout: float = DATA_TIMEOUT_S, ssl_context: ssl.SSLContext | None = None,
         to_addrs: Sequence[str] | None = None) -> dict[str, str]:
    """Deliver `message` once through the mailbox's SMTP server.

    Returns the recipients the server refused while it accepted others ({address: "550
    ..."}): the message went out, so it must not be retried. Raises TemporaryFailure or
    PermanentFailure. `timeout` bounds each step up to the login, `data_timeout` each from
    the envelope on (`DATA_TIMEOUT_S`). `ssl_context` defaults to the system's, certificate
    checks on. `to_addrs`: the envelope's recipients, when only some of the headers' get it
    (a send again to those refused for now).
    """
    if not mailbox.smtp_host:
        raise PermanentFailure(f"mailbox {mailbox.name!r} has no smtp_host, so it cannot send",
                               stage="login")
    if mailbox.smtp_security == "none" and not is_loopback(mailbox.smtp_host):
        raise PermanentFailure(f"mailbox {mailbox.name!r}: smtp_security \"none\" is allowed "
                               "only for a loopback host", stage="login")
    try:
        kind, value = secret(mailbox, "smtp")
    except ConfigError as exc:
        raise PermanentFailure(str(exc), stage="login") from None
    user = mailbox.smtp_username or mailbox.username
    hidden = Secrets(value)
    where = f"{mailbox.smtp_host}:{mailbox.smtp_port}"
    stage = "connect"
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _open(mailbox, timeout, ssl_context or ssl.create_default_context())
        stage = "login"
        _login(smtp, mailbox, user, kind, value)
        stage = "message"
        if smtp.sock is not None:
            smtp.sock.settimeout(max(timeout, data_timeout))
        refused = smtp.send_message(message, from_addr=mailbox.address,
                                    to_addrs=list(to_addrs) if to_addrs else None)
    except Exception as exc:  # every failure is classified; none may leak the secret
        raise _classify(exc, stage, where,
                        timeout if stage != "message" else max(timeout, data_timeout),
                        hidden) from None
    finally:
        if smtp is not None:
            _quit(smtp)
    return {rcpt: hidden.scrub(_reply_text(code, text)) for rcpt, (code, text) in
            refused.items()}


def _open(mailbox: MailboxSettings, timeout: float, context: ssl.SSLContext) -> smtplib.SMTP:
    host, port = mailbox.smtp_host, mailbox.smtp_port
    if mailbox.smtp_security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if mailbox.smtp_security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=context)  # raises when the server does not offer it
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _login(smtp: smtplib.SMTP, mailbox: MailboxSettings, user: str, kind: str,
           token: str) -> None:
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth") and mailbox.smtp_security == "none":
        return  # a loopback relay that takes mail without AUTH (local postfix, a test server)
    if kind == "oauth2":
        initial = f"user={user}\1auth=Bearer {token}\1\1"
        # On failure the server sends a 334 with a JSON error and waits for an empty line.
        smtp.auth("XOAUTH2", lambda challenge=None: "" if challenge else initial,
                  initial_response_ok=True)
    else:
        smtp.login(user, token)


def _quit(smtp: smtplib.SMTP) -> None:
    """Close without letting QUIT fail the attempt: once the server said 250 the message is
    out, and calling that a failure would send it twice."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _classify(exc: Exception, stage: str, where: str, timeout: float,
              hidden: Secrets) -> SendError:
    """4xx and network trouble are temporary; 5xx and what only a person can fix are not."""
    cls: type[SendError]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        cls = PermanentFailure if codes and min(codes) >= 500 else TemporaryFailure
        text = "every recipient refused: " + "; ".join(
            f"{rcpt}: {_reply_text(code, reply)}" for rcpt, (code, reply) in
            exc.recipients.items())
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        cls = PermanentFailure if code >= 500 else TemporaryFailure
        what = {smtplib.SMTPAuthenticationError: "login refused",
                smtplib.SMTPSenderRefused: "sender refused",
                smtplib.SMTPDataError: "message refused",
                smtplib.SMTPConnectError: f"{where} refused the connection",
                smtplib.SMTPHeloError: "greeting refused"}.get(type(exc), "server error")
        text = f"{what}: {_reply_text(code, exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        cls, text = PermanentFailure, f"{where}: {exc}"  # no STARTTLS or no AUTH: configuration
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib reports a read timeout as a disconnect; the timeout is its context
        cls = TemporaryFailure
        text = (f"{where}: no answer within {timeout:g} s"
                if isinstance(exc.__context__, TimeoutError)
                else f"{where} closed the connection ({exc})")
    elif isinstance(exc, ssl.SSLCertVerificationError):
        cls, text = TemporaryFailure, f"{where}: certificate check failed: {exc.verify_message}"
    elif isinstance(exc, TimeoutError):
        cls, text = TemporaryFailure, f"{where}: no answer within {timeout:g} s"
    elif isinstance(exc, OSError):
        cls, text = TemporaryFailure, f"cannot reach {where}: {exc.strerror or exc}"
    elif isinstance(exc, smtplib.SMTPException) and stage == "login":
        cls, text = PermanentFailure, f"login failed: {exc}"  # no usable AUTH mechanism
    else:
        cls, text = TemporaryFailure, f"{type(exc).__name__}: {exc}"
    return cls(hidden.scrub(text), stage=stage)


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}"
