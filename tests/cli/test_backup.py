"""`omnitui backup` while the daemon takes webhooks, and `omnitui restore`: the copy opens,
passes its integrity check and holds every delivery acknowledged before the backup began;
restore refuses a store in use and keeps the one it replaces."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from omnitui.file_lock import held, in_use_path, share
from omnitui.store.db import Store, db_time, utc_now
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import SECRETS, post_telegram, telegram_update
from tests.cli.conftest import Run
from tests.cli.test_import import stored, write_mbox
from tests.cli.test_serve import stop
from tests.cli.test_serve_webhooks import SECRET_ENV, config, serve
from tests.conftest import make_email, wait_for


def answers(client: httpx.Client) -> bool:
    try:
        return client.get("/hooks/tg").status_code == 400
    except httpx.TransportError:
        return False


def test_a_backup_under_webhook_load_holds_every_acknowledged_delivery(
        tmp_path: Path, cli_env: dict[str, str], omnitui: Run) -> None:
    port = free_port()
    daemon = serve(tmp_path, port, {**cli_env, SECRET_ENV: SECRETS["tg"]})
    acknowledged: list[str] = []
    posting = threading.Event()

    def post_all_the_time() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            n = 0
            while not posting.is_set():
                n += 1
                text = f"load message {n}"
                if post_telegram(client, telegram_update(text)).status_code == 200:
                    acknowledged.append(text)

    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: answers(client), 30)
        poster = threading.Thread(target=post_all_the_time)
        poster.start()
        assert wait_for(lambda: len(acknowledged) >= 30, 30)
        before = list(acknowledged)  # acknowledged before the backup begins
        done = omnitui("--config", str(config(tmp_path, port)), "--db", str(tmp_path / "s.db"),
                       "backup", str(tmp_path / "backup"))
        more = len(acknowledged)
        time.sleep(0.5)
        posting.set()
        poster.join(30)
    finally:
        posting.set()
        stop(daemon)
    assert len(acknowledged) > more > len(before)  # the daemon took deliveries throughout
    assert "integrity ok" in done.stderr
    copy = sqlite3.connect(tmp_path / "backup" / "omnitui.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    kept = b"\n".join(row[0] for row in copy.execute("SELECT body FROM raw_payloads"))
    copy.close()
    missing = [text for text in before if f'"{text}"'.encode() not in kept]
    assert missing == []


def test_backup_says_which_store_it_copied_and_where_each_part_went(
        omnitui: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It said "backup monday: 40 cases, ...": no store named, DEST relative, and no word that
    DEST is a folder holding omnitui.db and attachments/ (an admin looked for a file)."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "20", "--messages", "20")
    monkeypatch.chdir(tmp_path)
    done = omnitui("--db", "s.db", "backup", "monday")
    with Store(db) as store:
        cases, messages = store.conn.execute(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM messages)").fetchone()
    size = (tmp_path / "monday" / "omnitui.db").stat().st_size / 1e6
    assert re.fullmatch(
        rf"backed up {re.escape(str(db))} into the folder "
        rf"{re.escape(str(tmp_path / 'monday'))}: omnitui\.db \({size:,.1f} MB, "
        rf"{cases:,} cases, {messages:,} messages, integrity ok\) and (attachments/ "
        r"\(\d+ files?\)|no attachment files \(the store has none\)), in \d+\.\d s\n",
        done.stderr), done.stderr
    assert ("attachments/" in done.stderr) == (tmp_path / "monday" / "attachments").is_dir()
    on_a_file = omnitui("--db", "s.db", "backup", "s.db", check=False)  # (it said "is not
    assert on_a_file.returncode == 1 and "s.db is a file: a backup goes into a folder" in \
        on_a_file.stderr  # an empty folder", of a file)


def test_a_backup_missing_the_stores_attachment_files_says_so(omnitui: Run,
                                                              tmp_path: Path) -> None:
    """The attachments folder gone (moved, a wrong [store] attachments_dir), the backup said
    "no attachment files (the store has none)", exit 0: a backup without them, unnoticed."""
    mail = tmp_path / "one.eml"
    mail.write_bytes(make_email("ann@example.com", attachment=("invoice.pdf", b"%PDF-1.4")))
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "import", str(mail))
    (tmp_path / "attachments").rename(tmp_path / "elsewhere")
    done = omnitui("--db", str(db), "backup", str(tmp_path / "bk"), check=False)
    assert done.returncode == 1 and "the store has none" not in done.stderr
    assert (f"warning: 1 attachment file the store names is not in {tmp_path / 'attachments'}"
            ": the backup lacks it") in done.stderr


def test_report_help_says_what_period_it_reads_by_default(omnitui: Run) -> None:
    """--since's help said "default: 30 days ago": from midnight, or from now? to --until?"""
    said = " ".join(omnitui("report", "--help", env={"COLUMNS": "80"}).stdout.split())
    assert "--since YYYY-MM-DD First day, from its midnight in the business hours' time " \
        "zone (else this machine's). Default: 30 days before the end: the last 30 days up " \
        "to this minute, or the 30 whole days that end with --until's day." in said
    assert "--until YYYY-MM-DD Last day, included to its end (up to now). Default: now." in said


