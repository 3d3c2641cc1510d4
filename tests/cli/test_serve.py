"""`omnitui serve` as a real process: it syncs, refuses a second copy, stops cleanly on
SIGTERM, survives SIGKILL mid-backlog without loss or duplicates, keeps secrets out of its
log, and reports its health to `omnitui doctor`."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from omnitui.store.db import Store
from omnitui.store.schema import SCHEMA_VERSION
from tests.conftest import as_of_schema, make_email, wait_for
from tests.imap_servers import ImapServer

SECRET_ENV = "OMNITUI_TEST_IMAP_PASSWORD"


def write_config(tmp_path: Path, server: ImapServer, extra: str = "") -> Path:
    """A config with one mailbox on `server`, its password in SECRET_ENV; `extra` adds keys
    to the mailbox (SMTP, a Sent folder)."""
    config = tmp_path / "config.toml"
    config.write_text(f"""
[[mailboxes]]
name = "support"
address = "support@example.com"
imap_host = "{server.host}"
imap_port = {server.port}
imap_security = "none"
username = "{server.username}"
password_env = "{SECRET_ENV}"
poll_interval = 5
{extra}""")
    return config


def start_serve(tmp_path: Path, server: ImapServer, env: dict[str, str]) -> subprocess.Popen:
    config = write_config(tmp_path, server)
    return subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--config", str(config), "--db",
         str(tmp_path / "s.db"), "serve"], env={**env, SECRET_ENV: server.password},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def serving(db: Path, env: dict[str, str]) -> subprocess.Popen:
    """`omnitui --db DB serve` without a config, started (stop it with `stop`)."""
    return subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(db), "serve"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def messages(db: Path) -> tuple[int, int]:
    with Store(db, migrate=False) as store:
        return store.conn.execute("SELECT count(*), count(DISTINCT external_id)"
                                  " FROM messages").fetchone()



def stop(process: subprocess.Popen) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def test_serve_syncs_refuses_a_twin_and_stops_cleanly(imap_server: ImapServer, tmp_path: Path,
                                                     cli_env: dict[str, str],
                                                     omnitui: Callable[..., object]) -> None:
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    for n in range(20):
        imap_server.append("INBOX", make_email(subject=f"Hello {n}"))
    daemon = start_serve(tmp_path, imap_server, cli_env)
    try:
        assert wait_for(lambda: messages(db)[0] == 20, 30)
        twin = start_serve(tmp_path, imap_server, cli_env)
        out, err = twin.communicate(timeout=60)
        assert twin.returncode == 1 and "already running" in err and "Traceback" not in err
        doctor = subprocess.run([sys.executable, "-m", "omnitui", "--db", str(db), "--config",
                                 str(tmp_path / "config.toml"), "doctor"], env=cli_env,
                                capture_output=True, text=True, timeout=60)
        assert "running as pid" in doctor.stdout and "support/INBOX" in doctor.stdout
    finally:
        out, err = stop(daemon)
    assert daemon.returncode == 0, err
    log = (tmp_path / "s.db.log").read_text()
    assert "stopped" in log and imap_server.password not in log + err + out
    assert "1 mailbox folder, 0 webhook channels, outbox sender" in log
    with Store(db) as store:
        assert store.conn.execute("SELECT state FROM daemon").fetchone()[0] == "stopped"


def test_a_twin_given_a_link_to_the_store_is_refused_too(
        tmp_path: Path, cli_env: dict[str, str], omnitui: Callable[..., object]) -> None:
    """A second daemon started on a symlink to the store (or `../omnitui.db` from another
    folder) locked a lock file of its own and served the same store beside the first."""
    db, link = tmp_path / "s.db", tmp_path / "link.db"
    omnitui("--db", str(db), "init")
    link.symlink_to(db)
    daemon = serving(db, cli_env)
    try:
        log = tmp_path / "s.db.log"
        assert wait_for(lambda: log.exists() and "serving" in log.read_text(), 30)
        twin = subprocess.run([sys.executable, "-m", "omnitui", "--db", str(link), "serve"],
                              env=cli_env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=30)
        assert twin.returncode == 1 and "already running" in twin.stderr, twin.stderr
    finally:
        stop(daemon)


def test_a_killed_daemon_resumes_without_loss_or_duplicates(imap_server: ImapServer,
                                                           tmp_path: Path,
                                                           cli_env: dict[str, str],
                                                           omnitui: Callable[..., object]
                                                           ) -> None:
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    total = 1500
    for n in range(total):
        imap_server.append("INBOX", make_email(subject=f"Backlog {n}",
                                               sender=f"c{n % 50}@example.com"))
    daemon = start_serve(tmp_path, imap_server, cli_env)
    try:
        assert wait_for(lambda: messages(db)[0] > 0, 60)
        daemon.send_signal(signal.SIGKILL)  # mid-backlog, no chance to clean up
        daemon.wait(10)
        partial = messages(db)[0]
        assert partial < total
    finally:
        stop(daemon)
    again = start_serve(tmp_path, imap_server, cli_env)
    try:
        assert wait_for(lambda: messages(db)[0] >= total, 120)
        time.sleep(1)
        assert messages(db) == (total, total)
    finally:
        _, err = stop(again)
    assert again.returncode == 0, err


def test_a_wrong_password_is_reported_without_it(imap_server: ImapServer, tmp_path: Path,
                                                cli_env: dict[str, str],
                                                omnitui: Callable[..., object]) -> None:
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    config = write_config(tmp_path, imap_server)
    wrong = "not-the-password-" + os.urandom(4).hex()
    daemon = subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--config", str(config), "--db", str(db), "serve"],
        env={**cli_env, SECRET_ENV: wrong}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def failing() -> bool:
            with Store(db, migrate=False) as store:
                row = store.conn.execute("SELECT last_error FROM channel_health").fetchone()
            return bool(row and row[0])

        assert wait_for(failing, 30)
    finally:
        out, err = stop(daemon)
    with Store(db) as store:
        error = store.conn.execute("SELECT last_error FROM channel_health").fetchone()[0]
    assert wrong not in error + out + err + (tmp_path / "s.db.log").read_text()


def test_a_password_missing_from_the_environment_stops_serve_at_once(
        imap_server: ImapServer, tmp_path: Path, cli_env: dict[str, str],
        omnitui: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """It started, told systemd it was ready, and tried again for ever: a process's
    environment never changes."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    config = write_config(tmp_path, imap_server)
    missing = omnitui("--config", str(config), "--db", str(db), "serve", check=False,
                      env={SECRET_ENV: ""}, timeout=60)
    assert missing.returncode == 2 and missing.stderr.splitlines() == [
        f"configuration error: mailbox 'support': the environment variable {SECRET_ENV} is "
        "not set: set it where the daemon starts (the service's EnvironmentFile); nothing "
        "was started"]
    doctor = omnitui("--config", str(config), "--db", str(db), "doctor", check=False,
                     env={SECRET_ENV: ""}).stdout
    assert f"FAIL secrets: mailbox 'support': the environment variable {SECRET_ENV}" in doctor


