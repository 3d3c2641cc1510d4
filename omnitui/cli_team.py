"""`omnitui agents`: the team on one server. Who works here with which skills, capacity and
role; the `authorized_keys` line that opens the console as an agent over SSH; who is away.

The store's agents table is the truth at run time; the config's [[agents]], when it has
them, are applied over it when a console or the daemon starts (docs/deployment.md).
"""

from pathlib import Path
from typing import Annotated

import typer

from omnitui.choices import Format
from omnitui.cli import Context, app, checked_agent_name, ctx, say
from omnitui.errors import UsageError

agents_app = typer.Typer(help="The team: skills, capacity, role, SSH keys, away or back. "
                              "`omnitui agents` alone lists it.")
app.add_typer(agents_app, name="agents")

Name = Annotated[str, typer.Argument(metavar="NAME", help="The agent's name.",
                                     show_default=False)]
Fmt = Annotated[Format, typer.Option("--format")]


@agents_app.callback(invoke_without_command=True)
def agents(typer_ctx: typer.Context, fmt: Fmt = Format.table) -> None:
    """The team as routing sees it: skills, capacity, open cases, here, away or gone."""
    if typer_ctx.invoked_subcommand is None:
        _roster(ctx(typer_ctx), fmt)


@agents_app.command("list")
def agents_list(typer_ctx: typer.Context, fmt: Fmt = Format.table) -> None:
    """The team as routing sees it: skills, capacity, open cases, here, away or gone."""
    _roster(ctx(typer_ctx), fmt)


def _roster(context: Context, fmt: Format) -> None:
    from omnitui import output
    from omnitui.services.routing import ROSTER_COLUMNS, Router, apply_agents
    from omnitui.store.db import utc_now

    with context.open_store() as store:
        now = utc_now()
        apply_agents(store, context.settings, now)  # as a console or the daemon would
        # at its start: the config's [[agents]] read "no agents" until one had run
        rows = Router(context.settings).roster(store.conn, now)
    output.print_rows(rows if fmt is not Format.table else
                      [output.roster_row(row, now) for row in rows], fmt,
                      columns=ROSTER_COLUMNS, title="agents")


@agents_app.command("add")
def agents_add(
        typer_ctx: typer.Context, name: Name,
        key: Annotated[Path | None, typer.Option(
            "--key", help="The agent's public SSH key (their id_ed25519.pub), for a console "
                          "over SSH; without it, they work on this machine.",
            show_default=False)] = None,
        skills: Annotated[str | None, typer.Option(
            "--skills", help="Comma-separated: billing,tech.", show_default=False)] = None,
        languages: Annotated[str | None, typer.Option(
            "--languages", help="The languages they answer in, ISO 639-1 codes: de,en.",
            show_default=False)] = None,
        capacity: Annotated[str | None, typer.Option(
            "--capacity", help="Open cases per channel class: chat=3,email=10.",
            show_default=False)] = None,
        role: Annotated[str | None, typer.Option(
            "--role", help="agent (the default) or supervisor.", show_default=False)] = None,
        write: Annotated[Path | None, typer.Option(
            "--write", help="Append the line to this authorized_keys file.",
            show_default=False)] = None) -> None:
    """Put NAME on the team and print the authorized_keys line that opens the console as
    NAME with their key, and nothing else (or append it to --write FILE); without --key, an
    agent who works on this machine. For an agent already on the team, what is not given
    stays as it was."""
    from omnitui import ssh_keys
    from omnitui.config import AGENT_ROLES, config_file
    from omnitui.config.languages import meant_language, unknown_languages
    from omnitui.services.routing import profile_of
    from omnitui.store import agents as agent_store
    from omnitui.store.agents import AgentProfile
    from omnitui.store.queries import known_agents

    context = ctx(typer_ctx)
    checked_agent_name(name, "NAME")
    if key is None and write is not None:
        raise UsageError("--write adds an SSH key's line: give the key with --key")
    public = ssh_keys.read_public_key(key) if key is not None else None
    if role is not None and role not in AGENT_ROLES:
        raise UsageError(f"--role {role!r}: one of {', '.join(AGENT_ROLES)}")
    if languages is not None and (bad := unknown_languages(_words(languages))):
        meant = meant_language(bad[0])
        raise UsageError(f"--languages {bad[0]!r}: not an ISO 639-1 code of a language omnitui"
                         " tells, such as \"de\"" + (f" (did you mean {meant!r}?)" if meant
                                                      else ""))
    routing = context.settings.routing
    counts = _capacity(capacity) if capacity is not None else None
    if unknown := [klass for klass in counts or {} if klass not in routing.channel_classes]:
        raise UsageError(f"--capacity: {routing.not_a_class(unknown[0])}")
    path = context.existing_db_path
    configured = next((a for a in context.settings.agents if a.name == name), None)
    if configured is not None and (skills, languages, capacity, role) != (None,) * 4:
        # they were written, said, and put back as the config has them at the next start
        raise UsageError(f"{name}'s skills, languages, capacity and role come from "
                         f"{_team_of(context)}: "
                         "change them there (--key alone writes their SSH line)")
    with context.open_store(path) as store:
        now = agent_store.agent(store.conn, name)
        clash = next((other for other in known_agents(store.conn, former=True)
                      if other.casefold() == name.casefold() and other != name), None)
    if clash is not None:  # "ALICE" beside alice: `--owner alice` listed both's cases
        raise UsageError(f"{name!r} is {clash!r} written another way: agent names are one "
                         f"in any case (the team has {clash})")
    profile = profile_of(configured) if configured else AgentProfile(
        name, "", "",
        tuple(_words(skills)) if skills is not None else tuple(sorted(now.skills)) if now
        else (), counts if counts is not None else now.capacity if now else {},
        role or (now.role if now else "agent"),
        tuple(_words(languages)) if languages is not None else tuple(sorted(now.languages))
        if now else ())
    config, named = config_file(context.config_option)
    line, written = None, False
    if public is not None:  # the config only when named: the admin's own default one
        # (root's ~/.config) is not the service's, which could not even read it
        line = ssh_keys.forced_line(public, name, ssh_keys.console_command(
            name, config.absolute() if named else None,
            context.db_option or (None if named else path)))
        if write is not None:
            written = ssh_keys.add_line(write, line, public, name)
    with context.open_store(path) as store:
        context.desk_on(store, admin=True).add_agent(
            profile, str(write.absolute()) if write is not None else None)
    say(f"{name} is on the team{' (as the config has them)' if configured else ''}: "
        f"{profile.role}, skills {', '.join(profile.skills) or 'none'}"
        + (f", speaks {', '.join(profile.languages)}" if profile.languages else "")
        + ", capacity " + (" · ".join(
            f"{klass} {count}" for klass, count in profile.capacity.items()) or "no limit"))
    asked = {skill for queue in context.settings.queues for skill in queue.skills}
    if asked and (stray := [s for s in profile.skills if s not in asked]):  # "biling"
        say(f"note: no queue asks for {', '.join(stray)}; the queues ask for "
            f"{', '.join(sorted(asked))}")
    if line is None:
        say(f"{name} works on this machine: `omnitui --agent {name}` (--key gives an SSH "
            "line for a console from elsewhere)")
    elif write is None:
        typer.echo(line)
    else:
        say(f"{'added the line to' if written else 'the line is already in'} {write}")


