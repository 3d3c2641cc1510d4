"""The `omnitui` command: usable by people (rich tables, progress bars) and by scripts
(--format json|csv, exit codes: 0 ok, 1 an expected failure with a one-line reason, 2 usage or
configuration error).

Start-up is part of the product (scripts call it in loops): each command imports what it uses
when it runs, and this module and cli_actions do without `from __future__ import annotations`,
whose string annotations typer would compile one by one on every start (25 ms for the 31
commands, against 13 evaluated at import)."""

import codecs
import errno
import getpass
import io
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from copy import copy
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer.main import get_command_name
from typer.models import CommandInfo, TyperInfo

from omnitui.choices import Format, GroupBy, ListFormat, Sort
from omnitui.errors import OmnituiError, Refused, UsageError
from omnitui.records import record

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="omnitui: a terminal-first omnichannel helpdesk.")


if TYPE_CHECKING:
    from datetime import date, datetime, tzinfo

    from omnitui.channels.email.sources import MailFile, Skipped
    from omnitui.config import Settings
    from omnitui.filters import Narrowing
    from omnitui.services.desk import Desk
    from omnitui.store.customers import IdentityRow
    from omnitui.store.db import Store

T = TypeVar("T")


def say(text: str) -> None:
    """One line on stderr for an error or a notice: never wrapped (a pipe or a log reads it
    whole), and without control characters from outside text (file names, server replies)."""
    from omnitui.sanitize import sanitize

    sys.stderr.write(sanitize(text, multiline=False) + "\n")


def escape_what_the_locale_cannot_show() -> None:
    """A terminal whose locale cannot show every character (Latin-1, or C where Python's
    UTF-8 mode is off) gets those as \\uXXXX escapes, as Python's stderr and the console show
    them: printing a customer's name in Japanese there ended in a UnicodeEncodeError
    traceback instead of the case."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and not writes_utf8(stream):
            stream.reconfigure(errors="backslashreplace")


def writes_utf8(stream: io.TextIOBase) -> bool:
    """Whether `stream` can write any character (its encoding is UTF-8, whatever its name)."""
    return codecs.lookup(stream.encoding).name == "utf-8"


def checked_agent_name(name: str, where: str) -> str:
    """`name` if it can be an agent's (`agent_names.RULE`); else a usage error naming
    `where` it was given (an option, an argument)."""
    from omnitui.agent_names import RULE, is_agent_name

    if not is_agent_name(name):
        raise UsageError(f"{where} {name!r} cannot be an agent's name: {RULE}")
    return name


def named_agent(value: str | None) -> str | None:
    """The callback of every `--agent` option: an empty or blank name is a usage error
    (`--agent ""`, an unset variable in a script, acted as the login name)."""
    if value is not None and not value.strip():
        blank = "empty" if not value else "only spaces"  # (its repr was cut to "' '")
        raise typer.BadParameter(f"the name is {blank}: give an agent's name, or leave the "
                                 "option out")
    return value


def is_demo_store(path: Path) -> bool:
    """Whether `omnitui demo` built the store (it says so in store_info); read-only, and
    False for anything else: no file, an older schema, not a store at all."""
    from omnitui.store import info

    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return info.get(conn, "demo") == "1"
    except sqlite3.Error:
        return False


@record
class Context:
    """What the options say, with the config read at the first question: `--help` and a
    usage error on a command need no config (importing and checking it is ~60 ms)."""

    config_option: Path | None
    db_option: Path | None
    agent_option: str | None
    config_missing_ok: bool = False  # `init` writes it

    @cached_property
    def settings(self) -> "Settings":
        from omnitui.config import load_settings

        return load_settings(self.config_option, missing_ok=self.config_missing_ok)

    @cached_property
    def agent(self) -> str:
        """Who this session acts as. A name no agent can have is a usage error (terminal
        escapes reached the audit log)."""
        name = self.agent_option or self.settings.console.agent
        if not name:
            return _login_name()
        return checked_agent_name(name, "--agent" if self.agent_option else "[console] agent")

    @property
    def zone(self) -> "tzinfo | None":
        """The zone this session's agent reads and types times in (`Settings.agent_zone`),
        once the store is known: a demo store brings its team's business hours (a snooze
        typed before that was read in the machine's UTC)."""
        _ = self.existing_db_path
        return self.settings.agent_zone(self.agent)

    @property
    def db_path(self) -> Path:
        """The store to create or write into (`init`, `import`)."""
        from omnitui.config import store_path

        return store_path(self.settings, self.db_option)

    @cached_property
    def existing_db_path(self) -> Path:
        """The store to open (every other command); said on stderr when it is the demo's."""
        from omnitui.config import existing_store_path

        path, fallback = existing_store_path(self.settings, self.db_option)
        if fallback:
            say(f"using the demo store {path} (`omnitui init` creates your own store)")
        self._demo_team_of(path, fallback)
        return path

    def _demo_team_of(self, path: Path, demo: bool = False) -> None:
        """The demo store's team and hours, where the config has none: mail imported into
        it was filed under none, its clocks counting 24x7 against the demo's hours."""
        if demo or is_demo_store(path):
            from omnitui.demo_team import with_demo_team

            self.settings = with_demo_team(self.settings)

    def open_store(self, path: Path | None = None, *, must_exist: bool = True,
                   new_folder: bool = True, dry_run: bool = False) -> "Store":
        """The store at `path` (default: --db, the config's, the demo's). Not `must_exist`:
        created if missing, and its folder too unless `new_folder` is False (an import:
        a mistyped --db made folders and a store nobody asked for). `dry_run`: a command
        that changes nothing neither upgrades an older store (it is refused, a usage error)
        nor puts the config's agents on the team."""
        from omnitui.config import attachments_dir
        from omnitui.services.holidays import recall as recall_holidays
        from omnitui.store.db import Store

        path = path or (self.existing_db_path if must_exist else self.db_path)
        if must_exist and not path.exists():
            raise OmnituiError(f"no store at {path}; create one with `omnitui init` or try "
                            "`omnitui demo`")
        if path.exists() and not path.is_file() and not path.is_dir():
            raise OmnituiError(f"{path} is not a file (a device, a pipe); pass the store's "
                               "file with --db")
        if must_exist and path.is_file() and path.stat().st_size == 0:  # a read made it a
            raise OmnituiError(f"{path} is empty, not a store: pass the store's file with "
                               "--db (`omnitui init` makes one)")  # store, readable by all
        if not must_exist:
            if not new_folder and self.db_option is not None:
                in_a_folder(path)
            self._demo_team_of(path)
        store = Store(path, attachments_dir=attachments_dir(self.settings, path),
                      migrate=not dry_run)
        if dry_run:
            _upgraded_already(store)
        recall_holidays(store.conn, self.settings)  # SLA in business time without the package
        if must_exist and not dry_run:  # before a console or the daemon had run, a
            self._team_from_config(store)  # command knew none of the config's agents: "no
            # agent 'bob'", and `assign --to bobb` gave a case to nobody on the team
        if self.agent_option:  # "--agent alcie cases --owner me" listed nothing, exit 0
            try:
                self.on_the_team(store, self.agent)
            except BaseException:
                store.close()
                raise
        return store

    def _team_from_config(self, store: "Store") -> None:
        """The config's `[[agents]]` onto the store's agents table when some are not on it
        yet (a store that cannot be written is only read). Changed skills or capacity wait
        for a console, the daemon or `omnitui agents`: routing reads them there."""
        from omnitui.store.agents import agents

        if {agent.name for agent in self.settings.agents} <= {
                agent.name for agent in agents(store.conn)}:
            return  # as almost always: the routing layer is not loaded for a name check
        from omnitui.services.routing import apply_agents
        from omnitui.store.db import STORE_ERRORS, utc_now

        with suppress(*STORE_ERRORS):
            apply_agents(store, self.settings, utc_now())

    def act(self, action: "Callable[[Desk], T]", *, admin: bool = False,
            dry_run: bool = False) -> T:
        """Run an action through the Desk, recorded as this session's agent (`admin`: the
        server's, see `on_the_team`; `dry_run`: see `open_store`)."""
        agent = self.agent  # a name no agent can have is refused before the store opens
        with self.open_store(dry_run=dry_run) as store:
            return action(self.desk_on(store, agent, admin=admin))

    def desk_on(self, store: "Store", agent: str | None = None, *,
                admin: bool = False) -> "Desk":
        """The Desk this session acts through on an open store, as its agent (checked to
        be on the team)."""
        from omnitui.services.desk import Desk

        agent = agent or self.agent
        self.on_the_team(store, agent, admin=admin)
        return Desk(store, agent, self.settings)

    def on_the_team(self, store: "Store", agent: str, *, admin: bool = False) -> None:
        """A name given (`--agent`, `[console] agent`) that is not on a team that has agents
        (in the store, or the config's `[[agents]]` a console puts there) is a usage error:
        a typo ("alcie") acted as a new person, who claimed and solved cases nobody on the
        team saw and showed up in `agents`; a console under it put it on the team. So is
        the login name by default, except on the demo's store (anyone may try it): root
        opening a console on the server became a routable agent. The server's own work
        (`admin`: the team's roster, the SLA's repair, another system's event) is whoever
        may write the store, so the login name does it under its own name. A team that has
        not set up its agents may act as anyone."""
        from omnitui.closest import closest
        from omnitui.store import info
        from omnitui.store.agents import agents

        given = self.agent_option or self.settings.console.agent
        team = sorted({*(a.name for a in agents(store.conn)),
                       *(a.name for a in self.settings.agents)})
        if not team or agent in team:
            return
        if not given:
            if admin or info.get(store.conn, "demo") == "1":
                return
            raise UsageError(f"you ({agent}) are not on the team ({', '.join(team)}): act as "
                             "one of them with --agent NAME (or [console] agent in the "
                             f"config), or `omnitui agents add {agent}` puts you on it")
        close = closest(agent, team)
        where = "--agent" if self.agent_option else "[console] agent"
        hint = f"did you mean {close}?" if close else f"the team: {', '.join(team)}"
        raise UsageError(f"{where} {agent!r} is not on the team ({hint}); `omnitui agents "
                         f"add {agent}` puts them on it")


