"""The fixed words of what we send a customer on our own, in their language: what an
acknowledgement promises (its `{expected_wait}` and `{business_hours}`), the article it
suggests and the outage it mentions, the intake assistant's own greeting, closing and hint
under a question's choices, and the satisfaction survey's own question (its numbers and end
labels those triage/csat.py reads). A
German customer's acknowledgement written in German said "We usually answer within about 2
hours." in the middle of it, "This may help meanwhile:" under it.

One small table a language; a language without one reads English. The numbers, the times
("09:00"), the time zone's name, a product's and an article's stay as they are in every
language.
"""

from __future__ import annotations

import math
from itertools import groupby

from omnitui.config import BusinessHoursSettings
from omnitui.config.hours import DAYS
from omnitui.config.schema import (
    ASSISTANT_CLOSING,
    ASSISTANT_GREETING,
    ASSISTANT_HINT,
    CSAT_QUESTION,
)
from omnitui.records import record


@record(frozen=True)
class WaitWords:
    """One language's words. Sentences are templates: `{within}` is `within` (with the
    duration) or `soon`; `{when}` is `at` (with the time and a weekday, or `dated`);
    `{since}` is `since`'s first (today) or second (another day); `greeting`, `closing` and
    `survey` take an acknowledgement's variables; `hint` takes none."""

    usually: tuple[str, str]  # the team is open: with a time to promise, without
    closed: str  # ... and when it opens again
    within: str
    soon: str  # no time to promise
    at: str
    dated: str  # a day a week or more away: its date with it
    zone: str  # after a time or the hours: " (Europe/Berlin time)"
    minutes: str
    hours: tuple[str, str]  # one, more
    working_hours: tuple[str, str]  # hours the team is open
    days: str  # always more than one
    around_the_clock: str
    weekdays: tuple[str, ...]  # Monday first
    short_days: tuple[str, ...]  # the opening hours' "Mon-Fri"
    months: tuple[str, ...]
    article: str  # a knowledge-base article that may help while they wait
    outage: str  # an outage going on of what they write about
    since: tuple[str, str]  # when it began: today, another day
    greeting: str  # the intake assistant's, before its first question
    closing: str  # ... after its last answer
    hint: str  # ... under a question's choices
    survey: str  # the satisfaction survey's question: a number from 1 to 5


