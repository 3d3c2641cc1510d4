"""The CLI from its real entry point: init, demo, cases, case, doctor, merge and undo."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import pwd
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omnitui.store.db import Store, _statements
from omnitui.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.cli.conftest import Run
from tests.conftest import as_of_schema, make_email, office_hours


def test_init_writes_config_and_private_store(omnitui: Run, home: Path) -> None:
    result = omnitui("init")
    config = home / ".config/omnitui/config.toml"
    store = home / ".local/share/omnitui/omnitui.db"
    assert str(config) in result.stdout and config.exists()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert f'path = "{store}"' in config.read_text()
    again = omnitui("init", check=False)
    assert again.returncode == 1 and "--force" in again.stderr
    assert "ok   schema" in omnitui("doctor").stdout


def test_demo_builds_a_realistic_store(omnitui: Run, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    out = omnitui("demo", "--db", str(db), "--no-console", "--customers", "200",
                  "--messages", "1200").stdout
    assert "200 customers" in out
    # piped to a narrow reader, each line of the summary still holds its items whole
    narrow = omnitui("--db", str(db), env={"COLUMNS": "40"}).stdout
    assert narrow == out and len(out.splitlines()) == 6
    conn = sqlite3.connect(db)
    answers = conn.execute("SELECT count(*) FROM csat WHERE answered_at IS NOT NULL"
                           ).fetchone()[0]  # customers answering its surveys come on top
    assert answers and conn.execute("SELECT count(*) FROM messages WHERE direction = 'in'"
                                    ).fetchone()[0] == 1200 + answers
    channels = {r[0] for r in conn.execute("SELECT DISTINCT channel FROM messages")}
    assert {"email", "sms", "chat"} <= channels and len(channels) >= 5
    statuses = {r[0] for r in conn.execute("SELECT DISTINCT status FROM cases")}
    assert {"new", "open", "pending", "solved"} <= statuses
    assert conn.execute("SELECT count(*) FROM customers WHERE tier = 'vip'").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM cases WHERE status IN ('new','open')"
                        " AND sla_due < datetime('now')").fetchone()[0]  # breaching
    three = conn.execute("SELECT count(*) FROM (SELECT customer_id FROM messages"
                         " GROUP BY customer_id HAVING count(DISTINCT channel) >= 3)"
                         ).fetchone()[0]
    assert three > 0
    # the seeds' example arrived live: "charged twice" on Instagram, in billing, its
    # apology drafted privately by the automatic playbook, the order history on screen
    [(case_id, queue, attributes)] = conn.execute(
        "SELECT c.id, c.queue, cu.attributes FROM cases c JOIN customers cu ON"
        " cu.id = c.customer_id WHERE c.channel = 'instagram' AND cu.name = 'Maya Schneider'"
    ).fetchall()
    order = json.loads(attributes)["orders"].split()[0]
    assert queue == "billing" and order in conn.execute(
        "SELECT text FROM messages WHERE case_id = ?", (case_id,)).fetchone()[0]
    assert conn.execute("SELECT agent, slot, fields FROM drafts WHERE case_id = ?",
                        (case_id,)).fetchone()[:2] == ("", "reply-private")
    shown = omnitui("--db", str(db), "case", str(case_id)).stdout
    assert "routed: billing: intent billing, says 'charged twice'" in shown
    # a second run reuses the store instead of doubling it
    assert "existing demo store" in omnitui("demo", "--db", str(db), "--no-console").stderr
    answers = conn.execute("SELECT count(*) FROM csat WHERE answered_at IS NOT NULL"
                           ).fetchone()[0]  # customers answering its surveys come on top
    assert answers and conn.execute("SELECT count(*) FROM messages WHERE direction = 'in'"
                                    ).fetchone()[0] == 1200 + answers


def test_demo_never_fills_nor_deletes_a_store_it_did_not_build(omnitui: Run,
                                                              tmp_path: Path) -> None:
    """`OMNITUI_DB` set to the team's store and `omnitui demo --rebuild` deleted it; without
    --rebuild, made-up customers were about to write into it."""
    notes, real = tmp_path / "notes.txt", tmp_path / "real.db"
    notes.write_text("my notes")
    with Store(real) as store, store.write() as conn:
        conn.execute("INSERT INTO customers (name, created_at, updated_at)"
                     " VALUES ('Ada', '2026-12-01 10:00:00', '2026-12-01 10:00:00')")
    for path in (notes, real):
        for rebuild in ((), ("--rebuild",)):
            result = omnitui("demo", "--db", str(path), "--no-console", *rebuild,
                             check=False)
            assert result.returncode == 2 and "is not a demo store" in result.stderr
            assert "Traceback" not in result.stderr
    assert notes.read_text() == "my notes"
    with Store(real) as store:
        assert store.conn.execute("SELECT name FROM customers").fetchall() == [("Ada",)]


def test_a_seed_and_an_end_give_the_same_demo_every_time(omnitui: Run, tmp_path: Path) -> None:
    """The story ended now, so `--seed` alone gave another store every hour; `--until`
    fixes its end, and a time to come is a usage error."""
    listed = []
    for name in ("one.db", "two.db"):
        db = str(tmp_path / name)
        omnitui("demo", "--db", db, "--no-console", "--customers", "30", "--messages", "90",
                "--seed", "3", "--until", "2026-11-04 16:30")
        listed.append(omnitui("--db", db, "cases", "--all", "--format", "csv").stdout)
    rows = list(csv.DictReader(io.StringIO(listed[0])))
    assert listed[0] == listed[1] and max(r["last_message_at"] for r in rows) <= \
        "2026-11-04 16:30:00"  # nothing after the story's end
    later = omnitui("demo", "--db", str(tmp_path / "three.db"), "--no-console", "--until",
                    "2999-01-01", check=False)
    assert later.returncode == 2 and "is in the future" in later.stderr


def test_cases_and_case_for_people_and_scripts(omnitui: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "60", "--messages", "300")
    rows = json.loads(omnitui("--db", db, "cases", "--format", "json", "--limit", "5").stdout)
    omnitui("--db", db, "status", str(rows[-1]["id"]), "--to", "on hold", "--reason",
            "waiting on engineering")  # the demo's team may have none on hold just now
    assert len(rows) == 5
    assert [r["priority"] for r in rows] == sorted((r["priority"] for r in rows), reverse=True)
    assert all(r["status"] in ("new", "open", "pending", "on_hold") for r in rows)
    solved = omnitui("--db", db, "cases", "--format", "csv", "--status", "solved")
    parsed = list(csv.DictReader(io.StringIO(solved.stdout)))
    assert parsed and {r["status"] for r in parsed} == {"solved"}
    # more than a page: the table says so; an ids list (what an action reads) has them all
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT count(*) FROM cases WHERE status = 'solved'").fetchone()[0]
    assert count > 50 and len(parsed) == 50
    assert f"the first 50 of {count:,} shown; --limit N shows more" in solved.stderr
    ids = omnitui("--db", db, "cases", "--format", "ids", "--status", "solved")
    assert len(ids.stdout.split()) == count and not ids.stderr
    for written in ("on hold", "on-hold"):  # as the console shows and reads it
        held = json.loads(omnitui("--db", db, "cases", "--format", "json", "--status", written,
                                  "--status", "open", "--limit", "1000").stdout)  # all of them:
        # by priority, the few held cases can fall below the first 50 open ones
        assert {r["status"] for r in held} == {"on_hold", "open"}
    table = omnitui("--db", db, "cases", "--sort", "sla", "--limit", "3").stdout
    assert "SLA" in table and "subject" in table
    case_id = rows[0]["id"]
    detail = json.loads(omnitui("--db", db, "case", str(case_id), "--format", "json").stdout)
    assert detail["case"]["id"] == case_id and detail["messages"]
    assert detail["messages"][0]["thread_reason"]
    assert detail["fields"] == {} and "csat" in detail  # answers kept on it; its survey
    for similar in detail["similar_cases"]:  # solved cases like it, best first
        assert set(similar) == {"id", "text", "score"} and similar["id"] != case_id
    text = omnitui("--db", db, "case", f"#{case_id}").stdout  # as the console writes it
    assert f"case #{case_id}" in text and "joined:" in text
    missing = omnitui("--db", db, "case", "999999", check=False)
    assert missing.returncode == 1 and "no case 999999" in missing.stderr



def test_a_csv_with_no_row_still_has_its_header(omnitui: Run, tmp_path: Path) -> None:
    """A cron job's `--format csv` read by pandas or `csvcut` on a day nothing matched: the
    header of the columns it reads on other days, not an empty file."""
    demo, empty = str(tmp_path / "demo.db"), str(tmp_path / "empty.db")
    omnitui("demo", "--db", demo, "--no-console", "--customers", "40", "--messages", "40")
    omnitui("--db", empty, "init")

    def header(db: str, *args: str) -> list[str] | None:
        return csv.DictReader(io.StringIO(omnitui("--db", db, *args, "--format", "csv").stdout)
                              ).fieldnames

    assert header(demo, "cases", "--search", "nothing-reads-so") == header(demo, "cases")
    assert header(empty, "cases") == header(demo, "cases")
    assert header(empty, "suggestions") == header(demo, "suggestions")
    assert header(empty, "agents", "list") == header(demo, "agents", "list")
    assert header(demo, "sla", "recompute", "--dry-run") == ["case", "column", "was", "now"]

def test_merge_and_undo_from_the_command_line(omnitui: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "30", "--messages", "100")
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT id, customer_id FROM identities ORDER BY id").fetchall()
    out = omnitui("--db", db, "--agent", "alice", "merge-customers", "2", "1").stdout
    assert "customer #2 merged into #1" in out
    assert conn.execute("SELECT count(*) FROM identities WHERE customer_id = 2"
                        ).fetchone()[0] == 0
    assert "undone" in omnitui("--db", db, "--agent", "alice", "undo").stdout
    assert conn.execute("SELECT id, customer_id FROM identities ORDER BY id"
                        ).fetchall() == before
    stranger = omnitui("--db", db, "--agent", "zed", "undo", check=False)  # not on the team
    assert stranger.returncode == 2 and "--agent 'zed' is not on the team" in stranger.stderr


def test_the_login_name_acts_only_on_a_team_it_is_on(omnitui: Run, tmp_path: Path) -> None:
    """Root opening a console on the server, or a script run as root, acted and was put on
    the team: a routable agent nobody had added. (Before the team, `--to nobody` gave the
    case to an agent named "nobody", whom nobody could take it from.)"""
    db, mail = str(tmp_path / "team.db"), tmp_path / "a.eml"
    mail.write_text("From: Ann <ann@example.com>\nTo: support@example.com\nSubject: Hi\n"
                    "Message-ID: <a1@example.com>\n\nMy order never arrived, can you check?\n")
    omnitui("--db", db, "import", str(mail))
    login = getpass.getuser()
    assert f"nobody → {login}" in omnitui("--db", db, "assign", "--to", "me", "1").stdout
    omnitui("--db", db, "--agent", "alice", "assign", "--to", "nobody", "1")  # no team yet:
    nobody = omnitui("--db", db, "agents", "add", "nobody", check=False)  # (it was an owner)
    assert nobody.returncode == 2 and "'nobody' cannot be an agent's name" in nobody.stderr
    omnitui("--db", db, "agents", "add", "alice")  # the server's admin, not on the team
    refused = omnitui("--db", db, "assign", "--to", "me", "1", check=False)
    assert refused.returncode == 2 and refused.stderr == (
        f"usage error: you ({login}) are not on the team (alice): act as one of them with "
        f"--agent NAME (or [console] agent in the config), or `omnitui agents add {login}` "
        "puts you on it\n")
    console = omnitui("--db", db, check=False)
    assert console.returncode == 2 and "are not on the team (alice)" in console.stderr
    assert "nobody → alice" in omnitui("--db", db, "--agent", "alice", "assign", "--to",
                                        "me", "1").stdout
    omnitui("--db", db, "agents", "away", "alice")  # the admin's work, under the login name
    omnitui("--db", db, "event", "password_reset", "--email", "ann@example.com")  # and a
    # billing job's or a monitor's, run as a service account
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM agents").fetchall() == [("alice",)]


def test_doctor_names_problems_and_fixes(omnitui: Run, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    missing = omnitui("--db", str(db), "doctor", check=False)
    assert missing.returncode == 1 and f"omnitui --db {db} init" in missing.stdout
    omnitui("--db", str(db), "cases", check=False)
    omnitui("--db", str(db), "init")
    db.chmod(0o644)
    loose = omnitui("--db", str(db), "doctor", check=False)
    assert loose.returncode == 1 and f"chmod 600 {db}" in loose.stdout
    db.chmod(0o600)
    healthy = omnitui("--db", str(db), "doctor")
    assert healthy.returncode == 0 and "semantic matching: on" in healthy.stdout


def doctor_on(omnitui: Run, config: Path, text: str
              ) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """A new store under the config `text` (written to `config`), and what doctor says."""
    config.write_text(text)
    config.chmod(0o600)
    db = ["--config", str(config), "--db", str(config.with_suffix(".db"))]
    omnitui(*db, "init")
    return db, omnitui(*db, "doctor", check=False)


def test_doctor_warns_of_a_webhook_receiver_beyond_loopback(omnitui: Run,
                                                            tmp_path: Path) -> None:
    """[server] listen = "0.0.0.0:8025" put the plain-HTTP receiver on every interface, and
    doctor said nothing: a warning now, with what docs/webhooks.md recommends, and no FAIL
    (an admin may mean it)."""
    for listen, where in (("0.0.0.0:8025", "on every network interface"),
                          ("[::]:8025", "on every network interface"),
                          ("203.0.113.5:9000", "on 203.0.113.5, which other machines reach")):
        _, found = doctor_on(omnitui, tmp_path / "open.toml",
                             f'[server]\nlisten = "{listen}"\n')
        assert found.returncode == 0, found.stdout
        port = listen.rsplit(":", 1)[1]
        assert (f'warn webhook receiver: [server] listen = "{listen}": `omnitui serve` answers '
                f"webhooks {where}, in plain HTTP (no TLS) (once [[channels]] are configured)"
                in found.stdout)
        assert (f'fix: listen on loopback (listen = "127.0.0.1:{port}") behind a TLS proxy '
                "(nginx, Caddy)" in found.stdout)
        (tmp_path / "open.db").unlink()
    for listen in ("127.0.0.1:8025", "[::1]:8025", "localhost:8025"):
        _, found = doctor_on(omnitui, tmp_path / "closed.toml",
                             f'[server]\nlisten = "{listen}"\n')
        assert "webhook receiver" not in found.stdout
        (tmp_path / "closed.db").unlink()


def test_doctor_tells_each_policys_clock(omnitui: Run, tmp_path: Path) -> None:
    """It said "policies office, round (business hours)" of a 24x7 policy."""
    _, found = doctor_on(omnitui, tmp_path / "sla.toml", office_hours() + """
