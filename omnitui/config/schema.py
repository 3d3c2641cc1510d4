"""The settings as typed dataclasses: every key, its type and its default.

The TOML file is bound onto these by load.py, field by field, so a field here is a key
there (config.example.toml documents each). Every field has a default, except the names
that entries of [[views]], [[macros]], [[mailboxes]] and [[channels]] need, so no config
file is needed at all.
"""

from __future__ import annotations

from dataclasses import field
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from omnitui.choices import SORTS
from omnitui.closest import closest
from omnitui.model import SYNCHRONOUS_CHANNELS, Channel
from omnitui.records import record


@record
class StoreSettings:
    path: str = ""  # empty: the platform data directory
    attachments_dir: str = ""  # empty: "attachments" next to the store
    # The Litestream config that replicates the store (docs/deployment.md): `omnitui doctor`
    # reports how far the replica is behind. Empty: no replication.
    litestream_config: str = ""


@record
class ConsoleSettings:
    agent: str = ""  # empty: the login name
    # The command ctrl+e writes a reply in. Empty: $VISUAL, then $EDITOR, then vi; over SSH
    # (a console an agent's key opens) only this one, so a shell escape is not a way out.
    editor: str = ""
    # Where attachments are saved. Empty: any folder the agent types; over SSH only this
    # folder and those under it (empty there: saving is off).
    downloads: str = ""


FORM_SENDERS = ("wordpress@*", "mailer@shopify.com", "form-submission@squarespace.info")


@record
class IdentitySettings:
    default_phone_region: str = "US"  # for phone numbers written without a country code
    suggest_on_same_name: bool = True
    suggest_on_order_number: bool = True
    # Senders of mail written by someone else, whose address is in its Reply-To (web forms,
    # shops); no-reply addresses always count (channels/email/parse.py `_relayed_for`).
    form_senders: list[str] = field(default_factory=lambda: list(FORM_SENDERS))


@record
class ThreadingSettings:
    one_case_per_customer: bool = True
    reopen_window_days: int = 7
    thanks_ask_nothing: bool = True  # a reply that only thanks us: no reopen, no clock


def default_channel_classes() -> dict[str, list[str]]:
    """Live channels, where the customer waits on the line, and the rest."""
    return {"chat": sorted(c.value for c in SYNCHRONOUS_CHANNELS),
            "email": sorted(c.value for c in Channel if c not in SYNCHRONOUS_CHANNELS)}


@record
class RoutingSettings:
    default_queue: str = "general"
    channel_queues: dict[str, str] = field(default_factory=dict)
    # Channel classes for agents' capacities (and SLA targets): a channel listed nowhere is
    # in the last class.
    channel_classes: dict[str, list[str]] = field(default_factory=default_channel_classes)
    present_seconds: int = 30  # a console not heard from for longer: its agent is gone
    hand_back_minutes: int = 30  # away or gone longer: untouched cases go back to routing
    escalate_after_reassignments: int = 2  # reassigned more often: the queue's escalation
    # A case in a language some of its queue's agents speak ([[agents]] languages): "prefer"
    # gives it to one of them if one is free, else as if it had none; "require" lets it
    # wait for one of them (triage/assignment.py)
    language: str = "prefer"  # one of ROUTING_LANGUAGE

    def channel_class(self, channel: str) -> str:
        """The class a channel is in: the one that lists it, else the last."""
        return next((name for name, channels in self.channel_classes.items()
                     if channel in channels), list(self.channel_classes)[-1])

    def not_a_class(self, name: str) -> str:
        """Why `name` names no channel class, and what to write instead: a channel's kind
        ("whatsapp", where "chat" was meant) its class, a typo the closest class."""
        classes = f"classes: {', '.join(self.channel_classes)}"
        if name in {channel.value for channel in Channel} or any(
                name in channels for channels in self.channel_classes.values()):
            return (f"{name!r} is a channel, not a channel class: write its class, "
                    f"{self.channel_class(name)!r} ({classes})")
        close = closest(name, self.channel_classes)
        return (f"{name!r} is not a channel class ("
                + (f"did you mean {close!r}? " if close else "") + f"{classes})")

    def channels_in(self, classes: set[str]) -> list[str] | None:
        """The channels of these classes; None: any channel (the last class, which holds
        every channel listed nowhere, is among them)."""
        if list(self.channel_classes)[-1] in classes:
            return None
        return [channel for name in classes for channel in self.channel_classes[name]]


