#!/usr/bin/env python3
"""The queue's first page (100 rows, as the console reads it on every keystroke of its search
box) for filters in every order, on a big store: ms, best of --runs warm reads, with the plan
of any page over 50 ms.

    python bench/filter_orders.py /tmp/speed-1m.db
    python bench/filter_orders.py STORE --filters "lang:en|owner:farid" --sorts sla,newest
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from omnitui.filters import Vocabulary
from omnitui.store.db import Store
from omnitui.store.queries import SORTS, CaseQuery, list_cases
from omnitui.tui.views import narrow

FILTERS = ("|intent:billing|lang:en|lang:de|lang:und|owner:farid|owner:bob|owner:none"
           "|queue:general|is:irritated|is:reopened|age:>1d|tag:vip|refund|zzqxnothing"
           "|owner:farid lang:en|status:solved")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--filters", default=FILTERS, help="|-separated, as typed")
    parser.add_argument("--sorts", default=",".join(SORTS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with Store(args.store) as store:
        conn = store.conn
        for text in args.filters.split("|"):
            for sort in args.sorts.split(","):
                query = replace(narrow(CaseQuery(), text, Vocabulary(me="farid"))[0],
                                sort=sort, limit=100)
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    rows = list_cases(conn, query)
                    times.append((time.perf_counter() - started) * 1000)
                print(f"{text!r:24} {sort:9} {min(times):7.1f} ms  {len(rows):3} rows"
                      + ("  SLOW" if min(times) > 50 else ""))


if __name__ == "__main__":
    main()
