"""What a console may start or write outside itself: the editor and saved attachments.

A console an agent's SSH key opens (its forced command, docs/deployment.md) runs on the
server's account and must offer no way out to a shell: there the editor is only the one the
config names ([console] editor, best one that cannot spawn a shell: rnano, rvim), never
$EDITOR, and attachments are saved only under [console] downloads. Sitting at one's own
machine, $VISUAL / $EDITOR and any folder are the agent's own business.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from omnitui.config import Settings
from omnitui.errors import OmnituiError


def over_ssh() -> bool:
    """sshd sets SSH_CONNECTION for every session it starts, a forced command's too."""
    return bool(os.environ.get("SSH_CONNECTION"))


def editor_command(settings: Settings) -> list[str]:
    """The editor to run, as words; OmnituiError says why there is none over SSH."""
    if settings.console.editor:
        return shlex.split(settings.console.editor)
    if over_ssh():
        raise OmnituiError("no editor over SSH: the config's [console] editor names the one "
                           "allowed (rnano or rvim cannot start a shell)")
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def download_folder(settings: Settings, typed: str) -> Path:
    """The folder to save into: the one typed, which over SSH must lie under [console]
    downloads (a typed relative path is taken from there)."""
    chosen = Path(typed).expanduser()
    if not over_ssh():
        return chosen
    if not settings.console.downloads:
        raise OmnituiError("saving attachments over SSH is off: the config's [console] "
                           "downloads names the folder for them")
    root = Path(settings.console.downloads).expanduser().resolve()
    target = (root / chosen).resolve()
    if target != root and root not in target.parents:
        raise OmnituiError(f"over SSH attachments are saved under {root} only")
    return target


def default_download_folder(settings: Settings) -> Path:
    """What the save dialog offers first."""
    if settings.console.downloads:
        return Path(settings.console.downloads).expanduser()
    downloads = Path("~/Downloads")
    return downloads if downloads.expanduser().is_dir() else Path(".")
