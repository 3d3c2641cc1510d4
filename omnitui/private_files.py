"""Files only their owner may read: the store, the config (it can hold passwords) and the
daemon's log (reply text, phone numbers). Python creates files with the umask's mode, 0644 on
most systems, so these are created 0600 before anything is written to them; and what root
writes for the service's user is given to that user (`give_back`)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from omnitui.errors import OmnituiError
from omnitui.sanitize import sanitize

PRIVATE = 0o600
NEW = os.O_CREAT | os.O_EXCL


class PlantedLink(OmnituiError):
    """A link where omnitui makes or writes a file of its own beside a store (an attachment
    folder, a lock file): whoever may write in the store's folder could have pointed it
    anywhere, and root, following it, would write or chown a file there."""


def planted_link(path: Path, *, hint: str = "") -> PlantedLink:
    """The refusal for a link at `path` (never followed), with what to do about it (and
    `hint`: what else)."""
    try:
        target = sanitize(os.readlink(path), multiline=False)
    except OSError:
        target = "?"
    return PlantedLink(f"{path} is a link (to {target}), not followed: whoever may write in "
                       f"{path.parent} could point it anywhere. Remove it (rm '{path}') and "
                       f"run again{hint}")


def create_private(path: Path) -> None:
    """Create `path` empty, mode 0600 (and its missing folders, 0700), unless it exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE)
    except FileExistsError:
        return
    os.close(fd)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, which ends up mode 0600 whatever mode it had before."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    os.fchmod(fd, PRIVATE)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


def loose_mode(path: Path) -> int | None:
    """The file's mode if its group or other users have any access to it, else None."""
    mode = stat.S_IMODE(path.stat().st_mode)
    return mode if mode & 0o077 else None


def keep_private(path: Path) -> int | None:
    """Create `path` mode 0600 unless it exists (its folder owner's if root made it), and
    make it 0600 if its group or other users have access: its old mode if so. Never through
    a link (`opened_own`): a log beside the service's store made root chmod, then append to,
    the file the service's user pointed it at."""
    fd, made = opened_own(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK, PRIVATE)
    try:
        if made:
            give_to_its_folder(path, opened=fd)
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if not mode & 0o077:
            return None
        os.fchmod(fd, PRIVATE)
        return mode
    finally:
        os.close(fd)


def opened_own(path: Path, flags: int, mode: int) -> tuple[int, bool]:
    """`path` opened with `flags`, made (`mode`) if missing, and whether it was; never
    through a link: whoever may write in the service's folder could point one at any file
    for root to make, append to or give away there (PlantedLink)."""
    try:
        try:
            return os.open(path, flags | NEW | os.O_NOFOLLOW | os.O_CLOEXEC, mode), True
        except FileExistsError:
            return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC), False
    except OSError as exc:
        if exc.errno == errno.ELOOP and path.is_symlink():
            raise planted_link(path) from None
        raise


def give_back(owner: os.stat_result, paths: list[Path], *, within: bool = True) -> None:
    """What root wrote for a service's user belongs to that user (`owner`: the stat of what
    it owns), folders with all they hold unless `within` is False: root restoring a store
    left it root's, and root writing an authorized_keys file locked every agent out (sshd
    reads it as the user). Links are never followed nor changed: the user could point one
    at /etc/shadow and have root give it away; nor is a file with another name (a hard link
    to /etc/shadow is one). Inside a folder, each name is looked at and changed relative to
    its folder, held open (os.fwalk): by a path, the user could swap a folder on it for a
    link between the look and the change. Files a user writes are theirs already."""
    if os.geteuid() != 0:
        return
    for path in paths:
        _give(owner, path)
        if within and path.is_dir() and not path.is_symlink():
            for _, folders, files, folder in os.fwalk(path, follow_symlinks=False):
                for name in [*folders, *files]:
                    _give(owner, name, folder)


def _give(owner: os.stat_result, file: Path | str | int, folder: int | None = None) -> None:
    """give_back for one name (in the folder open at `folder`, if given), or for a file
    this process opened without following a link (its descriptor)."""
    where = {} if isinstance(file, int) else {"dir_fd": folder, "follow_symlinks": False}
    try:
        found = os.stat(file, **where)
    except FileNotFoundError:
        return
    linked = stat.S_ISLNK(found.st_mode) or (
        found.st_nlink > 1 and not stat.S_ISDIR(found.st_mode))
    if not linked and (found.st_uid, found.st_gid) != (owner.st_uid, owner.st_gid):
        os.chown(file, owner.st_uid, owner.st_gid, **where)


def give_opened(owner: os.stat_result, fd: int) -> None:
    """give_back for a file or folder this process opened at `fd` without following a link:
    what changes hands is what was opened, whatever is renamed or linked in its path since."""
    _give(owner, fd)


def give_to_its_folder(path: Path, *, opened: int | None = None) -> None:
    """A file root just made (a store, a config, a log, a lock file) is its folder's
    owner's: root's command run in the service's folder (`sudo -u` forgotten) left it
    root's, and the service could not use it after. `opened`: the file, still open, is
    given itself (by then the service's user could have put a link in its name's place)."""
    if os.geteuid() == 0:
        owner = path.absolute().parent.stat()
        if opened is None:
            give_back(owner, [path], within=False)
        else:
            give_opened(owner, opened)


def user_name(uid: int) -> str:
    """An account's login name, else its number (a container's bare uid)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
