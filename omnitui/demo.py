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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import partial

from omnitui.config import Intent, SemanticSettings, Settings, TriageSettings
from omnitui.demo_team import DEMO_AGENTS, skilled_for, with_demo_team
from omnitui.identifiers import normalize
from omnitui.importer import parser_helpers
from omnitui.ingest.readahead import default_workers
from omnitui.model import FINISHED_STATUSES, Identifier, InboundEvent, Status
from omnitui.records import record
from omnitui.services import actions
from omnitui.services.csat import ask_after_solve
from omnitui.services.holidays import keep as keep_holidays
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import apply_agents
from omnitui.services.upkeep import Upkeep, rescore_due
from omnitui.store import csat as surveys
from omnitui.store import info as store_info
from omnitui.store import outbox
from omnitui.store.agents import mark_seen
from omnitui.store.cases import get_case
from omnitui.store.customers import NewCustomer, NewIdentity, create_customer, customer_name
from omnitui.store.db import Store, db_time, one_action, utc_now
from omnitui.store.presence import record_interval
from omnitui.store.replicate import replicate
from omnitui.triage.calendar import Calendar, calendar_of
from omnitui.triage.classify import classify
from omnitui.triage.intent import intent_classifier

BUSINESS_DAY = 12 * 3600  # seconds: the demo team's hours, 08:00-20:00
BASE_MESSAGES = 50_000  # more customer messages than this: copies of a base this size
HELPED_FROM = 2000  # customer messages from which helper processes read them: starting two
# costs 0.2 s (0.7 s where threads run and they are spawned), reading 300 costs 0.07 s
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
FOLLOW_UPS = ("Any update on this?", "Thanks, that worked!", "Still not fixed, sorry.",
              "Here is the screenshot you asked for.", "Can someone call me back please?",
              "I tried again and got the same error.")
