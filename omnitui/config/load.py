"""The config file -> typed, validated Settings.

The TOML is bound onto the dataclasses of schema.py by their type hints, key by key, so an
unknown key, a missing name or a value of the wrong type is refused naming the file and the
key; checks.py then refuses values of the right type that make no sense. Every key has a
default, so no config file is needed.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import stat
import types
import typing
from pathlib import Path
from typing import Any

from omnitui.closest import closest
from omnitui.config.checks import check_values
from omnitui.config.errors import ConfigError
from omnitui.config.lines import line_of
from omnitui.config.paths import config_file
from omnitui.config.schema import Settings
from omnitui.private_files import user_name


def load_settings(path: Path | None = None, *, missing_ok: bool = False) -> Settings:
    """Load the config_file(path); a named file that does not exist is an error unless
    `missing_ok` (`omnitui init` is about to write it)."""
    file, explicit = config_file(path)
    if not file.exists():
        if explicit and not missing_ok:
            folder = "" if file.parent.is_dir() else f"no folder {file.parent} either: " \
                "check the path, or create it and "  # init refuses a missing folder
            raise ConfigError(f"{file}: no such config file ({folder}`omnitui --config "
                              f"{file} init` writes a starter one there)")
        return Settings()
    if file.is_dir():  # ("[Errno 21] Is a directory")
        raise ConfigError(f"{file} is a folder: --config names the config file in it, such "
                          f"as {file / 'config.toml'}")
    import tomllib  # here: most commands' machines have no config file to parse

    try:
        text = file.read_text(encoding="utf-8-sig")  # Notepad: a BOM
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {_written_twice(str(exc), text)}") from None
    except PermissionError:  # an admin without `sudo -u` the service's user
        found = file.stat()
        if found.st_uid == os.getuid():  # "run omnitui as" the user it ran as changed nothing
            raise ConfigError(f"{file}: it is mode {stat.S_IMODE(found.st_mode):o}: not "
                              f"readable, even by its owner; chmod 600 {file}") from None
        owner = user_name(found.st_uid)
        raise ConfigError(f"{file}: it belongs to {owner}, and this user "
                          f"({user_name(os.getuid())}) may not read it; run omnitui as "
                          f"{owner}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read it: {exc}") from None
    try:
        settings = _build(Settings, data, file, prefix="")
        settings.source = file
        check_values(settings, file)
    except ConfigError as exc:
        words = str(exc).removeprefix(f"{file}: ")
        if (line := line_of(words, text)) is None:
            raise
        raise ConfigError(f"{file}, line {line}: {words}") from None
    return settings


TABLE_TWICE = re.compile(r"Cannot declare \((.*)\) twice \(at line (\d+)")
VALUE_TWICE = re.compile(r"Cannot overwrite a value \(at line (\d+)")
KEY_OF_LINE = re.compile(r"\s*([A-Za-z0-9_.\"' -]+?)\s*=")


def _written_twice(problem: str, text: str) -> str:
    """tomllib's words for a key or a table given twice, with its name and what to do: the
    starter config has every key, so one added below it again is the likeliest mistake
    ("Cannot overwrite a value (at line 298, column 28)" named neither)."""
    if table := TABLE_TWICE.match(problem):
        name, line = "[" + ".".join(re.findall(r"'([^']*)'", table[1])) + "]", table[2]
    elif (value := VALUE_TWICE.match(problem)) and (key := KEY_OF_LINE.match(
            text.splitlines()[int(value[1]) - 1])):
        name, line = key[1], value[1]
    else:
        return problem
    return (f"{name} is written twice: again at line {line} (the starter config has every "
            "key and section: change the one already there)")


def starter_config(store: Path) -> str:
    """config.example.toml, comments and all, with [store] path set to `store`. Written with a
    TOML writer: a path may hold quotes, backslashes or any other character."""
    import tomlkit

    document = tomlkit.parse((Path(__file__).parents[1] / "config.example.toml")
                             .read_text(encoding="utf-8"))
    document["store"]["path"] = str(store)  # type: ignore[index]
    return tomlkit.dumps(document)


_SECRET_KEY = re.compile(r"password|secret|token|credential", re.IGNORECASE)


def _build(cls: type, data: Any, file: Path, prefix: str) -> Any:
    where = prefix or "the top level"
    if not isinstance(data, dict):
        # A section is written [name]; an entry of an array of tables is named by its index.
        table = prefix if prefix.endswith("]") else f"[{prefix}]"
        raise ConfigError(f"{file}: {table} must be a table, got {_got(data, prefix)}")
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [f for f in dataclasses.fields(cls) if f.name != "source"]
    known = {f.name for f in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        close = closest(unknown[0], sorted(known))
        raise ConfigError(f"{file}: unknown key {_key(prefix, unknown[0])} in {where} ("
                          + (f"did you mean {close}? " if close else "")
                          + f"known keys: {', '.join(sorted(known))})")
    for f in fields:
        required = (f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING)
        if required and f.name not in data:
            raise ConfigError(f"{file}: {_key(prefix, f.name)} is missing (expected "
                              f"{_name(hints[f.name])})")
    values = {name: _convert(hints[name], value, file, _key(prefix, name))
              for name, value in data.items()}
    return cls(**values)


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _convert(hint: Any, value: Any, file: Path, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, file, key)
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:  # a value with a unit: the error names it
        try:
            return _convert(typing.get_args(hint)[0], value, file, key)
        except ConfigError:
            raise ConfigError(f"{file}: {key} must be {_name(hint)}, got "
                              f"{_got(value, key)}") from None
    if origin is dict:
        _, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{file}: {key} must be a table of "
                              f"{_name(value_type, plural=True)}, got {_got(value, key)}")
        return {str(k): _convert(value_type, v, file, f"{key}.{k}") for k, v in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list):
            one = (f" (a list of one is written [{_got(value, key)}])"
                   if item_type is str and isinstance(value, str) and
                   not _SECRET_KEY.search(key) else "")
            raise ConfigError(f"{file}: {key} must be {_name(hint)}, got {_got(value, key)}"
                              + one)
        return [_convert(item_type, v, file, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (types.UnionType, typing.Union):
        # TOML has no null: `X | None` is an optional key, None when it is left out.
        return _convert(_optional_of(hint, key), value, file, key)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (hint is int and isinstance(value, bool)) or not isinstance(value, hint):
        raise ConfigError(f"{file}: {key} must be {_name(hint)}, got {_got(value, key)}")
    return value


def _got(value: Any, key: str) -> str:
    """What a wrong value is, for the error: a table by its keys, a list by its length, a
    value under a secret's key by its type only. Errors reach the terminal and the service's
    journal: `[channels]` written for `[[channels]]` printed the channel's token."""
    if isinstance(value, dict):
        return f"a table of {', '.join(map(str, value)) or 'nothing'}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if _SECRET_KEY.search(key):
        kind = ("a TOML date or time" if isinstance(value, datetime.date | datetime.time)
                else _name(type(value)))
        return f"{kind} (not shown: the key holds a secret; write it in quotes)"
    if isinstance(value, datetime.date | datetime.time):  # TOML's own dates and times
        return (f"the TOML date or time {value.isoformat()} (write it in quotes: "
                f"\"{value.isoformat()}\")")
    return repr(value)


def _optional_of(hint: Any, key: str) -> Any:
    """X of `X | None`; any other union has no single meaning in a config file."""
    others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if len(others) != 1 or len(typing.get_args(hint)) != 2:
        raise TypeError(f"unsupported config type for {key}: {hint}")
    return others[0]


def _name(hint: Any, *, plural: bool = False) -> str:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base, unit = typing.get_args(hint)[:2]
        return f"{_name(base, plural=plural)} of {unit}"
    if origin is list:
        (item_type,) = typing.get_args(hint)
        array = "arrays" if plural else "an array"
        if dataclasses.is_dataclass(item_type):
            return f"{array} of tables"
        return f"{array} of {_name(item_type, plural=True)}"
    if origin in (types.UnionType, typing.Union):
        return _name(_optional_of(hint, str(hint)), plural=plural)
    if plural:
        return {str: "strings", int: "integers", bool: "true or false values",
                float: "numbers"}.get(hint, str(hint))
    return {str: "a string", int: "an integer", bool: "true or false",
            float: "a number"}.get(hint, str(hint))
