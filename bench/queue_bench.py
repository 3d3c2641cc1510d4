#!/usr/bin/env python3
"""Queue query speed on demo stores of about 10k, 100k and 1M cases, and what building them costs.

    python bench/queue_bench.py                          # 10k, 100k, 1M (1M only if cheap)
    python bench/queue_bench.py --sizes 10000            # one size
    python bench/queue_bench.py --sizes 1000000 --max-build-minutes 0  # 1M, whatever it costs
    python bench/queue_bench.py --what-if          # + alternative SQL for the slow queries
    python bench/queue_bench.py --profile-demo     # where a 20k-message demo build spends time

Stores are built with the real command, `omnitui demo --db PATH --no-console --customers C
--messages M` (wall clock and peak RSS recorded), and kept under bench/out/ so reruns only
measure: an existing store is reused with the build facts recorded next to it (PATH.json).
The number of cases a demo makes per message is found first with a small calibration build;
customers = messages (so most conversations become cases, as in a large helpdesk).

Since omnitui 98405f4 the demo sends at most 50,000 customer messages through the ingest
pipeline and grows the store beyond that by renumbered copies of that base (omnitui/store/
replicate.py), so a big build's time is mostly copying; the pipeline's own rate is what the
calibration build (6,000 messages) and --profile-demo (20,000) show. Before a build, its
time is estimated from the last build's rate; a build expected to take longer than
--max-build-minutes (default 25) is skipped and reported as an estimate.

Measured in-process with omnitui.store.queries.list_cases on a Store opened like the console
opens it, median of 7 runs after one warm-up (the warm-up's time is reported too):
first page (50) of the active queue by priority and by SLA, the next page of each via keyset
`after`, owner=alice, and full-text search pages (a common word, a customer surname). The SLA
order shows every case, those without a due time (pending, on hold) last: the first page past
the dated cases and the whole ordered id list (what the console holds) are timed too.
EXPLAIN QUERY PLAN of the priority, SLA, owner and search pages shows the index each uses
(the .json has the SQL and plan of every query). A store built by an older omnitui is
migrated when opened, as the console would.
Writes bench/out/queue-results.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from common import cprofile_section, machine_line, measure  # noqa: E402

from omnitui.store.db import Store  # noqa: E402
from omnitui.store.queries import CaseQuery, list_cases, queue_ids  # noqa: E402

ENV = {**os.environ, "OMNITUI_CONFIG": "", "OMNITUI_DB": ""}
CALIBRATION_MESSAGES = 6000
# Plans printed in the report (all of them are in the .json).
PLANS_SHOWN = ("priority", "sla", "sla-undated", "sla-ids", "owner", "search")


# --- building stores ----------------------------------------------------------------------------

def store_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"cases": one("SELECT count(*) FROM cases"),
                "active": one("SELECT count(*) FROM cases WHERE status IN"
                              " ('new','open','pending','on_hold')"),
                "messages": one("SELECT count(*) FROM messages"),
                "inbound": one("SELECT count(*) FROM messages WHERE direction = 'in'"),
                "customers": one("SELECT count(*) FROM customers")}
    finally:
        conn.close()


def file_mb(path: Path) -> float:
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{path}{s}").exists()) / 1e6


def build(path: Path, customers: int, messages: int) -> dict[str, Any]:
    """Build (or reuse) a demo store; returns the build facts, kept in PATH.json."""
    facts_file = Path(f"{path}.json")
    if path.exists() and facts_file.exists():
        facts = json.loads(facts_file.read_text())
        if facts.get("customers_arg") == customers and facts.get("messages_arg") == messages:
            facts["reused"] = True
            return facts
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"  building {path.name}: omnitui demo --customers {customers} --messages "
          f"{messages} ...", flush=True)
    result = measure([shutil.which("omnitui") or "omnitui", "demo", "--db", str(path),
                      "--no-console", "--customers", str(customers),
                      "--messages", str(messages)], env=ENV)
    counts = store_counts(path)
    facts = {"customers_arg": customers, "messages_arg": messages, "build_s": result["wall"],
             "build_cpu_s": result["cpu"], "peak_rss_mb": result["peak_tree_mb"],
             "inbound_per_s": messages / result["wall"], "file_mb": file_mb(path),
             "machine": machine_line(), **counts, "reused": False}
    facts_file.write_text(json.dumps(facts, indent=1))
    print(f"  built in {result['wall']:.0f} s ({facts['inbound_per_s']:,.0f} inbound msgs/s):"
          f" {counts['cases']:,} cases", flush=True)
    return facts


def calibrate() -> float:
    """Cases per inbound message of the demo when customers = messages."""
    path = OUT / f"queue-calibration-{CALIBRATION_MESSAGES}.db"
    facts = build(path, CALIBRATION_MESSAGES, CALIBRATION_MESSAGES)
    return facts["cases"] / CALIBRATION_MESSAGES


# --- measuring queries ------------------------------------------------------------------------

class Recorder:
    """Stands in for the connection so the SQL list_cases builds can be EXPLAINed."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.last: tuple[str, tuple[Any, ...]] | None = None

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.last = (sql, tuple(params))
        return self.conn.execute(sql, params)