# Customers who write in another language: the same topics and follow-ups, in the same order
# (so the demo's random draws, and with them every case and time, are the same in any mix).
FOREIGN_WORDS: dict[str, tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]] = {
    "de": ((("Bestellung {order} doppelt abgebucht", "Mir wurde die Bestellung {order} doppelt "
             "abgebucht. Bitte erstatten Sie die zweite Zahlung.", "billing"),
            ("Anmeldung geht nicht", "Ich kann mich seit heute Morgen nicht anmelden, der Link "
             "zum Zurücksetzen kommt nie an.", "access"),
            ("Wo bleibt Bestellung {order}?", "Meine Bestellung {order} sollte letzte Woche "
             "kommen, die Sendungsverfolgung steht seit Tagen still.", "orders"),
            ("App stürzt beim Export ab", "Die App stürzt jedes Mal ab, wenn ich einen Bericht "
             "als PDF exportiere.", "technical"),
            ("Frage zum Team-Tarif", "Wir sind 12 Leute; enthält der Team-Tarif SSO und eine "
             "Rechnung, die wir überweisen können?", "presales"),
            ("DRINGEND: Dienst ausgefallen", "Unser ganzes Team bekommt seit 09:10 den Fehler "
             "503, das ist dringend.", "incident"),
            ("Rechnungsadresse ändern", "Bitte ändern Sie die Rechnungsadresse meines Kontos "
             "auf unser neues Büro.", "billing"),
            ("Erstattung für Bestellung {order}", "Der Artikel aus Bestellung {order} kam kaputt "
             "an. Ich möchte eine Erstattung oder Ersatz.", "orders")),
           ("Gibt es etwas Neues?", "Danke, das hat funktioniert!",
            "Immer noch nicht behoben, schon wieder.", "Hier ist der gewünschte Screenshot.",
            "Kann mich bitte jemand zurückrufen?",
            "Ich habe es noch einmal versucht, derselbe Fehler.")),
    "es": ((("Cobro doble del pedido {order}", "Me cobraron dos veces el pedido {order}. Por "
             "favor, devuelvan el pago duplicado.", "billing"),
            ("No puedo iniciar sesión", "No puedo iniciar sesión desde esta mañana; el enlace "
             "para restablecer nunca llega.", "access"),
            ("¿Dónde está mi pedido {order}?", "Mi pedido {order} debía llegar la semana pasada "
             "y el seguimiento no avanza desde hace días.", "orders"),
            ("La app se cierra al exportar", "La aplicación se cierra cada vez que exporto un "
             "informe a PDF.", "technical"),
            ("Pregunta sobre el plan de equipo", "Somos 12 personas; ¿el plan de equipo incluye "
             "SSO y una factura que podamos pagar por transferencia?", "presales"),
            ("URGENTE: el servicio no funciona", "Todo nuestro equipo recibe el error 503 desde "
             "las 09:10, es urgente.", "incident"),
            ("Cambiar mi dirección de facturación", "Por favor, cambien la dirección de "
             "facturación de mi cuenta a nuestra nueva oficina.", "billing"),
            ("Reembolso del pedido {order}", "El artículo del pedido {order} llegó roto. Quiero "
             "un reembolso o un reemplazo.", "orders")),
           ("¿Hay novedades?", "¡Gracias, ya funciona!", "Sigue sin resolverse, otra vez.",
            "Aquí está la captura que pidieron.", "¿Alguien me puede llamar, por favor?",
            "Lo intenté de nuevo y sale el mismo error.")),
    "fr": ((("Commande {order} débitée deux fois", "On m'a débité deux fois la commande "
             "{order}. Merci de rembourser le paiement en double.", "billing"),
            ("Impossible de me connecter", "Je n'arrive pas à me connecter depuis ce matin ; le "
             "lien de réinitialisation n'arrive jamais.", "access"),
            ("Où est ma commande {order} ?", "Ma commande {order} devait arriver la semaine "
             "dernière et le suivi ne bouge plus depuis des jours.", "orders"),
            ("L'application plante à l'export", "L'application plante chaque fois que "
             "j'exporte un rapport en PDF.", "technical"),
            ("Question sur l'offre équipe", "Nous sommes 12 ; l'offre équipe comprend-elle le "
             "SSO et une facture payable par virement ?", "presales"),
            ("URGENT : le service est en panne", "Toute notre équipe a l'erreur 503 depuis "
             "09:10, c'est urgent.", "incident"),
            ("Changer mon adresse de facturation", "Merci de changer l'adresse de facturation "
             "de mon compte pour notre nouveau bureau.", "billing"),
            ("Remboursement de la commande {order}", "L'article de la commande {order} est "
             "arrivé cassé. Je voudrais un remboursement ou un échange.", "orders")),
           ("Du nouveau ?", "Merci, ça marche !", "Toujours pas réglé, c'est la troisième fois.",
            "Voici la capture d'écran demandée.", "Quelqu'un peut-il me rappeler ?",
            "J'ai réessayé, même erreur.")),
    "pt": ((("Cobrança dupla do pedido {order}", "Fui cobrado duas vezes pelo pedido {order}. "
             "Por favor, devolvam o pagamento duplicado.", "billing"),
            ("Não consigo entrar", "Não consigo entrar desde esta manhã; o link de "
             "redefinição nunca chega.", "access"),
            ("Onde está o meu pedido {order}?", "O meu pedido {order} devia ter chegado na "
             "semana passada e o rastreamento não avança há dias.", "orders"),
            ("O aplicativo fecha ao exportar", "O aplicativo fecha sempre que exporto um "
             "relatório em PDF.", "technical"),
            ("Pergunta sobre o plano de equipe", "Somos 12 pessoas; o plano de equipe inclui SSO "
             "e uma fatura que possamos pagar por transferência?", "presales"),
            ("URGENTE: o serviço caiu", "A nossa equipe inteira recebe o erro 503 desde as "
             "09:10, é urgente.", "incident"),
            ("Alterar o endereço de cobrança", "Por favor, alterem o endereço de cobrança da "
             "minha conta para o nosso novo escritório.", "billing"),
            ("Reembolso do pedido {order}", "O produto do pedido {order} chegou quebrado. "
             "Quero um reembolso ou uma troca.", "orders")),
           ("Alguma novidade?", "Obrigado, funcionou!", "Ainda não resolvido, de novo.",
            "Aqui está a captura de tela que pediram.", "Alguém pode me ligar, por favor?",
            "Tentei de novo e deu o mesmo erro.")),
    "it": ((("Ordine {order} addebitato due volte", "Mi avete addebitato due volte l'ordine "
             "{order}. Per favore rimborsate il pagamento doppio.", "billing"),
            ("Non riesco ad accedere", "Non riesco ad accedere da stamattina; il link per "
             "reimpostare la password non arriva mai.", "access"),
            ("Dov'è il mio ordine {order}?", "Il mio ordine {order} doveva arrivare la settimana "
             "scorsa e il tracciamento è fermo da giorni.", "orders"),
            ("L'app si chiude durante l'esportazione", "L'app si chiude ogni volta che esporto "
             "un report in PDF.", "technical"),
            ("Domanda sul piano team", "Siamo in 12; il piano team include SSO e una fattura "
             "pagabile con bonifico?", "presales"),
            ("URGENTE: servizio non disponibile", "Tutto il nostro team riceve l'errore 503 "
             "dalle 09:10, è urgente.", "incident"),
            ("Cambiare l'indirizzo di fatturazione", "Per favore cambiate l'indirizzo di "
             "fatturazione del mio account con il nostro nuovo ufficio.", "billing"),
            ("Rimborso per l'ordine {order}", "L'articolo dell'ordine {order} è arrivato rotto. "
             "Vorrei un rimborso o una sostituzione.", "orders")),
           ("Ci sono novità?", "Grazie, ha funzionato!", "Ancora non risolto, di nuovo.",
            "Ecco lo screenshot che avete chiesto.", "Qualcuno può richiamarmi, per favore?",
            "Ho riprovato e c'è lo stesso errore.")),
}
# Which language the i-th customer writes in: 14 of 20 English, then German, Spanish,
# French, Portuguese and Italian (no random draw: the rest of the demo stays as it was).
LANGUAGE_SLOTS = ("en",) * 14 + ("de", "de", "es", "fr", "pt", "it")
REPLIES = ("Thanks for reaching out, {name}. I'm looking into it now.",
           "Hi {name}, we've refunded the duplicate charge; it shows in 3-5 days.",
           "Hi {name}, could you send a screenshot of the error?",
           "Sorry for the trouble, {name}. Our engineers are on it.")
