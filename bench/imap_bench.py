#!/usr/bin/env python3
"""Backlog sync of a 10,000-message mailbox from a local dovecot, three ways, on the same
server and mailbox:

* omnitui: the daemon's own code path into a fresh durable store: `sync_folder` (fetch,
  commit the raw bytes with the cursor), then `ingest_pending` (parse, dedupe, identify,
  thread, classify, FTS), timed both to the end of the sync and to the end of the filing;
* floor: a bare imapclient loop that only fetches the same messages (UID FETCH BODY.PEEK[]
  in batches) into one SQLite table, one transaction per batch;
* mbsync (isync, from Debian), a classic mail fetcher, into a Maildir.

    apt-get install -y dovecot-imapd isync
    python bench/gen_mbox.py bench/out/mail.mbox -n 10000 --seed 1   # if not there yet
    python bench/imap_bench.py [--count 10000] [--runs 3]

Writes bench/out/imap-results.md. Contenders run interleaved, round by round, since this
machine's speed drifts.
"""

from __future__ import annotations

import argparse
import mailbox
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report  # noqa: E402

from omnitui.channels.email.imap import connect, ingest_pending, sync_folder  # noqa: E402
from omnitui.config import MailboxSettings, Settings  # noqa: E402
from omnitui.ingest.pending import FilingResult  # noqa: E402
from omnitui.services.intake import intake_pipeline  # noqa: E402
from omnitui.store.db import Store  # noqa: E402
from tests.imap_servers import ImapServer  # noqa: E402

OUT = ROOT / "bench" / "out"
BATCH = 500


def load(server: ImapServer, mbox: Path, count: int) -> int:
    client = server.connect()
    appended = 0
    box = mailbox.mbox(str(mbox))
    for key in box.iterkeys():
        client.append("INBOX", box.get_bytes(key))  # the bytes as stored, 8-bit and all
        appended += 1
        if appended >= count:
            break
    client.logout()
    return appended


def settings_for(server: ImapServer) -> MailboxSettings:
    return MailboxSettings(name="bench", address="support@example.com",
                           imap_host=server.host, imap_port=server.port,
                           imap_security="none", username=server.username,
                           password=server.password)


def run_omnitui(server: ImapServer, work: Path) -> tuple[float, float]:
    """(messages/s of the sync that commits raw mail and the cursor, messages/s until every
    message is also filed on a case)."""
    db = work / "omnitui.db"
    started = time.perf_counter()
    with Store(db, durable=True) as store:
        client = connect(settings_for(server))
        result = sync_folder(client, store, settings_for(server), "INBOX")
        client.logout()
        synced = time.perf_counter() - started
        filed = filed_beside_other_threads(store)
    total = time.perf_counter() - started
    assert result.stored > 0 and filed.messages > 0, (result, filed)
    return result.stored / synced, filed.messages / total


def filed_beside_other_threads(store: Store) -> FilingResult:
    """File as the daemon does: in a thread beside others (so parser processes are spawned,
    not forked, and pay for their start)."""
    results: list[FilingResult] = []
    filer = threading.Thread(target=lambda: results.append(
        ingest_pending(store, intake_pipeline(store, Settings()))))
    filer.start()
    filer.join()
    return results[0]


def run_floor(server: ImapServer, work: Path) -> float:
    db = sqlite3.connect(work / "floor.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE raw (uid INTEGER PRIMARY KEY, body BLOB)")
    started = time.perf_counter()
    client = connect(settings_for(server))  # the same login and the same quiet imaplib
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    for start in range(0, len(uids), BATCH):
        chunk = uids[start:start + BATCH]
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        with db:
            db.executemany("INSERT INTO raw VALUES (?, ?)",
                           [(uid, fetched[uid][b"BODY[]"]) for uid in chunk if uid in fetched])
    client.logout()
    seconds = time.perf_counter() - started
    db.close()
    return len(uids) / seconds


def run_mbsync(server: ImapServer, work: Path, count: int) -> float | None:
    if shutil.which("mbsync") is None:
        return None
    maildir = work / "mbsync-maildir"
    maildir.mkdir()
    config = work / "mbsyncrc"
    config.write_text(f"""IMAPAccount bench
Host {server.host}
Port {server.port}
User {server.username}
Pass {server.password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
""")
    started = time.perf_counter()
    subprocess.run(["mbsync", "-q", "-c", str(config), "bench"], check=True)
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mbox", type=Path, default=OUT / "mail.mbox")
    args = parser.parse_args()
    if not args.mbox.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_mbox.py"), str(args.mbox),
                        "-n", str(args.count), "--seed", "1"], check=True)
    server = ImapServer.create("dovecot")
    rates: dict[str, list[float]] = {
        "omnitui sync (raw + cursor, what the server waits on)": [],
        "omnitui sync, then filed on cases (ingest_pending)": [],
        "floor (imapclient -> SQLite)": [], "mbsync": []}
    try:
        server.start()
        loaded = load(server, args.mbox, args.count)
        print(f"loaded {loaded} messages into dovecot", flush=True)
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                rates["floor (imapclient -> SQLite)"].append(run_floor(server, work))
                synced, filed = run_omnitui(server, work)
                rates["omnitui sync (raw + cursor, what the server waits on)"].append(synced)
                rates["omnitui sync, then filed on cases (ingest_pending)"].append(filed)
                mbsync = run_mbsync(server, work, loaded)
                if mbsync is not None:
                    rates["mbsync"].append(mbsync)
            print(f"round {run + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}/s"
                                                    for k, v in rates.items() if v), flush=True)
    finally:
        server.close()
    floor = statistics.median(rates["floor (imapclient -> SQLite)"])
    lines = [f"### IMAP backlog sync, {loaded:,} messages from dovecot on loopback, "
             f"{args.runs} rounds, {machine_line()}", "",
             "| contender | messages/s (median) | range | vs floor |", "|---|---:|---:|---:|"]
    for name, values in rates.items():
        if values:
            lines.append(f"| {name} | {statistics.median(values):,.0f} | {min(values):,.0f} "
                         f"to {max(values):,.0f} | {statistics.median(values) / floor:.2f}x |")
    paired = [ours / floor_run for ours, floor_run in zip(
        rates["omnitui sync (raw + cursor, what the server waits on)"],
        rates["floor (imapclient -> SQLite)"], strict=True)]
    lines += ["", "The sync against the floor run just before it, round by round: "
              + ", ".join(f"{r:.2f}x" for r in paired)
              + f"; median {statistics.median(paired):.2f}x."]
    write_report("imap-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
