"""iter_mail_files on real files: .eml, mbox (mboxrd escaping), Maildir, mixed folders; and
mail_size, what an import's progress counts up to."""

from __future__ import annotations

import io
import mailbox
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.channels.email.sources import (
    MailFile,
    MailSourceError,
    _mbox_messages,
    iter_mail_files,
    mail_size,
)


def message(n: int, body: str = "Hello\n") -> bytes:
    return (f"From: Ann <ann@example.com>\nSubject: message {n}\nMessage-ID: <m{n}@example.com>\n"
            f"Date: Wed, 01 May 2024 09:30:00 +0000\n\n{body}").encode()


def write_mbox(path: Path, bodies: list[str]) -> Path:
    """mboxrd as mutt/Thunderbird write it: From_ line, message, blank line."""
    with path.open("wb") as fh:
        for n, body in enumerate(bodies, start=1):
            fh.write(b"From ann@example.com Wed May  1 09:30:00 2024\n")
            fh.write(message(n, body) + b"\n")
    return path


def make_maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "new" / "1714550000.M1P1.host").write_bytes(message(1))
    (root / "cur" / "1714550001.M2P1.host:2,S").write_bytes(message(2))
    (root / "cur" / "1714550002.M3P1.host:2,RS").write_bytes(message(3))
    (root / "tmp" / "1714550003.M4P1.host").write_bytes(message(4))  # still being delivered
    return root


def subjects(items: list[MailFile]) -> list[str]:
    return [parse_email(item.raw).subject for item in items]


def test_eml_file_is_one_message_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "ticket.eml"
    raw = message(1).replace(b"\n", b"\r\n")
    path.write_bytes(raw)
    assert list(iter_mail_files([path])) == [(str(path), raw, b"")]  # saved: no delivery


def test_mbox_split_and_from_unescaping(tmp_path: Path) -> None:
    bodies = [
        "Plain one.\n",
        ">From the desk of the CEO: hello.\n>>From a quoted escaped line\n> From: not escaped\n",
        "Last, with a trailing blank line in the body.\n\n",
    ]
    path = write_mbox(tmp_path / "archive.mbox", bodies)
    items = list(iter_mail_files([path]))
    assert [label for label, *_ in items] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert subjects(items) == ["message 1", "message 2", "message 3"]
    second = parse_email(items[1].raw).text
    assert second == ("From the desk of the CEO: hello.\n>From a quoted escaped line\n"
                      "> From: not escaped\n")
    assert items[0][1] == message(1, "Plain one.\n")  # separator blank line dropped
    assert items[2][1].endswith(b"blank line in the body.\n\n")