def test_restore_refuses_a_store_in_use_and_keeps_the_one_it_replaces(
        omnitui: Run, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "40", "--messages", "40")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    with Store(db) as store:
        cases = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        with store.write() as conn:  # a console of alice's, open now: its lock, its mark
            conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'alice'",
                         (db_time(utc_now()),))
    console = share(in_use_path(db))
    refused = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
    assert refused.returncode == 1 and "consoles are open" in refused.stderr
    assert "alice" in refused.stderr and "Traceback" not in refused.stderr
    assert console is not None
    console.close()  # closed: its mark in the store, still fresh, refuses nothing
    wrong = omnitui("--db", str(db), "restore", str(tmp_path / "tuesday"), check=False)
    assert wrong.returncode == 1 and "tuesday does not exist" in wrong.stderr
    with Store(db) as store, store.write() as conn:
        conn.execute("UPDATE cases SET subject = 'lost by mistake' WHERE id = 1")
    daemon = subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(db), "serve"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # held, not there: the restores refused above left the file, and on a busy machine
        # the daemon took its lock after this restore had run
        assert wait_for(lambda: held(tmp_path / "s.db.serve.lock"), 30)
        busy = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
        assert busy.returncode == 1 and "omnitui serve is already running" in busy.stderr
    finally:
        stop(daemon)
    restored = omnitui("--db", str(db), "restore", str(tmp_path / "monday"))
    assert f"{cases:,} cases" in restored.stderr and "kept as" in restored.stderr
    subject = "SELECT subject FROM cases WHERE id = 1"
    with Store(db) as store:
        assert store.conn.execute(subject).fetchone()[0] != "lost by mistake"
    kept = list(tmp_path.glob("s.db.before-restore-*"))
    assert len(kept) == 1  # what was there is kept, its last commits in it
    assert sqlite3.connect(kept[0]).execute(subject).fetchone()[0] == "lost by mistake"
    again = omnitui("--db", str(db), "backup", str(tmp_path / "monday"), check=False)
    assert again.returncode == 1 and "never overwrites" in again.stderr


