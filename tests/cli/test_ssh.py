"""Agents over SSH, identity by key, against Debian's real sshd: a private, non-daemon sshd on
a loopback port with its own host key and the authorized_keys file `omnitui agents add
--write` fills. Alice's key lands in the console as alice, bob's as bob, and whatever they
ask ssh to run (`ls`, `-t bash`), the key opens the console and nothing else."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitui.store.db import Store
from tests.cli.conftest import Run
from tests.tui.helpers import Terminal

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
pytestmark = pytest.mark.skipif(
    not Path(SSHD).exists() or os.geteuid() != 0,
    reason="needs Debian's openssh-server (.ci/run installs it) and root, as CI has")
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keypair(folder: Path, name: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)],
                   check=True)
    return folder / name


@pytest.fixture
def team(omnitui: Run, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A demo store with alice and bob added by key, and sshd serving their lines."""
    store, config, keys = tmp_path / "team.db", tmp_path / "config.toml", tmp_path / "keys"
    config.write_text("".join(  # the team of its own (the demo's, applied at every start,
        f'[[agents]]\nname = "{name}"\nskills = {skills}\n'  # keeps its own capacities)
        "capacity = { chat = 1, email = 1 }\n\n"
        for name, skills in (("alice", '["billing", "orders"]'), ("bob", '["tech"]'))))
    omnitui("--db", str(store), "demo", "--no-console", "--customers", "60", "--messages",
            "60")
    for name in ("alice", "bob"):
        key = keypair(tmp_path, name)
        omnitui("--config", str(config), "--db", str(store), "agents", "add", name, "--key",
                f"{key}.pub", "--write", str(keys))
    # Whatever the demo's hour routed, open cases are unowned; a console that starts routes
    # its agent one case of each class at most, and the rest stay unassigned.
    with Store(store) as opened, opened.write() as conn:
        conn.execute("UPDATE cases SET owner = NULL WHERE status IN ('new', 'open')")
    host = keypair(tmp_path, "host")
    port = free_port()
    (tmp_path / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {keys}\n"
        "PidFile none\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel ERROR\n")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation folder
    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(tmp_path / "sshd_config")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert sshd.poll() is None, sshd.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.05)
        yield store, port
    finally:
        sshd.terminate()
        sshd.wait(10)


def ssh(tmp_path: Path, port: int, key: str, *words: str) -> list[str]:
    return ["ssh", "-i", str(tmp_path / key), "-p", str(port), "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", *words,
            f"{getpass.getuser()}@127.0.0.1"]


def shown(console: Terminal) -> str:
    return ESCAPES.sub(b"", bytes(console.output)).decode("utf-8", "replace")


def console_over_ssh(tmp_path: Path, port: int, key: str, *asked: str) -> Terminal:
    console = Terminal([*ssh(tmp_path, port, key, "-tt"), *asked],
                       env={**os.environ, "HOME": str(tmp_path)})
    until_shown(console, " · all open · ", 20)
    return console


def until_shown(console: Terminal, text: str, seconds: float) -> bool:
    """Whether the console draws `text` within `seconds` (a loaded machine is slow)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and text not in shown(console):
        console.read_for(0.2)
    return text in shown(console)


def test_each_key_opens_the_console_as_its_agent(team: tuple[Path, int],
                                                 tmp_path: Path) -> None:
    store, port = team
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1))
    console = console_over_ssh(tmp_path, port, "alice")
    try:
        assert "alice · all open · " in shown(console)
        console.type(b">")  # mine
        console.type(b">")  # unassigned
        assert until_shown(console, "alice · unassigned · ", 10)
        console.type(b"a", then_wait=2.0)  # take the first
    finally:
        console.close()
    with Store(store) as opened:
        claimed = opened.conn.execute(
            "SELECT reason FROM audit WHERE action = 'case.assigned' AND at >= ?"
            " AND actor = 'alice'", (started,)).fetchall()
    assert claimed == [("nobody -> alice",)]  # (routing gives her cases too, as itself)

    console = console_over_ssh(tmp_path, port, "bob")
    try:
        assert "bob · all open · " in shown(console)
    finally:
        console.close()


def test_whatever_is_asked_only_the_console_runs(team: tuple[Path, int],
                                                 tmp_path: Path) -> None:
    _, port = team
    asked = subprocess.run([*ssh(tmp_path, port, "alice"), "ls", "/"], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
    said = asked.stdout + asked.stderr
    assert "this key opens the omnitui console only; 'ls /' was not run" in said
    assert "cases by status" in said  # without a terminal: the store's summary
    assert asked.returncode == 1  # and a script learns its command did not run
    assert "\nusr\n" not in said and "\netc\n" not in said
    console = console_over_ssh(tmp_path, port, "bob", "bash", "-i")
    try:
        text = shown(console)
        assert "bob · all open · " in text and "'bash -i' was not run" in text
        console.type(b"echo $((123*1000+456))\r", then_wait=1.0)
        assert "123456" not in shown(console)  # no shell read that
    finally:
        console.close()


def test_the_keys_file_holds_one_forced_line_per_agent(team: tuple[Path, int],
                                                       tmp_path: Path) -> None:
    lines = (tmp_path / "keys").read_text().splitlines()
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["omnitui:alice", "omnitui:bob"]
    for line, name in zip(lines, ("alice", "bob"), strict=True):
        assert line.startswith(f'command="{sys.executable} -m omnitui --config '
                               f'{tmp_path / "config.toml"} --db {tmp_path / "team.db"} '
                               f'--agent {name}",restrict,pty ssh-ed25519 ')