def test_serve_with_the_console_and_no_terminal_prints_the_summary(
        imap_server: ImapServer, tmp_path: Path, cli_env: dict[str, str],
        omnitui: Callable[..., object]) -> None:
    """The embedded mode runs the same daemon; without a terminal its console part shows
    the store at a glance (as `omnitui` does), then the daemon stops cleanly."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    config = write_config(tmp_path, imap_server)
    result = subprocess.run(
        [sys.executable, "-m", "omnitui", "--config", str(config), "--db", str(db), "serve",
         "--console"], env={**cli_env, SECRET_ENV: imap_server.password},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "cases" in result.stdout and result.stderr == ""  # the log went to the file only
    with Store(db) as store:
        assert store.conn.execute("SELECT state FROM daemon").fetchone()[0] == "stopped"


def test_the_daemons_start_says_it_upgraded_the_store(
        tmp_path: Path, cli_env: dict[str, str], omnitui: Callable[..., object]) -> None:
    """The documented upgrade ends with the new daemon's start, which upgrades the store: its
    log said nothing of it, and the journal gave the admin no word that it had happened."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        as_of_schema(conn, SCHEMA_VERSION - 1)
    daemon = serving(db, cli_env)
    try:
        log = tmp_path / "s.db.log"
        assert wait_for(lambda: log.exists() and "serving" in log.read_text(), 30)
    finally:
        stop(daemon)
    assert f"upgraded {db} from schema version {SCHEMA_VERSION - 1} to {SCHEMA_VERSION}" \
        in log.read_text()
    daemon = serving(db, cli_env)
    try:  # the next start upgrades nothing, and says nothing of it
        assert wait_for(lambda: log.read_text().count("serving") == 2, 30)
    finally:
        stop(daemon)
    assert log.read_text().count("upgraded ") == 1
