#!/usr/bin/env python3
"""The team's ceiling on one server: N consoles (each a process of its own, one agent each,
the real console app in a terminal of its own: bench/team_console.py) and `omnitui serve`
taking Telegram webhooks and IMAP mail (appended to dovecot on loopback, pymap without it)
at a steady rate, on this machine.

For each inbound rate it measures: how long another agent's change takes to reach every
console (p50, p99: a driver sets the marker case's priority 40 times, each console notes
when it learns of it and redraws); the consoles' CPU while nobody types (psutil, 10 s, once
they have all started and settled: 30 starting at once on 2 cores keep them busy a while);
and then 10 headless consoles racing to claim the same cases: double claims (two consoles
told they won one case), lost updates (a console told it won a case the store gives
someone else), and store errors an agent would see ("database is locked").

    python bench/team_bench.py --consoles 30 --rates 0 5 20

Writes bench/out/team-results.md.
"""

from __future__ import annotations

import argparse
import email.utils
import fcntl
import json
import os
import pty
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from contextlib import suppress
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine_line, write_report

from omnitui.store.db import Store, db_time, utc_now
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import SECRETS, post_telegram, telegram_update
from tests.imap_servers import ImapServer, available_kinds

HERE = Path(__file__).resolve().parent
SECRET_ENV = "OMNITUI_BENCH_TG_SECRET"
PASSWORD_ENV = "OMNITUI_BENCH_IMAP_PASSWORD"


def omnitui(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "omnitui", *args], check=True, env=env,
                   capture_output=True, timeout=1800)


def prepare(folder: Path, customers: int,
            imap: ImapServer | None = None) -> tuple[Path, Path, int]:
    db = folder / "team.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", str(customers),
            "--messages", str(customers * 2))
    port = free_port()
    config = folder / "config.toml"
    text = (f'[server]\nlisten = "127.0.0.1:{port}"\n\n[[channels]]\nname = "tg"\n'
            f'kind = "telegram"\nsecret_env = "{SECRET_ENV}"\n')
    if imap is not None:
        text += (f'\n[[mailboxes]]\nname = "support"\naddress = "{imap.username}"\n'
                 f'imap_host = "{imap.host}"\nimap_port = {imap.port}\n'
                 f'imap_security = "none"\nusername = "{imap.username}"\n'
                 f'password_env = "{PASSWORD_ENV}"\n')
    config.write_text(text)
    config.chmod(0o600)
    return db, config, port


def unowned_cases(db: Path, count: int) -> list[int]:
    """`count` unsolved cases made unowned, the team away, so routing leaves them be."""
    with Store(db) as store, store.write() as conn:
        conn.execute("UPDATE agents SET away_since = ?", (db_time(utc_now()),))
        ids = [r[0] for r in conn.execute("SELECT id FROM cases WHERE status IN ('new',"
                                          " 'open') ORDER BY id LIMIT ?", (count,))]
        conn.execute(f"UPDATE cases SET owner = NULL WHERE id IN ({','.join(map(str, ids))})")
    return ids


class Poster(threading.Thread):
    """Telegram updates at `rate` a second; counts what the daemon acknowledged."""

    def __init__(self, port: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.port, self.rate, self.stop, self.acked, self.refused = port, rate, \
            threading.Event(), 0, 0
        self.refused_at: list[float] = []  # when each refusal came (time.time())

    def run(self) -> None:
        if not self.rate:
            return
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as client:
            n = 0
            started = time.monotonic()
            while not self.stop.is_set():
                n += 1
                status = post_telegram(client, telegram_update(
                    f"load {n}", user_id=1000 + n % 500)).status_code
                self.acked += status == 200
                if status != 200:
                    self.refused += 1
                    self.refused_at.append(time.time())
                time.sleep(max(0.0, started + n / self.rate - time.monotonic()))


class MailPoster(threading.Thread):
    """New mail appended to the IMAP server at `rate` a second, as a mail client delivers
    it (the daemon learns of it by IDLE); counts what the server took."""

    def __init__(self, imap: ImapServer, rate: float) -> None:
        super().__init__(daemon=True)
        self.imap, self.rate, self.stop, self.appended = imap, rate, threading.Event(), 0

    def run(self) -> None:
        if not self.rate:
            return
        client = self.imap.connect()
        n = 0
        started = time.monotonic()
        while not self.stop.is_set():
            n += 1
            client.append("INBOX", (
                f"From: Customer {n % 300} <c{n % 300}@example.net>\r\n"
                f"To: {self.imap.username}\r\nSubject: Order question {n}\r\n"
                f"Message-ID: <bench-{n}-{time.time_ns()}@example.net>\r\n"
                f"Date: {email.utils.formatdate()}\r\n\r\n"
                f"Where is my order {n}? It was due last week.\r\n").encode())
            self.appended += 1
            time.sleep(max(0.0, started + n / self.rate - time.monotonic()))
        client.logout()


def spawn(db: Path, agent: str, mode: str, out: Path, extra: str) -> subprocess.Popen:
    """A console process; a watching one gets a terminal of its own (a pty, drained)."""
    command = [sys.executable, str(HERE / "team_console.py"), str(db), agent, mode, str(out),
               extra]
    if mode != "watch":
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal,
                               start_new_session=True, env={**os.environ, "TERM": "xterm"})
    os.close(terminal)

    def drain() -> None:
        with suppress(OSError):
            while os.read(controller, 65536):
                pass

    threading.Thread(target=drain, daemon=True).start()
    return process


