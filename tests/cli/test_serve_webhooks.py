"""`omnitui serve` with [[channels]]: the receiver runs in the real daemon process, says
clearly when it cannot start, and reports deliveries and refusals to `omnitui doctor`."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from omnitui.store.db import Store
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import (
    SECRETS,
    post_meta,
    post_telegram,
    telegram_update,
    wa_message,
    whatsapp_delivery,
)
from tests.cli.test_serve import stop
from tests.conftest import wait_for

SECRET_ENV = "OMNITUI_TEST_TG_SECRET"
META_ENV = "OMNITUI_TEST_META_SECRET"


def config(tmp_path: Path, port: int, more: str = "") -> Path:
    """A Telegram channel on `port`; `more` goes on with its table (keys, then others)."""
    file = tmp_path / "config.toml"
    file.write_text(f"""
[server]
listen = "127.0.0.1:{port}"

[[channels]]
name = "tg"
kind = "telegram"
secret_env = "{SECRET_ENV}"
{more}""")
    return file


def serve(tmp_path: Path, port: int, env: dict[str, str], more: str = "") -> subprocess.Popen:
    if not (tmp_path / "s.db").exists():
        subprocess.run([sys.executable, "-m", "omnitui", "--db", str(tmp_path / "s.db"),
                        "init"], env=env, check=True, capture_output=True, timeout=60)
    return subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--config", str(config(tmp_path, port, more)),
         "--db", str(tmp_path / "s.db"), "serve"], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_receives_files_counts_refusals_and_stops(tmp_path: Path,
                                                       cli_env: dict[str, str]) -> None:
    port = free_port()
    daemon = serve(tmp_path, port, {**cli_env, SECRET_ENV: SECRETS["tg"]})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: _answers(client), 30)
            assert post_telegram(client, telegram_update("hello from serve")).status_code == 200
            assert post_telegram(client, telegram_update("forged"),
                                 secret="guess").status_code == 403

        def texts() -> list[str]:
            with Store(tmp_path / "s.db", migrate=False) as store:
                return [r[0] for r in store.conn.execute("SELECT text FROM messages")]

        assert wait_for(lambda: texts() == ["hello from serve"], 15)
        doctor = subprocess.run(
            [sys.executable, "-m", "omnitui", "--db", str(tmp_path / "s.db"), "--config",
             str(config(tmp_path, port)), "doctor"], env=cli_env, capture_output=True,
            text=True, timeout=60)
        assert "channel webhook tg" in doctor.stdout and "last delivery" in doctor.stdout
        assert wait_for(lambda: "1 request refused" in subprocess.run(
            [sys.executable, "-m", "omnitui", "--db", str(tmp_path / "s.db"), "doctor"],
            env=cli_env, capture_output=True, text=True, timeout=60).stdout, 15)
    finally:
        _, err = stop(daemon)
    assert daemon.returncode == 0, err
    assert SECRETS["tg"] not in err and "Traceback" not in err
    assert "refused a request" in err and "webhook receiver listening" in err


def test_reply_on_a_channel_named_for_its_entry_answers_on_what_the_platform_carries(
        tmp_path: Path, cli_env: dict[str, str]) -> None:
    """`omnitui reply N --channel meta` (a [[channels]] name, as the docs offer) took the
    entry's kind for a channel: "the customer of case 1 has no meta address", of a customer
    who had just written on WhatsApp through it. A name that names nothing lists each name
    once ("web" was there as a kind and again as the entry's name)."""
    port, down = free_port(), f"http://127.0.0.1:{free_port()}"  # no Graph API offline
    meta = f"""
[[channels]]
name = "meta"
kind = "meta"
secret_env = "{META_ENV}"
token = "EAA-not-used"
verify_token = "v"
api_base = "{down}"

[[channels]]
name = "web"
kind = "generic"
secret = "{SECRETS['forms']}"
"""
    env = {**cli_env, SECRET_ENV: SECRETS["tg"], META_ENV: SECRETS["meta"]}
    daemon = serve(tmp_path, port, env, meta)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: _answers(client), 30)
            delivery = whatsapp_delivery([wa_message("Is my parcel coming?")])
            assert post_meta(client, delivery).status_code == 200

        def channels(direction: str) -> list[str]:
            with Store(tmp_path / "s.db", migrate=False) as store:
                return [r[0] for r in store.conn.execute(
                    "SELECT channel FROM messages WHERE direction = ?", (direction,))]

        assert wait_for(lambda: channels("in") == ["whatsapp"], 15)
        replied = subprocess.run(
            [sys.executable, "-m", "omnitui", "--config", str(tmp_path / "config.toml"),
             "--db", str(tmp_path / "s.db"), "reply", "1", "--channel", "meta",
             "It left the depot today."], env=env, capture_output=True, text=True, timeout=60)
        assert (replied.returncode, replied.stdout.strip()) == (0, "#1: reply queued"), \
            replied.stderr
        assert channels("out") == ["whatsapp"]
        unknown = subprocess.run(
            [sys.executable, "-m", "omnitui", "--config", str(tmp_path / "config.toml"),
             "--db", str(tmp_path / "s.db"), "reply", "1", "--channel", "pigeon", "hi"],
            env=env, capture_output=True, text=True, timeout=60)
        assert unknown.returncode == 2 and unknown.stderr.count("web") == 1, unknown.stderr
    finally:
        stop(daemon)