def test_restore_refuses_while_an_import_runs(omnitui: Run, cli_env: dict[str, str],
                                             tmp_path: Path) -> None:
    """Restored under a running import, the store took the backup and the import went on
    into the old one, set aside: 20,000 messages out of sight."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    mbox = tmp_path / "big.mbox"
    write_mbox(mbox, 6000)
    running = subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(db), "import",
                                str(mbox)], env=cli_env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: held(in_use_path(db)), 30)
        refused = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
        assert refused.returncode == 1, refused.stdout
        assert "a console or an import is using" in refused.stderr
    finally:
        out, _ = running.communicate(timeout=120)
    assert "6,000 imported" in out and stored(db) == (6000, 6000)


def test_restore_never_loses_the_store_it_replaces(omnitui: Run, tmp_path: Path) -> None:
    """Pointed at the store itself, restore moved it aside and then failed, leaving no store;
    two restores in one second kept the second's store under the first's name."""
    from omnitui.store.backup import restore

    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "40", "--messages", "40")
    for itself in (db, tmp_path):  # the file, or its folder named as a backup's
        (tmp_path / "omnitui.db").unlink(missing_ok=True)
        if itself == tmp_path:
            (tmp_path / "omnitui.db").symlink_to(db)
        refused = omnitui("--db", str(db), "restore", str(itself), check=False)
        assert refused.returncode == 1 and "is the store itself" in refused.stderr
        assert "Traceback" not in refused.stderr and db.is_file()
        assert not list(tmp_path.glob("s.db.before-restore-*"))
    (tmp_path / "omnitui.db").unlink()
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    marks = []
    for mark in ("first", "second"):  # in the same second: the same stamp
        with Store(db) as store, store.write() as conn:
            conn.execute("UPDATE cases SET subject = ? WHERE id = 1", (mark,))
        restore(tmp_path / "monday", db, tmp_path / "attachments", "20261206-125102")
        marks.append(mark)
    kept = sorted(tmp_path.glob("s.db.before-restore-*"))
    assert sorted(sqlite3.connect(k).execute("SELECT subject FROM cases WHERE id = 1")
                  .fetchone()[0] for k in kept) == marks
    doctor = omnitui("--db", str(db), "doctor", check=False).stdout  # a restored store is as
    assert "journal" in doctor and "FAIL journal" not in doctor  # the store was: WAL



def test_a_backup_without_a_case_does_not_replace_a_store_with_cases_unless_told(
        omnitui: Run, tmp_path: Path) -> None:
    """A store fresh from `omnitui init`, named by mistake, replaced a team's 2,360 cases
    with none, and the command said "integrity ok"."""
    db, fresh = tmp_path / "s.db", tmp_path / "new" / "x.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "20", "--messages", "20")
    omnitui("--db", str(fresh), "init")
    refused = omnitui("--db", str(db), "restore", str(fresh), check=False)
    assert refused.returncode == 1 and "holds no case" in refused.stderr
    assert "--empty" in refused.stderr and not list(tmp_path.glob("s.db.before-restore-*"))
    told = omnitui("--db", str(db), "restore", str(fresh), "--empty")
    assert "0 cases" in told.stderr and list(tmp_path.glob("s.db.before-restore-*"))


def test_a_restore_counts_in_words(omnitui: Run, tmp_path: Path) -> None:
    """A store with one case was restored as "1 cases, 1 messages"."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "new", "--email", "ann@example.com", "--subject", "Refund",
            "On its way")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    restored = omnitui("--db", str(db), "restore", str(tmp_path / "monday")).stderr
    assert f"restored {db} from {tmp_path / 'monday'}: 1 case, 1 message, 0 attachment " \
        "files added, integrity ok" in restored


def test_a_restore_into_a_mistyped_folder_says_so(omnitui: Run, tmp_path: Path) -> None:
    """A new server's store path mistyped read "could not copy ... beside ...: No such file
    or directory; the store is as it was", of a store that never was."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    typo = tmp_path / "srvv" / "omnitui.db"
    refused = omnitui("--db", str(typo), "restore", str(tmp_path / "monday"), "--empty",
                      check=False)
    assert refused.returncode == 1 and refused.stderr == (
        f"error: no folder {typo.parent} for the store {typo}: check the path, or create "
        "the folder first\n")
    assert not typo.parent.exists()


def test_a_restore_through_a_link_to_the_store_restores_the_store(omnitui: Run,
                                                                  tmp_path: Path) -> None:
    """The store moved to a bigger disk, a link left where the config names it: restore
    set the link aside and put a file in its place; the store behind it stayed as it was."""
    disk, db = tmp_path / "big", tmp_path / "big" / "omnitui.db"
    disk.mkdir()
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "new", "--email", "ann@example.com", "--subject", "Refund", "x")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    omnitui("--db", str(db), "new", "--email", "bo@example.com", "--subject", "Late", "y")
    link = tmp_path / "omnitui.db"
    link.symlink_to(db)
    omnitui("--db", str(link), "restore", str(tmp_path / "monday"))
    assert link.is_symlink() and link.resolve() == db
    assert omnitui("--db", str(db), "cases", "--all", "--format", "ids").stdout.split() == ["1"]
    assert len(list(disk.glob("omnitui.db.before-restore-*"))) == 1


def test_a_restore_puts_a_broken_store_aside_whole(omnitui: Run, tmp_path: Path) -> None:
    """What a restore is for: a store that is no database any more stopped it with a
    traceback ("file is not a database"), the backup's copy left beside it."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    broken = b"not a database, page after page " * 200
    db.write_bytes(broken)
    result = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    [kept] = (k for k in tmp_path.glob("s.db.before-restore-*")  # its WAL, if any, beside
              if not k.name.endswith(("-wal", "-shm")))         # it under its name
    assert kept.read_bytes() == broken and not list(tmp_path.glob(".s.db.restoring"))
    assert "integrity ok" in result.stderr  # the report, as every command's, on stderr


