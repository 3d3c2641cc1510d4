"""The classify stage: what a customer's message itself says, for the score, the routing and
the console: urgent or not, its language, its tone, and whether the customer is irritated.
Pure functions of the event and the settings (the models are loaded once per process)."""

from __future__ import annotations

from omnitui.config import TriageSettings
from omnitui.model import InboundEvent
from omnitui.triage import language, sentiment
from omnitui.triage.intent import IntentClassifier
from omnitui.triage.language import language_of
from omnitui.triage.sentiment import read_tone
from omnitui.triage.text import own_words, phrase_pattern


def classify(event: InboundEvent, triage: TriageSettings,
             intents: IntentClassifier | None = None) -> InboundEvent:
    """Mark an event urgent when its subject or the customer's words say so (`[triage]
    urgent_phrases`, in any language), and read its language, tone and intent; automatic
    mail (an out-of-office, a bounce) is never urgent, irritated nor a request. An event
    read already (by an import's parser process) is left as it is. An intent pattern that
    runs out of time is counted as no match and noted among the message's problems."""
    if event.language is not None:
        return event
    words = event.text or event.subject
    event.language = language_of(words, languages=triage.languages,
                                 min_confidence=triage.min_language_confidence)
    if event.asks_nothing:
        return event
    about = f"{event.subject}\n{own_words(event.text)}"  # what urgency and intent read
    urgent = phrase_pattern(tuple(triage.urgent_phrases))
    if urgent and urgent.search(about, event.language):
        event.urgent = True
    tone = read_tone(words, event.language, irritated_below=triage.irritated_below,
                     phrases=triage.irritation_phrases, neutral=triage.neutral_words)
    event.sentiment = tone.sentiment
    event.irritation = tone.why if tone.irritated else None
    if intents is not None and (found := intents.classify(about, event.language,
                                                          skipped=event.parse_errors)):
        event.intent, event.intent_rule = found.name, found.rule
        event.severity = max(event.severity, found.severity)
    return event


def load_models(triage: TriageSettings) -> None:
    """Load the language and tone models now. A process about to fork its parser workers
    calls this, so they share one copy instead of each loading its own (0.6 s of CPU and
    tens of MB a process)."""
    language.load_model(triage.languages)
    sentiment.load_model(triage.neutral_words)