def test_doctor_says_a_running_daemon_retries_the_replies_it_cannot_send(
        tmp_path: Path, cli_env: dict[str, str]) -> None:
    """Offline, with the daemon running (doctor's line above said so), replies waiting for
    Telegram got "is `omnitui serve` running? see its log"."""
    port, down = free_port(), f"http://127.0.0.1:{free_port()}"  # Telegram out of reach
    env = {**cli_env, SECRET_ENV: SECRETS["tg"]}
    daemon = serve(tmp_path, port, env, f'token = "123:tok"\napi_base = "{down}"\n')
    base = [sys.executable, "-m", "omnitui", "--config", str(tmp_path / "config.toml"),
            "--db", str(tmp_path / "s.db")]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: _answers(client), 30)
            assert post_telegram(client, telegram_update("where is it?")).status_code == 200

        def cases() -> list[int]:
            with Store(tmp_path / "s.db", migrate=False) as store:
                return [r[0] for r in store.conn.execute("SELECT id FROM cases")]

        assert wait_for(lambda: cases() == [1], 15)
        subprocess.run([*base, "reply", "1", "On its way."], env=env, check=True,
                       capture_output=True, timeout=60)
        with Store(tmp_path / "s.db", migrate=False) as store, store.write() as conn:
            conn.execute("UPDATE outbox SET created_at = datetime('now', '-1 hour')")
        said = subprocess.run([*base, "doctor"], env=env, capture_output=True, text=True,
                              timeout=60).stdout
        assert "ok   daemon: running" in said and "FAIL outbox queue: 1 reply waiting" in said
        assert "the daemon tries them again by itself" in said
        assert "is `omnitui serve` running?" not in said
    finally:
        stop(daemon)


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/hooks/tg").status_code == 400  # not a refusal: not counted
    except httpx.TransportError:
        return False


def test_serve_refuses_a_taken_port_and_a_missing_secret(tmp_path: Path,
                                                         cli_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        daemon = serve(tmp_path, port, {**cli_env, SECRET_ENV: SECRETS["tg"]})
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err
    missing = serve(tmp_path, free_port(), cli_env)
    _, err = missing.communicate(timeout=60)
    assert missing.returncode == 2 and SECRET_ENV in err and "Traceback" not in err


def test_a_daemon_that_cannot_start_says_why_in_its_log(tmp_path: Path,
                                                         cli_env: dict[str, str]) -> None:
    """Its log file said only "stopped": the reason went to stderr alone."""
    env = {k: v for k, v in cli_env.items() if k != SECRET_ENV}
    daemon = serve(tmp_path, free_port(), env)
    _, err = daemon.communicate(timeout=60)
    assert daemon.returncode != 0 and SECRET_ENV in err and "Traceback" not in err
    logged = (tmp_path / "s.db.log").read_text(encoding="utf-8")
    assert f"could not start: channel 'tg': the environment variable {SECRET_ENV} is not " \
        "set" in logged


def test_a_whsec_secret_in_the_environment_that_is_not_base64_stops_serve_and_fails_doctor(
        tmp_path: Path, omnitui: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """A typo'd or cut-off Standard Webhooks secret was used as a plain key: every request
    was refused as forged, and nobody was told why. The value is never shown."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    file = tmp_path / "config.toml"
    file.write_text('[[channels]]\nname = "forms"\nkind = "generic"\n'
                    'secret_env = "OMNITUI_TEST_FORMS_SECRET"\n')
    cut = {"OMNITUI_TEST_FORMS_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2L"}
    said = ('channel \'forms\': the environment variable OMNITUI_TEST_FORMS_SECRET starts '
            'with "whsec_" but the rest is not base64')
    doctor = omnitui("--config", str(file), "--db", str(db), "doctor", check=False, env=cut)
    assert doctor.returncode == 1 and f"FAIL secrets: {said}" in doctor.stdout
    served = omnitui("--config", str(file), "--db", str(db), "serve", check=False, env=cut,
                     timeout=60)
    assert served.returncode == 2 and served.stderr.startswith(
        f"configuration error: {said}") and "Traceback" not in served.stderr
    shown = doctor.stdout + doctor.stderr + served.stdout + served.stderr + \
        (tmp_path / "s.db.log").read_text()
    assert "MfKQ" not in shown and "Io2L" not in shown
