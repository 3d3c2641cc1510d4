"""A full disk and a read-only one, as an admin meets them: each command says which in one
line, never "not an omnitui store, move it aside" of a store that is fine, never a
traceback. A real file system: a small tmpfs (root only, as CI runs; skipped elsewhere)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from tests.cli.conftest import Run
from tests.conftest import fill, wait_for


def test_a_full_disk_and_a_read_only_one_are_said_as_such(omnitui: Run, disk: Path) -> None:
    db = ("--db", str(disk / "s.db"))
    omnitui(*db, "init")
    fill(disk)
    for command in (["serve"], ["cases"], ["backup", str(disk.parent / "bk")]):
        said = omnitui(*db, *command, check=False)
        assert said.returncode == 1 and "Traceback" not in said.stderr, said.stderr
        [line] = said.stderr.strip().splitlines()
        assert line.endswith(f"{disk / 's.db'}: the disk holding it is full; nothing was "
                             "changed (free some space)"), command
    doctor = omnitui(*db, "doctor", check=False).stdout
    assert "FAIL store: " in doctor and "the disk holding it is full" in doctor
    assert "move it aside" not in doctor
    (disk / "fill").unlink()
    with closing(sqlite3.connect(disk / "s.db")) as conn:  # the last to close: no -shm left,
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a copy mounted read-only has
    assert not (disk / "s.db-shm").exists()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    doctor = omnitui(*db, "doctor", check=False).stdout
    assert "its file system is mounted read-only" in doctor and "chown" not in doctor
    for command in (["cases"], ["history"], ["report"]):  # said "check the owner and mode"
        said = omnitui(*db, *command, check=False)
        assert said.returncode == 1 and "mounted read-only" in said.stderr, said.stderr


def test_a_disk_that_fills_under_the_daemon_is_said_in_lines_not_tracebacks(
        omnitui: Run, disk: Path, cli_env: dict[str, str]) -> None:
    """The heartbeat's failed write was logged with its traceback every five seconds, and
    each line the log file could not take added Python's "--- Logging error ---" and two
    more to the journal."""
    db = disk / "s.db"
    omnitui("--db", str(db), "init")
    serve = subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(db), "serve"],
                             env=cli_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        log = Path(f"{db}.log")
        assert wait_for(lambda: log.exists() and "serving" in log.read_text(), 30)
        with log.open("a") as ended:  # its last page full: the next line needs a new one
            ended.write("\n" * (-log.stat().st_size % 4096))
        fill(disk)
        time.sleep(6)  # a heartbeat's round, on the full disk
    finally:
        serve.send_signal(signal.SIGTERM)
        _, said = serve.communicate(timeout=60)
    assert "Traceback" not in said and "Logging error" not in said, said
    assert said.count(f"omnitui: could not write {db}.log (No space left on device): its "
                      "lines are lost until it can") == 1, said
    assert "could not write the heartbeat: the disk holding the store is full; nothing was " \
        "changed (free some space)" in said


def test_a_backup_that_fails_leaves_nothing_and_a_mistyped_one_makes_no_folders(
        omnitui: Run, disk: Path, tmp_path: Path) -> None:
    """A full disk left a 0-byte store in the backup's folder; a mistyped path made its
    folders."""
    db = ("--db", str(tmp_path / "s.db"))
    omnitui(*db, "demo", "--no-console", "--customers", "30", "--messages", "60")
    with (disk / "fill").open("wb") as fill:  # the backup's disk, nearly full
        fill.write(b"\0" * (2 * 1024 * 1024 - 96 * 1024))
    failed = omnitui(*db, "backup", str(disk / "monday"), check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert not (disk / "monday").exists()
    typo = tmp_path / "bakups" / "monday"
    refused = omnitui(*db, "backup", str(typo), check=False)
    assert refused.returncode == 1 and f"no folder {typo.parent}" in refused.stderr
    assert not typo.parent.exists()
