#!/usr/bin/env python3
"""Sustained signed webhook load against `omnitui serve`: requests/s and time to
acknowledgement, then a SIGKILL and a count that every acknowledged event is in the store.

For each number of concurrent keep-alive connections (default 1, 8, 32), round by round:

* omnitui: `python -m omnitui --db FRESH --config CFG serve` on a free loopback port, one
  generic (Standard Webhooks) channel. Its receiver answers each request only after the
  group commit (synchronous=FULL) that holds its body;
* floor: a bare Starlette app on the same uvicorn (h11, no access log) that does one
  durable SQLite insert per request, one commit each (WAL, synchronous=FULL): no
  verification, no parsing, no group commit. It shows what group commit buys.

The load generator is a second process (this script with --load): one httpx.AsyncClient
with N keep-alive connections and N coroutines, each sending signed requests back to back
(a unique webhook-id each, signed with the `standardwebhooks` package), timing send -> 2xx.
The measured window is --duration seconds; the generator then keeps sending, and the
parent SIGKILLs the server half a second after the window while requests are in flight.
The parent then opens the store with plain sqlite3 and checks that every acknowledged id
is there (missing must be 0), and counts how many were already filed on cases.

    python bench/webhook_bench.py [--duration 20] [--connections 1,8,32] [--rounds 1]
                                  [--no-floor]

Writes bench/out/webhook-results.md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import psutil  # noqa: E402
from common import machine_line, write_report  # noqa: E402

OUT = ROOT / "bench" / "out"
CHANNEL = "forms"
SECRET = "bench-signing-key-not-a-real-one"
PATH = f"/hooks/{CHANNEL}"
NAMES = {"omnitui": "omnitui serve", "receiver": "omnitui receiver alone (no filer)",
         "floor": "floor: bare app, 1 commit per request",
         "noop": "HTTP only: bare app, no store (not durable)"}
KILL_AFTER = 0.5  # seconds after the measured window: the kill lands on requests in flight
TAIL_LIMIT = 10.0  # the generator gives up this long after the window if nothing kills it


# ---------------------------------------------------------------- the load generator process

def body_for(seq: int) -> str:
    return json.dumps({"type": "message",
                       "from": {"email": f"customer{seq % 500}@example.com",
                                "name": f"Customer {seq % 500}"},
                       "subject": "Order question",
                       "text": f"Hello, this is form submission {seq}. Where is my order? "
                               "It was due on Monday and the tracking page shows nothing."})


async def load(url: str, connections: int, duration: float, prefix: str,
               client_kind: str) -> dict:
    from standardwebhooks.webhooks import Webhook

    signer = Webhook(SECRET.encode())  # bytes: the plain string is the key, as omnitui reads it
    latencies: list[float] = []  # seconds, requests answered inside the window
    acked: list[str] = []  # every webhook-id answered 2xx (warm-up, window and tail)
    statuses: Counter[int] = Counter()
    window_errors: Counter[str] = Counter()
    tail_errors: Counter[str] = Counter()
    counter = iter(range(10**12))
    async with contextlib.AsyncExitStack() as stack:
        if client_kind == "httpx":
            import httpx

            client = await stack.enter_async_context(httpx.AsyncClient(
                limits=httpx.Limits(max_connections=connections,
                                    max_keepalive_connections=connections),
                timeout=httpx.Timeout(30.0)))

            async def post(body: bytes, headers: dict[str, str]) -> int:
                return (await client.post(url, content=body, headers=headers)).status_code
        else:
            import aiohttp

            session = await stack.enter_async_context(aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=connections),
                timeout=aiohttp.ClientTimeout(total=30.0)))

            async def post(body: bytes, headers: dict[str, str]) -> int:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    return response.status

        async def send() -> tuple[str, float, int]:
            seq = next(counter)
            msg_id = f"{prefix}-{seq}"
            body = body_for(seq)
            now = datetime.now(UTC)
            headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
                       "webhook-signature": signer.sign(msg_id, now, body),
                       "content-type": "application/json"}
            started = time.perf_counter()
            status = await post(body.encode(), headers)
            return msg_id, time.perf_counter() - started, status

        # warm-up: open every connection (these are real events too, and are checked)
        for msg_id, _, status in await asyncio.gather(*(send() for _ in range(connections))):
            if 200 <= status < 300:
                acked.append(msg_id)
        print("ready", flush=True)
        window_start = time.perf_counter()
        window_end = window_start + duration
        cpu = {"start": time.process_time()}

        async def clock() -> None:
            await asyncio.sleep(duration)
            cpu["end"] = time.process_time()

        async def worker() -> None:
            while True:
                now = time.perf_counter()
                if now > window_end + TAIL_LIMIT:
                    return
                in_window = now < window_end
                try:
                    msg_id, seconds, status = await send()
                except Exception as exc:  # after the kill: the server is gone
                    (window_errors if in_window else tail_errors)[type(exc).__name__] += 1
                    if in_window:
                        await asyncio.sleep(0.01)
                        continue
                    return
                if 200 <= status < 300:
                    acked.append(msg_id)
                if time.perf_counter() <= window_end:
                    statuses[status] += 1
                    if 200 <= status < 300:
                        latencies.append(seconds)

        await asyncio.gather(clock(), *(worker() for _ in range(connections)))
    return {"cpu_seconds": cpu["end"] - cpu["start"], "latencies": latencies, "acked": acked,
            "statuses": dict(statuses),
            "window_errors": dict(window_errors), "tail_errors": dict(tail_errors),
            "duration": duration}


# ------------------------------------------------------------------- the floor server process

def floor_app(db_path: Path, noop: bool = False):
    import threading

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, key TEXT UNIQUE,"
                 " body BLOB NOT NULL)")
    lock = threading.Lock()

    def insert(key: str, body: bytes) -> None:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR IGNORE INTO raw (key, body) VALUES (?, ?)", (key, body))
            conn.execute("COMMIT")

    async def receive(request: Request) -> Response:
        body = await request.body()
        if noop:  # the HTTP stack alone: read the body, answer
            return Response(b"", status_code=200)
        await run_in_threadpool(insert, request.headers.get("webhook-id", ""), body)
        return Response(b"", status_code=200)

    return Starlette(routes=[Route(PATH, receive, methods=["GET", "POST"])])


def run_floor_server(port: int, db_path: Path, noop: bool) -> None:
    import uvicorn

    uvicorn.run(floor_app(db_path, noop), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, lifespan="off", timeout_keep_alive=30, server_header=False)


def run_receiver_only(config: Path, db_path: Path) -> None:
    """omnitui's own receiver (the same WebhookReceiver `serve` starts) with no filer: the
    writer has the store's write lock to itself."""
    from omnitui.channels.webhooks.server import WebhookReceiver
    from omnitui.config import load_settings

    receiver = WebhookReceiver(db_path, load_settings(config))
    receiver.start()
    while True:
        time.sleep(3600)


