"""Where things are: the config file, the store, the demo store, the log, the attachments.

Each is what the user named (an option, an environment variable, a config key) or else the
platform's own directory for the app's config and data (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from omnitui.config.schema import Settings

APP_NAME = "omnitui"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "omnitui.db"


def default_demo_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo.db"


def config_file(path: Path | None = None) -> tuple[Path, bool]:
    """The config file: `path`, else $OMNITUI_CONFIG, else the platform one; and whether it
    was named (a named file that does not exist is an error, the platform one is optional)."""
    explicit = path or (Path(os.environ["OMNITUI_CONFIG"]) if os.environ.get("OMNITUI_CONFIG")
                        else None)
    return explicit or default_config_path(), explicit is not None


def configured_store_path(settings: Settings, db_option: Path | None) -> Path | None:
    """--db, then $OMNITUI_DB, then [store] path; None when none of them is set."""
    if db_option:
        return db_option
    if os.environ.get("OMNITUI_DB"):
        return Path(os.environ["OMNITUI_DB"])
    if settings.store.path:
        return Path(settings.store.path).expanduser()
    return None


def store_path(settings: Settings, db_option: Path | None) -> Path:
    """The store to create or write: the configured one, else the platform data directory's."""
    return configured_store_path(settings, db_option) or default_store_path()


def existing_store_path(settings: Settings, db_option: Path | None) -> tuple[Path, bool]:
    """The store to open, and whether it is the demo store: store_path(), except that with no
    store configured and none at the default path, the one `omnitui demo` built is used, so
    `omnitui demo` then `omnitui cases` works as the README shows it."""
    path = store_path(settings, db_option)
    demo = default_demo_path()
    if configured_store_path(settings, db_option) is None and not path.exists() \
            and demo.exists():
        return demo, True
    return path, False


def default_log_path(store: Path) -> Path:
    """The daemon's log file when --log-file is not given: next to the store."""
    return store.with_name(store.name + ".log")


def attachments_dir(settings: Settings, db_path: Path) -> Path:
    if settings.store.attachments_dir:
        return Path(settings.store.attachments_dir).expanduser()
    return db_path.parent / "attachments"