def _upgraded_already(store: "Store") -> None:
    """A dry run reads only a store of this version's schema: opening an older one upgrades
    it, a change no dry run may make (the replay reads what the upgrade adds)."""
    from omnitui.store.health import schema_version
    from omnitui.store.schema import SCHEMA_VERSION

    if (version := schema_version(store.conn)) < SCHEMA_VERSION:
        store.close()
        raise UsageError(
            f"{store.path} is at schema version {version} and this omnitui's is "
            f"{SCHEMA_VERSION}: a dry run changes nothing, so it does not upgrade it. Back it "
            "up (`omnitui backup DIR`), then any other command upgrades it (the daemon's "
            "start, `omnitui cases`): docs/deployment.md, Upgrading omnitui")


def ctx(typer_ctx: typer.Context) -> Context:
    return typer_ctx.obj


@app.callback(invoke_without_command=True)
def main_options(
    typer_ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(
        "--config", envvar="OMNITUI_CONFIG", help="Config file (TOML).",
        readable=False)] = None,
    db: Annotated[Path | None, typer.Option(
        "--db", envvar="OMNITUI_DB", help="Store file (SQLite).", readable=False)] = None,
    agent: Annotated[str | None, typer.Option(
        "--agent", help="The agent this session acts as.", callback=named_agent)] = None,
    supervisor: Annotated[bool, typer.Option(
        "--supervisor", help="Open the console on the supervisor's board (F3).")] = False,
) -> None:
    typer_ctx.obj = Context(config, db, agent,
                            config_missing_ok=typer_ctx.invoked_subcommand == "init")
    if typer_ctx.invoked_subcommand is None:
        # An agent's key runs this console whatever they asked ssh for: never run that, and
        # say so (the console says it again: this line is behind its screen)
        from omnitui.ssh_keys import refused_command

        if refused := refused_command():
            say(refused)
        console(typer_ctx.obj, typer_ctx.obj.existing_db_path, board=supervisor)
        if refused:  # no terminal, so no console: a script learns its command did not run
            raise typer.Exit(1)
    elif supervisor:
        raise typer.BadParameter("--supervisor opens the console: give it without a command",
                                 param_hint="--supervisor")


CASE_ID = re.compile(r"#?(\d{1,18})")  # 12 or #12, as the console writes it


def case_id_of(word: str, what: str = "case") -> int:
    """A case id (or a `what` id: a message's) as written on the command line; anything
    else is a usage error."""
    if (found := CASE_ID.fullmatch(word.strip())) is None:
        raise typer.BadParameter(f"{word!r} is not a {what} id (12 or #12)")
    return int(found[1])


CaseId = Annotated[int, typer.Argument(metavar="ID", parser=case_id_of, show_default=False)]


def since_day(text: str | None, zone: "tzinfo | None") -> str | None:
    """A --since date as stored times compare with it: its midnight in `zone` (the agent's,
    in which the command shows times; None: this machine's), in UTC; a usage error
    otherwise. (UTC's midnight left out the first hour of a Berlin day that `history`
    showed in CET, and `report` counts.)"""
    from datetime import datetime, time

    from omnitui.store.db import db_time

    if text is None:
        return None
    return db_time(datetime.combine(_day(text, "--since"), time(), zone))


def history_cutoff(text: str | None) -> "datetime | None":
    """`import --history-before`: a date (its midnight, UTC), `none` (no history: every
    conversation an open case), or by default 30 days ago; a usage error otherwise."""
    from datetime import UTC, datetime, time

    from omnitui.services.archive import default_cutoff

    if text is None:
        return default_cutoff(datetime.now(UTC))
    if text.strip().lower() == "none":
        return None
    day = _day(text, "--history-before", ", nor none")
    if day > datetime.now(UTC).date():
        raise UsageError(f"--history-before {text!r} is in the future: every conversation "
                         "would be filed as solved history")
    return datetime.combine(day, time(), UTC)


def _day(text: str, option: str, other: str = "") -> "date":
    """A YYYY-MM-DD option's day; a usage error for what is not one, or is one no store
    time can be near (0001-01-01 and 9999-12-31 were tracebacks: a day's midnight in a zone
    east of UTC, or the 30 days before it, fell off the calendar)."""
    from datetime import date

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date such as 2026-11-30{other}"
                         ) from None
    if not FIRST_DAY <= day.year <= LAST_DAY:
        raise UsageError(f"{option} {text!r} is out of range: a day of the years "
                         f"{FIRST_DAY} to {LAST_DAY}")
    return day


FIRST_DAY, LAST_DAY = 1900, 9998  # the years a date option takes


def story_end(text: str | None) -> "datetime | None":
    """`demo --until`: a past moment (UTC unless it names its offset); a usage error
    otherwise."""
    from datetime import UTC, datetime

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--until {text!r} is not a time such as 2026-12-02 15:00") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        raise UsageError(f"--until {text!r} is in the future: the demo's story ends by now")
    return moment.astimezone(UTC)


