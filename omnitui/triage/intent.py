"""What a customer wants: the config's `[[intents]]`, told by keywords and patterns in any
language. The classify stage asks an `IntentClassifier`; this one reads rules, and a learned
one (examples, embeddings) can take its place behind the same seam."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from omnitui.config import Intent
from omnitui.triage.text import phrase_pattern


@dataclass(frozen=True)
class IntentMatch:
    """The intent found, and the rule that found it, shown on the case as a reason."""

    name: str
    rule: str
    severity: int = 0  # the intent's own: its cases are at least this severe


class IntentClassifier(Protocol):
    def classify(self, text: str) -> IntentMatch | None: ...


class RuleIntents:
    """The first `[[intents]]` entry whose keyword or pattern is in the text, in the
    config's order (put the specific ones first)."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self._rules = [(intent.name, phrase_pattern(tuple(intent.keywords)),
                        [re.compile(p, re.I) for p in intent.patterns]) for intent in intents]
        self._severity = {intent.name: intent.severity for intent in intents}

    def classify(self, text: str) -> IntentMatch | None:
        for name, keywords, patterns in self._rules:
            if keywords and (found := keywords.search(text)):
                return IntentMatch(name, f"says {found.group(0).lower()!r}",
                                   self._severity[name])
            for pattern in patterns:
                if found := pattern.search(text):
                    return IntentMatch(name, f"matches /{pattern.pattern}/ "
                                             f"({found.group(0)[:40]!r})", self._severity[name])
        return None