# The team answers in the customer's language: the same replies, in the same order.
FOREIGN_REPLIES = {
    "de": ("Danke für Ihre Nachricht, {name}. Ich sehe mir das gleich an.",
           "Hallo {name}, wir haben die doppelte Abbuchung erstattet; sie erscheint in "
           "3-5 Tagen.",
           "Hallo {name}, können Sie uns einen Screenshot des Fehlers schicken?",
           "Entschuldigen Sie die Umstände, {name}. Unsere Technik ist dran."),
    "es": ("Gracias por escribirnos, {name}. Lo reviso ahora mismo.",
           "Hola {name}, hemos reembolsado el cargo duplicado; lo verá en 3-5 días.",
           "Hola {name}, ¿nos puede enviar una captura del error?",
           "Disculpe las molestias, {name}. Nuestros ingenieros ya están en ello."),
    "fr": ("Merci de nous avoir écrit, {name}. Je regarde cela tout de suite.",
           "Bonjour {name}, nous avons remboursé le double prélèvement ; il apparaîtra "
           "sous 3 à 5 jours.",
           "Bonjour {name}, pourriez-vous nous envoyer une capture de l'erreur ?",
           "Désolé pour ce souci, {name}. Nos ingénieurs s'en occupent."),
    "pt": ("Obrigado pelo contato, {name}. Vou verificar agora mesmo.",
           "Olá {name}, reembolsamos a cobrança duplicada; ela aparece em 3 a 5 dias.",
           "Olá {name}, pode nos enviar uma captura de tela do erro?",
           "Desculpe o transtorno, {name}. Nossos engenheiros já estão trabalhando nisso."),
    "it": ("Grazie per averci scritto, {name}. Ci guardo subito.",
           "Ciao {name}, abbiamo rimborsato l'addebito doppio; lo vedrà in 3-5 giorni.",
           "Ciao {name}, può inviarci uno screenshot dell'errore?",
           "Ci scusiamo per il disagio, {name}. I nostri tecnici ci stanno lavorando."),
}
# The satisfaction survey ([csat], on in the demo): asked on a share of the solves (each
# costs the build a message, a share of them an answer through the pipeline), answered by
# a share of the customers asked, minutes to hours later, as digits and emoji do in life.
SURVEYED = 0.5
ANSWERED = 0.35
SURVEY_ANSWERS = ((("5", "5/5", "⭐⭐⭐⭐⭐", "😍", "5!"), 46), (("4", "👍", "4/5"), 26),
                  (("3", "😐"), 11), (("2", "🙁"), 7), (("1", "😡", "1/5"), 10))
