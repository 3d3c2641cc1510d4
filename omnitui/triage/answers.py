"""What a customer's message answers to one of the intake assistant's questions
(services/assistant.py): a pure reading, so every rule is tested alone.

A choice is taken by its number ("2", "2)"), its label in any of its languages or one of its
keywords, found as the intents' phrases are (triage/text.py: whole words, in any case, with
or without accents, an umlaut typed as its vowel and "e", the last word with a plural's or,
in the customer's language, a case's ending: the case's language, as an answer of a word or
two reads as none); a question without choices takes the text itself, or with a pattern
only what the pattern finds. "skip", "no", "don't know" (and the same in the
demo's languages) skip a question; so does anything it cannot read: the assistant never asks
again, and the words stay on the timeline for the agent.
"""

from __future__ import annotations

import re

from omnitui import patterns
from omnitui.config import AssistantChoice, AssistantQuestion
from omnitui.records import record
from omnitui.triage.text import phrase_pattern

MAX_ANSWER = 120  # characters of free text kept as a field
SKIP_WORDS = frozenset({
    "skip", "no", "none", "nope", "pass", "later", "n/a", "na", "-", "idk", "dont know",
    "don't know", "no idea", "nein", "nee", "weiß nicht", "weiss nicht", "keine", "non",
    "aucun", "aucune", "je ne sais pas", "ninguno", "no sé", "no se", "nessuno", "non so",
    "nenhum", "não sei", "nao sei", "geen", "weet niet", "nie", "nie wiem"})
NUMBER = re.compile(r"\s*#?([1-9])\s*[).:]?\s*")


@record(frozen=True)
class Answer:
    value: str  # what is kept on the case
    choice: AssistantChoice | None = None  # the choice taken, for a question with choices


def read_answer(question: AssistantQuestion, text: str, intent: str | None = None,
                language: str | None = None) -> Answer | None:
    """The answer `text` gives, or None (skipped, or nothing it can read). `intent`: what
    the classify stage read in the same message, it picks a choice mapped to it;
    `language`: the customer's (the case's), whose endings its words may take."""
    words = " ".join(text.split())
    if not words or words.casefold().strip(".!") in SKIP_WORDS:
        return None
    if question.choices:
        choice = pick_choice(question.choices, words, intent, language)
        return Answer(choice.label, choice) if choice else None
    if question.pattern:
        return find_pattern(question, words)
    return Answer(words[:MAX_ANSWER])


def pick_choice(choices: list[AssistantChoice], words: str, intent: str | None,
                language: str | None = None) -> AssistantChoice | None:
    """By number, else the one choice whose label (in any of its languages) or keyword the
    text names, else the one mapped to the text's intent."""
    if number := NUMBER.fullmatch(words):
        index = int(number.group(1)) - 1
        return choices[index] if index < len(choices) else None
    named = [c for c in choices
             if (names := phrase_pattern((c.label, *c.languages.values(), *c.keywords)))
             is not None
             and names.search(words, language) is not None]
    if len(named) == 1:
        return named[0]
    by_intent = [c for c in choices if intent and c.intent == intent]
    return by_intent[0] if len(by_intent) == 1 else None


def find_pattern(question: AssistantQuestion, text: str) -> Answer | None:
    """What the question's pattern finds in the text (its first group, if it has one); None
    if nothing, or if the search ran out of time."""
    found = patterns.search(patterns.compiled(question.pattern, ignore_case=True), text,
                            f"assistant question {question.field!r} pattern")
    if found is None:
        return None
    value = found.group(1) if found.re.groups and found.group(1) else found.group(0)
    return Answer(value.strip()[:MAX_ANSWER]) if value.strip() else None

