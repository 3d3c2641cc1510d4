"""Running the store: `omnitui backup` and `omnitui restore` (a consistent copy of the store
and its attachments while the daemon and consoles write, and putting one back when nobody
uses it: store/backup.py, docs/deployment.md), `omnitui history` (the audit log) and
`omnitui refile` (kept raw items parsed again)."""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from omnitui.choices import Format
from omnitui.cli import (
    MOST,
    Context,
    app,
    case_id_of,
    ctx,
    in_a_folder,
    named_agent,
    say,
    since_day,
)
from omnitui.errors import Refused, UsageError

Folder = Annotated[Path, typer.Argument(
    metavar="DEST", show_default=False,
    help="A new (or empty) folder for the backup: it gets omnitui.db and attachments/.")]
Source = Annotated[Path, typer.Argument(metavar="SRC", show_default=False,
                                        help="A backup folder (or its omnitui.db).")]


@app.command()
def backup(typer_ctx: typer.Context, dest: Folder) -> None:
    """Copy the store and its attachments into DEST while everything keeps running: a
    snapshot of every commit before the copy began, checked before it is called done."""
    from omnitui.config import attachments_dir
    from omnitui.store.backup import ATTACHMENTS
    from omnitui.store.backup import backup as copy
    from omnitui.wording import plural

    context = ctx(typer_ctx)
    path = _existing(context)
    files = attachments_dir(context.settings, path)
    done = copy(path, files, dest)
    # which store, and where each part went (it said "backup monday: ...", and an admin
    # looked for a file named monday)
    say(f"backed up {path.absolute()} into the folder {dest.absolute()}: "
        f"{done.path.name} ({done.size / 1e6:,.1f} MB, {plural(done.cases, 'case')}, "
        f"{plural(done.messages, 'message')}, integrity ok) and "
        + (f"{ATTACHMENTS}/ ({plural(done.attachments, 'file')})" if done.attachments else
           "no attachment files" + ("" if done.missing else " (the store has none)"))
        + f", in {done.seconds:.1f} s")  # (it named a folder it never made)
    if done.missing:  # (a missing folder was "the store has none")
        say(f"warning: {plural(done.missing, 'attachment file')} the store names "
            f"{'is' if done.missing == 1 else 'are'} not in {files}: the backup lacks "
            f"{'it' if done.missing == 1 else 'them'}")
        raise typer.Exit(1)


@app.command()
def restore(typer_ctx: typer.Context, source: Source,
            empty: Annotated[bool, typer.Option(
                "--empty", help="Restore it even if it holds no case and the store "
                "it replaces does.")] = False) -> None:
    """Put the backup SRC in place of the store, which nobody may be using (no daemon, no
    console); the store it replaces is kept beside it."""
    from omnitui.config import attachments_dir
    from omnitui.store.backup import backup_file
    from omnitui.store.backup import restore as put_back
    from omnitui.store.db import utc_now
    from omnitui.wording import plural

    context = ctx(typer_ctx)
    # a link to the store names the store: the link was set aside and a file put in its
    # place, and the store behind it (on a bigger disk) stayed as it was; the attachments
    # stay where every command looks for them, beside the path it was given
    path = context.db_path.resolve()
    files = attachments_dir(context.settings, context.db_path)
    backup_file(source)  # a wrong source said first, whoever uses the store
    in_a_folder(path)
    with _alone(context, path) if path.exists() else nullcontext():
        done, kept = put_back(source, path, files,
                              utc_now().strftime("%Y%m%d-%H%M%S"), empty=empty)
    say(f"restored {path} from {source}: {plural(done.cases, 'case')}, "
        f"{plural(done.messages, 'message')}, {plural(done.attachments, 'attachment file')} "
        "added, integrity ok"
        + (f"; the store it replaced is kept as {kept}" if kept else ""))
    if replication := context.settings.store.litestream_config:  # its replica: the old store
        say(f"Litestream replicates this store ({replication}): start it again now, so its "
            "replica holds the restored store (`omnitui doctor` says when it does)")
    if done.missing:  # it said "integrity ok" of a backup folder copied without them
        say(f"warning: {plural(done.missing, 'attachment file')} the store names "
            f"{'is' if done.missing == 1 else 'are'} in neither the backup nor {files}: copy "
            "the backup's attachments folder too; their messages show them, unopenable")
        raise typer.Exit(1)


def _existing(context: Context) -> Path:
    path = context.existing_db_path
    if not path.exists():
        raise Refused(f"no store at {path} to back up")
    return path