[[sla_policies]]
name = "office"
first_response = { email = 240 }

[[sla_policies]]
name = "round"
business_hours = false
first_response = { email = 60 }
""")
    assert "ok   sla: policies office (business hours), round (24x7)" in found.stdout


def test_a_queue_name_no_queue_has_is_refused(omnitui: Run, tmp_path: Path) -> None:
    """An escalation moving cases to "tech-lead" of a team whose queue is "tech-leads", an
    intent sending them to "Tech": each was a queue of its own nobody works, and only
    doctor said so (import and serve filed cases there without a word)."""
    config = tmp_path / "team.toml"
    config.write_text('[[queues]]\nname = "tech"\nescalation = { move_to = "tech-lead" }\n\n'
                      '[[queues]]\nname = "tech-leads"\n\n'
                      '[[intents]]\nname = "crash"\nqueue = "Tech"\nkeywords = ["crash"]\n')
    db = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    for command in (("doctor",), ("cases",), ("import", str(tmp_path))):
        found = omnitui(*db, *command, check=False)
        assert found.returncode == 2, command
        assert "queues[0].escalation.move_to: no queue named 'tech-lead' in [[queues]] " \
            "(did you mean 'tech-leads'?)" in found.stderr
        assert "Traceback" not in found.stderr
    config.write_text(config.read_text().replace('"tech-lead"', '"tech-leads"'))
    assert "intents[0].queue: no queue named 'Tech' in [[queues]] (did you mean 'tech'?)" \
        in omnitui(*db, "cases", check=False).stderr
    config.write_text(config.read_text().replace('"Tech"', '"tech"'))
    assert "ok   config" in omnitui(*db, "doctor", check=False).stdout


def test_doctor_finds_skills_and_queues_that_cannot_meet(omnitui: Run, tmp_path: Path) -> None:
    """A push queue whose skills nobody has, or only a supervisor (given nothing by
    routing), waited for ever while doctor said all was well; so did an agent's typo'd
    skill ("tehc": the tech queue's cases never came), and a typo'd [console] agent."""
    team = ('[console]\nagent = "erni"\n\n'
            '[[queues]]\nname = "billing"\nskills = ["invoicing"]\nassign = "push"\n\n'
            '[[queues]]\nname = "leads"\nskills = ["lead"]\nassign = "push"\n\n'
            '[[queues]]\nname = "tech"\nskills = ["tech"]\n\n'
            '[[agents]]\nname = "erin"\nskills = ["tehc"]\n\n'
            '[[agents]]\nname = "sam"\nrole = "supervisor"\nskills = ["lead"]\n')
    config = tmp_path / "team.toml"
    db, found = doctor_on(omnitui, config, team)
    assert found.returncode == 1
    assert ("FAIL queue skills: billing needs invoicing: no agent has it; leads needs lead: "
            "only supervisors have it, and push routing gives supervisors nothing; erin's "
            "skill 'tehc' is no queue's (did you mean tech?)") in found.stdout
    assert "FAIL console agent: [console] agent 'erni' is not on the team (did you mean " \
        "erin?)" in found.stdout
    config.write_text(team.replace('"erni"', '"erin"').replace('"tehc"', '"tech"'))
    omnitui(*db, "agents", "add", "gus", "--skills", "invoicing,lead")
    fixed = omnitui(*db, "doctor", check=False).stdout
    assert "ok   queue skills: each queue's skills are some agent's, each agent's some " \
        "queue's" in fixed
    assert "ok   console agent: [console] agent erin is on the team" in fixed


def test_doctor_warns_when_require_waits_for_speakers_a_queue_has_none_of(
        omnitui: Run, tmp_path: Path) -> None:
    """`language = "require"` was meant to keep a German case for a German speaker; in a
    queue whose agents have no languages it changes nothing, unsaid."""
    team = ('[routing]\nlanguage = "require"\n\n'
            '[[queues]]\nname = "billing"\nskills = ["billing"]\nassign = "push"\n\n'
            '[[queues]]\nname = "tech"\nskills = ["tech"]\nassign = "push"\n\n'
            '[[agents]]\nname = "erin"\nskills = ["billing"]\nlanguages = ["de"]\n\n'
            '[[agents]]\nname = "gus"\nskills = ["tech"]\n')
    db, found = doctor_on(omnitui, tmp_path / "team.toml", team)
    assert found.returncode == 0  # a warning: doctor still passes
    assert 'warn language routing: [routing] language = "require", but none of the agents ' \
        "of tech has languages: their cases are routed by skills alone, whatever their " \
        "language" in " ".join(found.stdout.split())
    omnitui(*db, "agents", "add", "hal", "--skills", "tech", "--languages", "en,fr")
    assert "language routing" not in omnitui(*db, "doctor", check=False).stdout


def test_doctor_finds_a_macro_assigning_to_someone_off_the_team(omnitui: Run,
                                                                 tmp_path: Path) -> None:
    """A macro's assign was checked only when an agent applied it (an automatic one was
    never applied, unsaid); the team is the store's agents as well as [[agents]]."""
    macros = ('[[agents]]\nname = "erin"\n\n'
              '[[macros]]\nname = "To Bob"\nassign = "bbo"\n\n'
              '[[macros]]\nname = "Mine"\nassign = "me"\n\n'
              '[[macros]]\nname = "To Erin"\nassign = "erin"\n')
    config = tmp_path / "macros.toml"
    db, _ = doctor_on(omnitui, config, macros)
    omnitui(*db, "agents", "add", "bob")  # on the team in the store only
    found = omnitui(*db, "doctor", check=False)
    assert found.returncode == 1
    assert "FAIL macro assign: macro 'To Bob' assigns to 'bbo', who is not on the team (did " \
        "you mean bob?)" in found.stdout
    config.write_text(macros.replace('"bbo"', '"bob"'))
    fixed = omnitui(*db, "doctor", check=False).stdout
    assert "ok   macro assign: each macro's assign is an agent on the team" in fixed