def timed(fn, runs: int) -> tuple[float, float, Any]:
    """(warm-up ms, median ms of `runs`, last result)."""
    started = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - started) * 1e3
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1e3)
    return first, statistics.median(times), result


def common_surname(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT name FROM customers WHERE id = (SELECT customer_id FROM cases"
                       " WHERE status IN ('new','open') ORDER BY id LIMIT 1)").fetchone()
    return row[0].split()[-1] if row else "Okafor"  # the surname of an early open case


def measure_queries(path: Path, runs: int) -> dict[str, Any]:
    store = Store(path)
    conn = store.conn
    surname = common_surname(conn)

    def after_of(page):
        return (page[-1].priority, page[-1].id) if page else None

    first_priority = list_cases(conn, CaseQuery(sort="priority"))
    first_sla = list_cases(conn, CaseQuery(sort="sla"))
    sla_after = (first_sla[-1].sla_due, first_sla[-1].id) if first_sla else None
    cases = [  # (name, plan key, query run on a connection)
        ("priority, first page", "priority",
         lambda c: list_cases(c, CaseQuery(sort="priority"))),
        ("priority, next page (keyset)", "priority-next",
         lambda c: list_cases(c, CaseQuery(sort="priority"), after=after_of(first_priority))),
        ("SLA, first page", "sla", lambda c: list_cases(c, CaseQuery(sort="sla"))),
        ("SLA, next page (keyset)", "sla-next",
         lambda c: list_cases(c, CaseQuery(sort="sla"), after=sla_after)),
        ("SLA, first page without a due time (keyset past the dated cases)", "sla-undated",
         lambda c: list_cases(c, CaseQuery(sort="sla"), after=(None, 0))),
        ("SLA, every id of the view in order (queue_ids, what the console holds)", "sla-ids",
         lambda c: queue_ids(c, CaseQuery(sort="sla"))),
        ("owner=alice, by priority", "owner",
         lambda c: list_cases(c, CaseQuery(owner="alice", sort="priority"))),
        ("search 'refund' (common word), by priority", "search",
         lambda c: list_cases(c, CaseQuery(search="refund", sort="priority"))),
        ("search a customer's surname, by priority", "search-name",
         lambda c: list_cases(c, CaseQuery(search=surname, sort="priority"))),
    ]
    results = []
    plans = {}
    for name, key, fn in cases:
        first, median, rows = timed(lambda fn=fn: fn(conn), runs)
        results.append({"query": name, "warmup_ms": first, "median_ms": median,
                        "rows": len(rows), **({"term": surname} if key == "search-name" else {})})
        print(f"    {name}: {median:.2f} ms (warm-up {first:.1f} ms, {len(rows)} rows)",
              flush=True)
        recorder = Recorder(conn)
        fn(recorder)
        sql, params = recorder.last
        plan = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        plans[key] = {"query": name, "sql": sql, "plan": [row[3] for row in plan]}
    store.close()
    return {"queries": results, "plans": plans}


def what_if(path: Path, runs: int) -> list[dict[str, Any]]:
    """Alternative SQL for the slow queries, on the same store; nothing is kept (a temporary
    index lives in a transaction that is rolled back)."""
    from omnitui.store.queries import SUMMARY_COLUMNS
    from omnitui.store.schema import ACTIVE

    store = Store(path, migrate=False)
    conn = store.conn
    base = (f"SELECT {SUMMARY_COLUMNS} FROM cases c JOIN customers cu ON cu.id = c.customer_id"
            f" WHERE c.status IN {ACTIVE}")
    owner = f"{base} AND c.owner = ? ORDER BY c.priority DESC, c.id DESC LIMIT 50"
    window = (f"{base} AND c.id IN (SELECT m.case_id FROM messages m WHERE m.id IN (SELECT"
              " rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT"
              " ?)) ORDER BY c.priority DESC, c.id DESC LIMIT 50")
    results = []

    def run(name: str, sql: str, params: tuple[Any, ...]) -> None:
        first, median, rows = timed(lambda: conn.execute(sql, params).fetchall(), runs)
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        results.append({"query": name, "median_ms": median, "warmup_ms": first,
                        "rows": len(rows), "plan": plan})
        print(f"    what-if {name}: {median:.2f} ms ({len(rows)} rows)", flush=True)

    run("owner=alice as list_cases runs it", owner, ("alice",))
    run("owner=alice, `+c.owner` (walks cases_active_priority)",
        owner.replace("c.owner = ?", "+c.owner = ?"), ("alice",))
    conn.execute("BEGIN")
    started = time.perf_counter()
    conn.execute(f"CREATE INDEX bench_active_owner ON cases(owner, priority DESC, id DESC)"
                 f" WHERE status IN {ACTIVE}")
    built = time.perf_counter() - started
    run("owner=alice with a partial index (owner, priority DESC, id DESC) WHERE active",
        owner, ("alice",))
    results[-1]["index_build_s"] = built
    conn.execute("ROLLBACK")
    run("FTS only: count the messages matching 'refund'",
        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", ('"refund"',))
    run("FTS hits -> distinct case ids, 'refund' (what the search page pays first)",
        "SELECT count(DISTINCT m.case_id) FROM messages m WHERE m.id IN (SELECT rowid FROM"
        " messages_fts WHERE messages_fts MATCH ?)", ('"refund"',))
    for limit in (500, 2000):
        run(f"search 'refund' bounded: cases of the {limit:,} newest hits, by priority",
            window, ('"refund"', limit))
    store.close()
    return results


# --- profiling a demo build ---------------------------------------------------------------------

def profile_demo(messages: int, top: int = 20) -> str:
    """Where a demo build's time goes: SQL statement times, cProfile, and py-spy if present."""
    from sqlprof import report, sql_timing

    from omnitui.config import Settings
    from omnitui.demo import build_demo

    parts = [f"### Where a {messages:,}-message demo build spends its time "
             f"(customers = messages)", "", machine_line(), ""]
    work = OUT / "profile-demo"
    with sql_timing() as stats:
        shutil.rmtree(work, ignore_errors=True)
        store = Store(work / "demo.db")
        started = time.perf_counter()
        build_demo(store, Settings(), customers=messages, messages=messages)
        wall = time.perf_counter() - started
        store.close()
    parts += [f"Build without a profiler: {wall:.1f} s ({messages / wall:,.0f} inbound "
              "messages/s, SQL timing on).", "", "#### SQL statements", "",
              report(stats, wall, top), ""]

    if shutil.which("py-spy"):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        raw = OUT / "demo-pyspy.txt"
        subprocess.run(["py-spy", "record", "-r", "200", "--format", "raw", "-o", str(raw),
                        "--", shutil.which("omnitui") or "omnitui", "demo", "--db",
                        str(work / "demo.db"),
                        "--no-console", "--customers", str(messages), "--messages",
                        str(messages)], env=ENV, check=True, capture_output=True)
        parts += ["#### py-spy (200 Hz sampling of `omnitui demo`, no profiler overhead)", "",
                  pyspy_summary(raw, top), ""]

    shutil.rmtree(work, ignore_errors=True)
    store = Store(work / "demo.db")
    parts += cprofile_section(
        lambda: build_demo(store, Settings(), customers=messages, messages=messages),
        OUT / "demo.prof", "cProfile (inflates Python-heavy code)", top)
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return "\n".join(parts)


def pyspy_summary(raw: Path, top: int) -> str:
    """Self (leaf Python frame, including the C calls it makes) and inclusive sample shares."""
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [f.rsplit(":", 1)[0] + ")" if ":" in f else f for f in stack.split(";")]
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total:,} samples", "", "| self % | function (leaf frame; its C calls included) |",
             "|---:|---|"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in leaf.most_common(top)]
    lines += ["", "| inclusive % | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in inclusive.most_common(top + 15)
              if "typer" not in f and "click" not in f and "<module>" not in f][: top]
    return "\n".join(lines)


