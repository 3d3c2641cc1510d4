"""Every console action from the shell, as scripts use them: the real `omnitui` command on a
real store, checked in the store, the audit log and the outbox."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def db(omnitui: Run, tmp_path: Path, cli_env: dict[str, str]) -> str:
    path = str(tmp_path / "demo.db")
    omnitui("demo", "--db", path, "--no-console", "--customers", "60", "--messages", "300",
            "--days", "3")  # three busy days: open cases with owners whatever the hour
    # routing gave the demo's new cases to its agents: hand them back, as its supervisor,
    # with the team away (in the demo's business hours routing would give them out again)
    with sqlite3.connect(path) as conn:  # as `omnitui agents away NAME` for each of them
        conn.execute("UPDATE agents SET away_since = datetime('now')")
    new = omnitui("--db", path, "cases", "--status", "new", "--format", "ids").stdout
    cli(cli_env, path, "unassign", "-", agent="farid", stdin=new)
    # the scripts below act as the team's lead, put on the team as an admin does
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "lead")],
                   check=True)
    omnitui("--db", path, "agents", "add", "lead", "--role", "supervisor", "--key",
            str(tmp_path / "lead.pub"))
    return path


def cli(env: dict[str, str], db: str, *args: str, agent: str = "lead",
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "omnitui", "--db", db, "--agent", agent,
                           *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=120)


def rows(db: str, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_unassigned_new_cases_piped_to_one_agent(db: str, cli_env: dict[str, str]) -> None:
    listed = cli(cli_env, db, "cases", "--status", "new", "--owner", "none", "--format", "ids")
    ids = [int(line) for line in listed.stdout.split()]
    assert ids and listed.returncode == 0
    done = cli(cli_env, db, "assign", "--to", "erin", "-", stdin=listed.stdout)
    assert done.returncode == 0, done.stderr
    assert {r[0] for r in rows(db, f"SELECT owner FROM cases WHERE id IN "
                                    f"({','.join(map(str, ids))})")} == {"erin"}
    assert len(rows(db, "SELECT id FROM audit WHERE actor = 'lead' AND action ="
                        " 'case.assigned'")) == len(ids)
    again = cli(cli_env, db, "cases", "--status", "new", "--owner", "none", "--format", "ids")
    assert again.stdout == ""
    # one undo takes the whole command back, as it does for the console's marked cases
    undone = cli(cli_env, db, "undo")
    assert undone.returncode == 0, undone.stderr
    back = cli(cli_env, db, "cases", "--status", "new", "--owner", "none", "--format", "ids")
    assert sorted(map(int, back.stdout.split())) == sorted(ids)


def test_two_claims_at_once_one_wins_the_other_is_told_who(db: str,
                                                          cli_env: dict[str, str]) -> None:
    case_id = rows(db, "SELECT id FROM cases WHERE owner IS NULL AND status = 'new'")[0][0]
    runs = [subprocess.Popen([sys.executable, "-m", "omnitui", "--db", db, "--agent", agent,
                              "assign", "--to", "me", str(case_id)], env=cli_env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for agent in ("alice", "bob")]
    results = [(run.wait(60), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
    owner = rows(db, "SELECT owner FROM cases WHERE id = ?", case_id)[0][0]
    assert sorted(code for code, _ in results) == [0, 1]
    loser = next(err for code, err in results if code == 1)
    assert loser.strip() == (f"#{case_id} is already {owner}'s: {owner} or a supervisor can"
                             " hand it on")


def test_a_handover_counts_and_several_ids_report_each(db: str,
                                                      cli_env: dict[str, str]) -> None:
    owned = rows(db, "SELECT id, reassignments, owner FROM cases WHERE status = 'open'"
                     " AND owner NOT IN ('alice', 'bob', 'farid')")[0]
    refused = cli(cli_env, db, "assign", "--to", "bob", str(owned[0]), agent="alice")
    assert refused.returncode == 1 and refused.stderr.strip() == (
        f"#{owned[0]} is {owned[2]}'s: only a supervisor hands another agent's case on (ask "
        f"one, or {owned[2]})")
    result = cli(cli_env, db, "assign", "--to", "bob", "--format", "json", str(owned[0]),
                 "999999", agent="farid")  # the demo team's supervisor
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(r["case"], r["done"]) for r in report] == [(owned[0], True), (999999, False)]
    taken = cli(cli_env, db, "assign", "--to", "me", str(owned[0]), agent="farid")  # a claim:
    assert taken.stderr.strip() == (  # the supervisor is told how they may take it
        f"#{owned[0]} is already bob's: hand it on to yourself to take it (A, or assign "
        "--to farid)")
    assert report[0]["changes"][0]["reason"] == f"{owned[2]} -> bob"
    assert "there is no case 999999" in report[1]["refusal"]
    missing = cli(cli_env, db, "assign", "--to", "bob", "999999", agent="farid")
    assert missing.stderr.strip() == "there is no case 999999"  # not "#999999: there is..."
    assert rows(db, "SELECT reassignments FROM cases WHERE id = ?",
                owned[0])[0][0] == owned[1] + 1


def test_fields_status_snooze_and_the_version_a_script_read(db: str,
                                                           cli_env: dict[str, str]) -> None:
    case_id, version = rows(db, "SELECT id, version FROM cases WHERE status = 'open'")[0]
    assert cli(cli_env, db, "tag", "--add", "vip", "--add", "billing", str(case_id)
               ).returncode == 0
    assert cli(cli_env, db, "tag", "--remove", "billing", str(case_id)).returncode == 0
    odd = cli(cli_env, db, "tag", "--add", "9:00", str(case_id))  # `tag:9:00` names no tag
    assert odd.returncode == 2 and "'9:00' cannot be a tag" in odd.stderr
    assert cli(cli_env, db, "tag", "--add", "café", str(case_id)).returncode == 0
    assert " · tags vip café" in cli(cli_env, db, "case", str(case_id)).stdout  # as the
    # console's case shows them (the text said nothing of tags), and as typed in the
    # history ("caf\u00e9")
    assert '["vip", "café"]' in cli(cli_env, db, "history", "--case", str(case_id)).stdout
    assert cli(cli_env, db, "tag", "--remove", "café", str(case_id)).returncode == 0
    assert cli(cli_env, db, "priority", "--to", "-5", str(case_id)).returncode == 0
    assert cli(cli_env, db, "queue", "--to", "billing", str(case_id)).returncode == 0
    assert cli(cli_env, db, "escalate", str(case_id)).returncode == 0
    stale = cli(cli_env, db, "status", "--to", "solved", "--if-version", str(version),
                str(case_id))
    assert stale.returncode == 1 and "moved on" in stale.stderr
    paused = cli(cli_env, db, "status", "--to", "on hold", str(case_id))  # a usage error,
    assert paused.returncode == 2 and "--reason: on hold needs one" in paused.stderr  # once
    assert cli(cli_env, db, "status", "--to", "on hold", "--reason", "waiting on the bank",
               str(case_id)).returncode == 0
    assert cli(cli_env, db, "snooze", "--until", "3h", str(case_id)).returncode == 0
    row = rows(db, "SELECT tags, priority, queue, status, pause_reason, snoozed_until"
                   " FROM cases WHERE id = ?", case_id)[0]
    assert json.loads(row[0]) == ["vip", "escalated"]
    assert row[1:5] == (15.0, "billing", "on_hold", "waiting on the bank") and row[5]

    def listed(*options: str) -> list[int]:
        return [int(i) for i in cli(cli_env, db, "cases", *options, "--format", "ids"
                                    ).stdout.split()]

    # hidden until it comes back, as in the queue; a script could not find it at all
    assert case_id not in listed() and case_id not in listed("--status", "on_hold")
    assert case_id in listed("--snoozed") and case_id in listed("--all")
    assert listed("--search", "is:snoozed") == listed("--snoozed")  # the console's filter
    assert listed("--snoozed", "--search", "is:snoozed") == listed("--snoozed")  # both said
    assert listed("--irritated", "--search", "is:irritated") == listed("--irritated")
    assert cli(cli_env, db, "snooze", "--until", "now", str(case_id)).returncode == 0
    assert rows(db, "SELECT snoozed_until FROM cases WHERE id = ?", case_id)[0][0] is None
    assert cli(cli_env, db, "undo").returncode == 0  # the last action: the wake-up
    assert rows(db, "SELECT snoozed_until FROM cases WHERE id = ?", case_id)[0][0]
    assert cli(cli_env, db, "priority", "--to", "auto", str(case_id)).returncode == 0
    assert rows(db, "SELECT priority_by FROM cases WHERE id = ?", case_id)[0][0] is None


def test_a_snooze_time_is_the_agents_zone_else_the_teams(db: str, cli_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    """Over SSH the server's zone is often UTC: "tomorrow 9:00" woke the case at 10:00 in
    Berlin."""
    config = tmp_path / "zones.toml"
    config.write_text('[business_hours]\ntime_zone = "Pacific/Auckland"\n\n[[agents]]\n'
                      'name = "lead"\nrole = "supervisor"\ntime_zone = "Europe/Berlin"\n')
    case_id = rows(db, "SELECT id FROM cases WHERE status = 'open'")[0][0]
    for agent, stored in (("lead", "2026-12-24 08:00:00"), ("erin", "2026-12-23 20:00:00")):
        done = cli({**cli_env, "OMNITUI_CONFIG": str(config)}, db, "snooze", "--until",
                   "2026-12-24 09:00", str(case_id), agent=agent)
        assert done.returncode == 0, done.stderr
        assert "snoozed until Thu 24 Dec 09:00 " in done.stdout  # as typed, its zone named
        assert rows(db, "SELECT snoozed_until FROM cases WHERE id = ?", case_id)[0][0] == stored
    demo = cli(cli_env, db, "snooze", "--until", "2026-12-24 09:00", str(case_id))  # the
    assert "snoozed until Thu 24 Dec 09:00 CET" in demo.stdout  # demo team's Berlin, not
    assert rows(db, "SELECT snoozed_until FROM cases WHERE id = ?", case_id)[0][0] == (
        "2026-12-24 08:00:00")  # the machine's UTC read before the store was known


def test_writing_from_the_shell_queues_what_the_console_would(db: str,
                                                             cli_env: dict[str, str]) -> None:
    case_id = rows(db, "SELECT c.id FROM cases c JOIN identities i ON i.customer_id ="
                       " c.customer_id WHERE i.kind = 'email' AND c.channel = 'email'"
                       " AND c.status = 'open'")[0][0]
    noted = cli(cli_env, db, "note", str(case_id), "checked the logs")
    assert noted.returncode == 0 and noted.stdout.strip() == f"#{case_id}: note added"
    sent = cli(cli_env, db, "reply", str(case_id), "--text", "-", stdin="Fixed, sorry!\n")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip().startswith(f"#{case_id}: reply queued")
    assert "this reply cannot leave: no mailbox can send email" in sent.stderr  # (no mailbox
    # here: "reply queued" was all, until the daemon failed it)
    assert "cannot leave" not in noted.stderr
    typo = cli(cli_env, db, "forward", "--to", "billing", str(case_id), "please refund")
    assert typo.returncode == 2 and "'billing' is not a usable email address" in typo.stderr
    named = cli(cli_env, db, "forward", "--to", "Billing <billing@example.com>, ann@example.com",
                str(case_id), "fyi")  # names and several addresses, as mail writes them
    assert named.returncode == 0, named.stderr
    forwarded = cli(cli_env, db, "forward", "--to", "billing@example.com", str(case_id),
                    "please refund")
    assert forwarded.returncode == 0
    assert forwarded.stdout.strip() == f"#{case_id}: forwarded to billing@example.com"
    assert "this forward cannot leave: no mailbox can send email" in forwarded.stderr
    outbox = rows(db, "SELECT m.direction, m.text, o.recipients FROM messages m LEFT JOIN"
                      " outbox o ON o.message_id = m.id WHERE m.case_id = ? ORDER BY m.id DESC"
                      " LIMIT 3", case_id)
    assert outbox[2][0] == "out" and outbox[2][1].startswith("Fixed, sorry!")
    assert json.loads(outbox[1][2])["to"] == ["Billing <billing@example.com>, ann@example.com"]
    assert json.loads(outbox[0][2])["to"] == ["billing@example.com"]
    opened = cli(cli_env, db, "new", "--email", "newcomer@example.com", "--subject", "Hello",
                 "We saw your order")
    assert opened.returncode == 0 and opened.stdout.startswith(  # out of their open work
        f"case #{rows(db, 'SELECT max(id) FROM cases')[0][0]} opened, pending on their answer;")
    assert "this message cannot leave: no mailbox can send email" in opened.stderr
    assert rows(db, "SELECT owner, subject FROM cases ORDER BY id DESC LIMIT 1")[0] == (
        "lead", "Hello")
    listed = cli(cli_env, db, "cases", "--owner", "lead").stdout  # a blank cell, where the
    assert next(line for line in listed.splitlines() if " Hello " in line).split()[2:6] == [
        "paused", "email", "(no", "name)"]  # console says "(no name)"; it waits on them


def test_a_new_email_without_a_subject_is_refused_before_anything_is_stored(
        omnitui: Run, tmp_path: Path) -> None:
    """An empty or blank --subject opened a case and queued a mail titled nothing to the
    customer; a text message has no subject, and goes without one."""
    db = str(tmp_path / "s.db")
    omnitui("--db", db, "init")
    for subject in ([], ["--subject", ""], ["--subject", "  "]):
        refused = omnitui("--db", db, "--agent", "alice", "new", "--email", "ann@example.com",
                          *subject, "Your order shipped", check=False)
        assert (refused.returncode, refused.stdout) == (2, ""), subject
        [said] = refused.stderr.splitlines()
        assert said.startswith("usage error: Invalid value for --subject: a new email needs "
                               "a subject (their inbox and the queue show it)")
        assert rows(db, "SELECT count(*) FROM cases")[0][0] == 0
        assert rows(db, "SELECT count(*) FROM outbox")[0][0] == 0
    texted = omnitui("--db", db, "--agent", "alice", "new", "--phone", "+4915112345678",
                     "Your order shipped")
    assert texted.stdout.startswith("case #1 opened")
    assert rows(db, "SELECT subject FROM outbox") == [("",)]  # it goes without one; the
    # case, in the queue, is titled by its first line as a customer's text is
    assert rows(db, "SELECT channel, subject FROM cases") == [("sms", "Your order shipped")]


def test_writing_first_again_names_the_customers_open_case(omnitui: Run,
                                                          tmp_path: Path) -> None:
    """A second `new` to someone already written to opened another case without a word:
    it is allowed (teams do write twice), and said."""
    db = str(tmp_path / "s.db")
    omnitui("--db", db, "init")
    new = ("--db", db, "--agent", "alice", "new", "--email", "erin@example.com", "--subject",
           "Your order")
    first = omnitui(*new, "It shipped").stdout
    assert first == "case #1 opened, pending on their answer; the message is queued for " \
        "erin@example.com\n"
    second = omnitui(*new, "It shipped, really").stdout
    assert second == "case #2 opened, pending on their answer; the message is queued for " \
        "erin@example.com; erin@example.com also has case #1 open\n"
    omnitui("--db", db, "--agent", "alice", "status", "--to", "solved", "1")  # not named
    third = json.loads(omnitui(*new, "--format", "json", "Tracking number").stdout)
    assert third == {"case": 3, "done": True, "also_open": [2]}
    texted = omnitui("--db", db, "--agent", "alice", "new", "--phone", "+4915112345678",
                     "Hello")
    again = omnitui("--db", db, "--agent", "alice", "new", "--phone", "+4915112345678",
                    "Hello again")
    assert "also has" not in texted.stdout
    assert again.stdout.endswith("+4915112345678 also has case #4 open\n")


def test_a_name_not_on_the_team_and_a_reply_to_all_off_email_are_usage_errors(
        db: str, cli_env: dict[str, str]) -> None:
    """A typo acted as a new person ("alcie" claimed and solved a case, and was in
    `agents`); --all on a chat case replied to one, silently."""
    case_id = rows(db, "SELECT id FROM cases WHERE status = 'new' AND owner IS NULL")[0][0]
    typo = cli(cli_env, db, "assign", "--to", "me", str(case_id), agent="alcie")
    assert typo.returncode == 2 and typo.stderr == (
        "usage error: --agent 'alcie' is not on the team (did you mean alice?); `omnitui "
        "agents add alcie` puts them on it\n")
    assert rows(db, "SELECT owner FROM cases WHERE id = ?", case_id)[0][0] is None
    assert rows(db, "SELECT count(*) FROM agents WHERE name = 'alcie'")[0][0] == 0
    stranger = cli(cli_env, db, "agents", "away", "alice", agent="zed")  # nor the team's
    assert stranger.returncode == 2 and "--agent 'zed' is not on the team" in stranger.stderr
    console = cli(cli_env, db, agent="alcie")  # nor a console, which put it on the team
    assert console.returncode == 2 and "did you mean alice?" in console.stderr
    for reading in (["cases", "--owner", "me"], ["history"], ["report"]):  # "no cases
        read = cli(cli_env, db, *reading, agent="alcie")  # match", exit 0, for a typo
        assert read.returncode == 2 and "did you mean alice?" in read.stderr, reading
    chat = rows(db, "SELECT id, channel FROM cases WHERE channel = 'whatsapp'")[0]
    to_all = cli(cli_env, db, "reply", "--all", str(chat[0]), "hello")
    assert to_all.returncode == 1 and (f"replying to all is for email; case {chat[0]} is on "
                                       "whatsapp") in to_all.stderr


def test_a_customer_is_split_by_the_address_the_case_shows(db: str,
                                                          cli_env: dict[str, str]) -> None:
    """`--identity` wanted ids that no command printed (only raw SQL found them)."""
    customer, email = rows(db, "SELECT customer_id, value FROM identities WHERE kind ="
                               " 'email' AND customer_id IN (SELECT customer_id FROM identities"
                               " GROUP BY customer_id HAVING count(*) > 1) LIMIT 1")[0]
    wrong = cli(cli_env, db, "split-customer", str(customer), "--identity", "nobody@x.example")
    assert wrong.returncode == 2 and f"email {email}" in wrong.stderr  # theirs, named
    split = cli(cli_env, db, "split-customer", str(customer), "--identity", email.upper())
    assert split.returncode == 0, split.stderr
    assert rows(db, "SELECT customer_id != ? FROM identities WHERE value = ?", customer,
                email)[0][0] == 1


def test_a_number_is_split_off_written_as_link_took_it(db: str, cli_env: dict[str, str]
                                                      ) -> None:
    """`link --phone "+1 415 555 0188"` was taken, and `split-customer --identity "(415)
    555-0188"` (the number as the customer gave it) was refused: none of theirs."""
    customer = rows(db, "SELECT customer_id FROM identities WHERE kind = 'email' LIMIT 1")[0][0]
    assert cli(cli_env, db, "link", "--customer", str(customer), "--phone",
               "+1 415 555 0188").returncode == 0
    split = cli(cli_env, db, "split-customer", str(customer), "--identity", "(415) 555-0188")
    assert split.returncode == 0, split.stderr
    assert rows(db, "SELECT customer_id != ? FROM identities WHERE value = '+14155550188'",
                customer)[0][0] == 1


def test_a_call_logged_from_the_shell_and_an_address_linked(db: str,
                                                            cli_env: dict[str, str]) -> None:
    customer, email = rows(db, "SELECT customer_id, value FROM identities WHERE kind ="
                               " 'email' LIMIT 1")[0]
    assert cli(cli_env, db, "link", "--customer", str(customer), "--phone",
               "+1 415 555 0199").returncode == 0
    logged = cli(cli_env, db, "log-contact", "--phone", "+14155550199", "--channel", "phone",
                 "--minutes", "7", "--answer", "resent the invoice", "--format", "json",
                 "needs the invoice again")
    assert logged.returncode == 0, logged.stderr
    case_id = json.loads(logged.stdout)["case"]
    assert rows(db, "SELECT customer_id FROM cases WHERE id = ?", case_id)[0][0] == customer
    assert rows(db, "SELECT channel, direction FROM messages WHERE case_id = ? ORDER BY id"
                    " DESC LIMIT 2", case_id) == [("phone", "out"), ("phone", "in")]
    wrong = cli(cli_env, db, "log-contact", "--email", email, "--channel", "fax", "hi")
    assert wrong.returncode == 2 and "phone or a walk-up" in wrong.stderr
    # an address already someone's: one line saying whose (a traceback before)
    again = cli(cli_env, db, "link", "--customer", str(customer), "--email", email.upper())
    assert again.returncode == 1
    assert again.stderr == f"error: email {email} is already customer #{customer}'s\n"
    other = rows(db, "SELECT id FROM customers WHERE id != ? LIMIT 1", customer)[0][0]
    theirs = cli(cli_env, db, "link", "--customer", str(other), "--phone", "+14155550199")
    assert theirs.returncode == 1 and theirs.stderr == (
        f"error: phone +14155550199 is customer #{customer}'s; if they are one person: "
        f"omnitui merge-customers {customer} {other}\n")


# What a logged contact may add or change, as people see it (the audit log says what
# happened, and grows with the undo; the raw bytes stay, so a redo files them again).
STORE_TABLES = ("customers", "identities", "customer_facts", "cases", "messages",
                "suggestions", "outbox", "claims", "drafts", "csat", "assistant_runs",
                "tallies")


def store_rows(db: str) -> dict[str, list[tuple]]:
    """Every row of the tables a contact touches, but a case's version (it moves on with an
    undo, as any undo's does) and the counts a tally keeps at nought."""
    with sqlite3.connect(db) as conn:
        found = {}
        for table in STORE_TABLES:
            cur = conn.execute(f"SELECT * FROM {table}" + (" WHERE n != 0" if table ==
                                                            "tallies" else ""))
            names = [d[0] for d in cur.description]
            found[table] = sorted((tuple(v for n, v in zip(names, row, strict=True)
                                         if n != "version") for row in cur), key=repr)
        return found


