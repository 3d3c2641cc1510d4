"""`omnitui import`: mbox, Maildir and .eml through the pipeline; re-runs and kills lose
nothing and duplicate nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.store.agents import mark_seen
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.schema import TALLY_TRIGGERS
from tests.cli.conftest import Run
from tests.conftest import make_email
from tests.tui.helpers import Terminal


def write_mbox(path: Path, count: int, *, prefix: str = "m") -> list[bytes]:
    messages = [make_email(f"user{n % 97}@example.com", name=f"User {n % 97}",
                           subject=f"Question {n}", body=f"Body of message {n}\nFrom here on",
                           message_id=f"{prefix}{n}@example.com") for n in range(count)]
    with path.open("wb") as fh:
        for raw in messages:
            fh.write(b"From sender@example.com Thu Jan  1 00:00:00 2026\n")
            fh.write(raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
            fh.write(b"\n")
    return messages


def stored(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*), count(DISTINCT external_id) FROM messages"
                            ).fetchone()
    finally:
        conn.close()


def test_import_twice_adds_nothing(omnitui: Run, tmp_path: Path) -> None:
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 40)
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(make_email("zed@example.com",
                                                        message_id="md1@x"))
    eml = tmp_path / "one.eml"
    eml.write_bytes(make_email("yan@example.com", message_id="eml1@x"))
    db = tmp_path / "s.db"
    first = omnitui("--db", str(db), "import", str(mbox), str(maildir), str(eml))
    assert "42 imported, 0 already in the store" in first.stdout
    assert first.stderr == f"note: no store at {db}: a new one is made for this import\n"
    # (and no progress bar, not even its last line, in a pipe)
    again = omnitui("--db", str(db), "import", str(mbox), str(maildir), str(eml))
    assert "0 imported, 42 already in the store" in again.stdout and again.stderr == ""
    assert stored(db) == (42, 42)
    conn = sqlite3.connect(db)
    # body lines starting with "From " survive the mbox escaping
    assert conn.execute("SELECT count(*) FROM messages WHERE text LIKE '%From here on%'"
                        ).fetchone()[0] == 40
    assert conn.execute("SELECT count(DISTINCT customer_id) FROM messages").fetchone()[0] == 42
    # read on the way in (by the parser processes): every message has its language
    assert conn.execute("SELECT count(*) FROM messages WHERE language IS NULL").fetchone()[0] == 0


def test_mail_without_a_readable_date_is_dated_by_its_delivery(omnitui: Run,
                                                                tmp_path: Path) -> None:
    """A mail of 2019 with no Date, or one no parser reads, was dated the day of the import:
    a new case, its clocks breached at once, instead of a conversation filed as history.
    The mbox's From_ line and the Maildir file's name say when it was delivered."""
    def undated(sender: str, number: int, date: str | None) -> bytes:
        return (f"From: {sender}\nTo: support@example.com\nSubject: Old {number}\n"
                f"Message-ID: <old{number}@example.com>\n"
                + (f"Date: {date}\n" if date else "") + "\nWhere is my order?\n").encode()

    mbox = tmp_path / "old.mbox"
    mbox.write_bytes(b"From ann@example.com Tue Mar  5 10:00:00 2019\n"
                     + undated("ann@example.com", 1, None) + b"\n"
                     + b"From bo@example.com Wed Mar  6 11:30:00 +0100 2019\n"
                     + undated("bo@example.com", 2, "sometime last week") + b"\n")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1551780000.M1P1.host:2,S").write_bytes(
        undated("cy@example.com", 3, None))
    db = tmp_path / "s.db"
    done = omnitui("--db", str(db), "import", str(mbox), str(maildir))
    assert "3 imported" in done.stdout and "3 conversations filed as solved history" in \
        done.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT subject, created_at FROM messages ORDER BY subject").fetchall(
        ) == [("Old 1", "2019-03-05 10:00:00"), ("Old 2", "2019-03-06 10:30:00"),
              ("Old 3", "2019-03-05 10:00:00")]
    assert conn.execute("SELECT count(*) FROM cases WHERE status = 'solved'").fetchone() == (3,)
    assert [json.loads(errors) for errors, in conn.execute(  # said as done (it said "using
        "SELECT parse_errors FROM messages ORDER BY subject")] == [  # the receive time")
        ["missing Date; dated when the mailbox received it"],
        ["unparseable Date 'sometime last week'; dated when the mailbox received it"],
        ["missing Date; dated when the mailbox received it"]]


def clocks(db: Path) -> set[tuple[object, ...]]:
    """Each case's clocks and score, by its first message (case ids may differ by store);
    the due times in seconds from when its first message was received (the clocks count
    from then, and two imports receive the same mail at different times)."""
    times = ", ".join(f"unixepoch(c.{column}) - unixepoch(min(m.received_at))" for column in (
        "sla_first_response_due", "sla_resolution_due", "sla_due", "sla_alarm_at"))
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute(
            f"SELECT min(m.external_id), {times}, c.priority, c.priority_parts,"
            f" c.rescore_at IS NULL FROM cases c JOIN messages m ON m.case_id = c.id"
            f" GROUP BY c.id"))
    finally:
        conn.close()


def upkeep_due(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM upkeep_due").fetchone()[0]
    finally:
        conn.close()


def doctor(db: Path, env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-m", "omnitui", "--db", str(db), "doctor"],
                          env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL).stdout


def test_broken_mail_is_stored_raw_with_its_error(omnitui: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.eml"
    bad.write_bytes(b"Subject: =?unknown-8bit?Q?broken?=\nContent-Type: text/plain;"
                    b" charset=x-nonsense\nMessage-ID: <[weird@exchange]>\n\n\xff\xfe body")
    db = tmp_path / "s.db"
    out = omnitui("--db", str(db), "import", str(bad)).stdout
    assert "1 imported" in out and "1 with parse errors" in out
    conn = sqlite3.connect(db)
    raw, errors = conn.execute("SELECT r.body, m.parse_errors FROM messages m JOIN"
                               " raw_payloads r ON r.id = m.raw_id").fetchone()
    assert raw == bad.read_bytes() and "nonsense" in errors
    case = conn.execute("SELECT case_id FROM messages").fetchone()[0]
    assert "parse error" in omnitui("--db", str(db), "case", str(case)).stdout


def test_a_file_that_is_not_mail_is_refused_by_name_and_files_nothing(
        omnitui: Run, tmp_path: Path) -> None:
    """Random bytes named .eml were filed as a case of gibberish. Bytes that do not start as
    a header block (no `Name: value` line where they start) are named, counted and filed
    nowhere, in a folder, an mbox or alone; broken mail is still mail (a stray NUL, a byte
    order mark, blanks before the first header, an 8-bit header name), and an empty item
    (two From_ lines in a row) is passed over and named, as an empty .eml is."""
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "good.eml").write_bytes(make_email("ann@example.com", subject="Where is it?",
                                                 message_id="good@example.com"))
    (folder / "random.eml").write_bytes(os.urandom(4000).replace(b":", b"").replace(b"\n", b""))
    (folder / "note.eml").write_bytes(b"call the courier back\n")
    (folder / "bin.eml").write_bytes(b"\xc3\x89\xff: \x00\x02\x03\n\n\xff\xfe")  # 8-bit
    # bytes before its first colon: binary, not a header
    (folder / "nul.eml").write_bytes(b"Subject: hi\x00there\n\nbody")
    (folder / "bom.eml").write_bytes(b"\xef\xbb\xbf\n\tReceived: by x\nSubject: bom\n\nhi")
    (folder / "eight.eml").write_bytes(b"X-Gr\xfc\xdfe: 1\nSubject: 8-bit\n\nhi")
    (folder / "broken.eml").write_bytes(b"Subject: =?x-nonsense?Q?hi?=\n\n\xff body")
    box = folder / "box.mbox"
    box.write_bytes(b"From a@example.com Thu Jan  1 00:00:00 2026\n" + make_email(
        "bob@example.com", subject="Hello", message_id="mbox@example.com") +
        b"\nFrom a@example.com Thu Jan  1 00:00:00 2026\n\x89PNG\r\n\x1a\n\n"
        b"From a@example.com Thu Jan  1 00:00:00 2026\n")
    db = tmp_path / "s.db"
    done = omnitui("--db", str(db), "import", str(folder), check=False)
    assert done.returncode == 1  # a refusal
    assert done.stderr.splitlines()[-4:] == [
        f"skipped {folder / 'bin.eml'}: not mail (no header line such as 'From: ...' at its "
        "start)",
        f"skipped {box}#2: not mail (no header line such as 'From: ...' at its start)",
        f"skipped {folder / 'note.eml'}: not mail (no header line such as 'From: ...' at its "
        "start)",
        f"skipped {folder / 'random.eml'}: not mail (no header line such as 'From: ...' at "
        "its start)"]
    summary, empty = done.stdout.splitlines()
    assert summary.startswith("6 imported, 0 already in the store")
    assert summary.endswith(", 4 not mail (skipped, each named on stderr)")
    assert empty == f"1 skipped, holding no mail to import: {box}#3 (empty)"
    assert stored(db)[0] == 6  # good, nul, bom, eight, broken and the mbox's first
    alone = omnitui("--db", str(db), "import", str(folder / "random.eml"), check=False)
    assert alone.returncode == 1 and "0 imported" in alone.stdout
    assert stored(db)[0] == 6


def test_every_file_a_folders_import_skips_is_counted_and_named(omnitui: Run,
                                                                tmp_path: Path) -> None:
    """An empty .eml and a folder's notes were passed over without a word, and a folder of
    empty .eml files said "0 imported" and exited 0: the summary counts what was skipped,
    names the first three and why, and a run that found no mail at all is refused."""
    folder = tmp_path / "export"
    folder.mkdir()
    write_mbox(folder / "inbox.mbox", 2)
    (folder / "empty.eml").touch()
    for name in ("a-notes.txt", "b-invoice.pdf", "c-readme.md"):
        (folder / name).write_text("not mail\n")
    (folder / ".DS_Store").write_bytes(b"\0\0")  # hidden: no file of the user's
    db = tmp_path / "s.db"
    done = omnitui("--db", str(db), "import", str(folder))
    assert done.stdout.splitlines()[-1] == (
        f"4 skipped, holding no mail to import: {folder / 'a-notes.txt'} (not an .eml, an "
        f"mbox or a Maildir), {folder / 'b-invoice.pdf'} (not an .eml, an mbox or a Maildir), "
        f"{folder / 'c-readme.md'} (not an .eml, an mbox or a Maildir) and 1 more")
    assert stored(db)[0] == 2
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "one.eml").touch()
    (blank / "two.eml").write_text("\n\n")
    nothing = omnitui("--db", str(db), "import", str(blank), check=False)
    assert nothing.returncode == 1
    assert nothing.stdout.splitlines()[-1] == (f"2 skipped, holding no mail to import: "
                                               f"{blank / 'one.eml'} (empty), "
                                               f"{blank / 'two.eml'} (empty)")
    assert nothing.stderr == (f"error: nothing imported: no mail found in {blank} (what was "
                              "skipped is named above)\n")
    empty = tmp_path / "Maildir"  # a mailbox with nothing in it: no mistake, nothing to do
    for sub in ("cur", "new", "tmp"):
        (empty / sub).mkdir(parents=True)
    assert omnitui("--db", str(db), "import", str(empty)).stdout.startswith("0 imported")


def test_what_an_import_walks_past_is_told_never_a_silent_nothing_found(
        omnitui: Run, tmp_path: Path) -> None:
    """Hidden files and a Maildir's bookkeeping were passed over without a word: "no .eml,
    mbox or Maildir found" named none of them. Now a folder with no mail names what it
    skipped (the user's own files first), and a found Maildir's dovecot files stay quiet
    while a hidden mailbox beside it is named."""
    copied = tmp_path / "copied"  # a Maildir copied without its cur/ new/ tmp/
    copied.mkdir()
    for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.log", ".DS_Store"):
        (copied / name).write_bytes(b"\0\0")
    write_mbox(copied / ".old-inbox.mbox", 1)
    db = tmp_path / "s.db"
    nothing = omnitui("--db", str(db), "import", str(copied), check=False)
    assert nothing.returncode == 1
    assert nothing.stderr == (
        f"error: no .eml, mbox or Maildir found under {copied}: 5 skipped, holding no mail to "
        f"import: {copied / '.old-inbox.mbox'} (hidden; name it to import it), "
        f"{copied / '.DS_Store'} (a mail program's or the desktop's own file), "
        f"{copied / 'dovecot-uidlist'} (a mail program's or the desktop's own file) and 2 more\n")
    mail = tmp_path / "mail"
    maildir = mail / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(make_email("zed@example.com", message_id="md@x"))
    for name in ("dovecot-uidlist", "dovecot.index.cache", "subscriptions", "maildirfolder"):
        (maildir / name).write_bytes(b"\0\0")
    (mail / ".DS_Store").write_bytes(b"\0\0")
    write_mbox(mail / ".archive.mbox", 1)
    done = omnitui("--db", str(db), "import", str(mail))
    assert done.stdout.splitlines() == [
        "1 imported, 0 already in the store, 0 with parse errors (stored raw, see `omnitui "
        "case`)", f"1 skipped, holding no mail to import: {mail / '.archive.mbox'} (hidden; "
        "name it to import it)"]
    assert omnitui("--db", str(db), "import", str(mail / ".archive.mbox")).stdout \
        .startswith("1 imported")


def test_a_refused_import_makes_no_store(omnitui: Run, tmp_path: Path) -> None:
    """An import refused before it filed anything (a folder with no mail; only notes beside
    an empty Maildir) left an empty store and its lock files at --db: the next command on
    it found a store nobody filled. Now nothing is made."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("call the bank\n")
    empty = tmp_path / "export"
    for sub in ("cur", "new", "tmp"):
        (empty / "Maildir" / sub).mkdir(parents=True)
    (empty / "readme.txt").write_text("our old mail\n")
    store = tmp_path / "store"
    store.mkdir()
    for folder in (notes, empty):
        refused = omnitui("--db", str(store / "s.db"), "import", str(folder), check=False)
        assert refused.returncode == 1 and "no store" not in refused.stderr, refused.stderr
        assert list(store.iterdir()) == [], folder


def test_a_pattern_that_backtracks_holds_no_import(cli_env: dict[str, str],
                                                   tmp_path: Path) -> None:
    """One crafted message, a team's careless intent pattern: with `re` the import (and its
    parser processes, killed here with it) never ended. Now every message is filed, and
    the one the pattern gave up on says which rule, not its text."""
    config = tmp_path / "omnitui.toml"
    config.write_text("[[intents]]\nname = 'billing'\npatterns = ['\\binvoice\\b', "
                      "'(a|aa)+$']\n\n[[intents]]\nname = 'delivery'\n"
                      "keywords = ['parcel']\n")
    mbox = tmp_path / "in.mbox"
    with mbox.open("wb") as fh:
        for n, body in enumerate(["a" * 40 + "!", "Where is my parcel?", "Invoice 12 wrong"]):
            raw = make_email(f"c{n}@example.com", subject="Hi", body=body,
                             message_id=f"dos{n}@example.com")
            fh.write(b"From c@example.com Thu Jan  1 00:00:00 2026\n" + raw + b"\n")
    db = tmp_path / "s.db"
    base = [sys.executable, "-m", "omnitui", "--config", str(config), "--db", str(db)]
    proc = subprocess.Popen([*base, "import", str(mbox)], env=cli_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the importer and its parser processes
        proc.communicate()
        raise AssertionError("the import was still reading after 90 s") from None
    assert "3 imported" in out and "1 with parse errors" in out
    conn = sqlite3.connect(db)
    read = dict(conn.execute("SELECT external_id, coalesce(intent, '') FROM messages"))
    assert read == {"dos0@example.com": "", "dos1@example.com": "delivery",
                    "dos2@example.com": "billing"}
    case = conn.execute("SELECT case_id FROM messages WHERE external_id = 'dos0@example.com'"
                        ).fetchone()[0]
    shown = subprocess.run([*base, "case", str(case)], env=cli_env, capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL).stdout
    [line] = [line for line in shown.splitlines() if "parse error" in line]
    assert line.strip() == ("parse error: intent 'billing' pattern #2 took over 0.1 s and "
                            "was skipped (counted as no match)")
    again = subprocess.run([*base, "refile"], env=cli_env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)  # a parse runs no intents:
    assert "0 messages updated" in again.stderr  # the note stays (it went, "updated")
    assert "skipped" in conn.execute("SELECT parse_errors FROM messages WHERE external_id ="
                                     " 'dos0@example.com'").fetchone()[0]


def test_a_mistyped_path_is_one_line_and_creates_no_store(omnitui: Run, home: Path) -> None:
    omnitui("demo", "--no-console", "--customers", "20", "--messages", "40")
    missing = home / "Mail" / "inbox.mbxo"
    result = omnitui("import", str(missing), check=False)  # a usage error, as typer's
    assert (result.returncode, result.stdout) == (2, "")  # (it was 1: "the import failed")
    assert result.stderr == f"usage error: {missing}: no such file or folder\n"
    no_folder = omnitui("import", str(home / "Maildri"), check=False)
    assert (no_folder.returncode, no_folder.stderr) == (
        2, f"usage error: {home / 'Maildri'}: no such file or folder\n")
    assert not (home / ".local/share/omnitui/omnitui.db").exists()
    empty = home / "saved.eml"  # a file a mail client failed to write: it was a case
    empty.touch()  # "(no subject)", clocks running
    nothing = omnitui("import", str(empty), check=False)
    assert (nothing.returncode, nothing.stderr) == (
        1, f"error: {empty} is empty: there is no mail in it\n")
    assert not (home / ".local/share/omnitui/omnitui.db").exists()
    cases = omnitui("cases")  # so the demo store is still the one commands fall back to
    assert "using the demo store" in cases.stderr and "no cases match" not in cases.stdout


def test_mail_it_may_not_read_is_one_line_and_no_usage_error(cli_env: dict[str, str],
                                                             tmp_path: Path) -> None:
    """A mailbox there but closed to this user is the machine's state, not a mistyped
    command: it read "usage error: Invalid value for 'PATH...': Path ... is not readable"."""
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads any file: run without that right, as a user
        if not shutil.which("setpriv"):
            pytest.skip("root, and no setpriv to drop its reading of any file")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    mbox, maildir = tmp_path / "inbox.mbox", tmp_path / "Mail"
    write_mbox(mbox, 1)
    maildir.mkdir()
    for closed in (mbox, maildir):
        closed.chmod(0)
    db = tmp_path / "s.db"
    for path, said in ((mbox, "cannot read"), (maildir, "cannot list")):
        result = subprocess.run([*prefix, sys.executable, "-m", "omnitui", "--db", str(db),
                                 "import", str(path)], capture_output=True, text=True,
                                env=cli_env, timeout=60, stdin=subprocess.DEVNULL)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == f"error: {said} {path}: Permission denied\n"
    assert not db.exists()


def test_import_killed_midway_then_rerun_loses_and_duplicates_nothing(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    count = 3000
    mbox = tmp_path / "big.mbox"
    messages = write_mbox(mbox, count)
    db = tmp_path / "s.db"
    command = [sys.executable, "-m", "omnitui", "--db", str(db), "import", str(mbox)]
    proc = subprocess.Popen(command, env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db.exists() and proc.poll() is None:
            try:
                if stored(db)[0] >= count // 5:
                    break
            except sqlite3.OperationalError:
                pass  # the schema is still being created
        assert proc.poll() is None, "the import finished before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the importer and its parser processes
    proc.wait()
    done_before = stored(db)[0]
    assert 0 < done_before < count
    # a first load builds the readers' indexes at its end: this one never got there
    deferred = deferred_indexes(db)
    assert deferred and not set(deferred) & set(indexes(db))
    # its cases' clocks are kept up once, at the end: the batches it committed marked theirs
    assert upkeep_due(db) > 0
    report = doctor(db, cli_env)
    assert "FAIL case clocks: " in report
    left = len(set(deferred) - set(TALLY_TRIGGERS))
    assert (f"FAIL indexes: {left} indexes of the console's views and the board's counts "
            "were left unbuilt" in report)
    rerun = subprocess.run(command, env=cli_env, capture_output=True, text=True, timeout=300,
                           stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{count - done_before:,} imported, {done_before:,} already" in rerun.stdout
    assert stored(db) == (count, count)
    conn = sqlite3.connect(db)
    raws = {r[0] for r in conn.execute("SELECT body FROM raw_payloads")}
    assert len(raws) == count
    assert conn.execute("SELECT count(*) FROM raw_payloads").fetchone()[0] == count
    subjects = {r[0] for r in conn.execute("SELECT subject FROM messages")}
    assert subjects == {f"Question {n}" for n in range(len(messages))}
    # the re-run's end kept up the killed run's cases too: as an import never killed did
    assert upkeep_due(db) == 0
    assert "ok   case clocks: no case from an import or a backlog waits for its SLA " \
        "clocks" in doctor(db, cli_env)
    clean = tmp_path / "clean.db"
    subprocess.run([*command[:4], str(clean), *command[5:]], env=cli_env, check=True,
                   capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    assert clocks(db) == clocks(clean)
    assert all(row[1] and row[6] for row in clocks(db))  # due times and scores, all set
    assert indexes(db) == indexes(clean) and deferred_indexes(db) == {}  # built by an open
    assert triggers(db) == triggers(clean) and tallies(db) == tallies(clean)
    assert "indexes:" not in doctor(db, cli_env)


def indexes(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                 " AND sql IS NOT NULL"))


def triggers(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))


def tallies(db: Path) -> set[tuple[str, str, str, int]]:
    """The board's counts."""
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT name, bucket, key, n FROM tallies WHERE n != 0"))


def deferred_indexes(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, sql FROM deferred_indexes"))


def interruptible() -> None:
    """ctrl+c as a terminal's shell leaves it: a test run in the background (CI, `nohup
    ... &`) starts its children with SIGINT ignored, and Python then keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_an_import_with_one_line_and_keeps_what_it_filed(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """The terminal sends ctrl+c to the importer and its parser processes alike: one line
    says what happened, no process prints a traceback, and a re-run finishes the job."""
    mbox = tmp_path / "big.mbox"
    write_mbox(mbox, 3000)
    db = tmp_path / "s.db"
    command = [sys.executable, "-m", "omnitui", "--db", str(db), "import", str(mbox)]
    proc = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            start_new_session=True, preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if db.exists() and stored(db)[0] >= 600:
                break
        except sqlite3.OperationalError:
            pass  # the schema is still being created
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # as the terminal does: the whole group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and out == ""
    assert err.strip().endswith("the same import again files the rest (what is stored"
                                " already is skipped)")
    assert deferred_indexes(db) == {}  # the load built them as it stopped
    rerun = subprocess.run(command, env=cli_env, capture_output=True, text=True,
                           timeout=300, stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0 and stored(db) == (3000, 3000)
    assert upkeep_due(db) == 0


def test_two_imports_at_once_share_the_store(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Writers take turns (BEGIN IMMEDIATE, short batches): neither fails as locked."""
    db = tmp_path / "s.db"
    subprocess.run([sys.executable, "-m", "omnitui", "--db", str(db), "init"], env=cli_env,
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    boxes = []
    for name in ("a", "b"):
        write_mbox(tmp_path / f"{name}.mbox", 800, prefix=name)
        boxes.append(tmp_path / f"{name}.mbox")
    procs = [subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(db), "import",
                               str(box)], env=cli_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
             for box in boxes]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "800 imported" in out
    assert stored(db) == (1600, 1600)


def test_in_a_terminal_the_import_shows_its_share_done_and_the_time_left(
        cli_env: dict[str, str], tmp_path: Path) -> None:
    """A big import says how far it is and how long is left (it said "6100/?"), counted in
    the mail's bytes; then that the cases are being brought up to date, which takes a while
    after a big one; then the bar goes and the report stays."""
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 400)
    env = {k: v for k, v in cli_env.items() if k not in ("COLUMNS", "NO_COLOR")}
    terminal = Terminal([sys.executable, "-m", "omnitui", "--db", str(tmp_path / "s.db"),
                         "import", str(mbox)], env=env, size=(100, 24))
    try:
        assert terminal.exit_status(within=120) == 0
    finally:
        terminal.close()
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.output.decode("utf-8", "replace"))
    shares = [int(share) for share in re.findall(r"(\d+)% +[\d,]+ messages", drawn)]
    assert shares[0] < 100 and shares[-1] == 100 and shares == sorted(shares)
    assert re.search(r"\d+:\d\d:\d\d left", drawn)  # the time left, once there is a rate
    assert "400 messages" in drawn and "updating cases" in drawn
    assert drawn.rstrip().endswith("400 imported, 0 already in the store, 0 with parse "
                                   "errors (stored raw, see `omnitui case`)")


def write_conversations(path: Path) -> None:
    """An old mailbox's kind of content: a conversation of last spring (a question and its
    follow-up), another as old that an agent of ours will take up, and one of yesterday."""
    spring = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)
    mail = [
        make_email("old@example.com", name="Olga Old", subject="Invoice question",
                   message_id="old1@example.com", date=spring),
        make_email("old@example.com", name="Olga Old", subject="Re: Invoice question",
                   message_id="old2@example.com", in_reply_to="old1@example.com",
                   date=spring + timedelta(days=3)),
        make_email("kept@example.com", name="Kim Kept", subject="Export broken",
                   message_id="kept1@example.com", date=spring),
        make_email("new@example.com", name="Nia New", subject="Cannot log in",
                   message_id="new1@example.com", date=datetime.now(UTC) - timedelta(days=1)),
    ]
    with path.open("wb") as fh:
        for raw in mail:
            fh.write(b"From sender@example.com Thu Jan  1 00:00:00 2026\n")
            fh.write(raw.replace(b"\r\n", b"\n") + b"\n")


def case_of(db: Path, external_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT case_id FROM messages WHERE external_id LIKE ?",
                            (f"%{external_id}%",)).fetchone()[0]


def test_old_conversations_are_filed_as_solved_history_and_recent_ones_as_work(
        omnitui: Run, tmp_path: Path) -> None:
    """A team's first import is its old mailbox: last spring's conversations were answered
    in another tool, and must not bury the queue as cases late by a year and a half."""
    mbox = tmp_path / "archive.mbox"
    write_conversations(mbox)
    db = ("--db", str(tmp_path / "s.db"))
    # an earlier import of it opened every case (--history-before none) and an agent took
    # up one of the old ones: the team's, it stays open
    first = omnitui(*db, "import", "--history-before", "none", str(mbox)).stdout
    assert "history" not in first
    kept = case_of(tmp_path / "s.db", "kept1")
    omnitui(*db, "--agent", "alice", "note", str(kept), "Asking engineering")
    again = omnitui(*db, "import", str(mbox)).stdout
    cutoff = (datetime.now(UTC) - timedelta(days=30)).date()
    assert again == ("0 imported, 4 already in the store, 0 with parse errors (stored raw, "
                     "see `omnitui case`)\n1 conversation filed as solved history (no "
                     f"message since {cutoff:%Y-%m-%d})\n")
    queue = omnitui(*db, "cases").stdout
    assert "Cannot log in" in queue and "Export broken" in queue
    assert "Invoice" not in queue
    old = case_of(tmp_path / "s.db", "old1")
    shown = json.loads(omnitui(*db, "case", str(old), "--format", "json").stdout)
    assert shown["case"]["status"] == "solved"
    # no clock of ours ran on it: nothing for the scheduler to escalate, no SLA met or missed
    assert shown["sla"]["targets"] == []
    assert shown["sla"]["history_before"] == f"{cutoff:%Y-%m-%d}"
    assert shown["case"]["sla_due"] is None
    assert (f"SLA: none: filed as history (no message since {cutoff:%Y-%m-%d}); the clocks "
            "start if it comes back") in omnitui(*db, "case", str(old)).stdout
    told = omnitui(*db, "history", "--case", str(old)).stdout
    assert f"imported as history: no message since {cutoff:%Y-%m-%d}" in told
    # last spring's report counts it as opened, and measures only what the team worked
    report = json.loads(omnitui(*db, "report", "--since", "2025-03-01", "--until",
                                "2025-06-30", "--format", "json").stdout)["total"]
    assert (report["opened"], report["history"]) == (2, 1)
    assert report["sla"]["resolution"] == {"part": 0, "whole": 0}
    assert report["durations"]["resolution"]["count"] == 0
    # the conversations still open (last spring's the agent took up, yesterday's) have
    # waited for the team since the import brought them, not since they began
    assert report["backlog"] == 2 and report["backlog_age"]["p90"] < 3600
    assert "of them 1 filed as history (old conversations)" in omnitui(
        *db, "report", "--since", "2025-03-01", "--until", "2025-06-30").stdout
    # the board's "solved today" is not the import's: solved when its last message came
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("SELECT solved_at FROM cases WHERE id = ?", (old,)
                            ).fetchone() == ("2025-04-05 09:30:00",)
        assert conn.execute("SELECT bucket FROM tallies WHERE name = 'solved' AND n > 0"
                            ).fetchall() == [("2025-04-05 09",)]
    # an SLA repair of every case says so (it said "4 unsolved cases" of solved ones too)
    repaired = omnitui(*db, "sla", "recompute", "--dry-run", "--solved")
    said = repaired.stdout + repaired.stderr
    assert " cases replayed: would change" in said and "unsolved" not in said
    # taken up again, it is work: its clocks start then, as a new case's do
    before = datetime.now(UTC).replace(microsecond=0)
    omnitui(*db, "--agent", "alice", "status", str(old), "--to", "open")
    shown = json.loads(omnitui(*db, "case", str(old), "--format", "json").stdout)
    started = {t["target"]: t["started"] for t in shown["sla"]["targets"]}
    assert set(started) >= {"first_response", "resolution"}
    assert min(started.values()) >= f"{before:%Y-%m-%d %H:%M:%S}"
    assert shown["case"]["sla_due"] > f"{before:%Y-%m-%d %H:%M:%S}"


def test_the_first_import_files_old_mail_as_history_and_a_day_can_be_given(
        omnitui: Run, tmp_path: Path) -> None:
    mbox = tmp_path / "archive.mbox"
    write_conversations(mbox)
    db = tmp_path / "s.db"
    out = omnitui("--db", str(db), "import", str(mbox)).stdout
    assert "2 conversations filed as solved history (no message since" in out
    queue = json.loads(omnitui("--db", str(db), "cases", "--format", "json").stdout)
    assert [case["subject"] for case in queue] == ["Cannot log in"]  # yesterday's alone
    other = tmp_path / "other.db"
    out = omnitui("--db", str(other), "import", "--history-before", "2025-04-04",
                  str(mbox)).stdout
    assert "1 conversation filed as solved history (no message since 2025-04-04)" in out
    wrong = omnitui("--db", str(tmp_path / "x.db"), "import", "--history-before",
                    "last spring", str(mbox), check=False)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert ("--history-before 'last spring' is not a date such as 2026-11-30, nor none"
            in wrong.stderr)
    assert not (tmp_path / "x.db").exists()


def test_everyone_who_writes_through_a_web_form_gets_a_case_and_the_answer(
        omnitui: Run, tmp_path: Path) -> None:
    """A form sends every submission from one address with the person's in Reply-To: taken
    as the sender, it made one customer and one case of everyone, and an answer went to the
    last one's address with the others' words above it."""
    config = tmp_path / "config.toml"
    config.write_text('[identity]\nform_senders = ["website@*"]\n')
    mbox = tmp_path / "forms.mbox"
    people = [("Anna Berg <anna@a.example>", "My parcel 4411 never came; I live at 1 Elm St."),
              ("bob@b.example", "Charged twice on invoice 777."),
              ("Anna Berg <anna@a.example>", "Any news about my parcel?")]
    with mbox.open("wb") as fh:
        for n, (person, text) in enumerate(people):
            raw = make_email("website@shop.example", name="Shop Website", body=text,
                             subject="New contact form submission", message_id=f"form{n}@shop",
                             date=datetime.now(UTC) - timedelta(hours=3 - n),
                             headers={"Reply-To": person})
            fh.write(b"From website@shop.example Thu Jan  1 00:00:00 2026\n" + raw + b"\n")
    db = tmp_path / "s.db"
    omnitui("--config", str(config), "--db", str(db), "import", str(mbox))
    cases = {case_of(db, f"form{n}@shop") for n in range(3)}
    assert len(cases) == 3  # the same person twice: a merge suggestion, never a join
    bob = case_of(db, "form1@shop")
    shown = omnitui("--config", str(config), "--db", str(db), "case", str(bob)).stdout
    assert "Charged twice" in shown and "parcel" not in shown
    assert "claimed: email bob@b.example as the Reply-To of mail sent through" in shown
    omnitui("--config", str(config), "--db", str(db), "--agent", "erin", "reply", str(bob),
            "--text", "Refunded.")
    conn = sqlite3.connect(db)
    recipients = conn.execute("SELECT recipients FROM outbox WHERE case_id = ?",
                              (bob,)).fetchone()[0]
    assert json.loads(recipients) == {"to": ["bob@b.example"], "cc": []}
    suggestions = json.loads(omnitui("--config", str(config), "--db", str(db), "suggestions",
                                     "--format", "json").stdout)
    assert {s["evidence"].split(";")[0] for s in suggestions} == {
        "email anna@a.example as the Reply-To of mail sent through website@shop.example, "
        "not verified", "same name: anna berg"}


def test_mail_imported_into_the_demo_store_runs_on_its_teams_hours(omnitui: Run,
                                                                   tmp_path: Path) -> None:
    """Imported under no team and no hours, its clocks counted 24x7 against the demo's
    business hours, and `sla recompute` found every new case wrong."""
    db = tmp_path / "demo.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "40", "--messages", "40")
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 5)
    omnitui("--db", str(db), "import", "--history-before", "none", str(mbox))
    dry = omnitui("--db", str(db), "sla", "recompute", "--dry-run").stdout
    assert "would change 0," in dry


def test_a_mistyped_store_folder_or_a_future_history_day_is_refused(omnitui: Run,
                                                                     tmp_path: Path) -> None:
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 3)
    missing = tmp_path / "no-such-folder" / "s.db"
    wrong = omnitui("--db", str(missing), "import", str(mbox), check=False)
    assert wrong.returncode == 1 and "no folder" in wrong.stderr
    assert not missing.parent.exists()
    future = omnitui("--db", str(tmp_path / "s.db"), "import", "--history-before",
                     "2999-01-01", str(mbox), check=False)
    assert future.returncode == 2 and "in the future" in future.stderr
    assert not (tmp_path / "s.db").exists()