QUEUE_ASSIGN = ("pull", "push")
ROUTING_LANGUAGE = ("prefer", "require")
AGENT_ROLES = ("agent", "supervisor")


@record
class Escalation:
    """What a queue does to a case that escalates (reassigned too often; later: an SLA at
    risk or breached, a priority over the threshold), once per reason, audited."""

    raise_priority: float = 20.0
    move_to: str = ""  # "": stay in the queue
    notify: bool = True  # a toast in the consoles of the queue's agents and of supervisors


@record
class QueueSettings:
    """A queue: who may work it (`skills`), and whether routing gives its cases to agents
    (push) or agents take them (pull)."""

    name: str
    skills: list[str] = field(default_factory=list)
    assign: str = "pull"  # one of QUEUE_ASSIGN
    fallback: str = ""  # where new and waiting cases go when nobody is free for long
    sla_policy: str = ""  # a [[sla_policies]] name; "": the first policy
    saturated_minutes: int = 15  # how long nobody free counts as saturated
    escalation: Escalation = field(default_factory=Escalation)
    # Prepared for the cases routing sends here from a saturated queue: a [[macros]] name
    # whose reply is drafted for an agent, and a knowledge-base article (its path under
    # [kb] path) suggested first on its cases.
    macro: str = ""
    article: str = ""


@record
class AgentSettings:
    """An agent, applied to the store's agents table when the daemon or a console starts."""

    name: str
    display_name: str = ""
    email: str = ""
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes they answer in
    capacity: dict[str, int] = field(default_factory=dict)  # open cases per channel class
    role: str = "agent"  # one of AGENT_ROLES
    # Their shift, as [business_hours].hours are written (mon..sun: spans); empty: any time.
    # Outside it routing gives them nothing. In their time_zone, else the business hours'.
    hours: dict[str, list[str]] = field(default_factory=dict)
    time_zone: str = ""


@record
class SlaSettings:
    """The short form of one policy, "default", read when there are no [[sla_policies]]:
    targets in minutes; synchronous channels (chat, phone, messengers) get the short ones."""

    first_response_sync: int = 10
    first_response_async: int = 480
    resolution_sync: int = 240
    resolution_async: int = 2880
    vip_factor: float = 0.5  # VIP targets are this fraction of the normal ones


