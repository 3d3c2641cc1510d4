"""Content-addressed attachment files: <dir>/ab/cd/<sha256>.

A file is written (temp file, fsync, rename) before the transaction that references it
commits, so a committed row never points at a missing file; a crash in between only leaves an
unreferenced file that a later sweep can remove. Identical content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from omnitui.model import AttachmentData
from omnitui.private_files import give_back


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def write_blob(root: Path, content: bytes, *, sync: bool = True) -> str:
    """Store `content` once and return its sha256.

    `sync=False` skips the fsync: for re-runnable bulk loads on a store that does not sync
    its own commits either (the raw message, kept in the store, holds the bytes too).
    """
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(root, digest)
    if path.exists():
        return digest
    owner = (root if root.exists() else root.parent).stat()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # root's import or daemon on the service's store made attachments/ root's: the service
    # could write no attachment after it, nor read those
    give_back(owner, [root, path.parent.parent, path.parent, path], within=False)
    return digest


def stored(attachment: AttachmentData, root: Path, *, sync: bool) -> AttachmentData:
    """The attachment with its bytes written into the store under `root` and left there: a
    parser process sends back its name, hash and size, not its content."""
    sha256 = attachment.sha256 or write_blob(root, attachment.content, sync=sync)
    return replace(attachment, content=b"", sha256=sha256, stored_size=attachment.size)


def read_blob(root: Path, sha256: str) -> bytes:
    return blob_path(root, sha256).read_bytes()