def test_a_logged_call_is_the_agents_to_undo(db: str, cli_env: dict[str, str]) -> None:
    """A call from a number nobody has: it opens a customer and a case, under the agent who
    logged it; `omnitui undo` takes all of it back, the answer with it, and nothing else."""
    before = store_rows(db)
    logged = cli(cli_env, db, "log-contact", "--phone", "+14155550142", "--channel", "phone",
                 "--name", "Ada Caller", "--answer", "told her to restart it", "--format",
                 "json", "the router blinks red")
    assert logged.returncode == 0, logged.stderr
    case_id = json.loads(logged.stdout)["case"]
    assert rows(db, "SELECT actor FROM audit WHERE action = 'contact.logged' AND case_id = ?",
                case_id) == [("lead",)]
    undone = cli(cli_env, db, "undo")
    assert undone.returncode == 0, undone.stderr
    assert "logged call or visit" in undone.stdout
    assert store_rows(db) == before
    assert cli(cli_env, db, "case", str(case_id)).returncode != 0


def test_a_logged_visit_on_an_open_case_undone_leaves_the_case_as_it_was(
        db: str, cli_env: dict[str, str]) -> None:
    """A walk-up visit joins the customer's open case: undone, the case is as it was and
    the visit's message gone; the case stays."""
    email, case_id = rows(
        db, "SELECT i.value, c.id FROM identities i JOIN cases c ON"
        " c.customer_id = i.customer_id WHERE i.kind = 'email' AND c.status = 'open'"
        " ORDER BY c.id LIMIT 1")[0]
    before = store_rows(db)
    logged = cli(cli_env, db, "log-contact", "--email", email, "--channel", "walk-up",
                 "--format", "json", "came by about the refund")
    assert json.loads(logged.stdout)["case"] == case_id
    assert cli(cli_env, db, "undo").returncode == 0
    assert store_rows(db) == before


