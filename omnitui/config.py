"""TOML configuration -> typed, validated settings.

Every key has a default (config.example.toml documents them all), so no config file is
needed; only the entries of the optional [[views]] and [[macros]] arrays need a name. A bad
file is refused with an error naming the file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import math
import os
import string
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from omnitui.filters import Vocabulary, parse
from omnitui.keymap import keymap_problem

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


VIEW_SORTS = ("priority", "sla", "newest", "updated")
MACRO_STATUSES = ("", "open", "pending", "on_hold", "solved")  # "": leave the status alone
PAUSED_STATUSES = ("pending", "on_hold")
TEMPLATE_VARIABLES = ("customer_name", "customer_first_name", "case_id", "subject", "agent",
                      "queue")


@dataclass
class SavedView:
    """A named queue view: a quick filter as typed in the console, and a sort."""

    name: str
    filter: str = ""  # the console's quick-filter language: status:open tag:vip words...
    sort: str = "priority"  # one of VIEW_SORTS


@dataclass
class Macro:
    """Changes one key applies to a case, plus a drafted reply. Empty values (and an omitted
    priority) leave that field unchanged."""

    name: str
    status: str = ""  # one of MACRO_STATUSES
    pause_reason: str = ""  # required when status pauses the case
    tags: list[str] = field(default_factory=list)  # "word" adds, "-word" removes
    priority: float | None = None
    queue: str = ""
    assign: str = ""  # "me" (the agent applying it), "nobody", or an agent name
    reply: str = ""  # a template over TEMPLATE_VARIABLES; empty: no draft
    internal: bool = False  # the draft is an internal note, not a reply


SECURITY = ("tls", "starttls", "none")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass
class MailboxSettings:
    """One shared inbox: IMAP in, SMTP out. Secrets come from the environment (`*_env`) or,
    less safely, the file itself; they are never logged or shown."""

    name: str
    address: str
    imap_host: str
    username: str
    imap_port: int = 993
    imap_security: str = "tls"  # tls | starttls | none (none only for a loopback host)
    password: str = ""
    password_env: str = ""
    oauth2_token_env: str = ""  # XOAUTH2 (Gmail, Microsoft 365) instead of a password
    folders: list[str] = field(default_factory=lambda: ["INBOX"])
    mark_seen: bool = False  # set \Seen on mail once it is safely stored
    move_to: str = ""  # move mail to this folder once it is safely stored ("": leave it)
    poll_interval: int = 60  # seconds between polls when the server has no IDLE
    smtp_host: str = ""  # "": this mailbox only receives
    smtp_port: int = 465
    smtp_security: str = "tls"
    smtp_username: str = ""  # "": the IMAP username
    smtp_password: str = ""
    smtp_password_env: str = ""  # both empty: the IMAP password
    sent_folder: str = ""  # append a copy of each reply here ("": no copy)


HOOK_KINDS = ("telegram", "slack", "twilio", "meta", "generic")
DEFAULT_API_BASES = {
    "telegram": "https://api.telegram.org",
    "slack": "https://slack.com/api",
    "twilio": "https://api.twilio.com",
    "meta": "https://graph.facebook.com/v21.0",
    "generic": "",
}


@dataclass
class ServerSettings:
    """The webhook receiver that `omnitui serve` runs when [[channels]] are configured."""

    listen: str = "127.0.0.1:8025"  # host:port; put a TLS proxy in front for the internet
    public_url: str = ""  # the URL platforms call (Twilio signs it); "": not behind a proxy
    max_body_kb: int = 1024  # larger requests get 413


@dataclass
class HookChannel:
    """One chat or social platform account (or a generic signed-JSON source) that posts to
    the webhook receiver at /hooks/<name> (or `path`)."""

    name: str
    kind: str  # one of HOOK_KINDS
    path: str = ""
    secret: str = ""  # the verification secret (Twilio: the auth token)
    secret_env: str = ""
    token: str = ""  # the credential replies are sent with (Twilio: defaults to the secret)
    token_env: str = ""
    api_base: str = ""  # "": the platform's own (DEFAULT_API_BASES); tests point it locally
    verify_token: str = ""  # meta: the hub.verify_token of the subscribe handshake
    verify_token_env: str = ""
    account_sid: str = ""  # twilio: the account replies are sent from
    from_number: str = ""  # twilio: our number (+E.164), for writing first by SMS/WhatsApp
    phone_number_id: str = ""  # meta: our WhatsApp number's id, for writing first
    shown_as: str = ""  # generic: the channel its messages show as (web, phone, alert...)

    @property
    def url_path(self) -> str:
        return self.path or f"/hooks/{self.name}"

    @property
    def base_url(self) -> str:
        return (self.api_base or DEFAULT_API_BASES[self.kind]).rstrip("/")


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
    views: list[SavedView] = field(default_factory=list)
    macros: list[Macro] = field(default_factory=list)  # the first nine get the keys 1..9
    mailboxes: list[MailboxSettings] = field(default_factory=list)
    server: ServerSettings = field(default_factory=ServerSettings)
    channels: list[HookChannel] = field(default_factory=list)
    source: Path | None = None  # the file these came from, if any


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "omnitui.db"


def default_demo_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo.db"


def config_file(path: Path | None = None) -> tuple[Path, bool]:
    """The config file: `path`, else $OMNITUI_CONFIG, else the platform one; and whether it
    was named (a named file that does not exist is an error, the platform one is optional)."""
    explicit = path or (Path(os.environ["OMNITUI_CONFIG"]) if os.environ.get("OMNITUI_CONFIG")
                        else None)
    return explicit or default_config_path(), explicit is not None


def load_settings(path: Path | None = None, *, missing_ok: bool = False) -> Settings:
    """Load the config_file(path); a named file that does not exist is an error unless
    `missing_ok` (`omnitui init` is about to write it)."""
    file, explicit = config_file(path)
    if not file.exists():
        if explicit and not missing_ok:
            raise ConfigError(f"{file}: no such config file (`omnitui --config {file} init` "
                              "writes a starter one there)")
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


def starter_config(store: Path) -> str:
    """config.example.toml, comments and all, with [store] path set to `store`. Written with a
    TOML writer: a path may hold quotes, backslashes or any other character."""
    import tomlkit

    document = tomlkit.parse((Path(__file__).parent / "config.example.toml")
                             .read_text(encoding="utf-8"))
    document["store"]["path"] = str(store)  # type: ignore[index]
    return tomlkit.dumps(document)


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
    if problem := keymap_problem(settings.keymap):
        raise ConfigError(f"{file}: {problem}")
    _check_names(settings.views, "views", file)
    for index, view in enumerate(settings.views):
        _check_view(view, f"views[{index}]", file)
    _check_names(settings.macros, "macros", file)
    for index, macro in enumerate(settings.macros):
        _check_macro(macro, f"macros[{index}]", file)
    _check_names(settings.mailboxes, "mailboxes", file)
    for index, mailbox in enumerate(settings.mailboxes):
        _check_mailbox(mailbox, f"{file}: mailboxes[{index}]")
    _check_server(settings.server, f"{file}: server")
    _check_names(settings.channels, "channels", file)
    paths: dict[str, int] = {}
    for index, channel in enumerate(settings.channels):
        where = f"{file}: channels[{index}]"
        _check_channel(channel, settings.server, where)
        if channel.url_path in paths:
            raise ConfigError(f"{where}: the path {channel.url_path} is already the path of "
                              f"channels[{paths[channel.url_path]}]")
        paths[channel.url_path] = index


def listen_address(server: ServerSettings) -> tuple[str, int]:
    """(host, port) of [server] listen; "[::1]:8025" for IPv6."""
    host, sep, port = server.listen.rpartition(":")
    host = host.strip("[]")
    if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(server.listen)
    return host, int(port)


def _check_server(server: ServerSettings, where: str) -> None:
    try:
        listen_address(server)
    except ValueError:
        raise ConfigError(f"{where}.listen must be host:port, such as \"127.0.0.1:8025\", "
                          f"got {server.listen!r}") from None
    if server.public_url and not server.public_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}.public_url must start with https:// (or http://), got "
                          f"{server.public_url!r}")
    if server.max_body_kb < 1:
        raise ConfigError(f"{where}.max_body_kb must be at least 1, got {server.max_body_kb}")


def _check_channel(channel: HookChannel, server: ServerSettings, where: str) -> None:
    if channel.kind not in HOOK_KINDS:
        raise ConfigError(f"{where}.kind must be one of {_choices(HOOK_KINDS)}, got "
                          f"{channel.kind!r}")
    if channel.path and (not channel.path.startswith("/") or " " in channel.path):
        raise ConfigError(f"{where}.path must start with / and have no spaces, got "
                          f"{channel.path!r}")
    if not channel.name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"{where}.name is part of the URL: use letters, digits, - and _, "
                          f"got {channel.name!r}")
    for key in ("secret", "token", "verify_token"):
        if getattr(channel, key) and getattr(channel, f"{key}_env"):
            raise ConfigError(f"{where}: give {key} or {key}_env, not both")
    if not (channel.secret or channel.secret_env):
        raise ConfigError(f"{where} needs secret_env (or secret): requests are verified with it")
    if channel.kind == "meta" and not (channel.verify_token or channel.verify_token_env):
        raise ConfigError(f"{where} needs verify_token_env (or verify_token) for Meta's "
                          "subscribe handshake")
    if channel.kind == "twilio" and not server.public_url:
        raise ConfigError(f"{where}: Twilio signs the URL it calls, so server.public_url must "
                          "be set")
    if channel.api_base and not channel.api_base.startswith(("https://", "http://")):
        raise ConfigError(f"{where}.api_base must be an http(s) URL, got {channel.api_base!r}")


def hook_secret(channel: HookChannel, key: str = "secret") -> str:
    """The channel's `key` (secret, token or verify_token) from the file or the environment;
    raises ConfigError naming the variable (never a value). A Twilio token defaults to the
    auth token that is also its secret."""
    if key == "token" and channel.kind == "twilio" and not (channel.token or channel.token_env):
        key = "secret"
    value, env = getattr(channel, key), getattr(channel, f"{key}_env")
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise ConfigError(f"channel {channel.name!r}: the environment variable {env} is "
                              "not set")
    if not value:
        raise ConfigError(f"channel {channel.name!r} has no {key}")
    return value


def _check_mailbox(mailbox: MailboxSettings, where: str) -> None:
    local, at, domain = mailbox.address.rpartition("@")
    if not (local and at and "." in domain) or " " in mailbox.address:
        raise ConfigError(f"{where}.address must be an email address such as "
                          f"\"support@example.com\", got {mailbox.address!r}")
    for side in ("imap", "smtp"):
        security = getattr(mailbox, f"{side}_security")
        host = getattr(mailbox, f"{side}_host")
        port = getattr(mailbox, f"{side}_port")
        if security not in SECURITY:
            raise ConfigError(f"{where}.{side}_security must be one of {_choices(SECURITY)}, "
                              f"got {security!r}")
        if security == "none" and host and host not in LOOPBACK_HOSTS:
            raise ConfigError(f"{where}.{side}_security = \"none\" sends the password in "
                              f"clear; it is allowed only for a loopback host, not {host!r}")
        if not 0 < port < 65536:
            raise ConfigError(f"{where}.{side}_port must be 1 to 65535, got {port}")
    if not mailbox.imap_host or not mailbox.username:
        raise ConfigError(f"{where} needs imap_host and username")
    sources = [k for k in ("password", "password_env", "oauth2_token_env") if getattr(mailbox, k)]
    if len(sources) != 1:
        raise ConfigError(f"{where} needs exactly one of password, password_env, "
                          f"oauth2_token_env (got {', '.join(sources) or 'none'})")
    if not mailbox.folders or any(not f.strip() for f in mailbox.folders):
        raise ConfigError(f"{where}.folders must name at least one folder, such as [\"INBOX\"]")
    if mailbox.poll_interval < 5:
        raise ConfigError(f"{where}.poll_interval must be at least 5 seconds, got "
                          f"{mailbox.poll_interval}")


def secret(mailbox: MailboxSettings, side: str = "imap") -> tuple[str, str]:
    """("password" or "oauth2", the secret) for logging in; raises ConfigError naming the
    environment variable (never a value) when it is unset."""
    if side == "smtp" and (mailbox.smtp_password or mailbox.smtp_password_env):
        value, env = mailbox.smtp_password, mailbox.smtp_password_env
        kind = "password"
    elif mailbox.oauth2_token_env:
        value, env, kind = "", mailbox.oauth2_token_env, "oauth2"
    else:
        value, env, kind = mailbox.password, mailbox.password_env, "password"
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise ConfigError(f"mailbox {mailbox.name!r}: the environment variable {env} "
                              "is not set")
    return kind, value


def _check_names(entries: list[SavedView] | list[Macro] | list[MailboxSettings]
                 | list[HookChannel], key: str, file: Path) -> None:
    """Names are how an agent picks a view or macro, so each must say something and be
    unique."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not entry.name.strip():
            raise ConfigError(f"{file}: {key}[{index}].name must be a non-empty string, got "
                              f"{entry.name!r}")
        if entry.name in seen:
            raise ConfigError(f"{file}: {key}[{index}].name {entry.name!r} is already the name "
                              f"of {key}[{seen[entry.name]}]; names must be unique")
        seen[entry.name] = index