def finish(procs: list[subprocess.Popen], seconds: float) -> None:
    """Wait for the consoles to end; kill what is left (a console left running would skew
    every measurement after it)."""
    deadline = time.monotonic() + seconds
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_ready(folder: Path, agents: list[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((folder / f"{a}.ready").exists() for a in agents):
            return
        time.sleep(0.2)
    raise SystemExit("consoles did not start in time")


def watch_phase(db: Path, folder: Path, consoles: int, marker: int) -> dict[str, float]:
    run = folder / "watch"
    run.mkdir()
    agents = [f"w{i:02d}" for i in range(consoles)]
    procs = [spawn(db, a, "watch", run / f"{a}.jsonl", str(marker)) for a in agents]
    try:
        started = time.monotonic()
        wait_ready(run, agents)
        settled = time.monotonic() - started
        ready_at = time.time()
        time.sleep(20)  # the last ones' first screens and holidays, all 30 on 2 cores
        handles = [psutil.Process(p.pid) for p in procs]
        for h in handles:
            h.cpu_percent(None)
        time.sleep(10)
        idle = [h.cpu_percent(None) for h in handles]
        sent: dict[float, float] = {}
        with Store(db) as store:
            for n in range(40):
                value = 500.0 + n
                with store.write() as conn:
                    conn.execute("UPDATE cases SET priority = ?, priority_by = 'bench' WHERE"
                                 " id = ?", (value, marker))
                    conn.execute("INSERT INTO audit (at, actor, action, case_id, reason)"
                                 " VALUES (?, 'bench', 'case.priority', ?, 'bench')",
                                 (db_time(utc_now()), marker))
                sent[value] = time.time()
                time.sleep(0.25)
        time.sleep(3)
    finally:
        (run / "stop").touch()
        finish(procs, 60)
    delays, missed = [], 0
    for agent in agents:
        log = run / f"{agent}.jsonl"
        got = sorted((row["priority"], row["at"]) for row in map(
            json.loads, log.read_text().splitlines() if log.exists() else []))
        for value, at in sent.items():
            # a poll may see two changes at once: the first value at least this new counts
            later = [when for seen_value, when in got if seen_value >= value]
            if later:
                delays.append(min(later) - at)
            else:
                missed += 1
    delays.sort()
    return {"settled_s": settled, "ready_at": ready_at, "idle_cpu_mean": statistics.mean(idle),
            "idle_cpu_max": max(idle),
            "p50_ms": delays[len(delays) // 2] * 1000 if delays else float("nan"),
            "p99_ms": delays[int(len(delays) * 0.99) - 1] * 1000 if delays else float("nan"),
            "missed": missed}


def claim_phase(db: Path, folder: Path, racers: int, count: int) -> dict[str, object]:
    run = folder / "claim"
    run.mkdir()
    ids = unowned_cases(db, count)
    (run / "ids.json").write_text(json.dumps(ids))
    agents = [f"c{i:02d}" for i in range(racers)]
    procs = [spawn(db, a, "claim", run / f"{a}.json", str(run / "ids.json")) for a in agents]
    finish(procs, 600)
    results = {a: json.loads((run / f"{a}.json").read_text()) for a in agents}
    with Store(db) as store:
        owners = dict(store.conn.execute(
            f"SELECT id, owner FROM cases WHERE id IN ({','.join(map(str, ids))})"))
    won: dict[int, list[str]] = {}
    for agent, result in results.items():
        for case_id in result["won"]:
            won.setdefault(case_id, []).append(agent)
    return {"cases": len(ids), "claimed": sum(1 for i in ids if owners[i]),
            "double": sum(1 for w in won.values() if len(w) > 1),
            "lost": sum(1 for i, w in won.items() if owners[i] not in w),
            "errors": sum(len(r["errors"]) for r in results.values()),
            "said": sorted({e for r in results.values() for e in r["errors"]})}


def warnings(log: Path) -> set[str]:
    """The daemon's warnings and errors, told apart by their words, not their numbers."""
    return {re.sub(r"\d+", "N", line.split("] ", 1)[-1])[:160]
            for line in log.read_text(errors="replace").splitlines()
            if "WARNING" in line or "ERROR" in line}


def filed_from_mail(db: Path) -> int:
    with Store(db) as store:
        return store.conn.execute("SELECT count(*) FROM messages WHERE subject LIKE"
                                  " 'Order question %'").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consoles", type=int, default=30)
    parser.add_argument("--racers", type=int, default=10)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 5.0, 20.0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--mail-share", type=float, default=0.25,
                        help="the part of each inbound rate that arrives as email over IMAP")
    parser.add_argument("--keep", action="store_true",
                        help="keep each rate's folder (store, logs, what each console saw)")
    args = parser.parse_args()
    lines = []
    for rate in args.rates:
        folder = Path(tempfile.mkdtemp(prefix="team-bench-"))
        imap = ImapServer.create(available_kinds()[-1])  # dovecot where installed
        imap.start()
        db, config, port = prepare(folder, args.customers, imap)
        with Store(db) as store:
            marker = store.conn.execute("SELECT id FROM cases WHERE status = 'open' ORDER BY"
                                        " id LIMIT 1").fetchone()[0]
        env = {**os.environ, SECRET_ENV: SECRETS["tg"], PASSWORD_ENV: imap.password}
        daemon = subprocess.Popen([sys.executable, "-m", "omnitui", "--config", str(config),
                                   "--db", str(db), "serve"], env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=(folder / "daemon.log").open("wb"))
        time.sleep(3)
        poster = Poster(port, rate * (1 - args.mail_share))
        mail = MailPoster(imap, rate * args.mail_share)
        poster.start()
        mail.start()
        try:
            seen = watch_phase(db, folder, args.consoles, marker)
            race_started = time.time()
            raced = claim_phase(db, folder, args.racers, args.cases)
            race_ended = time.time()
        finally:
            poster.stop.set()
            mail.stop.set()
            poster.join(30)
            mail.join(30)
            daemon.terminate()
            daemon.wait(60)
            mail_filed = filed_from_mail(db)
            imap.close()
        lines.append(
            f"| {rate:g}/s | {poster.acked:,} ({poster.refused} refused: "
            f"{sum(t <= seen['ready_at'] for t in poster.refused_at)} while the consoles "
            f"started, {sum(race_started <= t <= race_ended for t in poster.refused_at)} "
            "in the race) | "
            f"{mail.appended:,} ({mail_filed:,} filed) | "
            f"{seen['settled_s']:.0f} | {seen['p50_ms']:.0f} | {seen['p99_ms']:.0f} | "
            f"{seen['missed']} | "
            f"{seen['idle_cpu_mean']:.1f} / {seen['idle_cpu_max']:.1f} | "
            f"{raced['claimed']:,} of {raced['cases']:,} | {raced['double']} | {raced['lost']} |"
            f" {raced['errors']} |")
        print(lines[-1], flush=True)
        for said in raced["said"]:
            print(f"  a racer saw: {said}", flush=True)
        for said in sorted(warnings(folder / "daemon.log")):
            print(f"  the daemon said: {said}", flush=True)
        for said in sorted(set().union(*map(warnings, folder.glob("*/*.log")))):
            print(f"  a console said: {said}", flush=True)
        if args.keep:
            print(f"  kept: {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    write_report("team-results.md", "\n".join([
        "# The team's ceiling on one server", "", machine_line(), "",
        f"{args.consoles} consoles watching, {args.racers} racing to claim the same "
        f"{args.cases:,} cases, `omnitui serve` taking Telegram webhooks and IMAP mail "
        f"({args.mail_share:.0%} of each rate, appended to {available_kinds()[-1]} on "
        "loopback) at each inbound rate.", "",
        "| inbound | webhooks acknowledged | mails appended | consoles started, s "
        "| change on screen p50 ms | p99 ms | missed | idle console "
        "CPU % mean / max | claimed | double claims | lost updates | store errors seen |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", *lines, ""]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