def test_a_logged_call_is_not_undone_once_the_customer_wrote_again(
        db: str, cli_env: dict[str, str]) -> None:
    """The customer called again on the case the first call opened (logged by a teammate):
    the first call's undo is refused in words, and nothing is taken back."""
    first = cli(cli_env, db, "log-contact", "--phone", "+14155550143", "--channel", "phone",
                "--format", "json", "the router blinks red")
    case_id = json.loads(first.stdout)["case"]
    again = cli(cli_env, db, "log-contact", "--phone", "+14155550143", "--channel", "phone",
                "--format", "json", "still red", agent="farid")
    assert json.loads(again.stdout)["case"] == case_id
    kept = store_rows(db)
    refused = cli(cli_env, db, "undo")
    assert refused.returncode != 0
    assert f"cannot undo: the customer wrote again on case #{case_id}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert store_rows(db) == kept


def test_what_the_classify_stage_read_is_in_the_case(db: str, cli_env: dict[str, str]) -> None:
    """A call typed in goes through the pipeline like any message: its language and why the
    customer reads as irritated are in `case --format json` and in the case as people see
    it."""
    irritated_de = ("cases", "--irritated", "--lang", "DE", "--format", "ids")
    before = cli(cli_env, db, *irritated_de).stdout.split()  # the demo's own
    logged = cli(cli_env, db, "log-contact", "--email", "kunde@example.de", "--channel",
                 "phone", "--format", "json",
                 "Das ist jetzt zum dritten Mal, dass ich wegen der Rechnung anrufe.")
    case_id = json.loads(logged.stdout)["case"]
    shown = json.loads(cli(cli_env, db, "case", str(case_id), "--format", "json").stdout)
    [message] = [m for m in shown["messages"] if m["direction"] == "in"]
    assert (message["language"], message["sentiment"], message["irritation"]) == (
        "de", None, "says 'zum dritten mal'")
    assert shown["language"] == "de"
    table = cli(cli_env, db, "case", str(case_id)).stdout
    assert "read: de · irritated: says 'zum dritten mal'" in table
    short = cli(cli_env, db, "log-contact", "--email", "kurz@example.de", "--channel",
                "phone", "--format", "json", "ok")  # too short to tell: und, as the case shows
    shown = json.loads(cli(cli_env, db, "case", str(json.loads(short.stdout)["case"]),
                           "--format", "json").stdout)
    assert shown["language"] == "und"  # it said null, where the case's text said und
    listed = cli(cli_env, db, *irritated_de).stdout.split()
    assert sorted(set(listed) - set(before)) == [str(case_id)]
    # the demo was built with its own intents (its config has none)
    billing = cli(cli_env, db, "cases", "--intent", "billing", "--format", "ids").stdout.split()
    assert billing and {r[0] for r in rows(db, "SELECT intent FROM cases WHERE id IN "
                                               f"({','.join(billing)})")} == {"billing"}


