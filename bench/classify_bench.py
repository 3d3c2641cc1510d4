#!/usr/bin/env python3
"""The classify stage alone: CPU of reading the import bench's 10,000 parsed messages
(language, tone, irritation, intent), as a parser process reads them.

    python bench/classify_bench.py            # best of 3 runs

The parsed messages are `filing_bench.py`'s (bench/out/filing-events.pickle, made on its
first run); each run clears what the last one read and reads every message again.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filing_bench import parsed

from omnitui.config import Settings
from omnitui.triage.classify import classify, load_models
from omnitui.triage.intent import intent_classifier


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    events = pickle.loads(parsed())
    settings = Settings()
    load_models(settings.triage)
    rules = intent_classifier(settings.intents, settings.semantic)
    times = []
    for _ in range(args.runs):
        for event in events:
            event.language = None  # read again, as if new
        started = time.process_time()
        for event in events:
            classify(event, settings.triage, rules)
        times.append(time.process_time() - started)
    print(f"classify {len(events):,} messages: best {min(times):.2f} CPU-s "
          f"({', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
