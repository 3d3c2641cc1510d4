"""The CLI's fixtures, for `omnitui report`."""

from tests.cli.conftest import cli_env, home

__all__ = ["cli_env", "home"]
