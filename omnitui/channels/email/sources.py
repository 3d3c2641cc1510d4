"""Read raw messages from local mail stores: .eml files, mbox files, Maildir folders.

Each message comes out as a `MailFile`: its source label, its raw bytes, and what the store
wrote of its delivery (an mbox's From_ line, a Maildir file's name: when it came). The
label is stable across runs and unique per message, so an import can be resumed or
audited: `path/x.eml`, `path/box.mbox#17` (1-based position), `path/Maildir#<unique name>`
(the Maildir name without its `:2,flags` suffix, which changes when the message is read).
Everything streams: an mbox is read in 1 MiB chunks, never whole, so memory stays bounded by
the largest single message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from pathlib import Path
from typing import BinaryIO, NamedTuple

from omnitui.errors import OmnituiError, UsageError
from omnitui.wording import skipped_words

__all__ = ["BOOKKEEPING", "MailFile", "MailSourceError", "Skipped", "iter_mail_files",
           "mail_size"]

_MBOX_SUFFIXES = (".mbox", ".mbx")
_MAILDIR_SUBDIRS = ("cur", "new", "tmp")
_ESCAPED_FROM = re.compile(rb"\n>(?=>*From )")  # literal prefix + no group: ~4x faster sub
_CHUNK = 1 << 20
_LEADING_DIGITS = re.compile(r"\d+")
_FIRST_DELIVERY = datetime(1990, 1, 1, tzinfo=UTC)
# Why a folder's file is skipped: not mail; hidden (a hidden mbox is imported when named);
# a mail program's or the desktop's own (a Maildir's index, a Finder's .DS_Store), which an
# import that finds mail passes over without a word.
NOT_A_MAIL_SOURCE = "not an .eml, an mbox or a Maildir"
HIDDEN = "hidden; name it to import it"
BOOKKEEPING = "a mail program's or the desktop's own file"
_BOOKKEEPING_NAMES = re.compile(  # dovecot, Courier, Thunderbird, MH, macOS, Windows
    r"\.?dovecot[.-].*|\.imap|courierimap.*|maildirfolder|maildirsize|\.?subscriptions"
    r"|\.customflags|\.uidvalidity|.+\.msf|\.mh_sequences|\.ds_store|\._.*|\.localized"
    r"|thumbs\.db|desktop\.ini", re.I)

Skipped = Callable[[str, str], None]
"""Told of what an import passes over: its source label, why."""


class MailSourceError(OmnituiError):
    """A path given as a mail source does not exist, cannot be read, or holds no mail."""


class MissingMailSource(MailSourceError, UsageError):
    """A path given as a mail source does not exist: a mistyped command, exit 2 (a file it
    cannot read is there: the machine's state, exit 1)."""


class MailFile(NamedTuple):
    """One message of a local mail store, and what the store wrote of its delivery (an
    mbox's From_ line, a Maildir file's name), read as a time by `delivered` where it is
    needed: in an import's parser processes, not its one writer, which reads the files."""

    source: str
    raw: bytes
    envelope: bytes = b""

    @property
    def delivered(self) -> datetime | None:
        """When it reached the mailbox, if its store says: it stands in for a Date the mail
        lacks or garbles (a mail of 2019 without one was filed as written on the day of the
        import: a new case, its clocks breached)."""
        if self.envelope.startswith(b"From "):
            return _from_line_time(self.envelope)
        return _maildir_name_time(self.envelope.decode("latin-1")) if self.envelope else None


def iter_mail_files(paths: Iterable[Path], skipped: Skipped | None = None
                    ) -> Iterator[MailFile]:
    """Yield every message under `paths`, in a stable order.

    A path may be an .eml file, an mbox file (begins with "From "), a Maildir (has cur/, new/
    and tmp/), or a directory holding any of these (searched recursively; its other files
    and hidden folders are skipped and told to `skipped`, with why: `NOT_A_MAIL_SOURCE`,
    `HIDDEN` or `BOOKKEEPING`, such as dovecot-uidlist). A missing path or a file that is not
    mail raises `MailSourceError` at the call, before anything is read; a directory with no
    mail source in it raises once walked, naming what it skipped there. An empty .eml in a
    folder comes out empty, as an empty item of an mbox does.
    """
    return _iter_paths(_checked(paths), skipped)


def mail_size(paths: Iterable[Path]) -> int:
    """The bytes of mail under `paths`, found as `iter_mail_files` finds it (the sizes of its
    files, read from the file system, not the files): what an import's progress counts up to."""
    total = 0
    for path, kind in _checked(paths):
        for source, source_kind in [(path, kind)] if kind is not None else _sources_under(path):
            total += _size(source, source_kind)
    return total


def _checked(paths: Iterable[Path]) -> list[tuple[Path, str | None]]:
    """Each path with its kind (None: a folder), or `MailSourceError` for one that is no mail."""
    checked: list[tuple[Path, str | None]] = []
    for path in map(Path, paths):
        if not path.exists():
            raise MissingMailSource(f"{path}: no such file or folder")
        kind = None if path.is_dir() else _file_kind(path)
        if not path.is_dir() and kind is None:
            raise MailSourceError(
                f"not a recognizable mail source: {path} "
                "(expected an .eml file, an mbox file starting with 'From ', or a Maildir)")
        if kind == "eml" and _blank(path):  # it was filed as a case with "(no subject)"
            # and running clocks
            raise MailSourceError(f"{path} is empty: there is no mail in it")
        checked.append((path, kind))
    return checked


def _iter_paths(paths: list[tuple[Path, str | None]], skipped: Skipped | None
                ) -> Iterator[MailFile]:
    for path, kind in paths:
        if kind is not None:
            yield from _iter_source(path, kind)
            continue
        for source, source_kind in _found_under(path, skipped):
            yield from _iter_source(source, source_kind)


def _found_under(path: Path, skipped: Skipped | None) -> Iterator[tuple[Path, str]]:
    """`_sources_under`, or `MailSourceError` naming what it skipped if it finds none
    ("nothing found" said nothing of the .DS_Store and the dovecot files it walked past)."""
    passed: list[tuple[str, str]] = []

    def told(source: str, why: str) -> None:
        passed.append((source, why))
        if skipped is not None:
            skipped(source, why)

    found = False
    for source in _sources_under(path, told):
        found = True
        yield source
    if not found:
        passed.sort(key=lambda item: item[1] == BOOKKEEPING)  # the user's own files first
        raise MailSourceError(f"no .eml, mbox or Maildir found under {path}"
                              + (f": {skipped_words(passed)}" if passed else ""))


def _blank(path: Path) -> bool:
    """Nothing but blanks in it (read only when small: a mail is longer)."""
    try:
        return path.stat().st_size < 4096 and not path.read_bytes().strip()
    except OSError as exc:
        raise MailSourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _file_kind(path: Path) -> str | None:
    """'eml' by name, 'mbox' by content (or an empty *.mbox), else None: not mail."""
    if path.suffix.lower() == ".eml":
        return "eml"
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise MailSourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head == b"From " or (not head and path.suffix.lower() in _MBOX_SUFFIXES):
        return "mbox"
    return None


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in _MAILDIR_SUBDIRS)


