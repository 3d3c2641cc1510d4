"""Attachments out of the content store and into a folder the agent names."""

from __future__ import annotations

from pathlib import Path

from omnitui.sanitize import sanitize
from omnitui.store.blobs import read_blob
from omnitui.store.db import Store, StoreError
from omnitui.store.messages import attachment_files


def save_attachments(store: Store, message_id: int, folder: Path) -> list[Path]:
    """Copy a message's attachments into `folder`; never overwrites a file there.

    Names come from outside: only their last path part is used, sanitized, so a name like
    `../../.bashrc` lands as `.bashrc` inside `folder`, never elsewhere.
    """
    files = attachment_files(store.conn, message_id)
    if not files:
        raise StoreError(f"message {message_id} has no attachments")
    folder = folder.expanduser()
    if not folder.is_dir():
        raise StoreError(f"{folder} is not a folder")
    saved = []
    for attachment_id, filename, _mime, sha256 in files:
        name = Path(sanitize(filename).replace("\\", "/")).name
        if name in ("", ".", ".."):
            name = f"attachment-{attachment_id}"
        try:
            saved.append(_write_new(folder / name, read_blob(store.attachments_dir, sha256)))
        except OSError as exc:
            raise StoreError(f"could not save {name}: {exc.strerror or exc}") from None
    return saved


def _write_new(path: Path, content: bytes) -> Path:
    """Write under `path`, or `name-1.ext`, `name-2.ext`...: exclusive creation, so neither
    an existing file nor a link planted there is ever written through."""
    counter, candidate = 1, path
    while True:
        try:
            with candidate.open("xb") as handle:
                handle.write(content)
            return candidate
        except FileExistsError:
            candidate = path.with_name(f"{path.stem}-{counter}{path.suffix}")
            counter += 1
