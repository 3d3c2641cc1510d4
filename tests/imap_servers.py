"""Real IMAP servers on loopback for the email channel's tests (issue 4).

Two kinds, each a real server process on 127.0.0.1, plain IMAP (no TLS), one mail user:

- ``pymap`` (PyPI, MIT, pinned in the ``test`` extra): always there. Run as
  ``python -c _PYMAP_BOOT --host 127.0.0.1 --port N --no-tls maildir DIR``: pymap's own
  command line with its on-disk ``maildir`` backend, so mail survives a restart. The boot code
  patches that backend in memory to keep each message's exact bytes: stock pymap 0.36 passes
  stored mail through Python's ``mailbox``/``email`` packages, which turns CRLF into LF, rewrites
  header whitespace and "repairs" broken MIME, and its COPY stores an empty message.
- ``dovecot`` (Debian ``dovecot-imapd``): when the binary is installed (``.ci/run`` installs it),
  run as ``dovecot -F -c <generated config>`` with its own base_dir, state_dir, log, passwd-file
  and Maildir in a temp dir.

Fixtures: ``imap_server`` (parametrized over both kinds; dovecot is skipped when missing, and
fails in CI, where ``.ci/run`` must have installed it), ``pymap_server`` and ``dovecot_server``;
and two pymap variants, patched by the same boot code: ``xoauth2_server`` (XOAUTH2 is the only
login) and ``gmail_server`` (X-GM-EXT-1 with X-GM-MSGID).
Each test gets a fresh server on a fresh port and mail dir, killed and removed at teardown.
Make them visible by importing them in a conftest (tests/channels/conftest.py does it).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import grp
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from imapclient import IMAPClient

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
KINDS = ("pymap", "dovecot")
_T = TypeVar("_T")


def dovecot_binary() -> str | None:
    """The dovecot executable, or None. /usr/sbin may be missing from PATH."""
    found = shutil.which("dovecot")
    if found:
        return found
    for candidate in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def available_kinds() -> list[str]:
    return [kind for kind in KINDS if kind != "dovecot" or dovecot_binary() is not None]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-limit:]


class ImapServer:
    """One running IMAP server with one mail user, on ``host:port``.

    ``append``/``flags``/``uidvalidity`` go through one IMAP connection of the fixture's own
    (reopened after a restart), so they behave like real delivery and a real client.
    """

    kind: ClassVar[str] = ""
    oauth2_token = ""  # set: the fixture logs in with XOAUTH2 (the only login offered)

    def __init__(self, *, username: str = "support@example.com",
                 password: str | None = None, tls: tuple[Path, Path] | None = None,
                 capability: str = "") -> None:
        self.host = HOST
        self.port = free_port()
        self.tls = tls  # (certificate, key): STARTTLS on `port`, implicit TLS on `tls_port`
        self.tls_port = free_port() if tls else 0
        self.capability = capability  # dovecot: the exact capabilities to advertise
        self.username = username
        self.password = password or secrets.token_urlsafe(12)
        # Not pytest's tmp_path: dovecot's unprivileged processes must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix=f"omnitui-{self.kind}-"))
        self.root.chmod(0o755)
        self._proc: subprocess.Popen[bytes] | None = None
        self._client: IMAPClient | None = None
        self._lock = threading.RLock()
        self._setup()
        _ALL.add(self)

    @staticmethod
    def create(kind: str, **kwargs: object) -> ImapServer:
        classes: dict[str, type[ImapServer]] = {"pymap": PymapServer, "dovecot": DovecotServer}
        return classes[kind](**kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.host}:{self.port} running={self.running}>"

    # -- what each kind provides ------------------------------------------------------------

    def _setup(self) -> None:
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _maildir(self) -> Path:
        """The user's Maildir++ root (INBOX); other folders are ``.Name`` inside it."""
        raise NotImplementedError

    def _forget_uids(self, folder_dir: Path, old_uidvalidity: int) -> None:
        raise NotImplementedError

    def _logs(self) -> str:
        return _tail(self.root / "server.out")

    def _environment(self) -> dict[str, str] | None:
        """The server process's environment (None: this process's)."""
        return None

    # -- process -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server on ``self.port`` (the same one after a ``stop()``) and wait until
        it greets a client. Raises RuntimeError with the server's output if it never does.

        A SIGKILL can leave maildir lock files behind, which the servers honour for minutes
        (pymap: 10, and every APPEND answers NO [TIMEOUT]; dovecot's uidlist lock stalls an
        APPEND past the client's timeout under load): they are cleared first, as a server
        restarted after a crash must."""
        if self._maildir().exists():
            for lock in self._maildir().rglob("*.lock"):
                lock.unlink(missing_ok=True)
        with self._lock:
            if self.running:
                raise RuntimeError(f"{self!r} is already running")
            out = (self.root / "server.out").open("ab")
            try:
                self._proc = subprocess.Popen(
                    self._command(), stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, cwd=self.root, env=self._environment(),
                    start_new_session=True)
            finally:
                out.close()
            try:
                self._wait_ready()
            except BaseException:
                self._kill(wait_for_port=False)  # it may be someone else's port
                raise

    def stop(self) -> None:
        """SIGKILL the server and every process it started, whatever they are doing, and wait
        until the port is closed. Mail already stored stays on disk for ``start()``."""
        with self._lock:
            self._drop_client()
            self._kill()

    def close(self) -> None:
        """Stop the server and remove its files (the fixtures' teardown)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            _ALL.discard(self)

    def _kill(self, *, wait_for_port: bool = True) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the whole dovecot tree
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while wait_for_port and port_is_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        last_error = "nothing tried"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with {self._proc.returncode} before accepting "
                    f"connections on {self.host}:{self.port}:\n{self._logs()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0) as sock:
                    sock.settimeout(0.5)
                    greeting = sock.makefile("rb").readline()
                if greeting.startswith(b"* OK"):
                    return
                last_error = f"greeting {greeting!r}"
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.kind} did not greet on {self.host}:{self.port} within {START_TIMEOUT:.0f} s "
            f"(last: {last_error}):\n{self._logs()}")

    # -- IMAP helpers --------------------------------------------------------------------------

    def connect(self) -> IMAPClient:
        """A new logged-in client; the caller logs out (``with server.connect() as c:``)."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        # imaplib sends an APPEND literal and its closing CRLF in two writes: without this,
        # Nagle plus the server's delayed ACK costs ~40 ms an APPEND (pymap).
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self.oauth2_token:
                client.oauth2_login(self.username, self.oauth2_token)
            else:
                client.login(self.username, self.password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    def _with_client(self, action: Callable[[IMAPClient], _T]) -> _T:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.noop()
                except Exception:  # the server was restarted or killed since: reconnect
                    self._drop_client()
            if self._client is None:
                self._client = self.connect()
            return action(self._client)

    def append(self, folder: str, raw: bytes, flags: tuple[bytes, ...] = ()) -> int:
        """IMAP APPEND ``raw`` to ``folder`` (created if needed); returns the new UID."""
        def run(client: IMAPClient) -> int:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
            match = re.search(rb"\[APPENDUID \d+ (\d+)\]", response or b"")
            if match is None:
                raise AssertionError(f"{self.kind}: no APPENDUID in {response!r}")
            return int(match.group(1))
        return self._with_client(run)

    def append_many(self, folder: str, raws: list[bytes],
                    flags: tuple[bytes, ...] = ()) -> list[int]:
        """Like ``append`` for many messages in one MULTIAPPEND (RFC 3502) command: for big
        backlogs, several times faster than one APPEND each (1,000 messages: pymap ~5 s
        instead of ~8 s, dovecot ~1 s instead of ~6 s)."""
        if not raws:
            return []

        def run(client: IMAPClient) -> list[int]:
            if folder.upper() != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            _, data = client.multiappend(folder, [{"msg": raw, "flags": flags} for raw in raws])
            response = data[0] if data else b""
            match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", response or b"")
            if match is None:
                raise AssertionError(f"{self.kind}: no APPENDUID in {response!r}")
            uids = _uid_set(match.group(1).decode())
            if len(uids) != len(raws):
                raise AssertionError(f"{self.kind}: {len(raws)} appended, APPENDUID {uids}")
            return uids
        return self._with_client(run)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self._with_client(
            lambda client: int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]))

    def flags(self, folder: str, uid: int) -> set[bytes]:
        """The message's stored flags, read without changing them (EXAMINE); ``\\Recent``, a
        per-session flag that only dovecot reports here, is left out."""
        def run(client: IMAPClient) -> set[bytes]:
            client.select_folder(folder, readonly=True)
            found = client.fetch([uid], ["FLAGS"])
            if uid not in found:
                raise KeyError(f"no UID {uid} in {folder} on {self.kind}")
            return set(found[uid][b"FLAGS"]) - {b"\\Recent"}
        return self._with_client(run)

    def supports_idle(self) -> bool:
        return self._with_client(lambda client: client.has_capability("IDLE"))

    def reset_uidvalidity(self, folder: str = "INBOX") -> None:
        """Make the server give ``folder`` a new UIDVALIDITY, keeping its messages (and their
        flags) in their order, with UIDs from 1 again, as after a server-side index rebuild.
        The server is restarted for it: open connections are dropped."""
        with self._lock:
            old = self.uidvalidity(folder)
            folder_dir = self._folder_dir(folder)
            self.stop()
            self._forget_uids(folder_dir, old)
            self.start()
            new = self.uidvalidity(folder)
            if new == old:
                raise AssertionError(f"{self.kind} kept UIDVALIDITY {old} for {folder}")

    def _folder_dir(self, folder: str) -> Path:
        if folder.upper() == "INBOX":
            return self._maildir()
        return self._maildir() / ("." + folder.replace("/", "."))


class PymapServer(ImapServer):
    """pymap; ``oauth2_token`` makes XOAUTH2 with that token the only login, ``gmail`` adds
    Gmail's X-GM-EXT-1 with X-GM-MSGID (both done by _PYMAP_BOOT)."""

    kind = "pymap"

    def __init__(self, *, oauth2_token: str = "", gmail: bool = False, **kwargs: Any) -> None:
        self.oauth2_token = oauth2_token
        self.gmail = gmail
        super().__init__(**kwargs)

    def _environment(self) -> dict[str, str] | None:
        options = {"OMNITUI_PYMAP_XOAUTH2": f"{self.username} {self.oauth2_token}"
                   if self.oauth2_token else "",
                   "OMNITUI_PYMAP_GMAIL": "1" if self.gmail else ""}
        return {**os.environ, **options}

    def _setup(self) -> None:
        data = self.root / "data"
        data.mkdir()
        # pymap's maildir backend: a passwd-like users file (home = Maildir, relative to the
        # base dir) and a shadow-like file with a pbkdf2 hash in pysasl's format; few rounds,
        # since pymap reads the rounds from the hash and each login pays them.
        salt = secrets.token_bytes(12)
        digest = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, 1000)
        b64salt, b64digest = (base64.b64encode(part).decode() for part in (salt, digest))
        hashed = f"$pbkdf2-sha256$1000${b64salt}${b64digest}"
        (data / "pymap-etc-passwd").write_text(f"{self.username}:x::::Maildir:\r\n")
        (data / "pymap-etc-shadow").write_text(f"{self.username}:{hashed}:::::::\r\n")

    def _maildir(self) -> Path:
        return self.root / "data" / "Maildir"

    def _command(self) -> list[str]:
        return [sys.executable, "-c", _PYMAP_BOOT, "--host", self.host, "--port", str(self.port),
                "--no-tls", "maildir", str(self.root / "data")]

    def _forget_uids(self, folder_dir: Path, old_uidvalidity: int) -> None:
        # pymap keeps UIDs in a dovecot-style uidlist: renumber it from 1 in the old UID order
        # under a new UIDVALIDITY (left as is, pymap would number the files in directory order).
        uidlist = folder_dir / "dovecot-uidlist"
        header, *records = uidlist.read_text().splitlines()
        # Expunged messages can stay listed: keep only the files still there.
        present = {name.split(":", 1)[0] for sub in ("cur", "new")
                   for name in os.listdir(folder_dir / sub)}
        records = [record for record in records
                   if record.split(" :", 1)[1].split(":", 1)[0] in present]
        new_validity = old_uidvalidity % 0xFFFFFFFF + 1
        fields = [f"V{new_validity}" if f.startswith("V")
                  else f"N{len(records) + 1}" if f.startswith("N") else f
                  for f in header.split(" ")]
        lines = [" ".join(fields)]
        for uid, record in enumerate(records, start=1):
            lines.append(f"{uid} {record.split(' ', 1)[1]}")
        uidlist.write_text("\r\n".join(lines) + "\r\n")