def test_a_restore_while_another_program_reads_the_store_changes_nothing(
        omnitui: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestream, left running as a restore began, holds a read on the store: the last
    commits could not be checkpointed into it, its WAL was deleted anyway, and the store
    kept aside lost them (once it was left unreadable)."""
    from omnitui.store import backup
    from omnitui.store.db import StoreError

    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "10", "--messages", "10")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    reader = sqlite3.connect(db, isolation_level=None)  # as Litestream reads it
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM cases").fetchone()
    with Store(db) as store, store.write() as conn:
        conn.execute("UPDATE cases SET subject = 'the last commit' WHERE id = 1")
    monkeypatch.setattr(backup, "CHECKPOINT_WAIT", 0.2, raising=False)  # 30 s without it
    with pytest.raises(StoreError, match=r"another program is reading .* \(Litestream "
                       r"replicating it\?\).*nothing was changed"):
        backup.restore(tmp_path / "monday", db, tmp_path / "attachments", "20261206-125102")
    reader.close()
    assert [p.name for p in tmp_path.iterdir() if "restor" in p.name] == []
    assert sqlite3.connect(db).execute("SELECT subject FROM cases WHERE id = 1").fetchone() \
        == ("the last commit",)

def test_a_restore_by_root_leaves_the_store_its_owners(omnitui: Run, tmp_path: Path) -> None:
    """Run as root, as the deployment guide showed it, restore left the store root's, and
    the service's user could no longer open it."""
    import os

    import pytest

    if os.geteuid() != 0:
        pytest.skip("only root can give files to another user")
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "30", "--messages", "30")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    service = 65534  # nobody: the service's user here
    for path in (db, tmp_path / "attachments"):
        if path.exists():
            os.chown(path, service, service)
    omnitui("--db", str(db), "restore", str(tmp_path / "monday"))
    restored = [db, *(p for p in tmp_path.glob("s.db-*")),
                *(tmp_path / "attachments").rglob("*")]
    assert {(p.stat().st_uid, p.stat().st_gid) for p in restored} == {(service, service)}



def test_a_restore_by_root_gives_away_nothing_linked_from_outside(omnitui: Run,
                                                                  tmp_path: Path) -> None:
    """The service's user, owner of the attachments folder, could plant a hard link there
    to a file of root's (/etc/shadow, where links to others' files are allowed), and root's
    restore gave that file to them with the folder."""
    import os

    import pytest

    if os.geteuid() != 0:
        pytest.skip("only root can give files to another user")
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    service = 65534
    (tmp_path / "attachments").mkdir(exist_ok=True)
    for path in (db, tmp_path / "attachments"):
        os.chown(path, service, service)
    shadow = tmp_path / "shadow"
    shadow.write_text("root's\n")
    (tmp_path / "attachments" / "planted").hardlink_to(shadow)
    omnitui("--db", str(db), "restore", str(tmp_path / "monday"))
    assert db.stat().st_uid == service and shadow.stat().st_uid == 0

def test_a_backup_into_the_attachments_folder_is_refused(omnitui: Run, tmp_path: Path) -> None:
    """It copied itself into itself, 271 folders deep, until the names grew too long, and
    left that in the live attachments folder."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "demo", "--no-console", "--customers", "20", "--messages", "20")
    inside = tmp_path / "attachments" / "bk"  # beside the store, by default
    refused = omnitui("--db", str(db), "backup", str(inside), check=False)
    assert refused.returncode == 1 and "is inside the attachments folder" in refused.stderr
    assert not inside.exists()


def test_a_restore_says_when_attachment_files_its_store_names_are_missing(
        omnitui: Run, tmp_path: Path) -> None:
    """A backup folder copied without its attachments restored with "integrity ok", and
    the cases showed files nobody could open."""
    db = tmp_path / "shop" / "s.db"
    db.parent.mkdir()
    mail = tmp_path / "a.eml"
    mail.write_bytes(make_email("ann@example.com", attachment=("photo.png", b"\x89PNG fake")))
    omnitui("--db", str(db), "import", "--history-before", "none", str(mail))
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    shutil.rmtree(tmp_path / "monday" / "attachments")  # copied off without them
    elsewhere = tmp_path / "new" / "s.db"
    elsewhere.parent.mkdir()
    restored = omnitui("--db", str(elsewhere), "restore", str(tmp_path / "monday"),
                       check=False)
    assert restored.returncode == 1 and "integrity ok" in restored.stderr
    assert ("warning: 1 attachment file the store names is in neither the backup nor"
            in restored.stderr)


def _services_store_backed_up(omnitui: Run, tmp_path: Path) -> tuple[Path, str]:
    """A store with one attachment, backed up to tmp_path/monday, then the service's (root's
    restore runs in a folder that user may write in); and the attachment's sha256."""
    import hashlib
    import os

    if os.geteuid() != 0:
        pytest.skip("only root can act as the service's user")
    theirs = tmp_path / "srv"
    theirs.mkdir()
    db = theirs / "s.db"
    mail = tmp_path / "a.eml"
    mail.write_bytes(make_email("ann@example.com", attachment=("photo.png", b"\x89PNG fake")))
    omnitui("--db", str(db), "import", "--history-before", "none", str(mail))
    omnitui("--db", str(db), "backup", str(tmp_path / "monday"))
    shutil.rmtree(theirs / "attachments")  # gone from the store: the restore brings it back
    for path in (theirs, db):
        os.chown(path, 65534, 65534)
    return db, hashlib.sha256(b"\x89PNG fake").hexdigest()


