"""`omnitui init` writes the config a user names, as valid TOML, readable by its owner only;
the daemon's log is private too; `omnitui doctor` checks both."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import make_email, wait_for

EXAMPLE = Path(__file__).parents[2] / "omnitui" / "config.example.toml"


def default_log_path(store: Path) -> Path:
    return store.with_name(store.name + ".log")  # as the README says: <store>.log


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_valid_toml_for_any_store_path(omnitui: Run, home: Path,
                                                   tmp_path: Path) -> None:
    store = tmp_path / 'a "quoted" folder\\with a backslash' / "Ünïcødé 案件.db"
    result = omnitui("--db", str(store), "init")
    config = home / ".config/omnitui/config.toml"
    assert str(config) in result.stdout and store.exists()
    assert mode(config) == 0o600  # it can hold passwords
    assert tomllib.loads(config.read_text(encoding="utf-8"))["store"]["path"] == str(store)
    written = [line for line in config.read_text(encoding="utf-8").splitlines()
               if not line.startswith("path = ")]
    assert written == [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
                       if not line.startswith("path = ")]  # every comment kept
    assert "no cases match" in omnitui("cases").stdout  # the config leads to that store


def test_init_writes_the_config_it_is_given(omnitui: Run, tmp_path: Path) -> None:
    named = tmp_path / "etc/omnitui.toml"
    named.parent.mkdir()
    result = omnitui("--config", str(named), "--db", str(tmp_path / "a.db"), "init")
    assert f"config: {named}" in result.stdout and mode(named) == 0o600
    assert "ok   config: read" in omnitui("--config", str(named), "doctor").stdout
    from_env = tmp_path / "omnitui.toml"
    omnitui("--db", str(tmp_path / "b.db"), "init", env={"OMNITUI_CONFIG": str(from_env)})
    assert tomllib.loads(from_env.read_text())["store"]["path"] == str(tmp_path / "b.db")
    assert (tmp_path / "b.db").exists()
    bad = tmp_path / "bad.toml"  # a store that cannot be made: no config naming it (a
    failed = omnitui("--config", str(bad), "--db", str(tmp_path), "init", check=False)
    assert failed.returncode == 1 and not bad.exists()  # second init kept that one)



def test_init_refuses_a_config_in_a_folder_that_does_not_exist(omnitui: Run, home: Path,
                                                                tmp_path: Path) -> None:
    """A typo in the folder (/etc/omnitiu/config.toml) made a new tree, and a store beside a
    config nobody would read. The default config's folder is still made (the first init)."""
    (tmp_path / "omnitui").mkdir()
    typo, store = tmp_path / "omnitiu" / "config.toml", tmp_path / "omnitui" / "s.db"
    refused = omnitui("--config", str(typo), "--db", str(store), "init", check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (f"usage error: --config {typo}: no folder {typo.parent}; check "
                              "the path, or create the folder first\n")
    from_env = omnitui("init", check=False, env={"OMNITUI_CONFIG": str(typo)})
    assert from_env.returncode == 2 and from_env.stderr.startswith(
        f"usage error: $OMNITUI_CONFIG {typo}: no folder {typo.parent};")
    assert not typo.parent.exists() and not store.exists() and not home.exists()
    default = home / ".config/omnitui/config.toml"
    omnitui("--config", str(default), "--db", str(store), "init")
    assert mode(default) == 0o600 and store.exists()

def test_init_keeps_an_existing_config_and_creates_its_store(omnitui: Run,
                                                              tmp_path: Path) -> None:
    config, store = tmp_path / "mine.toml", tmp_path / "mine.db"
    config.write_text(f'# my own settings\n[store]\npath = "{store}"\n')
    before = config.read_bytes()
    result = omnitui("--config", str(config), "init")
    assert "(kept as it was)" in result.stdout and store.exists()
    assert config.read_bytes() == before and result.stderr == ""
    other = omnitui("--config", str(config), "--db", str(tmp_path / "other.db"), "init")
    assert (tmp_path / "other.db").exists() and config.read_bytes() == before
    assert other.stderr == (f"note: {config} was kept; commands without --db will use the "
                            f"store {store}, not {tmp_path / 'other.db'}\n")
    again = omnitui("--config", str(config), "init", check=False)
    assert again.returncode == 1 and "--force" in again.stderr
    assert config.read_bytes() == before
    omnitui("--config", str(config), "init", "--force")  # the way to a fresh starter config
    assert "# my own settings" not in config.read_text()
    assert tomllib.loads(config.read_text())["store"]["path"] == str(store)
    config.write_text("this is [not toml\n")  # what --force is for: it stopped on it
    fixed = omnitui("--config", str(config), "--db", str(store), "init", "--force")
    assert "could not be read" in fixed.stderr and "a starter config replaces it" in fixed.stderr
    assert tomllib.loads(config.read_text())["store"]["path"] == str(store)


def test_init_by_root_in_the_services_folder_leaves_what_it_made_the_services(
        omnitui: Run, tmp_path: Path) -> None:
    """The guide's `sudo -u omnitui ... init`, run without `sudo -u`: config and store were
    root's, mode 600, and the service's user could read neither ("cannot write the store")."""
    if os.geteuid() != 0:
        pytest.skip("only root can give files to another user")
    folder = tmp_path / "srv"
    folder.mkdir()
    service = 65534  # nobody: the service's user here
    os.chown(folder, service, service)
    omnitui("--config", str(folder / "config.toml"), "--db", str(folder / "omnitui.db"), "init")
    made = sorted(p.name for p in folder.iterdir())
    assert made == ["config.toml", "omnitui.db"]
    assert {(p.stat().st_uid, p.stat().st_gid, mode(p)) for p in folder.iterdir()} == {
        (service, service, 0o600)}
    mine = tmp_path / "mine.db"  # root's own folder: root's
    omnitui("--db", str(mine), "init")
    assert mine.stat().st_uid == 0


WITHOUT_OVERRIDE = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="root without DAC override")


