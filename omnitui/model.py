"""Domain types every layer shares.

Channels turn the outside world into an `InboundEvent`; everything downstream (the ingest
pipeline, triage, the store) reads only that event, so a new channel never touches them.
"""

from __future__ import annotations

import enum
from dataclasses import field
from datetime import datetime

from omnitui.records import record


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
# Waiting on someone else (the customer, engineering, a third party): the SLA clock stops.
PAUSED_STATUSES = (Status.PENDING, Status.ON_HOLD)
# Done: out of the queue until the customer writes again or an agent reopens it.
FINISHED_STATUSES = (Status.SOLVED, Status.CLOSED)


@record(frozen=True)
class TimeUnits:
    """How long a day and a week are in a policy's time: 24 and 168 hours, or in business
    hours the open hours of a working day and of a week."""
    day: float = 86400.0
    week: float = 7 * 86400.0


@record(frozen=True)
class Countdown:
    """Time to a case's due moment, as its SLA policy counts it."""
    left: float  # seconds in the policy's time (business hours or 24x7); negative: late
    # While the policy's clock stands (outside business hours) and the due moment lies
    # ahead: that moment in the team's zone. "in 10m" on a Sunday meant Monday 09:10.
    due_local: datetime | None = None
    units: TimeUnits = TimeUnits()  # what "1d" is in the policy's time


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Channel(enum.StrEnum):
    """Channel kinds; `channel` strings in the store are one of these."""

    EMAIL = "email"
    CHAT = "chat"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    SLACK = "slack"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    SOCIAL = "social"
    WEB = "web"
    PHONE = "phone"
    WALK_UP = "walk-up"  # a visit at the desk, logged by hand
    ALERT = "alert"


# A contact an agent logs by hand: a call, a visit at the desk. Nothing is sent back on it.
CONTACT_CHANNELS = (Channel.PHONE, Channel.WALK_UP)

# Channels where the customer waits on the line: their SLA targets are minutes, not hours.
SYNCHRONOUS_CHANNELS = frozenset({Channel.CHAT, Channel.PHONE, Channel.WALK_UP, Channel.WHATSAPP,
                                  Channel.TELEGRAM, Channel.SLACK, Channel.MESSENGER})


@record(frozen=True)
class Identifier:
    """One way to reach a customer: kind is email, phone, or a platform name; value as sent.

    `verified`: the channel itself delivered the item from it (a mail's authenticated sender,
    an SMS's number, a platform's user id). Only verified identifiers find a customer and
    link to one; anything else was merely stated (typed into a web form, the From of mail
    that failed DMARC) and is a claim, which only raises merge suggestions
    (docs/identity.md). Unverified is the default, so a channel that forgets to decide
    cannot link anyone. `how` words where a claim came from, for the agent.
    """

    kind: str
    value: str
    verified: bool = False
    how: str = ""


@record(frozen=True)
class AttachmentData:
    filename: str
    mime: str
    content: bytes
    content_id: str | None = None
    disposition: str = "attachment"
    sha256: str | None = None  # set once the bytes are in the attachment store
    stored_size: int | None = None  # set when the bytes were left there (store/blobs.py)

    @property
    def size(self) -> int:
        return len(self.content) if self.stored_size is None else self.stored_size


BOUNCE = "bounce"  # the automatic kind (`auto_submitted`) of a mail server's delivery report


@record(frozen=True)
class DeliveryReport:
    """What a bounce (an RFC 3464 delivery status notification) says of mail we sent."""

    about: tuple[str, ...]  # the Message-IDs of the mail it reports on
    failed: tuple[tuple[str, str], ...] = ()  # (recipient, why) for each that failed for good
    reporter: str = ""  # the server that gave up


