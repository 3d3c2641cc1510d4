#!/usr/bin/env python3
"""How often the knowledge base suggests the right article for a customer's message.

bench/data/kb/ holds ten articles (English, front matter as a team would write it) and
bench/data/kb_messages.tsv 150 short support messages written for this bench, 15 per
article: 10 in English and one each in German, Spanish, French, Portuguese and Italian. Each
message becomes a case through the real pipeline in a fresh store; `suggest_for` ranks the
articles as the case screen does. Reported per language: top-1 (the first suggestion is the
right article) and top-2 (it is one of the two the case screen shows), and the time per
suggestion. Full-text search alone: the semantic extra is not built yet.

    python bench/kb_bench.py

Writes bench/out/kb-results.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.config import KbSettings, Settings
from omnitui.model import Identifier, InboundEvent
from omnitui.services.intake import intake_pipeline
from omnitui.services.kb import refresh, suggest_for
from omnitui.store.db import Store, utc_now

DATA = Path(__file__).resolve().parent / "data"


def labelled() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "kb_messages.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            article, language, text = line.split("\t")
            rows.append((article, language, text))
    return rows


def main() -> int:
    rows = labelled()
    top1: Counter[str] = Counter()
    top2: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    spent = 0.0
    with tempfile.TemporaryDirectory() as work, Store(Path(work) / "kb.db") as store:
        refresh(store, KbSettings(path=str(DATA / "kb")))
        pipeline = intake_pipeline(store, Settings())
        for n, (article, language, text) in enumerate(rows):
            result = pipeline.ingest(InboundEvent(
                "chat", f"kb-{n}", text.encode(), utc_now(),
                [Identifier("chat", f"visitor-{n}", verified=True)], text=text))
            assert result.case_id is not None
            started = time.perf_counter()
            found = [a.path for a in suggest_for(store.conn, result.case_id)]
            spent += time.perf_counter() - started
            for key in (language, "all"):
                total[key] += 1
                top1[key] += found[:1] == [article]
                top2[key] += article in found
            if article not in found:
                misses.append(f"{language}: {text!r} -> {found or 'nothing'} (wanted {article})")
    languages = ["en", "de", "es", "fr", "pt", "it", "all"]
    lines = ["# Knowledge-base suggestions on 150 labelled messages", "", machine_line(), "",
             "Full-text search (FTS5, BM25, title 10 : tags 4 : body 1), content words of the "
             "subject and the customer's own words OR'ed. English articles.", "",
             "| language | messages | top-1 | top-2 |", "|---|---:|---:|---:|"]
    for language in languages:
        n = total[language]
        lines.append(f"| {language} | {n} | {top1[language]} ({top1[language] / n:.0%}) | "
                     f"{top2[language]} ({top2[language] / n:.0%}) |")
    lines += ["", f"{spent / len(rows) * 1000:.2f} ms a suggestion.", "",
              f"Misses (not in the top two): {len(misses)}", ""]
    lines += [f"- {miss}" for miss in misses]
    write_report("kb-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