CHANNEL_MIX = (  # the channels a customer uses, and how common that mix is
    (("email",), 50), (("sms",), 8), (("whatsapp",), 8), (("chat",), 10),
    (("telegram",), 5), (("instagram",), 4), (("messenger",), 3),
    (("email", "whatsapp", "telegram"), 7), (("email", "sms", "chat"), 5))


@record
class DemoCustomer:
    name: str
    email: str
    phone: str
    handles: dict[str, str]
    channels: tuple[str, ...]
    tier: str
    last_email_id: str | None = None
    language: str = "en"


@dataclass(order=True)
class _Scheduled:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    case_id: int = field(compare=False)


@dataclass
class _Schedule:
    """The team's planned actions, soonest first, and the cases with a reply planned."""

    items: list[_Scheduled] = field(default_factory=list)
    awaiting: set[int] = field(default_factory=set)

    def push(self, item: _Scheduled) -> None:
        heapq.heappush(self.items, item)


def population(rng: random.Random, count: int, first: int = 0) -> list[DemoCustomer]:
    """`count` demo customers, numbered from `first` (their addresses carry the number)."""
    mixes, weights = zip(*CHANNEL_MIX, strict=True)
    people = []
    for i in range(first, first + count):
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
            channels=rng.choices(mixes, weights)[0], tier=tier,
            language=LANGUAGE_SLOTS[i % len(LANGUAGE_SLOTS)]))
    return people


def _identifiers(person: DemoCustomer, channel: str) -> list[Identifier]:
    """What each channel delivers from: verified, like the real channels' senders."""
    if channel == "email":
        return [Identifier("email", person.email, verified=True)]
    if channel in ("sms", "whatsapp"):
        return [Identifier("phone", person.phone, verified=True)]
    return [Identifier(channel, person.handles[channel], verified=True)]


def customer_event(rng: random.Random, person: DemoCustomer, channel: str, at: datetime,
           seq: int, follow_up: bool) -> InboundEvent:
    order = f"A{rng.randint(100000, 999999)}"
    topics, follow_ups = FOREIGN_WORDS.get(person.language, (TOPICS, FOLLOW_UPS))
    subject, text, _ = rng.choice(topics)
    subject, text = subject.format(order=order), text.format(order=order)
    if follow_up:
        text = rng.choice(follow_ups)
        subject = f"Re: {subject}"
    parents = [person.last_email_id] if follow_up and person.last_email_id else []
    event = _event(person, channel, at, str(seq), subject, text, parents)
    if channel == "email":
        person.last_email_id = event.message_id
    return event


def _event(person: DemoCustomer, channel: str, at: datetime, key: str, subject: str,
           text: str, parents: list[str]) -> InboundEvent:
    """A customer's message as its channel delivers it; `key` makes its id unique."""
    identifiers = _identifiers(person, channel)
    if channel == "email":
        message_id = f"demo-{key}@{person.email.split('@')[1]}"
        headers = [f"From: {person.name} <{person.email}>", "To: support@example.com",
                   f"Subject: {subject}", f"Date: {format_datetime(at)}",
                   f"Message-ID: <{message_id}>",
                   *([f"In-Reply-To: <{parents[0]}>"] if parents else []),
                   "Content-Type: text/plain; charset=utf-8"]
        # the body as the text is: `omnitui refile` reads from these bytes what was filed
        raw = ("\r\n".join(headers) + "\r\n\r\n" + text).encode()
        return InboundEvent("email", message_id, raw, at, identifiers,
                            sender_name=person.name, subject=subject, text=text,
                            message_id=message_id, in_reply_to=parents, source="demo")
    external_id = f"{channel}-{key}"
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
    settings = with_demo_team(settings)
    with store.write() as conn:  # commands on this store bring the demo's team
        store_info.put(conn, "demo", "1")
    until = end or utc_now()
    apply_agents(store, settings, until)
    keep_holidays(store, settings, until.date())
    live = copies == 1 and messages > 1 and customers > 1  # its last message arrives live
    base = messages // copies - live
    _build_base(store, settings, customers=customers // copies - live, messages=base,
                days=days, seed=seed, progress=report, end=until)
    # the waiting grew till the story's end, and escalates then
    rescore_due(store, Upkeep(settings, clock=lambda: until), until)
    replicate(store.conn, copies - 1, on_copy=lambda n: report(base * (n + 1)))
    if live:  # a benchmark's copies stay copies
        arrive_live(store, settings, until - timedelta(minutes=7))