@pytest.mark.parametrize("args", [
    ("assign", "--to", "erin", "abc"),
    ("assign", "--to", "erin"),
    ("status", "--to", "closd", "1"),
    ("priority", "--to", "nan", "1"),
    ("tag", "1"),
    ("macro", "--name", "nothing", "1"),
    ("note", "1"),
    ("status", "--to", "open", "--if-version", "3", "1", "2"),
])
def test_a_wrong_action_is_a_usage_error_in_one_line(db: str, cli_env: dict[str, str],
                                                     args: tuple[str, ...]) -> None:
    result = cli(cli_env, db, *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_mistyped_agent_or_queue_changes_no_case(db: str, cli_env: dict[str, str]) -> None:
    """`assign --to erni` gave the case to nobody who could see it, `queue --to bilin` to a
    queue nobody works: both are usage errors now, in the console's filter words."""
    case_id = rows(db, "SELECT min(id) FROM cases WHERE status = 'new'")[0][0]
    before = rows(db, "SELECT owner, queue, version FROM cases WHERE id = ?", case_id)
    typo = cli(cli_env, db, "assign", "--to", "erni", str(case_id))
    assert typo.returncode == 2 and "no agent 'erni' (alice, bob" in typo.stderr
    typo = cli(cli_env, db, "queue", "--to", "bilin", str(case_id))
    assert typo.returncode == 2 and "no queue 'bilin' (" in typo.stderr and "billing" in typo.stderr
    assert rows(db, "SELECT owner, queue, version FROM cases WHERE id = ?", case_id) == before
    assert cli(cli_env, db, "assign", "--to", "Erin", str(case_id)).returncode == 0
    assert cli(cli_env, db, "queue", "--to", "BILLING", str(case_id)).returncode == 0
    assert rows(db, "SELECT owner, queue FROM cases WHERE id = ?", case_id) == [
        ("erin", "billing")]
    # to the queue it is in: a move was audited, its policy said reset, and routing held it
    audits = rows(db, "SELECT count(*) FROM audit WHERE case_id = ?", case_id)
    same = cli(cli_env, db, "queue", "--to", "billing", str(case_id))
    assert same.returncode == 0 and "already so, nothing to change" in same.stdout + same.stderr
    assert rows(db, "SELECT count(*) FROM audit WHERE case_id = ?", case_id) == audits


def test_two_customers_cases_merge_only_when_said_and_the_merged_one_takes_nothing(
        db: str, cli_env: dict[str, str]) -> None:
    source, target = (row[0] for row in rows(
        db, "SELECT min(id) FROM cases WHERE merged_into IS NULL GROUP BY customer_id"
            " ORDER BY 1 LIMIT 2"))
    refused = cli(cli_env, db, "merge-cases", str(source), str(target))
    assert refused.returncode == 1 and "--other-customer" not in refused.stdout
    assert f"case #{source} is" in refused.stderr and "nothing was merged" in refused.stderr
    done = cli(cli_env, db, "merge-cases", str(source), str(target), "--other-customer")
    assert done.returncode == 0, done.stderr
    note = cli(cli_env, db, "note", str(source), "anyone there?")
    assert note.returncode == 1
    assert f"case #{source} was merged into #{target}: act on #{target}" in note.stderr
    reopened = cli(cli_env, db, "status", str(source), "--to", "open")
    assert reopened.returncode == 1 and "Traceback" not in reopened.stderr
    assert rows(db, "SELECT status FROM cases WHERE id = ?", source) == [("closed",)]
    shown = cli(cli_env, db, "case", str(source)).stdout
    assert f"merged into #{target}: its messages" in shown


def test_the_reports_csv_carries_what_its_json_and_text_say(db: str,
                                                          cli_env: dict[str, str]) -> None:
    """The text said "backlog now 453 cases (2 snoozed)" and the JSON had the snoozed count;
    the spreadsheet's columns stopped before it."""
    case_id = rows(db, "SELECT id FROM cases WHERE status = 'open'")[0][0]
    assert cli(cli_env, db, "snooze", "--until", "3h", str(case_id)).returncode == 0
    total = json.loads(cli(cli_env, db, "report", "--format", "json").stdout)["total"]
    [row] = csv.DictReader(io.StringIO(cli(cli_env, db, "report", "--format", "csv").stdout))
    assert total["backlog_snoozed"] >= 1
    assert int(row["backlog_snoozed"]) == total["backlog_snoozed"]
    assert int(row["backlog"]) == total["backlog"]
    # durations in whole seconds, as the JSON gives them (the mean read 14852.153348729793,
    # the backlog's age 187437.612617)
    for name in ("first_response_mean", "resolution_p90", "backlog_age_p50"):
        assert row[name].isdigit(), (name, row[name])
    assert int(row["first_response_mean"]) == total["durations"]["first_response"]["mean"]
    assert 0 <= int(row["backlog_age_p90"]) - total["backlog_age"]["p90"] <= 60  # (a
    # second run, its backlog a few seconds older)
    # its one row is the period's, named as the table's head names it (it read "all" under
    # a column "all")
    head = cli(cli_env, db, "report").stdout.splitlines()[0]
    assert head == f"cases opened {row['period']}: {total['opened']:,}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d \(.+ time\)",
                        row["period"])