@contextmanager
def _alone(context: Context, path: Path) -> Iterator[None]:
    """Hold the store alone while it is replaced: the daemon's lock, and the in-use lock
    every console and import holds shared, both taken for the whole restore (looked at
    only for a moment first, an import starting meanwhile wrote into the store set aside).
    Taken: say who uses the store, change nothing."""
    from omnitui.daemon import lock
    from omnitui.file_lock import in_use_path, try_lock
    from omnitui.store import agents
    from omnitui.store.db import Store, db_time, utc_now

    try:
        daemon = lock.acquire(path)
    except lock.AlreadyRunning as exc:
        raise Refused(f"{exc}; restore replaces the store under it") from None
    with closing(daemon):
        users = try_lock(in_use_path(path))
        if users is None:
            recent = db_time(utc_now() - timedelta(
                seconds=context.settings.routing.present_seconds))
            with Store(path, migrate=False) as store:
                here = [a.name for a in agents.agents(store.conn)
                        if a.seen_at and a.seen_at >= recent]
            who = f"consoles are open on {path} ({', '.join(here)})" if here else \
                f"a console or an import is using {path}"
            raise Refused(f"{who}: let them finish first; restore replaces the store under "
                          "them")
        with closing(users):
            yield


@app.command()
def history(typer_ctx: typer.Context,
            case: Annotated[int | None, typer.Option(
                "--case", help="Only this case's changes.", show_default=False,
                parser=case_id_of, metavar="ID")] = None,
            agent: Annotated[str | None, typer.Option(
                "--agent", "--by", help="Only what this agent (or omnitui-router, "
                "omnitui-pipeline...) did.", show_default=False,
                callback=named_agent)] = None,
            since: Annotated[str | None, typer.Option(
                "--since", help="From this date (YYYY-MM-DD).", show_default=False)] = None,
            limit: Annotated[int, typer.Option("--limit", min=1, max=MOST,
                                               help="The latest this many.")] = 200,
            fmt: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """Who changed what, when, before and after: every action of agents, routing and
    automations, with its reason (the audit log), oldest first."""
    from omnitui import output
    from omnitui.store.audit import history as read
    from omnitui.wording import changes_words

    since = since_day(since, ctx(typer_ctx).zone)
    with ctx(typer_ctx).open_store() as store:
        _check_history_filters(store.conn, case, agent)
        entries = read(store.conn, case_id=case, actor=agent, since=since, limit=limit)
    if fmt is Format.table:
        output.print_history(entries, ctx(typer_ctx).zone)
        return
    rows = [dict(zip(HISTORY_COLUMNS, (
        e.id, e.at, e.actor, e.action, e.case_id, e.customer_id, e.reason,
        [{"what": what, "before": was, "after": now} for what, was, now in e.changes]
        if fmt is Format.json else changes_words(e.changes, width=200)), strict=True))
        for e in entries]
    output.print_rows(rows, fmt, title="history", columns=HISTORY_COLUMNS)


HISTORY_COLUMNS = ("id", "at", "actor", "action", "case_id", "customer_id", "reason", "changes")


def _check_history_filters(conn: sqlite3.Connection, case: int | None,
                           agent: str | None) -> None:
    """A case that does not exist, or a name that is nobody's, says so: "no history" read
    as if they had done nothing."""

    from omnitui.closest import closest
    from omnitui.store.audit import has_acted
    from omnitui.store.cases import get_case
    from omnitui.store.queries import known_agents

    if case is not None and get_case(conn, case) is None:
        raise Refused(f"there is no case {case}")
    if agent is None or has_acted(conn, agent):
        return
    agents = known_agents(conn)
    if agent in agents:
        return  # an agent who has done nothing yet: no history is the answer
    close = closest(agent, agents)
    raise UsageError(f"--agent {agent!r}: nobody of that name has acted"
                     + (f"; did you mean {close}?" if close else
                        f" (the agents: {', '.join(agents)})"))


@app.command()
def refile(typer_ctx: typer.Context,
           failed: Annotated[bool, typer.Option(
               "--failed", help="Only the items that failed to file.")] = False,
           since: Annotated[str | None, typer.Option(
               "--since", help="Received from this date (YYYY-MM-DD).",
               show_default=False)] = None,
           channel: Annotated[str | None, typer.Option(
               "--channel", help="One mailbox or [[channels]] name.",
               show_default=False)] = None) -> None:
    """Parse the kept raw items again (after a parser fix): failed items are filed, filed
    ones get their messages' parsed fields updated in place. No acknowledgement or
    automation runs, no case changes owner; a second run changes nothing."""
    from omnitui.refile import refile as parse_again
    from omnitui.store.messages import has_raw_from

    context = ctx(typer_ctx)
    since = since_day(since, context.zone)
    known = {m.name for m in context.settings.mailboxes} | {
        c.name for c in context.settings.channels}
    with context.open_store() as store:
        if channel is not None and channel not in known and not has_raw_from(store.conn,
                                                                             channel):
            raise UsageError(f"--channel {channel!r}: no mailbox or [[channels]] entry of "
                             f"that name ({', '.join(sorted(known)) or 'none configured'})")
        done = parse_again(store, context.settings, failed_only=failed, since=since,
                           source=channel, said=say)
    say(f"refiled: {done.filed:,} failed items filed, {done.updated:,} messages updated, "
        f"{done.unchanged:,} unchanged, {done.still_failing:,} still failing"
        + (f", {done.no_parser:,} left as they are (of channels it cannot parse again)"
           if done.no_parser else ""))

