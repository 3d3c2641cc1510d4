"""Attachment files written by root in the service's store: the service's user may write in
its folder, and a link it plants there must never lead root to write (or chown) elsewhere."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from omnitui.private_files import PlantedLink
from omnitui.store.blobs import read_blob, write_blob

CONTENT = b"%PDF-1.4 invoice"
SHA = hashlib.sha256(CONTENT).hexdigest()
SERVICE = 65534  # nobody: the service's user here

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can act as the service")


def _services_store(tmp_path: Path) -> tuple[Path, Path]:
    """The service's store folder, and a folder outside it a link may point at."""
    store, outside = tmp_path / "srv", tmp_path / "etc"
    store.mkdir()
    outside.mkdir()
    os.chown(store, SERVICE, SERVICE)
    return store, outside


@pytest.mark.parametrize("planted", [SHA[:2], f"{SHA[:2]}/{SHA[2:4]}"])
def test_a_link_planted_below_the_attachments_folder_is_refused(tmp_path: Path,
                                                                planted: str) -> None:
    store, outside = _services_store(tmp_path)
    root = store / "attachments"
    link = root / planted
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    with pytest.raises(PlantedLink) as refused:
        write_blob(root, CONTENT)
    assert str(refused.value).startswith(f"{link} is a link (to {outside}), not followed")
    assert f"rm '{link}'" in str(refused.value)
    assert list(outside.rglob("*")) == []  # nothing written there


@as_root
def test_a_link_as_the_attachments_folder_is_followed_only_if_root_made_it(
        tmp_path: Path) -> None:
    store, outside = _services_store(tmp_path)
    (store / "attachments").symlink_to(outside)
    with pytest.raises(PlantedLink, match="set \\[store\\] attachments_dir"):
        write_blob(store / "attachments", CONTENT)
    assert list(outside.rglob("*")) == []
    mine = tmp_path / "mine"  # root's own folder: its admin kept the files on another disk
    mine.mkdir()
    (mine / "attachments").symlink_to(outside)
    write_blob(mine / "attachments", CONTENT)
    assert read_blob(outside, SHA) == CONTENT


@as_root
def test_the_attachment_folders_root_makes_are_the_services_and_private(
        tmp_path: Path) -> None:
    """Given back as before; and every folder 0700 now, not only the last (pathlib made the
    two above it 0755)."""
    store, _ = _services_store(tmp_path)
    root = store / "attachments"
    write_blob(root, CONTENT)
    assert read_blob(root, SHA) == CONTENT
    written = [root, *root.rglob("*")]
    assert len(written) == 4 and {p.stat().st_uid for p in written} == {SERVICE}
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o700", "0o600"}