def _login_name() -> str:
    """This account's name; an account without one (a container's bare uid) is its uid,
    `uid-1000`: its admin work was audited as "agent", someone nobody could find."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"


def summary(context: Context, path: Path) -> None:
    """The store at a glance, for `demo --no-console` and for scripts."""
    from omnitui import output

    with context.open_store(path) as store:
        output.print_summary(store.conn, path)


def cannot_draw_the_console() -> str:
    """Why this terminal cannot show the console ("": it can). One that only prints lines
    (TERM=dumb) showed its escapes as garbage, with no way out in sight; one whose locale is
    not UTF-8 (Latin-1), its box drawing as \\u2502."""
    from omnitui.output import dumb_terminal

    if dumb_terminal():
        return f"TERM is {os.environ['TERM']}"
    drawn_on = sys.__stderr__  # what Textual draws on
    if drawn_on is not None and not writes_utf8(drawn_on):
        return f"this locale writes {drawn_on.encoding}, not UTF-8"
    return ""


def console(context: Context, path: Path, *, last: bool = True, board: bool = False,
            stand_in: str = "") -> None:
    """The full-screen console on the store; without a terminal, or on one that only prints
    lines or not in UTF-8, the summary instead.
    `last`: nothing follows it in this process, which then ends at once; `board`: open on
    the supervisor's board; `stand_in`: what does the daemon's work (the demo's traffic)."""
    from omnitui.tui.app import run_console
    from omnitui.wording import NO_CONSOLE_HERE

    with context.open_store(path) as store:  # a missing or newer store fails here, in one
        context.on_the_team(store, context.agent)  # line, and so does a stranger's name
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        summary(context, path)
        return
    if cannot := cannot_draw_the_console():
        say(NO_CONSOLE_HERE.format(cannot=cannot))
        summary(context, path)
        return

    if status := run_console(path, context.settings, context.agent, board=board,
                             stand_in=stand_in):
        raise typer.Exit(status)  # the console ended on a bug: say so to the shell
    if last:
        # The store is closed and the agent's draft saved; freeing a million-case list and
        # every widget one by one would keep the prompt away for another 0.2 s.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@app.command()
def init(typer_ctx: typer.Context,
         force: Annotated[bool, typer.Option(help="Overwrite an existing config.")] = False,
         ) -> None:
    """Write a starter config (to --config or $OMNITUI_CONFIG if given) and create the store
    it names. An existing config is kept as it is; --force writes a new one over it."""
    from omnitui.config import ConfigError, config_file, starter_config, store_path
    from omnitui.private_files import give_to_its_folder, write_private

    context = ctx(typer_ctx)
    target, named = config_file(context.config_option)
    if named:
        _check_config_folder(typer_ctx, target)
    if force and target.exists():  # a broken config is what --force is for: it stopped
        try:  # the command that was to write a good one over it
            context.settings  # noqa: B018 -- read, or said unreadable
        except ConfigError as broken:
            from omnitui.config import Settings

            say(f"note: {target} could not be read ({broken}); a starter config replaces it")
            context.settings = Settings()
    store = context.db_path
    keep = target.exists() and not force
    if keep and store.exists():
        raise OmnituiError(f"{target} and its store {store} exist already; --force writes a "
                        "starter config over the old one")
    new_store = not store.exists()
    with context.open_store(store, must_exist=False) as made:  # first: a store that
        # cannot be made left a config naming it, which a second init then kept
        from omnitui.services.sla_applied import mark_if_nothing_to_repair

        with made.write() as conn:  # its clocks follow this config's SLA
            mark_if_nothing_to_repair(conn, context.settings)
    if not keep:  # readable by its owner only: it can hold passwords
        write_private(target, starter_config(store.absolute()))
    # root's init in the service's folder (sudo -u forgotten) left both root's, mode 600:
    # the service's user could read neither; what init made is its folder owner's
    for made_here, path in ((new_store, store), (not keep, target)):
        if made_here:
            give_to_its_folder(path)
    typer.echo(f"config: {target}{' (kept as it was)' if keep else ''}\nstore:  {store}")
    if keep and (named := store_path(context.settings, None)).resolve() != store.resolve():
        say(f"note: {target} was kept; commands without --db will use the store {named}, "
            f"not {store}")


def _check_config_folder(typer_ctx: typer.Context, target: Path) -> None:
    """A config named in a folder that does not exist is a typo (/etc/omnitiu/config.toml
    made a new tree, and the store beside a config nobody would read); the default one's
    folder is created, as a first `omnitui init` needs."""
    from omnitui.config import default_config_path

    if target.absolute() == default_config_path().absolute():
        return
    source = typer_ctx.parent.get_parameter_source("config") if typer_ctx.parent else None
    from_env = source is not None and source.name == "ENVIRONMENT"  # typer's own click
    _check_folder("$OMNITUI_CONFIG" if from_env else "--config", target)


@app.command()
def demo(typer_ctx: typer.Context,
         db: Annotated[Path | None, typer.Option("--db", help="Demo store file.")] = None,
         no_console: Annotated[bool, typer.Option(
             "--no-console", help="Print a summary instead of opening the console.")] = False,
         customers: Annotated[int, typer.Option(min=1, help="Customers.")] = 2000,
         messages: Annotated[int, typer.Option(
             min=1, help="Customer messages (agents' replies and answers to surveys come on "
                  "top).")] = 10000,
         days: Annotated[int, typer.Option(min=1, help="Days of history.")] = 30,
         seed: int = 7,
         rebuild: Annotated[bool, typer.Option(help="Start the demo store over.")] = False,
         static: Annotated[bool, typer.Option(
             "--static", help="No live traffic: the store stays as built.")] = False,
         pace: Annotated[float, typer.Option(
             min=0.5, help="Seconds between new customer messages, on average.")] = 5.0,
         until: Annotated[str | None, typer.Option(
             metavar="<time>", envvar="OMNITUI_DEMO_UNTIL",
             help="When the story ends (2026-12-02 15:00, UTC unless an offset is given; "
                  "default: now): with --seed, the same store every time.")] = None,
         ) -> None:
    """Build a realistic multi-channel demo store (or reuse it), then open the console on
    it, alive: customers write every few seconds through the real pipeline, the demo's team
    answers beside you (--static keeps it still)."""
    from omnitui import output
    from omnitui.config import default_demo_path
    from omnitui.demo import build_demo
    from omnitui.demo_team import with_demo_team
    from omnitui.store.queries import message_count

    end = story_end(until)
    context = ctx(typer_ctx)
    context.settings = with_demo_team(context.settings)
    path = db or context.db_option or default_demo_path()
    if path.exists() and path.stat().st_size and not is_demo_store(path):
        raise UsageError(f"{path} is not a demo store: `omnitui demo` fills a store of its "
                         "own with made-up customers (and --rebuild deletes it first); give "
                         "it another --db")
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with context.open_store(path, must_exist=False) as store:
        if message_count(store.conn):
            say(f"using the existing demo store {path} (--rebuild starts it over)")
        else:
            with output.progress("building the demo store", messages) as advance:
                build_demo(store, context.settings, customers=customers, messages=messages,
                           days=days, seed=seed, progress=advance, end=end)
    if no_console:
        summary(context, path)
    elif static or not (sys.stdin.isatty() and sys.stdout.isatty()):
        console(context, path, stand_in="demo: still (--static)")
    else:
        from omnitui.demo_live import STAND_IN, LiveDemo

        live = LiveDemo(path, context.settings, context.agent, pace=pace)
        live.start()
        try:
            console(context, path, last=False, stand_in=STAND_IN)
        finally:
            live.stop()


@app.command("import")
def import_(typer_ctx: typer.Context,
            paths: Annotated[list[Path], typer.Argument(
                metavar="PATH...", readable=False,  # one it cannot read: said by the import
                help="mbox files, Maildir folders, .eml files, or folders of them.")],
            history_before: Annotated[str | None, typer.Option(
                "--history-before", metavar="YYYY-MM-DD|none",
                help="Conversations with no message since this day are filed as solved "
                     "history, not as open cases late by months (default: 30 days ago; none: "
                     "every conversation an open case).", show_default=False)] = None,
            ) -> None:
    """Import mail through the ingest pipeline; importing the same mail again adds nothing.
    Old conversations become solved history; the recent ones, the team's open cases."""
    from itertools import chain

    from omnitui import output
    from omnitui.channels.email.sources import BOOKKEEPING, iter_mail_files, mail_size

    context = ctx(typer_ctx)
    cutoff = history_cutoff(history_before)
    skipped: list[tuple[str, str]] = []  # counted and named in the summary

    def skip(source: str, why: str) -> None:
        if why != BOOKKEEPING:  # a Maildir's index files, said on every import, are noise
            skipped.append((source, why))  # (named where no mail is found at all)

    mail = iter_mail_files(paths, skip)  # a mistyped path fails here, before a store is made
    context.settings  # noqa: B018 -- then a wrong config (a queue no queue has), then
    first = next(mail, None)  # a folder without mail, or with empty mailboxes only
    not_mail: list[str] = []  # said once the progress bar is gone
    counts = dict.fromkeys(("imported", "duplicates", "with_errors"), 0)
    if first is not None:  # (a refused run left an empty store behind)
        counts = _import_into_store(context, chain([first], mail), mail_size(paths), cutoff,
                                    not_mail, skip)
    typer.echo(output.import_report(counts, cutoff, skipped))
    if not counts["imported"] + counts["duplicates"] and (skipped or not_mail):  # (a
        # folder of empty .eml files said "0 imported", exit 0; an empty Maildir, a mailbox
        # with nothing new in it, is no mistake)
        raise Refused(f"nothing imported: no mail found in {', '.join(map(str, paths))} "
                      "(what was skipped is named above)")
    if not_mail:  # a refusal, as every command's: exit 1
        raise typer.Exit(1)


def _import_into_store(context: Context, mail: "Iterator[MailFile]", total: int,
                       cutoff: "datetime | None", not_mail: list[str],
                       skip: "Skipped") -> dict[str, int]:
    """`omnitui import`'s run on the store (made for it if missing): its counts; the mail
    refused as not mail is said once the progress bar is gone, and kept in `not_mail`."""
    from omnitui import output
    from omnitui.importer import import_mail

    if not (path := context.db_path).exists():  # every other command refuses a missing
        say(f"note: no store at {path}: a new one is made for this import")  # store: a
        # mistyped --db filed the mail into a stray one without a word
    try:
        with context.open_store(must_exist=False, new_folder=False) as store, \
                in_use(store.path), \
                output.import_progress(total) as progress:
            return import_mail(store, context.settings, mail, progress=progress,
                               history_before=cutoff, refused=lambda source, why:
                               not_mail.append(f"skipped {source}: not mail ({why})"),
                               skipped=skip)
    except KeyboardInterrupt:
        say("interrupted: the messages filed so far are kept; the same import again files "
            "the rest (what is stored already is skipped)")
        raise
    finally:  # (an interrupted or failed import refused them too)
        for line in not_mail:
            say(line)


@contextmanager
def in_use(path: Path) -> Iterator[None]:
    """Hold the store's in-use lock (file_lock.in_use_path) while a long job writes it."""
    from omnitui.file_lock import in_use_path, share

    handle = share(lock := in_use_path(path))
    if handle is None:
        raise Refused(f"{path} is being restored, or {lock} cannot be made; try again in a "
                      "moment")
    with closing(handle):
        yield


def _statuses(values: list[str] | None) -> list[str] | None:
    """--status values as the console reads them (`on hold`, `on-hold`); one that names no
    status is a usage error, never a silently empty list."""
    from omnitui.filters import STATUSES, status_named

    statuses = []
    for value in values or ():
        if (status := status_named(value)) is None:
            raise typer.BadParameter(f"no status {value!r}; the statuses are "
                                     f"{', '.join(STATUSES)}")
        statuses.append(status)
    return statuses or None


LIST_LIMIT = 50  # cases `omnitui cases` lists unless told
MOST = 10**9  # a --limit's most: more rows than any store holds, and within SQLite's integers


@app.command()
def cases(typer_ctx: typer.Context,
          status: Annotated[list[str] | None, typer.Option(
              help="Status to show (repeatable); default: every unsolved status.",
              callback=_statuses)] = None,
          queue: str | None = None,
          owner: Annotated[str | None, typer.Option(
              help="An agent, me, or none (unassigned).")] = None,
          channel: str | None = None,
          customer: Annotated[int | None, typer.Option(help="Customer id.")] = None,
          search: Annotated[str | None, typer.Option(
              help="Words to find, and the console's filters (status:on_hold owner:me "
                   "intent:billing lang:de is:irritated age:>4h tier:vip tag:refund ...).")] = None,
          intent: Annotated[str | None, typer.Option(
              help="What the customer wants (an [[intents]] name).")] = None,
          lang: Annotated[str | None, typer.Option(
              help="The language the customer last wrote in (de, fr...).")] = None,
          irritated: Annotated[bool, typer.Option(
              "--irritated", help="Only cases whose customer's latest message reads "
                                  "irritated.")] = False,
          sort: Annotated[Sort, typer.Option()] = Sort.priority,
          limit: Annotated[int | None, typer.Option(
              min=1, max=MOST, help=f"At most this many (default: {LIST_LIMIT}, and every one with "
                          "--format ids).")] = None,
          all_: Annotated[bool, typer.Option(
              "--all", help="Every status, snoozed cases too.")] = False,
          snoozed: Annotated[bool, typer.Option(
              "--snoozed", help="Only the cases snoozed (the others hide them until they "
                                "come back).")] = False,
          fmt: Annotated[ListFormat, typer.Option(
              "--format", help="table, json, csv, or ids (one a line, for piping into an "
                               "action).")] = ListFormat.table,
          ) -> None:
    """List cases, highest priority first; a case snoozed into the future is hidden until it
    comes back (--snoozed lists those, --all everything)."""
    from omnitui import output
    from omnitui.model import Status
    from omnitui.services.sla import SlaKeeper
    from omnitui.store.customers import customer_exists
    from omnitui.store.queries import CaseQuery, count_cases, list_cases

    context = ctx(typer_ctx)
    context.existing_db_path  # noqa: B018 -- the demo store brings its team's intents
    with context.open_store() as store:
        if customer is not None and not customer_exists(store.conn, customer):
            raise UsageError(f"--customer {customer}: there is no customer #{customer} (or it "
                             "was merged into another)")  # not "no cases match", exit 0
        searched = searched_for(store.conn, context, search)
        narrowed = searched.changes | filter_options(store.conn, context, [
            ("--owner", "owner", owner), ("--queue", "queue", queue),
            ("--channel", "channel", channel), ("--intent", "intent", intent),
            ("--lang", "lang", lang)])
        search = " ".join(searched.words) or None
        # an ids list feeds an action (`| omnitui assign --to erin -`): every case, or
        # the action reached only the first page's
        most = limit or (-1 if fmt is ListFormat.ids else LIST_LIMIT)
        # --status, else the search's status:, else with --all every status (--all said
        # "every status" over a --status given with it)
        statuses = tuple(status) if status else narrowed.pop("statuses", None) or (
            tuple(Status) if all_ else None)
        narrowed.pop("statuses", None)
        irritated = bool(narrowed.pop("irritated", False)) or irritated  # each said once
        said_snoozed = "--snoozed" if snoozed else "--search is:snoozed"
        snoozed = bool(narrowed.pop("snoozed", False)) or snoozed  # (--snoozed is:snoozed)
        if snoozed and all_:  # one hides what the other shows
            raise UsageError(f"{said_snoozed} lists only the cases snoozed until later (the "
                             "unsolved ones, or those of --status); --all lists every case "
                             "of every status, snoozed or not: give one of them")
        query = CaseQuery(
            statuses=statuses,  # type: ignore[arg-type]
            customer_id=customer, search=search, sort=sort.value,
            limit=most if most < 0 else most + 1, irritated=irritated,
            snoozed=True if snoozed else None if all_ else False,
            **narrowed)  # type: ignore[arg-type]
        rows = list_cases(store.conn, query)
        if 0 < most < len(rows):  # of how many, as the board says "50 of 98 shown"
            rows = rows[:most]
            say(f"the first {most:,} of {count_cases(store.conn, query):,} shown; --limit N "
                "shows more")
    output.print_cases(rows, fmt, SlaKeeper(context.settings).countdown, query.waits,
                       context.zone)


def searched_for(conn: sqlite3.Connection, context: Context,
                 search: str | None) -> "Narrowing":
    """`--search` read as the console's search box reads it: its filters (`lang:de`,
    `is:irritated`) and its words to find; a filter it cannot read is a usage error
    (`lng:de` was searched for as words, and listed nothing)."""
    from omnitui.filters import KEYS, Narrowing, parse, vocabulary_of
    from omnitui.store.queries import distinct_values, known_agents

    if not search:
        return Narrowing()
    if any(word.lower() == "owner:me" for word in search.split()):
        _me_on_the_team(conn, context, "--search")
    read = parse(search, vocabulary_of(context.agent, known_agents(conn, former=True),
                                       distinct_values(conn, "queue"), context.settings))
    if read.case_id is not None:
        read.problems.append(f"#{read.case_id} names a case: `omnitui case "
                             f"{read.case_id}` shows it")
    if bare := [w for w in search.split() if w.endswith(":") and w[:-1].lower() in KEYS]:
        read.problems.append(f"{bare[0]} needs a value ({bare[0]}VALUE): alone it filters "
                             "nothing")  # the search box's "still being typed"
    if read.problems:
        raise typer.BadParameter(read.problems[0], param_hint="--search")
    return read


def _me_on_the_team(conn: sqlite3.Connection, context: Context, option: str) -> None:
    """`me` is this session's agent; one off a team that has agents owns nothing, and
    `cases --owner me` as root said "no cases match"."""
    from omnitui.store.agents import agents

    team = sorted(agent.name for agent in agents(conn))
    if team and context.agent not in team:
        raise typer.BadParameter(
            f"me is {context.agent}, who is not on the team ({', '.join(team)}): "
            "--agent NAME says who you are (before the command)", param_hint=option)


def filter_options(conn: sqlite3.Connection, context: Context,
                   options: list[tuple[str, str, str | None]], *,
                   assigning: bool = False) -> dict[str, object]:
    """Options that name agents, queues, channels, intents or languages (option, filter
    key, value given) read as the console's search box reads them, as CaseQuery fields: a
    mistyped value is a usage error, where `cases` would list nothing, as if no case
    matched, and `assign` or `queue` would give a case to nobody. A search may name an
    agent off the team, or anyone only solved cases name; `assigning` may not."""
    from omnitui.filters import term, vocabulary_of
    from omnitui.store.queries import distinct_values, in_use, known_agents

    vocabulary = vocabulary_of(context.agent, known_agents(conn, former=not assigning),
                               distinct_values(conn, "queue"), context.settings)
    in_use_too = ("queue",) if assigning else ("queue", "owner")
    narrowed: dict[str, object] = {}
    for option, key, value in options:
        if value is None:
            continue
        if key == "owner" and value.lower() == "me":
            _me_on_the_team(conn, context, option)
        read = term(key, value, vocabulary)
        if read.problems and key in in_use_too and (used := in_use(conn, key, value)):
            narrowed[key] = used  # only solved cases have it now
            continue
        if read.problems:
            raise typer.BadParameter(read.problems[0], param_hint=option)
        narrowed.update(read.changes)
    return narrowed


@app.command()
def case(typer_ctx: typer.Context, case_id: CaseId,
         fmt: Annotated[Format, typer.Option("--format")] = Format.table,
         ) -> None:
    """One case and its whole timeline, with why each message joined it."""
    from omnitui import output
    from omnitui.services.fitting import suggested
    from omnitui.services.kb import refresh, suggestions
    from omnitui.services.similar import similar_solved
    from omnitui.services.sla import SlaKeeper
    from omnitui.store.db import StoreError, utc_now
    from omnitui.store.queries import case_detail

    context = ctx(typer_ctx)
    with context.open_store() as store:
        detail = case_detail(store.conn, case_id)
        if detail is None:
            raise OmnituiError(f"there is no case {case_id}")
        sla = SlaKeeper(context.settings).state(store.conn, case_id, utc_now())
        fitting = [m.name for m in suggested(store.conn, context.settings, case_id,
                                             utc_now())]
        articles = []
        if context.settings.kb.path:
            with suppress(StoreError):  # a missing folder: `omnitui kb list` says so
                refresh(store, context.settings.kb)
            articles = suggestions(store.conn, context.settings, case_id, wait=False)
        # Words only: loading the semantic model would cost a script's call about a second
        # (`omnitui kb suggest` uses it).
        similar = similar_solved(store.conn, context.settings, case_id, wait=False)
    output.print_case(detail, fmt, sla, fitting, articles, similar, context.zone)


@app.command()
def doctor(typer_ctx: typer.Context) -> None:
    """Check the config, the store, its schema and file permissions; say what to fix."""
    from omnitui import output
    from omnitui.doctor import run_checks

    context = ctx(typer_ctx)
    path = context.existing_db_path  # first: a demo store brings its team's settings
    try:
        zone = context.zone
    except UsageError:  # a name no agent can have ([console] agent): the rest is checked,
        zone = context.settings.agent_zone(None)  # its times in the team's zone
    results = run_checks(context.settings, path, zone)
    output.print_checks(results)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("merge-customers")
def merge_customers(typer_ctx: typer.Context, source: int, target: int) -> None:
    """Merge customer SOURCE into TARGET (undo with `omnitui undo`)."""
    audit_id = ctx(typer_ctx).act(lambda desk: desk.merge_customers(source, target))
    typer.echo(f"customer #{source} merged into #{target} (audit event {audit_id})")


@app.command("split-customer")
def split_customer(typer_ctx: typer.Context, customer_id: int,
                   identity: Annotated[list[str], typer.Option(
                       help="An identity to split off: its address, number or handle as "
                            "`omnitui case` shows it, or its id (repeatable).")]) -> None:
    """Split identities, and what was sent from them, into a new customer."""
    from omnitui.store.customers import identities_of, require_customer

    def split(desk: "Desk") -> tuple[int, int]:
        require_customer(desk.store.conn, customer_id)
        own = identities_of(desk.store.conn, customer_id)
        region = desk.settings.identity.default_phone_region
        return desk.split_customer(customer_id, [_identity_id(given, own, customer_id, region)
                                                 for given in identity])

    new_id, audit_id = ctx(typer_ctx).act(split)
    typer.echo(f"split off into customer #{new_id} (audit event {audit_id})")


def _identity_id(given: str, own: list["IdentityRow"], customer_id: int, region: str) -> int:
    """The id of the customer's identity `given` names (its id, or its value, written as
    `link` takes it: "07700 900123" is +447700900123 in GB; no command printed the ids it
    wanted); a usage error naming theirs otherwise."""
    from omnitui.identifiers import identity_key

    bare = "".join(given.split()).casefold()
    key = identity_key(given, region)
    for row in own:  # its id first: a handle "7" does not hide identity 7
        if given == str(row.id):
            return row.id
    for row in own:
        if bare == "".join(row.value.split()).casefold() or key == (row.kind, row.value):
            return row.id
    theirs = ", ".join(f"{row.kind} {row.value}" for row in own) or "none"
    raise typer.BadParameter(f"{given!r} is none of customer #{customer_id}'s identities "
                             f"({theirs})", param_hint="--identity")


@app.command("merge-cases")
def merge_cases(typer_ctx: typer.Context,
                source: Annotated[int, typer.Argument(metavar="SOURCE", parser=case_id_of)],
                target: Annotated[int, typer.Argument(metavar="TARGET", parser=case_id_of)],
                other_customer: Annotated[bool, typer.Option(
                    "--other-customer", help="Merge even when the cases are two customers' "
                    "(SOURCE's conversation becomes TARGET's customer's case).")] = False
                ) -> None:
    """Move every message of case SOURCE into TARGET and close SOURCE."""
    from omnitui.services.merge import after_move
    from omnitui.wording import moved_words

    def merge(desk: "Desk") -> tuple[int, tuple[list[int], str, bool]]:
        audit_id = desk.merge_cases([source], target, other_customers=other_customer)[0]
        return audit_id, after_move(desk.store.conn, [], target, audit_id)

    audit_id, (_, status, resumed) = ctx(typer_ctx).act(merge)
    typer.echo(f"case #{source} merged into #{target}{moved_words([], target, status, resumed)}"
               f" (audit event {audit_id})")


@app.command("move-message")
def move_message(typer_ctx: typer.Context,
                 message_ids: Annotated[list[int], typer.Argument(metavar="MESSAGE_ID...")],
                 to: Annotated[int | None, typer.Option(
                     help="Case to re-attach them to; without it, one new case.",
                     parser=case_id_of, metavar="ID")] = None,
                 other_customer: Annotated[bool, typer.Option(
                     "--other-customer", help="Move even into another customer's case "
                     "(replies there go to that customer).")] = False,
                 ) -> None:
    """Split messages off into a new case, or re-attach them to another case."""
    from omnitui.services.merge import after_move
    from omnitui.store.messages import message_by_id
    from omnitui.wording import moved_words

    def move(desk: "Desk") -> tuple[int, int, tuple[list[int], str, bool]]:
        conn = desk.store.conn
        sources = [m["case_id"] for m in (message_by_id(conn, i) for i in message_ids) if m]
        case_id, audit_id = desk.move_messages(message_ids, to,
                                               other_customers=other_customer)
        return case_id, audit_id, after_move(conn, sources, case_id, audit_id)

    case_id, audit_id, (emptied, status, resumed) = ctx(typer_ctx).act(move)
    typer.echo(f"moved to case #{case_id}{moved_words(emptied, case_id, status, resumed)} "
               f"(audit event {audit_id})")


@app.command()
def undo(typer_ctx: typer.Context,
         audit_id: Annotated[int | None, typer.Argument(
             metavar="ID", help="Audit event to undo; default: your last action.")] = None
         ) -> None:
    """Undo an audited action (a merge, a split, a move...)."""
    from omnitui.store.audit import undone_actions
    from omnitui.vocabulary import undo_words

    def undo_it(desk: "Desk") -> tuple[int, str]:
        undo_id = desk.undo(audit_id)
        return undo_id, undo_words(undone_actions(desk.store.conn, undo_id))

    undo_id, words = ctx(typer_ctx).act(undo_it)
    # what went back, and how to have it again (the bare id read as the event undone)
    typer.echo(f"{words} (`omnitui undo {undo_id}` puts it back)")


@app.command()
def suggestions(typer_ctx: typer.Context,
                limit: Annotated[int, typer.Option(
                    min=1, max=MOST,
                    help="At most this many, the most confident first.")] = 100,
                fmt: Annotated[Format, typer.Option("--format")] = Format.table,
                ) -> None:
    """Open merge suggestions from weak evidence (same name, same order number...)."""
    from omnitui import output
    from omnitui.store.queries import SUGGESTION_COLUMNS, open_suggestions

    with ctx(typer_ctx).open_store() as store:
        rows = open_suggestions(store.conn, limit + 1)
    if len(rows) > limit:  # the 101st and on were left out without a word
        rows = rows[:limit]
        say(f"the first {limit:,} shown; --limit N shows more")
    output.print_rows(rows if fmt is not Format.table else
                      [output.suggestion_row(row) for row in rows], fmt,
                      columns=SUGGESTION_COLUMNS, title="open suggestions")


def command_group(name: str, help_text: str) -> typer.Typer:
    """`omnitui NAME SUBCOMMAND`; `omnitui NAME` alone is a usage error naming its commands
    (it printed the help and exit 0: a script's missing word passed for done). A group with
    a command it does alone says so in its own callback (`omnitui agents` lists the team)."""
    group = typer.Typer(help=help_text)

    @group.callback(invoke_without_command=True)
    def listing(typer_ctx: typer.Context) -> None:
        if typer_ctx.invoked_subcommand is None:
            raise UsageError(missing_command(typer_ctx))

    app.add_typer(group, name=name)
    return group


def missing_command(typer_ctx: typer.Context) -> str:
    """'`omnitui kb` needs a command: list, search or suggest (...)'."""
    group = typer_ctx.command
    names = group.list_commands(typer_ctx) if isinstance(group, typer.core.TyperGroup) else []
    choice = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return (f"`{typer_ctx.command_path}` needs a command: {choice} (`{typer_ctx.command_path} "
            "--help` says what each does)")


@app.command()
def report(typer_ctx: typer.Context,
           since: Annotated[str | None, typer.Option(
               metavar="YYYY-MM-DD", show_default=False,
               help="First day, from its midnight in the business hours' time zone (else "
                    "this machine's). Default: 30 days before the end: the last 30 days "
                    "up to this minute, or the 30 whole days that end with --until's day."
               )] = None,
           until: Annotated[str | None, typer.Option(
               metavar="YYYY-MM-DD", show_default=False,
               help="Last day, included to its end (up to now). Default: now.")] = None,
           by: Annotated[GroupBy | None, typer.Option(
               help="One row per queue, channel, agent, tier or day.")] = None,
           chart: Annotated[Path | None, typer.Option(
               "--chart", metavar="FILE.png|FILE.svg",
               help="Also draw the aging, the first-response distribution and the daily "
                    "flow into this image (needs omnitui[charts]).")] = None,
           fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """The funnel of the cases opened in a period: response and resolution times as
    distributions (business hours, pauses left out), first-contact resolution, reopens,
    reassignments, SLA attainment, satisfaction, and the backlog now."""
    from omnitui import output
    from omnitui.metrics.funnel import day_zone, period
    from omnitui.metrics.funnel import report as funnel
    from omnitui.store.db import utc_now

    context = ctx(typer_ctx)
    context.existing_db_path  # noqa: B018 -- the demo store brings its team's hours: the days
    now = utc_now()          # are theirs
    try:
        start, end = period(_day(since, "--since") if since is not None else None,
                            _day(until, "--until") if until is not None else None,
                            context.settings, now)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise typer.BadParameter(f"{chart}: a .png or .svg file", param_hint="--chart")
    with context.open_store() as store:
        found = funnel(store.conn, context.settings, start, end, now,
                       by.value if by is not None else None)
        if chart is not None:
            from omnitui.metrics.charts import write_chart

            write_chart(store.conn, context.settings, start, end, now, chart)
    output.print_report(found, fmt, day_zone(context.settings))
    if chart is not None:
        say(f"charts written to {chart}")


sla_app = command_group("sla", "SLA clocks: apply changed policies to open cases.")


@sla_app.command("recompute")
def sla_recompute(typer_ctx: typer.Context,
                  since: Annotated[str | None, typer.Option(
                      "--since", help="Only cases changed since this date (YYYY-MM-DD).")] = None,
                  dry_run: Annotated[bool, typer.Option(
                      "--dry-run", help="Say what would change; change nothing.")] = False,
                  solved: Annotated[bool, typer.Option(
                      "--solved", help="Also the solved and closed cases: the durations "
                      "`omnitui report` reads, for history from before schema 19.")] = False,
                  fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """Replay every unsolved case's SLA clocks from its audit log under the policies the
    config has now (an SLA repair, after a policy changed): audited; not undone (put the
    old policy back and run it again)."""
    from omnitui import output

    context = ctx(typer_ctx)
    since = since_day(since, context.zone)
    repair = context.act(lambda desk: desk.recompute_sla(since, dry_run=dry_run,
                                                         solved=solved), admin=True,
                         dry_run=dry_run)
    output.print_repair(repair, fmt, dry_run=dry_run, solved=solved, zone=context.zone)


kb_app = command_group("kb", "The knowledge base: list, search and suggest articles.")


def _kb_synced(typer_ctx: typer.Context, read: "Callable[[sqlite3.Connection], T]") -> T:
    """`read` on the index, brought in step with the folder first."""
    from omnitui.services.kb import refresh
    from omnitui.triage.semantic import model_for

    context = ctx(typer_ctx)
    path = context.existing_db_path  # first: a demo store brings its team's settings
    if not context.settings.kb.path:
        raise OmnituiError("no knowledge base: set [kb] path to a folder of Markdown articles")
    with context.open_store(path) as store:
        synced = refresh(store, context.settings.kb, model_for(context.settings.semantic))
        for problem in synced.unreadable if synced else []:
            say(f"skipped {problem}")
        return read(store.conn)


@kb_app.command("list")
def kb_list(typer_ctx: typer.Context,
            fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """Every article: path, title, tags."""
    from omnitui import output
    from omnitui.services.kb import articles

    output.print_articles(_kb_synced(typer_ctx, articles), fmt, ranked=False)


@kb_app.command("search")
def kb_search(typer_ctx: typer.Context,
              words: Annotated[list[str], typer.Argument(metavar="WORDS...")],
              fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """Articles with every one of the words, best first (`kb search refund charged`, no
    quotes needed)."""
    from omnitui import output
    from omnitui.services.kb import search

    query = " ".join(words)
    output.print_articles(_kb_synced(typer_ctx, lambda conn: search(conn, query)), fmt)


@kb_app.command("suggest")
def kb_suggest(typer_ctx: typer.Context,
               case_id: CaseId,
               fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """The articles most likely to answer case ID, best first."""
    from omnitui import output
    from omnitui.services.kb import suggestions
    from omnitui.store.cases import get_case

    def read(conn: "sqlite3.Connection") -> list:
        if get_case(conn, case_id) is None:
            raise OmnituiError(f"there is no case {case_id}")
        return suggestions(conn, ctx(typer_ctx).settings, case_id, limit=5)

    output.print_articles(_kb_synced(typer_ctx, read), fmt)


@app.command("accept-suggestion")
def accept_suggestion(typer_ctx: typer.Context, suggestion_id: int) -> None:
    """Carry out a suggestion: merge the customers, or attach the message to the case."""
    audit_id = ctx(typer_ctx).act(lambda desk: desk.accept_suggestion(suggestion_id))
    typer.echo(f"suggestion {suggestion_id} accepted (audit event {audit_id})")


@app.command("dismiss-suggestion")
def dismiss_suggestion(typer_ctx: typer.Context, suggestion_id: int) -> None:
    """Mark a suggestion wrong, so it is not shown again."""
    audit_id = ctx(typer_ctx).act(lambda desk: desk.dismiss_suggestion(suggestion_id))
    typer.echo(f"suggestion {suggestion_id} dismissed (audit event {audit_id})")


def _check_log_file(path: Path) -> None:
    """A --log-file must be a file (or none yet) in a folder that exists: a mistyped folder
    was made, a folder given was made private."""
    if path.exists() and not path.is_file():
        raise UsageError(f"--log-file {path} is not a file (a folder?): give the log file's "
                         "path, such as /var/log/omnitui/omnitui.log")
    _check_folder("--log-file", path)


def _check_folder(option: str, path: Path) -> None:
    """The file `option` names goes in a folder that exists: one missing is a typo more
    often than a wish, and was made without a word."""
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: no folder {path.parent}; check the path, or "
                         "create the folder first")


def in_a_folder(store: Path) -> None:
    """A store goes in a folder that exists: one missing is a mistyped --db, refused rather
    than made (or, for a restore, "could not copy ...: No such file or directory")."""
    if not store.parent.is_dir():
        raise OmnituiError(f"no folder {store.parent} for the store {store}: check the path, "
                           "or create the folder first")


@app.command()
def serve(typer_ctx: typer.Context,
          log_file: Annotated[Path | None, typer.Option(
              "--log-file", help="Log here as well as to stderr (default: next to the store, "
                                 "<store>.log).")] = None,
          with_console: Annotated[bool, typer.Option(
              "--console", help="Also open the console in this process (one command for a "
                                "single-person setup; the log then goes to the file only)."
          )] = False,
          ) -> None:
    """Run the daemon: sync every mailbox, receive webhooks, send the outbox. Stops on SIGTERM
    or ctrl+c."""
    from omnitui.config import ConfigError, default_log_path, missing_secrets
    from omnitui.daemon.log import log_to
    from omnitui.daemon.service import Daemon
    from omnitui.private_files import keep_private
    from omnitui.store.schema import SCHEMA_VERSION

    context = ctx(typer_ctx)
    path = context.existing_db_path
    with context.open_store(path) as store:  # missing, newer or read-only: one line, here
        store.check_writable()
    upgraded_from = store.upgraded_from  # said in the log once it is open
    log = log_file or default_log_path(path)
    if log_file is not None:  # a folder given was made mode 600 before the open failed on
        _check_log_file(log_file)  # it (/srv/omnitui: the service locked out)
    # it holds message text and phone numbers; root's daemon on the service's store left it
    # root's, and the service could not log after it
    if (mode := keep_private(log)) is not None:
        say(f"{log} was mode {mode:o}, readable by other users; it is 600 now")
    settings = context.settings
    if missing := missing_secrets(settings.mailboxes, settings.channels):
        # it tried again every few seconds for ever: a process's environment never changes
        problem = ("; ".join(missing) + ": set it where the daemon starts (the service's "
                   "EnvironmentFile); nothing was started")
        log_to(log, stderr=False)  # the reason in the log too; on stderr, one line
        logging.getLogger("omnitui.daemon").error("could not start: %s", problem)
        raise ConfigError(problem)
    log_to(log, stderr=not with_console)
    if upgraded_from is not None:  # the documented upgrade's start: the admin's proof
        logging.getLogger("omnitui.daemon").info(
            "upgraded %s from schema version %d to %d", path, upgraded_from, SCHEMA_VERSION)
    daemon = Daemon(path, context.settings)
    if not with_console:
        daemon.run_until_stopped()
        return
    daemon.start()
    try:
        console(context, path, last=False)
    finally:
        daemon.shutdown()


def main() -> None:
    """Entry point: expected errors become one line on stderr, never a traceback; anything
    else is a bug and keeps its traceback."""
    _standard_streams()
    escape_what_the_locale_cannot_show()
    try:
        status = just_the_command()(standalone_mode=False)  # an Exit(code) comes back as its code
        if isinstance(status, int):
            sys.exit(status)
    except typer.TyperException as exc:
        # Usage errors (unknown command or option, bad or missing value) and typer's other
        # errors. Since 0.26 typer ships its own copy of click, so click's ClickException no
        # longer matches them; since 0.28 its classes derive from this public one.
        say(_typer_error(exc))
        sys.exit(exc.exit_code)
    except OmnituiError as exc:
        say(f"{exc.label}: {exc}")
        sys.exit(exc.exit_code)
    except sqlite3.OperationalError as exc:
        from omnitui.store.db import cannot_write, expected, store_problem, unwritable

        if not expected(exc):
            raise
        say(f"error: {unwritable('the store', exc) if cannot_write(exc) else store_problem(exc)}")
        sys.exit(1)
    except UnicodeEncodeError as exc:
        if (byte := _undecoded_byte(exc)) is None:
            raise
        before = exc.object[max(0, exc.start - 30):exc.start].rsplit("\n", 1)[-1]
        say(f"usage error: not UTF-8: byte 0x{byte:02x} "
            + (f"after '{before}'" if before else "at the start of a line")
            + " (give text and file names in UTF-8; `iconv -t utf-8` converts a file's text)")
        sys.exit(2)
    except OverflowError as exc:  # an id past SQLite's integers, from any option (bound as
        if "SQLite INTEGER" not in str(exc):  # given: 2**63 and up; a --limit says its most)
            raise
        say(f"usage error: a number given is too large (the most is {2**63 - 1})")
        sys.exit(2)
    except typer.Abort:
        say("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _reader_gone()
    except SystemExit as exc:  # how typer and rich end a write into a closed pipe
        if isinstance(exc.__context__, BrokenPipeError):
            _reader_gone()
        raise
    except OSError as exc:
        if exc.errno is None or not (exc.filename or exc.errno in FULL_OR_READ_ONLY):
            raise
        say(f"error: {exc.filename}: {os.strerror(exc.errno)}" if exc.filename else
            f"error: {os.strerror(exc.errno)}: nothing more was written (free some space, or "
            "check the disk is mounted writable)")
        sys.exit(1)


def _reader_gone() -> None:
    """Output into a pipe its reader closed (`omnitui cases | head -1`) ends the command as
    it ends git and coreutils: killed by SIGPIPE, without a word (a shell says 141, and
    `set -o pipefail` fails as it does for `git log | head -1`). Typer and rich, which
    write it, exited 1 instead: a failure like any other to a script."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGPIPE)


def _standard_streams() -> None:
    """A standard stream its caller closed (`<&-`, `>&-`: a daemon's child) as /dev/null:
    Python leaves it None, so reading `-` or printing what was done ended in a traceback (a
    note added, then exit 1: a script adds it again), and its number free for a file of ours.
    Opened in order, each takes its own number, the lowest free; kept open to the end.
    stdin's bytes that are not UTF-8 are kept as Python keeps argv's (a UTF-8 locale read
    them strictly, a C locale did not), for main to refuse both alike."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")


def _undecoded_byte(exc: UnicodeEncodeError) -> int | None:
    """The byte that was not UTF-8 where text or a file name from the command line or stdin
    failed to be written (Python keeps such a byte as a lone surrogate, U+DC80 to U+DCFF);
    None: a bug."""
    found = exc.object[exc.start] if isinstance(exc.object, str) else ""
    return ord(found) - 0xDC00 if "\udc80" <= found <= "\udcff" else None


# A machine's state, not a bug: a full disk, a quota, a file system mounted read-only (the
# daemon's lock file on a full disk ended in a traceback)
FULL_OR_READ_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


GLOBAL_OPTIONS = ("--config", "--db", "--agent")


def _typer_error(exc: typer.TyperException) -> str:
    """'usage error: No such option: --bogus (see `omnitui cases --help`)'."""
    command = getattr(exc, "ctx", None)  # a usage error knows the command it is about
    path = command.command_path if command is not None else _typed_command()
    hint = f" (see `{path} --help`)" if path else ""
    if command is not None and getattr(exc, "option_name", None) in GLOBAL_OPTIONS:
        hint = (f" ({exc.option_name} goes before the command: `omnitui {exc.option_name} "
                f"... {command.command_path.removeprefix('omnitui').strip()}`)")
    kind = "usage error" if exc.exit_code == 2 else "error"
    message = exc.format_message().rstrip(".")
    top = command is None or command.parent is None  # `omnitui X`, not `omnitui sla X`
    if top and (wanted := _meant_command(message)) is not None:  # "Did you mean 'demo'?"
        message = f"{message.split('.')[0]}. Did you mean '{wanted}'?"  # of `daemon` built
    return f"{kind}: {message}{hint}"  # the demo store


# What people coming from other tools type, and the command that does it: click's guess by
# spelling answered `omnitui daemon` with "Did you mean 'demo'?"
COMMAND_SYNONYMS = {"daemon": "serve", "start": "serve", "run": "serve", "server": "serve",
                    "tickets": "cases", "ticket": "case", "list": "cases", "show": "case",
                    "conversations": "cases", "search": "cases"}


def _meant_command(message: str) -> str | None:
    """The command a "No such command 'X'" means, when X is another tool's word for it."""
    found = re.match(r"No such command '([^']+)'", message)
    return COMMAND_SYNONYMS.get(found[1].lower()) if found else None


def _typed_command() -> str | None:
    """`omnitui tag` (or a group's command, `omnitui sla recompute`) from the command line,
    for an error raised before typer knew its command (an option missing its value)."""
    word = _first_word()
    if word is None:
        return None
    commands, groups = _named(word)
    if not groups:
        return f"omnitui {word}" if commands else None
    after = next((w for w in sys.argv[sys.argv.index(word, 1) + 1:] if not w.startswith("-")),
                 None)  # the group's command: its own help has the option, the group's not
    group = groups[0].typer_instance
    named = {c.name or get_command_name(c.callback.__name__)  # type: ignore[union-attr]
             for c in (group.registered_commands if group else [])}
    return f"omnitui {word} {after}" if after in named else f"omnitui {word}"


def _first_word() -> str | None:
    """The first word of the command line that is neither a global option nor its value: the
    command (or a typo of one); None when the console is asked for."""
    words = iter(sys.argv[1:])
    for word in words:
        if word in GLOBAL_OPTIONS:
            next(words, None)  # its value
        elif not word.startswith("-"):
            return word
    return None


def _named(word: str) -> tuple[list[CommandInfo], list[TyperInfo]]:
    """The command or the group of commands (`agents`) that `word` names, if any."""
    return ([c for c in app.registered_commands
             if (c.name or get_command_name(c.callback.__name__)) == word],  # type: ignore[union-attr]
            [g for g in app.registered_groups if g.name == word])


def just_the_command() -> typer.Typer:
    """The app with only the command typed (none for the console): typer builds every
    command's options before it runs one, 67M instructions (about 20 ms) of each start
    (bench/start_instructions.py). The whole app when the list of commands is asked for
    (`--help` before a command) or the word names none (click suggests one)."""
    word = _first_word()
    typed = sys.argv[1:sys.argv.index(word, 1)] if word is not None else sys.argv[1:]
    if "--help" in typed:
        return app
    commands, groups = _named(word) if word is not None else ([], [])
    if word is not None and not commands and not groups:
        return app
    one = copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


# The actions on cases, one command each (omnitui/cli_actions.py), registered on `app`.
from omnitui import cli_actions, cli_ops, cli_team  # noqa: E402, F401