def test_newer_store_is_refused_everywhere(omnitui: Run, tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    mail = tmp_path / "one.eml"
    mail.write_bytes(make_email("ann@example.com"))
    for args in (["cases"], ["case", "1"], ["import", str(mail)]):
        result = omnitui("--db", str(db), *args, check=False)
        assert result.returncode == 1, args
        assert "newer omnitui" in result.stderr and "Traceback" not in result.stderr
    doctor = omnitui("--db", str(db), "doctor", check=False)
    assert doctor.returncode == 1 and "upgrade omnitui" in doctor.stdout


def test_doctor_checks_a_store_from_an_older_version_before_its_upgrade(
        omnitui: Run, tmp_path: Path) -> None:
    """The upgrade's steps run doctor before the first start: a store of schema 3 to 10 read
    "cannot be read as SQLite: no such column ... move it aside and run `omnitui init`".
    The last version before this one too, and 35: doctor read schema 36's refusals of late
    there."""
    for version in sorted({3, 10, 35, SCHEMA_VERSION - 1}):
        db = tmp_path / f"v{version}.db"
        with closing(sqlite3.connect(db, isolation_level=None)) as conn:
            for script in MIGRATIONS[:version]:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
        doctor = omnitui("--db", str(db), "doctor", check=False).stdout
        assert f"ok   schema: schema version {version}; opening it upgrades it to " \
            f"{SCHEMA_VERSION}" in doctor
        assert "FAIL store" not in doctor and "move it aside" not in doctor, doctor
        with closing(sqlite3.connect(db)) as conn:  # doctor itself changes nothing
            assert conn.execute("PRAGMA user_version").fetchone() == (version,)


def test_doctor_checks_the_team_of_a_store_before_its_upgrade_and_says_what_waits(
        omnitui: Run, tmp_path: Path) -> None:
    """The upgrade's steps run doctor before the first start: on the previous schema it
    skipped the team's checks without a word, a queue no agent could take said nothing."""
    config = tmp_path / "team.toml"
    config.write_text('[[queues]]\nname = "general"\nassign = "push"\nskills = ["tech"]\n'
                      '[[agents]]\nname = "ann"\nskills = ["tehc"]\n')
    db = tmp_path / "s.db"
    args = ("--config", str(config), "--db", str(db))
    omnitui(*args, "init")
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        as_of_schema(conn, SCHEMA_VERSION - 1)
    doctor = omnitui(*args, "doctor", check=False).stdout
    assert "FAIL queue skills: general needs tech: no agent has it; ann's skill 'tehc' is " \
        "no queue's (did you mean tech?)" in doctor
    assert f"warn not checked yet: on schema version {SCHEMA_VERSION - 1}: sla applied (it " \
        "replays the open cases' clocks" in doctor
    assert "run `omnitui doctor` again once the store is upgraded" in doctor
    omnitui(*args, "cases")  # upgrades it
    assert "not checked yet" not in omnitui(*args, "doctor", check=False).stdout


def test_an_upgrade_that_fails_says_so_and_changes_nothing(omnitui: Run,
                                                          tmp_path: Path) -> None:
    """A migration failing midway (here: a store whose version number lies) ended in a
    traceback."""
    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 25")
    result = omnitui("--db", str(db), "cases", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: could not upgrade {db} from schema version 25 "
                                     f"to {SCHEMA_VERSION} (")
    assert "nothing was changed: restore it from a backup" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (25,)


def test_config_errors_name_file_key_and_expectation(omnitui: Run, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[threading]\nreopen_window_days = \"soon\"\n")
    result = omnitui("--config", str(config), "cases", check=False)
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "threading.reopen_window_days must be an integer, got 'soon'" in result.stderr
    config.write_text("[threading]\nreopen_windw_days = 3\n")
    result = omnitui("--config", str(config), "cases", check=False)
    assert "unknown key threading.reopen_windw_days" in result.stderr
    config.write_text("[store\npath=1")
    result = omnitui("--config", str(config), "cases", check=False)
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    result = omnitui("--config", str(tmp_path / "nope.toml"), "cases", check=False)
    assert result.returncode == 2 and "no such config file" in result.stderr
    assert "Traceback" not in result.stderr and "no folder" not in result.stderr
    typo = tmp_path / "omnitiu" / "config.toml"  # the init it advised refuses the folder
    result = omnitui("--config", str(typo), "doctor", check=False)
    assert f"no folder {typo.parent} either: check the path" in result.stderr
    result = omnitui("--config", str(tmp_path), "cases", check=False)  # ("[Errno 21] ...")
    assert result.returncode == 2 and f"{tmp_path} is a folder: --config names the config " \
        f"file in it, such as {tmp_path / 'config.toml'}" in result.stderr


def test_store_path_precedence(omnitui: Run, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "from-config.db"}"\n')
    omnitui("--config", str(config), "init", "--force")
    assert (tmp_path / "from-config.db").exists()
    from_env = omnitui("--config", str(config), "cases",
                       env={"OMNITUI_DB": str(tmp_path / "env.db")}, check=False)
    assert f"no store at {tmp_path / 'env.db'}" in from_env.stderr  # env beats the config
    omnitui("--config", str(config), "--db", str(tmp_path / "flag.db"), "init", "--force")
    assert (tmp_path / "flag.db").exists()
    doctor = omnitui("--config", str(config), "doctor",
                     env={"OMNITUI_DB": str(tmp_path / "flag.db")})
    assert "ok   schema" in doctor.stdout


def test_a_merge_suggestion_names_both_customers(omnitui: Run, tmp_path: Path) -> None:
    """`omnitui suggestions` said "merge customer #1 into #2": who they are took a look-up
    of each number."""
    from tests.conftest import make_email

    db = str(tmp_path / "s.db")
    for n, sender, name in ((1, "ann@example.com", "Ann Lee"), (2, "al@example.org", "Al Lee")):
        mail = tmp_path / f"{n}.eml"
        mail.write_bytes(make_email(sender, name=name, subject="Where is order A123456?",
                                    message_id=f"{n}@x"))
        omnitui("--db", db, "import", str(mail))
    table = omnitui("--db", db, "suggestions", env={"COLUMNS": "120"}).stdout
    assert "merge customer #1 Ann Lee into #2 Al Lee" in table
    assert "same order: A123456" in table  # what links them
    [row] = json.loads(omnitui("--db", db, "suggestions", "--format", "json").stdout)
    assert (row["source_id"], row["source_name"], row["target_id"], row["target_name"],
            row["evidence"]) == (1, "Ann Lee", 2, "Al Lee", "same order: A123456")


def test_suggestions_split_and_reattach_from_the_command_line(omnitui: Run,
                                                              tmp_path: Path) -> None:
    from tests.conftest import make_email

    db = str(tmp_path / "s.db")
    first = tmp_path / "a.eml"
    first.write_bytes(make_email("ann@example.com", name="Ann Lee", subject="Order A123456",
                                 message_id="a@x"))
    omnitui("--db", db, "import", str(first))
    stranger = tmp_path / "b.eml"
    stranger.write_bytes(make_email("eve@example.com", name="Ann Lee",
                                    subject="Re: [#1] Order A123456", message_id="b@x"))
    omnitui("--db", db, "import", str(stranger))
    rows = json.loads(omnitui("--db", db, "suggestions", "--format", "json").stdout)
    kinds = {(r["kind"], r["confidence"]) for r in rows}
    assert kinds == {("attach_to_case", 0.3), ("merge_customers", 0.6),
                     ("merge_customers", 0.4)}
    attach = next(r for r in rows if r["kind"] == "attach_to_case")
    first = omnitui("--db", db, "suggestions", "--limit", "1", "--format", "json")
    assert json.loads(first.stdout) == rows[:1]  # the most confident
    assert first.stderr == "the first 1 shown; --limit N shows more\n"  # none left unsaid
    table = omnitui("--db", db, "suggestions", env={"COLUMNS": "80"}).stdout  # the evidence
    assert f"attach message #{attach['source_id']} to case #{attach['target_id']}" in table
    assert "same name: ann lee" in table  # was cut to "same" among eight columns
    assert "accepted" in omnitui("--db", db, "--agent", "alice", "accept-suggestion",
                                 str(attach["id"])).stdout
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT case_id, thread_rule FROM messages WHERE external_id = 'b@x'"
                        ).fetchone() == (1, "re-attached")
    out = omnitui("--db", db, "--agent", "alice", "move-message", "2").stdout
    assert "moved to case #3" in out
    assert "split off by alice" in omnitui("--db", db, "case", "3").stdout
    refused = omnitui("--db", db, "--agent", "alice", "move-message", "2", "--to", "1",
                      check=False)  # eve's words into Ann Lee's case: replies go to Ann
    assert refused.returncode == 1 and "nothing was moved" in refused.stderr
    assert "--other-customer" in refused.stderr and "Traceback" not in refused.stderr
    back = omnitui("--db", db, "--agent", "alice", "move-message", "2", "--to", "1",
                   "--other-customer").stdout
    assert back.startswith("moved to case #1; #3, left empty, is closed as merged into #1 ")
    omnitui("--db", db, "--agent", "alice", "status", "1", "--to", "solved")
    omnitui("--db", db, "--agent", "alice", "move-message", "2")  # off again, to #4
    filed = omnitui("--db", db, "--agent", "alice", "move-message", "2", "--to", "1",
                    "--other-customer").stdout  # into a solved case: nobody sees it there
    assert "#1 stays solved: reopen it if the message needs an answer" in filed
    name_match = next(r for r in rows if r["confidence"] == 0.4)
    omnitui("--db", db, "--agent", "alice", "dismiss-suggestion", str(name_match["id"]))
    again = omnitui("--db", db, "dismiss-suggestion", str(name_match["id"]), check=False)
    assert again.returncode == 1 and "already dismissed" in again.stderr


