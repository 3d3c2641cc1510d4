"""`omnitui serve` under systemd: it says READY=1 once it serves, feeds the watchdog while
its loops come round, says STOPPING=1 on SIGTERM; and a daemon with a hung loop stops
feeding the watchdog (so systemd restarts it) and says why in its log."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.daemon import service
from omnitui.daemon.service import Daemon
from omnitui.store.db import Store


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's."""
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    yield sock, path
    sock.close()


def heard(sock: socket.socket, seconds: float, *, first: bool = False) -> list[str]:
    """What was said within `seconds` (with `first`: until the first thing said)."""
    said: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (first and said):
        with contextlib.suppress(TimeoutError):
            said.append(sock.recv(4096).decode())
    return said


def test_serve_says_ready_feeds_the_watchdog_and_says_stopping(
        tmp_path: Path, cli_env: dict[str, str],
        notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    db = tmp_path / "s.db"
    subprocess.run([sys.executable, "-m", "omnitui", "--db", str(db), "init"], env=cli_env,
                   check=True, capture_output=True, timeout=60)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--db", str(db), "serve"], stdin=subprocess.DEVNULL,
        env={**cli_env, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "600000"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert heard(sock, 30, first=True) == ["READY=1"]
        assert heard(sock, 2.0).count("WATCHDOG=1") >= 4  # every 0.3 s (half of 0.6 s)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
    assert "STOPPING=1" in heard(sock, 1.0) and daemon.returncode == 0, err


def test_a_hung_loop_starves_the_watchdog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         notify_socket: tuple[socket.socket, str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    sock, path = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setattr(service, "SEND_SECONDS", 0.05)
    monkeypatch.setattr(service, "STALLED_AFTER", 1.0)
    smtp_answers = threading.Event()

    def hung_smtp(*_: object, **__: object) -> None:
        smtp_answers.wait(30)  # a server that never answers

    Store(tmp_path / "s.db").close()
    daemon = Daemon(tmp_path / "s.db", Settings())
    daemon.start()
    try:
        assert daemon.feed_watchdog(0.2)
        assert heard(sock, 0.3) == ["WATCHDOG=1"]
        monkeypatch.setattr(service, "send_due", hung_smtp)
        time.sleep(1.5)  # the outbox loop now waits on its server
        assert not daemon.feed_watchdog(0.2) and heard(sock, 0.3) == []
        assert "not feeding systemd's watchdog: the outbox loop has not come round" in \
            caplog.text
    finally:
        smtp_answers.set()
        daemon.shutdown()