def order_history(rng: random.Random, end: datetime, count: int = 3) -> str:
    """A customer's last orders, newest first, as the shop would push them: "A482113
    2026-11-20 €49.00 · ..."."""
    days = sorted(rng.sample(range(1, 120), count))
    return " · ".join(f"A{rng.randint(100000, 999999)} {(end - timedelta(days=d)).date()} "
                      f"€{rng.choice((19, 29, 49, 99, 149))}.00" for d in days)


def arrive_live(store: Store, settings: Settings, at: datetime) -> None:
    """The seeds' example, arriving through the live pipeline as the daemon would file it:
    an Instagram comment says the customer was charged twice for an order. The billing
    intent routes it, the automatic "Double charge" playbook drafts its apology (a private
    answer, with a public acknowledgement when sent), and the customer pane shows their
    order history."""
    handle = "maya.schneider.shop"
    orders = order_history(random.Random(handle), at)
    order = orders.split()[0]
    instagram = Identifier("instagram", handle, verified=True)
    key = normalize(instagram, settings.identity.default_phone_region)
    assert key is not None
    with store.write() as conn:
        create_customer(conn, NewCustomer(
            name="Maya Schneider", tier="premium",
            attributes={"plan": "business", "renewal": (at + timedelta(days=40)).date()
                        .isoformat(), "orders": orders},
            identities=(NewIdentity(*key, handle, "demo population"),)), db_time(at))
    text = f"@shop I was charged twice for order {order}!! Who do I talk to about this?"
    comment = f"demo-comment-{order}"
    raw = json.dumps({"id": comment, "from": handle, "text": text, "ts": at.timestamp()})
    intake_pipeline(store, settings, clock=lambda: at, live=True).ingest(InboundEvent(
        "instagram", f"comment:{comment}", raw.encode(), at,
        [instagram], sender_name="Maya Schneider",
        subject="Comment on a post", text=text, source="demo", reply_route={
            "hook": "meta", "platform": "instagram", "comment_id": comment,
            "recipient": handle, "public": True}))


def _build_base(store: Store, settings: Settings, *, customers: int, messages: int,
                days: int, seed: int, progress: Callable[[int], None], end: datetime,
                batch: int = 2000) -> None:
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    people = population(rng, customers)
    region = settings.identity.default_phone_region
    by_id: dict[int, DemoCustomer] = {}  # the demo's people, by their customer id
    with store.write() as conn:
        for person in people:
            keys = [normalize(i, region) for channel in person.channels
                    for i in _identifiers(person, channel)]
            by_id[create_customer(conn, NewCustomer(
                name=person.name, tier=person.tier,
                attributes={"plan": rng.choice(("starter", "team", "business")),
                            "renewal": (end + timedelta(days=rng.randint(5, 300)))
                            .date().isoformat(),
                            "orders": order_history(random.Random(f"{seed}:{person.email}"),
                                                    end)},
                identities=tuple(NewIdentity(k[0], k[1], k[1], "demo population")
                                 for k in dict.fromkeys(keys) if k)), db_time(start))] = person
    hours = calendar_of(settings.business_hours)
    story = [start]  # the story's now, as the pipeline receives each message
    upkeep = Upkeep(settings, clock=lambda: story[0])
    pipeline = intake_pipeline(store, settings, clock=lambda: story[0], upkeep=upkeep)
    schedule = _Schedule()

    def answer(conn: sqlite3.Connection, item: _Scheduled) -> None:
        """The customer's answer to a survey, through the pipeline (ingest/surveys.py files
        it), while their case is still solved (one who wrote again meanwhile does not)."""
        case = get_case(conn, item.case_id)
        if case is not None and case["status"] in FINISHED_STATUSES:
            story[0] = item.at
            pipeline.ingest_in(conn, _survey_answer(by_id[case["customer_id"]], case,
                                                    item), [])
    # The customers' words are drawn apart from the team's story, so that other processes
    # read them (language, tone, intent) ahead of the pipeline, as an import's do.
    letters = _letters(random.Random(f"{seed}:words"),
                       _arrivals(rng, people, messages, start, end))
    work = partial(_read, triage=settings.triage, intents=settings.intents,
                   semantic=settings.semantic)
    done = 0
    workers = default_workers() if messages >= HELPED_FROM else 0
    with parser_helpers(workers, settings) as helpers:
        read = helpers.read_ahead(work, letters)
        while done < messages:
            with store.write() as conn, upkeep.batched(conn):
                for (seq, at, _), event in read:
                    _run_due(conn, rng, schedule, at, upkeep, hours, settings, answer)
                    _team_at_work(conn, at, hours)
                    story[0] = at
                    result = pipeline.ingest_in(conn, event, [])
                    if result.case_id is not None:
                        _plan_reply(rng, schedule, result.case_id, at, seq, end, hours)
                    done += 1
                    if done % batch == 0:
                        break
            progress(done)
    with store.write() as conn:  # what the team sent went out as it was queued (the live
        while queued := outbox.due(conn, db_time(end), limit=1000):  # demo's sink sends it)
            for row in queued:
                outbox.mark_sent(conn, row["id"], at=row["created_at"])


