"""`omnitui agents`: putting an agent on the team with the authorized_keys line that pins
their key to the console, taking them off again (their cases back to routing, their line
out of the file), away and back; wrong input says what is wrong in one line."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from omnitui.store.db import Store
from tests.cli.conftest import Run


def keypair(folder: Path, name: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop",
                    "-f", str(folder / name)], check=True)
    return folder / f"{name}.pub"


@pytest.fixture
def store(omnitui: Run, tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    omnitui("--db", str(path), "demo", "--no-console", "--customers", "60", "--messages", "60")
    return path


def test_add_writes_the_line_that_opens_only_the_console_and_remove_takes_it_out(
        omnitui: Run, store: Path, tmp_path: Path) -> None:
    key = keypair(tmp_path, "gina")
    keys_file = tmp_path / ".ssh" / "authorized_keys"
    db = ("--db", str(store))
    added = omnitui(*db, "agents", "add", "gina", "--key", str(key), "--skills", "billing,de",
                    "--capacity", "chat=3,email=10", "--role", "supervisor",
                    "--write", str(keys_file))
    assert f"added the line to {keys_file}" in added.stderr
    assert "note: no queue asks for de; the queues ask for " in added.stderr  # a typo shows
    line = keys_file.read_text().strip()
    public = " ".join(key.read_text().split()[:2])
    assert line == (f'command="{sys.executable} -m omnitui --db {store} --agent gina",'
                    f"restrict,pty {public} omnitui:gina")
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    again = omnitui(*db, "agents", "add", "gina", "--key", str(key), "--write", str(keys_file))
    assert "already in" in again.stderr and keys_file.read_text().count("\n") == 1
    shouted = omnitui(*db, "agents", "add", "GINA", check=False)  # both, as --owner gina
    assert shouted.returncode == 2 and "agent names are one in any case" in shouted.stderr
    team = json.loads(omnitui(*db, "agents", "list", "--format", "json").stdout)
    gina = next(row for row in team if row["agent"] == "gina")
    assert (gina["role"], gina["skills"], gina["capacity"]) == (
        "supervisor", ["billing", "de"], {"chat": 3, "email": 10})

    with Store(store) as opened:
        ids = [str(row[0]) for row in opened.conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open', 'pending') LIMIT 3")]
    omnitui(*db, "--agent", "farid", "assign", "--to", "gina", *ids)  # a supervisor
    removed = omnitui(*db, "agents", "remove", "gina")
    assert "3 unsolved cases back to routing" in removed.stderr
    assert keys_file.read_text() == ""
    with Store(store) as opened:
        owners = {row[0] for row in opened.conn.execute(
            f"SELECT owner FROM cases WHERE id IN ({', '.join(ids)})")}
        assert "gina" not in owners
        reasons = [row[0] for row in opened.conn.execute(
            "SELECT reason FROM audit WHERE action = 'case.assigned' AND reason LIKE"
            " 'back to routing: gina%'")]
    assert reasons == ["back to routing: gina left the team"] * 3
    team = json.loads(omnitui(*db, "agents", "--format", "json").stdout)
    assert "gina" not in {row["agent"] for row in team}


def test_away_and_back(omnitui: Run, store: Path, tmp_path: Path) -> None:
    db = ("--db", str(store))
    omnitui(*db, "agents", "add", "gina", "--key", str(keypair(tmp_path, "gina")))
    assert "gina is away" in omnitui(*db, "agents", "away", "gina").stderr
    team = json.loads(omnitui(*db, "agents", "--format", "json").stdout)
    assert next(row for row in team if row["agent"] == "gina")["state"] == "away"
    assert "gina is available" in omnitui(*db, "agents", "back", "gina").stderr
    omnitui(*db, "agents", "add", "sue", "--role", "supervisor")  # told routing gave her
    assert omnitui(*db, "--agent", "sue", "available").stdout == (  # cases: it gives none
        "sue is already available: a supervisor, given no cases by routing (they take"
        " them)\n")
    upper = omnitui(*db, "agents", "away", "GINA", check=False)
    assert upper.returncode == 2 and "(did you mean gina?)" in upper.stderr
    typo = omnitui(*db, "agents", "away", "ginna", check=False)
    assert typo.returncode == 2 and "no agent 'ginna' on the team (did you mean gina?)" in \
        typo.stderr
    omnitui(*db, "agents", "remove", "gina")  # off the team: no longer away or back
    for state in ("away", "back"):
        gone = omnitui(*db, "agents", state, "gina", check=False)
        assert gone.returncode == 2 and "no agent 'gina' on the team" in gone.stderr


def test_the_admins_away_and_back_are_audited_under_the_login_name(
        omnitui: Run, store: Path) -> None:
    """The server's account keeps the team without being on it (docs/deployment.md), and
    its work is audited under its login name: setting an agent away or back was not
    audited at all, so nothing told who had done it."""
    import getpass

    db = ("--db", str(store))
    omnitui(*db, "agents", "away", "erin")
    omnitui(*db, "agents", "back", "erin")
    said = json.loads(omnitui(*db, "history", "--by", getpass.getuser(), "--format",
                              "json").stdout)
    assert [(e["action"], e["reason"]) for e in said[-2:]] == [
        ("agent.away", "erin away"), ("agent.back", "erin available")]
    again = omnitui(*db, "agents", "back", "erin")  # nothing to do: no second row
    assert again.stderr.startswith("erin is already available: routing gives erin cases"
                                   " while a console of theirs runs")
    assert len(json.loads(omnitui(*db, "history", "--by", getpass.getuser(), "--format",
                                  "json").stdout)) == len(said)
    assert "an agent set away" in omnitui(*db, "history", "--limit", "2").stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0
                    or not shutil.which("setpriv"), reason="runs as a uid with no name")
def test_an_account_without_a_name_is_audited_as_its_uid(omnitui: Run, store: Path,
                                                         cli_env: dict[str, str]) -> None:
    """A container's bare uid (no passwd entry, no $USER): its admin work was audited as
    "agent", a name nobody could trace."""
    uid = 54321
    with tempfile.TemporaryDirectory() as theirs:  # pytest's folders are root's only
        own = Path(theirs)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{store}{suffix}").exists():
                shutil.copy(f"{store}{suffix}", own / f"team.db{suffix}")
        for path in (own, *own.iterdir()):
            os.chown(path, uid, uid)
        env = {k: v for k, v in cli_env.items() if k not in ("USER", "LOGNAME", "LNAME",
                                                             "USERNAME")}
        env.update(HOME=theirs, XDG_CONFIG_HOME=theirs, XDG_DATA_HOME=theirs)
        as_them = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                   sys.executable]
        if subprocess.run([*as_them, "-c", "import omnitui"], capture_output=True, env=env,
                          check=False).returncode:
            pytest.skip("this checkout is in a folder other accounts cannot read")
        done = subprocess.run([*as_them, "-m", "omnitui", "--db", str(own / "team.db"),
                               "agents", "away", "erin"],
                              capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        said = json.loads(omnitui("--db", str(own / "team.db"), "history", "--by",
                                  f"uid-{uid}", "--format", "json").stdout)
    assert [(e["action"], e["reason"]) for e in said] == [("agent.away", "erin away")]


@pytest.mark.parametrize(("args", "said", "status"), [
    (("add", "gina", "--key", "{private}"), "is a private key: give its public half", 1),
    (("add", "gina", "--key", "{missing}"), "No such file or directory", 1),
    (("add", "gina", "--key", "{public}", "--role", "boss"), "--role 'boss': one of", 2),
    (("add", "gina", "--key", "{public}", "--capacity", "chat:3"), "write it as chat=3", 2),
    (("add", "gina", "--key", "{public}", "--capacity", "phone=3"),
     "'phone' is a channel, not a channel class: write its class, 'chat'", 2),
    (("add", "gina smith", "--key", "{public}"), "letters, digits", 2),
    (("add", "nobody"), "'nobody' cannot be an agent's name", 2),
    (("add", "gina", "--write", "{public}"), "give the key with --key", 2),
    (("add", "gina", "--key", "{public}", "--write", "{typo}"), "no folder", 1),
    (("add", "gina", "--key", "{public}", "--write", "{shh}"), "no folder", 1),
    (("away", "zed"), "no agent 'zed' on the team", 2),
    (("remove", "zed"), "no agent 'zed' on the team", 2),
    (("remov", "gina"), "No such command 'remov'. Did you mean 'remove'?", 2),
])
def test_wrong_input_is_one_line(omnitui: Run, tmp_path: Path, args: tuple[str, ...],
                                 said: str, status: int) -> None:
    public = keypair(tmp_path, "gina")
    files = {"private": str(tmp_path / "gina"), "public": str(public),
             "missing": str(tmp_path / "nothing.pub"),
             "typo": str(tmp_path / "srvv" / ".ssh" / "authorized_keys"),  # made its folders
             "shh": str(tmp_path / ".shh" / "authorized_keys")}
    store = tmp_path / "empty.db"
    omnitui("--db", str(store), "init")
    result = omnitui("--db", str(store), "agents", *(a.format(**files) for a in args),
                     check=False)
    assert result.returncode == status
    assert said in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_agent_off_the_team_is_still_found_by_search_but_given_no_case(
        omnitui: Run, store: Path, tmp_path: Path) -> None:
    """Their solved cases keep their name, so `cases --owner` finds them (and the console's
    `owner:`); `assign --to` refuses them, as it refuses a typo."""
    db = ("--db", str(store))
    omnitui(*db, "agents", "add", "gina", "--key", str(keypair(tmp_path, "gina")))
    with Store(store) as opened:
        first, second = [str(row[0]) for row in opened.conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id LIMIT 2")]
    omnitui(*db, "--agent", "farid", "assign", "--to", "gina", first)
    omnitui(*db, "--agent", "gina", "status", "--to", "solved", first)
    omnitui(*db, "agents", "remove", "gina")
    found = omnitui(*db, "cases", "--all", "--owner", "Gina", "--format", "ids")
    assert found.stdout.split() == [first]
    refused = omnitui(*db, "assign", "--to", "gina", second, check=False)
    assert refused.returncode == 2 and "no agent 'gina'" in refused.stderr


def test_an_agent_who_works_on_this_machine_needs_no_key(omnitui: Run, store: Path) -> None:
    """Every name acting must be on the team, and only a key put anyone on it."""
    db = ("--db", str(store))
    added = omnitui(*db, "agents", "add", "gina", "--skills", "billing")
    assert added.stdout == "" and "gina works on this machine" in added.stderr
    team = json.loads(omnitui(*db, "agents", "--format", "json").stdout)
    assert "gina" in {row["agent"] for row in team}
    assert omnitui(*db, "--agent", "gina", "away").returncode == 0  # on the team: she acts
    wrong = omnitui(*db, "agents", "add", "hank", "--write", str(store.parent / "keys"),
                    check=False)
    assert wrong.returncode == 2 and "give the key with --key" in wrong.stderr


def test_the_table_and_the_json_say_one_word_for_an_agent_never_here(omnitui: Run,
                                                                     store: Path) -> None:
    """The table said "never here" where the JSON said "gone" of the same agent."""
    db = ("--db", str(store))
    omnitui(*db, "agents", "add", "gina", "--skills", "billing")
    team = {row["agent"]: row for row in json.loads(omnitui(*db, "agents", "--format",
                                                            "json").stdout)}
    assert (team["gina"]["state"], team["gina"]["since"]) == ("never here", None)
    [line] = [line for line in omnitui(*db, "agents").stdout.splitlines() if " gina " in line]
    assert "never here" in line
    omnitui(*db, "--agent", "gina", "away")  # then away, since a moment
    assert {row["agent"]: row["state"] for row in json.loads(omnitui(
        *db, "agents", "--format", "json").stdout)}["gina"] == "away"


def test_the_configs_agents_are_listed_before_any_console_ran(omnitui: Run, store: Path,
                                                              tmp_path: Path) -> None:
    """`omnitui agents` said "no agents" with agents in the config, until a console
    started."""
    config = tmp_path / "team.toml"
    config.write_text('[[agents]]\nname = "zed"\nskills = ["billing"]\n')
    before = json.loads(omnitui("--db", str(store), "agents", "--format", "json").stdout)
    team = json.loads(omnitui("--config", str(config), "--db", str(store), "agents",
                              "--format", "json").stdout)
    assert "zed" not in [a["agent"] for a in before] and "zed" in [a["agent"] for a in team]


def test_every_command_knows_the_configs_agents_before_any_console_ran(
        omnitui: Run, tmp_path: Path) -> None:
    """A new team's config names its agents; before any console or daemon had run,
    `cases --owner bob` said "no agent 'bob'", `agents away bob` "no agent 'bob' on the
    team", and `assign --to bobb` (a typo) gave a case to nobody on the team."""
    config = tmp_path / "team.toml"
    config.write_text('[[agents]]\nname = "erin"\n\n[[agents]]\nname = "bob"\n')
    db = ("--config", str(config), "--db", str(tmp_path / "new.db"))
    omnitui(*db, "init")
    case = omnitui(*db, "--agent", "erin", "new", "--email", "ann@example.com",
                   "--subject", "Hello", "Where is my order?", "--format", "json")
    case_id = str(json.loads(case.stdout)["case"])
    owned = omnitui(*db, "cases", "--owner", "bob", "--format", "ids", check=False)
    assert (owned.returncode, owned.stdout) == (0, ""), owned.stderr
    typo = omnitui(*db, "--agent", "erin", "assign", "--to", "bobb", case_id, check=False)
    assert typo.returncode == 2 and "did you mean bob?" in typo.stderr
    away = omnitui(*db, "agents", "away", "bob", check=False)
    assert away.returncode == 0, away.stderr