class DovecotServer(ImapServer):
    kind = "dovecot"

    def _setup(self) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        self._binary = binary
        home = self.root / "home"
        home.mkdir()
        (self.root / "passwd").write_text(f"{self.username}:{{PLAIN}}{self.password}::::::\n")
        me = pwd.getpwuid(os.geteuid())
        if os.geteuid() == 0:
            # Dovecot refuses uid 0 for mail and for its login processes: run mail as nobody
            # and the other processes as the users Debian's package creates.
            mail = pwd.getpwnam("nobody")
            internal, login = _user_or("dovecot", me), _user_or("dovenull", me)
            os.chown(home, mail.pw_uid, mail.pw_gid)
        else:
            mail = internal = login = me
        group_of_internal = internal.pw_gid
        root = self.root
        indent = "\n" + " " * 12  # the config below is indented this much, then dedented
        ssl = (f"ssl = yes{indent}ssl_cert = <{self.tls[0]}{indent}ssl_key = <{self.tls[1]}"
               if self.tls else "ssl = no")
        config = f"""\
            # Generated by tests/imap_servers.py for one test: a private, non-daemonized dovecot.
            protocols = imap
            listen = {self.host}
            base_dir = {root}/run
            state_dir = {root}/state
            log_path = {root}/dovecot.log
            {ssl}
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_internal_user = {internal.pw_name}
            default_internal_group = {_group_name(group_of_internal)}
            default_login_user = {login.pw_name}
            first_valid_uid = {mail.pw_uid}
            last_valid_uid = {mail.pw_uid}
            first_valid_gid = {mail.pw_gid}
            mail_location = maildir:{home}/Maildir
            mailbox_idle_check_interval = 1 secs
            {f"imap_capability = {self.capability}" if self.capability else ""}
            mail_fsync = never
            passdb {{
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {root}/passwd
            }}
            userdb {{
              driver = static
              args = uid={mail.pw_uid} gid={mail.pw_gid} home={home}
            }}
            namespace inbox {{
              inbox = yes
              separator = /
            }}
            service imap-login {{
              chroot =
              inet_listener imap {{
                address = {self.host}
                port = {self.port}
              }}
              inet_listener imaps {{
                address = {self.host}
                port = {self.tls_port}
              }}
            }}
            """
        (self.root / "dovecot.conf").write_text(textwrap.dedent(config))

    def _maildir(self) -> Path:
        return self.root / "home" / "Maildir"

    def _command(self) -> list[str]:
        return [self._binary, "-F", "-c", str(self.root / "dovecot.conf")]

    def _logs(self) -> str:
        return f"{super()._logs()}\n--- dovecot.log ---\n{_tail(self.root / 'dovecot.log')}"

    def _forget_uids(self, folder_dir: Path, old_uidvalidity: int) -> None:
        # Dovecot rebuilds a Maildir's UIDs from the file names (in delivery order) and takes a
        # new UIDVALIDITY from the mail root's dovecot-uidvalidity counter. The list index caches
        # every folder's UIDVALIDITY for STATUS, so it goes too.
        for path in [*folder_dir.glob("dovecot-uidlist*"), *folder_dir.glob("dovecot.index*"),
                     *self._maildir().glob("dovecot.list.index*")]:
            path.unlink()


