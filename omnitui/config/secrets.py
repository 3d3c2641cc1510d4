"""Reading the secrets the config names: from the environment (`*_env`, the safe way) or,
less safely, from the file itself. A missing one is a ConfigError naming the variable, never
a value; the values are never logged or shown (omnitui/channels/secrets.py blots them out of
any error a server echoes)."""

from __future__ import annotations

import os

from omnitui.config.errors import ConfigError
from omnitui.config.schema import HookChannel, MailboxSettings


def hook_secret(channel: HookChannel, key: str = "secret") -> str:
    """The channel's `key` (secret, token or verify_token) from the file or the environment;
    raises ConfigError naming the variable when it is unset, or the key when it is empty."""
    value, env = getattr(channel, key), getattr(channel, f"{key}_env")
    if env:
        value = _environment(env, f"channel {channel.name!r}")
    if not value:
        raise ConfigError(f"channel {channel.name!r} has no {key}")
    return value


def secret(mailbox: MailboxSettings, side: str = "imap") -> tuple[str, str]:
    """("password" or "oauth2", the secret) for logging in; raises ConfigError naming the
    environment variable when it is unset."""
    if side == "smtp" and (mailbox.smtp_password or mailbox.smtp_password_env):
        value, env = mailbox.smtp_password, mailbox.smtp_password_env
        kind = "password"
    elif mailbox.oauth2_token_env:
        value, env, kind = "", mailbox.oauth2_token_env, "oauth2"
    else:
        value, env, kind = mailbox.password, mailbox.password_env, "password"
    if env:
        value = _environment(env, f"mailbox {mailbox.name!r}")
    return kind, value


def _environment(env: str, owner: str) -> str:
    value = os.environ.get(env, "")
    if not value:
        raise ConfigError(f"{owner}: the environment variable {env} is not set")
    return value