def test_an_agent_the_config_names_is_kept_there(omnitui: Run, store: Path,
                                                 tmp_path: Path) -> None:
    """`agents add zed` said "skills none, capacity no limit" while the config gave them
    billing and chat 3; `agents remove zed` said done, and the next `omnitui agents` listed
    zed again."""
    config = tmp_path / "team.toml"
    config.write_text('[[agents]]\nname = "zed"\nskills = ["billing"]\n'
                      'capacity = { chat = 3 }\n')
    db = ("--config", str(config), "--db", str(store))
    added = omnitui(*db, "agents", "add", "zed", "--key", str(keypair(tmp_path, "zed")))
    assert "zed is on the team (as the config has them): agent, skills billing, capacity " \
        "chat 3" in added.stderr
    other = omnitui(*db, "agents", "add", "zed", "--skills", "tech", check=False)
    assert other.returncode == 2 and "come from the config's [[agents]]" in other.stderr
    gone = omnitui(*db, "agents", "remove", "zed", check=False)
    assert gone.returncode == 2 and "take them out there first" in gone.stderr
    team = json.loads(omnitui(*db, "agents", "--format", "json").stdout)
    assert [a["skills"] for a in team if a["agent"] == "zed"] == [["billing"]]
    demo = omnitui("--db", str(store), "agents", "remove", "bob", check=False)  # the demo's
    assert demo.returncode == 2 and "the demo's team" in demo.stderr  # team, as the config's


