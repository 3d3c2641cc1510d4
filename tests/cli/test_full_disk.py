"""A full disk and a read-only one, as an admin meets them: each command says which in one
line, never "not an omnitui store, move it aside" of a store that is fine, never a
traceback. A real file system: a small tmpfs (root only, as CI runs; skipped elsewhere)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own, unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                                            str(mount)], capture_output=True).returncode:
        pytest.skip("needs root and mount, as CI has")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_and_a_read_only_one_are_said_as_such(omnitui: Run, disk: Path) -> None:
    db = ("--db", str(disk / "s.db"))
    omnitui(*db, "init")
    with (disk / "fill").open("wb") as fill:  # every byte left taken
        try:
            while True:
                fill.write(b"\0" * 65536)
                fill.flush()
        except OSError:
            pass
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
