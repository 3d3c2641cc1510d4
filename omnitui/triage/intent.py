"""What a customer wants: the config's `[[intents]]`, told by keywords and patterns in any
language. The classify stage asks an `IntentClassifier`; this one reads rules, and a learned
one (examples, embeddings) can take its place behind the same seam."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from omnitui import patterns
from omnitui.config import Intent, SemanticSettings
from omnitui.records import record
from omnitui.triage.semantic import ENGLISH, Embedder, model_for, ranked
from omnitui.triage.text import phrase_pattern


@record(frozen=True)
class IntentMatch:
    """The intent found, and the rule that found it, shown on the case as a reason."""

    name: str
    rule: str
    severity: int = 0  # the intent's own: its cases are at least this severe


class IntentClassifier(Protocol):
    def classify(self, text: str, language: str | None = None,
                 skipped: list[str] | None = None) -> IntentMatch | None:
        """The intent `text` tells, or None; a rule given up on (a pattern out of time) is
        added to `skipped`, for the message to show."""
        ...


class RuleIntents:
    """The first `[[intents]]` entry whose keyword or pattern is in the text, in the
    config's order (put the specific ones first). A pattern out of time is passed over."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self._rules = [(intent.name, phrase_pattern(tuple(intent.keywords)), [
            (f"intent {intent.name!r} pattern #{number}",
             patterns.compiled(source, ignore_case=True))
            for number, source in enumerate(intent.patterns, start=1)]) for intent in intents]
        self._severity = {intent.name: intent.severity for intent in intents}

    def classify(self, text: str, language: str | None = None,
                 skipped: list[str] | None = None) -> IntentMatch | None:
        for name, keywords, rules in self._rules:
            if keywords and (found := keywords.search(text, language)):
                return IntentMatch(name, f"says {found.text.lower()!r}",
                                   self._severity[name])
            for rule, pattern in rules:
                if found := patterns.search(pattern, text, rule, skipped):
                    return IntentMatch(name, f"matches /{pattern.pattern}/ "
                                             f"({found.group(0)[:40]!r})", self._severity[name])
        return None


class ExampleIntents:
    """The rules first; an English message none of them recognizes is matched by meaning
    against the intents' `examples` (the semantic extra): the nearest example, if at least
    `floor` near, tells its intent, and the example is the reason shown."""

    def __init__(self, intents: Sequence[Intent], model: Embedder, floor: float) -> None:
        self._rules = RuleIntents(intents)
        self._examples = [(intent, example) for intent in intents
                          for example in intent.examples if example.strip()]
        self._matrix = model.embed([example for _, example in self._examples])
        self._model = model
        self._floor = floor

    def classify(self, text: str, language: str | None = None,
                 skipped: list[str] | None = None) -> IntentMatch | None:
        if found := self._rules.classify(text, language, skipped):
            return found
        if language not in ENGLISH or not text.strip():
            return None
        [(row, score)] = ranked(self._model.one(text), self._matrix, 1)
        if score < self._floor:
            return None
        intent, example = self._examples[row]
        return IntentMatch(intent.name, f"like the example {example!r} ({score:.2f})",
                           intent.severity)


def intent_classifier(intents: Sequence[Intent], semantic: SemanticSettings
                      ) -> IntentClassifier:
    """The rules, and the examples by meaning where the semantic extra is installed and
    an intent has examples."""
    model = model_for(semantic) if any(i.examples for i in intents) else None
    if model is None:
        return RuleIntents(intents)
    return ExampleIntents(intents, model, semantic.intent_min_similarity)