def test_every_sort_lists_every_case(omnitui: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "80", "--messages", "400")
    for scope in ([], ["--all"], ["--status", "pending", "--status", "on_hold"]):
        counts = {}
        for sort in ("priority", "sla", "newest", "updated"):
            rows = json.loads(omnitui("--db", db, "cases", *scope, "--sort", sort, "--limit",
                                      "100000", "--format", "json").stdout)
            counts[sort] = sorted(r["id"] for r in rows)
        assert counts["sla"] and all(ids == counts["sla"] for ids in counts.values()), scope
        if scope:
            assert {"pending", "on_hold"} & {r["status"] for r in rows}


def test_case_says_which_case_each_message_of_the_customers_timeline_is_on(
        omnitui: Run, tmp_path: Path) -> None:
    """The customer's timeline shows their other cases' messages too: without a word of
    which, a reader took their answer on another case for an answer on this one."""
    from tests.conftest import make_email

    db = str(tmp_path / "s.db")
    for n, subject in enumerate(("Printer broken", "Invoice wrong")):
        mail = tmp_path / f"{n}.eml"
        mail.write_bytes(make_email("ann@example.com", subject=subject, body=subject,
                                    message_id=f"m{n}@example.com"))
        omnitui("--db", db, "import", str(mail))
        if n == 0:  # the next mail opens a case of its own
            omnitui("--db", db, "--agent", "alice", "status", "--to", "closed", "1")
    lines = omnitui("--db", db, "case", "2").stdout.splitlines()
    [earlier] = [line for line in lines if line.startswith("← ") and " #1 " in line]
    [own] = [line for line in lines if line.startswith("← ") and " #2 " in line]
    assert earlier.endswith("Ann Lee · case #1") and own.endswith("Ann Lee")