def test_mail_sent_from_our_own_address_is_ours_to_the_person_it_went_to(
        omnitui: Run, tmp_path: Path) -> None:
    """An agent answers from a mail client with the desk in Bcc, a shop sends its order
    confirmation from the support address: taken as the sender, our own address became a
    customer ("Support") with one case for all of it, and the answers of the people it went
    to joined a case that was not theirs."""
    config = tmp_path / "config.toml"
    config.write_text('[[mailboxes]]\nname = "support"\naddress = "support@example.com"\n'
                      'imap_host = "127.0.0.1"\nimap_security = "none"\nusername = "s"\n'
                      'password_env = "OMNITUI_TEST_UNSET"\n')
    now = datetime.now(UTC)

    def ours(to: str, n: int, hours: int) -> bytes:
        raw = make_email("Support@Example.com", name="Erin at Support", subject=f"Order {n}",
                         body=f"Your order {n} has shipped.", message_id=f"ours{n}@example.com",
                         date=now - timedelta(hours=hours))
        return raw.replace(b"To: support@example.com", f"To: {to}\nCc: support@example.com"
                           .encode())

    mbox = tmp_path / "sent.mbox"
    with mbox.open("wb") as fh:
        for raw in (ours("Ann Lee <ann@a.example>", 1, 3),
                    make_email("ann@a.example", subject="Re: Order 1", body="Where is it now?",
                               message_id="ann1@a.example", in_reply_to="ours1@example.com",
                               date=now - timedelta(hours=2)),
                    ours("bob@b.example", 2, 30),
                    make_email("cy@c.example", name="Cy", subject="Order 3", body="Is it sent?",
                               message_id="cy1@c.example", date=now - timedelta(hours=2)),
                    ours("Cy <cy@c.example>", 3, 1).replace(
                        b"Subject: Order 3",
                        b"Subject: Re: Order 3\nIn-Reply-To: <cy1@c.example>")):
            fh.write(b"From x Thu Jan  1 00:00:00 2026\n" + raw + b"\n")
    db = tmp_path / "s.db"
    omnitui("--config", str(config), "--db", str(db), "import", str(mbox))
    listed = json.loads(omnitui("--config", str(config), "--db", str(db), "cases",
                                "--format", "json").stdout)
    by_customer = {case["customer_name"]: case for case in listed}
    assert set(by_customer) == {"Ann Lee", "bob@b.example", "Cy"}
    assert by_customer["Cy"]["status"] == "open"  # answered: no longer new
    cy = json.loads(omnitui("--config", str(config), "--db", str(db), "case",
                            str(by_customer["Cy"]["id"]), "--format", "json").stdout)
    # answered last: nothing due of us (the customer's mail counted from the import, our
    # answer from its Date, before it: a next response ran)
    assert {t["target"]: t["state"] for t in cy["sla"]["targets"]} == {
        "first_response": "met", "resolution": "running"}
    assert by_customer["Ann Lee"]["status"] == "open"  # she answered
    assert by_customer["bob@b.example"]["status"] == "pending"  # waiting for his answer
    ann = json.loads(omnitui("--config", str(config), "--db", str(db), "case",
                             str(case_of(db, "ours1@")), "--format", "json").stdout)
    assert [(m["direction"], m["author"], m["delivery"]) for m in ann["messages"]] == [
        ("out", "Erin at Support", "sent outside omnitui"), ("in", "Ann Lee", None)]
    assert ann["first_response_at"] is None  # our mail answered nobody: her question waits
    assert {t["target"]: t["state"] for t in ann["sla"]["targets"]}["first_response"] == \
        "running"
    bob = json.loads(omnitui("--config", str(config), "--db", str(db), "case",
                             str(case_of(db, "ours2@")), "--format", "json").stdout)
    # opened by our mail of yesterday: he has not written, no first response is due (it
    # read "met" in 0 min, and "met late" when the clocks ran from its Date)
    assert "first_response" not in {t["target"] for t in bob["sla"]["targets"]}
    history = omnitui("--config", str(config), "--db", str(db), "history", "--case",
                      str(case_of(db, "ours2@"))).stdout
    assert "our own mail, sent by Erin at Support outside omnitui" in history
    assert "linked email bob@b.example: written to in our email message ours2@" in history
    again = omnitui("--config", str(config), "--db", str(db), "refile").stderr
    assert "0 messages updated" in again  # read again, still ours (the customer's before)