def _sources_under(path: Path, skipped: Skipped | None = None) -> Iterator[tuple[Path, str]]:
    """The mail sources in a folder, as (path, kind), in the order they are imported: the
    folder itself if it is a Maildir, then its sub-folders (Maildir++ `.Sent` too) and mail
    files, by name; the other files told to `skipped`. Listed as it goes: an import starts
    on the first source at once."""
    try:
        maildir = _is_maildir(path)
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError as exc:
        raise MailSourceError(f"cannot list {path}: {exc.strerror or exc}") from exc
    if maildir:
        yield path, "maildir"
    for entry in entries:
        child = Path(entry.path)
        if maildir and entry.name in _MAILDIR_SUBDIRS:
            continue
        if entry.is_dir(follow_symlinks=False):  # no symlinked dirs: no loops
            why = _passed_over(entry.name)
            if why == NOT_A_MAIL_SOURCE or _is_maildir(child):  # (Maildir++ .Sent)
                yield from _sources_under(child, skipped)
                continue
        elif not entry.is_file():
            continue
        elif not entry.name.startswith(".") and (kind := _file_kind(child)):
            yield child, kind
            continue
        else:  # a Maildir's other files are its own (dovecot-uidlist, maildirfolder)
            why = BOOKKEEPING if maildir else _passed_over(entry.name)
        if skipped is not None:
            skipped(str(child), why)


def _passed_over(name: str) -> str:
    """Why a folder's entry that is no mail source is skipped."""
    if _BOOKKEEPING_NAMES.fullmatch(name):
        return BOOKKEEPING
    return HIDDEN if name.startswith(".") else NOT_A_MAIL_SOURCE


def _iter_source(path: Path, kind: str) -> Iterator[MailFile]:
    return _iter_maildir(path) if kind == "maildir" else _iter_file(path, kind)


def _size(path: Path, kind: str) -> int:
    if kind == "maildir":
        return sum(map(_file_size, (entry for _, entry in _maildir_entries(path))))
    try:
        return path.stat().st_size
    except OSError as exc:
        raise MailSourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _file_size(entry: os.DirEntry[str]) -> int:
    """0 for a message a mail client moved (new/ to cur/) or deleted since it was listed."""
    try:
        return entry.stat().st_size
    except FileNotFoundError:
        return 0


def _iter_file(path: Path, kind: str) -> Iterator[MailFile]:
    try:
        if kind == "eml":  # saved by a mail client: its file's time is the saving's
            yield MailFile(str(path), path.read_bytes())
            return
        with path.open("rb") as fh:
            for number, (from_line, raw) in enumerate(_mbox_messages(fh), start=1):
                yield MailFile(f"{path}#{number}", raw, from_line)
    except OSError as exc:
        raise MailSourceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _maildir_entries(path: Path) -> list[tuple[str, os.DirEntry[str]]]:
    """The messages of a Maildir's new/ and cur/ (never tmp/, which holds half-delivered
    mail), as (unique name, file), ordered by unique name."""
    files: list[tuple[str, os.DirEntry[str]]] = []
    for sub in ("new", "cur"):
        try:
            with os.scandir(path / sub) as entries:
                files.extend((entry.name.split(":", 1)[0], entry)
                             for entry in entries if not entry.name.startswith("."))
        except OSError as exc:
            raise MailSourceError(f"cannot list {path / sub}: {exc.strerror or exc}") from exc
    files.sort(key=lambda item: (item[0], item[1].path))
    return files