@pytest.mark.skipif(os.geteuid() != 0, reason="only root writes for another account")
def test_root_writing_the_services_keys_file_leaves_it_the_services(
        omnitui: Run, store: Path, tmp_path: Path) -> None:
    """Root's `agents add --write` made .ssh and authorized_keys root's, mode 600: sshd,
    reading them as the service's user, refused every agent's key; `remove` did it again."""
    home = tmp_path / "srv"
    home.mkdir()
    os.chown(home, 4242, 4242)  # the service's user
    keys_file = home / ".ssh" / "authorized_keys"
    db = ("--db", str(store))
    for name in ("gina", "hal"):
        omnitui(*db, "agents", "add", name, "--key", str(keypair(tmp_path, name)),
                "--write", str(keys_file))
    omnitui(*db, "agents", "remove", "gina")  # the file written again, whole
    for path in (keys_file.parent, keys_file):
        assert (path.stat().st_uid, path.stat().st_gid) == (4242, 4242), path
    assert "omnitui:hal" in keys_file.read_text() and "omnitui:gina" not in keys_file.read_text()
    roots = tmp_path / "roots"  # a link the user planted: root gave its target away
    roots.write_text("root's\n")
    (keys_file.parent / "link").symlink_to(roots)
    omnitui(*db, "agents", "add", "ivy", "--key", str(keypair(tmp_path, "ivy")),
            "--write", str(keys_file))
    assert roots.stat().st_uid == 0


def test_add_takes_the_languages_an_agent_answers_in_and_refuses_a_name_for_a_code(
        omnitui: Run, store: Path) -> None:
    db = ("--db", str(store))
    wrong = omnitui(*db, "agents", "add", "gina", "--languages", "de,german", check=False)
    assert wrong.returncode == 2
    assert "--languages 'german': not an ISO 639-1 code of a language omnitui tells, such " \
        "as \"de\" (did you mean 'de'?)" in wrong.stderr
    added = omnitui(*db, "agents", "add", "gina", "--skills", "billing", "--languages", "en,de")
    assert "gina is on the team: agent, skills billing, speaks de, en, capacity" in added.stderr
    omnitui(*db, "agents", "add", "gina", "--skills", "billing,orders")  # kept as they were
    team = json.loads(omnitui(*db, "agents", "--format", "json").stdout)
    assert [a["languages"] for a in team if a["agent"] in ("gina", "alice")] == [
        ["de", "en"], ["de", "en"]]  # alice: the demo's team speaks its customers' languages
    assert "de, en" in omnitui(*db, "agents").stdout