# ------------------------------------------------------------------------------ the parent

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env() -> dict[str, str]:
    """Children import this tree's omnitui, not whatever the venv has installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def start_server(kind: str, work: Path, port: int) -> tuple[subprocess.Popen, Path]:
    db = work / f"{kind}.db"
    log = work / f"{kind}.stderr"
    if kind in ("omnitui", "receiver"):
        config = work / "omnitui.toml"
        config.write_text(f'[server]\nlisten = "127.0.0.1:{port}"\n\n'
                          f'[[channels]]\nname = "{CHANNEL}"\nkind = "generic"\n'
                          f'secret = "{SECRET}"\n')
        from omnitui.store.db import Store  # a fresh store, as `omnitui init` makes it
        Store(db).close()
        cmd = [sys.executable, "-m", "omnitui", "--db", str(db), "--config", str(config),
               "serve", "--log-file", str(work / "omnitui.log")]
        if kind == "receiver":
            cmd = [sys.executable, __file__, "--receiver-only", "--config", str(config),
                   "--db", str(db)]
    else:
        cmd = [sys.executable, __file__, "--floor-server", "--port", str(port), "--db", str(db),
               *(["--noop"] if kind == "noop" else [])]
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, env=env(), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=err)
    wait_until_up(proc, port, log)
    return proc, db


def wait_until_up(proc: subprocess.Popen, port: int, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{PATH}", timeout=1.0)  # any answer will do
            return
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not answer within 30 s:\n{log.read_text()[-2000:]}")


def stored_keys(kind: str, db: Path) -> tuple[set[str], int]:
    """(the webhook-ids in the store, how many of them are filed on cases) after the kill,
    read with plain sqlite3 (which also replays the WAL the killed server left)."""
    conn = sqlite3.connect(db)
    try:
        if kind in ("omnitui", "receiver"):
            rows = conn.execute("SELECT external_key, pending FROM raw_payloads "
                                "WHERE channel = 'webhook' AND source = ?", (CHANNEL,)).fetchall()
            keys = {key.partition(":")[2] for key, _ in rows}
            filed = conn.execute(
                "SELECT count(DISTINCT r.id) FROM raw_payloads r JOIN messages m "
                "ON m.raw_id = r.id WHERE r.channel = 'webhook' AND r.pending = 0").fetchone()[0]
            return keys, filed
        return {key for (key,) in conn.execute("SELECT key FROM raw")}, 0
    finally:
        conn.close()


def run_one(kind: str, connections: int, duration: float, work: Path, client: str) -> dict:
    port = free_port()
    server, db = start_server(kind, work, port)
    prefix = f"{kind}-c{connections}-{int(time.time() * 1000)}"
    results = work / f"{kind}-c{connections}.json"
    generator = subprocess.Popen(
        [sys.executable, __file__, "--load", "--url", f"http://127.0.0.1:{port}{PATH}",
         "--connections", str(connections), "--duration", str(duration),
         "--prefix", prefix, "--out", str(results), "--client", client],
        env=env(), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = generator.stdout.readline() if generator.stdout else ""
        if line.strip() != "ready":
            raise SystemExit(f"the load generator did not start: {line!r}")
        watched = psutil.Process(server.pid)
        cpu_start = sum(watched.cpu_times()[:2])
        time.sleep(duration)
        server_cpu = sum(watched.cpu_times()[:2]) - cpu_start
        time.sleep(KILL_AFTER)
    finally:
        server.send_signal(signal.SIGKILL)  # no clean stop: what was acknowledged must be there
        server.wait()
    if generator.wait(timeout=TAIL_LIMIT + 30) != 0:
        raise SystemExit(f"the load generator failed ({generator.returncode})")
    data = json.loads(results.read_text())
    acked = set(data["acked"])
    keys, filed = stored_keys(kind, db) if kind != "noop" else (acked, 0)
    missing = sorted(acked - keys)
    latencies = sorted(data["latencies"])
    ok = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(ok - 1, int(p * ok))] * 1000 if ok else float("nan")

    stderr = (work / f"{kind}.stderr").read_text(errors="replace")
    return {"kind": kind, "connections": connections, "duration": duration,
            "rps": ok / duration, "answered": ok, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "max_ms": latencies[-1] * 1000 if ok else float("nan"),
            "server_cpu": server_cpu / duration, "client_cpu": data["cpu_seconds"] / duration,
            "statuses": data["statuses"], "window_errors": data["window_errors"],
            "tail_errors": data["tail_errors"], "acked": len(acked), "missing": len(missing),
            "missing_ids": missing[:20], "stored": len(keys),
            "stored_not_acked": len(keys - acked), "filed": filed,
            "server_warnings": [line for line in stderr.splitlines()
                                if "WARNING" in line or "ERROR" in line
                                or "Traceback" in line][:10]}


def fsync_rate(work: Path) -> float:
    """Single-row durable commits per second on this disk (WAL, synchronous=FULL)."""
    conn = sqlite3.connect(work / "fsync.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x BLOB)")
    count, started = 300, time.perf_counter()
    for _ in range(count):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (zeroblob(300))")
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return count / seconds


def table(runs: list[dict]) -> list[str]:
    lines = ["| contender | connections | requests/s | p50 ms | p99 ms | max ms | server CPU "
             "(cores) | load generator CPU (cores) | non-2xx / errors in window | acknowledged "
             "| **missing after SIGKILL** | stored, answer lost in the kill | filed on cases "
             "at the kill |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in runs:
        bad = {k: v for k, v in r["statuses"].items() if not 200 <= int(k) < 300}
        problems = ", ".join([f"{v}x {k}" for k, v in bad.items()]
                             + [f"{v}x {k}" for k, v in r["window_errors"].items()]) or "0"
        name = NAMES[r["kind"]]
        filed = f"{r['filed']:,}" if r["kind"] == "omnitui" else "n/a"
        durable = r["kind"] != "noop"
        missing = f"**{r['missing']}**" if durable else "n/a"
        lost = r["stored_not_acked"] if durable else "n/a"
        lines.append(f"| {name} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
                     f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['server_cpu']:.2f} | "
                     f"{r['client_cpu']:.2f} | {problems} | {r['acked']:,} | {missing} | "
                     f"{lost} | {filed} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per measurement")
    parser.add_argument("--connections", default="1,8,32",
                        help="concurrent keep-alive connections, comma-separated")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true", help="omnitui only")
    parser.add_argument("--receiver-only-too", action="store_true",
                        help="also omnitui's receiver alone, without the daemon's filer")
    parser.add_argument("--keep", action="store_true",
                        help="keep the stores and server logs (in bench/out/webhook-*)")
    parser.add_argument("--client", choices=["aiohttp", "httpx"], default="aiohttp",
                        help="the load generator's HTTP client (one asyncio process either way)")
    # the child processes
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--noop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--receiver-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.load:
        data = asyncio.run(load(args.url, int(args.connections), args.duration, args.prefix,
                                args.client))
        args.out.write_text(json.dumps(data))
        return 0
    if args.floor_server:
        run_floor_server(args.port, args.db, args.noop)
        return 0
    if args.receiver_only:
        sys.path.insert(0, str(ROOT))
        run_receiver_only(args.config, args.db)
        return 0

    sys.path.insert(0, str(ROOT))
    levels = [int(n) for n in args.connections.split(",")]
    kinds = ["omnitui"] if args.no_floor else ["omnitui", "floor", "noop"]
    if args.receiver_only_too:
        kinds.insert(1, "receiver")
    OUT.mkdir(exist_ok=True)
    runs: list[dict] = []
    # stores on the same disk as the project (bench/out), not a tmpfs
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = tempfile.mkdtemp(dir=OUT, prefix="webhook-")
            print(f"stores and logs kept in {tmp}", flush=True)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(dir=OUT, prefix="webhook-"))
        fsyncs = fsync_rate(Path(tmp))
        print(f"durable single-row commits on this disk: {fsyncs:,.0f}/s", flush=True)
        for round_no in range(args.rounds):
            for connections in levels:
                for kind in kinds:
                    work = Path(tmp) / f"r{round_no}-{kind}-c{connections}"
                    work.mkdir()
                    result = run_one(kind, connections, args.duration, work, args.client)
                    result["round"] = round_no + 1
                    runs.append(result)
                    print(f"round {round_no + 1}, {kind}, {connections} connections: "
                          f"{result['rps']:,.0f}/s, p50 {result['p50_ms']:.1f} ms, p99 "
                          f"{result['p99_ms']:.1f} ms, acked {result['acked']:,}, missing "
                          f"{result['missing']}, filed {result['filed']:,}", flush=True)
    command = "python bench/webhook_bench.py " + " ".join(sys.argv[1:])
    lines = [f"### Webhook load, {args.duration:g} s per level, {args.rounds} round(s), "
             f"{machine_line()}", "", f"Command: `{command.strip()}`", "",
             f"Durable single-row commits on this disk (WAL, synchronous=FULL): "
             f"{fsyncs:,.0f}/s.", "", *table(runs)]
    notes = []
    for r in runs:
        if r["missing"]:
            notes.append(f"- LOST: {r['kind']} at {r['connections']} connections: "
                         f"{r['missing']} acknowledged ids not in the store, e.g. "
                         f"{', '.join(r['missing_ids'][:5])}")
        if r["server_warnings"]:
            notes.append(f"- {r['kind']} at {r['connections']} connections logged: "
                         + " / ".join(r["server_warnings"][:3]))
    if notes:
        lines += ["", *notes]
    (OUT / "webhook-results.json").write_text(json.dumps(runs, indent=1))
    write_report("webhook-results.md", "\n".join(lines) + "\n")
    return 1 if any(r["missing"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