ENGLISH = WaitWords(
    usually=("We usually answer {within}.", "We will answer {within}."),
    closed="We are closed now and open again {when}{zone}; a person will answer {within} "
           "after we open.",
    within="within about {duration}", soon="as soon as we can",
    at="at {time} on {day}", dated="{weekday} {date} {month}", zone=" ({zone} time)",
    minutes="{n} minutes", hours=("{n} hour", "{n} hours"),
    working_hours=("{n} working hour", "{n} working hours"), days="{n} days",
    around_the_clock="around the clock",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    short_days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    months=("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
    article="This may help meanwhile: {title} — {link}",
    outage="We know about a problem with {product} {since}{zone} and are working on it.",
    since=("since {time}", "since {date} {month} {time}"),
    greeting=ASSISTANT_GREETING, closing=ASSISTANT_CLOSING, hint=ASSISTANT_HINT,
    survey=CSAT_QUESTION)

WORDS: dict[str, WaitWords] = {"en": ENGLISH, "de": WaitWords(
    usually=("Wir antworten in der Regel {within}.", "Wir antworten {within}."),
    closed="Wir haben gerade geschlossen und öffnen wieder {when}{zone}; eine Person antwortet "
           "Ihnen {within} nach der Öffnung.",
    within="innerhalb von etwa {duration}", soon="so bald wie möglich",
    at="am {day} um {time}", dated="{weekday}, {date}. {month}", zone=" (Zeitzone {zone})",
    minutes="{n} Minuten", hours=("{n} Stunde", "{n} Stunden"),
    working_hours=("{n} Arbeitsstunde", "{n} Arbeitsstunden"), days="{n} Tagen",
    around_the_clock="rund um die Uhr",
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
              "Sonntag"),
    short_days=("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
            "September", "Oktober", "November", "Dezember"),
    article="Das hilft Ihnen vielleicht schon weiter: {title} — {link}",
    outage="Uns ist eine Störung bei {product} {since}{zone} bekannt; wir arbeiten daran.",
    since=("seit {time} Uhr", "seit dem {date}. {month}, {time} Uhr"),
    greeting="Hallo {customer_first_name}, danke für Ihre Nachricht (Fall #{case_id}). Eine "
             "Person wird Ihnen hier antworten. {expected_wait} Bis dahin helfen ein paar "
             "kurze Fragen, Ihnen besser zu helfen; überspringen Sie ruhig, was Sie möchten.",
    closing="Danke, das hilft weiter. {expected_wait}",
    hint="(eine Zahl oder ein paar Worte)",
    survey="Wie zufrieden waren Sie mit unserer Hilfe bei Fall #{case_id}? Antworten Sie "
           "mit einer Zahl von 1 (schlecht) bis 5 (sehr gut)."), "fr": WaitWords(
    usually=("Nous répondons en général {within}.", "Nous vous répondrons {within}."),
    closed="Nous sommes fermés pour le moment et rouvrons {when}{zone} ; une personne vous "
           "répondra {within} après l'ouverture.",
    within="dans un délai d'environ {duration}", soon="dès que possible",
    at="{day} à {time}", dated="{weekday} {date} {month}", zone=" (heure de {zone})",
    minutes="{n} minutes", hours=("{n} heure", "{n} heures"),
    working_hours=("{n} heure ouvrée", "{n} heures ouvrées"), days="{n} jours",
    around_the_clock="24 h sur 24, 7 jours sur 7",
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    short_days=("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
    months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre"),
    article="Ceci pourra peut-être vous aider en attendant : {title} — {link}",
    outage="Nous savons qu'il y a un problème avec {product} {since}{zone} et nous y "
           "travaillons.",
    since=("depuis {time}", "depuis le {date} {month} à {time}"),
    greeting="Bonjour {customer_first_name}, merci de nous avoir écrit (demande #{case_id}). "
             "Une personne vous répondra ici. {expected_wait} En attendant, quelques questions "
             "rapides l'aideront à mieux vous aider ; passez celles que vous voulez.",
    closing="Merci, cela nous aide. {expected_wait}",
    hint="(un numéro ou quelques mots)",
    survey="Comment avons-nous traité votre demande #{case_id} ? Répondez par un chiffre de 1 "
           "(mauvais) à 5 (excellent)."), "es": WaitWords(
    usually=("Solemos responder {within}.", "Le responderemos {within}."),
    closed="Ahora estamos cerrados y volvemos a abrir {when}{zone}; una persona le responderá "
           "{within} tras la apertura.",
    within="en aproximadamente {duration}", soon="lo antes posible",
    at="el {day} a las {time}", dated="{weekday} {date} de {month}", zone=" (hora de {zone})",
    minutes="{n} minutos", hours=("{n} hora", "{n} horas"),
    working_hours=("{n} hora laborable", "{n} horas laborables"), days="{n} días",
    around_the_clock="las 24 horas del día",
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    short_days=("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre"),
    article="Esto puede ayudarle mientras tanto: {title} — {link}",
    outage="Sabemos que hay un problema con {product} {since}{zone} y estamos trabajando en "
           "ello.",
    since=("desde las {time}", "desde el {date} de {month} a las {time}"),
    greeting="Hola {customer_first_name}, gracias por escribirnos (caso #{case_id}). Una "
             "persona le responderá por aquí. {expected_wait} Mientras tanto, unas preguntas "
             "rápidas nos ayudan a atenderle mejor; puede saltarse las que quiera.",
    closing="Gracias, esto nos ayuda. {expected_wait}",
    hint="(un número o unas palabras)",
    survey="¿Cómo le atendimos en el caso #{case_id}? Responda con un número del 1 (malo) al 5 "
           "(excelente)."), "it": WaitWords(
    usually=("Di solito rispondiamo {within}.", "Le risponderemo {within}."),
    closed="Ora siamo chiusi e riapriamo {when}{zone}; una persona le risponderà {within} "
           "dopo l'apertura.",
    within="entro circa {duration}", soon="il prima possibile",
    at="{day} alle {time}", dated="{weekday} {date} {month}", zone=" (ora di {zone})",
    minutes="{n} minuti", hours=("{n} ora", "{n} ore"),
    working_hours=("{n} ora lavorativa", "{n} ore lavorative"), days="{n} giorni",
    around_the_clock="24 ore su 24",
    weekdays=("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    short_days=("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
    months=("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
            "settembre", "ottobre", "novembre", "dicembre"),
    article="Nel frattempo questo potrebbe esserle utile: {title} — {link}",
    outage="Siamo a conoscenza di un problema con {product} {since}{zone} e ci stiamo "
           "lavorando.",
    since=("dalle {time}", "dal {date} {month} alle {time}"),
    greeting="Buongiorno {customer_first_name}, grazie per averci scritto (caso #{case_id}). "
             "Una persona le risponderà qui. {expected_wait} Nell'attesa, qualche domanda "
             "veloce ci aiuta ad assisterla meglio; salti pure quelle che preferisce.",
    closing="Grazie, ci è utile. {expected_wait}",
    hint="(un numero o qualche parola)",
    survey="Come l'abbiamo aiutata con il caso #{case_id}? Risponda con un numero da 1 (pessimo) "
           "a 5 (ottimo)."), "nl": WaitWords(
    usually=("We antwoorden meestal {within}.", "We antwoorden {within}."),
    closed="We zijn nu gesloten en gaan weer open {when}{zone}; een medewerker antwoordt "
           "{within} na de opening.",
    within="binnen ongeveer {duration}", soon="zo snel mogelijk",
    at="op {day} om {time}", dated="{weekday} {date} {month}", zone=" (tijdzone {zone})",
    minutes="{n} minuten", hours=("{n} uur", "{n} uur"),
    working_hours=("{n} werkuur", "{n} werkuren"), days="{n} dagen",
    around_the_clock="dag en nacht",
    weekdays=("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    short_days=("ma", "di", "wo", "do", "vr", "za", "zo"),
    months=("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
            "september", "oktober", "november", "december"),
    article="Dit helpt u misschien alvast verder: {title} — {link}",
    outage="We zijn op de hoogte van een probleem met {product} {since}{zone} en werken aan "
           "een oplossing.",
    since=("sinds {time}", "sinds {date} {month} {time}"),
    greeting="Hallo {customer_first_name}, bedankt voor uw bericht (zaak #{case_id}). Een "
             "medewerker antwoordt u hier. {expected_wait} Intussen helpen een paar korte "
             "vragen om u beter te helpen; sla gerust over wat u wilt.",
    closing="Bedankt, dat helpt. {expected_wait}",
    hint="(een nummer of een paar woorden)",
    survey="Hoe hebben we u geholpen met zaak #{case_id}? Antwoord met een cijfer van 1 "
           "(slecht) tot 5 (uitstekend)."), "pt": WaitWords(
    usually=("Normalmente respondemos {within}.", "Responderemos {within}."),
    closed="Estamos fechados agora e reabrimos {when}{zone}; uma pessoa responderá {within} "
           "após a abertura.",
    within="em cerca de {duration}", soon="o mais breve possível",
    at="{day} às {time}", dated="{weekday}, {date} de {month},", zone=" (hora de {zone})",
    minutes="{n} minutos", hours=("{n} hora", "{n} horas"),
    working_hours=("{n} hora útil", "{n} horas úteis"), days="{n} dias",
    around_the_clock="24 horas por dia",
    weekdays=("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
              "sábado", "domingo"),
    short_days=("seg", "ter", "qua", "qui", "sex", "sáb", "dom"),
    months=("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
            "setembro", "outubro", "novembro", "dezembro"),
    article="Isto pode ajudar enquanto espera: {title} — {link}",
    outage="Sabemos de um problema com {product} {since}{zone} e estamos trabalhando nisso.",
    since=("desde as {time}", "desde {date} de {month} às {time}"),
    greeting="Olá {customer_first_name}, obrigado por nos escrever (caso #{case_id}). Uma "
             "pessoa vai responder aqui. {expected_wait} Enquanto espera, algumas perguntas "
             "rápidas ajudam a atendê-lo melhor; pode pular as que quiser.",
    closing="Obrigado, isso ajuda. {expected_wait}",
    hint="(um número ou algumas palavras)",
    survey="Como foi o nosso atendimento no caso #{case_id}? Responda com um número de 1 (ruim) "
           "a 5 (ótimo).")}


def words_in(language: str | None) -> WaitWords:
    """The words of `language` (ISO 639-1), English for one without a table."""
    return WORDS.get(language or "", ENGLISH)


def own_or_built_in(template: str, which: str, language: str | None) -> str:
    """The team's words (`template`, for `which` of WaitWords) as they wrote them; where they
    kept omnitui's English default, the built-in ones in `language`."""
    return getattr(words_in(language), which) if template == getattr(ENGLISH, which) else \
        template


def duration_words(seconds: float, working: bool = False, words: WaitWords = ENGLISH) -> str:
    """'15 minutes', '2 working hours', '3 days': rounded up, as a promise should be."""
    minutes = max(1, math.ceil(seconds / 60))
    one, more = words.working_hours if working else words.hours
    if minutes < 60:
        rounded = min(60, 5 * math.ceil(minutes / 5))
        return words.minutes.format(n=rounded) if rounded < 60 else one.format(n=1)
    hours = math.ceil(minutes / 60)
    if hours < 48 or working:
        return (one if hours == 1 else more).format(n=hours)
    return words.days.format(n=math.ceil(hours / 24))


def within_words(seconds: float | None, working: bool, words: WaitWords = ENGLISH) -> str:
    """'within about 2 working hours', or 'as soon as we can' with no time to promise."""
    if seconds is None:
        return words.soon
    return words.within.format(duration=duration_words(seconds, working, words))


def promise_words(seconds: float | None, working: bool, opens: str | None = None,
                  zone: str = "", words: WaitWords = ENGLISH) -> str:
    """The expected wait within `seconds` ('working': of the team's hours; None: no time to
    promise): 'We usually answer within about 2 hours.', 'We will answer as soon as we
    can.'; closed, when it opens (`opens`: `at_words`, in `zone`) and how soon after."""
    within = within_words(seconds, working, words)
    if opens is None:
        return words.usually[seconds is None].format(within=within)
    return words.closed.format(when=opens, zone=words.zone.format(zone=zone) if zone else "",
                               within=within)


def at_words(time: str, weekday: int, date: tuple[int, int] | None = None,
             words: WaitWords = ENGLISH) -> str:
    """'at 09:00 on Monday'; with `date` (day, month), 'at 09:00 on Wednesday 6 January'."""
    day = words.weekdays[weekday]
    if date is not None:
        day = words.dated.format(weekday=day, date=date[0], month=words.months[date[1] - 1])
    return words.at.format(time=time, day=day)


def opening_hours(hours: BusinessHoursSettings, words: WaitWords = ENGLISH) -> str:
    """'Mon-Fri 09:00-17:00, Sat 09:00-13:00 (Europe/Berlin time)'; 'around the clock'
    without business hours."""
    if not hours.time_zone:
        return words.around_the_clock
    days = [(index, tuple(hours.hours.get(day, []))) for index, day in enumerate(DAYS)]
    parts = []
    for spans, run in groupby(days, key=lambda d: d[1]):
        names = [words.short_days[index] for index, _ in run]
        if spans:
            label = names[0] if len(names) == 1 else f"{names[0]}-{names[-1]}"
            parts.append(f"{label} {', '.join(spans)}")
    return f"{', '.join(parts)}{words.zone.format(zone=hours.time_zone)}"
