#!/usr/bin/env python3
"""How often the classify stage tells the right intent: keyword rules alone, and with the
semantic extra's examples, side by side.

The 150 labelled messages of bench/data/kb_messages.tsv (15 per knowledge-base article: 10
English, one each in German, Spanish, French, Portuguese and Italian) are labelled with the
intent of their article; bench/data/intents.toml holds one intent per article with the
keywords and three example phrases a team would write first. Each message is read by the
real classify stage (language, then intent). Reported per language: right, wrong and
unrecognized, and the time per message.

    python bench/intent_bench.py        # needs pip install -e '.[semantic]' for the 2nd column

Writes bench/out/intent-results.md.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report
from kb_bench import DATA, labelled

from omnitui.config import Intent, SemanticSettings, TriageSettings
from omnitui.model import Identifier, InboundEvent
from omnitui.triage.classify import classify
from omnitui.triage.intent import IntentClassifier, RuleIntents, intent_classifier
from omnitui.triage.semantic import available

LANGUAGES = ["en", "de", "es", "fr", "pt", "it", "all"]


def label(article: str) -> str:
    return article.split("/")[1].removesuffix(".md").replace("-", "_")


def run(classifier: IntentClassifier) -> tuple[dict[str, Counter[str]], float, list[str]]:
    counts: dict[str, Counter[str]] = {language: Counter() for language in LANGUAGES}
    wrong: list[str] = []
    spent = 0.0
    for n, (article, language, text) in enumerate(labelled()):
        event = InboundEvent("chat", f"b-{n}", b"", datetime.now(UTC),
                             [Identifier("chat", "x")], text=text)
        started = time.perf_counter()
        classify(event, TriageSettings(), classifier)
        spent += time.perf_counter() - started
        verdict = ("right" if event.intent == label(article) else
                   "unrecognized" if event.intent is None else "wrong")
        for key in (language, "all"):
            counts[key][verdict] += 1
        if verdict != "right":
            wrong.append(f"{language}: {text!r} -> {event.intent} ({event.intent_rule}); "
                         f"wanted {label(article)}")
    return counts, spent / len(labelled()), wrong


def main() -> int:
    raw = tomllib.loads((DATA / "intents.toml").read_text(encoding="utf-8"))["intents"]
    intents = [Intent(**entry) for entry in raw]
    columns = [("keyword rules", RuleIntents(intents))]
    if available():
        columns.append(("rules + examples (semantic)",
                        intent_classifier(intents, SemanticSettings())))
    results = [(name, *run(classifier)) for name, classifier in columns]
    head = " | ".join(f"{name}: right / wrong / none" for name, *_ in results)
    lines = ["# Intent accuracy on 150 labelled messages", "", machine_line(), "",
             f"| language | messages | {head} |",
             "|---|---:|" + "---:|" * len(results)]
    for language in LANGUAGES:
        n = sum(results[0][1][language].values())
        cells = []
        for _, counts, _, _ in results:
            c = counts[language]
            cells.append(f"{c['right']} ({c['right'] / n:.0%}) / {c['wrong']} / "
                         f"{c['unrecognized']}")
        lines.append(f"| {language} | {n} | {' | '.join(cells)} |")
    lines.append("")
    for name, _, per_message, wrong in results:
        lines += [f"{name}: {per_message * 1000:.2f} ms a message (language, tone and "
                  f"intent); not right: {len(wrong)}", ""]
        lines += [f"- {miss}" for miss in wrong] + [""]
    if not available():
        lines.append("(the semantic extra is not installed: pip install -e '.[semantic]')")
    write_report("intent-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
