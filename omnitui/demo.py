"""A realistic demo store, built through the real ingest pipeline and agent actions.

A population of customers (some VIP, some reachable on three channels) writes over the last
N days on email, chat, SMS, WhatsApp and social channels; simulated agents answer, assign,
pause and solve as time passes, so the store ends with a believable mix: fresh cases,
pending ones, solved ones reopened, and cases breaching their SLA. The same seed gives the
same store. Sizes scale to a million cases for benchmarks: past BASE_MESSAGES customer
messages, a base of that size is built through the pipeline and then copied (fresh ids and
identities), which takes minutes where the pipeline alone would take most of an hour.
"""

from __future__ import annotations

import heapq
import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import format_datetime

from omnitui.config import Intent, Settings
from omnitui.ingest.identity import normalize
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier, InboundEvent, Status
from omnitui.services import actions
from omnitui.store.cases import get_case
from omnitui.store.customers import NewCustomer, NewIdentity, create_customer, customer_name
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.replicate import replicate

BASE_MESSAGES = 50_000  # more customer messages than this: copies of a base this size
AGENTS = ("alice", "bob", "carol", "dave", "erin", "farid")
FIRST = ("Anna", "Ben", "Chloe", "Diego", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jade",
         "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomás",
         "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "Aiko", "Bruno", "Camille", "Dmitri")
LAST = ("Andersen", "Bauer", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
        "Ito", "Jensen", "Kowalski", "López", "Müller", "Novak", "Okafor", "Petrov", "Quispe",
        "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
        "Moreau", "Nakamura", "Olsen", "Park")
DOMAINS = ("example.com", "mail.example.org", "corp.example.net", "example.co.uk")
TOPICS = (  # (subject, opening line, queue-ish intent)
    ("Charged twice for order {order}", "I was charged twice for order {order}. "
     "Please refund the duplicate payment.", "billing"),
    ("Cannot log in", "I can't log in since this morning; the reset link never arrives.",
     "access"),
    ("Where is my order {order}?", "My order {order} was due last week and tracking has not "
     "moved for days.", "orders"),
    ("App crashes on export", "The app crashes every time I export a report to PDF. "
     "Steps: open a report, choose Export, pick PDF.", "technical"),
    ("Question about the team plan", "We are 12 people; does the team plan include SSO and "
     "an invoice we can pay by bank transfer?", "presales"),
    ("URGENT: service is down", "Our whole team gets error 503 since 09:10, this is urgent.",
     "incident"),
    ("Change my billing address", "Please change the billing address on my account to our "
     "new office.", "billing"),
    ("Refund for order {order}", "The item from order {order} arrived broken. I'd like a "
     "refund or a replacement.", "orders"),
)
# What the demo's customers want, told as a team's [[intents]] would tell them (used when the
# config has none of its own, so the queue's intent column and `intent:` have something to
# show).
DEMO_INTENTS = (  # the first that matches wins: the specific ones first
    Intent("presales", keywords=["team plan", "pricing"]),
    Intent("billing", keywords=["charged twice", "billing address", "invoice", "refund the"]),
    Intent("access", keywords=["log in", "reset link", "password"]),
    Intent("orders", keywords=["tracking", "arrived broken", "was due"],
           patterns=[r"\border A\d{6}\b"]),
    Intent("incident", keywords=["service is down", "error 503", "outage"]),
    Intent("technical", keywords=["crashes", "error"]),
)
FOLLOW_UPS = ("Any update on this?", "Thanks, that worked!", "Still not fixed, sorry.",
              "Here is the screenshot you asked for.", "Can someone call me back please?",
              "I tried again and got the same error.")
REPLIES = ("Thanks for reaching out, {name}. I'm looking into it now.",
           "Hi {name}, we've refunded the duplicate charge; it shows in 3-5 days.",
           "Hi {name}, could you send a screenshot of the error?",
           "Sorry for the trouble, {name}. Our engineers are on it.")
CHANNEL_MIX = (  # the channels a customer uses, and how common that mix is
    (("email",), 50), (("sms",), 8), (("whatsapp",), 8), (("chat",), 10),
    (("telegram",), 5), (("instagram",), 4), (("messenger",), 3),
    (("email", "whatsapp", "telegram"), 7), (("email", "sms", "chat"), 5))


@dataclass
class DemoCustomer:
    name: str
    email: str
    phone: str
    handles: dict[str, str]
    channels: tuple[str, ...]
    tier: str
    last_email_id: str | None = None


@dataclass(order=True)
class _Scheduled:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    case_id: int = field(compare=False)


def _population(rng: random.Random, count: int) -> list[DemoCustomer]:
    mixes, weights = zip(*CHANNEL_MIX, strict=True)
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if rng.random() < 0.7:  # middle initials keep same-name pairs as rare as in life
            first = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        tier = rng.choices(("standard", "premium", "vip"), (80, 14, 6))[0]
        people.append(DemoCustomer(
            name=f"{first} {last}",
            email=f"{first.split()[0]}.{last}.{i}@{rng.choice(DOMAINS)}".lower(),
            phone=f"+1 {rng.choice((212, 312, 415, 617, 646, 718))} {200 + i // 10000 % 800}"
                  f" {i % 10000:04d}",
            handles={"telegram": str(10_000_000 + i), "instagram": f"ig{i:07d}",
                     "messenger": f"psid{i:09d}", "chat": f"visitor-{i:07d}"},
            channels=rng.choices(mixes, weights)[0], tier=tier))
    return people


def _identifiers(person: DemoCustomer, channel: str) -> list[Identifier]:
    """What each channel delivers from: verified, like the real channels' senders."""
    if channel == "email":
        return [Identifier("email", person.email, verified=True)]
    if channel in ("sms", "whatsapp"):
        return [Identifier("phone", person.phone, verified=True)]
    return [Identifier(channel, person.handles[channel], verified=True)]


def _event(rng: random.Random, person: DemoCustomer, channel: str, at: datetime,
           seq: int, follow_up: bool) -> InboundEvent:
    order = f"A{rng.randint(100000, 999999)}"
    subject, text, _ = rng.choice(TOPICS)
    subject, text = subject.format(order=order), text.format(order=order)
    if follow_up:
        text = rng.choice(FOLLOW_UPS)
        subject = f"Re: {subject}"
    if channel != "email":
        subject = ""
    identifiers = _identifiers(person, channel)
    if channel == "email":
        message_id = f"demo-{seq}@{person.email.split('@')[1]}"
        parents = [person.last_email_id] if follow_up and person.last_email_id else []
        headers = [f"From: {person.name} <{person.email}>", "To: support@example.com",
                   f"Subject: {subject}", f"Date: {format_datetime(at)}",
                   f"Message-ID: <{message_id}>",
                   *([f"In-Reply-To: <{parents[0]}>"] if parents else []),
                   "Content-Type: text/plain; charset=utf-8"]
        raw = ("\r\n".join(headers) + "\r\n\r\n" + text + "\r\n").encode()
        person.last_email_id = message_id
        return InboundEvent("email", message_id, raw, at, identifiers,
                            sender_name=person.name, subject=subject, text=text,
                            message_id=message_id, in_reply_to=parents, source="demo")
    external_id = f"{channel}-{seq}"
    raw = json.dumps({"id": external_id, "from": identifiers[0].value, "name": person.name,
                      "text": text, "ts": at.timestamp()}).encode()
    return InboundEvent(channel, external_id, raw, at, identifiers, sender_name=person.name,
                        text=text, source="demo")


def _arrivals(rng: random.Random, people: list[DemoCustomer], total: int, start: datetime,
              end: datetime) -> Iterator[tuple[datetime, DemoCustomer, bool]]:
    """Message arrival times in order: conversations of one to five messages, a few busy
    customers writing often, follow-ups minutes to a day after the first message."""
    span = (end - start).total_seconds()
    arrivals: list[tuple[datetime, int, bool]] = []
    while len(arrivals) < total:
        who = min(int(rng.paretovariate(1.2)) - 1, len(people) - 1) if rng.random() < 0.2 \
            else rng.randrange(len(people))
        at = start + timedelta(seconds=rng.random() * span)
        for n in range(min(rng.choice((1, 1, 1, 2, 2, 3, 5)), total - len(arrivals))):
            arrivals.append((at, who, n > 0))
            at += timedelta(minutes=rng.uniform(5, 1440))
    arrivals.sort(key=lambda a: a[0])
    for at, who, follow_up in arrivals:
        yield min(at, end), people[who], follow_up


def build_demo(store: Store, settings: Settings, *, customers: int = 2000,
               messages: int = 10000, days: int = 30, seed: int = 7,
               progress: Callable[[int], None] | None = None,
               base_messages: int = BASE_MESSAGES, end: datetime | None = None) -> None:
    """Fill `store` with the demo population; `progress` hears how many customer messages
    are in. Beyond `base_messages`, a base built through the pipeline is copied up to size.
    The story ends now, or at `end` (a fixed moment gives the same store every time)."""
    copies = -(-messages // base_messages)
    report = progress or (lambda _: None)
    settings = replace(settings, intents=settings.intents or list(DEMO_INTENTS))
    base = messages // copies
    _build_base(store, settings, customers=max(1, customers // copies), messages=base,
                days=days, seed=seed, progress=report, end=end or utc_now())
    replicate(store.conn, copies - 1, on_copy=lambda n: report(base * (n + 1)))


def _build_base(store: Store, settings: Settings, *, customers: int, messages: int,
                days: int, seed: int, progress: Callable[[int], None], end: datetime,
                batch: int = 2000) -> None:
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    people = _population(rng, customers)
    region = settings.identity.default_phone_region
    with store.write() as conn:
        for person in people:
            keys = [normalize(i, region) for channel in person.channels
                    for i in _identifiers(person, channel)]
            create_customer(conn, NewCustomer(
                name=person.name, tier=person.tier,
                attributes={"plan": rng.choice(("starter", "team", "business")),
                            "renewal": (end + timedelta(days=rng.randint(5, 300)))
                            .date().isoformat()},
                identities=tuple(NewIdentity(k[0], k[1], k[1], "demo population")
                                 for k in dict.fromkeys(keys) if k)), db_time(start))
    pipeline = Pipeline(store, settings)
    schedule: list[_Scheduled] = []
    seq = 0
    arrivals = _arrivals(rng, people, messages, start, end)
    done = 0
    while done < messages:
        with store.write() as conn:
            for at, person, follow_up in arrivals:
                _run_due(conn, rng, schedule, at)
                seq += 1
                event = _event(rng, person, rng.choice(person.channels), at, seq, follow_up)
                result = pipeline.ingest_in(conn, event, [])
                if result.new_case or result.reopened:
                    _plan_case(rng, schedule, result.case_id or 0, at, seq, end)
                done += 1
                if done % batch == 0:
                    break
        progress(done)


def _plan_case(rng: random.Random, schedule: list[_Scheduled], case_id: int, at: datetime,
               seq: int, end: datetime) -> None:
    """What the team will do about a new case: most get answered, some never in time."""
    if rng.random() < 0.92:
        when = at + timedelta(minutes=rng.expovariate(1 / 180))
        if when < end:
            heapq.heappush(schedule, _Scheduled(when, seq, "reply", case_id))


def _run_due(conn: sqlite3.Connection, rng: random.Random, schedule: list[_Scheduled],
             until: datetime) -> None:
    """Carry out the team's planned actions that fall before the next arrival."""
    while schedule and schedule[0].at <= until:
        item = heapq.heappop(schedule)
        case = get_case(conn, item.case_id)
        if case is None or case["status"] in (Status.SOLVED, Status.CLOSED):
            continue
        agent = case["owner"] or rng.choice(AGENTS)
        if item.kind == "reply":
            if case["owner"] is None:
                actions.assign(conn, item.case_id, agent, actor=agent, at=item.at)
            name = customer_name(conn, case["customer_id"]).split(" ")[0]
            actions.reply(conn, item.case_id, author=agent,
                          text=rng.choice(REPLIES).format(name=name), at=item.at)
            next_kind = rng.choices(("solve", "pending", "hold", "none"), (70, 16, 5, 9))[0]
            if next_kind != "none":
                later = item.at + timedelta(hours=rng.expovariate(1 / 20))
                heapq.heappush(schedule, _Scheduled(later, item.seq, next_kind, item.case_id))
        elif item.kind == "solve":
            actions.set_status(conn, item.case_id, Status.SOLVED, actor=agent, at=item.at)
        elif item.kind == "pending":
            actions.set_status(conn, item.case_id, Status.PENDING, actor=agent, at=item.at,
                               pause_reason="waiting on customer")
        else:
            actions.set_status(conn, item.case_id, Status.ON_HOLD, actor=agent, at=item.at,
                               pause_reason="waiting on engineering")