def test_case_shows_replies_delivery_pause_reason_and_snooze(omnitui: Run,
                                                            tmp_path: Path) -> None:
    """What the console's timeline shows of a case, `omnitui case` shows too."""
    from dataclasses import replace
    from datetime import timedelta

    from omnitui.channels.email.parse import parse_email
    from omnitui.config import Settings
    from omnitui.model import Status
    from omnitui.services.actions import set_status, snooze
    from omnitui.services.intake import intake_pipeline
    from omnitui.services.outbound import queue_draft, start_draft
    from omnitui.store import outbox
    from omnitui.store.db import Store, db_time, utc_now

    db = tmp_path / "demo.db"
    omnitui("demo", "--db", str(db), "--no-console", "--customers", "30", "--messages", "100")
    now = utc_now()
    with Store(db) as store:  # a new case, its clocks running
        case_id = intake_pipeline(store, Settings()).ingest(parse_email(make_email(
            "new.customer@example.com", subject="Where is my order?"))).case_id
    with Store(db) as store, store.write() as conn:  # what an agent does in the console
        draft = start_draft(conn, case_id, "reply")
        queue_draft(conn, case_id, replace(draft, text="On its way."), author="alice", at=now)
        queue_draft(conn, case_id, replace(draft, text="Bounced."), author="alice", at=now)
        failed = conn.execute("SELECT max(id) FROM outbox").fetchone()[0]
        outbox.mark_failed(conn, failed, "550 5.1.1 mailbox unavailable", at=db_time(now),
                           retry_at=None)
        set_status(conn, case_id, Status.PENDING, actor="alice",
                   at=now - timedelta(days=2), pause_reason="the order number")
        snooze(conn, case_id, now + timedelta(hours=3), actor="alice", at=now)
    text = omnitui("--db", str(db), "case", str(case_id)).stdout
    assert "pending · " in text
    assert "resolution paused (" in text.split("SLA: ")[1].splitlines()[0]  # time left kept
    assert "why paused: the order number (for 2d)" in text  # and since when
    berlin = ZoneInfo("Europe/Berlin")  # the demo team's zone, every time in it
    until = (now + timedelta(hours=3)).astimezone(berlin).strftime("%Y-%m-%d %H:%M %Z")
    assert f"snoozed until {until} (in 3h)" in text
    sent = now.astimezone(berlin).strftime("%Y-%m-%d %H:%M %Z")
    assert f"→ {sent} email" in text
    queued, bounced = text.split("alice · ")[-2:]  # the two replies just written
    assert queued.startswith("queued\n  delivery: to ") and "On its way." in queued
    assert bounced.startswith("failed\n  delivery: to ")
    assert "550 5.1.1 mailbox unavailable" in bounced.splitlines()[1]
    detail = json.loads(omnitui("--db", str(db), "case", str(case_id), "--format",
                                "json").stdout)
    assert detail["pause_reason"] == "the order number"
    assert detail["snoozed_until"] == db_time(now + timedelta(hours=3))
    assert [m["delivery"] for m in detail["messages"]][-2:] == ["queued", "failed"]


