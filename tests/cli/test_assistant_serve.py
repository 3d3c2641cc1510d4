"""The intake assistant in the real daemon: Telegram updates through the webhook receiver,
its questions sent through the Telegram API (a recording server on loopback), the answers
on the case in `omnitui case --format json`, and silence once an agent has replied."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import SECRETS, post_telegram, telegram_update
from tests.cli.test_serve import stop
from tests.cli.test_serve_webhooks import SECRET_ENV, _answers
from tests.cli.test_serve_webhooks import config as webhook_config
from tests.conftest import wait_for
from tests.recording_server import RecordingServer, recording_server

TOKEN_ENV = "OMNITUI_TEST_TG_TOKEN"
TOKEN = "tg-token-4711-SECRET"


@pytest.fixture
def telegram_api() -> Iterator[RecordingServer]:
    ids = itertools.count(100)
    with recording_server() as server:
        server.respond = lambda request: (200, {"ok": True, "result": {
            "message_id": next(ids), "chat": {"id": 42}}})
        yield server


def config(tmp_path: Path, port: int, api: RecordingServer) -> Path:
    return webhook_config(tmp_path, port, f"""token_env = "{TOKEN_ENV}"
api_base = "{api.base_url}"

[assistant]
channels = ["telegram"]
""")


def sent(api: RecordingServer) -> list[str]:
    return [r.json()["text"] for r in list(api.requests) if r.path.endswith("/sendMessage")]


def test_a_chat_at_night_is_asked_then_handed_over(
        tmp_path: Path, cli_env: dict[str, str], telegram_api: RecordingServer,
        omnitui: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    port = free_port()
    file = config(tmp_path, port, telegram_api)
    db = str(tmp_path / "s.db")
    omnitui("--db", db, "init")
    env = {**cli_env, SECRET_ENV: SECRETS["tg"], TOKEN_ENV: TOKEN}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--config", str(file), "--db", db, "serve"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert wait_for(lambda: _answers(client), 30)

            def customer(text: str, heard: int) -> str:
                assert post_telegram(client, telegram_update(text)).status_code == 200
                assert wait_for(lambda: len(sent(telegram_api)) >= heard, 20), \
                    sent(telegram_api)
                return sent(telegram_api)[-1]

            # nobody's console runs: nobody is free, so the assistant greets and asks
            greeting = customer("Hello? My order never came", 1)
            assert "A person will answer you here" in greeting
            assert greeting.endswith("What is it about?\n1) An order or a delivery\n2) A "
                                     "payment or an invoice\n3) My account\n4) Something "
                                     "else\n(a number or a few words)")
            assert customer("1", 2).startswith("Do you have an order or account number?")
            assert customer("It is A-10231", 3).startswith("How would you like us to answer?")
            case = json.loads(omnitui("--config", str(file), "--db", db, "case", "1",
                                      "--format", "json", env=env).stdout)
            assert case["fields"] == {"topic": "An order or a delivery",
                                      "order_number": "A-10231"}
            assert case["case"]["status"] == "new" and case["first_response_at"] is None
            omnitui("--config", str(file), "--db", db, "--agent", "alice", "reply", "1",
                    "Hi Ada, Alice here: your parcel is on its way.", env=env)
            assert wait_for(lambda: len(sent(telegram_api)) >= 4, 20)
            assert post_telegram(client, telegram_update("by phone")).status_code == 200
            assert wait_for(lambda: _audited(omnitui, file, db, env), 20)
    finally:
        _, err = stop(daemon)
    assert daemon.returncode == 0, err
    assert sent(telegram_api)[-1] == "Hi Ada, Alice here: your parcel is on its way."
    assert len(sent(telegram_api)) == 4  # not a word more from the assistant
    assert all(f"/bot{TOKEN}/" in r.path for r in telegram_api.requests)
    assert TOKEN not in err and "Traceback" not in err


def _audited(omnitui: Callable[..., Any], file: Path, db: str, env: dict[str, str]) -> bool:
    history = json.loads(omnitui("--config", str(file), "--db", db, "case", "1", "--format",
                                 "json", env=env).stdout)["history"]
    return any(row[3] == "assistant.ended" and row[4] == "alice replied" for row in history)
