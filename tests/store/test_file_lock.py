"""Locks next to the store: a lock looked at for an instant (a console looks at the daemon's
every few seconds) must not make a process that takes it in that instant refuse to run."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from omnitui.file_lock import held, looked_held, share, try_lock
from omnitui.private_files import PlantedLink


def test_a_lock_held_for_an_instant_is_still_taken(tmp_path: Path) -> None:
    path = tmp_path / "s.db.serve.lock"
    looker = path.open("a+")
    fcntl.flock(looker, fcntl.LOCK_EX | fcntl.LOCK_NB)  # someone looking, as held() does
    threading.Timer(0.03, looker.close).start()
    taken = try_lock(path)
    assert taken is not None  # the daemon starting then still runs
    assert held(path)
    taken.close()
    assert not held(path)


def test_shared_holders_are_many_and_an_exclusive_one_waits_for_none(tmp_path: Path) -> None:
    path = tmp_path / "s.db.in-use.lock"
    first, second = share(path), share(path)
    assert first is not None and second is not None and held(path)
    assert try_lock(path) is None  # a restore while consoles run
    first.close()
    second.close()
    assert not held(path)


def test_a_lock_that_cannot_be_looked_at_counts_as_held_unless_asked_strictly(
        tmp_path: Path) -> None:
    """A folder in the lock file's place raised out of held(): doctor stopped on it."""
    path = tmp_path / "s.db.serve.lock"
    path.mkdir()
    assert held(path)  # never a restore under a daemon it cannot see
    with pytest.raises(IsADirectoryError):
        looked_held(path)  # doctor: "cannot tell"


@pytest.mark.parametrize("lock", [try_lock, share])
def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(
        tmp_path: Path, lock: Callable[[Path], IO[str] | None]) -> None:
    """The service's user, who may write beside its store, planted a link as a lock file:
    root's daemon or import made or appended to the file it named (/etc/...)."""
    target, missing = tmp_path / "passwd", tmp_path / "made-by-root"
    target.write_text("root:x:0:0\n")
    for pointed in (target, missing):
        path = tmp_path / "s.db.serve.lock"
        path.unlink(missing_ok=True)
        path.symlink_to(pointed)
        with pytest.raises(PlantedLink, match=f"^{path} is a link .*rm '{path}'"):
            lock(path)
    assert target.read_text() == "root:x:0:0\n" and not missing.exists()