def test_mbox_agrees_with_stdlib_mailbox(tmp_path: Path) -> None:
    rng = random.Random(3)
    lines = ["text", "", "From nobody at line start", ">From x", "From", "tail"]
    path = tmp_path / "mixed.mbox"
    with path.open("wb") as fh:
        for n in range(200):
            body = "\n".join(rng.choice(lines) for _ in range(rng.randint(0, 30)))
            fh.write(b"From x@y Mon Jan  1 00:00:00 2024\n" + message(n, body + "\n") + b"\n")
    box = mailbox.mbox(str(path), create=False)
    try:
        expected = [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()
    ours = [item.raw for item in iter_mail_files([path])]
    # Same split as the stdlib (which splits on every "From " line); we also unescape >From.
    assert len(ours) == len(expected)
    assert ours == [re.sub(rb"(?m)^>From x", b"From x", raw) for raw in expected]


@pytest.mark.parametrize("chunk", [1, 2, 5, 6, 7, 64, 1 << 20])
def test_mbox_split_does_not_depend_on_chunk_boundaries(chunk: int) -> None:
    data = (b"From a\nSubject: 1\n\nbody\n>From q\n\nFrom b\nSubject: 2\n\nx\r\n\r\n"
            b"From c\nFrom d\nSubject: 4\n\nno trailing newline")
    assert list(_mbox_messages(io.BytesIO(data), chunk)) == [
        (b"From a\n", b"Subject: 1\n\nbody\nFrom q\n"), (b"From b\n", b"Subject: 2\n\nx\r\n"),
        (b"From c\n", b""), (b"From d\n", b"Subject: 4\n\nno trailing newline")]


def test_maildir_cur_and_new_with_stable_labels(tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir")
    items = list(iter_mail_files([maildir]))
    assert [label for label, *_ in items] == [
        f"{maildir}#1714550000.M1P1.host", f"{maildir}#1714550001.M2P1.host",
        f"{maildir}#1714550002.M3P1.host"]
    assert subjects(items) == ["message 1", "message 2", "message 3"]
    # A mail client reads message 1 (new/ -> cur/ with flags): the label does not change.
    (maildir / "new" / "1714550000.M1P1.host").rename(
        maildir / "cur" / "1714550000.M1P1.host:2,S")
    assert list(iter_mail_files([maildir])) == items


def test_maildir_plus_plus_subfolders(tmp_path: Path) -> None:
    maildir = make_maildir(tmp_path / "Maildir")
    sent = maildir / ".Sent"
    for sub in ("cur", "new", "tmp"):
        (sent / sub).mkdir(parents=True)
    (sent / "cur" / "1714559999.M9P1.host:2,S").write_bytes(message(9))
    labels = [label for label, *_ in iter_mail_files([maildir])]
    assert labels[-1] == f"{sent}#1714559999.M9P1.host"
    assert len(labels) == 4


def test_mixed_directory_recurses_and_skips_other_files(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "one.eml").write_bytes(message(1))
    (root / "a" / "b" / "TWO.EML").write_bytes(message(2))
    write_mbox(root / "a" / "Inbox", ["mbox without an extension\n", "second\n"])  # sniffed
    make_maildir(root / "z-maildir")
    (root / "notes.txt").write_text("Subject: not mail, just notes\n")
    (root / ".DS_Store").write_bytes(b"From junk")
    (root / ".git").mkdir()
    (root / ".git" / "x.eml").write_bytes(message(99))
    labels = [label for label, *_ in iter_mail_files([root])]
    assert labels == [
        f"{root}/a/Inbox#1", f"{root}/a/Inbox#2", f"{root}/a/b/TWO.EML", f"{root}/a/one.eml",
        f"{root}/z-maildir#1714550000.M1P1.host", f"{root}/z-maildir#1714550001.M2P1.host",
        f"{root}/z-maildir#1714550002.M3P1.host"]
    assert len(set(labels)) == len(labels)
    # the size counts what is read: neither the notes, the dot files, nor Maildir's tmp/
    read = [*root.glob("a/**/*.[eE][mM][lL]"), root / "a" / "Inbox",
            *root.glob("z-maildir/cur/*"), *root.glob("z-maildir/new/*")]
    assert len(read) == 6
    assert mail_size([root]) == sum(path.stat().st_size for path in read)


def test_mail_size_is_the_files_read(tmp_path: Path) -> None:
    """An import's bar reaches its end: an mbox counts whole (its From_ lines too), a
    Maildir what a reader finds in it, a file given twice twice (it is read twice)."""
    mbox = write_mbox(tmp_path / "in.mbox", ["one\n", "two\n"])
    maildir = make_maildir(tmp_path / "Maildir")
    eml = tmp_path / "x.eml"
    eml.write_bytes(message(7))
    from_maildir = sum(len(item.raw) for item in iter_mail_files([maildir]))
    assert mail_size([maildir]) == from_maildir
    assert mail_size([mbox, maildir, eml, eml]) == (
        mbox.stat().st_size + from_maildir + 2 * eml.stat().st_size)
    with pytest.raises(MailSourceError, match=r"no-such\.mbox"):
        mail_size([eml, tmp_path / "no-such.mbox"])


def test_several_paths_and_empty_mbox(tmp_path: Path) -> None:
    eml = tmp_path / "x.eml"
    eml.write_bytes(message(1))
    empty = tmp_path / "Trash.mbox"
    empty.write_bytes(b"")
    assert [label for label, *_ in iter_mail_files([eml, empty, eml])] == [str(eml), str(eml)]


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "ok.eml"
    good.write_bytes(message(1))
    missing = tmp_path / "no-such.mbox"
    with pytest.raises(MailSourceError, match=r"no-such\.mbox"):
        iter_mail_files([good, missing])  # raised up front, before any message is read


def test_unrecognizable_sources_are_errors(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    with pytest.raises(MailSourceError, match=r"notes\.txt"):
        iter_mail_files([notes])
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(MailSourceError, match="empty"):
        list(iter_mail_files([empty_dir]))
    empty_maildir = make_maildir(tmp_path / "EmptyMaildir")
    for file in empty_maildir.rglob("*.host*"):
        file.unlink()
    assert list(iter_mail_files([empty_maildir])) == []
    assert list(iter_mail_files([tmp_path / "EmptyMaildir" / ".."])) == []  # holds a Maildir


def test_each_message_says_when_it_was_delivered_if_its_store_does(tmp_path: Path) -> None:
    """The From_ line's time (its zone if it has one), the Maildir name's second however the
    name goes on; a time mail cannot have (a name "12.x" is 1970, a From_ line of 2099) is
    none, and so is a saved .eml's."""
    maildir = make_maildir(tmp_path / "Maildir")
    (maildir / "cur" / "1714560000_2.host:2,S").write_bytes(message(5))
    (maildir / "cur" / "12.M6P1.host").write_bytes(message(6))
    (maildir / "cur" / "999999999999.host").write_bytes(message(8))
    delivered = {item.source.rsplit("#", 1)[1]: item.delivered
                 for item in iter_mail_files([maildir])}
    assert delivered["1714550000.M1P1.host"] == datetime(2024, 5, 1, 7, 53, 20, tzinfo=UTC)
    assert delivered["1714560000_2.host"] == datetime(2024, 5, 1, 10, 40, tzinfo=UTC)
    assert delivered["12.M6P1.host"] is None
    assert delivered["999999999999.host"] is None  # (the year 33658: a traceback)
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(b"From a@example.com Thu Nov 12 09:30:00 2020 +0200\n" + message(1) +
                     b"\nFrom a@example.com Mon Jan  1 09:00:00 2099\n" + message(2))
    assert [item.delivered for item in iter_mail_files([mbox])] == [
        datetime(2020, 11, 12, 7, 30, tzinfo=UTC), None]
    eml = tmp_path / "one.eml"
    eml.write_bytes(message(7))
    assert [item.delivered for item in iter_mail_files([eml])] == [None]
