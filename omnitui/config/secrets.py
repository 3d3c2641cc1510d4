"""Reading the secrets the config names: from the environment (`*_env`, the safe way) or,
less safely, from the file itself. A missing one is a ConfigError naming the variable, never
a value; the values are never logged or shown (omnitui/channels/secrets.py blots them out of
any error a server echoes)."""

from __future__ import annotations

import base64
import binascii
import os

from omnitui.config.errors import ConfigError
from omnitui.config.schema import HookChannel, MailboxSettings

WHSEC = "whsec_"
NOT_BASE64 = (f'starts with "{WHSEC}" but the rest is not base64, so it would verify no '
              f'request (a Standard Webhooks secret is "{WHSEC}" and the key in base64; the '
              "value is not shown): copy it again, whole, from the system that signs")


def signing_key(secret: str) -> bytes:
    """The key a generic channel signs with: a "whsec_" secret is base64 of it (Standard
    Webhooks' own format), any other string is the key itself. A "whsec_" one that is not
    base64 (a typo, a cut) raises ValueError naming no part of it: used as a plain key, it
    silently verified nothing."""
    if not secret.startswith(WHSEC):
        return secret.encode()
    try:
        key = base64.b64decode(secret.removeprefix(WHSEC), validate=True)
    except binascii.Error:
        key = b""
    if not key:
        raise ValueError(NOT_BASE64)
    return key


def check_signing_key(channel: HookChannel, value: str, what: str) -> None:
    """Refuse a generic channel's "whsec_" secret that is not base64, as `what` (the key or
    the variable that holds it), before any request is checked with it."""
    if channel.kind != "generic":
        return
    try:
        signing_key(value)
    except ValueError as exc:
        raise ConfigError(f"{what} {exc}") from None


def hook_secret(channel: HookChannel, key: str = "secret") -> str:
    """The channel's `key` (secret, token or verify_token) from the file or the environment;
    raises ConfigError naming the variable when it is unset, or the key when it is empty
    or (a generic channel's secret) not a key at all."""
    value, env = getattr(channel, key), getattr(channel, f"{key}_env")
    owner = f"channel {channel.name!r}"
    if env:
        value = _environment(env, owner)
    if not value:
        raise ConfigError(f"{owner} has no {key}")
    if key == "secret":
        check_signing_key(channel, value, f"{owner}: the environment variable {env}" if env
                          else f"{owner}: its secret")
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