def test_lists_of_paused_and_snoozed_cases_say_what_each_waits_for(omnitui: Run,
                                                                     tmp_path: Path) -> None:
    """As the console's views do: `--status pending` what each waits on and for how long,
    `--snoozed` when each comes back (in the agent's zone); JSON and CSV carry the stored
    reason and times, whatever is listed."""
    from omnitui.model import Status
    from omnitui.services.actions import set_status, snooze
    from omnitui.store.db import Store, db_time, utc_now

    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "30", "--messages", "100")
    now = utc_now()
    berlin = ZoneInfo("Europe/Berlin")  # the demo team's zone
    back = (now + timedelta(days=30)).astimezone(berlin).replace(hour=9, minute=0, second=0,
                                                                 microsecond=0)
    with Store(db) as store, store.write() as conn:
        waiting, sleeping = [r[0] for r in conn.execute(
            "SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT 2")]
        set_status(conn, waiting, Status.PENDING, actor="alice", at=now - timedelta(days=2),
                   pause_reason="waiting on \x1b]0;OWNED\x07the carrier's word on the parcel")
        snooze(conn, sleeping, back, actor="alice", at=now)
    for columns, shown in (("200", "the carrier's word on the parcel"),
                           ("80", "the carrier's…")):
        table = omnitui("--db", db, "cases", "--status", "pending", "--limit", "500",
                        env={"COLUMNS": columns}).stdout
        assert table.splitlines()[0].split()[3:6] == ["waiting", "on", "waited"]
        line = next(line for line in table.splitlines() if line.split()[0] == str(waiting))
        assert f" {shown} " in line and " 2d " in line and "OWNED" not in table
        assert max(len(line) for line in table.splitlines()) <= int(columns)
    with Store(db) as store, store.write() as conn:  # beside one on hold, at 80 columns,
        held = conn.execute("SELECT id FROM cases WHERE status = 'open' AND snoozed_until"
                            " IS NULL ORDER BY id LIMIT 1").fetchone()[0]  # which is which
        set_status(conn, held, Status.ON_HOLD, actor="alice", at=now,
                   pause_reason="engineering")
    both = omnitui("--db", db, "cases", "--status", "pending", "--status", "on_hold",
                   "--limit", "500", env={"COLUMNS": "80"}).stdout.splitlines()
    assert both[0].split()[-1] == "status"
    line = next(line for line in both if line.split()[0] == str(held))
    assert " engineering " in line and line.rstrip().endswith(" on hold")
    snoozed = omnitui("--db", db, "cases", "--snoozed", env={"COLUMNS": "80"}).stdout
    assert snoozed.splitlines()[0].split()[3] == "until"
    assert f" {back:%d %b} " in next(line for line in snoozed.splitlines()
                                     if line.split()[0] == str(sleeping))
    rows = {r["id"]: r for r in json.loads(omnitui("--db", db, "cases", "--all", "--limit",
                                                   "500", "--format", "json").stdout)}
    assert rows[waiting]["pause_reason"] == "waiting on the carrier's word on the parcel"
    assert rows[waiting]["paused_at"] == db_time(now - timedelta(days=2))
    assert rows[sleeping]["snoozed_until"] == db_time(back)
    header = next(csv.reader(io.StringIO(omnitui("--db", db, "cases", "--snoozed",
                                                 "--format", "csv").stdout)))
    assert {"pause_reason", "paused_at", "snoozed_until"} <= set(header)


def test_doctor_on_a_store_not_made_yet_names_the_config_to_init_with(
        omnitui: Run, tmp_path: Path) -> None:
    """A team lead writes a config naming its store and runs doctor first: a bare `omnitui
    init` made another config and store, under the home folder."""
    db, config = tmp_path / "team.db", tmp_path / "team.toml"
    config.write_text(f'[store]\npath = "{db}"\n')
    first = omnitui("--config", str(config), "doctor", check=False)
    assert first.returncode == 1 and f"FAIL store: {db} does not exist" in first.stdout
    assert f"run `omnitui --config {config} init`" in first.stdout
    omnitui("--config", str(config), "init")
    assert db.exists()


