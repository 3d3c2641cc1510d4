#!/usr/bin/env python3
"""How well the classify stage names the language of short support messages.

bench/data/languages.tsv holds 300 short messages written for this bench, 50 each in
English, German, Spanish, French, Portuguese and Italian, and 12 items too short or not
language at all, which should come out `und`. Each is read by `omnitui.triage.language.
language_of` as the pipeline reads it, once with every language the model knows (the
default), once with the six narrowed by `[triage] languages`, and once more with every
language, each message followed by an English signature (a "-- " block, a sign-off with a
name and a title, "Sent from my iPhone"), as mail from a company's account often is; per
language: right, undetermined (`und`), wrong (and as what), and the time per message after
the model loaded.

    python bench/language_bench.py

Writes bench/out/language-results.md.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.triage.language import UNDETERMINED, language_of

DATA = Path(__file__).resolve().parent / "data" / "languages.tsv"


def labelled() -> list[tuple[str, str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            language, text = line.split("\t", 1)
            rows.append((language, text))
    return rows


# What senders put under their words, in English whatever they wrote in: each message of
# the third pass carries one of these, in turn.
SIGNATURES = (
    "\n\n-- \nJordan Miller\nHead of Operations | Example Logistics Ltd\n+44 20 7946 0000",
    "\n\nBest regards,\nJordan Miller\nSenior Manager, Global Accounts Team",
    "\n\nSent from my iPhone",
)


def signed(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(language, text + SIGNATURES[n % len(SIGNATURES)])
            for n, (language, text) in enumerate(rows)]


def run(rows: list[tuple[str, str]], languages: tuple[str, ...], title: str = ""
        ) -> list[str]:
    language_of("warm the model up", languages=languages)
    results: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: dict[str, Counter[str]] = defaultdict(Counter)
    started = time.perf_counter()
    for expected, text in rows:
        found = language_of(text, languages=languages)
        outcome = ("right" if found == expected else
                   "und" if found == UNDETERMINED else "wrong")
        results[expected][outcome] += 1
        if outcome == "wrong":
            wrong[expected][found] += 1
    per_message = (time.perf_counter() - started) / len(rows) * 1e6
    title = title or ("every language the model knows" if not languages else
                      f"narrowed to {', '.join(languages)}")
    lines = [f"### {title}", "", "| language | messages | right | und | wrong (as) |",
             "|---|---:|---:|---:|---|"]
    total = Counter()
    for language in sorted(results):
        counts = results[language]
        total.update(counts)
        mistakes = ", ".join(f"{k} {v}" for k, v in wrong[language].most_common()) or ""
        lines.append(f"| {language} | {sum(counts.values())} | {counts['right']} | "
                     f"{counts['und']} | {counts['wrong']} {mistakes} |")
    real = sum(sum(c.values()) for k, c in results.items() if k != UNDETERMINED)
    right = sum(c["right"] for k, c in results.items() if k != UNDETERMINED)
    lines += ["", f"Right on {right} of {real} messages ({right / real:.1%}); "
              f"`und` kept {results[UNDETERMINED]['right']} of "
              f"{sum(results[UNDETERMINED].values())} non-texts from a guess; "
              f"{per_message:.0f} µs a message.", ""]
    return lines


def main() -> int:
    rows = labelled()
    started = time.perf_counter()
    language_of("load the model")
    load = time.perf_counter() - started
    lines = ["# Language of short support messages", "", machine_line(), "",
             "`python bench/language_bench.py`", "",
             f"{len(rows)} messages (bench/data/languages.tsv); model load {load:.2f} s.", ""]
    lines += run(rows, ())
    lines += run(rows, ("en", "de", "es", "fr", "pt", "it"))
    lines += run(signed(rows), (), "every language, each message under an English signature")
    write_report("language-results.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