def test_the_report_by_queue_fits_80_columns_with_its_names_whole(
        db: str, cli_env: dict[str, str]) -> None:
    """At 80 columns "account-access" read "account-ac…": the table needed 82."""
    table = cli({**cli_env, "COLUMNS": "80"}, db, "report", "--by", "queue").stdout
    lines = table.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in table
    assert any(line.startswith("account-access ") for line in lines)


def test_a_snooze_past_a_cases_due_time_says_its_clock_keeps_running(
        db: str, cli_env: dict[str, str]) -> None:
    """A case due in 10 minutes, snoozed for 3 hours, breached while hidden, without a
    word: a snooze does not stop the SLA clock (pending does)."""
    soon, later = [row[0] for row in rows(db, "SELECT id FROM cases WHERE status = 'open'"
                                              " ORDER BY id LIMIT 2")]
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cases SET sla_due = datetime('now', '+10 minutes') WHERE id = ?",
                     (soon,))
        conn.execute("UPDATE cases SET sla_due = datetime('now', '+3 days') WHERE id = ?",
                     (later,))
    done = cli(cli_env, db, "snooze", "--until", "3h", str(soon), str(later))
    assert done.returncode == 0, done.stderr
    assert f"#{soon} falls due " in done.stderr and "a snooze does not stop its SLA clock" in \
        done.stderr
    assert f"#{later}" not in done.stderr
    piped = cli(cli_env, db, "snooze", "--until", "4h", "-", stdin=f"{soon}\n")  # ids read
    assert piped.returncode == 0 and f"#{soon}: snoozed until" in piped.stdout  # once


