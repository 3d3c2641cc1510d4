"""The README's and docs/' examples, checked as an admin would use them, in-process: every
TOML block loads with the config loader, every JSON block parses, every `omnitui ...` line
names a real command and its real options, and every link leads to a file."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path

import pytest
import typer

from omnitui.cli import GLOBAL_OPTIONS, app
from omnitui.config import Settings, load_settings

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(language: str) -> list[tuple[str, str]]:
    """Each fenced block of `language` in the pages, with where it starts."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in re.finditer(rf"```{language}\n(.*?)```", text, re.S):
            found.append((f"{page.name}:{text.count(chr(10), 0, block.start()) + 1}",
                          block[1]))
    return found


def command_lines() -> list[tuple[str, str]]:
    """Each `omnitui ...` the pages write, in backticks or a shell block (a pipeline's
    parts one by one)."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        spans = [(m.start(), m[1]) for m in re.finditer(r"`(omnitui(?: [^`]*)?)`", text)]
        spans += [(m.start(), line) for m in re.finditer(r"```sh\n(.*?)```", text, re.S)
                  for line in m[1].replace("\\\n", " ").splitlines()]
        for at, span in spans:
            for part in re.split(r" \\?\| |&&|;", span):  # a table cell writes | as \|
                if (part := part.strip()).split()[:1] == ["omnitui"]:
                    found.append((f"{page.name}:{text.count(chr(10), 0, at) + 1}", part))
    return found


@pytest.mark.parametrize("toml", [pytest.param(toml, id=where) for where, toml in blocks("toml")])
def test_every_toml_example_loads(tmp_path: Path, toml: str) -> None:
    file = tmp_path / "config.toml"
    file.write_text(toml)
    load_settings(file)  # a ConfigError names the key


@pytest.mark.parametrize("body", [pytest.param(body, id=where) for where, body in blocks("json")])
def test_every_json_example_parses(body: str) -> None:
    json.loads(body)


def test_every_command_line_names_real_commands_and_options() -> None:
    """`omnitui agents add NAME --key FILE`: the command and each option exist (values and
    placeholders are the docs' own)."""
    root = typer.main.get_command(app)
    wrong = []
    for where, line in command_lines():
        command, path, words = root, ["omnitui"], iter(line.replace("\\|", "|").split()[1:])
        for word in words:
            option = word.split("=")[0]
            if command is root and option in GLOBAL_OPTIONS:
                next(words, None)  # its value
            elif option.startswith("--"):
                known = {name for param in command.params
                         for name in (*param.opts, *param.secondary_opts)}
                if option not in known | set(GLOBAL_OPTIONS) | {"--help"}:
                    wrong.append(f"{where}: `{line}`: {' '.join(path)} has no {option}")
            elif hasattr(command, "commands") and re.fullmatch(r"[a-z][a-z-]*", word):
                if word not in command.commands:  # type: ignore[attr-defined]
                    if command is root:
                        wrong.append(f"{where}: `{line}`: no command {word}")
                    break  # a group's argument, or the docs' placeholder
                command = command.commands[word]  # type: ignore[attr-defined]
                path.append(word)
    assert not wrong, "\n".join(wrong)


def test_every_link_leads_to_a_file() -> None:
    missing = [f"{page.name}: {target}" for page in PAGES
               for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8"))
               if not target.startswith(("http://", "https://"))
               and not (page.parent / target).exists()]
    assert not missing, missing


def test_every_file_the_pages_name_exists() -> None:
    """A path in the prose (`tests/cli/test_ssh.py`, `services/sla_applied.py`: under
    omnitui/) names a file of the project."""
    missing = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8").replace("/\n", "/")  # a path broken a line
        for path in re.findall(r"(?<![\w./-])((?:[a-z_]+/)+[\w.-]+\.(?:py|md|toml|service))\b",
                               text):
            if not any((folder / path).exists() for folder in (ROOT, ROOT / "omnitui")):
                missing.append(f"{page.name}: {path}")
    assert not missing, missing


def test_every_config_key_the_pages_name_exists() -> None:
    """`[triage] neutral_words`, `[[mailboxes]] history_days`: the table and its key are the
    config's (an admin types them as written)."""
    wrong = []
    for page in PAGES:
        for table, key in re.findall(r"`\[\[?([a-z_.]+)\]\]?(?: ([a-z_]+))?",
                                     page.read_text(encoding="utf-8")):
            hint: object = Settings
            for part in table.split("."):
                fields = {f.name: f for f in dataclasses.fields(hint)}  # type: ignore[arg-type]
                if part not in fields:
                    wrong.append(f"{page.name}: [{table}]")
                    break
                hint = typing.get_type_hints(hint)[part]  # type: ignore[arg-type]
                hint = next((a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)),
                            hint)  # an entry of [[name]]
                if not dataclasses.is_dataclass(hint):
                    break  # a table of free keys ([keymap], [routing.channel_queues])
            else:
                if key and key not in {f.name for f in dataclasses.fields(hint)}:  # type: ignore[arg-type]
                    wrong.append(f"{page.name}: [{table}] {key}")
    assert not wrong, wrong