def _uid_set(text: str) -> list[int]:
    """``"1:3,7"`` -> ``[1, 2, 3, 7]``, in the server's order."""
    uids: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition(":")
        low, high = int(first), int(last or first)
        step = 1 if high >= low else -1
        uids.extend(range(low, high + step, step))
    return uids


# Every server not yet closed, so that none outlives the test process (pymap also exits by
# itself when its parent goes away; dovecot cannot be told to).
_ALL: weakref.WeakSet[ImapServer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for server in list(_ALL):
        with contextlib.suppress(Exception):
            server.close()


def _user_or(name: str, fallback: pwd.struct_passwd) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return fallback


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


# Run with ``python -c`` in the server process: pymap's own main, with its maildir backend
# storing and serving each message's exact bytes (see the module docstring). Written for
# pymap 0.36 (pinned in pyproject.toml).
_PYMAP_BOOT = textwrap.dedent("""\
    import datetime, io, mailbox, os, threading, time
    from pymap.backend.maildir import mailbox as mb
    from pymap.main import main
    from pymap.mime import MessageContent
    from pymap.parsing.specials import FetchRequirement
    from pymap.backend.maildir.uidlist import Record, UidList

    _dump = mb.Maildir._dump_message

    def _dump_message(self, message, target, mangle_from_=False):
        raw = getattr(message, "omnitui_raw", None)
        if raw is None:
            return _dump(self, message, target, mangle_from_)
        target.write(raw)

    def to_maildir(cls, append_msg, recent, maildir_flags):
        msg = mailbox.MaildirMessage()
        msg.omnitui_raw = bytes(append_msg.literal)
        msg.set_flags(maildir_flags.to_maildir(append_msg.flag_set))
        msg.set_subdir("new" if recent else "cur")
        msg.set_date((append_msg.when or datetime.datetime.now()).timestamp())
        return msg

    async def load_content(self, requirement):
        if self._key is None or self._maildir is None \\
                or requirement.has_none(FetchRequirement.CONTENT):
            return mb.LoadedMessage(self, requirement, None)
        try:
            raw = self._maildir.get_bytes(self._key)
        except (KeyError, FileNotFoundError):
            return mb.LoadedMessage(self, requirement, None)
        return mb.LoadedMessage(self, requirement, MessageContent.parse(raw))

    async def copy(self, uid, destination, *, recent=False):
        try:
            record, meta = await self._get_maildir_msg(uid)
            raw = self._maildir.get_bytes(record.key)
        except (KeyError, FileNotFoundError):
            return None
        copy_msg = mailbox.MaildirMessage(meta)
        copy_msg.omnitui_raw = raw
        copy_msg.set_subdir("new" if recent else "cur")
        async with destination.messages_lock.write_lock():
            dest_key = destination._maildir.add(copy_msg)
            dest_filename = dest_key + ":" + copy_msg.get_info()
        async with UidList.with_write(destination._path) as uidl:
            new_rec = Record(uidl.next_uid, record.fields, dest_filename)
            uidl.next_uid += 1
            uidl.set(new_rec)
        return new_rec.uid

    # Every APPEND, SEARCH and FETCH re-reads and re-parses the folder's whole uidlist, for each
    # message: with 1,000 messages that is seconds. Keep the last parse of each file (or what
    # was just written to it) while its bytes stay the same, and hand out copies, since
    # writers change theirs.
    _parsed = {}

    def file_read(cls, path):
        file_path = cls.get_file(path)
        try:
            with open(file_path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return cls.get_default(path)
        hit = _parsed.get(file_path)
        if hit is None or hit[0] != data:
            text = io.StringIO(data.decode(), newline=None)
            parsed = cls.open(path, text)
            parsed.read(text)
            hit = _parsed[file_path] = (data, parsed)
        copy = cls(path, hit[1].uid_validity, hit[1].next_uid, hit[1].global_uid)
        copy._records = dict(hit[1]._records)
        return copy

    def file_write(self):
        file_path = self.get_file(self.path)
        text = io.StringIO()
        self.write(text)
        data = text.getvalue().encode()
        with open(file_path + ".new", "wb") as handle:
            handle.write(data)
        os.rename(file_path + ".new", file_path)
        self._touched = False
        snapshot = type(self)(self.path, self.uid_validity, self.next_uid, self.global_uid)
        snapshot._records = dict(self._records)
        _parsed[file_path] = (data, snapshot)

    UidList.file_read = classmethod(file_read)
    UidList.file_write = file_write

    # Each APPEND first lists the folder's files through mailbox.Maildir, a stat or two per
    # message; two listdir calls give the same keys and flags.
    async def _get_keys(self):
        keys = {}
        colon = self._maildir.colon
        async with self.messages_lock.read_lock():
            for sub in ("new", "cur"):
                for name in os.listdir(os.path.join(self._maildir._path, sub)):
                    if not name.startswith("."):
                        key, _, info = name.partition(colon)
                        keys[key] = info
        return keys

    mb.MailboxData._get_keys = _get_keys
    # No fsync per message: a killed server loses nothing without it (the kernel has the
    # data); only a crash of the machine would.
    mailbox._sync_flush = lambda handle: handle.flush()

    mb.Maildir._dump_message = _dump_message
    mb.Message.to_maildir = classmethod(to_maildir)
    mb.Message.load_content = load_content
    mb.MailboxData.copy = copy

    # Options the fixture passes in the environment (PymapServer). XOAUTH2: pysasl's XOAUTH2
    # as the only mechanism (so LOGIN is disabled), and the backend's login checks the bearer
    # token, for one user, instead of a password hash.
    _xoauth2 = os.environ.get("OMNITUI_PYMAP_XOAUTH2")  # "<user> <token>"
    if _xoauth2:
        import hmac
        from pysasl import SASLAuth
        from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired
        from pymap.backend.maildir import Identity, Login
        from pymap.config import IMAPConfig
        from pymap.exceptions import InvalidAuth

        _oauth_user, _oauth_token = _xoauth2.rsplit(" ", 1)

        async def authenticate(self, credentials):
            token = ""
            if isinstance(credentials, ExternalCredentials):
                try:
                    credentials.verify(None)
                except ExternalVerificationRequired as exc:
                    token = exc.token or ""
            if (credentials.authzid != _oauth_user or not token
                    or not hmac.compare_digest(token.encode(), _oauth_token.encode())):
                raise InvalidAuth()
            return Identity(self.config, self.tokens, credentials.authzid, None, set())

        IMAPConfig.tls_auth = property(lambda self: SASLAuth.named([b"XOAUTH2"]))
        Login.authenticate = authenticate

    # Gmail: advertise X-GM-EXT-1 and answer FETCH X-GM-MSGID with an id that is the same for
    # a message in every folder: a hash of its Message-ID (else of its bytes), as Gmail's is
    # the same under every label.
    if os.environ.get("OMNITUI_PYMAP_GMAIL"):
        import hashlib, re
        from pymap.config import IMAPConfig
        from pymap.fetch import DynamicLoadedFetchValue, MessageAttributes
        from pymap.parsing.primitives import Number
        from pymap.parsing.specials.fetchattr import FetchAttribute

        _capability = IMAPConfig.login_capability.fget
        IMAPConfig.login_capability = property(
            lambda self: [*_capability(self), b"X-GM-EXT-1"])

        _parse = FetchAttribute.parse.__func__
        _gm_msgid = re.compile(rb" *X-GM-MSGID(?=[\\s)]|$)", re.IGNORECASE)

        def parse(cls, buf, params):
            match = _gm_msgid.match(buf)
            if match is None:
                return _parse(cls, buf, params)
            return cls(b"X-GM-MSGID"), buf[match.end():]

        class GmailMessageId(DynamicLoadedFetchValue):
            def get_value(self, loaded_msg):
                message_ids = loaded_msg.get_header(b"message-id")
                key = (str(message_ids[0]).strip().encode() if message_ids
                       else bytes(loaded_msg))
                return Number(int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 1)

        FetchAttribute.parse = classmethod(parse)
        MessageAttributes._loaded_attrs = {**MessageAttributes._loaded_attrs,
                                           b"X-GM-MSGID": GmailMessageId}

    def exit_with_parent(parent=os.getppid()):
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    main()
    """)


def _fixture_server(kind: str, **options: Any) -> Iterator[ImapServer]:
    if kind == "dovecot" and dovecot_binary() is None:
        reason = "dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI must run the tests against it")
        pytest.skip(reason)
    server = ImapServer.create(kind, **options)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(params=KINDS)
def imap_server(request: pytest.FixtureRequest) -> Iterator[ImapServer]:
    """A fresh, running IMAP server of each kind (dovecot skipped where not installed)."""
    yield from _fixture_server(request.param)


@pytest.fixture
def pymap_server() -> Iterator[ImapServer]:
    yield from _fixture_server("pymap")


@pytest.fixture
def dovecot_server() -> Iterator[ImapServer]:
    yield from _fixture_server("dovecot")


@pytest.fixture
def xoauth2_server() -> Iterator[ImapServer]:
    """pymap where XOAUTH2 with the bearer token ``server.oauth2_token`` is the only login."""
    yield from _fixture_server("pymap", oauth2_token=secrets.token_urlsafe(16))


@pytest.fixture
def gmail_server() -> Iterator[ImapServer]:
    """pymap with Gmail's X-GM-EXT-1: FETCH X-GM-MSGID gives a message the same id in every
    folder (a hash of its Message-ID header, else of its bytes)."""
    yield from _fixture_server("pymap", gmail=True)