@record
class InboundEvent:
    """One inbound item from any channel, normalized at intake.

    `external_id` is the channel's own id for the item (email: the Message-ID, else a hash of
    the raw bytes); (channel, external_id) is the dedupe key. `raw` is the exact bytes received.
    """

    channel: str
    external_id: str
    raw: bytes
    occurred_at: datetime
    identifiers: list[Identifier]
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    html: str | None = None
    attachments: list[AttachmentData] = field(default_factory=list)
    message_id: str | None = None  # RFC 5322 Message-ID, for email threading
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    parse_errors: list[str] = field(default_factory=list)
    auto_submitted: str | None = None  # why the item is automatic (bounce, list, auto-reply)
    delivery_report: DeliveryReport | None = None  # a bounce's, when it names our mail
    source: str = ""  # where it came from: a mailbox, a file, a webhook path
    language: str | None = None
    intent: str | None = None
    intent_rule: str | None = None  # the rule that told the intent, shown as its reason
    sentiment: float | None = None
    irritation: str | None = None  # why the customer reads as irritated; None: calm
    urgent: bool = False
    severity: int = 0
    raw_id: int | None = None  # the raw bytes are already stored (raw_payloads.id)
    # How to answer on the platform (chat channels): which hook, chat, thread; "public"
    # marks a post others can read (a group, a channel, a comment)
    reply_route: dict[str, object] | None = None
    # Mail sent from one of our own addresses outside omnitui (an agent's mail client, a
    # shop's confirmation): who sent it. The event then speaks of the person it went to:
    # `identifiers` and `sender_name` are theirs, and it is filed as our message to them.
    sent_by: str | None = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("InboundEvent.occurred_at must be timezone-aware")

    @property
    def author(self) -> str:
        """Who wrote it, as its message names them: the sender, or for our own mail whoever
        sent it."""
        return self.sent_by or self.sender_name

    @property
    def asks_nothing(self) -> bool:
        """No person asks us anything here: automatic mail, or our own sent outside
        omnitui. Nothing answers it, reads it as a customer's words or waits on it."""
        return bool(self.auto_submitted) or self.sent_by is not None


@record(frozen=True)
class DeliveryReceipt:
    """A platform's word on a reply we sent (WhatsApp and Messenger statuses): not a message."""

    channel: str
    external_id: str  # the platform's id of our sent reply
    status: str  # sent | delivered | read | failed
    at: datetime
    error: str = ""


@record(frozen=True)
class CustomerUpdate:
    """Facts another system pushes about a customer (tier, plan, renewal date...), matched by
    their identifiers; a customer not known yet is created."""

    identifiers: list[Identifier]
    name: str = ""
    tier: str | None = None
    attributes: dict[str, object] = field(default_factory=dict)
    source: str = ""


@record(frozen=True)
class ProductEvent:
    """What another system reports about a product, not a customer: an outage starting, or
    (`resolved`) over (services/events.py acts on it)."""

    kind: str
    product: str
    at: datetime
    severity: int | None = None  # None: [events] severity
    text: str = ""
    resolved: bool = False


# What one stored raw item turns into when it is filed.
Inbound = InboundEvent | DeliveryReceipt | CustomerUpdate | ProductEvent


@record(frozen=True)
class IngestResult:
    """What the pipeline did with one event, and why."""

    duplicate: bool
    message_id: int | None
    case_id: int | None
    customer_id: int | None
    new_case: bool = False
    reopened: bool = False
    thread_rule: str = ""
    thread_reason: str = ""
    parse_errors: bool = False  # stored, but with problems recorded (see the raw payload)


@record(frozen=True)
class SearchedIdentity:
    """An email address or phone number among a search's words: the identity it is stored
    as, and the words as typed ("07700 900123" is phone +447700900123)."""

    typed: str
    kind: str
    value: str


@record(frozen=True)
class CaseSummary:
    """One queue row, as the console and `omnitui cases` show it."""

    id: int
    customer_id: int
    customer_name: str
    subject: str
    channel: str
    status: str
    owner: str | None
    queue: str
    tags: list[str]
    priority: float
    tier: str
    sla_due: str | None
    created_at: str
    last_message_at: str | None
    version: int
    language: str | None = None  # of the customer's latest message, if it could be told
    irritation: str | None = None  # why their latest message reads irritated; None: calm
    intent: str | None = None  # what the customer wants, from the latest message that told
    pause_reason: str | None = None  # what a pending or on-hold case waits on
    paused_at: str | None = None  # since when it waits on that (UTC)
    snoozed_until: str | None = None  # hidden from the queues until then (UTC; may be past)


