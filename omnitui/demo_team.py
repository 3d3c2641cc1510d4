"""The demo's team, used wherever the config names none of its own (the demo store's build,
and any command on the demo store): intents that route to queues, queues with skills, and
agents with skills, languages, capacities and a supervisor. Kept apart from demo.py, which
builds the store, so a command on the demo store loads only these tables."""

from __future__ import annotations

from dataclasses import replace

from omnitui.config import (
    AgentSettings,
    BusinessHoursSettings,
    CsatSettings,
    Escalation,
    Intent,
    Macro,
    MacroWhen,
    Product,
    QueueSettings,
    Settings,
)

# What the demo's customers want, told as a team's [[intents]] would tell them, and the
# queue each goes to.
DEMO_INTENTS = (  # the first that matches wins: the specific ones first
    Intent("presales", queue="pre-sales", keywords=[
        "team plan", "pricing", "Team-Tarif", "plan de equipo", "offre équipe",
        "plano de equipe", "piano team"]),
    Intent("billing", queue="billing", keywords=[
        "charged twice", "billing address", "invoice", "refund the", "doppelt abgebucht",
        "Rechnungsadresse", "dos veces", "dirección de facturación", "deux fois",
        "adresse de facturation", "duas vezes", "endereço de cobrança", "due volte",
        "indirizzo di fatturazione"]),
    Intent("access", queue="account-access", keywords=[
        "log in", "reset link", "password", "anmelden", "iniciar sesión", "me connecter",
        "consigo entrar", "accedere"]),
    Intent("orders", queue="orders", keywords=["tracking", "arrived broken", "was due"],
           patterns=[r"\bA\d{6}\b"]),
    Intent("incident", queue="incidents", severity=3,
           keywords=["service is down", "error 503", "outage"], patterns=[r"\b503\b"]),
    Intent("technical", queue="technical", keywords=[
        "crashes", "error", "stürzt", "se cierra", "plante", "fecha", "si chiude", "Fehler"]),
)

DEMO_QUEUES = (
    QueueSettings("billing", skills=["billing"], assign="push", fallback="general"),
    QueueSettings("orders", skills=["orders"], assign="push", fallback="general"),
    QueueSettings("technical", skills=["tech"], assign="push", fallback="general"),
    QueueSettings("account-access", skills=["access"], assign="push", fallback="general"),
    QueueSettings("incidents", skills=["tech"], assign="push", escalation=Escalation(
        raise_priority=30)),
    QueueSettings("pre-sales", skills=["sales"]),
    QueueSettings("general"),
)
DEMO_AGENTS = (  # capacities to match the demo's backlog: a month of a busy team; languages
    # to match its customers' (LANGUAGE_SLOTS): a German customer's case goes to alice or dave
    AgentSettings("alice", skills=["billing", "orders"], languages=["en", "de"],
                  capacity={"chat": 30, "email": 150}),
    AgentSettings("bob", skills=["tech"], languages=["en"],
                  capacity={"chat": 25, "email": 120}),
    AgentSettings("carol", skills=["access", "billing"], languages=["en", "es", "fr"],
                  capacity={"chat": 30, "email": 150}),
    AgentSettings("dave", skills=["tech", "access"], languages=["en", "de"],
                  capacity={"chat": 25, "email": 120}),
    AgentSettings("erin", skills=["billing", "orders", "sales"], languages=["en", "pt", "it"],
                  capacity={"chat": 30, "email": 150}),
    AgentSettings("farid", skills=["billing", "orders", "tech", "access", "sales"],
                  capacity={"chat": 10, "email": 50}, role="supervisor"),
)

# A team in Berlin: weekdays 08:00-20:00 and Saturday mornings, closed on German public
# holidays. SLA clocks and waiting points count these hours only.
DEMO_HOURS = BusinessHoursSettings(
    time_zone="Europe/Berlin", country="DE",
    hours={**{day: ["08:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
           "sat": ["09:00-13:00"]})


# What `omnitui event outage --product NAME` can name on the demo store.
DEMO_PRODUCTS = (
    Product("payments", keywords=[
        "charged twice", "payment", "refund", "invoice", "doppelt abgebucht", "dos veces",
        "deux fois", "duas vezes", "due volte"]),
    Product("service", keywords=["503", "service is down", "outage"]),
)


# A playbook: on live intake it drafts its apology on the cases it fits (privately, with a
# public acknowledgement, on a public post); suggested where it has not run, first in the
# picker (m).
DEMO_MACROS = (
    Macro("Double charge", tags=["refund"], queue="billing", reply=(
        "Hi {customer_first_name}, I'm sorry you were charged twice. I have refunded the "
        "duplicate payment; it shows on your statement in 3-5 days."),
        when=MacroWhen(text=r"(?i)charged (me )?twice|double charge|doppelt abgebucht|"
                            r"dos veces|deux fois|duas vezes|due volte"),
        run="auto", private=True),
)


# The live demo's acknowledgements in its customers' other languages (LANGUAGE_SLOTS): the
# expected wait in theirs too ("Wir antworten in der Regel innerhalb von etwa ...").
DEMO_ACKNOWLEDGEMENTS = {
    "de": "Hallo {customer_first_name}, danke für Ihre Nachricht (Fall #{case_id}). "
          "{expected_wait}",
    "es": "Hola {customer_first_name}, gracias por su mensaje (caso #{case_id}). "
          "{expected_wait}",
    "fr": "Bonjour {customer_first_name}, merci pour votre message (dossier #{case_id}). "
          "{expected_wait}",
    "pt": "Olá {customer_first_name}, obrigado pela sua mensagem (caso #{case_id}). "
          "{expected_wait}",
    "it": "Buongiorno {customer_first_name}, grazie per il suo messaggio (caso #{case_id}). "
          "{expected_wait}",
}


def with_demo_team(settings: Settings) -> Settings:
    """`settings` with the demo's intents, queues, agents, business hours, products and
    macros where it has none, and its satisfaction survey where [csat] is as it comes."""
    return replace(settings, intents=settings.intents or list(DEMO_INTENTS),
                   queues=settings.queues or list(DEMO_QUEUES),
                   agents=settings.agents or list(DEMO_AGENTS),
                   business_hours=settings.business_hours if settings.business_hours.time_zone
                   else DEMO_HOURS, products=settings.products or list(DEMO_PRODUCTS),
                   macros=settings.macros or list(DEMO_MACROS),
                   csat=replace(settings.csat, enabled=True)
                   if settings.csat == CsatSettings() else settings.csat)


def skilled_for(queue: str) -> list[str]:
    """The demo agents who may work `queue` (everyone, for a queue that needs no skill)."""
    needed = set(next((q.skills for q in DEMO_QUEUES if q.name == queue), []))
    return [a.name for a in DEMO_AGENTS if needed <= set(a.skills)]