def test_a_customer_that_does_not_exist_is_a_usage_error_not_an_empty_list(
        db: str, cli_env: dict[str, str]) -> None:
    """--queue, --owner and --lang naming nothing were usage errors; --customer 999999 said
    "no cases match" and exit 0."""
    listed = cli(cli_env, db, "cases", "--customer", "999999")
    assert listed.returncode == 2
    assert "--customer 999999: there is no customer #999999" in listed.stderr


def test_a_public_post_is_answered_privately_from_the_command_line(
        db: str, cli_env: dict[str, str]) -> None:
    """`omnitui private`: the demo's Instagram comment gets its public acknowledgement and
    the private answer, each said for what it is; a case that is no public post is refused,
    nothing queued."""
    [(case_id,)] = rows(db, "SELECT case_id FROM messages WHERE reply_route LIKE"
                            " '%\"public\": true%'")
    done = cli(cli_env, db, "private", str(case_id), "Sorry! Which card was it?")
    assert done.returncode == 0
    assert done.stdout.strip() == (f"#{case_id}: public acknowledgement queued; private "
                                   "answer queued")
    assert "cannot leave" in done.stderr  # the demo has no Meta channel to send with
    queued = rows(db, "SELECT text FROM messages WHERE case_id = ? AND direction = 'out'"
                      " ORDER BY id", case_id)
    assert queued[-1] == ("Sorry! Which card was it?",) and "private message" in queued[-2][0]
    again = cli(cli_env, db, "private", str(case_id), "again")
    assert again.returncode == 1 and "is not a public conversation" in again.stderr
    assert len(rows(db, "SELECT id FROM messages WHERE case_id = ? AND direction = 'out'",
                    case_id)) == len(queued)