def test_an_sla_repair_says_its_times_in_the_teams_zone(omnitui: Run, tmp_path: Path) -> None:
    """It printed "first_response_due 2026-12-08 13:00:00 -> 2026-12-08 10:00:00", stored
    UTC, beside a case screen that said "Tu 14:00 CET"."""
    config = tmp_path / "team.toml"
    hours = ('[business_hours]\ntime_zone = "Europe/Berlin"\n\n[[sla_policies]]\n'
             'name = "standard"\nbusiness_hours = false\nfirst_response = { email = %d }\n')
    config.write_text(hours % 240)
    db = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 1)
    omnitui(*db, "import", "--history-before", "none", str(mbox))
    config.write_text(hours % 120)
    dry = omnitui(*db, "sla", "recompute", "--dry-run", env={"COLUMNS": "80"}).stdout
    assert re.search(r"first_response_due \d{4}-\d\d-\d\d \d\d:\d\d CES?T → "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", dry), dry
    assert len(dry.splitlines()) == 2  # one line a case and the counts, also past 80 (a pipe
    # read four lines a case)
    table = omnitui(*db, "sla", "recompute", "--dry-run", "--format", "csv")  # printed the
    rows = list(csv.DictReader(io.StringIO(table.stdout)))  # table
    assert [row["column"] for row in rows][:2] == ["sla_first_response_due", "sla_due"]
    assert rows[0]["was"] > rows[0]["now"] and "would change 1" in table.stderr
    # until the repair applies it, doctor says the open cases' clocks follow the old policy
    # (the queue kept the old due time while the case's screen showed the new one)
    before = omnitui(*db, "doctor", check=False).stdout
    assert "FAIL sla applied: the SLA policies or business hours changed" in before
    omnitui(*db, "sla", "recompute")
    assert "sla applied" not in omnitui(*db, "doctor", check=False).stdout


def test_hours_set_after_init_on_a_store_with_no_case_need_no_repair(omnitui: Run,
                                                                    tmp_path: Path) -> None:
    """A new install setting its hours after `init` was told its open cases' clocks
    followed the old SLA: it has none."""
    config = tmp_path / "team.toml"
    db = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    omnitui(*db, "init")
    config.write_text(config.read_text().replace('time_zone = ""', 'time_zone = "Europe/Berlin"',
                                                 1))
    said = omnitui(*db, "doctor", check=False).stdout
    assert "policy \"default\" (business hours)" in said and "sla applied" not in said


def test_hours_and_policies_set_after_init_follow_the_first_import(omnitui: Run,
                                                                   tmp_path: Path) -> None:
    """`init`, then the team's hours and policies written into its config, then the mail
    imported under them: doctor failed "sla applied: the SLA policies or business hours
    changed since the open cases' clocks were worked out", and the repair it advised
    changed nothing."""
    config = tmp_path / "team.toml"
    db = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    omnitui(*db, "init")
    config.write_text(config.read_text().replace('time_zone = ""', 'time_zone = "Europe/Berlin"',
                                                 1))
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 3)
    omnitui(*db, "import", "--history-before", "none", str(mbox))
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout
    said = omnitui(*db, "doctor", check=False).stdout
    assert "sla applied" not in said and "policy \"default\" (business hours)" in said