def _check_view(view: SavedView, key: str, file: Path) -> None:
    if view.sort not in VIEW_SORTS:
        raise ConfigError(f"{file}: {key}.sort must be one of {_choices(VIEW_SORTS)}, got "
                          f"{view.sort!r}")
    # Agents and queues are known only to the store: a status or channel that cannot exist
    # is surely a mistake (the view would always be empty).
    if problems := parse(view.filter, Vocabulary()).problems:
        raise ConfigError(f"{file}: {key}.filter: {'; '.join(problems)}")


def _check_macro(macro: Macro, key: str, file: Path) -> None:
    where = f"{file}: {key}"
    if macro.status not in MACRO_STATUSES:
        raise ConfigError(f"{where}.status must be one of {_choices(MACRO_STATUSES)}, got "
                          f"{macro.status!r}")
    if macro.status in PAUSED_STATUSES and not macro.pause_reason.strip():
        raise ConfigError(f"{where}.pause_reason is required when status is {macro.status!r} "
                          "(say what the case waits on)")
    if macro.pause_reason and macro.status not in PAUSED_STATUSES:
        raise ConfigError(f"{where}.pause_reason only applies when status is \"pending\" or "
                          f"\"on_hold\", but status is {macro.status!r}")
    for index, tag in enumerate(macro.tags):
        if not tag.lstrip("-") or tag.startswith("--") or any(c.isspace() for c in tag):
            raise ConfigError(f"{where}.tags[{index}] must be one word, or -word to remove "
                              f"it, got {tag!r}")
    if macro.priority is not None and not math.isfinite(macro.priority):
        raise ConfigError(f"{where}.priority must be a finite number, got {macro.priority}")
    if macro.reply:
        try:
            template_parts(macro.reply)
        except ValueError as exc:
            known = ", ".join("{" + v + "}" for v in TEMPLATE_VARIABLES)
            raise ConfigError(f"{where}.reply {exc}; known variables: {known}") from None
    elif macro.internal:
        raise ConfigError(f"{where}.internal is true but reply is empty: there is no note to "
                          "draft")
    changes = (macro.status, macro.tags, macro.priority is not None, macro.queue,
               macro.assign, macro.reply)
    if not any(changes):
        raise ConfigError(f"{where} ({macro.name!r}) changes nothing and drafts nothing; set "
                          "at least one of status, tags, priority, queue, assign, reply")