Letter = tuple[int, datetime, InboundEvent]  # a customer's message: its number, when, what


def _letters(words: random.Random, arrivals: Iterator[tuple[datetime, DemoCustomer, bool]]
             ) -> Iterator[Letter]:
    for seq, (at, person, follow_up) in enumerate(arrivals, start=1):
        yield seq, at, customer_event(words, person, words.choice(person.channels), at, seq,
                                      follow_up)


def _read(letters: list[Letter], *, triage: TriageSettings, intents: list[Intent],
          semantic: SemanticSettings) -> list[InboundEvent]:
    """The classify stage's reading of the letters, in a helper process."""
    rules = intent_classifier(intents, semantic)
    return [classify(event, triage, rules) for _, _, event in letters]


def _team_at_work(conn: sqlite3.Connection, at: datetime, hours: Calendar) -> None:
    """The demo team's consoles run in business hours: routing gives them new cases then;
    at night and at weekends cases wait, and the next shift takes them by hand."""
    if hours.is_open(at):
        for agent in DEMO_AGENTS:
            mark_seen(conn, agent.name, db_time(at))


def _plan_reply(rng: random.Random, schedule: _Schedule, case_id: int, at: datetime,
                seq: int, end: datetime, hours: Calendar) -> None:
    """When the team will answer a customer's message (a new case, a reopened one, or a
    follow-up): most within a few business hours, some a day or two late; one reply covers
    every message that came before it."""
    if case_id in schedule.awaiting:
        return
    late = rng.random() >= 0.92
    delay = rng.uniform(1, 2) * BUSINESS_DAY if late else rng.expovariate(1 / 180) * 60
    when = hours.add(at, delay)
    if when < end:
        schedule.push(_Scheduled(when, seq, "reply", case_id))
        schedule.awaiting.add(case_id)


def _run_due(conn: sqlite3.Connection, rng: random.Random, schedule: _Schedule,
             until: datetime, upkeep: Upkeep, hours: Calendar, settings: Settings,
             answer: Callable[[sqlite3.Connection, _Scheduled], None]) -> None:
    """Carry out the team's planned actions (and the customers' answers to surveys) that
    fall before the next arrival, and move the case's SLA clocks, as the Desk does for a
    live agent."""
    while schedule.items and schedule.items[0].at <= until:
        item = heapq.heappop(schedule.items)
        if item.kind == "answer":
            answer(conn, item)
            continue
        with one_action(conn):  # each one undone alone, as an agent's own would be
            _act(conn, rng, schedule, item, hours, settings)
        upkeep.refresh(conn, item.case_id, item.at)