@record(frozen=True)
class AttachmentView:
    id: int
    filename: str
    mime: str
    size: int
    sha256: str


@record(frozen=True)
class MessageView:
    """One timeline entry; `thread_reason` says why it joined its case."""

    id: int
    case_id: int
    channel: str
    direction: str
    author: str
    created_at: str
    subject: str
    text: str
    thread_rule: str
    thread_reason: str
    parse_errors: list[str]
    auto_submitted: str | None
    attachments: list[AttachmentView]
    delivery: str | None = None  # an outgoing reply: queued, sending, sent or failed
    delivery_note: str = ""  # to whom, and the last error
    has_raw: bool = False  # the bytes as received are kept and can be shown
    # What the message stated about its sender without proof ("email x, stated in a web
    # form ... not verified"): never linked, shown so the agent sees the claim
    claims: list[str] = field(default_factory=list)
    # What the classify stage read in a customer's words: ISO 639-1 or "und", the tone in
    # [-1, 1] (English only), and why they read as irritated (None: calm)
    language: str | None = None
    sentiment: float | None = None
    irritation: str | None = None
    intent: str | None = None  # what the customer wants, and the rule that told it
    intent_rule: str | None = None


@record(frozen=True)
class Draft:
    """What an agent writes to a customer (or notes internally), before it is queued.

    `quoted` is text appended below the agent's own (the forwarded message); email threading
    headers are worked out when the draft is queued, not here.
    """

    mode: str  # reply | reply_all | forward | new | note
    channel: str
    text: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    internal: bool = False
    quoted: str = ""
    attachment_ids: tuple[int, ...] = ()
    private: bool = False  # answer a group or public post in a direct message instead
    macro: str = ""  # the macro that drafted it: sending also applies the macro's changes
    about: str = ""  # the message a forward passes on, as its composer names it
    # where the customer last wrote, when a reply goes there rather than on the case's own
    # channel (its composer says why)
    last_wrote_on: str = ""

    @property
    def body(self) -> str:
        return f"{self.text.rstrip()}\n\n{self.quoted}" if self.quoted else self.text

    @property
    def slot(self) -> str:
        """What kind of writing it is, fixed while it is written: a kept draft comes back
        only for the same kind (a half-written reply never reopens as an internal note)."""
        return f"{self.mode}-private" if self.private else self.mode

    @property
    def untitled(self) -> bool:
        """A new email with no subject: refused before it leaves (the customer's inbox and
        the queue show the subject first; a reply takes its case's, SMS and the like have
        none)."""
        return self.mode == "new" and self.channel == Channel.EMAIL and \
            not self.subject.strip()


@record(frozen=True)
class CustomerView:
    id: int
    name: str
    tier: str
    identities: list[tuple[str, str]]
    attributes: dict[str, object]
    notes: str
    preferred_channel: str | None = None
    open_cases: list[tuple[int, str, str]] = field(default_factory=list)  # id, status, subject
    # What other systems reported of them (`omnitui event`, a webhook), newest first: the
    # latest few as (at, kind, text)
    events: list[tuple[str, str, str]] = field(default_factory=list)


@record(frozen=True)
class CaseDetail:
    case: CaseSummary
    customer: CustomerView
    messages: list[MessageView]
    previous_case_id: int | None
    merged_into: int | None
    reopens: int
    reassignments: int
    sla_first_response_due: str | None
    first_response_at: str | None
    priority_parts: str | None  # JSON [label, points] pairs: why the score is what it is
    priority_by: str | None  # who set it by hand (then it holds); None: computed
    severity: int  # 0-3: from the message, its intent, escalations and business events
    history: list[tuple[int, str, str, str, str]]  # audit id, at, actor, action, reason
    # Named answers kept on the case (the intake assistant's: topic, order_number...)
    fields: dict[str, str] = field(default_factory=dict)
    # The satisfaction survey: asked_at, score (1-5, None: not answered), answer, answered_at
    csat: dict[str, object] | None = None
    # the timeline's older messages not in `messages` (the console reads its latest page)
    earlier: int = 0
