"""What a mistake looks like: a usage error is one line and exit 2, an expected failure one
line and exit 1, and only a bug shows a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitui import cli
from tests.cli.conftest import Run

TYPOS = [  # (arguments, what the one line must name)
    (["cases", "--bogus"], "--bogus"),
    (["case", "abc"], "'ID': 'abc' is not a case id (12 or #12)"),
    (["merge-cases", "#1", "x2"], "'TARGET': 'x2' is not a case id"),
    (["history", "--case", "x"], "'--case': 'x' is not a case id (12 or #12)"),
    (["move-message", "1", "--to", "zz"], "'--to': 'zz' is not a case id"),
    (["serve", "--db", "X"], "--db goes before the command"),
    (["nosuch"], "No such command 'nosuch'"),
    (["--db", "tag", "cses"], "No such command 'cses'. Did you mean 'cases'"),
    (["case"], "Missing argument 'ID'"),
    (["merge-customers", "1"], "Missing argument 'target'"),
    (["cases", "--format", "xml"], "'--format'"),
    (["cases", "--sort", "nonsense"], "'--sort'"),
    (["cases", "--limit", "0"], "'--limit'"),
    (["cases", "--limit"], "'--limit' requires an argument (see `omnitui cases --help`)"),
    (["--db", "x.db", "tag", "5", "--add"], "requires an argument (see `omnitui tag --help`)"),
    # in a group, it pointed at the group's help, which lists no option of the command
    (["sla", "recompute", "--since"], "requires an argument (see `omnitui sla recompute --help`)"),
    (["agents", "add", "bob", "--skills"], "(see `omnitui agents add --help`)"),
    (["--bogus", "cases"], "--bogus"),
    (["split-customer", "1"], "Missing option '--identity'"),
    (["cases", "--status", "bogus"], "no status 'bogus'; the statuses are new, open, pending, "
                                     "on_hold, solved, closed"),
    (["--agent", "nobody", "note", "1", "x"], "--agent 'nobody' cannot be an agent's name"),
    (["--agent", "ev\x1b[31mil", "note", "1", "x"], "--agent 'ev\\x1b[31mil' cannot be"),
    (["--agent", "omnitui-mail", "note", "1", "x"], "nor omnitui's own"),
    # an empty or blank name acted as the login name (an unset variable in a script)
    (["--agent", "", "note", "1", "x"], "'--agent': the name is empty: give an agent's name"),
    (["--agent", "   ", "cases"], "'--agent': the name is only spaces: give an agent's"),
    (["--agent", " ", "agents", "away", "bob"], "'--agent': the name is only spaces"),
    (["history", "--by", ""], "'--agent' / '--by': the name is empty: give an agent's"),
    (["new", "--phone", "+4915112345678", "--channel", "telegram", "x"],
     "--phone writes by sms or whatsapp, not telegram"),
    (["new", "--email", "a@b.example", "--channel", "sms", "x"],
     "--email writes by email, not sms"),
    (["note", "--text", "hi", "1", "other"], "the text is given twice: as TEXT or as --text"),
    (["new", "--email", "a b", "hello"], "--email: 'a b' is not a usable email address"),
    (["new", "--phone", "+4915112345678", "--subject", "S", "x"],
     "--subject: a subject is for email; sms messages have none"),
    (["new", "--phone", "12", "hello"], "--phone: '12' is not a usable phone number"),
    (["new", "--email", "", "hello"], "--email: '' is not a usable email address"),
    (["new", "--email", "a@b.example", "hello"], "--subject: a new email needs a subject"),
    (["new", "--email", "a@b.example", "--subject", " ", "-"],
     "--subject: a new email needs a subject"),
    (["forward", "--to", "billing", "1", "fyi"], "'billing' is not a usable email address"),
    (["forward", "--to", " ", "1", "fyi"], "give the address to forward to"),
    (["event", "password_reset", "--phone", "notaphone"], "--phone: 'notaphone' is not a usable"),
    (["daemon"], "No such command 'daemon'. Did you mean 'serve'?"),  # not 'demo'
    (["sla", "run"], "No such command 'run' (see `"),  # no 'serve' in a group
    # a group alone printed its help and exit 0: a script's missing word passed for done
    (["sla"], "sla` needs a command: recompute (`"),
    (["kb"], "kb` needs a command: list, search or suggest (`"),
    (["note", "1"], "give the text as TEXT or --text (- reads it from stdin)"),
]


@pytest.mark.parametrize(("args", "named"), TYPOS, ids=[" ".join(a) for a, _ in TYPOS])
def test_every_usage_error_is_one_line_and_exit_2(omnitui: Run, args: list[str],
                                                  named: str) -> None:
    result = omnitui(*args, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("usage error: ") and named in lines[0]
    assert result.stdout == ""


TOO_LARGE = str(2**63)  # past SQLite's integers: a traceback from every id but a case's
TOO_LARGE_IDS = [["move-message", TOO_LARGE], ["undo", TOO_LARGE],
                 ["cases", "--customer", TOO_LARGE], ["accept-suggestion", TOO_LARGE],
                 ["merge-customers", TOO_LARGE, "1"]]


def test_a_number_too_large_for_the_store_is_a_usage_error(omnitui: Run) -> None:
    omnitui("init")
    for args in TOO_LARGE_IDS:
        result = omnitui("--agent", "farid", *args, check=False)
        assert (result.returncode, result.stderr) == (2, "usage error: a number given is too "
                                                          f"large (the most is {2**63 - 1})\n")
    for args in (["cases", "--limit"], ["history", "--limit"], ["suggestions", "--limit"]):
        result = omnitui(*args, str(2**63 - 1), check=False)  # said of the option
        assert result.returncode == 2 and "--limit" in result.stderr, args
        assert "1000000000" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["--help", "cases"], ["--db", "cases", "--help"]])
def test_the_list_of_commands_is_whole_wherever_help_is_asked(omnitui: Run,
                                                              args: list[str]) -> None:
    """A command line builds only the command it names (typer would build them all first):
    the list of commands must not lose any where it is asked for."""
    import typer

    listed = omnitui(*args).stdout
    names = typer.main.get_command(cli.app).commands  # type: ignore[attr-defined]
    assert len(names) > 40 and all(f" {name} " in listed for name in names)


def test_an_error_is_one_line_in_a_pipe_however_long(omnitui: Run, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-folder-with-a-long-name"] * 12, "missing.db")
    result = omnitui("--db", str(deep), "cases", check=False, env={"COLUMNS": "80"})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: no store at {deep}; create one with `omnitui init` or try `omnitui demo`"]


@pytest.fixture
def read_only_store(omnitui: Run, tmp_path: Path) -> Iterator[Path]:
    """A real store this account can read but not write, in a folder it can write, so SQLite
    opens it read-only without a word and only the first write fails. Root writes any file
    whatever its mode, but not an immutable one (chattr +i, as on a locked-down server)."""
    store = tmp_path / "s.db"
    omnitui("--db", str(store), "init")
    if os.geteuid() != 0:
        store.chmod(0o444)
        yield store
        return
    subprocess.run(["chattr", "+i", str(store)], check=True)
    try:
        yield store
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=True)


def test_serve_on_a_store_it_cannot_write_says_so_in_one_line(omnitui: Run,
                                                              read_only_store: Path) -> None:
    result = omnitui("--db", str(read_only_store), "serve", check=False, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot write the store {read_only_store} (attempt to write a readonly "
        "database): check the owner and mode of the file and of its folder, and the free space"]


def test_a_store_path_that_is_no_file_is_one_line(omnitui: Run, tmp_path: Path) -> None:
    result = omnitui("--db", "/dev/null", "cases", check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: /dev/null is not a file (a device, a pipe); pass the store's file with --db"]
    empty = tmp_path / "empty.db"
    empty.touch()
    result = omnitui("--db", str(empty), "cases", check=False)
    assert result.returncode == 1 and "is empty, not a store" in result.stderr
    assert empty.stat().st_size == 0  # a read command made no store of it


@pytest.mark.parametrize(("error", "code"), [
    (sqlite3.OperationalError("attempt to write a readonly database"), sqlite3.SQLITE_READONLY),
    (sqlite3.OperationalError("disk I/O error"), sqlite3.SQLITE_IOERR),
    (PermissionError(13, "Permission denied", "/srv/omnitui/omnitui.db.log"), None),
], ids=["read-only store", "disk I/O error", "unwritable file"])
def test_expected_failures_deep_inside_are_one_line(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    error: Exception, code: int | None) -> None:
    if code is not None:
        error.sqlite_errorcode = code  # type: ignore[attr-defined]  # as SQLite sets it
    monkeypatch.setattr(cli, "just_the_command", lambda: _raising(error))
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    assert len(capsys.readouterr().err.splitlines()) == 1


@pytest.mark.parametrize("bug", [RuntimeError("a bug"), KeyError("x"),
                                 sqlite3.OperationalError("no such column: x")],
                         ids=["RuntimeError", "KeyError", "SQL typo"])
def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch, bug: Exception) -> None:
    monkeypatch.setattr(cli, "just_the_command", lambda: _raising(bug))
    with pytest.raises(type(bug)):
        cli.main()


def _raising(error: Exception):
    def app(**_: object) -> None:
        raise error
    return app


def test_a_mistyped_filter_value_is_a_usage_error_not_an_empty_list(omnitui: Run,
                                                                      tmp_path: Path) -> None:
    """`omnitui cases` reads its filters as the console's search box does: `--lang
    deutsch`, `--lang xx` or `--channel emial` listed nothing, as if no case matched."""
    config, db = tmp_path / "c.toml", str(tmp_path / "demo.db")
    config.write_text("[[intents]]\nname = 'billing'\nkeywords = ['charged twice']\n"
                      "queue = 'money'\n")
    omnitui("demo", "--db", db, "--no-console", "--customers", "20", "--messages", "40")
    cases = ["--config", str(config), "--db", db, "cases"]
    for option, typo, said in [
            ("--intent", "biling", "no intent 'biling' (billing)"),
            ("--lang", "deutsch", "no language 'deutsch' (did you mean de? an ISO 639-1 code"),
            ("--lang", "xx", "no language 'xx' (an ISO 639-1 code"),  # two letters, no language
            ("--channel", "emial", "no channel 'emial' (email, chat"),
            ("--queue", "mony", "no queue 'mony' ("),
            ("--owner", "zed", "no agent 'zed' (")]:
        result = omnitui(*cases, option, typo, check=False)
        assert result.returncode == 2, (option, result.stderr)
        assert f"Invalid value for {option}: {said}" in result.stderr
    for option, value in [("--intent", "BILLING"), ("--lang", "DE"), ("--channel", "Email"),
                          ("--queue", "money"), ("--owner", "none")]:  # config's queue too
        assert omnitui(*cases, option, value).returncode == 0
    with sqlite3.connect(db) as conn:  # a queue, an owner only solved cases have now
        conn.execute("UPDATE cases SET queue = 'Archive', owner = 'Former', status = 'solved'"
                     " WHERE id <= 3")
    for option, value in [("--queue", "archive"), ("--owner", "former")]:
        solved = omnitui(*cases, "--all", option, value, "--format", "ids").stdout.split()
        assert sorted(solved) == ["1", "2", "3"]


def test_the_search_reads_the_consoles_filters(omnitui: Run, tmp_path: Path) -> None:
    """`--search lng:de` (and `intent:billing`, `is:irritated`) was searched for as words:
    "no cases match", exit 0, where the console's search box reads filters."""
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "40", "--messages", "80")
    cases = ["--db", db, "cases", "--format", "ids", "--all"]
    for words, option in [("lang:de", ["--lang", "de"]), ("is:irritated", ["--irritated"]),
                          ("status:open", ["--status", "open"]),
                          ("lang:en status:open", ["--lang", "en", "--status", "open"])]:
        found = omnitui(*cases, "--search", words).stdout.split()
        assert found == omnitui(*cases, *option).stdout.split(), words
        assert found or words == "is:irritated", words  # a small demo may have none
    for typo, said in [("lng:de", "lng: is not a filter; did you mean lang:?"),
                       ("tag:", "tag: needs a value (tag:VALUE)"),
                       ("is:angry", "no state 'angry'"), ("#12", "`omnitui case 12`")]:
        result = omnitui(*cases, "--search", typo, check=False)
        assert result.returncode == 2 and said in result.stderr, typo
    # with --all (snoozed too), --status still narrows: --all listed every status over it
    both = omnitui("--db", db, "cases", "--format", "ids", "--all", "--status", "open")
    with sqlite3.connect(db) as conn:
        assert {conn.execute("SELECT status FROM cases WHERE id = ?", (int(i),)).fetchone()[0]
                for i in both.stdout.split()} == {"open"}
    # `me` off the team (the login name, on the demo's store) owned nothing: "no cases match"
    for me in (omnitui("--db", db, "cases", "--owner", "me", check=False),
               omnitui("--db", db, "cases", "--search", "owner:me", check=False)):
        assert me.returncode == 2 and "who is not on the team (" in me.stderr
        assert "--agent NAME says who you are" in me.stderr
    # a word ending in a colon is a word ("error message: failed"), not a mistyped filter
    assert omnitui("--db", db, "cases", "--search", "error message: failed").returncode == 0


def test_the_search_narrows_to_a_customer_tier(omnitui: Run, tmp_path: Path) -> None:
    """The example view "VIP at risk" filtered `tag:vip`, and listed nothing: VIP is the
    customer's tier, not a tag, and no filter named a tier."""
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "40", "--messages", "80")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE customers SET tier = 'Gold' WHERE id = 3")  # from a CRM
        conn.execute("UPDATE cases SET tier = 'Gold' WHERE customer_id = 3")
        tiers = dict(conn.execute("SELECT id, tier FROM cases"))
    cases = ["--db", db, "cases", "--format", "ids", "--all"]
    vip = omnitui(*cases, "--search", "tier:VIP").stdout.split()
    assert vip and {tiers[int(i)] for i in vip} == {"vip"}
    assert len(vip) == sum(tier == "vip" for tier in tiers.values())
    gold = omnitui(*cases, "--search", "tier:gold").stdout.split()  # a tier the config
    assert gold and {tiers[int(i)] for i in gold} == {"Gold"}  # has no weight for


def test_text_given_that_is_not_utf8_is_a_usage_error_that_changes_nothing(
        omnitui: Run, cli_env: dict[str, str], tmp_path: Path) -> None:
    """A Latin-1 reply template piped in, a word typed in a Latin-1 terminal, a Latin-1 file
    name: one line naming the byte, exit 2, and the case as it was (it was a traceback,
    exit 1)."""
    db = ("--db", str(tmp_path / "demo.db"))
    omnitui("demo", *db, "--no-console", "--customers", "30", "--messages", "30")
    case = omnitui(*db, "cases", "--format", "ids", "--limit", "1").stdout.strip()
    before = omnitui(*db, "case", case, "--format", "json").stdout
    latin1 = "Gr\udcfc\udcdfe"  # "Grüße" in Latin-1 bytes, as Python reads them from argv
    for args in (["note", case, latin1], ["--agent", "farid", "status", case, "--to",
                                          "pending", "--reason", latin1],
                 ["cases", "--search", latin1]):
        result = omnitui(*db, *args, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        line, = result.stderr.splitlines()
        assert line.startswith("usage error: not UTF-8: byte 0xfc after ")
        assert line.endswith("Gr' (give text and file names in UTF-8; `iconv -t utf-8` "
                             "converts a file's text)")
    for strict in ("", "utf-8:strict"):  # as Python reads stdin in a C or a UTF-8 locale
        piped = subprocess.run([sys.executable, "-m", "omnitui", *db, "reply", case, "-"],
                               input="Grüße aus Köln\n".encode("latin-1"), capture_output=True,
                               env={**cli_env, "PYTHONIOENCODING": strict}, timeout=120)
        assert piped.returncode == 2 and b"Traceback" not in piped.stderr, piped.stderr
        assert b"not UTF-8: byte 0xfc after 'Gr'" in piped.stderr
    assert omnitui(*db, "case", case, "--format", "json").stdout == before
    backup = omnitui(*db, "backup", str(tmp_path / "b\udce4ckup"), check=False)  # "bäckup"
    assert backup.returncode == 2 and "not UTF-8: byte 0xe4 after" in backup.stderr
    assert "Traceback" not in backup.stderr


def test_a_report_ending_in_days_to_come_names_the_until_given(omnitui: Run,
                                                               tmp_path: Path) -> None:
    """`report --until 2030-01-01` said "--since 2029-12-03 has not begun yet": an option
    nobody typed."""
    db = ("--db", str(tmp_path / "s.db"))
    omnitui(*db, "init")
    result = omnitui(*db, "report", "--until", "2030-01-01", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--until 2030-01-01: the 30 days that end with it begin 2029-12-03, which has " \
           "not begun yet" in result.stderr
    assert "--since" not in result.stderr.replace("a --since too", "")
    typed = omnitui(*db, "report", "--since", "2030-01-01", check=False)
    assert typed.returncode == 2 and "--since 2030-01-01 has not begun yet" in typed.stderr


def test_snoozed_and_all_together_are_a_usage_error(omnitui: Run, tmp_path: Path) -> None:
    """`cases --snoozed --all` listed the snoozed cases of every status (solved ones whose
    snooze never ended), which neither option says."""
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "30", "--messages", "30")
    for snoozed, said in [("--snoozed", "--snoozed"),
                          ("--search=is:snoozed", "--search is:snoozed")]:
        result = omnitui("--db", db, "cases", snoozed, "--all", check=False)
        assert result.returncode == 2 and result.stdout == ""
        assert f"{said} lists only the cases snoozed until later" in result.stderr
        assert "--all lists every case of every status, snoozed or not" in result.stderr
    assert omnitui("--db", db, "cases", "--snoozed").returncode == 0
