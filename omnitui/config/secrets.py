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


def missing_secrets(mailboxes: list[MailboxSettings], channels: list[HookChannel]
                    ) -> list[str]:
    """What the config names and the environment lacks, each in words (no value): the
    daemon cannot log in or check a webhook without it, and waiting for it is in vain, for
    a process's environment never changes."""
    problems = []
    for mailbox in mailboxes:
        sides = ("imap", "smtp") if mailbox.smtp_host else ("imap",)
        for side in sides:
            try:
                secret(mailbox, side)
            except ConfigError as exc:
                problems.append(str(exc))
    for channel in channels:
        for key in ("secret", "token", "verify_token"):
            if getattr(channel, f"{key}_env", ""):
                try:
                    hook_secret(channel, key)
                except ConfigError as exc:
                    problems.append(str(exc))
    return list(dict.fromkeys(problems))