def _iter_maildir(path: Path) -> Iterator[MailFile]:
    seen: set[str] = set()
    for unique, entry in _maildir_entries(path):
        file = Path(entry.path)
        label = f"{path}#{unique}" if unique not in seen else f"{path}#{file.parent.name}/{unique}"
        seen.add(unique)
        raw = _read_maildir_file(path, unique, file)
        if raw is not None:
            yield MailFile(label, raw, unique.encode("latin-1"))


def _from_line_time(line: bytes) -> datetime | None:
    """When an mbox's From_ line says the message was delivered ("From ann@example.com Mon
    Jan  1 09:00:00 2024", a zone after the time or the year in some writers; none: UTC,
    though the delivering host may have written its own time: hours off, not the years an
    import's day would be)."""
    _, _, rest = line.decode("latin-1").strip().partition(" ")
    _, _, when = rest.strip().partition(" ")
    return _plausible(_utc(parsedate_tz(when))) if when else None


def _maildir_name_time(unique: str) -> datetime | None:
    """When a Maildir message was delivered: its name starts with the second
    ("1714550000.M1P1.host", "1714550000_1.host")."""
    seconds = _LEADING_DIGITS.match(unique)
    if seconds is None or int(seconds[0]) >= 1 << 33:  # (past 2242: "999999999999.host"
        return None  # was the year 33658, and ended the import in a traceback)
    return _plausible(datetime.fromtimestamp(int(seconds[0]), UTC))


def _utc(parts: tuple[int | None, ...] | None) -> datetime | None:
    if parts is None:
        return None
    try:
        return datetime(*parts[:6], tzinfo=UTC) - timedelta(seconds=parts[9] or 0)
    except (TypeError, ValueError, OverflowError):
        return None


def _plausible(moment: datetime | None) -> datetime | None:
    """A delivery time mail could have: not before 1990 (a name "12.x" is 1970), not more
    than a day ahead."""
    if moment is None or not _FIRST_DELIVERY <= moment <= datetime.now(UTC) + timedelta(days=1):
        return None
    return moment


def _read_maildir_file(maildir: Path, unique: str, file: Path) -> bytes | None:
    """A mail client may move new/x to cur/x:2,S (or delete it) while we read: follow it."""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        for moved in sorted((maildir / "cur").glob(f"{unique}:*")):
            try:
                return moved.read_bytes()
            except FileNotFoundError:
                continue
        return None
    except OSError as exc:
        raise MailSourceError(f"cannot read {file}: {exc.strerror or exc}") from exc


def _mbox_messages(fh: BinaryIO, chunk_size: int = _CHUNK) -> Iterator[tuple[bytes, bytes]]:
    """Split an mbox stream on lines starting with "From ", as `mailbox.mbox` does: each
    message's From_ line, and the message.

    The blank line before the next From_ line is dropped, and one ">" is removed
    from ">From ", ">>From ", ... lines (mboxrd rule; also right for mboxo's ">From ").
    Works on chunks: ~5x faster than `mailbox.mbox`, which scans lines in Python and then
    seeks back for every message.
    """
    buf = bytearray()
    start = 0  # offset in buf of the current message's From_ line
    scan = 0  # where to resume looking for the next From_ line
    eof = False
    while True:
        body = buf.find(b"\n", start) + 1  # 0 when the From_ line is not complete yet
        nxt = buf.find(b"\nFrom ", max(body, scan) - 1) if body else -1
        if nxt == -1 and not eof:
            scan = max(len(buf) - 5, body) - start  # re-scan only the tail that may hold a split
            del buf[:start]
            body, start = 0, 0
            chunk = fh.read(chunk_size)
            buf += chunk
            eof = not chunk
            continue
        if nxt == -1 and start == len(buf):
            return
        end = len(buf) if nxt == -1 else nxt + 1
        with memoryview(buf) as view:  # one copy; released before buf is resized
            message = bytes(view[body:end]) if body else b""
            from_line = bytes(view[start:body or end])
        yield from_line, _unescape(message)
        if nxt == -1:
            return
        start = scan = nxt + 1


def _unescape(message: bytes) -> bytes:
    """Drop the blank separator line before the next From_ line, then undo >From quoting."""
    if message.endswith(b"\n\n") or message == b"\n":
        message = message[:-1]
    elif message.endswith(b"\r\n\r\n") or message == b"\r\n":
        message = message[:-2]
    if b">From " in message:
        message = _ESCAPED_FROM.sub(b"\n", message)
        if message.startswith(b">") and message.lstrip(b">").startswith(b"From "):
            message = message[1:]
    return message
