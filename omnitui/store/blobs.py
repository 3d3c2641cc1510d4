"""Content-addressed attachment files: <dir>/ab/cd/<sha256>.

A file is written (temp file, fsync, rename) before the transaction that references it
commits, so a committed row never points at a missing file; a crash in between only leaves an
unreferenced file that a later sweep can remove. Identical content is stored once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from omnitui.model import AttachmentData
from omnitui.private_files import give_opened, planted_link

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
ROOT_ELSEWHERE = "; for attachments kept elsewhere, set [store] attachments_dir to that folder"


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def write_blob(root: Path, content: bytes, *, sync: bool = True) -> str:
    """Store `content` once and return its sha256.

    `sync=False` skips the fsync: for re-runnable bulk loads on a store that does not sync
    its own commits either (the raw message, kept in the store, holds the bytes too).

    Root's import or daemon writes in a folder its service's user may write in too: the
    folders are opened one by one from `root`, none through a link (that user could point
    one at /etc), and the file is made, renamed and given back within the last one.
    """
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(root, digest)
    if path.exists():  # only looked at: nothing is written through a link
        return digest
    folders, owner = _folders(root, path.parent.relative_to(root).parts)
    try:
        if owner is not None:  # root's import or daemon on the service's store: its files
            for folder in folders:  # and folders are the service's (it could write no
                give_opened(owner, folder)  # attachment after, nor read those)
        _write_new(folders[-1], path.name, content, sync=sync, owner=owner)
    finally:
        for folder in folders:
            os.close(folder)
    return digest


def _folders(root: Path, names: tuple[str, ...]) -> tuple[list[int], os.stat_result | None]:
    """Open folders: `root`, then each of `names` below it (made 0700 if missing), and who
    is to own them when this process is root (`root`'s owner, or its folder's if made)."""
    try:
        top = _open_root(root)
        made = False
    except FileNotFoundError:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        top, made = _open_root(root), True
    folders = [top]
    try:
        owner = None if os.geteuid() != 0 else root.parent.stat() if made else os.fstat(top)
        for depth, name in enumerate(names, start=1):
            folders.append(_subfolder(folders[-1], name, root.joinpath(*names[:depth])))
    except BaseException:
        for folder in folders:
            os.close(folder)
        raise
    return folders, owner


def _open_root(root: Path) -> int:
    """The attachments folder. A link there is followed when only this process's user or
    root could have made it (its folder is theirs, and nobody else's to write in), else
    refused: the service's user could have."""
    try:
        return os.open(root, FOLDER)
    except OSError as exc:
        if exc.errno not in (errno.ENOTDIR, errno.ELOOP) or not root.is_symlink():
            raise
    holder = root.parent.stat()
    if holder.st_uid not in (0, os.geteuid()) or holder.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise planted_link(root, hint=ROOT_ELSEWHERE)
    return os.open(root, FOLDER & ~os.O_NOFOLLOW)


def _subfolder(parent: int, name: str, path: Path) -> int:
    """The folder `name` (at `path`) in the one open at `parent`, made if missing."""
    try:
        return _open_in(parent, name, path)
    except FileNotFoundError:
        with suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(name, 0o700, dir_fd=parent)
        return _open_in(parent, name, path)


def _open_in(parent: int, name: str, path: Path) -> int:
    """The folder `name` in the one open at `parent`; a link there is refused."""
    try:
        return os.open(name, FOLDER, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP) and stat.S_ISLNK(
                os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
            raise planted_link(path) from None
        raise


def _write_new(folder: int, name: str, content: bytes, *, sync: bool,
               owner: os.stat_result | None) -> None:
    """Write `name` in the folder open at `folder` whole or not at all: a temp file made
    there (never an existing file, nor through a link), then renamed."""
    while True:
        temp = f".tmp-{os.urandom(6).hex()}"
        with suppress(FileExistsError):
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o600, dir_fd=folder)
            break
    try:
        with os.fdopen(fd, "wb") as handle:
            if owner is not None:
                give_opened(owner, fd)
            handle.write(content)
            if sync:
                handle.flush()
                os.fsync(fd)
        os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=folder)
        raise


def stored(attachment: AttachmentData, root: Path, *, sync: bool) -> AttachmentData:
    """The attachment with its bytes written into the store under `root` and left there: a
    parser process sends back its name, hash and size, not its content."""
    sha256 = attachment.sha256 or write_blob(root, attachment.content, sync=sync)
    return replace(attachment, content=b"", sha256=sha256, stored_size=attachment.size)


def read_blob(root: Path, sha256: str) -> bytes:
    return blob_path(root, sha256).read_bytes()
