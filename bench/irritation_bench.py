#!/usr/bin/env python3
"""How well the classify stage tells an irritated customer from one describing a problem.

bench/data/irritation.tsv holds 102 short support messages written for this bench, each
labelled: irritated (anger or frustration at us, the service or the product) or not (a
problem described, however bad: "The item arrived broken"); 50 in English, 52 in German,
Spanish, French, Portuguese and Italian. Each is read as the pipeline reads it (its
language, then `read_tone` with the config's defaults) and the flag compared with the
label, per language: irritated ones flagged, calm ones flagged (false alarms), and why.
Then English again at other `irritated_below` thresholds, the phrases kept. The defaults
were set on that file; bench/data/irritation-heldout.tsv (31 messages, written afterwards)
is read the same way, to see whether they hold on text they were not fitted to, and
bench/data/irritation-fresh.tsv (60, 30 irritated, written before the phrase list was
extended from the held-out set's misses) too, and bench/data/irritation-lookalikes.tsv (24,
calm messages with an irritation phrase's words or in capitals, and angry ones saying the
same words: written after a trial flagged "I am still not sure..." and "the second time
slot").

    python bench/irritation_bench.py

Writes bench/out/irritation-results.md.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.config import TriageSettings
from omnitui.triage.language import language_of
from omnitui.triage.sentiment import Reading, read_tone

DATA = Path(__file__).resolve().parent / "data"


def labelled(name: str) -> list[tuple[str, bool, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            language, label, text = line.split("\t", 2)
            rows.append((language, label == "yes", text))
    return rows


def read(text: str, triage: TriageSettings, threshold: float | None = None) -> Reading:
    return read_tone(text, language_of(text, languages=triage.languages),
                     irritated_below=triage.irritated_below if threshold is None else threshold,
                     phrases=triage.irritation_phrases, neutral=triage.neutral_words)


def by_language(rows: list[tuple[str, bool, str]], triage: TriageSettings) -> list[str]:
    flagged: dict[str, Counter[str]] = defaultdict(Counter)
    alarms: list[str] = []
    misses: list[str] = []
    for language, irritated, text in rows:
        reading = read(text, triage)
        counts = flagged[language]
        counts["yes" if irritated else "no"] += 1
        if reading.irritated and irritated:
            counts["caught"] += 1
            counts[reading.why.split(" ")[0]] += 1
        elif reading.irritated:
            counts["alarms"] += 1
            alarms.append(f"- {language}: {text!r} ({reading.why})")
        elif irritated:
            misses.append(f"- {language}: {text!r} (sentiment {reading.sentiment})")
    lines = ["| language | irritated | flagged | by phrase / sentiment / shouting | calm | "
             "flagged (false alarms) |", "|---|---:|---:|---|---:|---:|"]
    total: Counter[str] = Counter()
    for language in sorted(flagged):
        counts = flagged[language]
        total.update(counts)
        lines.append(f"| {language} | {counts['yes']} | {counts['caught']} | {counts['says']} / "
                     f"{counts['sentiment']} / {counts['shouting']} | {counts['no']} | "
                     f"{counts['alarms']} |")
    lines += ["", f"Irritated customers flagged: {total['caught']} of {total['yes']}; calm ones "
              f"flagged: {total['alarms']} of {total['no']}.", "", "False alarms:", "",
              *(alarms or ["- none"]), "", "Missed:", "", *(misses or ["- none"]), ""]
    return lines


def thresholds(rows: list[tuple[str, bool, str]], triage: TriageSettings) -> list[str]:
    english = [(irritated, text) for language, irritated, text in rows if language == "en"]
    lines = ["| irritated_below | irritated flagged | calm flagged |", "|---:|---:|---:|"]
    for threshold in (-0.3, -0.4, -0.5, -0.6, -0.7, -0.8, -0.9):
        readings = [(irritated, read(text, triage, threshold).irritated)
                    for irritated, text in english]
        caught = sum(1 for irritated, flag in readings if irritated and flag)
        alarms = sum(1 for irritated, flag in readings if not irritated and flag)
        lines.append(f"| {threshold} | {caught} of {sum(i for i, _ in readings)} | {alarms} of "
                     f"{sum(not i for i, _ in readings)} |")
    return lines


def main() -> int:
    rows, held_out = labelled("irritation.tsv"), labelled("irritation-heldout.tsv")
    fresh = labelled("irritation-fresh.tsv")
    lookalikes = labelled("irritation-lookalikes.tsv")
    triage = TriageSettings()
    lines = ["# Irritated or not: short support messages", "", machine_line(), "",
             "`python bench/irritation_bench.py`", "",
             f"{len(rows)} messages (bench/data/irritation.tsv), the config's defaults "
             f"(irritated_below {triage.irritated_below}).", "", "## By language", "",
             *by_language(rows, triage), "## English at other thresholds", "",
             *thresholds(rows, triage), "",
             f"## Held out: {len(held_out)} messages written after the defaults were set",
             "", *by_language(held_out, triage), "## Held out, English at other thresholds",
             "", *thresholds(held_out, triage), "",
             f"## Fresh: {len(fresh)} messages written before the list's second extension",
             "", *by_language(fresh, triage),
             f"## Look-alikes: {len(lookalikes)} messages, calm ones with the words of "
             "anger and angry ones", "", *by_language(lookalikes, triage), ""]
    write_report("irritation-results.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
