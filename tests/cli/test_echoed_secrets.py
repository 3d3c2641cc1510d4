"""A platform API (or whatever a wrong api_base or a proxy reaches) that echoes the request's
credentials in its error: the daemon sends real replies to it, and the token shows in no
form in the outbox, the channel's health, the log file, stderr or `omnitui doctor`."""

from __future__ import annotations

import base64
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store.db import Store, utc_now
from tests.channels.test_secrets import echoed_forms
from tests.channels.test_smtp import free_port
from tests.cli.test_serve import stop
from tests.conftest import chat_event, wait_for
from tests.recording_server import Recorded, recording_server

TWILIO_TOKEN = "tw/Auth+Token=42&7f3e"  # characters that base64 and URL-encoding change
SLACK_TOKEN = "xoxb-1234-5678/Slack+Token="
ENV = {"OMNITUI_TEST_TWILIO": TWILIO_TOKEN, "OMNITUI_TEST_SLACK": SLACK_TOKEN,
       "OMNITUI_TEST_SLACK_SIGNING": "signing-secret"}


def echo_credentials(request: Recorded) -> tuple[int, Any]:
    """401 with the Authorization header, and the secret in it URL-encoded, in the body."""
    auth = request.headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    secret = (base64.b64decode(credential).decode().partition(":")[2] if scheme == "Basic"
              else credential)
    said = (f"bad credentials in Authorization: {auth}; see /login?token="
            f"{quote(secret, safe='')}&again={quote_plus(secret)}")
    return 401, {"ok": False, "error": said, "message": said, "code": 20003}


def config(tmp_path: Path, api_base: str) -> Path:
    file = tmp_path / "config.toml"
    file.write_text(f"""
[server]
listen = "127.0.0.1:{free_port()}"
public_url = "https://helpdesk.example.com"

[[channels]]
name = "twilio"
kind = "twilio"
secret_env = "OMNITUI_TEST_TWILIO"
account_sid = "AC123"
api_base = "{api_base}"

[[channels]]
name = "slack"
kind = "slack"
secret_env = "OMNITUI_TEST_SLACK_SIGNING"
token_env = "OMNITUI_TEST_SLACK"
api_base = "{api_base}"
""")
    return file


def replies_queued(db: Path) -> None:
    """An SMS and a Slack conversation, each with an agent's reply in the outbox."""
    routes = {"sms": {"hook": "twilio", "to": "+14155550100", "from": "+18005550199"},
              "slack": {"hook": "slack", "channel": "C9", "ts": "1.2", "public": False}}
    with Store(db) as store:
        pipeline = Pipeline(store, Settings())
        for channel, route in routes.items():
            event = replace(chat_event(channel, "+14155550100" if channel == "sms" else "U1",
                                       "where is my parcel?",
                                       identifiers=[Identifier("phone", "+14155550100")]
                                       if channel == "sms" else None), reply_route=route)
            case_id = pipeline.ingest(event).case_id
            assert case_id is not None
            draft = replace(start_draft(store.conn, case_id, "reply"), text="It left today.")
            with store.write() as conn:
                queue_draft(conn, case_id, draft, author="alice", at=utc_now())


def failed_errors(db: Path) -> list[str]:
    with Store(db, migrate=False) as store:
        return [r[0] for r in store.conn.execute(
            "SELECT last_error FROM outbox WHERE status = 'failed'")]


def leaked(text: str) -> list[str]:
    forms = {**{f"twilio {k}": v for k, v in echoed_forms(TWILIO_TOKEN).items()},
             **{f"slack {k}": v for k, v in echoed_forms(SLACK_TOKEN).items()}}
    return [name for name, form in forms.items() if form in text]


def test_an_api_echoing_the_credentials_never_shows_the_token(
        tmp_path: Path, cli_env: dict[str, str]) -> None:
    db, log = tmp_path / "s.db", tmp_path / "daemon.log"
    replies_queued(db)
    env = {**cli_env, **ENV}
    with recording_server() as api:
        api.respond = echo_credentials
        settings = config(tmp_path, api.base_url)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "omnitui", "--config", str(settings), "--db", str(db),
             "serve", "--log-file", str(log)], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            both_failed = wait_for(lambda: len(failed_errors(db)) == 2, 30)
        finally:
            _, err = stop(daemon)
    assert both_failed, err
    basic = base64.b64encode(f"AC123:{TWILIO_TOKEN}".encode()).decode()
    assert {r.headers["authorization"] for r in api.requests} == {
        f"Basic {basic}", f"Bearer {SLACK_TOKEN}"}  # what the API echoed
    with Store(db, migrate=False) as store:
        health = [r[0] for r in store.conn.execute(
            "SELECT last_error FROM channel_health WHERE channel = 'webhook-out'")]
    doctor = subprocess.run([sys.executable, "-m", "omnitui", "--config", str(settings),
                             "--db", str(db), "doctor"], env=env, capture_output=True,
                            text=True, timeout=60)
    outbox, written = " ".join(failed_errors(db)), log.read_text(encoding="utf-8")
    assert "bad credentials in Authorization: Bearer ***" in outbox
    assert "bad credentials" in " ".join(health) and "bad credentials" in written
    assert "bad credentials" in doctor.stdout
    for name, text in {"outbox": outbox, "health": " ".join(health), "log": written,
                       "stderr": err, "doctor": doctor.stdout + doctor.stderr}.items():
        assert leaked(text) == [], name