def template_parts(template: str) -> list[tuple[str, str | None]]:
    """A macro template as (literal text, variable or None) pairs, with str.format's rules
    ({{ and }} are literal braces). Only plain known variables are allowed: no attribute or
    index access, conversion or format spec, so a template can never reach further than the
    values it is given. Raises ValueError saying what is wrong."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"is not a valid template: {exc} (write {{{{ and }}}} for literal "
                         "braces)") from None
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and name not in TEMPLATE_VARIABLES:
            raise ValueError(f"uses an unknown variable {{{name}}}")
        if spec or conversion:
            raise ValueError(f"uses {{{name}}} with a conversion or format spec; only plain "
                             "{variable} is allowed")
        parts.append((literal, name))
    return parts


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def configured_store_path(settings: Settings, db_option: Path | None) -> Path | None:
    """--db, then $OMNITUI_DB, then [store] path; None when none of them is set."""
    if db_option:
        return db_option
    if os.environ.get("OMNITUI_DB"):
        return Path(os.environ["OMNITUI_DB"])
    if settings.store.path:
        return Path(settings.store.path).expanduser()
    return None


def store_path(settings: Settings, db_option: Path | None) -> Path:
    """The store to create or write: the configured one, else the platform data directory's."""
    return configured_store_path(settings, db_option) or default_store_path()


