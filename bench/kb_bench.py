#!/usr/bin/env python3
"""How often the knowledge base suggests the right article for a customer's message.

bench/data/kb/ holds ten articles (English, front matter as a team would write it) and
bench/data/kb_messages.tsv 150 short support messages written for this bench, 15 per
article: 10 in English and one each in German, Spanish, French, Portuguese and Italian. Each
message becomes a case through the real pipeline in a fresh store; `suggest_for` ranks the
articles as the case screen does. Reported per language: top-1 (the first suggestion is the
right article) and top-2 (it is one of the two the case screen shows), and the time per
suggestion; full-text search alone, and with the semantic extra (when installed) side by
side.

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

from omnitui.config import KbSettings, SemanticSettings, Settings
from omnitui.model import Identifier, InboundEvent
from omnitui.services.intake import intake_pipeline
from omnitui.services.kb import refresh, suggest_for
from omnitui.store.db import Store, utc_now
from omnitui.triage.semantic import embedder

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
    model = embedder()
    modes = [("full-text search", None)] + ([("with the semantic extra", model)] if model else [])
    top1: dict[str, Counter[str]] = {name: Counter() for name, _ in modes}
    top2: dict[str, Counter[str]] = {name: Counter() for name, _ in modes}
    spent: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: dict[str, list[str]] = {name: [] for name, _ in modes}
    floor = SemanticSettings().article_min_similarity
    with tempfile.TemporaryDirectory() as work, Store(Path(work) / "kb.db") as store:
        refresh(store, KbSettings(path=str(DATA / "kb")), model)
        pipeline = intake_pipeline(store, Settings())
        for n, (article, language, text) in enumerate(rows):
            result = pipeline.ingest(InboundEvent(
                "chat", f"kb-{n}", text.encode(), utc_now(),
                [Identifier("chat", f"visitor-{n}", verified=True)], text=text))
            assert result.case_id is not None
            for key in (language, "all"):
                total[key] += 1
            for name, mode in modes:
                started = time.perf_counter()
                found = [a.path for a in suggest_for(store.conn, result.case_id,
                                                     model=mode, floor=floor)]
                spent[name] += time.perf_counter() - started
                for key in (language, "all"):
                    top1[name][key] += found[:1] == [article]
                    top2[name][key] += article in found
                if article not in found:
                    misses[name].append(f"{language}: {text!r} -> {found or 'nothing'} "
                                        f"(wanted {article})")
    languages = ["en", "de", "es", "fr", "pt", "it", "all"]
    head = " | ".join(f"{name}: top-1 / top-2" for name, _ in modes)
    lines = ["# Knowledge-base suggestions on 150 labelled messages", "", machine_line(), "",
             "Full-text search: FTS5, BM25 (title 10 : tags 4 : body 1), the content words of "
             "the subject and the customer's own words OR'ed. With the semantic extra: the "
             f"articles at least {floor} near in meaning (wordllama, cosine; an article is its "
             "title, tags and opening), then full-text matches. English articles.", "",
             f"| language | messages | {head} |", "|---|---:|" + "---:|" * len(modes)]
    for language in languages:
        n = total[language]
        cells = [f"{top1[name][language]} ({top1[name][language] / n:.0%}) / "
                 f"{top2[name][language]} ({top2[name][language] / n:.0%})"
                 for name, _ in modes]
        lines.append(f"| {language} | {n} | {' | '.join(cells)} |")
    lines.append("")
    for name, _ in modes:
        lines += [f"{name}: {spent[name] / len(rows) * 1000:.2f} ms a suggestion; misses "
                  f"(not in the top two): {len(misses[name])}", ""]
        lines += [f"- {miss}" for miss in misses[name]] + [""]
    if model is None:
        lines.append("(the semantic extra is not installed: pip install -e '.[semantic]')")
    write_report("kb-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
