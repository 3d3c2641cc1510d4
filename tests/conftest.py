"""Shared fixtures: a real store file per test, and builders for inbound events."""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier, InboundEvent
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store

_ids = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the whole run, which every omnitui process a test starts
    inherits (even with a home of its own): the language model is unpacked into it once,
    as on a user's machine, not 68 MB per test, nor into the real user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "cases.db") as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return Settings()


def office_hours(zone: str = "Europe/Berlin") -> str:
    """The config of a team open on weekdays, 09:00 to 17:00 in `zone`."""
    return f"""
[business_hours]
time_zone = "{zone}"

[business_hours.hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"""


def settings_from(folder: Path, text: str) -> Settings:
    """The settings of a config file with `text`, read as `omnitui --config` reads it."""
    from omnitui.config import load_settings

    config = folder / "omnitui.toml"
    config.write_text(text)
    return load_settings(config)


@pytest.fixture
def pipeline(store: Store, settings: Settings) -> Pipeline:
    """The pipeline as every intake runs it: SLA clocks and routing after filing."""
    return intake_pipeline(store, settings)


def demo_story_end() -> datetime:
    """The latest Wednesday 15:00 in Berlin: the demo's team keeps Berlin business hours, so
    a demo whose story ends at the same hour of the week holds the same kinds of cases
    (routed, waiting, pending) whenever the tests run."""
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Europe/Berlin"))
    moment = (now - timedelta(days=(now.weekday() - 2) % 7)).replace(
        hour=15, minute=0, second=0, microsecond=0)
    if moment > now:
        moment -= timedelta(days=7)
    return moment.astimezone(UTC)


def ago(**kwargs: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kwargs)


def make_email(sender: str = "ann@example.com", *, name: str = "Ann Lee",
               subject: str = "Help", body: str = "Hello", message_id: str | None = None,
               in_reply_to: str | None = None, references: str | None = None,
               date: datetime | None = None, headers: dict[str, str] | None = None,
               attachment: tuple[str, bytes] | None = None) -> bytes:
    """RFC 822 bytes as a mail client would send them."""
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = "support@example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or ago(minutes=5))
    msg["Message-ID"] = f"<{message_id or f'msg-{next(_ids)}@example.com'}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment[1], maintype="application", subtype="octet-stream",
                           filename=attachment[0])
    return msg.as_bytes()


def chat_event(channel: str, handle: str, text: str, *, name: str = "",
               identifiers: list[Identifier] | None = None,
               at: datetime | None = None, external_id: str | None = None) -> InboundEvent:
    """A chat/SMS/social message as a webhook channel would normalize it: from `handle`,
    verified like every platform's sender, unless `identifiers` are given."""
    ident = identifiers or [Identifier(channel, handle, verified=True)]
    ext = external_id or f"{channel}-test-{next(_ids)}"  # (the demo's are channel-N: a
    # test's message into a demo store joined the demo's case of the same number)
    return InboundEvent(channel, ext, f'{{"id": "{ext}", "text": "{text}"}}'.encode(),
                        at or ago(minutes=1), ident, sender_name=name, text=text)


@pytest.fixture
def email_event() -> Callable[..., InboundEvent]:
    from omnitui.channels.email.parse import parse_email

    def build(*args: object, **kwargs: object) -> InboundEvent:
        return parse_email(make_email(*args, **kwargs), source="test")

    return build


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (servers under test use it; clients
    trust it explicitly, so certificate checks stay on)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    folder.chmod(0o755)  # dovecot reads it as another user
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    """Poll `check` until it holds or `seconds` pass (servers and daemons work on their own
    time); returns the last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


# The columns each migration since 30 added, by table: a test that turns a store back into
# an older one drops those of the migrations after it (`as_of_schema`).
COLUMNS_ADDED = {30: ("cases", ("history_before",)), 31: ("cases", ("last_answered_at",)),
                 33: ("cases", ("paused_at",)), 34: ("cases", ("first_replier", "solved_by")),
                 36: ("channel_health", ("rejected_lately", "last_rejected_at")),
                 38: ("agents", ("languages",)), 40: ("kb_articles", ("language",)),
                 41: ("cases", ("next_responses_met", "next_responses_judged"))}
# And the indexes (since 39).
INDEXES_ADDED = {39: ("cases_finished_priority", "cases_finished_sla", "cases_finished_updated")}


def as_of_schema(conn: sqlite3.Connection, version: int) -> None:
    """The tables as schema `version` left them, and the store saying it is at it."""
    for number, (table, columns) in COLUMNS_ADDED.items():
        for column in columns if number > version else ():
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for number, indexes in INDEXES_ADDED.items():
        for index in indexes if number > version else ():
            conn.execute(f"DROP INDEX {index}")
    conn.execute(f"PRAGMA user_version = {version}")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own, unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                                            str(mount)], capture_output=True).returncode:
        pytest.skip("needs root and mount, as CI has")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> None:
    """Every byte left on the disk taken."""
    with (disk / "fill").open("wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass
