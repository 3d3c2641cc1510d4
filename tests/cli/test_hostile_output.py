"""Hostile outside text reaches no terminal, script or log raw: every command that prints,
run as a user runs it, on a store full of it (tests/hostile.py), and the daemon's log when
a platform answers with it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store.db import Store, utc_now
from tests.channels.test_smtp import free_port
from tests.cli.conftest import Run
from tests.cli.test_serve import stop
from tests.conftest import wait_for
from tests.hostile import FORMULA, HostileStore, fill_hostile_store, forbidden_in, hostile
from tests.recording_server import recording_server

FORMATS = ("table", "json", "csv")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> HostileStore:
    return fill_hostile_store(tmp_path_factory.mktemp("hostile") / "hostile.db")


def printing_commands(store: HostileStore) -> list[list[str]]:
    """Every command that prints what the store holds, in every format it has."""
    commands = [["cases", *scope, "--format", f] for f in FORMATS
                for scope in (["--all"], ["--status", "pending"])]
    commands += [["case", str(i), "--format", f] for i in store.case_ids for f in FORMATS]
    commands += [["suggestions", "--format", f] for f in FORMATS]
    return [*commands, ["doctor"], []]  # no command and no terminal: the summary


def test_no_printing_command_lets_hostile_text_through(store: HostileStore,
                                                       omnitui: Run) -> None:
    leaks = {}
    for args in printing_commands(store):
        result = omnitui("--db", str(store.db), *args, check=False)
        shown = (result.stdout + result.stderr).replace("\r\n", "\n")  # CSV rows end in CRLF
        problems = forbidden_in(shown) + (["Traceback"] if "Traceback" in shown else [])
        if problems or result.returncode not in (0, 1):
            leaks[" ".join(args) or "(summary)"] = (result.returncode, problems)
    assert leaks == {}


def test_the_visible_part_of_hostile_text_is_still_shown(store: HostileStore,
                                                         omnitui: Run) -> None:
    case = omnitui("--db", str(store.db), "case", str(store.case_ids[0])).stdout
    for label in ("SUBJECT first", "TIER", "EMAIL NAME", "BODY", "FILE", "application/x-",
                  "OWNER", "QUEUE", "In-Reply-To <first."):
        assert label in case, label
    waiting = omnitui("--db", str(store.db), "cases", "--status", "pending").stdout
    assert "PAUSE REASON" in waiting  # the list of paused cases says what each waits on
    doctor = omnitui("--db", str(store.db), "doctor", check=False).stdout
    assert "IMAP SERVER SAID" in doctor and "API ERROR" in doctor and "box/INBOX" in doctor


def test_json_values_are_sanitized_too(store: HostileStore, omnitui: Run) -> None:
    """Only escaped, `jq -r .subject` printed the escape sequences to the terminal."""
    rows = json.loads(omnitui("--db", str(store.db), "cases", "--all", "--format",
                              "json").stdout)
    with Store(store.db) as db:
        stored = {r[0] for r in db.conn.execute("SELECT subject FROM cases")}
    assert forbidden_in("".join(stored))  # the store holds them as they came
    assert forbidden_in("".join(r["subject"] for r in rows)) == []
    assert "SUBJECT first" in "".join(r["subject"] for r in rows)
    detail = json.loads(omnitui("--db", str(store.db), "case", str(store.case_ids[0]),
                                "--format", "json").stdout)
    assert forbidden_in(json.dumps(detail, ensure_ascii=False)) == []
    assert "TIER" in detail["customer"]["tier"]


def test_csv_neutralises_formulas_and_keeps_numbers(store: HostileStore,
                                                    omnitui: Run) -> None:
    text = omnitui("--db", str(store.db), "cases", "--all", "--format", "csv").stdout
    header, *rows = csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC)  # text quoted
    cases = [dict(zip(header, row, strict=True)) for row in rows]
    chat = next(c for c in cases if FORMULA in c["customer_name"])
    assert chat["customer_name"].startswith("'=HYPERLINK(") and chat["priority"] == -5
    assert not [cell for row in rows for cell in row if isinstance(cell, str)
                and cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t"))]


def test_the_daemon_log_stays_one_clean_line_per_event(tmp_path: Path,
                                                       cli_env: dict[str, str]) -> None:
    """A platform answering a reply with escapes and invisible characters: the daemon logs
    its error, and neither the log file nor stderr carries them raw."""
    hostile_store = fill_hostile_store(tmp_path / "h.db")
    chat_case = hostile_store.chat_case_id
    with Store(hostile_store.db) as db:
        draft = replace(start_draft(db.conn, chat_case, "reply"), text="third reply")
        with db.write() as conn:
            queue_draft(conn, chat_case, draft, author="alice", at=utc_now())
    log = tmp_path / "daemon.log"
    with recording_server() as api:
        api.default = (401, {"ok": False, "error_code": 401,
                             "description": hostile("DAEMON API ERROR")})
        config = tmp_path / "config.toml"
        config.write_text(f'[server]\nlisten = "127.0.0.1:{free_port()}"\n\n'
                          f'[[channels]]\nname = "tg"\nkind = "telegram"\nsecret = "s"\n'
                          f'token = "123:tok"\napi_base = "{api.base_url}"\n')
        daemon = subprocess.Popen(
            [sys.executable, "-m", "omnitui", "--config", str(config), "--db",
             str(hostile_store.db), "serve", "--log-file", str(log)], env=cli_env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            assert wait_for(lambda: log.exists() and "DAEMON API ERROR" in log.read_text(), 30)
        finally:
            _, err = stop(daemon)
    written = log.read_text(encoding="utf-8")
    assert forbidden_in(written) == [] and forbidden_in(err) == []
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR) ")
    assert all(stamp.match(line) for line in written.splitlines()), written
