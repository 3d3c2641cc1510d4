"""TOML configuration -> typed, validated settings.

Every key has a default (config.example.toml documents them all), so no config file is
needed. A bad file is refused with an error naming the file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "omnitui"


class ConfigError(Exception):
    """A configuration problem, worded as: file, key, what was expected."""


@dataclass
class StoreSettings:
    path: str = ""  # empty: the platform data directory
    attachments_dir: str = ""  # empty: "attachments" next to the store


@dataclass
class ConsoleSettings:
    agent: str = ""  # empty: the login name


@dataclass
class IdentitySettings:
    default_phone_region: str = "US"  # for phone numbers written without a country code
    suggest_on_same_name: bool = True
    suggest_on_order_number: bool = True


@dataclass
class ThreadingSettings:
    one_case_per_customer: bool = True
    reopen_window_days: int = 7


@dataclass
class RoutingSettings:
    default_queue: str = "general"
    channel_queues: dict[str, str] = field(default_factory=dict)


@dataclass
class SlaSettings:
    """Targets in minutes; synchronous channels (chat, phone, messengers) get the short ones."""

    first_response_sync: int = 10
    first_response_async: int = 480
    resolution_sync: int = 240
    resolution_async: int = 2880
    vip_factor: float = 0.5  # VIP targets are this fraction of the normal ones


@dataclass
class PrioritySettings:
    tier_weights: dict[str, float] = field(
        default_factory=lambda: {"standard": 0.0, "premium": 10.0, "vip": 30.0})
    severity_weight: float = 10.0
    urgent_weight: float = 15.0
    sync_channel_weight: float = 10.0
    negative_sentiment_weight: float = 10.0


@dataclass
class Settings:
    store: StoreSettings = field(default_factory=StoreSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    threading: ThreadingSettings = field(default_factory=ThreadingSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    priority: PrioritySettings = field(default_factory=PrioritySettings)
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    source: Path | None = None  # the file these came from, if any


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "omnitui.db"


def default_demo_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo.db"


def load_settings(path: Path | None = None) -> Settings:
    """Load `path`, else $OMNITUI_CONFIG, else the platform config file if it exists."""
    explicit = path or (Path(os.environ["OMNITUI_CONFIG"]) if os.environ.get("OMNITUI_CONFIG")
                        else None)
    file = explicit or default_config_path()
    if not file.exists():
        if explicit:
            raise ConfigError(f"{file}: no such config file (create one with `omnitui init`)")
        return Settings()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read it: {exc}") from None
    settings = _build(Settings, data, file, prefix="")
    settings.source = file
    _check_values(settings, file)
    return settings


def _check_values(settings: Settings, file: Path) -> None:
    """Values of the right type that still make no sense."""
    import phonenumbers

    region = settings.identity.default_phone_region
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"{file}: identity.default_phone_region must be a two-letter country "
                          f"code such as \"US\" or \"DE\", got {region!r}")
    if settings.threading.reopen_window_days < 0:
        raise ConfigError(f"{file}: threading.reopen_window_days must be 0 or more, got "
                          f"{settings.threading.reopen_window_days}")
    for key in ("first_response_sync", "first_response_async", "resolution_sync",
                "resolution_async"):
        if getattr(settings.sla, key) <= 0:
            raise ConfigError(f"{file}: sla.{key} must be a number of minutes above 0, got "
                              f"{getattr(settings.sla, key)}")
    if not 0 < settings.sla.vip_factor <= 1:
        raise ConfigError(f"{file}: sla.vip_factor must be above 0 and at most 1, got "
                          f"{settings.sla.vip_factor}")


def store_path(settings: Settings, db_option: Path | None) -> Path:
    """--db, then $OMNITUI_DB, then [store] path, then the platform data directory."""
    if db_option:
        return db_option
    if os.environ.get("OMNITUI_DB"):
        return Path(os.environ["OMNITUI_DB"])
    if settings.store.path:
        return Path(settings.store.path).expanduser()
    return default_store_path()


def attachments_dir(settings: Settings, db_path: Path) -> Path:
    if settings.store.attachments_dir:
        return Path(settings.store.attachments_dir).expanduser()
    return db_path.parent / "attachments"


def _build(cls: type, data: Any, file: Path, prefix: str) -> Any:
    where = prefix or "the top level"
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: [{prefix}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{file}: unknown key {_key(prefix, unknown[0])} in {where} "
                          f"(known keys: {', '.join(sorted(known))})")
    values = {name: _convert(hints[name], value, file, _key(prefix, name))
              for name, value in data.items()}
    return cls(**values)


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _convert(hint: Any, value: Any, file: Path, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, file, key)
    origin = typing.get_origin(hint)
    if origin is dict:
        _, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{file}: {key} must be a table of {_name(value_type)} values, "
                              f"got {value!r}")
        return {str(k): _convert(value_type, v, file, f"{key}.{k}") for k, v in value.items()}
    if origin is types.UnionType:
        raise TypeError(f"unsupported config type for {key}")
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (hint is int and isinstance(value, bool)) or not isinstance(value, hint):
        raise ConfigError(f"{file}: {key} must be {_name(hint)}, got {value!r}")
    return value


def _name(hint: Any) -> str:
    return {str: "a string", int: "an integer", bool: "true or false",
            float: "a number"}.get(hint, str(hint))
