"""A command run with a standard stream closed (`<&-`, `>&-`: a daemon's child, a cron
wrapper) reads that stream as empty and writes it nowhere, as /dev/null: its exit code
still says what happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def store(omnitui: Run, tmp_path: Path) -> str:
    path = str(tmp_path / "demo.db")
    omnitui("demo", "--db", path, "--no-console", "--customers", "30", "--messages", "30")
    return path


def closed(cli_env: dict[str, str], fd: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`omnitui ARGS` with `fd` closed, the other two streams read."""
    return subprocess.run([sys.executable, "-m", "omnitui", *args], capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, env=cli_env, timeout=120,
                          preexec_fn=lambda: os.close(fd))


def a_case(omnitui: Run, store: str) -> str:
    return omnitui("--db", store, "cases", "--format", "ids", "--limit", "1").stdout.strip()


def test_stdin_closed_reads_as_empty(omnitui: Run, cli_env: dict[str, str],
                                     store: str) -> None:
    case = a_case(omnitui, store)
    for args, code, said in (
            ([], 0, "customers"),  # no terminal: the store's summary, not the console
            (["note", case, "-"], 2, "the text is empty"),
            (["assign", "-", "--to", "alice"], 2, "give at least one case id"),
            (["cases", "--limit", "1"], 0, case)):
        result = closed(cli_env, 0, "--db", store, *args)
        assert result.returncode == code, result.stderr
        assert said in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_stdout_closed_still_does_the_work_and_says_so_in_the_exit_code(
        omnitui: Run, cli_env: dict[str, str], store: str) -> None:
    case = a_case(omnitui, store)
    noted = closed(cli_env, 1, "--db", store, "note", case, "called the customer back")
    assert noted.returncode == 0 and "Traceback" not in noted.stderr
    assert "called the customer back" in omnitui("--db", store, "case", case).stdout
    for args in (["cases", "--format", "json"], ["cases"], []):
        listed = closed(cli_env, 1, "--db", store, *args)
        assert listed.returncode == 0 and "Traceback" not in listed.stderr
    missing = closed(cli_env, 2, "--db", store, "case", "999999")
    assert missing.returncode == 1 and missing.stdout == ""


def test_output_into_a_pipe_its_reader_closed_ends_quietly_as_git_does(
        cli_env: dict[str, str], store: str) -> None:
    """`omnitui cases | head -1`: the reader gone, the command dies of SIGPIPE as git and
    cat do (a shell says 141), with no message nor traceback; it exited 1, a failure like
    any other to a script."""
    for args in (["cases"], ["cases", "--format", "csv"], ["cases", "--format", "json"],
                 ["report"], ["history"]):
        run = subprocess.Popen([sys.executable, "-m", "omnitui", "--db", store, *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=cli_env)
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()  # as `head` does, here before the first line
        said = run.stderr.read().decode()
        assert run.wait(timeout=120) == -signal.SIGPIPE, (args, said)
        assert said == "", args