ESCALATING_TEAM = """
[routing]
present_seconds = 86400
[[queues]]
name = "general"
assign = "push"
escalation = { move_to = "leads" }
[[queues]]
name = "leads"
assign = "push"
skills = ["lead"]
[[agents]]
name = "ann"
[[agents]]
name = "bob"
skills = ["lead"]
[priority]
escalate_at = 1.0
"""


def test_a_case_an_import_escalates_is_escalated_and_assigned_now_not_as_of_its_mail(
        omnitui: Run, tmp_path: Path) -> None:
    """Mail of ten days ago, imported while the team is here, escalates to the leads' queue
    and goes to bob: that happened at the import, after ann was given it, not ten days ago
    (its audit rows came before the import's, the case was bob's since before it existed
    here, and routing read bob as idle for ten days, first in its ties)."""
    config = tmp_path / "team.toml"
    config.write_text(ESCALATING_TEAM)
    args = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    omnitui(*args, "init")
    omnitui(*args, "agents")  # the config's team onto the store
    with Store(tmp_path / "s.db") as store, store.write() as conn:
        for name in ("ann", "bob"):
            mark_seen(conn, name, db_time(utc_now()))  # their consoles are open
    mail = tmp_path / "old.eml"
    written = datetime.now(UTC) - timedelta(days=10)
    mail.write_bytes(make_email("cus@example.com", subject="Charged twice, urgent",
                                date=written))
    started = db_time(utc_now().replace(microsecond=0))
    omnitui(*args, "import", "--history-before", "none", str(mail))
    case = json.loads(omnitui(*args, "case", "1", "--format", "json").stdout)["case"]
    assert case["owner"] == "bob" and case["queue"] == "leads"
    history = json.loads(omnitui(*args, "history", "--case", "1", "--format", "json").stdout)
    acted = [(row["action"], row["at"]) for row in history
             if row["action"] in ("case.escalated", "case.assigned")]
    assert [action for action, _ in acted] == ["case.assigned", "case.escalated",
                                               "case.assigned", "case.assigned"]
    assert all(at >= started for _, at in acted), acted
    given = {row["agent"]: row["last_given"] for row in json.loads(
        omnitui(*args, "agents", "--format", "json").stdout)}
    assert given["bob"] >= started, given