@agents_app.command("remove")
def agents_remove(typer_ctx: typer.Context, name: Name) -> None:
    """Take NAME off the team: their unsolved cases go back to routing, and the
    authorized_keys line `agents add --write` wrote for them goes."""
    from omnitui import ssh_keys
    from omnitui.store import agents as agent_store

    context = ctx(typer_ctx)
    _ = context.existing_db_path  # the demo store's team, before its names are read
    if name in {a.name for a in context.settings.agents}:  # taken off, `omnitui agents`
        # put them back at once: the config is applied at every start and listing
        raise UsageError(f"{name} is in {_team_of(context)}: take them out there first")
    with context.open_store() as store:
        keys_file = agent_store.keys_file(store.conn, name)
        handed = context.desk_on(store, admin=True).remove_agent(name)
    say(f"{name} is off the team; {len(handed)} unsolved case"
        f"{'' if len(handed) == 1 else 's'} back to routing"
        + (f" ({', '.join(f'#{i}' for i in handed[:10])}{', …' if len(handed) > 10 else ''})"
           if handed else ""))
    if keys_file:
        gone = ssh_keys.remove_lines(Path(keys_file), name)
        say(f"{gone} line{'' if gone == 1 else 's'} taken out of {keys_file}")


@agents_app.command("away")
def agents_away(typer_ctx: typer.Context, name: Name) -> None:
    """NAME is away: routing gives them nothing (and after a while hands their untouched
    cases on), as their own console's key does."""
    _set_away(ctx(typer_ctx), name, away=True)


@agents_app.command("back")
def agents_back(typer_ctx: typer.Context, name: Name) -> None:
    """NAME is available again: the waiting cases they have room for come at once."""
    _set_away(ctx(typer_ctx), name, away=False)


def _set_away(context: Context, name: str, *, away: bool) -> None:
    from omnitui.store.agents import agent as agent_row
    from omnitui.wording import availability_words

    with context.open_store() as store:
        changed = context.desk_on(store, admin=True).set_agent_away(name, away)
        found = agent_row(store.conn, name)
    say(availability_words(name, away, supervisor=found is not None and found.supervisor,
                           changed=changed))


def _team_of(context: Context) -> str:
    """Where the team's settings come from: the config's [[agents]], or the demo's team
    (`demo_team.with_demo_team`, for a demo store whose config names none)."""
    from omnitui.demo_team import DEMO_AGENTS

    if context.settings.agents == list(DEMO_AGENTS):
        return "the demo's team (its store applies it at every start)"
    return f"the config's [[agents]] ({context.settings.source})"


def _words(text: str) -> list[str]:
    return sorted({word.strip() for word in text.split(",") if word.strip()})


def _capacity(text: str) -> dict[str, int]:
    """`chat=3,email=10` as {"chat": 3, "email": 10}."""
    found: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        klass, sep, count = part.partition("=")
        if not sep or not count.strip().isdigit():
            raise UsageError(f"--capacity {text!r}: write it as chat=3,email=10")
        found[klass.strip()] = int(count)
    return found