def test_doctor_fails_when_channels_are_configured_and_no_daemon_runs(
        omnitui: Run, tmp_path: Path) -> None:
    """A daemon never started, or silent for a month, is a FAIL (exit 1) with the command
    that starts it once channels are configured; a running one is ok; a store without
    channels (a laptop, the demo) needs none. Each configured channel is listed."""
    from omnitui.store import channel_state
    from omnitui.store.db import Store, db_time, parse_db_time, utc_now
    from omnitui.wording import clock_time

    db, config = tmp_path / "s.db", tmp_path / "c.toml"
    omnitui("--db", str(db), "init")
    assert "no channels configured" in omnitui("--db", str(db), "doctor").stdout
    config.write_text('[[channels]]\nname = "tg"\nkind = "telegram"\nsecret = "s3cret-tg"\n'
                      'token = "123:abc"\n')
    config.chmod(0o600)
    never = omnitui("--config", str(config), "--db", str(db), "doctor", check=False)
    assert never.returncode == 1
    assert "FAIL daemon: never started" in never.stdout
    assert f"start it: `omnitui --config {config} --db {db} serve`" in never.stdout  # the
    # store checked (without --db the hint served the config's own store, another)
    assert "channel webhook tg: configured; no sync yet" in never.stdout
    month_ago = db_time(utc_now() - timedelta(days=30))
    with Store(db) as store, store.write() as conn:
        channel_state.heartbeat(conn, pid=4242, host="srv", at=month_ago, started_at=month_ago)
    here = {"TZ": "America/New_York"}  # no zone configured: the times are this machine's
    silent = omnitui("--config", str(config), "--db", str(db), "doctor", check=False,
                     env=here)
    assert silent.returncode == 1
    said = clock_time(parse_db_time(month_ago), ZoneInfo("America/New_York"))
    assert f"not running (it last said it was at {said}, and stopped" in silent.stdout, \
        silent.stdout  # as every time people read ("… UTC" beside the history's "EST")
    with Store(db) as store, store.write() as conn:
        channel_state.daemon_stopped(conn, at=month_ago)
    stopped = omnitui("--config", str(config), "--db", str(db), "doctor", check=False,
                      env=here)
    assert f"FAIL daemon: stopped, last seen {said}" in stopped.stdout
    now = db_time(utc_now())
    with Store(db) as store, store.write() as conn:  # fresh, on this machine, but no
        channel_state.heartbeat(conn, pid=4242, host=socket.gethostname(), at=now,
                                started_at=now)  # daemon holds its lock: a restored row
    restored = omnitui("--config", str(config), "--db", str(db), "doctor", check=False)
    assert restored.returncode == 1 and "FAIL daemon: not running" in restored.stdout
    with Store(db) as store, store.write() as conn:
        channel_state.heartbeat(conn, pid=4242, host="srv", at=now, started_at=now)
    running = omnitui("--config", str(config), "--db", str(db), "doctor")
    assert "ok   daemon: running as pid 4242 on srv" in running.stdout
    assert "s3cret-tg" not in running.stdout + running.stderr



def _fresh_row_and_no_daemon(omnitui: Run, db: Path) -> None:
    """A store whose daemon row is fresh, on this machine, and no daemon: a restored row."""
    from omnitui.store import channel_state
    from omnitui.store.db import Store, db_time, utc_now

    omnitui("--db", str(db), "init")
    now = db_time(utc_now())
    with Store(db) as store, store.write() as conn:
        channel_state.heartbeat(conn, pid=4242, host=socket.gethostname(), at=now,
                                started_at=now)


def test_doctor_cannot_tell_whether_the_daemon_runs_when_its_lock_is_a_folder(
        omnitui: Run, tmp_path: Path) -> None:
    """The whole doctor stopped at "error: ...serve.lock: Is a directory"; it says it cannot
    tell, with the path and what to do, and checks the rest."""
    db = tmp_path / "s.db"
    _fresh_row_and_no_daemon(omnitui, db)
    lock = tmp_path / "s.db.serve.lock"
    lock.mkdir()
    result = omnitui("--db", str(db), "doctor", check=False)
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert f"FAIL daemon: cannot tell whether it runs: its lock file {lock} cannot be read " \
        f"(Is a directory); its row says running, pid 4242 on {socket.gethostname()}" \
        in result.stdout
    assert f"fix: remove the folder {lock}" in result.stdout
    assert "ok   inbound: everything filed" in result.stdout  # the rest is checked


def test_doctor_cannot_tell_whether_the_daemon_runs_when_its_lock_is_not_readable(
        tmp_path: Path, omnitui: Run, cli_env: dict[str, str]) -> None:
    """Another account's lock file (mode 600) counted as held: a restored row's fresh
    heartbeat read "running as pid 4242". Root reads any file, so as root doctor runs in
    a user namespace of its own, where another account's file is as closed as to a user."""
    db = tmp_path / "s.db"
    _fresh_row_and_no_daemon(omnitui, db)
    lock = tmp_path / "s.db.serve.lock"
    lock.touch(mode=0o600)
    prefix: list[str] = []
    if os.geteuid() == 0:
        os.chown(lock, 65534, 65534)
        prefix = ["unshare", "--user"]
        if not shutil.which("unshare") or subprocess.run([*prefix, "true"]).returncode:
            pytest.skip("no user namespaces here to drop root's reading of any file")
    else:
        lock.chmod(0)
    result = subprocess.run([*prefix, sys.executable, "-m", "omnitui", "--db", str(db),
                             "doctor"], capture_output=True, text=True, env=cli_env,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert f"FAIL daemon: cannot tell whether it runs: its lock file {lock} cannot be read " \
        "(Permission denied); its row says running, pid 4242" in result.stdout
    assert "running as pid" not in result.stdout
    owner = "nobody" if prefix else pwd.getpwuid(lock.stat().st_uid).pw_name
    assert f"`sudo -u {owner} omnitui doctor`" in result.stdout  # not a chown to doctor's
    # account, which would lock the daemon out of its own lock


def test_the_case_table_keeps_its_columns_with_wide_and_long_text(omnitui: Run,
                                                                 tmp_path: Path) -> None:
    """Japanese names take two cells a character and a subject may be any length: every
    row is cut to the terminal's width, with an ellipsis, and its columns stay under the
    header's (the table is fixed-width lines measured in cells)."""
    from rich.cells import cell_len

    from omnitui.channels.email.parse import parse_email
    from omnitui.config import Settings
    from omnitui.services.intake import intake_pipeline
    from omnitui.store.db import Store

    db = tmp_path / "wide.db"
    with Store(db) as store:
        pipeline = intake_pipeline(store, Settings())
        for sender, name, subject in (
                ("taro@example.jp", "山田 太郎 さんの長いお名前", "請求書が二重に届きました" * 4),
                ("ann@example.com", "Ann Lee", "Refund"),
                ("zoe@example.com", "Zoë 👩‍💻 Park", "crash " * 30)):
            pipeline.ingest(parse_email(make_email(sender, name=name, subject=subject)))
    for columns in (80, 200):
        lines = omnitui("--db", str(db), "cases",
                        env={"COLUMNS": str(columns)}).stdout.splitlines()
        header, rows = lines[0], lines[1:]
        assert len(rows) == 3
        assert all(cell_len(line) <= columns for line in lines)
        start = cell_len(header[:header.index("subject")])  # where the subject column is
        owner = cell_len(header[:header.index("owner")])
        for row in rows:  # each column begins where the header's does, after a space
            at = {cell_len(row[:i]): i for i in range(len(row) + 1)}
            assert row[at[start] - 1] == " " and row[at[owner] - 1] == " "
            assert row[at[owner]:].split()[0] == "-"  # nobody owns them
        assert any("…" in row for row in rows)  # the long ones are cut, not wrapped
        assert any("山田" in row for row in rows) and any("Refund" in row for row in rows)
    assert any("山田 太郎 さんの長いお名前 " in row for row in rows)  # 200 columns: the name
    # whole, beside a subject of a hundred cells ("山田 太郎 さ…" and "messeng…")


def test_the_cases_table_counts_sla_time_as_the_case_and_console_do(omnitui: Run,
                                                                     tmp_path: Path) -> None:
    """Under business hours a case late by 10 days of business time was "late 26d" in
    `omnitui cases` (the wall clock) and "late 10d" in the console and `omnitui case`."""
    from omnitui.model import Countdown, TimeUnits
    from omnitui.store.db import utc_now
    from omnitui.wording import countdown_words

    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "60", "--messages", "300",
            "--days", "3")  # three busy days: clocks running whatever the hour
    rows = json.loads(omnitui("--db", db, "cases", "--format", "json", "--sort", "sla",
                              "--limit", "6").stdout)
    table = omnitui("--db", db, "cases", "--sort", "sla", "--limit", "6").stdout.splitlines()
    checked = 0
    for row in rows:
        detail = json.loads(omnitui("--db", db, "case", str(row["id"]), "--format", "json").stdout)
        assert detail["sla"]["time"] == "business hours"
        due = [t for t in detail["sla"]["targets"] if t["due"] == row["sla_due"]]
        if not due or due[0]["left_seconds"] is None or due[0]["left_seconds"] > 0:
            continue  # (ahead, outside business hours, the table names the due moment)
        units = TimeUnits(detail["sla"]["day_seconds"], detail["sla"]["week_seconds"])
        words = countdown_words(Countdown(due[0]["left_seconds"], units=units), row["status"],
                                utc_now())
        line = next(line for line in table if line.split()[0] == str(row["id"]))
        assert f" {words} " in line, (words, line)
        checked += 1
    assert checked >= 3


