"""The one error of the configuration, whatever found it (the loader, a check, a secret)."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, worded as: file, key, what was expected."""