def _act(conn: sqlite3.Connection, rng: random.Random, schedule: _Schedule,
         item: _Scheduled, hours: Calendar, settings: Settings) -> None:
    """One planned action of the team. After a reply the case is solved (some asked how it
    went), waits on the customer (and is solved after three quiet business days) or on
    engineering (and comes back to the agent a day or two later); a case whose customer
    wrote again is answered first, and a case solved meanwhile is left alone."""
    if item.kind == "reply":
        schedule.awaiting.discard(item.case_id)
    case = get_case(conn, item.case_id)
    if case is None or case["status"] in FINISHED_STATUSES:
        return
    agent = case["owner"] or rng.choice(skilled_for(case["queue"]))
    if item.kind == "reply":
        if case["owner"] is None:
            actions.assign(conn, item.case_id, agent, actor=agent, at=item.at)
        name = customer_name(conn, case["customer_id"]).split(" ")[0]
        actions.reply(conn, item.case_id, author=agent,
                      text=FOREIGN_REPLIES.get(case["language"], REPLIES)[
                          rng.randrange(len(REPLIES))].format(name=name), at=item.at)
        # the minutes the agent had the case open to write it (its own random: the story's
        # sequence stays the same)
        spent = timedelta(minutes=random.Random(item.seq).uniform(2, 15))
        record_interval(conn, agent, item.case_id, "writing", db_time(item.at - spent),
                        db_time(item.at))
        next_kind = rng.choices(("solve", "pending", "hold"), (76, 17, 7))[0]
        later = hours.add(item.at, rng.expovariate(1 / 8) * 3600)
        schedule.push(_Scheduled(later, item.seq, next_kind, item.case_id))
    elif item.case_id in schedule.awaiting:
        return  # the customer wrote again: the coming reply decides what is next
    elif item.kind == "solve" or (item.kind == "quiet" and case["status"] == Status.PENDING):
        actions.set_status(conn, item.case_id, Status.SOLVED, actor=agent, at=item.at)
        _survey(conn, settings, schedule, item, agent)
    elif item.kind == "pending":
        actions.set_status(conn, item.case_id, Status.PENDING, actor=agent, at=item.at,
                           pause_reason="waiting on customer")
        schedule.push(_Scheduled(hours.add(item.at, 3 * BUSINESS_DAY), item.seq, "quiet",
                                 item.case_id))
    elif item.kind == "hold":
        actions.set_status(conn, item.case_id, Status.ON_HOLD, actor=agent, at=item.at,
                           pause_reason="waiting on engineering")
        schedule.push(_Scheduled(hours.add(item.at, rng.uniform(0.5, 2) * BUSINESS_DAY),
                                 item.seq, "back", item.case_id))
    elif item.kind == "back" and case["status"] == Status.ON_HOLD:
        actions.set_status(conn, item.case_id, Status.OPEN, actor=agent, at=item.at)
        schedule.push(_Scheduled(item.at, item.seq, "reply", item.case_id))
        schedule.awaiting.add(item.case_id)


def _survey(conn: sqlite3.Connection, settings: Settings, schedule: _Schedule,
            item: _Scheduled, agent: str) -> None:
    """The satisfaction survey a solve sends (services/csat.py, as the Desk's solve does),
    on a share of the solved cases, and the answer of a share of the customers asked."""
    draws = random.Random(f"{item.seq}:survey")  # its own random: the story stays the same
    if draws.random() >= SURVEYED or surveys.asked(conn, item.case_id):
        return  # (one survey a case: a second answer would reopen it)
    ask_after_solve(conn, settings, item.case_id, agent, item.at)
    if surveys.asked(conn, item.case_id) and draws.random() < ANSWERED:
        later = item.at + timedelta(minutes=5 + draws.expovariate(1 / 120))
        schedule.push(_Scheduled(later, item.seq, "answer", item.case_id))


def _survey_answer(person: DemoCustomer, case: sqlite3.Row, item: _Scheduled
                   ) -> InboundEvent:
    """A customer's score for their solved case, on its channel."""
    draws = random.Random(f"{item.seq}:answer")
    answers, weights = zip(*SURVEY_ANSWERS, strict=True)
    text = draws.choice(draws.choices(answers, weights)[0])
    subject = f"Re: {case['subject']}" if case["channel"] == "email" else ""
    return _event(person, case["channel"], item.at, f"survey-{item.case_id}", subject, text,
                  [])
