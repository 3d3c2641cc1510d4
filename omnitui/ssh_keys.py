"""The `authorized_keys` line that pins an agent's SSH key to the console.

A team shares one server account; each agent's public key gets a line of its own whose
forced command opens the console as that agent, whatever the agent asks ssh to run:

    command="/srv/omnitui/venv/bin/omnitui --config /srv/omnitui/config.toml --agent alice",
    restrict,pty ssh-ed25519 AAAA… omnitui:alice      (one line)

`restrict` turns off forwarding of ports, agents and X11 and the user's rc file; `pty`
gives back the terminal a console needs. The comment `omnitui:NAME` marks the lines
omnitui wrote, so removing the agent removes exactly theirs (sshd(8), AUTHORIZED_KEYS FILE
FORMAT).
"""

from __future__ import annotations

import base64
import binascii
import os
import shlex
import struct
import sys
from pathlib import Path

from omnitui.errors import OmnituiError
from omnitui.private_files import give_back
from omnitui.records import record

KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")
MARK = "omnitui:"  # the comment of a line omnitui wrote, followed by the agent's name


class SshKeyError(OmnituiError):
    """A key file that holds no usable public key, or a keys file that cannot be changed."""


@record(frozen=True)
class PublicKey:
    kind: str  # ssh-ed25519, ...
    blob: str  # base64, as in the .pub file

    def __str__(self) -> str:
        return f"{self.kind} {self.blob}"


def read_public_key(path: Path) -> PublicKey:
    """The one public key in `path` (an OpenSSH .pub file)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SshKeyError(f"--key {path}: {exc.strerror or exc}") from None
    if "PRIVATE KEY" in text:
        raise SshKeyError(f"--key {path} is a private key: give its public half "
                        f"({path.name}.pub), and keep the private one with the agent")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    keys = [key for line in lines if (key := _parse(line)) is not None]
    if len(lines) != 1 or len(keys) != 1:
        raise SshKeyError(f"--key {path}: expected one public key line such as "
                        "'ssh-ed25519 AAAA… alice@laptop', found "
                        f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
                        + ("" if keys else " and no key"))
    return keys[0]


def _parse(line: str) -> PublicKey | None:
    """The key of a .pub line, checked: its base64 blob must name the same type it says."""
    words = line.split()
    found = next((i for i, word in enumerate(words) if word in KEY_TYPES), None)
    if found is None or found + 1 >= len(words):
        return None
    kind, blob = words[found], words[found + 1]
    try:
        raw = base64.b64decode(blob, validate=True)
        (length,) = struct.unpack(">I", raw[:4])
    except (binascii.Error, struct.error):
        return None
    return PublicKey(kind, blob) if raw[4:4 + length] == kind.encode() else None


def console_command(agent: str, config: Path | None, db: Path | None) -> str:
    """The command line that opens the console as `agent` on this installation's store,
    with absolute paths, so it works from a venv whatever sshd's PATH is."""
    program = Path(sys.argv[0])
    words = [str(program.absolute())] if program.name == "omnitui" else \
        [sys.executable, "-m", "omnitui"]
    if config is not None:
        words += ["--config", str(config.absolute())]
    if db is not None:
        words += ["--db", str(db.absolute())]
    words += ["--agent", agent]
    return shlex.join(words)


def forced_line(key: PublicKey, agent: str, command: str) -> str:
    quoted = command.replace("\\", "\\\\").replace('"', '\\"')
    return f'command="{quoted}",restrict,pty {key} {MARK}{agent}'


def add_line(keys_file: Path, line: str, key: PublicKey, agent: str) -> bool:
    """Append `line` to `keys_file` (made 0600 if new); False when the agent's line with
    this key is there already. A key another line already uses is refused: sshd takes the
    first line that matches, so the same key cannot open two agents' consoles."""
    existing = _lines(keys_file)
    for other in existing:
        if key.blob in other.split():
            if other.rstrip().endswith(f"{MARK}{agent}") and other.strip() == line:
                return False
            raise SshKeyError(f"{keys_file} already has this key ({_who(other)}): one key "
                            "opens one agent's console; remove that line first")
    owner = _account_of(keys_file)
    home = keys_file.parent.parent if keys_file.parent.name == ".ssh" else keys_file.parent
    if not home.is_dir():  # (a mistyped ".shh" was made, and sshd never read the line)
        raise SshKeyError(f"no folder {home} for {keys_file}: check the path (a home's .ssh "
                          "is made, a mistyped path's folders are not)")
    keys_file.parent.mkdir(exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(keys_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            if existing and not existing[-1].endswith("\n"):
                handle.write("\n")
            handle.write(line + "\n")
        _give_to_account(owner, keys_file)
    except OSError as exc:
        raise SshKeyError(f"{keys_file}: {exc.strerror or exc}") from None
    return True


def _account_of(keys_file: Path) -> os.stat_result | None:
    """Whose keys file it is: the owner of the home its `.ssh` folder is in (else of the
    folder it is in), as sshd reads it; None: no such folder yet."""
    home = keys_file.parent.parent if keys_file.parent.name == ".ssh" else keys_file.parent
    try:
        return home.stat()
    except OSError:
        return None


def _give_to_account(owner: os.stat_result | None, keys_file: Path) -> None:
    """Root writing the file for the service's user left it (and `.ssh`) root's, mode 600:
    sshd, reading it as the user, refused every agent's key."""
    if owner is not None:  # the folder and the file alone: never what else .ssh holds
        give_back(owner, [keys_file.parent, keys_file] if keys_file.parent.name == ".ssh"
                  else [keys_file], within=False)


def remove_lines(keys_file: Path, agent: str) -> int:
    """Remove the lines omnitui wrote for `agent`; how many went."""
    existing = _lines(keys_file)
    kept = [line for line in existing if not line.rstrip().endswith(f" {MARK}{agent}")]
    if len(kept) == len(existing):
        return 0
    temporary = keys_file.with_name(keys_file.name + ".omnitui-new")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.writelines(kept)
        os.replace(temporary, keys_file)  # whole or not at all: sshd never reads half
        _give_to_account(_account_of(keys_file), keys_file)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SshKeyError(f"{keys_file}: {exc.strerror or exc}") from None
    return len(existing) - len(kept)


def _lines(keys_file: Path) -> list[str]:
    try:
        return keys_file.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SshKeyError(f"{keys_file}: {exc.strerror or exc}") from None


def _who(line: str) -> str:
    comment = line.rstrip().rsplit(" ", 1)[-1]
    return f"agent {comment[len(MARK):]}" if comment.startswith(MARK) else "a line of its own"


def refused_command() -> str:
    """What an agent asked ssh to run through their key (SSH_ORIGINAL_COMMAND), said as
    refused ("" when they asked for nothing): the key opens the console only."""
    asked = os.environ.get("SSH_ORIGINAL_COMMAND", "")
    if not asked:
        return ""
    from omnitui.sanitize import sanitize

    return (f"this key opens the omnitui console only; "
            f"{sanitize(asked[:80], multiline=False)!r} was not run")
