"""How one attempt to send a reply failed, for every channel (SMTP and platform APIs alike),
so the outbox sender retries or gives up by one rule whatever carried the reply."""

from __future__ import annotations

from omnitui.errors import OmnituiError


class SendError(OmnituiError):
    """One failed delivery attempt, as one line without secrets.

    `stage` says where it failed: "connect" and "login" are the account's problem (shown in
    the channel's health), "message" is this reply's (refused recipient or content), "build"
    means it never reached the server.
    """

    def __init__(self, message: str, *, stage: str = "message") -> None:
        super().__init__(message)
        self.stage = stage


class TemporaryFailure(SendError):
    """The server may take the message later: retry with backoff."""


class PermanentFailure(SendError):
    """Retrying cannot help: the reply fails and the case shows why."""