def existing_store_path(settings: Settings, db_option: Path | None) -> tuple[Path, bool]:
    """The store to open, and whether it is the demo store: store_path(), except that with no
    store configured and none at the default path, the one `omnitui demo` built is used, so
    `omnitui demo` then `omnitui cases` works as the README shows it."""
    path = store_path(settings, db_option)
    demo = default_demo_path()
    if configured_store_path(settings, db_option) is None and not path.exists() \
            and demo.exists():
        return demo, True
    return path, False


def default_log_path(store: Path) -> Path:
    """The daemon's log file when --log-file is not given: next to the store."""
    return store.with_name(store.name + ".log")


def attachments_dir(settings: Settings, db_path: Path) -> Path:
    if settings.store.attachments_dir:
        return Path(settings.store.attachments_dir).expanduser()
    return db_path.parent / "attachments"


def _build(cls: type, data: Any, file: Path, prefix: str) -> Any:
    where = prefix or "the top level"
    if not isinstance(data, dict):
        # A section is written [name]; an entry of an array of tables is named by its index.
        table = prefix if prefix.endswith("]") else f"[{prefix}]"
        raise ConfigError(f"{file}: {table} must be a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.name != "source"]
    known = {f.name for f in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{file}: unknown key {_key(prefix, unknown[0])} in {where} "
                          f"(known keys: {', '.join(sorted(known))})")
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
    if origin is dict:
        _, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{file}: {key} must be a table of {_name(value_type)} values, "
                              f"got {value!r}")
        return {str(k): _convert(value_type, v, file, f"{key}.{k}") for k, v in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{file}: {key} must be {_name(hint)}, got {value!r}")
        return [_convert(item_type, v, file, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (types.UnionType, typing.Union):
        # TOML has no null: `X | None` is an optional key, None when it is left out.
        return _convert(_optional_of(hint, key), value, file, key)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (hint is int and isinstance(value, bool)) or not isinstance(value, hint):
        raise ConfigError(f"{file}: {key} must be {_name(hint)}, got {value!r}")
    return value


def _optional_of(hint: Any, key: str) -> Any:
    """X of `X | None`; any other union has no single meaning in a config file."""
    others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if len(others) != 1 or len(typing.get_args(hint)) != 2:
        raise TypeError(f"unsupported config type for {key}: {hint}")
    return others[0]


def _name(hint: Any, *, plural: bool = False) -> str:
    origin = typing.get_origin(hint)
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if dataclasses.is_dataclass(item_type):
            return "an array of tables"
        return f"an array of {_name(item_type, plural=True)}"
    if origin in (types.UnionType, typing.Union):
        return _name(_optional_of(hint, str(hint)), plural=plural)
    if plural:
        return {str: "strings", int: "integers", bool: "true or false values",
                float: "numbers"}.get(hint, str(hint))
    return {str: "a string", int: "an integer", bool: "true or false",
            float: "a number"}.get(hint, str(hint))
