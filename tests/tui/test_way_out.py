"""Where a console over SSH may save attachments: under [console] downloads only."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.errors import OmnituiError
from omnitui.tui.way_out import download_folder


def test_at_ones_own_machine_any_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    assert download_folder(Settings(), "/tmp") == Path("/tmp")


def test_over_ssh_only_under_the_configured_folder(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")
    with pytest.raises(OmnituiError, match=r"\[console\] downloads"):
        download_folder(Settings(), str(tmp_path))  # none configured: saving is off
    settings = Settings()
    settings.console.downloads = str(tmp_path / "downloads")
    assert download_folder(settings, "alice") == (tmp_path / "downloads" / "alice").resolve()
    assert download_folder(settings, str(tmp_path / "downloads")) == (
        tmp_path / "downloads").resolve()
    for elsewhere in ("/etc", "../..", str(tmp_path), "alice/../../x"):
        with pytest.raises(OmnituiError, match="saved under"):
            download_folder(settings, elsewhere)