def test_a_reply_too_long_for_its_channel_is_refused_with_nothing_queued(
        omnitui: Run, tmp_path: Path) -> None:
    """A 1,601-character SMS was queued, refused by the platform and left failed in the
    outbox: `reply`, a macro's reply and writing first are refused (exit 1, one line on the
    limit), nothing stored; at the limit it goes, and email has none."""
    config = tmp_path / "omnitui.toml"
    config.write_text(f'[[macros]]\nname = "long"\nreply = "{"x" * 1601}"\n')
    db = ("--config", str(config), "--db", str(tmp_path / "l.db"))
    omnitui(*db, "init")
    omnitui(*db, "--agent", "alice", "new", "--phone", "+4915112345678", "Your order shipped")
    omnitui(*db, "--agent", "alice", "new", "--email", "ann@example.com", "--subject", "Hi",
            "Hello")

    def queued() -> list[tuple]:
        return rows(str(tmp_path / "l.db"), "SELECT o.case_id, length(m.text) FROM outbox o"
                                            " JOIN messages m ON m.id = o.message_id")

    before = queued()
    refused = omnitui(*db, "--agent", "alice", "reply", "1", "x" * 1601, check=False)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.splitlines() == [
        "#1: too long for sms: 1,601 characters, the most one message holds is 1,600 (shorten "
        "it by 1); nothing was sent"]
    macro = omnitui(*db, "--agent", "alice", "macro", "--name", "long", "1", check=False)
    assert macro.returncode == 1 and "too long for sms: 1,601 characters" in macro.stderr
    first = omnitui(*db, "--agent", "alice", "new", "--phone", "+4915112345679", "y" * 1700,
                    check=False)
    assert first.returncode == 1 and "too long for sms: 1,700 characters" in first.stderr
    assert queued() == before
    assert rows(str(tmp_path / "l.db"), "SELECT count(*) FROM cases")[0][0] == 2
    omnitui(*db, "--agent", "alice", "reply", "1", "x" * 1600)
    omnitui(*db, "--agent", "alice", "reply", "2", "x" * 5000)
    assert queued() == [*before, (1, 1600), (2, 5000)]