# --- the report -------------------------------------------------------------------------------

def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def report(stores: list[dict[str, Any]]) -> str:
    measured = [s for s in stores if "queries" in s]
    out = ["### Queue queries (median of 7 after a warm-up, ms; in-process list_cases)", "",
           machine_line(), ""]
    head = "| query | " + " | ".join(s["title"] for s in measured) + " |"
    out += [head, "|---|" + "---:|" * len(measured)]
    for i, q in enumerate(measured[0]["queries"] if measured else []):
        cells = []
        for s in measured:
            r = s["queries"][i]
            term = f"'{r['term']}', " if "term" in r else ""
            cells.append(f"{r['median_ms']:.2f} ({term}warm-up {r['warmup_ms']:.1f}; "
                         f"{r['rows']} rows)")
        out.append(f"| {q['query']} | " + " | ".join(cells) + " |")
    if measured:
        big = measured[-1]["queries"][0]["median_ms"]
        out += ["", f"Target: first page < 20 ms at the largest store ({measured[-1]['title']}):"
                    f" {big:.2f} ms, " + ("met" if big < 20 else "NOT met")]
    out += ["", "### The stores", "",
            "| store | cases | active | messages | customers | build | customer msgs/s | "
            "peak RSS | file |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in stores:
        f = s["facts"]
        if f.get("estimated"):
            out.append(f"| {s['title']} | ~{f['cases']:,} (est.) | | ~{f['inbound']:,} inbound "
                       f"| {f['customers_arg']:,} | **not built**: ~{f['estimate_min']:.0f} min "
                       f"estimated | {f['inbound_per_s']:,.0f} (from last build) | | |")
            continue
        build = f"{f['build_s'] / 60:.1f} min" + (" (reused)" if f.get("reused") else "")
        rate = f"{f['inbound_per_s']:,.0f}" if "inbound_per_s" in f else "n/a"
        rss = f"{f['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in f else "n/a"
        out.append(f"| {s['title']} | {f['cases']:,} | {f['active']:,} | {f['messages']:,} | "
                   f"{f['customers']:,} | {build} | {rate} | {rss} | {f['file_mb']:,.0f} MB |")
    if any("what_if" in s for s in measured):
        out += ["", "### What-if: alternative SQL for the slow queries (ms, median)", "",
                "| variant | " + " | ".join(s["title"] for s in measured) + " |",
                "|---|" + "---:|" * len(measured)]
        for i, w in enumerate(measured[0].get("what_if", [])):
            out.append(f"| {w['query']} | " + " | ".join(
                f"{s['what_if'][i]['median_ms']:.2f}" for s in measured) + " |")
    for s in measured:
        out += ["", f"#### Query plans, {s['title']}", ""]
        for key in PLANS_SHOWN:
            p = s["plans"][key]
            out += [f"{p['query']}:", "```", *p["plan"], "```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="target case counts, comma-separated")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-build-minutes", type=float, default=25,
                        help="skip a build estimated to take longer (0: no limit)")
    parser.add_argument("--what-if", action="store_true",
                        help="also time alternative SQL for the slow queries (owner, search)")
    parser.add_argument("--profile-demo", type=int, nargs="?", const=20_000, metavar="MSGS",
                        help="profile a demo build of MSGS messages (default 20,000)")
    parser.add_argument("--no-queries", action="store_true", help="only build / profile")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    if args.profile_demo:
        text = profile_demo(args.profile_demo)
        (OUT / "demo-profile.md").write_text(text, encoding="utf-8")
        print(text)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    stores: list[dict[str, Any]] = []
    if sizes:
        ratio = calibrate()
        print(f"calibration: {ratio:.3f} cases per inbound message (customers = messages)",
              flush=True)
    last_rate = None
    for size in sorted(sizes):
        messages = round(size / ratio / 1000) * 1000
        path = OUT / f"queue-{label(size)}.db"
        facts_file = Path(f"{path}.json")
        reusable = path.exists() and facts_file.exists()
        if not reusable and last_rate and args.max_build_minutes:
            estimate = messages / last_rate / 60
            if estimate > args.max_build_minutes:
                print(f"  {label(size)}: build of {messages:,} messages estimated at "
                      f"{estimate:.0f} min > {args.max_build_minutes:.0f}: skipped", flush=True)
                stores.append({"title": f"{label(size)} (not built)", "facts": {
                    "estimated": True, "estimate_min": estimate, "cases": size,
                    "inbound": messages, "customers_arg": messages,
                    "inbound_per_s": last_rate}})
                continue
        facts = build(path, messages, messages)
        last_rate = facts["inbound_per_s"]
        entry = {"title": f"{label(size)} ({facts['cases']:,} cases)", "facts": facts,
                 "path": str(path)}
        if not args.no_queries:
            print(f"  measuring {path.name}", flush=True)
            entry.update(measure_queries(path, args.runs))
            if args.what_if:
                entry["what_if"] = what_if(path, args.runs)
        stores.append(entry)
    if stores:
        text = report(stores)
        print("\n" + text)
        (OUT / "queue-results.md").write_text(text, encoding="utf-8")
        (OUT / "queue-results.json").write_text(json.dumps(stores, indent=1, default=str),
                                                encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