def test_doctor_fails_on_failed_replies_of_open_cases_only(omnitui: Run, tmp_path: Path) -> None:
    """One hard-bounced address kept doctor failing for ever, the case long closed."""
    from omnitui.model import Status
    from omnitui.services.desk import Desk
    from omnitui.store import outbox
    from omnitui.store.db import Store, db_time, utc_now

    db = tmp_path / "demo.db"
    omnitui("demo", "--db", str(db), "--no-console", "--customers", "30", "--messages", "60")
    with Store(db) as store:
        case_id = store.conn.execute("SELECT min(case_id) FROM messages m JOIN cases c ON"
                                     " c.id = m.case_id WHERE m.channel = 'email' AND"
                                     " c.status = 'open'").fetchone()[0]
        assert Desk(store, "alice").write(case_id, "reply", "Here you go").done
        row_id = store.conn.execute("SELECT max(id) FROM outbox").fetchone()[0]
        with store.write() as conn:
            outbox.mark_failed(conn, row_id, "550 no such user", at=db_time(utc_now()),
                               retry_at=None)
    failing = omnitui("--db", str(db), "doctor", check=False).stdout
    assert f"FAIL outbox: 1 reply could not be sent on cases still open, newest on case " \
        f"#{case_id}: 550 no such user" in failing.replace("\n", " ")
    # it told to write the reply again, where `resend` sends the same text to the same people
    assert "then send it again: `omnitui resend MESSAGE_ID` (the reply's number in " \
        "`omnitui case ID`), or its key on the case" in " ".join(failing.split())
    with Store(db) as store:  # written again (or sent again), and sent: done with
        assert Desk(store, "alice").write(case_id, "reply", "Here you go, again").done
        with store.write() as conn:
            outbox.mark_sent(conn, store.conn.execute("SELECT max(id) FROM outbox"
                                                      ).fetchone()[0], at=db_time(utc_now()))
    again = omnitui("--db", str(db), "doctor", check=False).stdout
    assert "ok   outbox: no failed replies on open cases (1 earlier one" in again
    with Store(db) as store:
        Desk(store, "alice").each([case_id], Desk(store, "alice").status(Status.SOLVED))
    solved = omnitui("--db", str(db), "doctor", check=False).stdout
    assert "ok   outbox: no failed replies on open cases (" in solved


def test_doctor_warns_that_unsolved_cases_stand_still_without_the_daemon(
        omnitui: Run, tmp_path: Path) -> None:
    """Without channels, doctor said "ok daemon: never started" while the scheduler it runs
    had work: snoozes that never woke, clocks that never escalated. Now a warning (doctor
    still passes) says so, with the command that starts it; a store with nothing unsolved
    needs no daemon."""
    db = ("--db", str(tmp_path / "s.db"))
    omnitui(*db, "init")
    assert "ok   daemon: never started" in omnitui(*db, "doctor").stdout
    omnitui(*db, "--agent", "alice", "new", "--email", "ann@example.com", "--subject",
            "Your order", "Hello")
    said = omnitui(*db, "doctor").stdout  # exit 0: a warning fails nothing
    assert "warn daemon: never started" in said
    assert "nothing moves by itself on 1 unsolved case:" in said
    assert "snoozes do not wake" in said and "serve`" in said


def test_doctor_says_why_replies_wait_when_nothing_is_configured_to_send_them(
        omnitui: Run, tmp_path: Path) -> None:
    """Beside "ok daemon: never started (no channels configured)", a stuck outbox asked "is
    `omnitui serve` running?": serving sends nothing without a mailbox or channel."""
    db = ("--db", str(tmp_path / "s.db"))
    omnitui(*db, "init")
    omnitui(*db, "--agent", "alice", "new", "--email", "ann@example.com", "--subject", "Hi",
            "Hello")
    with sqlite3.connect(tmp_path / "s.db") as conn:  # queued an hour ago
        conn.execute("UPDATE outbox SET created_at = datetime('now', '-1 hour')")
    said = omnitui(*db, "doctor", check=False).stdout
    assert "FAIL outbox queue: 1 reply waiting" in said
    assert "no [[mailboxes]] or [[channels]] entry is configured to send them" in said
    assert "is `omnitui serve` running?" not in said


def test_doctor_names_customers_in_a_tier_the_weights_do_not(omnitui: Run,
                                                             tmp_path: Path) -> None:
    """A key mistyped in [priority.tier_weights] ("vpi") left every VIP at a standard
    customer's priority, and nothing said so."""
    weights = "[priority.tier_weights]\nstandard = 0\npremium = 10\nvpi = 30\n"
    db, _ = doctor_on(omnitui, tmp_path / "tiers.toml", weights)
    mail = tmp_path / "one.eml"
    mail.write_bytes(make_email("ann@example.com"))
    omnitui(*db, "import", str(mail))
    with sqlite3.connect(tmp_path / "tiers.db") as conn:
        conn.execute("UPDATE customers SET tier = 'vip'")
    found = omnitui(*db, "doctor", check=False)
    assert found.returncode == 1
    assert "FAIL tiers: 1 customer in tier 'vip' (is 'vpi' a typo of it?): " \
        "[priority.tier_weights] names no such tier (it names standard, premium, vpi), so " \
        "they score no tier points" in " ".join(found.stdout.split())
    (tmp_path / "tiers.toml").write_text(weights.replace("vpi", "vip"))
    assert "FAIL tiers" not in omnitui(*db, "doctor", check=False).stdout