def office_week() -> dict[str, list[str]]:
    return {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


@record
class BusinessHoursSettings:
    """When the team is open: SLA targets and waiting points count only these hours. No
    time zone: no business hours, every clock counts 24x7."""

    time_zone: str = ""  # an IANA zone such as "Europe/Berlin"
    hours: dict[str, list[str]] = field(default_factory=office_week)  # mon..sun: spans
    holidays: list[str] = field(default_factory=list)  # closed dates, "2026-12-24"
    country: str = ""  # its public holidays are closed too (ISO code: "DE", "US")
    subdivision: str = ""  # the state or province for them ("BY", "CA")


Minutes = Annotated[float, "minutes"]  # an SLA target: its unit is named in the error for
# a value that is not a number ("2 hrs")


@record
class SlaPolicy:
    """Targets in minutes per channel class ([routing.channel_classes]); a class or a target
    left out has none. A queue names its policy; the first one is everyone else's."""

    name: str
    business_hours: bool = True  # count only [business_hours] (24x7 when none are set)
    first_response: dict[str, Minutes] = field(default_factory=dict)
    meaningful_response: dict[str, Minutes] = field(default_factory=dict)
    next_response: dict[str, Minutes] = field(default_factory=dict)
    resolution: dict[str, Minutes] = field(default_factory=dict)
    tier_factors: dict[str, float] = field(default_factory=lambda: {"vip": 0.5})
    at_risk: float = 0.25  # at risk once this share of a target is left


IRRITATION_PHRASES = (
    # a problem that comes back, and what customers call it
    # ("second time" and "still not" alone flagged "the second time slot" and "I am still
    # not sure": bench/data/irritation-lookalikes.tsv)
    "third time", "for the second time", "second time i have to", "second time i'm",
    "second time i am", "second time i've", "second time i write", "second time this",
    "second time you've", "second time you have", "still not working", "still not fixed",
    "still not resolved", "still not solved", "still not received", "still not arrived",
    "still haven't received", "still haven't heard", "still haven't got",
    "still hasn't arrived", "still hasn't been", "still have not received",
    "still has not arrived", "still no answer", "still no reply", "still broken",
    "still waiting for an answer", "still waiting for a reply", "still waiting for my",
    "unacceptable",
    "ridiculous", "fed up", "waste of time", "zum dritten mal", "zum zweiten mal",
    "schon wieder", "inakzeptabel", "unverschämt", "tercera vez", "segunda vez que",
    "inaceptable", "ridículo", "troisième fois", "deuxième fois que", "inacceptable",
    "ridicule", "terceira vez", "inaceitável", "terza volta", "seconda volta che",
    "inaccettabile", "ridicolo",
    # anger and frustration said in words: the tone model reads a problem described ("the
    # item arrived broken") as negative as an angry customer, and knows English only
    "furious", "angry", "annoyed", "frustrated", "frustrating", "disappointed",
    "disappointing", "unhappy", "outrageous", "shameful", "disgraceful", "pathetic",
    "useless", "worst", "terrible", "awful", "horrible", "garbage", "rubbish", "a joke",
    "unbelievable", "nobody answers", "nobody replies", "nobody cares", "no one answers",
    "no one replies", "never again", "sick of", "had enough", "done with you",
    "thanks for nothing", "speak to a manager", "waste of money",
    "verärgert", "wütend", "enttäuscht", "frustriert", "frechheit", "katastrophe",
    "nase voll", "skandal", "unfassbar", "niemand antwortet", "antwortet niemand",
    "nie wieder", "harto", "harta", "furioso", "furiosa", "enfadado", "enfadada",
    "decepcionado", "decepcionada", "vergüenza", "indignante", "nadie responde",
    "nadie contesta", "nunca más", "pésimo", "una estafa", "marre", "furieux", "furieuse",
    "en colère", "déçu", "déçue", "inadmissible", "honteux", "scandaleux",
    "personne ne répond", "plus jamais", "lamentable", "farto", "farta", "irritado",
    "irritada", "vergonha", "absurdo", "ninguém responde", "nunca mais", "péssimo", "stufo",
    "stufa", "arrabbiato", "arrabbiata", "deluso", "delusa", "vergogna", "assurdo",
    "nessuno risponde", "mai più", "pessimo", "una truffa",
    # more of the same, after a held-out set (bench/data/irritation-heldout.tsv) missed
    # anger the list did not name ("upset", "rip-off", "mal servicio", "déplorable")
    "upset", "livid", "fuming", "outraged", "disgusted", "disgusting", "disgrace", "scam",
    "rip-off", "ripped off", "incompetent", "incompetence", "unprofessional", "appalling",
    "dreadful", "absurd", "sick and tired", "tired of", "losing my patience",
    "lost my patience", "being ignored", "ignoring me", "beyond frustrated",
    "canned answer", "template answer", "are you even", "how hard can it be",
    "stinksauer", "echt sauer", "richtig sauer", "bin sauer", "zumutung", "genervt",
    "ärgerlich", "abzocke", "inkompetent", "lächerlich", "es reicht", "reicht mir",
    "schlechter service", "schlechter kundendienst", "mal servicio", "malísimo",
    "molesto", "molesta", "cansado de", "cansada de", "qué desastre", "un desastre",
    "vergonzoso", "estafa", "indignado", "indignada", "incompetentes", "déplorable",
    "énervé", "énervée", "agacé", "agacée", "ras le bol", "exaspéré", "exaspérée",
    "une honte", "arnaque", "incompétent", "incompétents", "catastrophique",
    "service nul", "c'est nul", "est nul", "revoltado", "revoltada", "horroroso",
    "horrível", "descaso", "palhaçada", "chateado", "chateada", "mau atendimento",
    "péssimo atendimento", "che schifo", "schifo", "vergognoso", "ora basta", "basta così",
    "sono stanco", "sono stanca", "indignato", "indignata", "scandaloso", "incompetenti",
    "truffa", "un disastro", "dritte mal", "dritten mal", "unzufrieden", "wie oft muss ich",
    "mécontent", "mécontente", "combien de fois dois-je", "insatisfecho", "insatisfecha",
    "cuántas veces tengo que", "insatisfeito", "insatisfeita", "quantas vezes tenho que",
    "insoddisfatto", "insoddisfatta", "quante volte devo",
    # nobody answers *me*: the pronoun stands inside the phrase in these languages
    "nadie me responde", "nadie me contesta", "personne ne me répond", "ninguém me responde",
    "nessuno mi risponde")
# The tone at or below which an English message is irritated: the model reads a problem
# described as negative as anger (bench/irritation_bench.py), so only strong tone counts.
IRRITATED_BELOW = -0.8
URGENT_PHRASES = (
    "urgent", "asap", "emergency", "immediately", "outage", "is down", "not working",
    "charged twice", "dringend", "sofort", "notfall", "ausfall", "funktioniert nicht",
    "doppelt abgebucht", "urgente", "emergencia", "inmediatamente", "no funciona",
    "cobrado dos veces", "urgence", "immédiatement", "en panne", "ne fonctionne pas",
    "ne marche pas", "débité deux fois", "emergência", "imediatamente", "não funciona",
    "fora do ar", "cobrado duas vezes", "emergenza", "immediatamente", "non funziona",
    "addebitato due volte")
# Words the tone model (VADER, built on social media) scores as chat slang, which in support
# mail are names of things: read as neutral. "Please put the PO number on the invoice" read
# as an angry customer ("po": "pissed off", -2.6, stronger in capitals).
NEUTRAL_WORDS = (
    "po",  # a purchase order
    "gl",  # the general ledger ("good luck")
    "bl",  # a bill of lading
    "tx",  # a transaction ("thanks")
    "aml",  # anti-money laundering ("all my love", +3.4)
    "vip",  # the customer tier
    "lts",  # a long-term support release
    "xp",  # Windows XP
    "qt",  # the Qt toolkit ("cutie")
    "nfc",  # near-field communication ("no further comment", -2.7)
    "wd",  # Western Digital ("well done")
    "dx",  # a diagnosis, developer experience
    "kia",  # the car maker ("killed in action", -3.2)
    "mia",  # a first name ("missing in action")
)


@record
class Intent:
    """What a customer wants, told by keywords and patterns in any language (the first entry
    that matches wins); `queue`, if set, is where its new cases go."""

    name: str
    queue: str = ""
    keywords: list[str] = field(default_factory=list)  # whole words or phrases, any case
    patterns: list[str] = field(default_factory=list)  # regular expressions, any case
    examples: list[str] = field(default_factory=list)  # phrases for a learned classifier
    severity: int = 0  # its cases are at least this severe (an outage: 3)


@record
class TriageSettings:
    """What the classify stage reads in a customer's words (omnitui/triage/)."""

    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes; empty: any of 117
    min_language_confidence: float = 0.5  # below it, the language is "und"
    irritated_below: float = IRRITATED_BELOW  # this sentiment or less is irritated (English)
    irritation_phrases: list[str] = field(default_factory=lambda: list(IRRITATION_PHRASES))
    urgent_phrases: list[str] = field(default_factory=lambda: list(URGENT_PHRASES))
    neutral_words: list[str] = field(default_factory=lambda: list(NEUTRAL_WORDS))
    escalate_irritated: bool = False  # an irritated customer escalates the case, once


@record
class PrioritySettings:
    tier_weights: dict[str, float] = field(
        default_factory=lambda: {"standard": 0.0, "premium": 10.0, "vip": 30.0})
    severity_weight: float = 10.0
    urgent_weight: float = 15.0
    sync_channel_weight: float = 10.0
    negative_sentiment_weight: float = 10.0
    irritated_weight: float = 10.0
    waiting_points_per_hour: float = 2.0  # per business hour the customer waits for us
    waiting_points_max: float = 30.0
    escalate_at: float = 0.0  # a score this high escalates along the queue's path, once
    revenue_attribute: str = ""  # a customer attribute such as "mrr" ("": none)
    revenue_steps: list[list[float]] = field(default_factory=list)  # [[at least, points]]
    renewal_attribute: str = ""  # a customer attribute holding a date such as "renewal"
    renewal_within_days: int = 30
    renewal_weight: float = 10.0


VIEW_SORTS = tuple(SORTS)  # a saved view's order
MACRO_STATUSES = ("", "open", "pending", "on_hold", "solved")  # "": leave the status alone


@record
class SavedView:
    """A named queue view: a quick filter as typed in the console, and a sort."""

    name: str
    filter: str = ""  # the console's quick-filter language: status:open tag:vip words...
    sort: str = "priority"  # one of VIEW_SORTS


@record
class MacroWhen:
    """The cases a macro is for (services/fitting.py): every condition given must hold;
    lists match any of their values; empty means any."""

    channel: list[str] = field(default_factory=list)  # channel kinds or channel classes
    queue: list[str] = field(default_factory=list)
    intent: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    text: str = ""  # a regex over the customer's latest message (subject and text)
    tier: list[str] = field(default_factory=list)
    sentiment_below: float | None = None  # the latest message's tone under this
    irritated: bool | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # customer attributes, as text
    status: list[str] = field(default_factory=list)
    older_than: str = ""  # the case opened at least this long ago ("2h")
    event: str = ""  # the customer had a business event of this kind within event_within
    no_event: str = ""  # ... and none of this kind ("no password reset in 24 h")
    event_within: str = "24h"


MACRO_RUNS = ("", "suggest", "auto")


@record
class Macro:
    """Changes one key applies to a case, plus a drafted reply. Empty values (and an omitted
    priority) leave that field unchanged."""

    name: str
    status: str = ""  # one of MACRO_STATUSES
    pause_reason: str = ""  # required when status pauses the case
    tags: list[str] = field(default_factory=list)  # "word" adds, "-word" removes
    priority: float | None = None
    queue: str = ""
    assign: str = ""  # "me" (the agent applying it), "nobody", or an agent name
    reply: str = ""  # a template over templates.TEMPLATE_VARIABLES; empty: no draft
    meaningful: bool = True  # false: its reply is a first response, not yet an answer
    internal: bool = False  # the draft is an internal note, not a reply
    # On a public post (a comment, a group chat): the reply goes privately, with a short
    # public acknowledgement (as the console's D does)
    private: bool = False
    when: MacroWhen = field(default_factory=MacroWhen)  # the cases it is for
    run: str = ""  # "suggest": shown on the matching cases and first in the picker;
    # "auto": applied by itself to a case a customer's message makes it fit (live intake)
    send: list[str] = field(default_factory=list)  # channel kinds an auto reply may go on


ACKNOWLEDGEMENT = ("Hi {customer_first_name}, thank you for writing: we got your message "
                   "(case #{case_id}). {expected_wait}")


@record
class AcknowledgeSettings:
    """An automatic first touch on live intake: the customer hears that a person will answer
    and when. It is neither a first response nor a meaningful one."""

    enabled: bool = False
    window: str = "24h"  # at most one acknowledgement per case per this long
    max_age: str = "24h"  # mail older than this (a first sync of an old mailbox): none
    template: str = ACKNOWLEDGEMENT  # over templates.ACKNOWLEDGEMENT_VARIABLES
    templates: dict[str, str] = field(default_factory=dict)  # channel kind -> its own
    # language (ISO 639-1) -> its own, over the channel kind's: a German customer is
    # answered in German
    languages: dict[str, str] = field(default_factory=dict)


@record
class AssistantChoice:
    """One answer a question offers: by its number, its label (in any of its languages) or
    one of its keywords (whole words, any case, any language); `intent` (an [[intents]]
    name) moves the case to that intent's queue."""

    label: str  # what is kept on the case, whatever the language it was offered in
    intent: str = ""
    keywords: list[str] = field(default_factory=list)
    # language (ISO 639-1) -> its label in it, offered with its question's text in it
    languages: dict[str, str] = field(default_factory=dict)


@record
class AssistantQuestion:
    """What the intake assistant asks; the answer is kept on the case as the field `field`.
    With `choices`, the customer picks one; without, any text is the answer, or with a
    `pattern` (a regular expression; its first group, if it has one) only what it finds."""

    field: str
    ask: str
    choices: list[AssistantChoice] = field(default_factory=list)
    pattern: str = ""
    # language (ISO 639-1) -> `ask` in it: a German customer is asked in German (its
    # choices need their label in it too)
    languages: dict[str, str] = field(default_factory=dict)


def default_questions() -> list[AssistantQuestion]:
    """What it is about, the order or account number, how to get back to the customer."""
    return [
        AssistantQuestion("topic", "What is it about?", [
            AssistantChoice("An order or a delivery", keywords=["order", "delivery", "parcel"]),
            AssistantChoice("A payment or an invoice",
                            keywords=["payment", "invoice", "charge", "refund"]),
            AssistantChoice("My account", keywords=["account", "login", "password"]),
            AssistantChoice("Something else", keywords=["other", "else"])]),
        AssistantQuestion("order_number", "Do you have an order or account number? Write it "
                          "here, or \"skip\".", pattern=r"\b([A-Z]{0,4}-?\d{4,}[A-Z0-9-]*)\b"),
        AssistantQuestion("callback", "How would you like us to answer?", [
            AssistantChoice("Here", keywords=["chat", "here"]),
            AssistantChoice("By email", keywords=["email", "mail"]),
            AssistantChoice("By phone", keywords=["phone", "call"])])]


ASSISTANT_GREETING = ("Hi {customer_first_name}, thank you for writing (case #{case_id}). A "
                      "person will answer you here. {expected_wait} While you wait, a few "
                      "quick questions help them help you; skip any you like.")
ASSISTANT_CLOSING = "Thank you, that helps. {expected_wait}"
ASSISTANT_HINT = "(a number or a few words)"


@record
class AssistantSettings:
    """An intake assistant on chat channels for when nobody can answer at once: at most
    three questions, answers kept on the case as fields; it stops the moment an agent
    writes (services/assistant.py)."""

    channels: list[str] = field(default_factory=list)  # channel kinds; []: off
    when: str = "unattended"  # or "always"; unattended: closed, or no agent free for it
    greeting: str = ASSISTANT_GREETING  # over templates.ACKNOWLEDGEMENT_VARIABLES
    closing: str = ASSISTANT_CLOSING  # the same variables
    hint: str = ASSISTANT_HINT  # under a question's choices
    # language (ISO 639-1) -> the hint in it, under a question asked in it (kept as the
    # default, `hint` reads in the built-in words of de, fr, es, it, nl, pt)
    hints: dict[str, str] = field(default_factory=dict)
    timeout: str = "2h"  # an answer later than this after a question ends it, silently
    questions: list[AssistantQuestion] = field(default_factory=default_questions)


@record
class Product:
    """What an outage event can name: its keywords find the cases that mention it (full-text
    search: whole words, any case)."""

    name: str
    keywords: list[str] = field(default_factory=list)


CSAT_QUESTION = ("How did we do on case #{case_id}? Answer with a number from 1 (poor) to 5 "
                 "(great).")


@record
class CsatSettings:
    """A one-question satisfaction survey after an agent solves a case."""

    enabled: bool = False
    question: str = CSAT_QUESTION  # over templates.ACKNOWLEDGEMENT_VARIABLES
    # language (ISO 639-1) -> its own: a German customer is asked in German (kept as the
    # default, `question` reads in the built-in words of de, fr, es, it, nl, pt)
    languages: dict[str, str] = field(default_factory=dict)
    window: str = "7d"  # an answer within this long after the survey is recorded


@record
class KbSettings:
    """The knowledge base: a folder of Markdown articles (front matter: title, tags)."""

    path: str = ""  # "": no knowledge base
    base_url: str = ""  # an article's link is this + its path; "": its excerpt is inserted
    # the articles' language (ISO 639-1) a case gets when none in its own language fits
    fallback_language: str = "en"


@record
class SemanticSettings:
    """The optional extra `omnitui[semantic]` (triage/semantic.py): used when installed."""

    enabled: bool = True  # false: full-text search and keyword rules only, even if installed
    article_min_similarity: float = 0.2  # a nearer article is suggested (measured: bench/)
    intent_min_similarity: float = 0.4  # an English message this near an intent's example
    similar_cases: int = 3  # solved cases shown as similar on a case (0: none)


@record
class AutomationSettings:
    """Limits on what runs by itself."""

    max_macros_per_message: int = 3  # automatic macros one customer message may fire


@record
class EventSettings:
    """What the business events that act do (`omnitui event`, the generic webhook's
    `event`): outage and payment_failed. Any other kind is only recorded."""

    severity: int = 2  # the severity they raise cases to (0-3), unless the event says
    payment_failed_queue: str = "billing"  # where the customer's open cases go ("": stay)
    # A message to the customer on their preferred channel (over
    # templates.PROACTIVE_VARIABLES); "": none
    payment_failed_message: str = ""


@record
class ServiceWindowSettings:
    """WhatsApp and Messenger take a message nobody asked for (a survey, a proactive message)
    only within 24 hours of the customer's last message, or outside them as a message the
    platform approved: what to send it as, per channel ("": nothing is sent, the case says
    why)."""

    whatsapp: str = ""  # an approved template with one body variable (Meta: its name;
    # Twilio: its Content SID, HX...), which carries the message's text
    messenger: str = ""  # a message tag, e.g. "ACCOUNT_UPDATE"
    language: str = "en"  # the WhatsApp template's language code (Meta)


SECURITY = ("tls", "starttls", "none")


def is_loopback(host: str) -> bool:
    """A host only this machine reaches: localhost, 127.0.0.0/8, ::1 (also as
    ::ffff:127.0.0.1, or in brackets). The one test of mail sent in clear (`security =
    "none"`) and of doctor's check of the webhook receiver's address: they disagreed on
    127.0.0.2 and LOCALHOST."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


@record
class MailboxSettings:
    """One shared inbox: IMAP in, SMTP out. Secrets come from the environment (`*_env`) or,
    less safely, the file itself; they are never logged or shown."""

    name: str
    address: str
    imap_host: str
    username: str
    imap_port: int = 993
    imap_security: str = "tls"  # tls | starttls | none (none only for a loopback host)
    password: str = ""
    password_env: str = ""
    oauth2_token_env: str = ""  # XOAUTH2 (Gmail, Microsoft 365) instead of a password
    folders: list[str] = field(default_factory=lambda: ["INBOX"])
    mark_seen: bool = False  # set \Seen on mail once it is safely stored
    move_to: str = ""  # move mail to this folder once it is safely stored ("": leave it)
    poll_interval: int = 60  # seconds between polls when the server has no IDLE
    # The first sync of a folder files its conversations quiet for this many days as solved
    # history, not as open cases late by months (0: every one an open case).
    history_days: int = 30
    smtp_host: str = ""  # "": this mailbox only receives
    smtp_port: int = 465
    smtp_security: str = "tls"
    smtp_username: str = ""  # "": the IMAP username
    smtp_password: str = ""
    smtp_password_env: str = ""  # both empty: the IMAP password
    sent_folder: str = ""  # append a copy of each reply here ("": no copy)


# The platforms a [[channels]] entry may be, one module each in omnitui/channels (its
# registry lists the same names; a test keeps the two in step). Config imports no channel
# code, so the names are written here too.
HOOK_KINDS = ("telegram", "slack", "twilio", "meta", "generic")


@record
class ServerSettings:
    """The webhook receiver that `omnitui serve` runs when [[channels]] are configured."""

    listen: str = "127.0.0.1:8025"  # host:port; put a TLS proxy in front for the internet
    public_url: str = ""  # the URL platforms call (Twilio signs it); "": not behind a proxy
    max_body_kb: int = 1024  # larger requests get 413


def listen_address(server: ServerSettings) -> tuple[str, int]:
    """(host, port) of [server] listen; "[::1]:8025" for IPv6. Raises ValueError."""
    host, sep, port = server.listen.rpartition(":")
    host = host.strip("[]")
    if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(server.listen)
    return host, int(port)


@record
class HookChannel:
    """One chat or social platform account (or a generic signed-JSON source) that posts to
    the webhook receiver at /hooks/<name> (or `path`)."""

    name: str
    kind: str  # one of HOOK_KINDS
    path: str = ""
    secret: str = ""  # the verification secret (Twilio: the auth token)
    secret_env: str = ""
    token: str = ""  # the credential replies are sent with (Twilio: defaults to the secret)
    token_env: str = ""
    api_base: str = ""  # "": the platform's own; tests point it at a local server
    verify_token: str = ""  # meta: the hub.verify_token of the subscribe handshake
    verify_token_env: str = ""
    account_sid: str = ""  # twilio: the account replies are sent from
    from_number: str = ""  # twilio: our number (+E.164), for writing first by SMS/WhatsApp
    phone_number_id: str = ""  # meta: our WhatsApp number's id, for writing first
    shown_as: str = ""  # generic: the channel its messages show as (web, phone, alert...)

    @property
    def url_path(self) -> str:
        return self.path or f"/hooks/{self.name}"


@record
class Settings:
    store: StoreSettings = field(default_factory=StoreSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    threading: ThreadingSettings = field(default_factory=ThreadingSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    business_hours: BusinessHoursSettings = field(default_factory=BusinessHoursSettings)
    sla_policies: list[SlaPolicy] = field(default_factory=list)
    priority: PrioritySettings = field(default_factory=PrioritySettings)
    triage: TriageSettings = field(default_factory=TriageSettings)
    intents: list[Intent] = field(default_factory=list)
    queues: list[QueueSettings] = field(default_factory=list)
    agents: list[AgentSettings] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    views: list[SavedView] = field(default_factory=list)
    macros: list[Macro] = field(default_factory=list)  # the first nine get the keys 1..9
    acknowledge: AcknowledgeSettings = field(default_factory=AcknowledgeSettings)
    assistant: AssistantSettings = field(default_factory=AssistantSettings)
    products: list[Product] = field(default_factory=list)
    events: EventSettings = field(default_factory=EventSettings)
    service_window: ServiceWindowSettings = field(default_factory=ServiceWindowSettings)
    automation: AutomationSettings = field(default_factory=AutomationSettings)
    kb: KbSettings = field(default_factory=KbSettings)
    semantic: SemanticSettings = field(default_factory=SemanticSettings)
    csat: CsatSettings = field(default_factory=CsatSettings)
    mailboxes: list[MailboxSettings] = field(default_factory=list)
    server: ServerSettings = field(default_factory=ServerSettings)
    channels: list[HookChannel] = field(default_factory=list)
    source: Path | None = None  # the file these came from, if any

    def agent_zone(self, agent: str | None) -> ZoneInfo | None:
        """The zone an agent says times in ("tomorrow at nine"): their own (`[[agents]]
        time_zone`), else the team's business hours'; None: this machine's (over SSH the
        server's, often UTC: a snooze to 9:00 woke the case at 10:00 in Berlin)."""
        zone = next((a.time_zone for a in self.agents if a.name == agent and a.time_zone),
                    self.business_hours.time_zone)
        return ZoneInfo(zone) if zone else None

    @property
    def own_addresses(self) -> tuple[str, ...]:
        """The team's mail addresses: our mailboxes' and the agents' own (`[[agents]]
        email`). Mail from one of them is ours, sent outside omnitui (an agent's answer
        from their mail client made them a customer); a reply-all copies none of them."""
        return tuple(dict.fromkeys([*(m.address for m in self.mailboxes),
                                    *(a.email for a in self.agents if a.email)]))