def without_override(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """omnitui as root without its right to read and write anyone's files, as a user."""
    return subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                           sys.executable, "-m", "omnitui", *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False)


@WITHOUT_OVERRIDE
def test_the_services_private_files_read_by_another_user_say_whose_they_are(
        omnitui: Run, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """An admin without `sudo -u` the service's user read "Invalid value for '--db': Path
    ... is not readable", and doctor, the command that says whose a file is, did not run."""
    config, db = tmp_path / "config.toml", tmp_path / "omnitui.db"
    omnitui("--config", str(config), "--db", str(db), "init")
    service = 65534
    for path in (config, db):
        os.chown(path, service, service)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return without_override(cli_env, *args)

    import pwd

    name = pwd.getpwuid(service).pw_name
    refused = run("--config", str(config), "cases")
    assert refused.returncode == 2 and refused.stderr == (
        f"configuration error: {config}: it belongs to {name}, and this user (root) may not "
        f"read it; run omnitui as {name}\n")
    listed = run("--db", str(db), "cases")
    assert listed.returncode == 1 and listed.stderr == (
        f"error: cannot write the store {db}: it belongs to {name}, and this user (root) may "
        f"not write it; run omnitui as {name}\n")
    doctor = run("--db", str(db), "doctor")
    assert doctor.returncode == 1 and "Invalid value" not in doctor.stderr
    assert f"FAIL store: {db} is not writable by this user (it belongs to {name})" \
        in doctor.stdout


@WITHOUT_OVERRIDE
def test_doctor_tells_its_owner_to_chmod_a_read_only_store(omnitui: Run, tmp_path: Path,
                                                          cli_env: dict[str, str]) -> None:
    """A store its owner made read-only (chmod 400) read "not writable by this user (it
    belongs to omnitui)", fix "chown omnitui ...": to the owner it had."""
    db = tmp_path / "omnitui.db"
    omnitui("--db", str(db), "init")
    db.chmod(0o400)
    doctor = without_override(cli_env, "--db", str(db), "doctor").stdout
    assert f"FAIL store: {db} is mode 400: not writable, even by its owner\n" \
        f"      fix: chmod 600 {db}*\n" in doctor and "chown" not in doctor


@WITHOUT_OVERRIDE
def test_a_config_its_owner_may_not_read_says_chmod_not_run_as_its_owner(
        omnitui: Run, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """A config its owner made unreadable (chmod 000) read "it belongs to root, and this
    user (root) may not read it; run omnitui as root": as it was run."""
    config = tmp_path / "config.toml"
    omnitui("--config", str(config), "--db", str(tmp_path / "s.db"), "init")
    config.chmod(0)
    refused = without_override(cli_env, "--config", str(config), "cases")
    assert refused.returncode == 2 and refused.stderr == (
        f"configuration error: {config}: it is mode 0: not readable, even by its owner; "
        f"chmod 600 {config}\n")


@WITHOUT_OVERRIDE
def test_an_import_run_as_root_leaves_nothing_the_service_cannot_take(
        omnitui: Run, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """Root's import beside the service's store left its lock files root's, mode 644, and
    every later import of the service's user was refused: "is being restored"; and its
    attachments folder root's, so the service could store no attachment after it."""
    mail = tmp_path / "a.eml"
    mail.write_bytes(make_email("ann@example.com", attachment=("photo.png", b"\x89PNG")))
    theirs = tmp_path / "srv"
    theirs.mkdir()
    omnitui("--db", str(theirs / "s.db"), "init")
    service = 65534
    for path in (theirs, theirs / "s.db"):
        os.chown(path, service, service)
    omnitui("--db", str(theirs / "s.db"), "import", str(mail))
    locks = sorted(theirs.glob("s.db.*lock"))
    assert [p.name for p in locks] == ["s.db.in-use.lock", "s.db.load.lock"]
    assert {p.stat().st_uid for p in locks} == {service}
    files = [theirs / "attachments", *(theirs / "attachments").rglob("*")]
    assert len(files) == 4 and {p.stat().st_uid for p in files} == {service}
    db = tmp_path / "mine.db"  # a store whose lock files another account made, as before
    omnitui("--db", str(db), "init")
    for name in ("mine.db.in-use.lock", "mine.db.load.lock"):
        (tmp_path / name).touch(mode=0o644)
        os.chown(tmp_path / name, service, service)
    done = without_override(cli_env, "--db", str(db), "import", str(mail))
    assert done.returncode == 0 and "1 imported" in done.stdout, done.stderr


def test_an_import_run_as_root_follows_no_link_the_service_planted(
        omnitui: Run, tmp_path: Path) -> None:
    """The service's user, who may write in its store's folder, pointed an attachment folder
    at another (/etc): root's import wrote the attachment there, and gave it away."""
    if os.geteuid() != 0:
        pytest.skip("only root can act as the service's user")
    mail = tmp_path / "a.eml"
    mail.write_bytes(make_email("ann@example.com", attachment=("photo.png", b"\x89PNG")))
    theirs, outside = tmp_path / "srv", tmp_path / "etc"
    outside.mkdir()
    theirs.mkdir()
    omnitui("--db", str(theirs / "s.db"), "init")
    service = 65534
    sha = hashlib.sha256(b"\x89PNG").hexdigest()
    link = theirs / "attachments" / sha[:2]
    link.parent.mkdir()
    link.symlink_to(outside)
    for path in (theirs, theirs / "s.db", link.parent, link):
        os.chown(path, service, service, follow_symlinks=False)
    done = omnitui("--db", str(theirs / "s.db"), "import", str(mail), check=False)
    assert done.returncode == 1 and done.stderr == (
        f"error: {link} is a link (to {outside}), not followed: whoever may write in "
        f"{link.parent} could point it anywhere. Remove it (rm '{link}') and run again\n")
    assert list(outside.iterdir()) == []


def test_a_daemon_run_as_root_leaves_its_log_the_services(omnitui: Run, tmp_path: Path,
                                                        cli_env: dict[str, str]) -> None:
    """Root's `omnitui serve` on the service's store (to look at it) left the log root's,
    mode 600: the service then stopped at its start, "omnitui.db.log: Permission denied"."""
    if os.geteuid() != 0:
        pytest.skip("only root can give files to another user")
    theirs = tmp_path / "srv"
    theirs.mkdir()
    omnitui("--db", str(theirs / "s.db"), "init")
    service = 65534
    for path in (theirs, theirs / "s.db"):
        os.chown(path, service, service)
    log = theirs / "s.db.log"
    serve = subprocess.Popen([sys.executable, "-m", "omnitui", "--db", str(theirs / "s.db"),
                              "serve"], env=cli_env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: log.exists() and "serving" in log.read_text(), 30)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.communicate(timeout=60)
    assert (log.stat().st_uid, mode(log)) == (service, 0o600)


def test_a_daemon_run_as_root_follows_no_log_link_the_service_planted(
        omnitui: Run, tmp_path: Path) -> None:
    """The service's user put a link in its log's place: root's `omnitui serve` made the
    file it named mode 600, then appended its log to it (/etc/passwd)."""
    if os.geteuid() != 0:
        pytest.skip("only root can act as the service's user")
    theirs = tmp_path / "srv"
    theirs.mkdir()
    omnitui("--db", str(theirs / "s.db"), "init")
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0\n")
    passwd.chmod(0o644)
    log = theirs / "s.db.log"
    log.symlink_to(passwd)
    for path in (theirs, theirs / "s.db", log):
        os.chown(path, 65534, 65534, follow_symlinks=False)
    refused = omnitui("--db", str(theirs / "s.db"), "serve", check=False)
    assert refused.returncode == 1 and refused.stderr == (
        f"error: {log} is a link (to {passwd}), not followed: whoever may write in {theirs} "
        f"could point it anywhere. Remove it (rm '{log}') and run again\n")
    assert (passwd.read_text(), mode(passwd), passwd.stat().st_uid) == ("root:x:0:0\n", 0o644, 0)


def test_doctor_finds_a_config_and_a_log_others_can_read(omnitui: Run,
                                                         tmp_path: Path) -> None:
    config, store = tmp_path / "c.toml", tmp_path / "s.db"
    config.write_text('[[mailboxes]]\nname = "support"\naddress = "support@example.com"\n'
                      'imap_host = "imap.example.com"\nusername = "support"\n'
                      'password = "hunter2"\n')
    omnitui("--db", str(store), "init")
    log = default_log_path(store)
    log.write_text("2026-01-01T00:00:00Z INFO reply sent to +15551234567\n")
    log.chmod(0o640)
    config.chmod(0o644)
    result = omnitui("--config", str(config), "--db", str(store), "doctor", check=False)
    assert result.returncode == 1
    assert "FAIL config permissions" in result.stdout and f"fix: chmod 600 {config}\n" \
        in result.stdout
    assert "FAIL log permissions" in result.stdout and f"fix: chmod 600 {log}\n" \
        in result.stdout
    config.chmod(0o600)
    log.chmod(0o600)
    result = omnitui("--config", str(config), "--db", str(store), "doctor", check=False)
    assert "ok   config permissions" in result.stdout and "ok   log permissions" in result.stdout
    assert "FAIL daemon: never started" in result.stdout  # a mailbox and nothing fetching it
    # its password in the environment instead, the config holds no secret: others may read
    config.write_text(config.read_text().replace('password = "hunter2"',
                                                 'password_env = "SUPPORT_PASSWORD"'))
    config.chmod(0o644)
    result = omnitui("--config", str(config), "--db", str(store), "doctor", check=False)
    assert f"ok   config permissions: {config} holds no password or token (they come from " \
        "the environment), so others may read it" in result.stdout
    config.chmod(0o666)  # ...but not change: it names commands run as the agent
    result = omnitui("--config", str(config), "--db", str(store), "doctor", check=False)
    assert "FAIL config permissions" in result.stdout and "other users can change it" in \
        result.stdout and f"fix: chmod 644 {config}\n" in result.stdout


def run_serve(cli_env: dict[str, str], store: Path, log: Path | None = None) -> str:
    """`omnitui serve` on `store` until its log shows it started, then SIGTERM; its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "omnitui", "--db", str(store), "serve",
         *(["--log-file", str(log)] if log else [])], env=cli_env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = log or default_log_path(store)
    try:
        assert wait_for(lambda: process.poll() is not None or (
            log.exists() and "omnitui.daemon" in log.read_text()), 30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def test_serve_keeps_its_log_private(omnitui: Run, cli_env: dict[str, str],
                                     tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    omnitui("--db", str(store), "init")
    new_log = tmp_path / "logs/omnitui.log"
    new_log.parent.mkdir()
    run_serve(cli_env, store, new_log)
    assert mode(new_log) == 0o600
    old_log = default_log_path(store)  # written 0644 by an older omnitui
    old_log.write_text("2026-01-01T00:00:00Z INFO old line\n")
    old_log.chmod(0o644)
    err = run_serve(cli_env, store)
    assert mode(old_log) == 0o600
    assert f"{old_log} was mode 644, readable by other users; it is 600 now" in err
    assert old_log.read_text().startswith("2026-01-01T00:00:00Z INFO old line\n")


def test_a_log_file_that_is_a_folder_or_in_no_folder_is_refused_untouched(
        omnitui: Run, tmp_path: Path) -> None:
    """`--log-file /srv/omnitui` made the service's folder mode 600 before failing on it; a
    mistyped folder was created."""
    store = tmp_path / "s.db"
    omnitui("--db", str(store), "init")
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    refused = omnitui("--db", str(store), "serve", "--log-file", str(folder), check=False)
    assert refused.returncode == 2 and "is not a file (a folder?)" in refused.stderr
    assert mode(folder) == 0o755
    typo = tmp_path / "lgos" / "omnitui.log"
    refused = omnitui("--db", str(store), "serve", "--log-file", str(typo), check=False)
    assert refused.returncode == 2 and f"no folder {typo.parent}" in refused.stderr
    assert not typo.parent.exists()