def test_a_restore_by_root_follows_no_link_the_service_planted_in_attachments(
        omnitui: Run, tmp_path: Path) -> None:
    """The service's user pointed an attachment folder at another (/etc): root's restore
    wrote the backup's attachment there, after it had replaced the store."""
    db, sha = _services_store_backed_up(omnitui, tmp_path)
    outside = tmp_path / "etc"
    outside.mkdir()
    link = db.parent / "attachments" / sha[:2]
    link.parent.mkdir()
    link.symlink_to(outside)
    before = db.read_bytes()
    restored = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
    assert restored.returncode == 1 and restored.stderr == (
        f"error: {link} is a link (to {outside}), not followed: whoever may write in "
        f"{link.parent} could point it anywhere. Remove it (rm '{link}') and run again\n")
    assert list(outside.iterdir()) == [] and db.read_bytes() == before  # nothing replaced
    assert [p.name for p in db.parent.iterdir() if "restor" in p.name] == []  # none set aside


def test_a_restore_by_root_copies_the_store_through_no_planted_link(
        omnitui: Run, tmp_path: Path) -> None:
    """The restore copied the backup to `.s.db.restoring` beside the store, following a link
    the service's user had put there: the copy went over the file it named (/etc/...)."""
    db, _ = _services_store_backed_up(omnitui, tmp_path)
    target = tmp_path / "crontab"
    target.write_text("root's\n")
    (db.parent / ".s.db.restoring").symlink_to(target)
    restored = omnitui("--db", str(db), "restore", str(tmp_path / "monday"), check=False)
    assert restored.returncode == 0, restored.stderr
    assert target.read_text() == "root's\n" and target.stat().st_uid == 0
    assert sqlite3.connect(db).execute("SELECT count(*) FROM attachments").fetchone() == (1,)


def test_a_backup_by_root_copies_no_file_a_link_in_attachments_points_at(
        omnitui: Run, tmp_path: Path) -> None:
    """A link among the attachments to /etc/shadow: root's backup copied the file it named,
    and a restore into the service's store then gave that copy to the service."""
    db, _ = _services_store_backed_up(omnitui, tmp_path)
    shadow = tmp_path / "shadow"
    shadow.write_text("root:$6$secret\n")
    (db.parent / "attachments" / "ab" / "cd").mkdir(parents=True)
    (db.parent / "attachments" / "ab" / "cd" / ("ab" * 32)).symlink_to(shadow)
    backup = omnitui("--db", str(db), "backup", str(tmp_path / "tuesday"), check=False)
    assert "and no attachment files" in backup.stderr  # (the store's one was removed)
    assert not (tmp_path / "tuesday" / "attachments").exists()


def test_a_backup_taken_while_the_daemon_ran_restores_with_it_stopped(
        omnitui: Run, tmp_path: Path) -> None:
    """The nightly backup runs beside the daemon, so the copy says the daemon runs: doctor on
    the restored store said "not running (it last said it was at ..., and stopped without a
    word)", a crash, of a daemon that was stopped for the restore as the docs say."""
    from omnitui.store import channel_state
    from omnitui.store.db import db_time, utc_now

    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    beat = db_time(utc_now())
    with Store(db) as store, store.write() as conn:  # as a running daemon keeps it
        channel_state.heartbeat(conn, pid=1, host="elsewhere", at=beat, started_at=beat)
    omnitui("--db", str(db), "backup", str(tmp_path / "nightly"))
    with Store(db) as store, store.write() as conn:  # systemctl stop omnitui
        channel_state.daemon_stopped(conn, at=db_time(utc_now()))
    omnitui("--db", str(db), "restore", str(tmp_path / "nightly"))
    doctor = " ".join(omnitui("--db", str(db), "doctor", check=False).stdout.split())
    assert f"daemon: stopped, last seen {beat[:16]} UTC" in doctor, doctor
    assert "without a word" not in doctor
