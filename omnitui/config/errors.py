"""The one error of the configuration, whatever found it (the loader, a check, a secret)."""

from __future__ import annotations

from omnitui.errors import OmnituiError


class ConfigError(OmnituiError):
    """A configuration problem, worded as: file, key, what was expected."""

    exit_code = 2
    label = "configuration error"
