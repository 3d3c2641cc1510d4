"""Shared bits of the benchmark scripts: what machine and which code a result came from."""

from __future__ import annotations

import hashlib
import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent


def code_state() -> str:
    """The commit measured, and whether omnitui/ had uncommitted changes (with their hash)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True).stdout
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    diff = git("diff", "HEAD", "--", "omnitui")
    if not diff:
        return f"omnitui at {head}"
    digest = hashlib.sha1(diff.encode()).hexdigest()[:8]
    return f"omnitui at {head} + uncommitted changes (diff {digest})"


def machine_line() -> str:
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; {code_state()}")
